//! Exports nobody calls. Leptos links `wasm-streams` (through `server_fn`),
//! whose `#[wasm_bindgen]` classes `IntoUnderlyingSource`,
//! `IntoUnderlyingSink` and `IntoUnderlyingByteSource` become exports of
//! the bundle; an export is never dead code, so their Rust side (future
//! adapters, every `std::io` error message) stayed in the wasm although the
//! widget never hands a Rust stream to JavaScript. After `trunk build` this
//! removes those classes from the JS glue and their exports from the wasm,
//! then runs wasm-opt again (with the flags of www/index.html) so what only
//! they reached goes too: about 2 KB gzip.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cmd::Cmd;
use crate::imports::{map_section, read_leb, read_name, write_leb, write_name};
use crate::project;

/// The classes removed, as the glue names them.
const UNUSED_CLASSES: [&str; 3] = [
    "IntoUnderlyingByteSource",
    "IntoUnderlyingSink",
    "IntoUnderlyingSource",
];

/// Removes the unused classes from `js_path` and their exports from
/// `wasm_path`, then lets wasm-opt drop what they alone kept. Does nothing
/// when the glue has none of them (a dependency change may drop them).
pub fn drop_unused(wasm_path: &Path, js_path: &Path) -> Result<()> {
    let js =
        fs::read_to_string(js_path).with_context(|| format!("reading {}", js_path.display()))?;
    if !UNUSED_CLASSES.iter().any(|c| js.contains(c)) {
        return Ok(());
    }
    let js = drop_classes(&js)?;
    let wasm = fs::read(wasm_path).with_context(|| format!("reading {}", wasm_path.display()))?;
    let (wasm, dropped) = drop_exports(&wasm)?;
    fs::write(wasm_path, wasm).with_context(|| format!("writing {}", wasm_path.display()))?;
    fs::write(js_path, js).with_context(|| format!("writing {}", js_path.display()))?;
    println!(
        "→ dropped {dropped} unused exports ({})",
        UNUSED_CLASSES.join(", ")
    );
    let optimized = wasm_path.with_extension("opt.wasm");
    Cmd::new("wasm-opt")
        .arg(wasm_path)
        .arg("-o")
        .arg(&optimized)
        .args(wasm_opt_params()?)
        .run()
        .context("running wasm-opt again without the unused exports")?;
    fs::rename(&optimized, wasm_path).with_context(|| format!("replacing {}", wasm_path.display()))
}

/// The wasm-opt flags Trunk uses, from www/index.html, so both runs agree
/// on the wasm features allowed.
fn wasm_opt_params() -> Result<Vec<String>> {
    let index = project::root().join("www/index.html");
    let html =
        fs::read_to_string(&index).with_context(|| format!("reading {}", index.display()))?;
    params_of(&html).with_context(|| format!("{} has no data-wasm-opt-params", index.display()))
}

fn params_of(html: &str) -> Option<Vec<String>> {
    let start = html.find("data-wasm-opt-params=\"")? + "data-wasm-opt-params=\"".len();
    let end = start + html[start..].find('"')?;
    Some(
        html[start..end]
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    )
}

/// The glue without the unused classes: each `export class X { … }`, its
/// `Symbol.dispose` line and its `XFinalization` registry. Fails if any
/// mention of them is left, so a glue of another shape stops the build.
fn drop_classes(js: &str) -> Result<String> {
    let mut js = js.to_owned();
    for class in UNUSED_CLASSES {
        let head = format!("export class {class} {{");
        if let Some(start) = js.find(&head) {
            let end = block_end(&js, start + head.len())
                .with_context(|| format!("the glue's class {class} does not end"))?;
            js.replace_range(start..skip_newline(&js, end), "");
        }
        let dispose = format!(
            "if (Symbol.dispose) {class}.prototype[Symbol.dispose] = {class}.prototype.free;"
        );
        if let Some(start) = js.find(&dispose) {
            js.replace_range(start..skip_newline(&js, start + dispose.len()), "");
        }
        let registry = format!("const {class}Finalization = ");
        if let Some(start) = js.find(&registry) {
            let end = js[start..]
                .find(";\n")
                .map(|e| start + e + 2)
                .with_context(|| format!("the glue's {class}Finalization does not end"))?;
            js.replace_range(start..end, "");
        }
    }
    if js.to_ascii_lowercase().contains("intounderlying") {
        bail!("the JS glue still uses a class it should not export (IntoUnderlying…)");
    }
    Ok(js)
}

/// Just past the `}` closing the block whose `{` ends right before `from`.
fn block_end(js: &str, from: usize) -> Option<usize> {
    let mut depth = 1;
    for (i, c) in js[from..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(from + i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

fn skip_newline(js: &str, at: usize) -> usize {
    if js[at..].starts_with('\n') {
        at + 1
    } else {
        at
    }
}

/// The wasm without the classes' exports (their names contain
/// `intounderlying`); returns how many were dropped.
fn drop_exports(wasm: &[u8]) -> Result<(Vec<u8>, usize)> {
    let mut dropped = 0;
    let out = map_section(wasm, 7, |body| {
        let mut p = 0;
        let count = read_leb(body, &mut p)?;
        let mut kept = Vec::new();
        let mut n = 0u64;
        for _ in 0..count {
            let name = read_name(body, &mut p)?;
            let kind = *body.get(p).context("truncated export")?;
            p += 1;
            let index = read_leb(body, &mut p)?;
            if name.contains("intounderlying") {
                dropped += 1;
                continue;
            }
            write_name(&mut kept, &name);
            kept.push(kind);
            write_leb(&mut kept, index);
            n += 1;
        }
        let mut section = Vec::new();
        write_leb(&mut section, n);
        section.extend_from_slice(&kept);
        Ok(section)
    })?;
    Ok((out, dropped))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLUE: &str = "export class IntoUnderlyingSink {
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_intounderlyingsink_free(ptr, 0);
    }
    write(chunk) {
        if (x) { y(); }
        return wasm.intounderlyingsink_write(this.__wbg_ptr, chunk);
    }
}
if (Symbol.dispose) IntoUnderlyingSink.prototype[Symbol.dispose] = IntoUnderlyingSink.prototype.free;

export function mount(root, config) {
    wasm.mount(root, config);
}
const IntoUnderlyingSinkFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_intounderlyingsink_free(ptr, 1));
const other = 1;
";

    #[test]
    fn the_unused_classes_leave_the_glue_and_the_rest_stays() {
        let js = drop_classes(GLUE).unwrap();
        assert_eq!(
            js,
            "
export function mount(root, config) {
    wasm.mount(root, config);
}
const other = 1;
"
        );
        // A mention the removal cannot follow stops the build.
        let odd = format!("{GLUE}\nnew IntoUnderlyingSource();");
        assert!(drop_classes(&odd).is_err());
    }

    #[test]
    fn only_the_classes_exports_leave_the_wasm() {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let mut exports = vec![3];
        write_name(&mut exports, "mount");
        exports.extend_from_slice(&[0x00, 1]);
        write_name(&mut exports, "intounderlyingsink_write");
        exports.extend_from_slice(&[0x00, 2]);
        write_name(&mut exports, "__wbg_intounderlyingsink_free");
        exports.extend_from_slice(&[0x00, 3]);
        wasm.push(7);
        write_leb(&mut wasm, exports.len() as u64);
        wasm.extend_from_slice(&exports);
        let (out, dropped) = drop_exports(&wasm).unwrap();
        assert_eq!(dropped, 2);
        let mut p = 8 + 2;
        assert_eq!(read_leb(&out, &mut p).unwrap(), 1);
        assert_eq!(read_name(&out, &mut p).unwrap(), "mount");
        assert_eq!(out.len(), p + 2);
    }

    #[test]
    fn wasm_opt_params_come_from_the_trunk_link() {
        let html = "<link data-trunk rel=\"rust\" data-wasm-opt=\"z\" data-wasm-opt-params=\"-Oz --enable-bulk-memory\" />";
        assert_eq!(
            params_of(html).unwrap(),
            vec!["-Oz".to_owned(), "--enable-bulk-memory".to_owned()]
        );
        assert!(params_of("<link />").is_none());
        let real = std::fs::read_to_string(project::root().join("www/index.html")).unwrap();
        assert!(params_of(&real).is_some_and(|p| p.iter().any(|f| f == "-Oz")));
    }
}
