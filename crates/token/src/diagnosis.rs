//! The diagnosis taxonomy: one stable code for every way a token-bearing call
//! can fail, and what follows from it.
//!
//! A [`Code`] is what travels (in the `reason` field of an error body, in
//! `error_description`, in logs). A [`Diagnosis`] is what a code means: who
//! can fix it, a one-line explanation, the fix in plain words, the recovery
//! the widget performs and what the visitor sees meanwhile.
//!
//! The explanation and the fix are behind the `texts` feature (on by
//! default): the widget, which would only print them once to the console,
//! leaves them out of its bundle and fetches them from the server.

use core::fmt;

use serde::{Deserialize, Serialize};

/// A stable reason code. The string forms (see [`Code::as_str`]) are part of
/// the public HTTP API and never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Code {
    /// `exp` has passed.
    Expired,
    /// `nbf` or `iat` lies ahead of the verifier's clock.
    NotYetValid,
    /// Not a well-formed Causette access token.
    Malformed,
    /// `alg` is outside the allowlist (`none`, HMAC against a public key, …).
    UnsupportedAlgorithm,
    /// `kid` names no key the verifier knows.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
    /// `iss` is not this deployment's issuer.
    WrongIssuer,
    /// `aud` is not this deployment's audience.
    WrongAudience,
    /// The token lacks a scope the call needs.
    InsufficientScope,
    /// The session (or its refresh-token family) was revoked.
    Revoked,
    /// A rotated refresh token was replayed outside the grace window.
    RefreshReused,
    /// The refresh token passed its idle or absolute lifetime.
    RefreshExpired,
    /// The call carried no credentials at all.
    MissingCredentials,
    /// The request's `Origin` is not on the site's allowlist.
    OriginNotAllowed,
    /// The site key is unknown.
    UnknownSite,
    /// The site's plan has used up its conversations for the period.
    QuotaExceeded,
    /// Too many requests; wait as the server says.
    RateLimited,
    /// The server failed (5xx).
    ServerError,
    /// The request never got an HTTP answer (fetch failed).
    Network,
    /// The device reports it is offline.
    Offline,
}

/// Who has to act for a failure to go away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WhoCanFix {
    /// Nobody: the widget recovers by itself.
    NoOne,
    /// The visitor (start again, reconnect the device).
    Visitor,
    /// The site owner (configuration, plan, embedding).
    SiteOwner,
    /// The operator of the Causette server (keys, clocks, bugs, outages).
    Operator,
}

/// What the client does about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
#[non_exhaustive]
pub enum Recovery {
    /// Refresh the access token with the refresh token, then retry the call.
    RefreshSilently,
    /// Drop the session and ask for a new one.
    NewSession,
    /// Retry later: after `secs` when the server said so, else with backoff.
    RetryAfter {
        /// Seconds from `Retry-After`; `None` means "use the backoff schedule".
        secs: Option<u64>,
    },
    /// Wait for the `online` event, then retry with backoff.
    WaitForNetwork,
    /// Re-estimate the clock offset from the server's time, then retry.
    CorrectClockAndRetry,
    /// Hide the feature that needs the missing scope; carry on otherwise.
    DisableFeature,
    /// Stop: retrying cannot help until someone changes something.
    Stop,
}

/// What the visitor sees while the client recovers (the reconnect state the
/// widget renders; see DESIGN.md, "Reconnect states").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VisitorState {
    /// Nothing: the recovery is silent.
    Nothing,
    /// "Reconnecting…".
    Reconnecting,
    /// "Reconnecting in N s" with a countdown and "Retry now".
    ReconnectingIn,
    /// "Offline — messages will be sent"; the composer keeps working.
    Offline,
    /// "Session ended — start again"; the old transcript stays readable.
    SessionEnded,
    /// "Chat unavailable", with no retry loop.
    Unavailable,
    /// The feature needing the missing scope is hidden.
    FeatureHidden,
}

/// Everything that follows from a [`Code`].
///
/// Build one with [`Diagnosis::new`] or [`Code::diagnosis`]; the fixed parts
/// come from one table so the widget, the server and the command line agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// The stable code.
    pub code: Code,
    /// Who has to act.
    pub who_can_fix: WhoCanFix,
    /// One line saying what went wrong (with the `texts` feature).
    #[cfg(feature = "texts")]
    pub explanation: &'static str,
    /// What to check or change, in plain words (with the `texts` feature).
    #[cfg(feature = "texts")]
    pub fix: &'static str,
    /// What the client does about it.
    pub recovery: Recovery,
    /// What the visitor sees meanwhile.
    pub visitor: VisitorState,
    /// Seconds to wait before retrying, when the server said so.
    pub retry_after: Option<u64>,
    /// For `insufficient_scope`: the scope (space-separated) the call needs.
    pub scope: Option<String>,
}

impl Code {
    /// Every code, in the order of DESIGN.md's table.
    pub const ALL: [Code; 20] = [
        Code::Expired,
        Code::NotYetValid,
        Code::Malformed,
        Code::UnsupportedAlgorithm,
        Code::UnknownKey,
        Code::BadSignature,
        Code::WrongIssuer,
        Code::WrongAudience,
        Code::InsufficientScope,
        Code::Revoked,
        Code::RefreshReused,
        Code::RefreshExpired,
        Code::MissingCredentials,
        Code::OriginNotAllowed,
        Code::UnknownSite,
        Code::QuotaExceeded,
        Code::RateLimited,
        Code::ServerError,
        Code::Network,
        Code::Offline,
    ];

    /// The stable snake_case form, as sent in `reason` and `error_description`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::Expired => "expired",
            Code::NotYetValid => "not_yet_valid",
            Code::Malformed => "malformed",
            Code::UnsupportedAlgorithm => "unsupported_algorithm",
            Code::UnknownKey => "unknown_key",
            Code::BadSignature => "bad_signature",
            Code::WrongIssuer => "wrong_issuer",
            Code::WrongAudience => "wrong_audience",
            Code::InsufficientScope => "insufficient_scope",
            Code::Revoked => "revoked",
            Code::RefreshReused => "refresh_reused",
            Code::RefreshExpired => "refresh_expired",
            Code::MissingCredentials => "missing_credentials",
            Code::OriginNotAllowed => "origin_not_allowed",
            Code::UnknownSite => "unknown_site",
            Code::QuotaExceeded => "quota_exceeded",
            Code::RateLimited => "rate_limited",
            Code::ServerError => "server_error",
            Code::Network => "network",
            Code::Offline => "offline",
        }
    }

    /// Parses the snake_case form. Exact match only: codes are machine text.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|code| code.as_str() == s)
    }

    /// The full diagnosis for this code.
    pub fn diagnosis(self) -> Diagnosis {
        Diagnosis::new(self)
    }

    /// Whether the code is about the access token itself (answered with
    /// `401 invalid_token` by the server).
    pub const fn is_token_problem(self) -> bool {
        matches!(
            self,
            Code::Expired
                | Code::NotYetValid
                | Code::Malformed
                | Code::UnsupportedAlgorithm
                | Code::UnknownKey
                | Code::BadSignature
                | Code::WrongIssuer
                | Code::WrongAudience
                | Code::Revoked
                | Code::RefreshReused
                | Code::RefreshExpired
        )
    }

    /// Rank used to pick the primary finding when a token has several:
    /// structure, then algorithm, then key, then signature, then
    /// issuer/audience, then time, then scope. Lower ranks win. Codes that
    /// verification never produces rank after all of these.
    pub const fn precedence(self) -> u8 {
        match self {
            Code::Malformed => 0,
            Code::UnsupportedAlgorithm => 1,
            Code::UnknownKey => 2,
            Code::BadSignature => 3,
            Code::WrongIssuer => 4,
            Code::WrongAudience => 5,
            // An expired token is refreshed anyway, which also cures a
            // not-yet-valid one; so expiry speaks first.
            Code::Expired => 6,
            Code::NotYetValid => 7,
            Code::InsufficientScope => 8,
            _ => 9,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Code {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Code::parse(s).ok_or(UnknownCode)
    }
}

/// Error of parsing a [`Code`] from a string that names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownCode;

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a Causette reason code")
    }
}

impl std::error::Error for UnknownCode {}

impl Diagnosis {
    /// The diagnosis for `code`, with no `retry_after` and no `scope`.
    pub fn new(code: Code) -> Diagnosis {
        use Code::*;
        use Recovery as R;
        use VisitorState as V;
        use WhoCanFix as W;

        let (who_can_fix, recovery, visitor): (W, R, V) = match code {
            Expired => (W::NoOne, R::RefreshSilently, V::Nothing),
            NotYetValid => (W::NoOne, R::CorrectClockAndRetry, V::Nothing),
            Malformed => (W::SiteOwner, R::NewSession, V::Reconnecting),
            UnsupportedAlgorithm => (W::Operator, R::NewSession, V::Reconnecting),
            UnknownKey => (W::NoOne, R::RefreshSilently, V::Nothing),
            BadSignature => (W::SiteOwner, R::NewSession, V::Reconnecting),
            WrongIssuer => (W::SiteOwner, R::Stop, V::Unavailable),
            WrongAudience => (W::SiteOwner, R::Stop, V::Unavailable),
            InsufficientScope => (W::SiteOwner, R::DisableFeature, V::FeatureHidden),
            Revoked => (W::Visitor, R::NewSession, V::SessionEnded),
            RefreshReused => (W::Visitor, R::NewSession, V::SessionEnded),
            RefreshExpired => (W::Visitor, R::NewSession, V::SessionEnded),
            MissingCredentials => (W::Operator, R::NewSession, V::Reconnecting),
            OriginNotAllowed => (W::SiteOwner, R::Stop, V::Unavailable),
            UnknownSite => (W::SiteOwner, R::Stop, V::Unavailable),
            QuotaExceeded => (W::SiteOwner, R::Stop, V::Unavailable),
            RateLimited => (W::NoOne, R::RetryAfter { secs: None }, V::ReconnectingIn),
            ServerError => (W::Operator, R::RetryAfter { secs: None }, V::ReconnectingIn),
            // The device is online but got no answer: the server may be
            // down or restarting. Waiting for an `online` event that never
            // comes would leave the visitor stuck, so back off and retry.
            Network => (W::Operator, R::RetryAfter { secs: None }, V::ReconnectingIn),
            Offline => (W::Visitor, R::WaitForNetwork, V::Offline),
        };
        #[cfg(feature = "texts")]
        let (explanation, fix) = texts(code);
        Diagnosis {
            code,
            who_can_fix,
            #[cfg(feature = "texts")]
            explanation,
            #[cfg(feature = "texts")]
            fix,
            recovery,
            visitor,
            retry_after: None,
            scope: None,
        }
    }

    /// Sets how long to wait before retrying. Only meaningful for codes whose
    /// recovery is [`Recovery::RetryAfter`]; for others it is recorded but
    /// does not change the recovery.
    #[must_use]
    pub fn with_retry_after(mut self, secs: Option<u64>) -> Diagnosis {
        self.retry_after = secs;
        if let Recovery::RetryAfter { .. } = self.recovery {
            self.recovery = Recovery::RetryAfter { secs };
        }
        self
    }

    /// Sets the scope (space-separated) a call needs.
    #[must_use]
    pub fn with_scope(mut self, scope: Option<String>) -> Diagnosis {
        self.scope = scope;
        self
    }
}

/// The explanation and the fix of `code`: the words the site owner's
/// console, the server and `causette doctor` all use. Behind the `texts`
/// feature: the widget leaves them out of its bundle and asks the server
/// (`GET /v1/diagnose?code=…`) when it has something to tell.
#[cfg(feature = "texts")]
fn texts(code: Code) -> (&'static str, &'static str) {
    use Code::*;
    match code {
            Expired => (
                "The access token has expired.",
                "Nothing to do: the widget refreshes it. If it keeps happening, check the expiry (exp) against the clock of the verifying server, and that the client refreshes before expiry.",
            ),
            NotYetValid => (
                "The access token is not valid yet: its nbf or iat lies ahead of the verifier's clock.",
                "Check the clock: the issuing and verifying servers must agree (use NTP); a device clock minutes off is corrected by the widget.",
            ),
            Malformed => (
                "The credential is not a well-formed Causette access token.",
                "Check the Authorization header: it must be `Bearer <token>` with the access token exactly as issued (three base64url parts, typ at+jwt, nothing cut off or quoted).",
            ),
            UnsupportedAlgorithm => (
                "The token's signing algorithm is not allowed (only EdDSA is accepted; never none or HMAC).",
                "Check the signing key and issuer: the token was not made by this Causette server. A token with alg none or HS256 may be a forgery attempt.",
            ),
            UnknownKey => (
                "The token was signed with a key this server does not know (kid not in the JWKS).",
                "Nothing to do if the key was just rotated. If it persists, check the signing key: the token may come from another environment, or a key was removed too early.",
            ),
            BadSignature => (
                "The token's signature does not verify.",
                "Check the signing key and the API URL: the token was signed by another server or environment, or was altered on the way.",
            ),
            WrongIssuer => (
                "The token was issued by another Causette deployment (iss does not match).",
                "Check the issuer and the API URL: a staging token is being sent to production, or data-api points at the wrong server.",
            ),
            WrongAudience => (
                "The token is meant for another API (aud does not match).",
                "Check the audience and the API URL: the widget must talk to the server that issued its tokens.",
            ),
            InsufficientScope => (
                "The token lacks a scope this call needs.",
                "Check the scopes: the site's plan does not include this feature; upgrade the plan or turn the feature off.",
            ),
            Revoked => (
                "The session was ended or revoked.",
                "Start a new conversation; the old transcript stays readable.",
            ),
            RefreshReused => (
                "An already used refresh token was presented again, so its whole session was revoked.",
                "Start a new conversation. If it happens often, check that only one copy of the widget refreshes per site (tabs share one refresh).",
            ),
            RefreshExpired => (
                "The refresh token is past its idle or absolute lifetime.",
                "Start a new conversation.",
            ),
            MissingCredentials => (
                "The request carried no access token.",
                "Check the Authorization header: every API call needs `Authorization: Bearer <access token>`.",
            ),
            OriginNotAllowed => (
                "This website's origin is not on the site's allowlist.",
                "Add the page's origin (scheme, host and port, e.g. https://www.example.com) to the site's allowed origins.",
            ),
            UnknownSite => (
                "The site key is not known to this server.",
                "Check the site key in the embed snippet (data-site) and the API URL: the key may belong to another server or have been deleted.",
            ),
            QuotaExceeded => (
                "The site's plan has used up its conversations for this period.",
                "Upgrade the plan or wait for the quota to reset.",
            ),
            RateLimited => (
                "Too many requests; the server asked the client to slow down.",
                "Nothing to do: the widget waits as told. If it persists, check for a client stuck in a retry loop.",
            ),
            ServerError => (
                "The server failed to answer the request.",
                "Check the server's logs and health; the widget retries with backoff.",
            ),
            Network => (
                "The request got no answer: the network failed or the server is unreachable.",
                "Check the network connection, the API URL and that the server is up and sends CORS headers for this origin.",
            ),
            Offline => (
                "The device is offline.",
                "Reconnect the device; queued messages are sent once it is back online.",
            ),
    }
}

impl From<Code> for Diagnosis {
    fn from(code: Code) -> Diagnosis {
        Diagnosis::new(code)
    }
}

impl fmt::Display for Diagnosis {
    /// `code: explanation`, e.g. `expired: The access token has expired.`;
    /// the code alone without the `texts` feature.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(feature = "texts")]
        return write!(f, "{}: {}", self.code, self.explanation);
        #[cfg(not(feature = "texts"))]
        fmt::Display::fmt(&self.code, f)
    }
}

impl fmt::Display for WhoCanFix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WhoCanFix::NoOne => "no one (recovers by itself)",
            WhoCanFix::Visitor => "the visitor",
            WhoCanFix::SiteOwner => "the site owner",
            WhoCanFix::Operator => "the server operator",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_str_and_serde() {
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(code));
            assert_eq!(code.as_str().parse::<Code>(), Ok(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), code);
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(Code::parse("Expired"), None);
        assert_eq!(Code::parse(""), None);
        assert!("nope".parse::<Code>().is_err());
    }

    #[test]
    fn all_is_complete_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code));
        }
        assert_eq!(seen.len(), 20);
    }

    #[cfg(feature = "texts")]
    #[test]
    fn every_diagnosis_has_text() {
        for code in Code::ALL {
            let d = code.diagnosis();
            assert_eq!(d.code, code);
            assert!(!d.explanation.is_empty() && !d.explanation.contains('\n'));
            assert!(!d.fix.is_empty());
        }
    }

    #[test]
    fn display_is_code_then_explanation() {
        let d = Diagnosis::new(Code::Expired);
        #[cfg(feature = "texts")]
        assert_eq!(d.to_string(), "expired: The access token has expired.");
        #[cfg(not(feature = "texts"))]
        assert_eq!(d.to_string(), "expired");
        assert_eq!(WhoCanFix::SiteOwner.to_string(), "the site owner");
        assert_eq!(UnknownCode.to_string(), "not a Causette reason code");
    }

    #[test]
    fn retry_after_reaches_the_recovery() {
        let d = Diagnosis::new(Code::RateLimited).with_retry_after(Some(7));
        assert_eq!(d.recovery, Recovery::RetryAfter { secs: Some(7) });
        let d = Diagnosis::new(Code::Expired).with_retry_after(Some(7));
        assert_eq!(d.recovery, Recovery::RefreshSilently);
    }

    #[test]
    fn design_table_recoveries() {
        assert_eq!(
            Code::Expired.diagnosis().recovery,
            Recovery::RefreshSilently
        );
        assert_eq!(Code::WrongIssuer.diagnosis().recovery, Recovery::Stop);
        assert_eq!(
            Code::InsufficientScope.diagnosis().visitor,
            VisitorState::FeatureHidden
        );
        assert_eq!(Code::Offline.diagnosis().visitor, VisitorState::Offline);
        assert_eq!(
            Code::RefreshReused.diagnosis().visitor,
            VisitorState::SessionEnded
        );
    }

    #[test]
    fn serializes_for_json_output() {
        let d = Diagnosis::new(Code::RateLimited).with_retry_after(Some(3));
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["code"], "rate_limited");
        assert_eq!(v["who_can_fix"], "no_one");
        assert_eq!(v["recovery"]["action"], "retry_after");
        assert_eq!(v["recovery"]["secs"], 3);
        assert_eq!(v["visitor"], "reconnecting_in");
        assert_eq!(v["retry_after"], 3);
    }
}
