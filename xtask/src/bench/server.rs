//! The server's own benchmark: `causette bench --check` from the release
//! build, its table passed through as it prints. It measures session issue
//! and refresh rates against the raw signing rate and holds SSE streams
//! (DESIGN.md, Budgets), on SQLite, and on PostgreSQL too when
//! `CAUSETTE_BENCH_POSTGRES` names an empty database.

use std::process::Command;

use anyhow::{bail, Context, Result};

use super::Measured;
use crate::cmd::{describe, Cmd};
use crate::project;

/// An empty PostgreSQL database to measure on as well.
const POSTGRES_ENV: &str = "CAUSETTE_BENCH_POSTGRES";

pub fn measure() -> Result<Measured> {
    let causette = project::causette_bin(true);
    let has_bench = Cmd::new(&causette)
        .args(["bench", "--help"])
        .probe()
        .is_some();
    if !has_bench {
        return Ok(Measured {
            report: format!(
                "server bench not available: {} has no `bench` command\n",
                causette.display()
            ),
            within_budget: None,
        });
    }
    let postgres = std::env::var(POSTGRES_ENV)
        .ok()
        .map(|url| url.trim().to_owned())
        .filter(|url| !url.is_empty());
    // The URL goes by the environment, so its password is never echoed;
    // empty, it keeps a DATABASE_URL meant for something else out.
    println!(
        "$ DATABASE_URL={} {} bench --check",
        if postgres.is_some() {
            format!("${POSTGRES_ENV}")
        } else {
            "''".to_owned()
        },
        causette.display()
    );
    let status = Command::new(&causette)
        .args(["bench", "--check"])
        .env("DATABASE_URL", postgres.as_deref().unwrap_or(""))
        .env("PATH", project::search_path())
        .current_dir(project::root())
        .status()
        .with_context(|| format!("could not start {}", causette.display()))?;
    // `causette bench` prints its own table; it exits 1 when it misses a
    // budget and 2 when it could not measure at all.
    let within = match status.code() {
        Some(0) => true,
        Some(1) => false,
        _ => bail!("`causette bench` failed ({})", describe(status)),
    };
    let report = if postgres.is_none() {
        format!("(PostgreSQL not measured: set {POSTGRES_ENV} to the URL of an empty database)\n")
    } else {
        String::new()
    };
    Ok(Measured {
        report,
        within_budget: Some(within),
    })
}
