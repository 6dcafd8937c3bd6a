//! Tokens made by an independent implementation (PyJWT + cryptography, see
//! fixtures/make_tokens.py) from fixed keys, with the verdicts they must get.

#![cfg(feature = "verify")]

use causette_token::keys::{Jwks, VerifyingKey};
use causette_token::verify::{verify, verify_value, Validation};
use causette_token::Code;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/tokens.json")).unwrap()
}

fn expected(v: &Value) -> Option<Code> {
    v.as_str()
        .map(|s| Code::parse(s).unwrap_or_else(|| panic!("unknown code {s}")))
}

fn setup() -> (Value, Jwks, Validation, i64) {
    let f = fixture();
    let jwks = Jwks::parse(&f["jwks"].to_string()).unwrap();
    let validation = Validation::new(
        f["issuer"].as_str().unwrap(),
        f["audience"].as_str().unwrap(),
    )
    .with_leeway(f["leeway_secs"].as_i64().unwrap())
    .with_scopes(
        f["required_scopes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned()),
    );
    let now = f["now"].as_i64().unwrap();
    (f, jwks, validation, now)
}

#[test]
fn pyjwt_tokens_get_their_verdicts() {
    let (f, jwks, validation, now) = setup();
    // What the Causette server has: Ed25519 keys only.
    let causette_keys: Vec<VerifyingKey> = jwks
        .keys
        .iter()
        .filter(|k| k.kind() == "Ed25519")
        .cloned()
        .collect();
    assert_eq!(causette_keys.len(), 1);

    let any_column = if cfg!(feature = "doctor-algs") {
        assert_eq!(jwks.keys.len(), 3, "{:?}", jwks.skipped);
        "any_jwt"
    } else {
        assert_eq!(jwks.skipped.len(), 2);
        "any_jwt_without_doctor_algs"
    };

    let mut failures = Vec::new();
    for case in f["tokens"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let token = case["token"].as_str().unwrap();

        let got = verify(token, &causette_keys, &validation, now);
        let want = expected(&case["causette"]);
        if got.as_ref().err().map(|r| r.code()) != want {
            failures.push(format!("verify  {name}: expected {want:?}, got {got:?}"));
        }

        let got = verify_value(token, &jwks.keys, &validation, now);
        let want = expected(&case[any_column]);
        if got.as_ref().err().map(|r| r.code()) != want {
            failures.push(format!("any jwt {name}: expected {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[cfg(feature = "doctor-algs")]
#[test]
fn shared_secret_verifies_hs256_only_when_given_explicitly() {
    let (f, jwks, validation, now) = setup();
    let secret = f["hs256_secret"].as_str().unwrap();
    let mut keys = jwks.keys.clone();
    keys.push(VerifyingKey::hmac_secret("py-ed", secret.as_bytes()));
    let token = |name: &str| {
        f["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(verify_value(&token("hs256 shared secret"), &keys, &validation, now).is_ok());
    let report = verify_value(
        &token("hs256 keyed with the Ed25519 public key"),
        &keys,
        &validation,
        now,
    )
    .unwrap_err();
    assert_eq!(report.code(), Code::BadSignature);
    // The Ed25519 key under the same kid still verifies EdDSA tokens.
    assert!(verify(&token("eddsa valid"), &keys, &validation, now).is_ok());
}
