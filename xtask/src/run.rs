//! `cargo xtask run`: build everything, then serve the demo.

use std::fs;

use anyhow::{bail, Context, Result};

use crate::build;
use crate::cmd::{describe, Cmd};
use crate::flags::Flags;
use crate::project;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";

pub fn run(mut flags: Flags) -> Result<()> {
    let addr = flags
        .value("--addr")?
        .unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    let data = match flags.value("--data")? {
        Some(dir) => dir.into(),
        None => project::target_dir().join("demo-data"),
    };
    flags.finish()?;

    build::run()?;
    fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;
    let mut server = Cmd::new(project::causette_bin(false))
        .args(["serve", "--addr", &addr, "--data"])
        .arg(&data)
        .spawn()?;
    println!("\nCausette demo: open http://{addr}/\n(Ctrl-C stops the server)\n");
    // Ctrl-C reaches the server too (same process group); it ends, so do we.
    let status = server.wait().context("waiting for the server")?;
    if !status.success() {
        bail!("the server stopped ({})", describe(status));
    }
    Ok(())
}
