//! Decoding a compact JWS without verifying it.
//!
//! This is what the widget uses to read `exp` and `scope` from its own token,
//! and what `causette doctor` shows before verification. Nothing decoded here
//! is trustworthy until verification (`verify`, feature `verify`) says so.

use serde_json::Value;

use crate::claims::AccessClaims;
use crate::diagnosis::Code;
use crate::report::Report;

/// Longest token accepted, in bytes. Causette tokens are about 400 bytes and
/// tokens from other issuers rarely pass 4 KiB; the cap bounds the work done
/// on junk (and matches common HTTP header limits).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The JOSE header of a token.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// `alg`: the signing algorithm as written in the token.
    pub alg: String,
    /// `typ`, if present.
    pub typ: Option<String>,
    /// `kid`, if present.
    pub kid: Option<String>,
    /// `cty`, if present.
    pub cty: Option<String>,
    /// `crit`, if present: extensions the verifier must understand.
    pub crit: Option<Vec<String>>,
    /// The whole header as JSON (an object).
    pub raw: Value,
}

/// A token split and decoded, not verified.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedToken {
    /// The header.
    pub header: Header,
    /// The claims as JSON (always an object).
    pub claims_json: Value,
    /// The claims as a Causette access token, if they have that shape.
    pub claims: Option<AccessClaims>,
    /// `BASE64URL(header) "." BASE64URL(payload)`: the bytes that are signed.
    pub signing_input: String,
    /// The decoded signature bytes (possibly empty, e.g. for `alg: none`).
    pub signature: Vec<u8>,
}

/// Splits a compact JWS and decodes its header, claims and signature.
///
/// Fails with a `malformed` [`Report`] when the token is not three base64url
/// parts, the header is not a JSON object with a string `alg`, or the claims
/// are not a JSON object. Claims that are JSON but not a Causette access token
/// decode fine with `claims: None`. Never panics; work is bounded by
/// [`MAX_TOKEN_LEN`].
pub fn decode_unverified(token: &str) -> Result<DecodedToken, Report> {
    let malformed = |detail: String| Report::single(Code::Malformed, detail);

    let token = token.trim_matches(|c: char| c.is_ascii_whitespace());
    if token.is_empty() {
        return Err(malformed("the token is empty".into()));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(malformed(format!(
            "the token is {} bytes long; tokens longer than {MAX_TOKEN_LEN} bytes are refused",
            token.len()
        )));
    }
    if let Some(scheme) = token.split_ascii_whitespace().next() {
        if scheme.eq_ignore_ascii_case("bearer") {
            return Err(malformed(
                "the token starts with \"Bearer\": pass the token alone, without the scheme".into(),
            ));
        }
    }

    let parts: Vec<&str> = token.splitn(4, '.').collect();
    if parts.len() != 3 {
        let n = token.split('.').count();
        let hint = if n == 5 {
            " (five parts: an encrypted JWE, not a signed JWS)"
        } else {
            ""
        };
        return Err(malformed(format!(
            "a JWS has three dot-separated parts; this has {n}{hint}"
        )));
    }
    let (h64, p64, s64) = (parts[0], parts[1], parts[2]);

    let header_text = utf8(b64(h64, "header")?, "header")?;
    let raw: Value = serde_json::from_str(&header_text)
        .map_err(|e| malformed(format!("the header is not JSON: {e}")))?;
    let header = parse_header(raw).map_err(malformed)?;

    let payload = utf8(b64(p64, "payload")?, "claims")?;
    let claims_json: Value = serde_json::from_str(&payload)
        .map_err(|e| malformed(format!("the claims are not JSON: {e}")))?;
    if !claims_json.is_object() {
        return Err(malformed("the claims are not a JSON object".into()));
    }
    let claims = AccessClaims::from_json(&claims_json);

    let signature = b64(s64, "signature")?;

    Ok(DecodedToken {
        header,
        claims_json,
        claims,
        signing_input: token[..h64.len() + 1 + p64.len()].to_owned(),
        signature,
    })
}

fn b64(part: &str, what: &str) -> Result<Vec<u8>, Report> {
    crate::b64::decode(part).map_err(|e| {
        let hint = if part.contains(['+', '/', '=']) {
            " (it looks like standard base64 or padded; JWS uses unpadded base64url)"
        } else {
            ""
        };
        Report::single(
            Code::Malformed,
            format!("the {what} is not base64url: {e}{hint}"),
        )
    })
}

/// JSON text must be UTF-8 (RFC 8259 §8.1). Parsing from `&str` rather than
/// bytes also lets the widget share serde_json's `str` parser with its own
/// JSON handling instead of carrying a second one.
fn utf8(bytes: Vec<u8>, what: &str) -> Result<String, Report> {
    String::from_utf8(bytes).map_err(|_| {
        Report::single(
            Code::Malformed,
            format!("the {what} is not JSON: it is not UTF-8 text"),
        )
    })
}

fn parse_header(raw: Value) -> Result<Header, String> {
    let obj = raw
        .as_object()
        .ok_or_else(|| "the header is not a JSON object".to_owned())?;
    let string = |name: &str| -> Result<Option<String>, String> {
        match obj.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("the header's {name} is not a string")),
        }
    };
    let alg = string("alg")?.ok_or_else(|| "the header has no alg".to_owned())?;
    let typ = string("typ")?;
    let kid = string("kid")?;
    let cty = string("cty")?;
    let crit = match obj.get("crit") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| "the header's crit is not a list of strings".to_owned())?,
        ),
        Some(_) => return Err("the header's crit is not a list".into()),
    };
    Ok(Header {
        alg,
        typ,
        kid,
        cty,
        crit,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    fn enc(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn token(header: &str, claims: &str) -> String {
        format!("{}.{}.{}", enc(header), enc(claims), enc("sig"))
    }

    #[test]
    fn decodes_header_claims_and_signature() {
        let t = token(
            r#"{"alg":"EdDSA","typ":"at+jwt","kid":"k1","x":1}"#,
            r#"{"iss":"i","aud":"a","sub":"s","sid":"s","cid":"c","scope":"chat","iat":1,"nbf":1,"exp":2,"jti":"j"}"#,
        );
        let d = decode_unverified(&t).unwrap();
        assert_eq!(d.header.alg, "EdDSA");
        assert_eq!(d.header.typ.as_deref(), Some("at+jwt"));
        assert_eq!(d.header.kid.as_deref(), Some("k1"));
        assert_eq!(d.header.raw["x"], 1);
        assert_eq!(d.claims.unwrap().scope, "chat");
        assert_eq!(d.signature, b"sig");
        assert_eq!(d.signing_input, t.rsplit_once('.').unwrap().0);
    }

    #[test]
    fn foreign_claims_decode_without_access_claims() {
        let d = decode_unverified(&token(r#"{"alg":"RS256"}"#, r#"{"aud":["a","b"]}"#)).unwrap();
        assert!(d.claims.is_none());
        assert_eq!(d.claims_json["aud"][1], "b");
    }

    #[test]
    fn malformed_inputs() {
        let cases = [
            String::new(),
            "   ".into(),
            "a.b".into(),
            "a.b.c.d".into(),
            "a.b.c.d.e".into(),
            format!("Bearer {}", token(r#"{"alg":"EdDSA"}"#, "{}")),
            format!("{}.{}.***", enc(r#"{"alg":"EdDSA"}"#), enc("{}")),
            format!("{}=.{}.", enc(r#"{"alg":"EdDSA"}"#), enc("{}")),
            token("not json", "{}"),
            token("[1]", "{}"),
            token("{}", "{}"),
            token(r#"{"alg":5}"#, "{}"),
            token(r#"{"alg":"x","kid":5}"#, "{}"),
            token(r#"{"alg":"x","crit":"b64"}"#, "{}"),
            token(r#"{"alg":"EdDSA"}"#, "not json"),
            token(r#"{"alg":"EdDSA"}"#, "[]"),
            format!(
                "{}.{}.",
                enc(r#"{"alg":"EdDSA"}"#),
                URL_SAFE_NO_PAD.encode([0xff, 0xfe])
            ),
            "x".repeat(MAX_TOKEN_LEN + 1),
        ];
        for t in cases {
            let r = decode_unverified(&t).unwrap_err();
            assert_eq!(r.code(), Code::Malformed, "{t:.40}");
            assert!(!r.detail().is_empty());
        }
    }

    #[test]
    fn details_say_what_is_wrong() {
        let r = decode_unverified("a.b").unwrap_err();
        assert_eq!(
            r.to_string(),
            "malformed: a JWS has three dot-separated parts; this has 2"
        );
        let r = decode_unverified("a.b.c.d.e").unwrap_err();
        assert!(r.detail().contains("JWE"));
        let r = decode_unverified("").unwrap_err();
        assert_eq!(r.detail(), "the token is empty");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let deep = "[".repeat(MAX_TOKEN_LEN / 2);
        let r = decode_unverified(&token(&deep, "{}")).unwrap_err();
        assert_eq!(r.code(), Code::Malformed);
        let claims = format!("{{\"a\":{}", "{\"a\":".repeat(2000));
        let r = decode_unverified(&token(r#"{"alg":"EdDSA"}"#, &claims)).unwrap_err();
        assert!(
            r.detail().starts_with("the claims are not JSON"),
            "{}",
            r.detail()
        );
    }

    #[test]
    fn empty_signature_is_allowed_here() {
        let d = decode_unverified(&format!("{}.{}.", enc(r#"{"alg":"none"}"#), enc("{}"))).unwrap();
        assert!(d.signature.is_empty());
    }
}
