//! Minifies the widget's stylesheet at build time: it is compiled into the
//! wasm bundle, where every byte counts against the size budget.

use std::{env, fs, path::PathBuf};

fn minify(css: &str) -> String {
    // Drop comments.
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = match rest[start + 2..].find("*/") {
            Some(end) => &rest[start + 2 + end + 2..],
            None => "",
        };
    }
    text.push_str(rest);
    // Collapse white space, and drop it around punctuation where CSS allows.
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            let prev = out.chars().last();
            let tight = |ch: char| matches!(ch, '{' | '}' | ';' | ':' | ',' | '>');
            // Never before ':' — `a :hover` (descendant) is not `a:hover`.
            if !out.is_empty() && !prev.is_some_and(tight) && (c == ':' || !tight(c)) {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    out.replace(";}", "}")
}

fn main() {
    let src = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("www/widget.css");
    println!("cargo:rerun-if-changed={}", src.display());
    let css = fs::read_to_string(&src).expect("www/widget.css");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("widget.css");
    fs::write(out, minify(&css)).expect("write the minified stylesheet");
}
