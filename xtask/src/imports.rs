//! Short wasm import names. wasm-bindgen names every import
//! `__wbg_<name>_<16 hex digits>` under the module `./<crate>_bg.js`; the
//! names sit in both the wasm and the JS glue, and the hex does not
//! compress (~2.5 KB gzip in all). After `trunk build` this renames each
//! import to a short one (`a`, `b`, … `aa`, …) and the module to `a`, in
//! the wasm's import section (every other byte copied as is) and in the
//! glue's import object, before terser minifies the glue.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// Renames the imports of `wasm_path` and the matching keys in `js_path`,
/// then the exports and the glue's `wasm.<export>` uses.
pub fn shorten(wasm_path: &Path, js_path: &Path) -> Result<()> {
    let wasm = fs::read(wasm_path).with_context(|| format!("reading {}", wasm_path.display()))?;
    let js =
        fs::read_to_string(js_path).with_context(|| format!("reading {}", js_path.display()))?;
    let (wasm, renames) = rename_imports(&wasm)?;
    let js = rename_in_glue(&js, &renames)?;
    let (wasm, exports) = rename_exports(&wasm)?;
    let js = rename_export_uses(&js, &exports)?;
    fs::write(wasm_path, wasm).with_context(|| format!("writing {}", wasm_path.display()))?;
    fs::write(js_path, js).with_context(|| format!("writing {}", js_path.display()))
}

/// (old name, new name) for every export.
type ExportRenames = Vec<(String, String)>;

/// (module, old name, new name) for every import.
type Renames = Vec<(String, String, String)>;

const MODULE: &str = "a";

/// The `n`th short name: a JS identifier, never a keyword.
fn short_name(mut n: usize) -> String {
    const FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$";
    const REST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$0123456789";
    let mut name = vec![FIRST[n % FIRST.len()]];
    n /= FIRST.len();
    while n > 0 {
        n -= 1;
        name.push(REST[n % REST.len()]);
        n /= REST.len();
    }
    String::from_utf8(name).expect("ASCII")
}

fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "do" | "if" | "in" | "for" | "let" | "new" | "try" | "var"
    )
}

pub(crate) fn read_leb(bytes: &[u8], pos: &mut usize) -> Result<u64> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let Some(&byte) = bytes.get(*pos) else {
            bail!("truncated wasm");
        };
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
        if shift > 63 {
            bail!("bad LEB128 in wasm");
        }
    }
}

pub(crate) fn write_leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub(crate) fn read_name(bytes: &[u8], pos: &mut usize) -> Result<String> {
    let len = read_leb(bytes, pos)? as usize;
    let Some(raw) = bytes.get(*pos..*pos + len) else {
        bail!("truncated wasm name");
    };
    *pos += len;
    Ok(String::from_utf8(raw.to_vec())?)
}

pub(crate) fn write_name(out: &mut Vec<u8>, name: &str) {
    write_leb(out, name.len() as u64);
    out.extend_from_slice(name.as_bytes());
}

/// Skips an import's description (after its two names).
fn skip_import_desc(bytes: &[u8], pos: &mut usize) -> Result<()> {
    let kind = *bytes.get(*pos).context("truncated import")?;
    *pos += 1;
    let limits = |pos: &mut usize| -> Result<()> {
        let flags = read_leb(bytes, pos)?;
        read_leb(bytes, pos)?;
        if flags & 1 != 0 {
            read_leb(bytes, pos)?;
        }
        Ok(())
    };
    match kind {
        0x00 => drop(read_leb(bytes, pos)?), // function: type index
        0x01 => {
            *pos += 1; // table: reference type
            limits(pos)?;
        }
        0x02 => limits(pos)?, // memory
        0x03 => *pos += 2,    // global: value type, mutability
        0x04 => {
            *pos += 1; // tag: attribute
            read_leb(bytes, pos)?;
        }
        other => bail!("unknown import kind {other:#x}"),
    }
    Ok(())
}

/// Copies `wasm` with the body of every section `id` replaced by
/// `rewrite(body)`; other sections are copied byte for byte.
pub(crate) fn map_section(
    wasm: &[u8],
    id: u8,
    mut rewrite: impl FnMut(&[u8]) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        bail!("not a wasm module");
    }
    let mut out = wasm[..8].to_vec();
    let mut pos = 8;
    while pos < wasm.len() {
        let section = wasm[pos];
        pos += 1;
        let size = read_leb(wasm, &mut pos)? as usize;
        let body = wasm.get(pos..pos + size).context("truncated section")?;
        pos += size;
        let body = if section == id {
            rewrite(body)?
        } else {
            body.to_vec()
        };
        out.push(section);
        write_leb(&mut out, body.len() as u64);
        out.extend_from_slice(&body);
    }
    Ok(out)
}

/// Short JS identifiers in order, skipping keywords.
#[derive(Default)]
struct ShortNames(usize);

impl ShortNames {
    fn next_name(&mut self) -> String {
        loop {
            let name = short_name(self.0);
            self.0 += 1;
            if !is_keyword(&name) {
                return name;
            }
        }
    }
}

/// The wasm with every import from the glue's module renamed.
fn rename_imports(wasm: &[u8]) -> Result<(Vec<u8>, Renames)> {
    let mut renames = Renames::new();
    let mut names = ShortNames::default();
    let out = map_section(wasm, 2, |body| {
        let mut p = 0;
        let count = read_leb(body, &mut p)?;
        let mut section = Vec::new();
        write_leb(&mut section, count);
        for _ in 0..count {
            let module = read_name(body, &mut p)?;
            let name = read_name(body, &mut p)?;
            let desc_start = p;
            skip_import_desc(body, &mut p)?;
            if module.ends_with("_bg.js") {
                let short = names.next_name();
                write_name(&mut section, MODULE);
                write_name(&mut section, &short);
                renames.push((module, name, short));
            } else {
                write_name(&mut section, &module);
                write_name(&mut section, &name);
            }
            section.extend_from_slice(&body[desc_start..p]);
        }
        Ok(section)
    })?;
    Ok((out, renames))
}

/// The wasm with every export renamed; returns (old, new) pairs. The glue
/// reaches exports only as `wasm.<name>`, which `rename_export_uses`
/// rewrites to match.
fn rename_exports(wasm: &[u8]) -> Result<(Vec<u8>, ExportRenames)> {
    let mut renames = ExportRenames::new();
    let mut names = ShortNames::default();
    let out = map_section(wasm, 7, |body| {
        let mut p = 0;
        let count = read_leb(body, &mut p)?;
        let mut section = Vec::new();
        write_leb(&mut section, count);
        for _ in 0..count {
            let name = read_name(body, &mut p)?;
            let kind = *body.get(p).context("truncated export")?;
            p += 1;
            let index = read_leb(body, &mut p)?;
            let short = names.next_name();
            write_name(&mut section, &short);
            section.push(kind);
            write_leb(&mut section, index);
            renames.push((name, short));
        }
        Ok(section)
    })?;
    Ok((out, renames))
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// The glue with `wasm.<old>` replaced by `wasm.<new>` for every export
/// (`wasm` as a whole identifier only). Fails if an export name is still
/// reached another way, so a glue the renaming cannot follow stops the build.
fn rename_export_uses(js: &str, renames: &[(String, String)]) -> Result<String> {
    let map: std::collections::HashMap<&str, &str> = renames
        .iter()
        .map(|(o, n)| (o.as_str(), n.as_str()))
        .collect();
    let mut out = String::with_capacity(js.len());
    let mut i = 0;
    while let Some(found) = js[i..].find("wasm.") {
        let at = i + found;
        let start = at + 5;
        let end = js[start..]
            .find(|c: char| !is_ident(c))
            .map_or(js.len(), |e| start + e);
        out.push_str(&js[i..start]);
        let whole = !js[..at].chars().next_back().is_some_and(is_ident);
        match map.get(&js[start..end]) {
            Some(new) if whole => out.push_str(new),
            _ => out.push_str(&js[start..end]),
        }
        i = end;
    }
    out.push_str(&js[i..]);
    for (old, _) in renames {
        let quoted = [format!("\"{old}\""), format!("'{old}'"), format!(".{old}(")];
        if quoted.iter().any(|q| out.contains(q.as_str())) {
            bail!("the JS glue still reaches the export `{old}`");
        }
    }
    Ok(out)
}

/// The glue with the import object's keys and module name renamed.
fn rename_in_glue(js: &str, renames: &Renames) -> Result<String> {
    let mut js = js.to_owned();
    let mut modules: Vec<&str> = renames.iter().map(|(m, _, _)| m.as_str()).collect();
    modules.dedup();
    for module in modules {
        let quoted = format!("\"{module}\":");
        if !js.contains(&quoted) {
            bail!("the JS glue has no import module {quoted}");
        }
        js = js.replace(&quoted, &format!("\"{MODULE}\":"));
    }
    for (_, old, new) in renames {
        // Keys of the import object: `    __wbg_x_0123abcd: function(`.
        let key = format!(" {old}:");
        if js.matches(&key).count() != 1 {
            bail!("the JS glue does not have exactly one import key `{old}`");
        }
        js = js.replace(&key, &format!(" {new}:"));
    }
    Ok(js)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_distinct_identifiers() {
        let names: Vec<String> = (0..5000).map(short_name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert_eq!(names[0], "a");
        assert!(names
            .iter()
            .all(|n| !n.as_bytes()[0].is_ascii_digit() && n.len() <= 3));
    }

    #[test]
    fn renames_exports_and_their_uses() {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let mut exports = vec![2];
        write_name(&mut exports, "memory");
        exports.extend_from_slice(&[0x02, 0]);
        write_name(&mut exports, "__wbindgen_malloc");
        exports.extend_from_slice(&[0x00, 3]);
        wasm.push(7);
        write_leb(&mut wasm, exports.len() as u64);
        wasm.extend_from_slice(&exports);
        let (out, renames) = rename_exports(&wasm).unwrap();
        assert_eq!(
            renames,
            vec![
                ("memory".into(), "a".into()),
                ("__wbindgen_malloc".into(), "b".into())
            ]
        );
        let mut p = 8 + 2;
        assert_eq!(read_leb(&out, &mut p).unwrap(), 2);
        assert_eq!(read_name(&out, &mut p).unwrap(), "a");
        let js = "x = wasm.memory.buffer; y = wasm.__wbindgen_malloc(1); z = mywasm.memory; w = wasm.other;";
        assert_eq!(
            rename_export_uses(js, &renames).unwrap(),
            "x = wasm.a.buffer; y = wasm.b(1); z = mywasm.memory; w = wasm.other;"
        );
    }

    #[test]
    fn renames_imports_and_glue_keys() {
        // (import "./x_bg.js" "__wbg_f_0123" (func (type 0))) + a memory import from "env".
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // type section: () -> ()
        let mut imports = vec![2];
        write_name(&mut imports, "./x_bg.js");
        write_name(&mut imports, "__wbg_f_0123");
        imports.extend_from_slice(&[0x00, 0]);
        write_name(&mut imports, "env");
        write_name(&mut imports, "memory");
        imports.extend_from_slice(&[0x02, 0, 1]);
        wasm.push(2);
        write_leb(&mut wasm, imports.len() as u64);
        wasm.extend_from_slice(&imports);
        let (out, renames) = rename_imports(&wasm).unwrap();
        assert_eq!(
            renames,
            vec![("./x_bg.js".into(), "__wbg_f_0123".into(), "a".into())]
        );
        let mut p = 8 + 6 + 2;
        assert_eq!(read_leb(&out, &mut p).unwrap(), 2);
        assert_eq!(read_name(&out, &mut p).unwrap(), "a");
        assert_eq!(read_name(&out, &mut p).unwrap(), "a");
        let js = "const i = {\n    __wbg_f_0123: function() {},\n};\nreturn { \"./x_bg.js\": i };";
        let js = rename_in_glue(js, &renames).unwrap();
        assert_eq!(
            js,
            "const i = {\n    a: function() {},\n};\nreturn { \"a\": i };"
        );
    }
}
