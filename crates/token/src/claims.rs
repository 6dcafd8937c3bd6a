//! The claims of a Causette access token.

use serde::{Deserialize, Serialize};

/// The `typ` header of every Causette access token (RFC 9068).
pub const TOKEN_TYPE: &str = "at+jwt";

/// The claims of a Causette access token. All fields are required: a token
/// missing one is `malformed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer: the deployment's URL.
    pub iss: String,
    /// Audience: the API the token is for.
    pub aud: String,
    /// Subject: the visitor.
    pub sub: String,
    /// Session id.
    pub sid: String,
    /// Conversation id.
    pub cid: String,
    /// Granted scopes, space-separated (`chat history custom_css …`).
    pub scope: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not before (Unix seconds).
    pub nbf: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// Unique token id.
    pub jti: String,
}

impl AccessClaims {
    /// The granted scopes, one by one.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_ascii_whitespace()
    }

    /// Whether `scope` is granted (exact, case-sensitive, as RFC 6749 says).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// The claims as a Causette access token, if `json` has that shape:
    /// every field present, strings as strings, times as integers.
    /// Unknown claims are ignored.
    pub fn from_json(json: &serde_json::Value) -> Option<AccessClaims> {
        // Read by hand rather than through serde's derived visitor: the same
        // result, but several kilobytes less in the widget's wasm bundle.
        let obj = json.as_object()?;
        let s = |name: &str| obj.get(name)?.as_str().map(str::to_owned);
        let n = |name: &str| obj.get(name)?.as_i64();
        Some(AccessClaims {
            iss: s("iss")?,
            aud: s("aud")?,
            sub: s("sub")?,
            sid: s("sid")?,
            cid: s("cid")?,
            scope: s("scope")?,
            iat: n("iat")?,
            nbf: n("nbf")?,
            exp: n("exp")?,
            jti: s("jti")?,
        })
    }

    /// Seconds of lifetime left at `now_unix` (negative once expired).
    pub fn remaining_secs(&self, now_unix: i64) -> i64 {
        self.exp.saturating_sub(now_unix)
    }

    /// The token's whole lifetime in seconds (`exp - iat`).
    pub fn lifetime_secs(&self) -> i64 {
        self.exp.saturating_sub(self.iat)
    }
}

/// Whether a `typ` header value names an access token: `at+jwt` or its media
/// type form `application/at+jwt`, compared case-insensitively (RFC 7515
/// §4.1.9, RFC 9068 §2.1).
pub fn is_access_token_type(typ: &str) -> bool {
    let typ = match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
        _ => typ,
    };
    typ.eq_ignore_ascii_case(TOKEN_TYPE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(scope: &str) -> AccessClaims {
        AccessClaims {
            iss: "https://chat.example".into(),
            aud: "causette".into(),
            sub: "v1".into(),
            sid: "s1".into(),
            cid: "c1".into(),
            scope: scope.into(),
            iat: 100,
            nbf: 100,
            exp: 400,
            jti: "j1".into(),
        }
    }

    #[test]
    fn scopes_split_on_whitespace() {
        let c = claims(" chat  history\tcustom_css ");
        assert_eq!(
            c.scopes().collect::<Vec<_>>(),
            ["chat", "history", "custom_css"]
        );
        assert!(c.has_scope("history"));
        assert!(!c.has_scope("hist"));
        assert!(!c.has_scope("Chat"));
        assert!(!claims("").has_scope(""));
    }

    #[test]
    fn from_json_matches_serde() {
        let c = claims("chat");
        let mut v = serde_json::to_value(&c).unwrap();
        assert_eq!(AccessClaims::from_json(&v), Some(c));
        v["extra"] = 1.into();
        assert!(AccessClaims::from_json(&v).is_some());
        for field in ["iss", "exp", "jti"] {
            let mut missing = v.clone();
            missing.as_object_mut().unwrap().remove(field);
            assert_eq!(AccessClaims::from_json(&missing), None);
            assert!(serde_json::from_value::<AccessClaims>(missing).is_err());
        }
        v["exp"] = "400".into();
        assert_eq!(AccessClaims::from_json(&v), None);
        assert_eq!(AccessClaims::from_json(&serde_json::json!([1])), None);
    }

    #[test]
    fn lifetimes() {
        let c = claims("chat");
        assert_eq!(c.lifetime_secs(), 300);
        assert_eq!(c.remaining_secs(350), 50);
        assert_eq!(c.remaining_secs(450), -50);
    }

    #[test]
    fn token_type_forms() {
        assert!(is_access_token_type("at+jwt"));
        assert!(is_access_token_type("AT+JWT"));
        assert!(is_access_token_type("application/at+jwt"));
        assert!(!is_access_token_type("JWT"));
        assert!(!is_access_token_type("application/jwt"));
        assert!(!is_access_token_type("é"));
    }
}
