//! Visitor identities a site vouches for: its own backend signs the user
//! id with the site secret (`causette site secret KEY`), the widget hands
//! id and signature over, and the server checks the signature before it
//! believes the id.
//!
//! `hash` = lowercase hex of HMAC-SHA256, key = the secret's 64 hex
//! characters as ASCII bytes, message = the user id.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The hash a site's backend computes for `message`, the user id here
/// (lowercase hex). The WordPress sync signs its requests the same way
/// (see [`crate::kb::wordpress::signature`]).
pub fn sign(secret: &str, message: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(message.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `hash` is the site's signature of `message` (the user id). The
/// comparison is constant-time (`Mac::verify_slice`), so timing tells a
/// forger nothing.
pub fn verify(secret: &str, message: &str, hash: &str) -> bool {
    let Some(bytes) = from_hex(hash.trim()) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(message.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

/// Hex (either case) to bytes; `None` for anything else.
fn from_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "5f0c7a1e9b3d4c2a8e6f1b0d3c5a7e9f2b4d6c8a0e1f3b5d7c9a2e4f6b8d0c1a";

    #[test]
    fn matches_a_known_vector() {
        // RFC 4231 test case 2: key "Jefe".
        assert_eq!(
            sign("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn accepts_the_right_hash_in_either_case() {
        let hash = sign(SECRET, "user-42");
        assert!(verify(SECRET, "user-42", &hash));
        assert!(verify(SECRET, "user-42", &hash.to_uppercase()));
    }

    #[test]
    fn refuses_forged_truncated_or_foreign_hashes() {
        let hash = sign(SECRET, "user-42");
        assert!(!verify(SECRET, "user-43", &hash), "another user id");
        assert!(!verify(SECRET, "user-42", &hash[..62]), "truncated");
        assert!(!verify(SECRET, "user-42", ""), "missing");
        assert!(!verify(SECRET, "user-42", &"zz".repeat(32)), "not hex");
        let other = sign(&SECRET.replace('5', "6"), "user-42");
        assert!(!verify(SECRET, "user-42", &other), "another site's secret");
        let mut flipped = hash.clone().into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        assert!(!verify(
            SECRET,
            "user-42",
            &String::from_utf8(flipped).unwrap()
        ));
    }
}
