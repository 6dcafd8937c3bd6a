//! `cargo xtask fuzz [--seconds N]`: fuzz the token decoder with cargo-fuzz,
//! on the nightly the widget bundle is built with (`cargo xtask setup`
//! installs it). A manual tool: when cargo-fuzz or that nightly is missing
//! it says how to get them and exits successfully.

use anyhow::{Context, Result};

use crate::cmd::Cmd;
use crate::flags::Flags;
use crate::project::{self, WIDGET_TOOLCHAIN};

const TARGET: &str = "decode";
const DEFAULT_SECONDS: u64 = 60;

pub fn run(mut flags: Flags) -> Result<()> {
    let seconds = match flags.value("--seconds")? {
        Some(s) => s
            .parse::<u64>()
            .with_context(|| format!("--seconds wants a whole number, not `{s}`"))?,
        None => DEFAULT_SECONDS,
    };
    flags.finish()?;

    if let Some(why) = unavailable() {
        println!("cargo xtask fuzz: not running: {why}");
        return Ok(());
    }
    Cmd::new("cargo")
        .arg(format!("+{WIDGET_TOOLCHAIN}"))
        .args(["fuzz", "run", TARGET, "--"])
        .arg(format!("-max_total_time={seconds}"))
        .dir(project::root().join("crates/token"))
        .run()
}

/// Why fuzzing cannot run here, with how to fix it.
fn unavailable() -> Option<String> {
    let fuzz_dir = project::root().join("crates/token/fuzz");
    if !fuzz_dir.join("Cargo.toml").exists() {
        return Some(format!(
            "there is no fuzz project at {} yet (create it with `cargo fuzz init` in crates/token \
             and add a `{TARGET}` target)",
            fuzz_dir.display()
        ));
    }
    let toolchains = Cmd::new("rustup").args(["toolchain", "list"]).probe();
    if !toolchains.is_some_and(|t| t.lines().any(|l| l.starts_with(WIDGET_TOOLCHAIN))) {
        return Some(format!(
            "cargo-fuzz needs {WIDGET_TOOLCHAIN}, which is not installed.\n\
             Get it with: cargo xtask setup"
        ));
    }
    if Cmd::new("cargo")
        .arg(format!("+{WIDGET_TOOLCHAIN}"))
        .args(["fuzz", "--version"])
        .probe()
        .is_none()
    {
        return Some(
            "cargo-fuzz is not installed.\nGet it with: cargo install cargo-fuzz".to_owned(),
        );
    }
    None
}
