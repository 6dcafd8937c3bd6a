//! terser, from the npm registry into `.tools/terser`: minifies the
//! wasm-bindgen JS glue after `trunk build`. Trunk's own minifier gives up on
//! the glue (`export { initSync, __wbg_init as default };`) and leaves it
//! whole; terser cuts it from ~8.4 KB to ~6.2 KB gzip.

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::cmd::Cmd;
use crate::project;

/// Exact release, so every machine minifies the same way.
pub const TERSER_VERSION: &str = "5.51.4";

fn terser_dir() -> PathBuf {
    project::tools_dir().join("terser")
}

/// The CLI script; run with `node`, like binaryen's wasm-opt.
fn terser_cli() -> PathBuf {
    terser_dir().join("node_modules/terser/bin/terser")
}

/// `terser --version` prints `terser 5.51.4`.
fn present() -> bool {
    Cmd::new("node")
        .arg(terser_cli())
        .arg("--version")
        .probe()
        .is_some_and(|out| out.split_whitespace().nth(1) == Some(TERSER_VERSION))
}

/// `cargo xtask setup`: installs terser unless the pinned version is there.
pub fn setup() -> Result<()> {
    if present() {
        println!("✓ terser {TERSER_VERSION} present (.tools/terser)");
        return Ok(());
    }
    if Cmd::new("npm").arg("--version").probe().is_none() {
        bail!("terser needs Node.js 20 or newer with npm, and `npm` is not on PATH");
    }
    println!("→ installing terser@{TERSER_VERSION} from npm into .tools/terser (takes ~2 s)");
    crate::setup::npm_install(&terser_dir(), &format!("terser@{TERSER_VERSION}"))?;
    if !present() {
        bail!(
            "{} does not report terser {TERSER_VERSION}",
            terser_cli().display()
        );
    }
    println!("✓ terser {TERSER_VERSION} ready");
    Ok(())
}

/// Minifies every `dist/*.js` in place. `--module` keeps the ES module's
/// export names (`default`, `initSync`, `mount`) while mangling the rest.
pub fn minify_dist() -> Result<()> {
    if !present() {
        bail!("terser {TERSER_VERSION} is missing: run `cargo xtask setup`");
    }
    let dist = project::dist_dir();
    let mut scripts: Vec<PathBuf> = fs::read_dir(&dist)
        .with_context(|| format!("reading {}", dist.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "js"))
        .filter(|path| !path.ends_with("embed.js"))
        .collect();
    scripts.sort();
    for script in scripts {
        Cmd::new("node")
            .arg(terser_cli())
            .arg(&script)
            .args(["--module", "--compress", "--mangle", "--output"])
            .arg(&script)
            .run()
            .with_context(|| format!("minifying {} with terser", script.display()))?;
    }
    Ok(())
}

/// Minifies the loader, `www/embed.js`, into `dist/embed.js`, which the
/// server embeds and `cargo xtask size` measures. A classic script, not a
/// module; ES2020, like the browsers that run the widget.
pub fn minify_loader() -> Result<()> {
    if !present() {
        bail!("terser {TERSER_VERSION} is missing: run `cargo xtask setup`");
    }
    let source = project::root().join("www/embed.js");
    let out = project::dist_dir().join("embed.js");
    Cmd::new("node")
        .arg(terser_cli())
        .arg(&source)
        .args([
            "--ecma",
            "2020",
            "--compress",
            "passes=3,unsafe_arrows=true",
            "--mangle",
            "--comments",
            "false",
            "--output",
        ])
        .arg(&out)
        .run()
        .with_context(|| format!("minifying {} with terser", source.display()))
}
