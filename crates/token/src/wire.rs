//! How diagnoses travel over HTTP, both ways (RFC 6750 §3).
//!
//! Server side, [`rejection`] turns a [`Diagnosis`] into a status, a
//! `WWW-Authenticate` challenge, `Retry-After` and a JSON body
//! `{"error", "reason", "detail"}`. Client side, [`diagnose_response`] turns
//! whatever came back into a [`Diagnosis`] again, trusting in order: the
//! challenge's `error_description`, the body's `reason`, the challenge's RFC
//! 6750 `error`, and last the status alone.
//!
//! | code | status | `WWW-Authenticate` | body `error` |
//! |---|---|---|---|
//! | token problems¹ | 401 | `Bearer error="invalid_token", error_description="<code>"` | `invalid_token` |
//! | `insufficient_scope` | 403 | `Bearer error="insufficient_scope", error_description="insufficient_scope", scope="…"` | `insufficient_scope` |
//! | `missing_credentials` | 401 | `Bearer` (no error, RFC 6750 §3.1) | `unauthorized` |
//! | `origin_not_allowed` | 403 | — | `forbidden` |
//! | `unknown_site` | 404 | — | `not_found` |
//! | `quota_exceeded` | 402 | — | `payment_required` |
//! | `rate_limited` | 429 + `Retry-After` | — | `too_many_requests` |
//! | `server_error` | 500, or 503 + `Retry-After` when one is known | — | `server_error` |
//! | `network`² | 502 | — | `bad_gateway` |
//! | `offline`² | 503 | — | `service_unavailable` |
//!
//! ¹ `expired`, `not_yet_valid`, `malformed`, `unsupported_algorithm`,
//! `unknown_key`, `bad_signature`, `wrong_issuer`, `wrong_audience`,
//! `revoked`, `refresh_reused`, `refresh_expired` (the refresh endpoint
//! answers like any other: the client treats every token problem alike).
//!
//! `quota_exceeded` uses 402 so that even a client that cannot read the body
//! tells it apart from `origin_not_allowed` (403) and from `rate_limited`
//! (429, which would invite a retry loop).
//!
//! ² The server never sends `network` or `offline`; they are client-side
//! verdicts. The mapping exists so it is total: a gateway that relays them
//! keeps the reason in the body.

use serde_json::{json, Value};

use crate::challenge::bearer;
use crate::diagnosis::{Code, Diagnosis};
use crate::report::Report;

/// An HTTP error answer, ready for the server to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The status code.
    pub status: u16,
    /// The `WWW-Authenticate` value, when the status calls for one.
    pub www_authenticate: Option<String>,
    /// The `Retry-After` value in seconds, when known.
    pub retry_after: Option<u64>,
    /// The JSON body: `{"error", "reason", "detail"}` (plus `scope` for
    /// `insufficient_scope`).
    pub body: Value,
}

/// Seconds sent with `rate_limited` when the caller gave none: RFC 6585
/// says a 429 MAY carry `Retry-After`, the widget's countdown wants one.
pub const DEFAULT_RATE_LIMIT_RETRY_SECS: u64 = 1;

/// The HTTP answer for a diagnosis. `detail` goes to the body for the site
/// owner's console; keep secrets out of it.
pub fn rejection(d: &Diagnosis, detail: &str) -> Rejection {
    let code = d.code;
    let mut retry_after = d.retry_after;
    let (status, error): (u16, &str) = match code {
        Code::InsufficientScope => (403, "insufficient_scope"),
        Code::MissingCredentials => (401, "unauthorized"),
        Code::OriginNotAllowed => (403, "forbidden"),
        Code::UnknownSite => (404, "not_found"),
        Code::QuotaExceeded => (402, "payment_required"),
        Code::RateLimited => {
            retry_after = retry_after.or(Some(DEFAULT_RATE_LIMIT_RETRY_SECS));
            (429, "too_many_requests")
        }
        Code::ServerError if retry_after.is_some() => (503, "server_error"),
        Code::ServerError => (500, "server_error"),
        Code::Network => (502, "bad_gateway"),
        Code::Offline => (503, "service_unavailable"),
        // Every other code is a token problem.
        _ => (401, "invalid_token"),
    };
    let www_authenticate = match code {
        Code::MissingCredentials => Some("Bearer".to_owned()),
        Code::InsufficientScope => Some(match &d.scope {
            Some(scope) => format!(
                "Bearer error=\"insufficient_scope\", error_description=\"insufficient_scope\", scope={}",
                quote(scope)
            ),
            None => "Bearer error=\"insufficient_scope\", error_description=\"insufficient_scope\""
                .to_owned(),
        }),
        _ if status == 401 => Some(format!(
            "Bearer error=\"invalid_token\", error_description=\"{}\"",
            code.as_str()
        )),
        _ => None,
    };
    let mut body = json!({ "error": error, "reason": code.as_str(), "detail": detail });
    if let (Some(scope), Some(obj)) = (&d.scope, body.as_object_mut()) {
        obj.insert("scope".into(), scope.clone().into());
    }
    Rejection {
        status,
        www_authenticate,
        retry_after,
        body,
    }
}

impl Rejection {
    /// The answer for a failed verification: the primary diagnosis, with the
    /// primary finding's detail.
    pub fn from_report(report: &Report) -> Rejection {
        rejection(&report.primary, report.detail())
    }
}

/// An RFC 9110 quoted-string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            // Control characters cannot appear in a header value at all.
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Diagnoses an HTTP error answer. Never fails: an answer it cannot read is
/// diagnosed from its status alone. Pass headers as received (`None` when
/// absent or not exposed by CORS) and the body text when there is one.
///
/// An RFC 6750 `invalid_token` without a Causette reason (another server, or
/// a proxy) counts as `expired`: a silent refresh is the right first step for
/// every invalid-token cause, and a refresh that fails brings its own
/// diagnosis. `Retry-After` is read in its delta-seconds form; an HTTP-date
/// is ignored (backoff applies), since this function has no clock.
pub fn diagnose_response(
    status: u16,
    www_authenticate: Option<&str>,
    retry_after: Option<&str>,
    body: Option<&str>,
) -> Diagnosis {
    let body: Option<Value> = body
        .filter(|b| b.len() <= 64 * 1024)
        .and_then(|b| serde_json::from_str(b).ok());
    let body_str = |name: &str| body.as_ref()?.get(name)?.as_str();
    diagnose_fields(
        status,
        www_authenticate,
        retry_after,
        body_str("reason"),
        body_str("scope"),
    )
}

/// [`diagnose_response`] for a caller that has already read the JSON body's
/// `reason` and `scope` fields. The widget reads bodies with the browser's
/// own `JSON.parse`, so this path keeps a JSON parser out of its bundle.
pub fn diagnose_fields(
    status: u16,
    www_authenticate: Option<&str>,
    retry_after: Option<&str>,
    body_reason: Option<&str>,
    body_scope: Option<&str>,
) -> Diagnosis {
    let challenge = www_authenticate.and_then(bearer);
    let header_reason = challenge
        .as_ref()
        .and_then(|c| c.param("error_description"))
        .and_then(Code::parse);
    let header_error = challenge
        .as_ref()
        .and_then(|c| c.param("error"))
        .map(str::to_owned);
    let by_header_error = match header_error.as_deref() {
        Some("invalid_token") => Some(Code::Expired),
        Some("insufficient_scope") => Some(Code::InsufficientScope),
        Some("invalid_request") => Some(Code::Malformed),
        _ => None,
    };

    let code = header_reason
        .or_else(|| body_reason.and_then(Code::parse))
        .or(by_header_error)
        .unwrap_or(match status {
            0 => Code::Network,
            400 => Code::Malformed,
            // 401 without an RFC 6750 error: no (usable) credentials sent.
            401 if header_error.is_none() => Code::MissingCredentials,
            401 => Code::Expired,
            402 => Code::QuotaExceeded,
            // A bare 403 from the API is almost always the Origin check, and
            // its recovery (stop) cannot loop.
            403 => Code::OriginNotAllowed,
            404 => Code::UnknownSite,
            429 => Code::RateLimited,
            _ => Code::ServerError,
        });

    let scope = if code == Code::InsufficientScope {
        challenge
            .as_ref()
            .and_then(|c| c.param("scope"))
            .map(str::to_owned)
            .or_else(|| body_scope.map(str::to_owned))
    } else {
        None
    };
    Diagnosis::new(code)
        .with_retry_after(retry_after.and_then(parse_retry_after))
        .with_scope(scope)
}

/// `Retry-After` in delta-seconds form (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Absurdly long waits saturate rather than fail.
    Some(value.parse().unwrap_or(u64::MAX))
}

/// Diagnoses a request that got no HTTP answer: `offline` when the browser
/// says so (`navigator.onLine` false), else `network`.
pub fn diagnose_network_failure(offline: bool) -> Diagnosis {
    Diagnosis::new(if offline {
        Code::Offline
    } else {
        Code::Network
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::Recovery;

    fn round_trip(r: &Rejection, with_body: bool) -> Diagnosis {
        let body = r.body.to_string();
        diagnose_response(
            r.status,
            r.www_authenticate.as_deref(),
            r.retry_after.map(|s| s.to_string()).as_deref(),
            with_body.then_some(body.as_str()),
        )
    }

    #[test]
    fn every_code_round_trips() {
        for code in Code::ALL {
            for retry in [None, Some(7)] {
                let d = Diagnosis::new(code)
                    .with_retry_after(retry)
                    .with_scope((code == Code::InsufficientScope).then(|| "chat history".into()));
                let r = rejection(&d, "detail");
                let back = round_trip(&r, true);
                assert_eq!(back.code, code, "{r:?}");
                assert_eq!(r.body["reason"], code.as_str());
                assert_eq!(r.body["detail"], "detail");
                if code == Code::InsufficientScope {
                    assert_eq!(back.scope.as_deref(), Some("chat history"));
                }
            }
        }
    }

    #[test]
    fn round_trips_without_body_where_the_status_or_header_says_enough() {
        for code in Code::ALL {
            let r = rejection(&Diagnosis::new(code), "");
            let back = round_trip(&r, false).code;
            match code {
                Code::Network | Code::Offline => {}
                _ => assert_eq!(back, code, "{r:?}"),
            }
        }
    }

    #[test]
    fn rfc6750_headers() {
        let r = rejection(&Diagnosis::new(Code::Expired), "expired 3 min ago");
        assert_eq!(r.status, 401);
        assert_eq!(
            r.www_authenticate.as_deref(),
            Some(r#"Bearer error="invalid_token", error_description="expired""#)
        );
        assert_eq!(r.body["error"], "invalid_token");

        let r = rejection(&Diagnosis::new(Code::MissingCredentials), "");
        assert_eq!(
            (r.status, r.www_authenticate.as_deref()),
            (401, Some("Bearer"))
        );

        let d = Diagnosis::new(Code::InsufficientScope).with_scope(Some("a \"b\"".into()));
        let r = rejection(&d, "");
        assert_eq!(r.status, 403);
        assert_eq!(
            r.www_authenticate.as_deref(),
            Some(
                r#"Bearer error="insufficient_scope", error_description="insufficient_scope", scope="a \"b\"""#
            )
        );
        assert_eq!(round_trip(&r, false).scope.as_deref(), Some("a \"b\""));

        let r = rejection(&Diagnosis::new(Code::RateLimited), "");
        assert_eq!((r.status, r.retry_after), (429, Some(1)));
        let r = rejection(&Diagnosis::new(Code::ServerError), "");
        assert_eq!((r.status, r.retry_after), (500, None));
        let r = rejection(
            &Diagnosis::new(Code::ServerError).with_retry_after(Some(9)),
            "",
        );
        assert_eq!((r.status, r.retry_after), (503, Some(9)));
        assert_eq!(
            rejection(&Diagnosis::new(Code::QuotaExceeded), "").status,
            402
        );
        assert_eq!(
            rejection(&Diagnosis::new(Code::OriginNotAllowed), "").status,
            403
        );
        assert_eq!(
            rejection(&Diagnosis::new(Code::UnknownSite), "").status,
            404
        );
    }

    #[test]
    fn status_fallbacks() {
        let code = |s, h: Option<&str>| diagnose_response(s, h, None, None).code;
        assert_eq!(code(401, None), Code::MissingCredentials);
        assert_eq!(
            code(401, Some("Bearer realm=\"x\"")),
            Code::MissingCredentials
        );
        assert_eq!(
            code(401, Some("Bearer error=\"invalid_token\"")),
            Code::Expired
        );
        assert_eq!(code(401, Some("Bearer error=\"whatever\"")), Code::Expired);
        assert_eq!(
            code(400, Some("Bearer error=\"invalid_request\"")),
            Code::Malformed
        );
        assert_eq!(
            code(403, Some("Bearer error=\"insufficient_scope\"")),
            Code::InsufficientScope
        );
        assert_eq!(code(429, None), Code::RateLimited);
        assert_eq!(code(500, None), Code::ServerError);
        assert_eq!(code(502, None), Code::ServerError);
        assert_eq!(code(503, None), Code::ServerError);
        assert_eq!(code(0, None), Code::Network);
        assert_eq!(code(418, None), Code::ServerError);
    }

    #[test]
    fn header_and_body_are_read_robustly() {
        // Reason from another scheme's params is not taken.
        let d = diagnose_response(
            401,
            Some(
                r#"Basic error_description="revoked", Bearer error="invalid_token", error_description="unknown_key""#,
            ),
            None,
            Some("not json"),
        );
        assert_eq!(d.code, Code::UnknownKey);
        // Body reason when CORS hid the header.
        let d = diagnose_response(
            401,
            None,
            None,
            Some(r#"{"error":"invalid_token","reason":"revoked"}"#),
        );
        assert_eq!(d.code, Code::Revoked);
        // Unknown reasons fall through to the RFC 6750 error.
        let d = diagnose_response(
            401,
            Some(r#"Bearer error="invalid_token", error_description="The token is bad""#),
            None,
            Some(r#"{"reason":"no_such_code"}"#),
        );
        assert_eq!(d.code, Code::Expired);
        // A proxy's HTML error page.
        let d = diagnose_response(502, None, None, Some("<html>Bad Gateway</html>"));
        assert_eq!(d.code, Code::ServerError);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("120"), Some(120));
        assert_eq!(parse_retry_after(" 5 "), Some(5));
        assert_eq!(parse_retry_after("99999999999999999999999"), Some(u64::MAX));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after(""), None);
        let d = diagnose_response(429, None, Some("12"), None);
        assert_eq!(d.recovery, Recovery::RetryAfter { secs: Some(12) });
        assert_eq!(d.retry_after, Some(12));
    }

    #[test]
    fn network_failures() {
        assert_eq!(diagnose_network_failure(true).code, Code::Offline);
        assert_eq!(diagnose_network_failure(false).code, Code::Network);
    }

    #[test]
    fn rejection_from_report() {
        let report = Report::single(
            Code::BadSignature,
            "the signature does not verify with key \"k1\"",
        );
        let r = Rejection::from_report(&report);
        assert_eq!(r.status, 401);
        assert_eq!(r.body["reason"], "bad_signature");
        assert_eq!(
            r.body["detail"],
            "the signature does not verify with key \"k1\""
        );
    }
}
