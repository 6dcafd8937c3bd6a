//! Loader and widget bundle sizes against their gzip budgets.

use anyhow::Result;

use super::Measured;
use crate::{project, size};

pub fn measure() -> Result<Measured> {
    let report = size::measure(&project::root())?;
    Ok(Measured {
        report: report.render(),
        within_budget: Some(report.check().is_ok()),
    })
}
