//! Verifying access tokens, with a [`Report`] of everything wrong when they fail.
//!
//! The checks, in the order of precedence used to pick the primary finding:
//!
//! 1. **Structure** (`malformed`): three base64url parts, JSON header with
//!    `alg`, JSON object claims ([`decode_unverified`]); `typ` must be
//!    `at+jwt` (a missing or other `typ` is `malformed`: the token is not a
//!    Causette access token, RFC 9068 §4); no `crit` extensions.
//! 2. **Algorithm** (`unsupported_algorithm`): `none` never; otherwise `alg`
//!    must be one the key named by `kid` verifies. Each key type verifies only
//!    its own family, so `HS256` presented to an Ed25519 key set (algorithm
//!    confusion) lands here, never in an HMAC check.
//! 3. **Key** (`unknown_key`): `kid` must name a known key. A token without
//!    `kid` is tried against every key that accepts its `alg`.
//! 4. **Signature** (`bad_signature`).
//! 5. **Issuer, audience** (`wrong_issuer`, `wrong_audience`).
//! 6. **Time** (`expired`, then `not_yet_valid`), with the leeway.
//! 7. **Scope** (`insufficient_scope`).
//!
//! Header findings (1–3) are all listed. When the signature is not verified —
//! it failed, or steps 2–3 prevented checking it — the claims are untrusted
//! and no finding is derived from them; [`check_claims`] can still show what
//! they say, for a doctor report. Time is always an argument.

use serde_json::Value;

use crate::claims::{is_access_token_type, AccessClaims, TOKEN_TYPE};
use crate::decode::{decode_unverified, DecodedToken};
use crate::diagnosis::Code;
use crate::keys::VerifyingKey;
use crate::report::{Finding, Report};
pub use crate::validation::{check_claims, Validation};

/// Verifies a Causette access token and returns its claims.
pub fn verify(
    token: &str,
    keys: &[VerifyingKey],
    validation: &Validation,
    now_unix: i64,
) -> Result<AccessClaims, Report> {
    let decoded = decode_unverified(token)?;
    verify_decoded(&decoded, keys, validation, now_unix, Profile::Causette)?;
    // verify_decoded checked the shape, so this holds; never panic regardless.
    decoded.claims.ok_or_else(|| {
        Report::single(
            Code::Malformed,
            "the claims are not a Causette access token",
        )
    })
}

/// Verifies any issuer's JWS-signed JWT against the same rules except the
/// Causette specifics (`typ: at+jwt` and the [`AccessClaims`] shape), and
/// returns its claims as JSON. For `causette doctor` and foreign tokens.
pub fn verify_value(
    token: &str,
    keys: &[VerifyingKey],
    validation: &Validation,
    now_unix: i64,
) -> Result<Value, Report> {
    let decoded = decode_unverified(token)?;
    verify_decoded(&decoded, keys, validation, now_unix, Profile::AnyJwt)?;
    Ok(decoded.claims_json)
}

/// Which token rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Profile {
    /// A Causette access token: `typ` `at+jwt` and every [`AccessClaims`] field.
    Causette,
    /// Any JWT: no `typ` or claim-shape requirement beyond `iss`, `aud`, `exp`.
    AnyJwt,
}

/// Verifies an already decoded token under `profile`.
pub fn verify_decoded(
    decoded: &DecodedToken,
    keys: &[VerifyingKey],
    validation: &Validation,
    now_unix: i64,
    profile: Profile,
) -> Result<(), Report> {
    let header = &decoded.header;
    let mut findings = Vec::new();

    if profile == Profile::Causette {
        match &header.typ {
            Some(typ) if is_access_token_type(typ) => {}
            Some(typ) => findings.push(Finding::new(
                Code::Malformed,
                format!("typ is {typ:?}, expected \"{TOKEN_TYPE}\": not an access token"),
            )),
            None => findings.push(Finding::new(
                Code::Malformed,
                format!("the header has no typ; access tokens carry \"{TOKEN_TYPE}\""),
            )),
        }
    }
    if let Some(crit) = &header.crit {
        findings.push(Finding::new(
            Code::Malformed,
            format!(
                "the header marks extensions critical that this verifier does not understand: {crit:?}"
            ),
        ));
    }

    let verified = check_key_and_signature(decoded, keys, &mut findings);

    if verified {
        findings.extend(check_claims(&decoded.claims_json, validation, now_unix));
        if profile == Profile::Causette
            && decoded.claims.is_none()
            && !findings.iter().any(|f| f.code == Code::Malformed)
        {
            let why = AccessClaims::deserialize_error(&decoded.claims_json);
            findings.push(Finding::new(
                Code::Malformed,
                format!("the claims are not a Causette access token: {why}"),
            ));
        }
    }

    if findings.is_empty() {
        return Ok(());
    }
    let mut report = Report::new(findings);
    if report.code() == Code::InsufficientScope {
        report.primary.scope = Some(validation.scope_string());
    }
    Err(report)
}

/// Steps 2–4. Returns whether the signature verified.
fn check_key_and_signature(
    decoded: &DecodedToken,
    keys: &[VerifyingKey],
    findings: &mut Vec<Finding>,
) -> bool {
    let alg = decoded.header.alg.as_str();
    if alg.eq_ignore_ascii_case("none") {
        findings.push(Finding::new(
            Code::UnsupportedAlgorithm,
            "alg is \"none\": unsigned tokens are never accepted",
        ));
        return false;
    }
    if keys.is_empty() {
        findings.push(Finding::new(
            Code::UnknownKey,
            "no verifying keys are configured",
        ));
        return false;
    }

    let candidates: Vec<&VerifyingKey> = match &decoded.header.kid {
        Some(kid) => {
            let named: Vec<&VerifyingKey> = keys.iter().filter(|k| k.kid() == kid).collect();
            if named.is_empty() {
                findings.push(Finding::new(
                    Code::UnknownKey,
                    format!(
                        "kid {kid:?} is not among the known keys ({})",
                        kid_list(keys)
                    ),
                ));
                // Still flag an algorithm no key could verify: it says more
                // (a forgery or a foreign issuer) than the unknown kid.
                if !keys.iter().any(|k| k.accepts(alg)) {
                    findings.push(unsupported(alg, keys));
                }
                return false;
            }
            let fitting: Vec<&VerifyingKey> =
                named.iter().copied().filter(|k| k.accepts(alg)).collect();
            if fitting.is_empty() {
                let k = named[0];
                let mut f = unsupported(alg, keys);
                f.detail = format!(
                    "alg {alg:?} does not fit key {kid:?}, an {} key verifying only {}{}",
                    k.kind(),
                    k.algorithms().join(", "),
                    confusion_hint(alg)
                );
                findings.push(f);
                return false;
            }
            fitting
        }
        None => {
            let fitting: Vec<&VerifyingKey> = keys.iter().filter(|k| k.accepts(alg)).collect();
            if fitting.is_empty() {
                findings.push(unsupported(alg, keys));
                return false;
            }
            fitting
        }
    };

    let input = decoded.signing_input.as_bytes();
    if candidates
        .iter()
        .any(|k| k.verify_signature(alg, input, &decoded.signature))
    {
        return true;
    }
    let which = match &decoded.header.kid {
        Some(kid) => format!("key {kid:?}"),
        None => format!("any of the keys fitting {alg} ({})", kid_list(keys)),
    };
    findings.push(Finding::new(
        Code::BadSignature,
        format!("the signature does not verify with {which}"),
    ));
    false
}

fn unsupported(alg: &str, keys: &[VerifyingKey]) -> Finding {
    let mut accepted: Vec<&str> = keys
        .iter()
        .flat_map(|k| k.algorithms().iter().copied())
        .collect();
    accepted.sort_unstable();
    accepted.dedup();
    Finding::new(
        Code::UnsupportedAlgorithm,
        format!(
            "alg {alg:?} is not accepted; these keys verify only {}{}",
            accepted.join(", "),
            confusion_hint(alg)
        ),
    )
}

fn confusion_hint(alg: &str) -> &'static str {
    if alg.starts_with("HS") {
        " (an HMAC token checked against public keys would be algorithm confusion)"
    } else {
        ""
    }
}

fn kid_list(keys: &[VerifyingKey]) -> String {
    const MAX: usize = 8;
    let mut out: Vec<String> = keys
        .iter()
        .take(MAX)
        .map(|k| format!("{:?}", k.kid()))
        .collect();
    if keys.len() > MAX {
        out.push(format!("{} more", keys.len() - MAX));
    }
    out.join(", ")
}

/// Verifies a signature over raw bytes, e.g. a JWS whose payload is not JWT
/// claims (RFC 8037's examples sign plain text).
pub fn verify_signature(
    signing_input: &[u8],
    alg: &str,
    signature: &[u8],
    key: &VerifyingKey,
) -> bool {
    key.verify_signature(alg, signing_input, signature)
}

impl AccessClaims {
    /// Why `json` is not an [`AccessClaims`], in serde's words.
    fn deserialize_error(json: &Value) -> String {
        match <AccessClaims as serde::Deserialize>::deserialize(json) {
            Ok(_) => "no error".into(),
            Err(e) => e.to_string(),
        }
    }
}
