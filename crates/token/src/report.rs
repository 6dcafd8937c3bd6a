//! The verdict on a token: every finding, and the one that decides.

use core::fmt;

use serde::Serialize;

use crate::diagnosis::{Code, Diagnosis};

/// One thing wrong with a token, with the specifics (which claim, which kid,
/// how long ago) that the fixed [`Diagnosis`] text cannot know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The code this finding falls under.
    pub code: Code,
    /// Specifics, in plain words (e.g. `expired 3 min ago`).
    pub detail: String,
}

impl Finding {
    /// A finding with its detail.
    pub fn new(code: Code, detail: impl Into<String>) -> Finding {
        Finding {
            code,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

/// Why a token was rejected.
///
/// `findings` lists every distinct code found, primary first; `details`
/// carries the specifics of each, in the same order. `primary` is the finding
/// that decides the recovery, chosen by [`Code::precedence`]: structure, then
/// algorithm, then key, then signature, then issuer/audience, then time, then
/// scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The deciding diagnosis.
    pub primary: Diagnosis,
    /// Every distinct code found, primary first, then by precedence.
    pub findings: Vec<Code>,
    /// The specifics of every finding, ordered like `findings`.
    pub details: Vec<Finding>,
}

impl Report {
    /// A report from findings (at least one). Orders them by precedence and
    /// picks the primary. An empty list yields a `malformed` report rather
    /// than a panic, since "rejected for no reason" is a bug to surface.
    pub fn new(mut details: Vec<Finding>) -> Report {
        if details.is_empty() {
            details.push(Finding::new(Code::Malformed, "rejected without a finding"));
        }
        // Stable sort keeps the checker's order within one code.
        details.sort_by_key(|f| f.code.precedence());
        let mut findings: Vec<Code> = Vec::with_capacity(details.len());
        for f in &details {
            if !findings.contains(&f.code) {
                findings.push(f.code);
            }
        }
        Report {
            primary: Diagnosis::new(findings[0]),
            findings,
            details,
        }
    }

    /// A report with a single finding.
    pub fn single(code: Code, detail: impl Into<String>) -> Report {
        Report::new(vec![Finding::new(code, detail)])
    }

    /// The primary code.
    pub fn code(&self) -> Code {
        self.primary.code
    }

    /// The detail of the primary finding.
    pub fn detail(&self) -> &str {
        self.details
            .first()
            .map(|f| f.detail.as_str())
            .unwrap_or_default()
    }

    /// Whether `code` is among the findings.
    pub fn has(&self, code: Code) -> bool {
        self.findings.contains(&code)
    }
}

impl fmt::Display for Report {
    /// `code: detail` of the primary finding, then the other codes, e.g.
    /// `expired: expired 3 min ago (also: insufficient_scope)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.primary.code, self.detail())?;
        if self.findings.len() > 1 {
            f.write_str(" (also: ")?;
            for (i, code) in self.findings[1..].iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(code.as_str())?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl std::error::Error for Report {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_follows_precedence() {
        let r = Report::new(vec![
            Finding::new(Code::InsufficientScope, "needs history"),
            Finding::new(Code::Expired, "expired 3 min ago"),
            Finding::new(Code::WrongIssuer, "iss is x"),
        ]);
        assert_eq!(r.code(), Code::WrongIssuer);
        assert_eq!(
            r.findings,
            [Code::WrongIssuer, Code::Expired, Code::InsufficientScope]
        );
        assert_eq!(
            r.to_string(),
            "wrong_issuer: iss is x (also: expired, insufficient_scope)"
        );
    }

    #[test]
    fn single_and_empty() {
        let r = Report::single(Code::Malformed, "not three parts");
        assert_eq!(r.to_string(), "malformed: not three parts");
        assert!(r.has(Code::Malformed));
        assert_eq!(Report::new(vec![]).code(), Code::Malformed);
    }

    #[test]
    fn findings_are_distinct() {
        let r = Report::new(vec![
            Finding::new(Code::InsufficientScope, "needs a"),
            Finding::new(Code::InsufficientScope, "needs b"),
        ]);
        assert_eq!(r.findings, [Code::InsufficientScope]);
        assert_eq!(r.details.len(), 2);
        assert_eq!(
            Finding::new(Code::Expired, "x").to_string(),
            "expired: x".to_string()
        );
    }
}
