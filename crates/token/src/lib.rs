//! Causette access tokens: claims, signing, verification, and the diagnosis
//! of every way a token-bearing call can fail.
//!
//! One library serves three places: the server signs and verifies tokens and
//! answers failures with RFC 6750 errors; the widget (WebAssembly) reads its
//! own token and turns failed responses back into a [`Diagnosis`] that drives
//! what the visitor sees; `causette doctor` explains a token in plain words.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | *(none)* | — | [`claims`], [`decode`] (unverified), [`validation`] (claim checks), [`diagnosis`], [`report`], [`wire`] (RFC 6750 both ways), [`challenge`], [`time`]. Builds for `wasm32-unknown-unknown`; no cryptography. |
//! | `verify` | yes | `verify` and verifying keys / JWKS in `keys`: EdDSA (Ed25519) via `jwt-compact` and `ed25519-compact`. |
//! | `sign` | yes | Implies `verify`. `keys::SigningKey` (generation from OS randomness, seeds) and `keys::KeySet` (rotation, JWKS publishing). |
//! | `doctor-algs` | no | Implies `verify`. ES256, RS256/384/512, PS256/384/512 and HS256/384/512 verification and `EC`/`RSA` JWKS keys, for checking other issuers' tokens. |
//! | `upstream` | no | `upstream`: the verdict on a failed call to a model provider (status, `Retry-After`, body, transport error) with a stable `provider_*` code. Server-side only; never in the widget. |
//!
//! The widget depends on this crate with `default-features = false`; see the
//! README for what that costs in the wasm bundle.
//!
//! # Example
//!
//! ```
//! # #[cfg(feature = "sign")] {
//! use causette_token::{keys::{KeySet, SigningKey}, verify::Validation, AccessClaims, Code};
//!
//! let keys = KeySet::new(SigningKey::generate("2026-01"), vec![]);
//! let now = 1_800_000_000;
//! let claims = AccessClaims {
//!     iss: "https://chat.example.com".into(),
//!     aud: "causette".into(),
//!     sub: "visitor-1".into(),
//!     sid: "session-1".into(),
//!     cid: "conversation-1".into(),
//!     scope: "chat history".into(),
//!     iat: now,
//!     nbf: now,
//!     exp: now + 300,
//!     jti: "token-1".into(),
//! };
//! let token = keys.sign(&claims);
//!
//! let validation = Validation::new("https://chat.example.com", "causette").with_scopes(["chat"]);
//! assert_eq!(keys.verify(&token, &validation, now + 10), Ok(claims));
//!
//! let report = keys.verify(&token, &validation, now + 400).unwrap_err();
//! assert_eq!(report.code(), Code::Expired);
//! assert_eq!(report.to_string(), "expired: expired 1 min ago (exp 1800000300)");
//! # }
//! ```
//!
//! # No panics on input
//!
//! Every function taking a token, a header or a body returns a value for any
//! input; decoding is bounded by [`decode::MAX_TOKEN_LEN`]. Property tests
//! and a fuzz target (`crates/token/fuzz`) hold this.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
// A `Report` (a full `Diagnosis` plus every finding) is the product of the
// error path, read field by field; boxing it would only add noise for callers.
#![allow(clippy::result_large_err)]

mod b64;
pub mod challenge;
pub mod claims;
pub mod decode;
pub mod diagnosis;
#[cfg(feature = "verify")]
pub mod keys;
pub mod report;
pub mod time;
#[cfg(feature = "upstream")]
pub mod upstream;
pub mod validation;
#[cfg(feature = "verify")]
pub mod verify;
pub mod wire;

pub use claims::{AccessClaims, TOKEN_TYPE};
pub use decode::{decode_unverified, DecodedToken, Header};
pub use diagnosis::{Code, Diagnosis, Recovery, VisitorState, WhoCanFix};
pub use report::{Finding, Report};
pub use validation::Validation;
pub use wire::{
    diagnose_fields, diagnose_network_failure, diagnose_response, rejection, Rejection,
};
