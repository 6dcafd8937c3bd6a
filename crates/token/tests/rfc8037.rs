//! RFC 8037 appendix A: the Ed25519 key of A.1 verifies the JWS of A.4
//! ("Example of Ed25519 signing"), and nothing else.

#![cfg(feature = "verify")]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use causette_token::keys::{Jwks, VerifyingKey};
use causette_token::verify::verify_signature;

/// A.1: the public key (`x`).
const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
/// A.4: the compact JWS of the payload "Example of Ed25519 signing".
const JWS: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

fn parts() -> (&'static str, Vec<u8>) {
    let (input, sig) = JWS.rsplit_once('.').unwrap();
    (input, URL_SAFE_NO_PAD.decode(sig).unwrap())
}

#[test]
fn a4_verifies_with_the_a1_public_key() {
    let (input, sig) = parts();
    let (header, payload) = input.split_once('.').unwrap();
    assert_eq!(
        URL_SAFE_NO_PAD.decode(header).unwrap(),
        br#"{"alg":"EdDSA"}"#
    );
    assert_eq!(
        URL_SAFE_NO_PAD.decode(payload).unwrap(),
        b"Example of Ed25519 signing"
    );

    let key =
        VerifyingKey::from_public_bytes("rfc8037", &URL_SAFE_NO_PAD.decode(X).unwrap()).unwrap();
    assert!(verify_signature(input.as_bytes(), "EdDSA", &sig, &key));

    // The same key read from its A.2 JWK form.
    let jwks = Jwks::parse(&format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{X}"}}]}}"#
    ))
    .unwrap();
    assert!(verify_signature(
        input.as_bytes(),
        "EdDSA",
        &sig,
        &jwks.keys[0]
    ));
}

#[test]
fn a4_fails_when_anything_changes() {
    let (input, sig) = parts();
    let key =
        VerifyingKey::from_public_bytes("rfc8037", &URL_SAFE_NO_PAD.decode(X).unwrap()).unwrap();
    let mut bad = sig.clone();
    bad[10] ^= 0x40;
    assert!(!verify_signature(input.as_bytes(), "EdDSA", &bad, &key));
    assert!(!verify_signature(
        b"eyJhbGciOiJFZERTQSJ9.x",
        "EdDSA",
        &sig,
        &key
    ));
    assert!(!verify_signature(input.as_bytes(), "Ed25519", &sig, &key));
    assert!(!verify_signature(input.as_bytes(), "HS256", &sig, &key));
    assert!(!verify_signature(
        input.as_bytes(),
        "EdDSA",
        &sig[..63],
        &key
    ));
}

#[cfg(feature = "sign")]
#[test]
fn a1_seed_gives_the_a1_public_key() {
    use causette_token::keys::SigningKey;
    /// A.1: the private key (`d`).
    const D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    let seed: [u8; 32] = URL_SAFE_NO_PAD.decode(D).unwrap().try_into().unwrap();
    let key = SigningKey::from_seed("rfc8037", seed).unwrap();
    assert_eq!(
        URL_SAFE_NO_PAD.encode(key.verifying_key().ed25519_bytes().unwrap()),
        X
    );
    assert_eq!(key.seed(), seed);
    // Our signatures are hedged (randomized, as jwt-compact signs), so they
    // differ from A.4's deterministic one but verify all the same.
    let (input, _) = parts();
    let token = key.sign_raw(&serde_json::json!({"alg":"EdDSA"}), &serde_json::json!({}));
    let (signed, sig) = token.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    assert!(verify_signature(
        signed.as_bytes(),
        "EdDSA",
        &sig,
        &key.verifying_key()
    ));
    assert!(input.starts_with(signed.split('.').next().unwrap()));
}
