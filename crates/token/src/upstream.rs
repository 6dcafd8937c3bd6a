//! Failures of a model provider (OpenAI-compatible servers, Anthropic,
//! Gemini) that the server calls to answer a visitor, in the same style as
//! the [`diagnosis`](crate::diagnosis) taxonomy: one stable code per cause,
//! who can fix it, a one-line explanation and the fix.
//!
//! Server-side only (feature `upstream`): the widget never talks to a
//! provider, so none of this reaches its bundle.
//!
//! | code | detected from |
//! |---|---|
//! | `provider_key_missing` | no API key configured for a provider that needs one |
//! | `provider_key_rejected` | 401, 403, or a 400 whose body names an invalid key (Gemini answers a bad key that way) |
//! | `provider_rate_limited` | 429 (with `Retry-After` when sent), 402 |
//! | `provider_unavailable` | 5xx (Anthropic's 529 included), 408, timeouts, refused connections, a stream cut before its end, an error event inside the stream |
//! | `provider_bad_request` | any other 4xx (unknown model, wrong base URL path, prompt too long), and 3xx: redirects are not followed, since keys travel in headers |
//! | `provider_bad_response` | a 2xx whose body is not the vendor's streaming format (a base URL pointing at something else) |

use core::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::diagnosis::{UnknownCode, WhoCanFix};

/// A stable upstream failure code. The string forms (see
/// [`UpstreamCode::as_str`]) appear in logs and metrics and never change
/// meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UpstreamCode {
    /// No API key is configured for a provider that needs one.
    ProviderKeyMissing,
    /// The provider refused the API key (401, 403, or a key error in the body).
    ProviderKeyRejected,
    /// The provider asked to slow down, or the account's quota is used up.
    ProviderRateLimited,
    /// The provider failed, timed out, could not be reached, or cut the stream.
    ProviderUnavailable,
    /// The provider refused the request itself (unknown model, wrong path, …).
    ProviderBadRequest,
    /// The provider's answer was not its streaming format.
    ProviderBadResponse,
}

/// How a call to a provider failed without an HTTP error status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transport {
    /// No connection could be made (DNS, refused, TLS).
    Connect,
    /// No answer, or no next piece, within the time allowed.
    Timeout,
    /// The stream ended (or broke) before the vendor's end-of-message marker.
    Cut,
    /// A 2xx answer that is not the vendor's streaming format.
    Garbled,
}

/// Everything that follows from an upstream failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpstreamVerdict {
    /// The stable code.
    pub code: UpstreamCode,
    /// Who has to act: always the operator of the Causette server, who
    /// holds the keys and picks the model.
    pub who_can_fix: WhoCanFix,
    /// One line saying what went wrong.
    pub explanation: &'static str,
    /// What to check or change, in plain words.
    pub fix: &'static str,
    /// The HTTP status the provider answered, when it answered one.
    pub status: Option<u16>,
    /// Seconds the provider asked to wait (`Retry-After`), when it said.
    pub retry_after: Option<u64>,
    /// A short, one-line excerpt of what the provider said (see [`excerpt`]);
    /// empty when it said nothing.
    pub detail: String,
}

/// The longest [`UpstreamVerdict::detail`], in characters.
pub const DETAIL_MAX_CHARS: usize = 300;

/// Vendor error names (in `error.type`, `error.code`, `error.status` or
/// `error.details[].reason`) that mean the key itself was refused, whatever
/// the status: Gemini answers an invalid key with 400 `API_KEY_INVALID`.
const KEY_ERRORS: &[&str] = &[
    "API_KEY_INVALID",
    "invalid_api_key",
    "authentication_error",
    "permission_error",
    "UNAUTHENTICATED",
    "PERMISSION_DENIED",
];

/// Vendor error names reported inside a started stream that mean "slow
/// down" or "quota used up".
const RATE_ERRORS: &[&str] = &[
    "rate_limit_error",
    "rate_limit_exceeded",
    "insufficient_quota",
    "RESOURCE_EXHAUSTED",
];

/// Vendor error names reported inside a started stream that blame the
/// request rather than the provider.
const REQUEST_ERRORS: &[&str] = &[
    "invalid_request_error",
    "not_found_error",
    "request_too_large",
    "model_not_found",
    "context_length_exceeded",
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "FAILED_PRECONDITION",
];

impl UpstreamCode {
    /// Every code.
    pub const ALL: [UpstreamCode; 6] = [
        UpstreamCode::ProviderKeyMissing,
        UpstreamCode::ProviderKeyRejected,
        UpstreamCode::ProviderRateLimited,
        UpstreamCode::ProviderUnavailable,
        UpstreamCode::ProviderBadRequest,
        UpstreamCode::ProviderBadResponse,
    ];

    /// The stable snake_case form.
    pub const fn as_str(self) -> &'static str {
        match self {
            UpstreamCode::ProviderKeyMissing => "provider_key_missing",
            UpstreamCode::ProviderKeyRejected => "provider_key_rejected",
            UpstreamCode::ProviderRateLimited => "provider_rate_limited",
            UpstreamCode::ProviderUnavailable => "provider_unavailable",
            UpstreamCode::ProviderBadRequest => "provider_bad_request",
            UpstreamCode::ProviderBadResponse => "provider_bad_response",
        }
    }

    /// Parses the snake_case form. Exact match only: codes are machine text.
    pub fn parse(s: &str) -> Option<UpstreamCode> {
        UpstreamCode::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether trying again later may succeed without anyone changing
    /// anything.
    pub const fn is_transient(self) -> bool {
        matches!(
            self,
            UpstreamCode::ProviderRateLimited | UpstreamCode::ProviderUnavailable
        )
    }

    /// The verdict for this code, with no status, wait or detail.
    pub fn verdict(self) -> UpstreamVerdict {
        UpstreamVerdict::new(self)
    }
}

impl fmt::Display for UpstreamCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for UpstreamCode {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UpstreamCode::parse(s).ok_or(UnknownCode)
    }
}

impl UpstreamVerdict {
    /// The verdict for `code`, with no status, wait or detail.
    pub fn new(code: UpstreamCode) -> UpstreamVerdict {
        use UpstreamCode::*;
        let (explanation, fix) = match code {
            ProviderKeyMissing => (
                "No API key is configured for the site's model provider.",
                "Set the key in the server's environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, MISTRAL_API_KEY, or the name given with `causette site update SITE --model-key NAME`) or in the secrets file given to `causette serve --secrets FILE`.",
            ),
            ProviderKeyRejected => (
                "The model provider refused the API key.",
                "Check the API key: it may be mistyped, revoked, for another provider or project, or lack access to this model. Replace it in the environment or the secrets file; the server reads a changed secrets file at once.",
            ),
            ProviderRateLimited => (
                "The model provider asked to slow down, or the account's quota or credit is used up.",
                "Wait as the provider says (Retry-After); if it persists, raise the account's rate limit or quota, add credit, or move busy sites to another key with --model-key.",
            ),
            ProviderUnavailable => (
                "The model provider failed, timed out, could not be reached, or cut its answer short.",
                "Check the provider's status page and the server's network; for a local model, check that its server (Ollama, llama.cpp) is running at the model base URL. Visitors can ask again.",
            ),
            ProviderBadRequest => (
                "The model provider refused the request: unknown model, wrong API path, or a prompt it will not take.",
                "Check the model name (`causette site show SITE`) against the provider's list, and the model base URL (an OpenAI-compatible server's usually ends in /v1).",
            ),
            ProviderBadResponse => (
                "The model provider's answer was not its streaming format.",
                "Check the model base URL: it must point at the provider's API itself (an OpenAI-compatible server's usually ends in /v1), not at a web page or a proxy that rewrites answers.",
            ),
        };
        UpstreamVerdict {
            code,
            who_can_fix: WhoCanFix::Operator,
            explanation,
            fix,
            status: None,
            retry_after: None,
            detail: String::new(),
        }
    }

    /// The verdict for a non-2xx HTTP answer: its status, its
    /// `Retry-After` header (delta-seconds form) and its body (only an
    /// excerpt is kept). A 2xx status here is a caller's mistake and counts
    /// as a bad response.
    pub fn from_status(status: u16, retry_after: Option<&str>, body: &str) -> UpstreamVerdict {
        let names = error_names(body);
        let key_error = names.iter().any(|n| KEY_ERRORS.contains(&n.as_str()));
        let code = match status {
            401 | 403 => UpstreamCode::ProviderKeyRejected,
            402 | 429 => UpstreamCode::ProviderRateLimited,
            408 | 500..=599 => UpstreamCode::ProviderUnavailable,
            400..=499 if key_error => UpstreamCode::ProviderKeyRejected,
            400..=499 => UpstreamCode::ProviderBadRequest,
            200..=299 => UpstreamCode::ProviderBadResponse,
            // Keys travel in headers, so redirects are not followed: one
            // means the base URL is not the API's own (http for https, a
            // moved host, a missing /v1).
            300..=399 => UpstreamCode::ProviderBadRequest,
            _ => UpstreamCode::ProviderUnavailable,
        };
        let mut v = UpstreamVerdict::new(code).with_detail(body);
        v.status = Some(status);
        v.retry_after = retry_after.and_then(crate::wire::parse_retry_after);
        v
    }

    /// The verdict for a call that failed without an error status.
    /// `detail` says what happened (the I/O error, what was cut).
    pub fn from_transport(transport: Transport, detail: &str) -> UpstreamVerdict {
        let code = match transport {
            Transport::Connect | Transport::Timeout | Transport::Cut => {
                UpstreamCode::ProviderUnavailable
            }
            Transport::Garbled => UpstreamCode::ProviderBadResponse,
        };
        UpstreamVerdict::new(code).with_detail(detail)
    }

    /// The verdict for an error the provider reported inside a stream that
    /// had started with a 2xx: its error name (`overloaded_error`,
    /// `rate_limit_exceeded`, `UNAVAILABLE`, …), the status it carries when
    /// it carries one (Gemini's `error.code`), and its message. A status
    /// decides as in [`from_status`](Self::from_status); otherwise the
    /// name does, and an unknown name counts as the provider failing.
    pub fn from_reported(name: &str, status: Option<u16>, message: &str) -> UpstreamVerdict {
        // A key error is named as such whatever status comes with it
        // (Gemini: 400 `API_KEY_INVALID`).
        let code = match status.filter(|s| (400..=599).contains(s)) {
            _ if KEY_ERRORS.contains(&name) => UpstreamCode::ProviderKeyRejected,
            Some(s) => UpstreamVerdict::from_status(s, None, "").code,
            None if RATE_ERRORS.contains(&name) => UpstreamCode::ProviderRateLimited,
            None if REQUEST_ERRORS.contains(&name) => UpstreamCode::ProviderBadRequest,
            None => UpstreamCode::ProviderUnavailable,
        };
        let detail = if name.is_empty() {
            message.to_owned()
        } else {
            format!("{name}: {message}")
        };
        let mut v = UpstreamVerdict::new(code).with_detail(&detail);
        v.status = status;
        v
    }

    /// Replaces the detail with an [`excerpt`] of `text`.
    #[must_use]
    pub fn with_detail(mut self, text: &str) -> UpstreamVerdict {
        self.detail = excerpt(text, DETAIL_MAX_CHARS);
        self
    }
}

impl From<UpstreamCode> for UpstreamVerdict {
    fn from(code: UpstreamCode) -> UpstreamVerdict {
        UpstreamVerdict::new(code)
    }
}

impl fmt::Display for UpstreamVerdict {
    /// `code: explanation`, e.g.
    /// `provider_key_rejected: The model provider refused the API key.`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.explanation)
    }
}

/// `text` on one line (runs of whitespace and control characters become one
/// space), trimmed, and cut to at most `max_chars` characters with `…` when
/// longer. Never splits a character.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        let needed = if space { 2 } else { 1 };
        if count + needed > max_chars {
            if max_chars > 0 {
                // Room for the ellipsis: drop characters until it fits.
                while count + 1 > max_chars {
                    out.pop();
                    count -= 1;
                }
                out.push('…');
            }
            return out;
        }
        if space {
            out.push(' ');
            count += 1;
            space = false;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// The error names a JSON error body carries: `error.type`, `error.code`
/// (when a string), `error.status` and `error.details[].reason`, whether
/// the body is one object or (Gemini's JSON-array streams) an array of them.
fn error_names(body: &str) -> Vec<String> {
    // Bodies are read bounded by the caller; an oversize one is not parsed.
    if body.len() > 64 * 1024 {
        return Vec::new();
    }
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return Vec::new();
    };
    let objects: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut names = Vec::new();
    for o in objects {
        let Some(error) = o.get("error") else {
            continue;
        };
        for field in ["type", "code", "status"] {
            if let Some(s) = error.get(field).and_then(Value::as_str) {
                names.push(s.to_owned());
            }
        }
        if let Some(details) = error.get("details").and_then(Value::as_array) {
            for d in details {
                if let Some(s) = d.get("reason").and_then(Value::as_str) {
                    names.push(s.to_owned());
                }
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_str_and_serde() {
        for code in UpstreamCode::ALL {
            assert_eq!(UpstreamCode::parse(code.as_str()), Some(code));
            assert_eq!(code.as_str().parse::<UpstreamCode>(), Ok(code));
            assert_eq!(code.to_string(), code.as_str());
            assert_eq!(
                serde_json::to_string(&code).unwrap(),
                format!("\"{}\"", code.as_str())
            );
            assert!(code.as_str().starts_with("provider_"));
        }
        assert_eq!(UpstreamCode::parse("Provider_Key_Rejected"), None);
        assert_eq!(UpstreamCode::parse("rate_limited"), None);
        assert!("".parse::<UpstreamCode>().is_err());
        let unique: std::collections::HashSet<_> = UpstreamCode::ALL.into_iter().collect();
        assert_eq!(unique.len(), UpstreamCode::ALL.len());
    }

    #[test]
    fn every_verdict_has_text_and_the_operator_fixes_it() {
        for code in UpstreamCode::ALL {
            let v = code.verdict();
            assert_eq!(v.code, code);
            assert_eq!(v.who_can_fix, WhoCanFix::Operator);
            assert!(!v.explanation.is_empty() && !v.explanation.contains('\n'));
            assert!(v.explanation.ends_with('.'));
            assert!(!v.fix.is_empty());
            assert_eq!(
                (v.status, v.retry_after, v.detail.as_str()),
                (None, None, "")
            );
            assert_eq!(UpstreamVerdict::from(code), v);
        }
    }

    #[test]
    fn display_is_code_then_explanation() {
        assert_eq!(
            UpstreamCode::ProviderKeyRejected.verdict().to_string(),
            "provider_key_rejected: The model provider refused the API key."
        );
    }

    #[test]
    fn transient_codes() {
        for code in UpstreamCode::ALL {
            let transient = matches!(
                code,
                UpstreamCode::ProviderRateLimited | UpstreamCode::ProviderUnavailable
            );
            assert_eq!(code.is_transient(), transient, "{code}");
        }
    }

    #[test]
    fn every_status_has_one_code() {
        for status in 0..=999u16 {
            let v = UpstreamVerdict::from_status(status, None, "");
            let expected = match status {
                401 | 403 => UpstreamCode::ProviderKeyRejected,
                402 | 429 => UpstreamCode::ProviderRateLimited,
                408 | 500..=599 => UpstreamCode::ProviderUnavailable,
                400..=499 => UpstreamCode::ProviderBadRequest,
                200..=299 => UpstreamCode::ProviderBadResponse,
                300..=399 => UpstreamCode::ProviderBadRequest,
                _ => UpstreamCode::ProviderUnavailable,
            };
            assert_eq!(v.code, expected, "{status}");
            assert_eq!(v.status, Some(status));
        }
    }

    #[test]
    fn the_statuses_named_in_the_design() {
        let code = |s| UpstreamVerdict::from_status(s, None, "").code;
        assert_eq!(code(401), UpstreamCode::ProviderKeyRejected);
        assert_eq!(code(403), UpstreamCode::ProviderKeyRejected);
        assert_eq!(code(429), UpstreamCode::ProviderRateLimited);
        assert_eq!(code(500), UpstreamCode::ProviderUnavailable);
        assert_eq!(code(503), UpstreamCode::ProviderUnavailable);
        assert_eq!(code(529), UpstreamCode::ProviderUnavailable);
        assert_eq!(code(400), UpstreamCode::ProviderBadRequest);
        assert_eq!(code(404), UpstreamCode::ProviderBadRequest);
        assert_eq!(code(422), UpstreamCode::ProviderBadRequest);
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let v = UpstreamVerdict::from_status(429, Some("20"), "");
        assert_eq!(v.retry_after, Some(20));
        let v = UpstreamVerdict::from_status(503, Some(" 3 "), "");
        assert_eq!(v.retry_after, Some(3));
        // An HTTP-date needs a clock; it is left to backoff.
        let v = UpstreamVerdict::from_status(429, Some("Wed, 21 Oct 2026 07:28:00 GMT"), "");
        assert_eq!(v.retry_after, None);
        assert_eq!(
            UpstreamVerdict::from_status(429, None, "").retry_after,
            None
        );
    }

    #[test]
    fn a_key_error_in_a_400_body_is_a_rejected_key() {
        // Gemini's answer to an invalid key.
        let gemini = r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#;
        let v = UpstreamVerdict::from_status(400, None, gemini);
        assert_eq!(v.code, UpstreamCode::ProviderKeyRejected);
        assert!(v.detail.contains("API key not valid"), "{}", v.detail);
        // The same inside Gemini's JSON-array framing.
        let v = UpstreamVerdict::from_status(400, None, &format!("[{gemini}]"));
        assert_eq!(v.code, UpstreamCode::ProviderKeyRejected);
        // An unknown model stays a bad request.
        let model = r#"{"error":{"code":404,"message":"models/gemini-9 is not found","status":"NOT_FOUND"}}"#;
        assert_eq!(
            UpstreamVerdict::from_status(404, None, model).code,
            UpstreamCode::ProviderBadRequest
        );
        let openai = r#"{"error":{"message":"The model `gpt-9` does not exist","type":"invalid_request_error","code":"model_not_found"}}"#;
        assert_eq!(
            UpstreamVerdict::from_status(404, None, openai).code,
            UpstreamCode::ProviderBadRequest
        );
        // Not JSON, or no error object: the status alone decides.
        assert_eq!(
            UpstreamVerdict::from_status(400, None, "<html>API_KEY_INVALID</html>").code,
            UpstreamCode::ProviderBadRequest
        );
        assert_eq!(
            UpstreamVerdict::from_status(400, None, r#"{"type":"authentication_error"}"#).code,
            UpstreamCode::ProviderBadRequest
        );
        // A key error never turns a 5xx into a key problem.
        let anthropic = r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#;
        assert_eq!(
            UpstreamVerdict::from_status(500, None, anthropic).code,
            UpstreamCode::ProviderUnavailable
        );
        assert_eq!(
            UpstreamVerdict::from_status(401, None, anthropic).code,
            UpstreamCode::ProviderKeyRejected
        );
    }

    #[test]
    fn every_transport_failure_has_one_code() {
        for (t, code) in [
            (Transport::Connect, UpstreamCode::ProviderUnavailable),
            (Transport::Timeout, UpstreamCode::ProviderUnavailable),
            (Transport::Cut, UpstreamCode::ProviderUnavailable),
            (Transport::Garbled, UpstreamCode::ProviderBadResponse),
        ] {
            let v = UpstreamVerdict::from_transport(t, "connection reset\nby peer");
            assert_eq!(v.code, code, "{t:?}");
            assert_eq!(v.detail, "connection reset by peer");
            assert_eq!(v.status, None);
        }
    }

    #[test]
    fn errors_reported_inside_a_stream() {
        let code = |name, status| UpstreamVerdict::from_reported(name, status, "m").code;
        assert_eq!(
            code("overloaded_error", None),
            UpstreamCode::ProviderUnavailable
        );
        assert_eq!(code("api_error", None), UpstreamCode::ProviderUnavailable);
        assert_eq!(code("", None), UpstreamCode::ProviderUnavailable);
        assert_eq!(
            code("something_new", None),
            UpstreamCode::ProviderUnavailable
        );
        assert_eq!(
            code("rate_limit_error", None),
            UpstreamCode::ProviderRateLimited
        );
        assert_eq!(
            code("insufficient_quota", None),
            UpstreamCode::ProviderRateLimited
        );
        assert_eq!(
            code("authentication_error", None),
            UpstreamCode::ProviderKeyRejected
        );
        assert_eq!(
            code("invalid_request_error", None),
            UpstreamCode::ProviderBadRequest
        );
        // Gemini carries a status: it decides.
        assert_eq!(
            code("UNAVAILABLE", Some(503)),
            UpstreamCode::ProviderUnavailable
        );
        assert_eq!(
            code("RESOURCE_EXHAUSTED", Some(429)),
            UpstreamCode::ProviderRateLimited
        );
        assert_eq!(
            code("API_KEY_INVALID", Some(400)),
            UpstreamCode::ProviderKeyRejected
        );
        // A status outside the error range is ignored.
        assert_eq!(
            code("overloaded_error", Some(200)),
            UpstreamCode::ProviderUnavailable
        );
        let v = UpstreamVerdict::from_reported("overloaded_error", None, "Overloaded");
        assert_eq!(v.detail, "overloaded_error: Overloaded");
        let v = UpstreamVerdict::from_reported("", None, "Overloaded");
        assert_eq!(v.detail, "Overloaded");
    }

    #[test]
    fn excerpts_are_one_bounded_line() {
        assert_eq!(excerpt("", 10), "");
        assert_eq!(excerpt("  a \n\t b  ", 10), "a b");
        assert_eq!(excerpt("abcdef", 6), "abcdef");
        assert_eq!(excerpt("abcdefg", 6), "abcde…");
        assert_eq!(excerpt("ab cd", 4), "ab …");
        assert_eq!(excerpt("éèêàâç", 3), "éè…");
        assert_eq!(excerpt("abc", 0), "");
        assert_eq!(excerpt("a\u{0}b", 5), "a b");
        let long = "x".repeat(10_000);
        let v = UpstreamVerdict::from_status(500, None, &long);
        assert_eq!(v.detail.chars().count(), DETAIL_MAX_CHARS);
        for n in 0..12 {
            for text in [
                "héllo wörld, ça va ?",
                "a  b  c  d  e  f",
                "日本語のテキスト",
            ] {
                let e = excerpt(text, n);
                assert!(e.chars().count() <= n, "{text:?} {n} -> {e:?}");
            }
        }
    }

    #[test]
    fn serializes_for_json_output() {
        let v = UpstreamVerdict::from_status(429, Some("7"), "slow down");
        let j = serde_json::to_value(&v).unwrap();
        assert_eq!(j["code"], "provider_rate_limited");
        assert_eq!(j["who_can_fix"], "operator");
        assert_eq!(j["status"], 429);
        assert_eq!(j["retry_after"], 7);
        assert_eq!(j["detail"], "slow down");
    }
}
