//! `cargo xtask bench`: release builds, then one measurement per module
//! under `bench/`. Each reports its figures and whether it met its budget;
//! the command fails when any budget was missed, after running them all.
//!
//! To measure something new, add a module with a `measure() -> Result<Measured>`
//! and list it in `MEASUREMENTS`.

mod browser;
mod bundle;
mod server;

use anyhow::{bail, Result};

use crate::build::{self, Profile};
use crate::setup;

pub struct Measured {
    /// Printed as it is.
    pub report: String,
    /// `None` when the measurement has no budget (yet).
    pub within_budget: Option<bool>,
}

struct Measurement {
    name: &'static str,
    measure: fn() -> Result<Measured>,
}

const MEASUREMENTS: &[Measurement] = &[
    Measurement {
        name: "widget bundle size",
        measure: bundle::measure,
    },
    Measurement {
        name: "server",
        measure: server::measure,
    },
    Measurement {
        name: "widget in a browser, beside two peers",
        measure: browser::measure,
    },
];

pub fn run() -> Result<()> {
    setup::run()?;
    build::widget()?;
    build::server(Profile::Release)?;

    let mut missed = Vec::new();
    for m in MEASUREMENTS {
        println!("\n━━ bench: {} ━━", m.name);
        let measured = (m.measure)()?;
        print!("{}", measured.report);
        if measured.within_budget == Some(false) {
            missed.push(m.name);
        }
    }
    if !missed.is_empty() {
        bail!("over budget: {}", missed.join(", "));
    }
    Ok(())
}
