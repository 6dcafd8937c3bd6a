//! Any bytes, as a token, a `WWW-Authenticate` header, a body or a JWKS:
//! every entry point must return, never panic.
//!
//! Run with `cargo +nightly fuzz run decode` from `crates/token`.

#![no_main]

use causette_token::keys::{Jwks, VerifyingKey};
use causette_token::verify::{verify, verify_value, Validation};
use causette_token::{decode_unverified, diagnose_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    if let Ok(decoded) = decode_unverified(&text) {
        // What decodes must be consistent with the input.
        assert!(text.contains(decoded.signing_input.as_str()));
    }

    let keys = [VerifyingKey::from_public_bytes("k", &[9; 32]).unwrap()];
    let validation = Validation::new("https://iss", "aud").with_scopes(["chat"]);
    let now = data.len() as i64 * 1_000_003 - 500_000_000;
    assert!(verify(&text, &keys, &validation, now).is_err());
    let _ = verify_value(&text, &keys, &validation, now);

    let status = data.first().map_or(401, |b| 300 + u16::from(*b));
    let _ = diagnose_response(status, Some(&text), Some(&text), Some(&text));
    let _ = Jwks::parse(&text);
});
