//! Property tests: any input to the decoder, the verifier and the response
//! diagnosis yields a result, never a panic.

use causette_token::{decode_unverified, diagnose_response, Code};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn decoder_takes_any_string(s in any::<String>()) {
        let _ = decode_unverified(&s);
    }

    #[test]
    fn decoder_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = decode_unverified(&s);
    }

    #[test]
    fn decoder_takes_token_shaped_strings(s in "[A-Za-z0-9_\\-]{0,40}(\\.[A-Za-z0-9_\\-=+/]{0,40}){0,4}") {
        if let Err(report) = decode_unverified(&s) {
            prop_assert_eq!(report.code(), Code::Malformed);
        }
    }

    #[test]
    fn diagnosis_takes_any_response(
        status in any::<u16>(),
        www in proptest::option::of(any::<String>()),
        retry in proptest::option::of(any::<String>()),
        body in proptest::option::of(any::<String>()),
    ) {
        let _ = diagnose_response(status, www.as_deref(), retry.as_deref(), body.as_deref());
    }

    #[test]
    fn diagnosis_takes_challenge_shaped_headers(www in "([A-Za-z]{1,8}( [a-z_]{1,8}=(\"[^\"]{0,8}\"|[a-z0-9_]{0,8})?,?){0,3} ?,? ?){0,3}") {
        let _ = diagnose_response(401, Some(&www), None, None);
    }
}

#[cfg(feature = "verify")]
mod verify {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use causette_token::keys::VerifyingKey;
    use causette_token::verify::{verify, verify_value, Validation};

    fn keys() -> Vec<VerifyingKey> {
        vec![VerifyingKey::from_public_bytes("k", &[7; 32]).unwrap()]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        #[test]
        fn verifier_takes_any_string(s in any::<String>(), now in any::<i64>()) {
            let v = Validation::new("i", "a").with_scopes(["chat"]);
            prop_assert!(verify(&s, &keys(), &v, now).is_err());
        }

        #[test]
        fn verifier_takes_any_json_parts(
            header in any::<String>(),
            claims in any::<String>(),
            sig in proptest::collection::vec(any::<u8>(), 0..100),
            now in any::<i64>(),
            leeway in any::<i64>(),
        ) {
            let token = format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(&header),
                URL_SAFE_NO_PAD.encode(&claims),
                URL_SAFE_NO_PAD.encode(&sig)
            );
            let v = Validation::new("i", "a").with_leeway(leeway);
            prop_assert!(verify(&token, &keys(), &v, now).is_err());
            prop_assert!(verify_value(&token, &keys(), &v, now).is_err());
        }

        #[test]
        fn verifier_takes_odd_headers_and_claims(
            alg in prop_oneof![Just("EdDSA".to_owned()), Just("none".to_owned()), Just("HS256".to_owned()), Just("ES256".to_owned()), "[A-Za-z0-9]{0,6}"],
            kid in proptest::option::of(prop_oneof![Just("k".to_owned()), "[a-z]{0,3}"]),
            exp in proptest::option::of(any::<i64>()),
            nbf in proptest::option::of(any::<f64>()),
            now in any::<i64>(),
        ) {
            let header = serde_json::json!({"alg": alg, "typ": "at+jwt", "kid": kid});
            let claims = serde_json::json!({"iss": "i", "aud": "a", "exp": exp, "nbf": nbf});
            let token = format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string()),
                URL_SAFE_NO_PAD.encode([0u8; 64])
            );
            let v = Validation::new("i", "a");
            prop_assert!(verify(&token, &keys(), &v, now).is_err());
        }
    }
}
