//! Causette's project tooling, run as `cargo xtask <command>`.
//!
//! Every command is a module; `cmd` runs subprocesses (echoing what runs) with
//! the project's tool environment, `project` knows where things live.

mod axe;
mod bench;
mod build;
mod cmd;
mod exports;
mod flags;
mod fuzz;
mod imports;
mod postgres;
mod project;
mod run;
mod setup;
mod size;
mod terser;
mod test;
mod wordpress;

use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::flags::Flags;

const HELP: &str = "\
cargo xtask <command> [options]

Commands:
  setup                 install the toolchain (wasm target, wasm-bindgen, Trunk,
                        wasm-opt, terser, Chromium, chromedriver, PostgreSQL) and fetch crates;
                        skips whatever is already present
  build                 setup, widget bundle (Trunk), size budgets, then the server
  run [--addr A] [--data DIR]
                        build, then serve the demo (default 127.0.0.1:8080,
                        data in target/demo-data)
  test                  everything CI checks: build, fmt, clippy, native tests,
                        the server's HTTP and multi-node tests on a private
                        PostgreSQL it starts, wasm tests in headless Chromium,
                        end-to-end tests
  postgres              start a private PostgreSQL server (target/postgres-shell)
                        for running the server tests by hand; prints the
                        CAUSETTE_TEST_POSTGRES value and stops on Enter
  size                  raw and gzip sizes of embed.js and the widget bundle,
                        checked against the budgets
  bench                 release build, size figures, server benchmark, and the
                        widget in headless Chromium beside two peer widgets
  fuzz [--seconds N]    fuzz the token decoder (needs cargo-fuzz and nightly)
  zip-wordpress         package wordpress/causette/ as target/causette-wordpress.zip
  help                  this text
";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "help".to_owned());
    let flags = Flags::new(args.collect());
    match dispatch(&command, flags) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nerror: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn dispatch(command: &str, flags: Flags) -> Result<()> {
    match command {
        "setup" => {
            flags.finish()?;
            setup::run()
        }
        "build" => {
            flags.finish()?;
            build::run()
        }
        "run" => run::run(flags),
        "test" => {
            flags.finish()?;
            test::run()
        }
        "postgres" => {
            flags.finish()?;
            postgres::shell()
        }
        "size" => {
            flags.finish()?;
            size::run()
        }
        "bench" => {
            flags.finish()?;
            bench::run()
        }
        "fuzz" => fuzz::run(flags),
        "zip-wordpress" => {
            flags.finish()?;
            wordpress::run()
        }
        "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{HELP}"),
    }
}
