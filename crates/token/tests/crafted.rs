//! A table of crafted tokens, each with the verdict it must get.

#![cfg(feature = "sign")]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use causette_token::keys::{KeySet, SigningKey};
use causette_token::verify::{verify, verify_value, Validation};
use causette_token::{AccessClaims, Code};
use jwt_compact::alg::{Hs256, Hs256Key};
use jwt_compact::{Algorithm, AlgorithmSignature};
use serde_json::{json, Value};

const NOW: i64 = 1_800_000_000;
const ISS: &str = "https://chat.example.com";
const AUD: &str = "causette";

fn key(kid: &str, byte: u8) -> SigningKey {
    SigningKey::from_seed(kid, [byte; 32]).unwrap()
}

fn keyset() -> KeySet {
    // k2 is current; k1 was rotated out but its public half is still served.
    KeySet::new(key("k2", 2), vec![key("k1", 1).verifying_key()])
}

fn claims() -> AccessClaims {
    AccessClaims {
        iss: ISS.into(),
        aud: AUD.into(),
        sub: "visitor".into(),
        sid: "session".into(),
        cid: "conversation".into(),
        scope: "chat history".into(),
        iat: NOW,
        nbf: NOW,
        exp: NOW + 300,
        jti: "jti-1".into(),
    }
}

fn with(f: impl FnOnce(&mut AccessClaims)) -> AccessClaims {
    let mut c = claims();
    f(&mut c);
    c
}

fn validation() -> Validation {
    Validation::new(ISS, AUD).with_scopes(["chat"])
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn header(kid: &str) -> Value {
    json!({"alg": "EdDSA", "typ": "at+jwt", "kid": kid})
}

fn claims_json() -> Value {
    serde_json::to_value(claims()).unwrap()
}

/// Replaces the signature part.
fn resign(token: &str, sig: &[u8]) -> String {
    let (input, _) = token.rsplit_once('.').unwrap();
    format!("{input}.{}", b64(sig))
}

/// `alg: HS256` signed with the Ed25519 public key bytes as the HMAC secret:
/// the classic algorithm-confusion forgery.
fn hs256_with_public_key() -> String {
    let public = keyset().signing.verifying_key().ed25519_bytes().unwrap();
    let input = format!(
        "{}.{}",
        b64(json!({"alg":"HS256","typ":"at+jwt","kid":"k2"}).to_string()),
        b64(claims_json().to_string())
    );
    let sig = Hs256.sign(&Hs256Key::new(public), input.as_bytes());
    format!("{input}.{}", b64(sig.as_bytes()))
}

fn table() -> Vec<(&'static str, String, Option<Code>)> {
    let ks = keyset();
    let current = &ks.signing;
    let good = ks.sign(&claims());
    let unknown = key("k9", 9);
    let mut flipped = URL_SAFE_NO_PAD
        .decode(good.rsplit_once('.').unwrap().1)
        .unwrap();
    flipped[0] ^= 1;
    let (h, rest) = good.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    vec![
        ("valid", good.clone(), None),
        (
            "expired",
            ks.sign(&with(|c| {
                c.iat = NOW - 600;
                c.nbf = NOW - 600;
                c.exp = NOW - 60;
            })),
            Some(Code::Expired),
        ),
        (
            "expired within leeway is valid",
            ks.sign(&with(|c| c.exp = NOW - 3)),
            None,
        ),
        (
            "expired exactly at the leeway edge",
            ks.sign(&with(|c| c.exp = NOW - 5)),
            Some(Code::Expired),
        ),
        (
            "not yet valid (nbf)",
            ks.sign(&with(|c| c.nbf = NOW + 120)),
            Some(Code::NotYetValid),
        ),
        (
            "not yet valid (iat)",
            ks.sign(&with(|c| c.iat = NOW + 120)),
            Some(Code::NotYetValid),
        ),
        (
            "wrong issuer",
            ks.sign(&with(|c| c.iss = "https://staging.example.com".into())),
            Some(Code::WrongIssuer),
        ),
        (
            "wrong audience",
            ks.sign(&with(|c| c.aud = "other-api".into())),
            Some(Code::WrongAudience),
        ),
        (
            "missing scope",
            ks.sign(&with(|c| c.scope = "history".into())),
            Some(Code::InsufficientScope),
        ),
        (
            "unknown kid",
            unknown.sign(&claims()),
            Some(Code::UnknownKey),
        ),
        (
            "bad signature (other key under a known kid)",
            key("k2", 7).sign(&claims()),
            Some(Code::BadSignature),
        ),
        (
            "bad signature (one bit flipped)",
            resign(&good, &flipped),
            Some(Code::BadSignature),
        ),
        (
            "bad signature (claims changed after signing)",
            format!(
                "{h}.{}.{s}",
                b64(
                    serde_json::to_string(&with(|c| c.scope = "chat history white_label".into()))
                        .unwrap()
                )
            ),
            Some(Code::BadSignature),
        ),
        (
            "bad signature (truncated signature)",
            resign(&good, &flipped[..63]),
            Some(Code::BadSignature),
        ),
        (
            "rotated-out key still in the set is valid",
            key("k1", 1).sign(&claims()),
            None,
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(json!({"alg":"none","typ":"at+jwt","kid":"k2"}).to_string()),
                b64(claims_json().to_string())
            ),
            Some(Code::UnsupportedAlgorithm),
        ),
        (
            "alg None, signed",
            current.sign_raw(
                &json!({"alg":"None","typ":"at+jwt","kid":"k2"}),
                &claims_json(),
            ),
            Some(Code::UnsupportedAlgorithm),
        ),
        (
            "HS256 with the Ed25519 public key as secret",
            hs256_with_public_key(),
            Some(Code::UnsupportedAlgorithm),
        ),
        (
            "typ missing",
            current.sign_raw(&json!({"alg":"EdDSA","kid":"k2"}), &claims_json()),
            Some(Code::Malformed),
        ),
        (
            "typ JWT",
            current.sign_raw(
                &json!({"alg":"EdDSA","typ":"JWT","kid":"k2"}),
                &claims_json(),
            ),
            Some(Code::Malformed),
        ),
        (
            "typ application/at+jwt is fine",
            current.sign_raw(
                &json!({"alg":"EdDSA","typ":"application/at+jwt","kid":"k2"}),
                &claims_json(),
            ),
            None,
        ),
        (
            "no kid: tried against fitting keys",
            current.sign_raw(&json!({"alg":"EdDSA","typ":"at+jwt"}), &claims_json()),
            None,
        ),
        (
            "crit extension",
            current.sign_raw(
                &json!({"alg":"EdDSA","typ":"at+jwt","kid":"k2","crit":["b64"],"b64":false}),
                &claims_json(),
            ),
            Some(Code::Malformed),
        ),
        (
            "claims missing a Causette field",
            current.sign_raw(
                &header("k2"),
                &json!({"iss":ISS,"aud":AUD,"scope":"chat","exp":NOW+60}),
            ),
            Some(Code::Malformed),
        ),
        (
            "claims without exp",
            current.sign_raw(&header("k2"), &json!({"iss":ISS,"aud":AUD,"scope":"chat"})),
            Some(Code::Malformed),
        ),
        ("two parts", format!("{h}.{p}"), Some(Code::Malformed)),
        ("four parts", format!("{good}.{s}"), Some(Code::Malformed)),
        (
            "bad base64url",
            format!("{h}.{}!.{s}", &p[1..]),
            Some(Code::Malformed),
        ),
        (
            "padded base64",
            format!("{h}.{p}==.{s}"),
            Some(Code::Malformed),
        ),
        (
            "header not JSON",
            format!("{}.{p}.{s}", b64("{alg: EdDSA}")),
            Some(Code::Malformed),
        ),
        (
            "claims not JSON",
            format!("{h}.{}.{s}", b64("iss=me")),
            Some(Code::Malformed),
        ),
        ("empty string", String::new(), Some(Code::Malformed)),
        (
            "1 MB of junk",
            "x.y\u{0}€".repeat(1 << 18),
            Some(Code::Malformed),
        ),
    ]
}

#[test]
fn crafted_tokens_get_their_verdicts() {
    let ks = keyset();
    let mut failures = Vec::new();
    for (name, token, expected) in table() {
        let got = verify(&token, ks.verifying_keys(), &validation(), NOW);
        let got_code = got.as_ref().err().map(|r| r.code());
        if got_code != expected {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
        if let Err(report) = &got {
            assert_eq!(report.findings[0], report.code(), "{name}");
            assert!(!report.detail().is_empty(), "{name}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn untrusted_claims_yield_no_claim_findings() {
    let ks = keyset();
    // Expired, wrong issuer, no scope, and signed by a stranger under a known kid.
    let forged = key("k2", 7).sign(&with(|c| {
        c.iss = "evil".into();
        c.exp = NOW - 1000;
        c.scope = String::new();
    }));
    let report = verify(&forged, ks.verifying_keys(), &validation(), NOW).unwrap_err();
    assert_eq!(report.findings, [Code::BadSignature]);

    let none = format!(
        "{}.{}.",
        b64(json!({"alg":"none"}).to_string()),
        b64(json!({"exp": 0}).to_string())
    );
    let report = verify(&none, ks.verifying_keys(), &validation(), NOW).unwrap_err();
    assert_eq!(
        report.findings,
        [Code::Malformed, Code::UnsupportedAlgorithm]
    );
}

#[test]
fn all_findings_are_listed_in_precedence_order() {
    let ks = keyset();
    let token = ks.sign(&with(|c| {
        c.iss = "https://staging.example.com".into();
        c.exp = NOW - 600;
        c.scope = "history".into();
    }));
    let report = verify(&token, ks.verifying_keys(), &validation(), NOW).unwrap_err();
    assert_eq!(
        report.findings,
        [Code::WrongIssuer, Code::Expired, Code::InsufficientScope]
    );
    assert_eq!(
        report.to_string(),
        "wrong_issuer: iss is \"https://staging.example.com\", expected \"https://chat.example.com\" (also: expired, insufficient_scope)"
    );
}

#[test]
fn insufficient_scope_carries_the_required_scope() {
    let ks = keyset();
    let token = ks.sign(&with(|c| c.scope = "history".into()));
    let v = validation().with_scopes(["chat", "custom_css"]);
    let report = verify(&token, ks.verifying_keys(), &v, NOW).unwrap_err();
    assert_eq!(report.primary.scope.as_deref(), Some("chat custom_css"));
    assert_eq!(
        report.detail(),
        "needs scope chat custom_css, the token grants \"history\""
    );
}

#[test]
fn algorithm_confusion_is_explained() {
    let ks = keyset();
    let report = verify(
        &hs256_with_public_key(),
        ks.verifying_keys(),
        &validation(),
        NOW,
    )
    .unwrap_err();
    assert!(
        report.detail().contains("algorithm confusion"),
        "{}",
        report.detail()
    );
    assert!(report.detail().contains("Ed25519"), "{}", report.detail());
}

#[test]
fn unknown_kid_lists_the_known_ones() {
    let ks = keyset();
    let report = verify(
        &key("k9", 9).sign(&claims()),
        ks.verifying_keys(),
        &validation(),
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        report.detail(),
        "kid \"k9\" is not among the known keys (\"k2\", \"k1\")"
    );
    let report = verify(&ks.sign(&claims()), &[], &validation(), NOW).unwrap_err();
    assert_eq!(report.code(), Code::UnknownKey);
}

#[test]
fn verify_value_accepts_foreign_shapes() {
    let ks = keyset();
    let token = ks.signing.sign_raw(
        &json!({"alg":"EdDSA","typ":"JWT","kid":"k2"}),
        &json!({"iss":ISS,"aud":["x",AUD],"exp":NOW+60,"scope":"chat","custom":true}),
    );
    let value = verify_value(&token, ks.verifying_keys(), &validation(), NOW).unwrap();
    assert_eq!(value["custom"], true);
    let report = verify(&token, ks.verifying_keys(), &validation(), NOW).unwrap_err();
    assert_eq!(report.code(), Code::Malformed);
}

#[test]
fn signing_is_stable_in_shape() {
    let ks = keyset();
    let token = ks.sign(&claims());
    let decoded = causette_token::decode_unverified(&token).unwrap();
    assert_eq!(
        decoded.header.raw,
        json!({"alg":"EdDSA","typ":"at+jwt","kid":"k2"})
    );
    assert_eq!(decoded.claims, Some(claims()));
    assert_eq!(decoded.signature.len(), 64);
    // KeySet::verify is the same as verify over its keys.
    assert_eq!(ks.verify(&token, &validation(), NOW), Ok(claims()));
}
