//! The server's own benchmark (`causette bench`), once it has one.

use anyhow::Result;

use super::Measured;
use crate::cmd::Cmd;
use crate::project;

pub fn measure() -> Result<Measured> {
    let causette = project::causette_bin(true);
    let has_bench = Cmd::new(&causette)
        .args(["bench", "--help"])
        .probe()
        .is_some();
    if !has_bench {
        return Ok(Measured {
            report: "server bench not available yet\n".to_owned(),
            within_budget: None,
        });
    }
    // `causette bench` prints its figures and exits non-zero when it misses
    // a budget (DESIGN.md: session issue rate, concurrent SSE streams).
    let within = Cmd::new(&causette).arg("bench").run().is_ok();
    Ok(Measured {
        report: String::new(),
        within_budget: Some(within),
    })
}
