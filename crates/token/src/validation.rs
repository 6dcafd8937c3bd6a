//! What a verifier expects of a token's claims, and the claim checks.
//!
//! The checks need no cryptography, so they are available without features:
//! the widget can ask "is my token still good?" and the doctor can show what
//! *would* be wrong with claims whose signature it could not check. Only
//! verification (`verify`, feature `verify`) makes the answer trustworthy.

use serde_json::Value;

use crate::diagnosis::Code;
use crate::report::Finding;
use crate::time::relative;

/// Default clock leeway, in seconds. Small, because the widget corrects its
/// clock offset and servers run NTP; large leeways stretch 10 s test tokens.
pub const DEFAULT_LEEWAY_SECS: i64 = 5;

/// What the verifier expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// Expected `iss`, exactly.
    pub issuer: String,
    /// Expected `aud` (the token's `aud` may be this string or a list holding it).
    pub audience: String,
    /// Clock leeway in seconds applied to `exp`, `nbf` and `iat`; negative
    /// values count as zero.
    pub leeway_secs: i64,
    /// Scopes the call needs; all must be granted.
    pub required_scopes: Vec<String>,
}

impl Validation {
    /// Expects `issuer` and `audience`, with [`DEFAULT_LEEWAY_SECS`] and no
    /// required scopes.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Validation {
        Validation {
            issuer: issuer.into(),
            audience: audience.into(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            required_scopes: Vec::new(),
        }
    }

    /// Requires these scopes.
    #[must_use]
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Validation
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Uses this leeway.
    #[must_use]
    pub fn with_leeway(mut self, secs: i64) -> Validation {
        self.leeway_secs = secs;
        self
    }

    /// The required scopes, space-separated (as RFC 6750's `scope=` wants).
    pub fn scope_string(&self) -> String {
        self.required_scopes.join(" ")
    }
}

/// Checks claims (a JSON object) against `validation` at `now_unix`, and
/// returns every finding: `wrong_issuer`, `wrong_audience`, `expired`,
/// `not_yet_valid`, `insufficient_scope`, or `malformed` when `exp` is
/// missing or a time claim is not a number (a token that never expires is
/// refused). An empty list means the claims pass.
pub fn check_claims(claims: &Value, validation: &Validation, now_unix: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    let leeway = validation.leeway_secs.max(0);

    match claims.get("iss") {
        Some(Value::String(iss)) if *iss == validation.issuer => {}
        Some(Value::String(iss)) => out.push(Finding::new(
            Code::WrongIssuer,
            format!(
                "iss is {}, expected {}",
                quoted(iss),
                quoted(&validation.issuer)
            ),
        )),
        _ => out.push(Finding::new(
            Code::WrongIssuer,
            "the token has no iss claim",
        )),
    }

    match claims.get("aud") {
        Some(Value::String(aud)) if *aud == validation.audience => {}
        Some(Value::Array(auds))
            if auds
                .iter()
                .any(|a| a.as_str() == Some(validation.audience.as_str())) => {}
        Some(aud @ (Value::String(_) | Value::Array(_))) => out.push(Finding::new(
            Code::WrongAudience,
            format!(
                "aud is {}, expected {}",
                shorten(&aud.to_string()),
                quoted(&validation.audience)
            ),
        )),
        _ => out.push(Finding::new(
            Code::WrongAudience,
            "the token has no aud claim",
        )),
    }

    match time_claim(claims, "exp") {
        Ok(Some(exp)) if now_unix.saturating_sub(leeway) >= exp => out.push(Finding::new(
            Code::Expired,
            format!("expired {} (exp {exp})", relative(exp, now_unix)),
        )),
        Ok(Some(_)) => {}
        Ok(None) => out.push(Finding::new(
            Code::Malformed,
            "the token has no exp claim; tokens that never expire are refused",
        )),
        Err(f) => out.push(f),
    }

    for (name, what) in [("nbf", "valid only from"), ("iat", "issued")] {
        match time_claim(claims, name) {
            Ok(Some(t)) if t > now_unix.saturating_add(leeway) => out.push(Finding::new(
                Code::NotYetValid,
                format!(
                    "{what} {} by this clock ({name} {t}); check the clock",
                    relative(t, now_unix)
                ),
            )),
            Ok(_) => {}
            Err(f) => out.push(f),
        }
    }

    if !validation.required_scopes.is_empty() {
        let granted = claims.get("scope").and_then(Value::as_str).unwrap_or("");
        let missing: Vec<&str> = validation
            .required_scopes
            .iter()
            .map(String::as_str)
            .filter(|need| !granted.split_ascii_whitespace().any(|g| g == *need))
            .collect();
        if !missing.is_empty() {
            out.push(Finding::new(
                Code::InsufficientScope,
                format!(
                    "needs scope {}, the token grants {}",
                    missing.join(" "),
                    if granted.trim().is_empty() {
                        "none".to_owned()
                    } else {
                        quoted(granted)
                    }
                ),
            ));
        }
    }
    out
}

/// A NumericDate claim (RFC 7519 §2: seconds, possibly fractional).
fn time_claim(claims: &Value, name: &str) -> Result<Option<i64>, Finding> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| {
                Finding::new(
                    Code::Malformed,
                    format!("the {name} claim is not a number of seconds"),
                )
            }),
    }
}

fn quoted(s: &str) -> String {
    shorten(&Value::String(s.to_owned()).to_string())
}

/// Keeps details one line and short even for hostile claim values.
fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v() -> Validation {
        Validation::new("https://iss", "api").with_scopes(["chat"])
    }

    fn good() -> Value {
        json!({"iss":"https://iss","aud":"api","scope":"chat history","iat":1000,"nbf":1000,"exp":1300})
    }

    fn codes(claims: &Value, now: i64) -> Vec<Code> {
        check_claims(claims, &v(), now)
            .into_iter()
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn good_claims_pass_within_lifetime_and_leeway() {
        assert!(codes(&good(), 1000).is_empty());
        assert!(codes(&good(), 996).is_empty()); // iat 4 s ahead, leeway 5
        assert!(codes(&good(), 1304).is_empty()); // 4 s past exp, leeway 5
        assert_eq!(codes(&good(), 1305), [Code::Expired]);
        assert_eq!(codes(&good(), 994), [Code::NotYetValid, Code::NotYetValid]);
    }

    #[test]
    fn every_claim_problem_is_found() {
        let bad = json!({"iss":"x","aud":["y","z"],"scope":"","iat":5000,"exp":1});
        assert_eq!(
            codes(&bad, 2000),
            [
                Code::WrongIssuer,
                Code::WrongAudience,
                Code::Expired,
                Code::NotYetValid,
                Code::InsufficientScope
            ]
        );
        assert_eq!(
            codes(&json!({}), 0),
            [
                Code::WrongIssuer,
                Code::WrongAudience,
                Code::Malformed,
                Code::InsufficientScope
            ]
        );
        assert_eq!(
            codes(
                &json!({"iss":"https://iss","aud":"api","scope":"chat","exp":"soon"}),
                0
            ),
            [Code::Malformed]
        );
    }

    #[test]
    fn audience_lists_and_fractional_times() {
        let c = json!({"iss":"https://iss","aud":["other","api"],"scope":"chat","exp":1300.9});
        assert!(codes(&c, 1000).is_empty());
    }

    #[test]
    fn details_read_well() {
        let bad = json!({"iss":"https://staging","aud":"api","scope":"history","exp":1000});
        let f = check_claims(&bad, &v(), 1180);
        assert_eq!(
            f[0].detail,
            r#"iss is "https://staging", expected "https://iss""#
        );
        assert_eq!(f[1].detail, "expired 3 min ago (exp 1000)");
        assert_eq!(
            f[2].detail,
            r#"needs scope chat, the token grants "history""#
        );
        let long = json!({"iss":"x".repeat(500),"aud":"api","exp":5000});
        assert!(check_claims(&long, &v(), 0)[0].detail.chars().count() < 200);
    }

    #[test]
    fn negative_leeway_is_zero() {
        let v = v().with_leeway(-100);
        assert!(check_claims(&good(), &v, 1299).is_empty());
        assert_eq!(check_claims(&good(), &v, 1300)[0].code, Code::Expired);
        assert_eq!(v.scope_string(), "chat");
    }
}
