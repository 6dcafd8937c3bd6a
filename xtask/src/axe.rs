//! axe-core, from the npm registry into `.tools/axe-core`: the end-to-end
//! accessibility tests inject it into the page through WebDriver and run it
//! against the open widget, inside its shadow root.

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::cmd::Cmd;
use crate::project;

/// Exact release, so every machine checks the same rules.
pub const AXE_VERSION: &str = "4.11.0";

fn axe_dir() -> PathBuf {
    project::tools_dir().join("axe-core")
}

/// The browser build the tests read (`tests/support`).
pub fn script() -> PathBuf {
    axe_dir().join("node_modules/axe-core/axe.min.js")
}

/// The installed version, from the package's own manifest.
fn installed() -> Option<String> {
    let manifest = fs::read_to_string(axe_dir().join("node_modules/axe-core/package.json")).ok()?;
    let after = manifest.split("\"version\"").nth(1)?;
    Some(after.split('"').nth(1)?.to_owned())
}

/// `cargo xtask setup`: installs axe-core unless the pinned version is there.
pub fn setup() -> Result<()> {
    if installed().as_deref() == Some(AXE_VERSION) && script().exists() {
        println!("✓ axe-core {AXE_VERSION} present (.tools/axe-core)");
        return Ok(());
    }
    if Cmd::new("npm").arg("--version").probe().is_none() {
        bail!("axe-core needs npm (Node.js 20 or newer), and `npm` is not on PATH");
    }
    println!("→ installing axe-core@{AXE_VERSION} from npm into .tools/axe-core (takes ~2 s)");
    crate::setup::npm_install(&axe_dir(), &format!("axe-core@{AXE_VERSION}"))?;
    if installed().as_deref() != Some(AXE_VERSION) {
        bail!("{} is not axe-core {AXE_VERSION}", axe_dir().display());
    }
    println!("✓ axe-core {AXE_VERSION} ready");
    Ok(())
}
