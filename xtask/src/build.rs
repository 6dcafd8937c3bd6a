//! `cargo xtask build`: the widget bundle first (the server embeds dist/),
//! its size budgets, then the server.

use std::fs;

use anyhow::{bail, Context, Result};

use crate::cmd::Cmd;
use crate::project::{
    self, BINARYEN_VERSION, WIDGET_BUILD_STD, WIDGET_RUSTFLAGS, WIDGET_TOOLCHAIN,
};
use crate::{exports, imports, setup, size, terser};

pub fn run() -> Result<()> {
    setup::run()?;
    build()
}

/// Everything after setup; `cargo xtask test` runs setup as its own step.
pub fn build() -> Result<()> {
    widget()?;
    size::run().context("the widget bundle is over its size budget")?;
    server(Profile::Debug)
}

#[derive(Clone, Copy)]
pub enum Profile {
    Debug,
    Release,
}

/// `trunk build --release` in the root: www/index.html → dist/, the wasm
/// built with the widget toolchain and its own std, then the exports
/// nobody calls dropped, short wasm import names, and the JS glue
/// minified with terser (Trunk's minifier cannot parse it).
pub fn widget() -> Result<()> {
    let trunk_toml = project::root().join("Trunk.toml");
    let config = fs::read_to_string(&trunk_toml)
        .with_context(|| format!("reading {}", trunk_toml.display()))?;
    for hint in trunk_config_hints(&config, &setup::locked_wasm_bindgen_version()?) {
        println!("! Trunk.toml: {hint}");
    }
    Cmd::new("trunk")
        .env("RUSTUP_TOOLCHAIN", WIDGET_TOOLCHAIN)
        .env("CARGO_UNSTABLE_BUILD_STD", WIDGET_BUILD_STD)
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            WIDGET_RUSTFLAGS,
        )
        .args(["build", "--release"])
        .run()
        .context("building the widget bundle with Trunk")?;
    if !project::dist_dir().is_dir() {
        bail!(
            "trunk finished but {} is missing",
            project::dist_dir().display()
        );
    }
    let dist = project::dist_dir();
    exports::drop_unused(
        &dist.join("causette-widget_bg.wasm"),
        &dist.join("causette-widget.js"),
    )?;
    imports::shorten(
        &dist.join("causette-widget_bg.wasm"),
        &dist.join("causette-widget.js"),
    )?;
    terser::minify_dist()?;
    terser::minify_loader()
}

/// `cargo build -p causette-server`; its build script embeds dist/.
pub fn server(profile: Profile) -> Result<()> {
    let mut cmd = Cmd::new("cargo").args(["build", "-p", "causette-server"]);
    if let Profile::Release = profile {
        cmd = cmd.arg("--release");
    }
    cmd.run().context("building the server")
}

/// What an offline Trunk build on this machine kind needs (TOOLCHAIN.md).
pub fn trunk_config_hints(config: &str, wasm_bindgen: &str) -> Vec<String> {
    let has = |setting: &str| {
        config.lines().any(|line| {
            let line: String = line
                .split('#')
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            line == setting
        })
    };
    let mut hints = Vec::new();
    if !has("offline=true") {
        hints.push(
            "set `offline = true` under [build], or Trunk tries to download tools".to_owned(),
        );
    }
    if !has(&format!("wasm_bindgen=\"{wasm_bindgen}\"")) {
        hints.push(format!(
            "set `wasm_bindgen = \"{wasm_bindgen}\"` under [tools] (the version in Cargo.lock)"
        ));
    }
    if !has(&format!("wasm_opt=\"version_{BINARYEN_VERSION}\"")) {
        hints.push(format!(
            "set `wasm_opt = \"version_{BINARYEN_VERSION}\"` under [tools] (binaryen from npm)"
        ));
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_trunk_toml_gets_no_hints() {
        let config = "[build]\ntarget = \"www/index.html\"\noffline = true\n\n[tools]\nwasm_bindgen = \"0.2.130\"\nwasm_opt = \"version_132\" # binaryen\n";
        assert!(trunk_config_hints(config, "0.2.130").is_empty());
    }

    #[test]
    fn missing_or_stale_settings_are_named() {
        let config = "[build]\n# offline = true\n[tools]\nwasm_bindgen = \"0.2.100\"\n";
        let hints = trunk_config_hints(config, "0.2.130");
        assert_eq!(hints.len(), 3, "{hints:?}");
        assert!(hints[1].contains("0.2.130"));
    }
}
