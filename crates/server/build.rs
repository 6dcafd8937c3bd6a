//! Embeds the widget bundle (`dist/` at the workspace root, built by
//! `cargo xtask build`) into the `causette` binary, so an installed server
//! serves the widget with no files beside it. Without a built bundle the
//! server still compiles and says at start-up how to build it.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let dist = manifest.join("../../dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&dist)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    // The loader: minified by `cargo xtask build` into dist/, else the
    // source as written.
    let minified = dist.join("embed.js");
    let source = manifest.join("../../www/embed.js");
    println!("cargo:rerun-if-changed={}", source.display());
    println!("cargo:rerun-if-changed={}", minified.display());
    let loader = if minified.is_file() {
        &minified
    } else {
        &source
    };
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::copy(loader, out_dir.join("embed.js")).unwrap();
    files.retain(|p| {
        p.is_file()
            && p.file_name().is_some_and(|n| n != "embed.js")
            && matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("js" | "wasm" | "css")
            )
    });
    files.sort();
    let mut out = String::from(
        "/// The widget bundle: (file name, bytes).\npub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for p in &files {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p.file_name().unwrap().to_string_lossy();
        let abs = fs::canonicalize(p).unwrap();
        writeln!(
            out,
            "    ({name:?}, include_bytes!({:?})),",
            abs.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").unwrap()).join("bundle.rs");
    fs::write(dest, out).unwrap();
    println!("cargo:rerun-if-changed=migrations");
}
