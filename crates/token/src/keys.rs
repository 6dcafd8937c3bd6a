//! Signing and verifying keys, key sets with rotation, and JWKS.
//!
//! Causette signs with Ed25519 (`alg: EdDSA`). A [`KeySet`] holds the current
//! signing key and the public halves of previous ones, so tokens signed just
//! before a rotation keep verifying until they expire. With the `doctor-algs`
//! feature a [`VerifyingKey`] can also be a P-256, RSA or HMAC key, for
//! checking tokens from other issuers.

use core::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jwt_compact::{Algorithm, AlgorithmSignature};
use serde_json::{json, Value};

#[cfg(feature = "sign")]
use crate::claims::{AccessClaims, TOKEN_TYPE};

/// Error building a key or reading a JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Raw key bytes of the wrong length.
    WrongLength {
        /// What was being read (`Ed25519 public key`, `seed`, …).
        what: &'static str,
        /// Expected length in bytes.
        expected: usize,
        /// Actual length in bytes.
        found: usize,
    },
    /// An all-zero seed, which is never the output of a random generator.
    ZeroSeed,
    /// Key material that does not form a valid key.
    Invalid(String),
    /// A JWKS document that cannot be read at all.
    Jwks(String),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::WrongLength {
                what,
                expected,
                found,
            } => write!(f, "{what} must be {expected} bytes, got {found}"),
            KeyError::ZeroSeed => f.write_str("the seed is all zeros; generate a random one"),
            KeyError::Invalid(why) => write!(f, "invalid key: {why}"),
            KeyError::Jwks(why) => write!(f, "unreadable JWKS: {why}"),
        }
    }
}

impl std::error::Error for KeyError {}

/// The kinds of key material a [`VerifyingKey`] can hold.
#[derive(Clone)]
enum Material {
    Ed25519(ed25519_compact::PublicKey),
    #[cfg(feature = "doctor-algs")]
    P256(p256::ecdsa::VerifyingKey),
    #[cfg(feature = "doctor-algs")]
    Rsa(jwt_compact::alg::RsaPublicKey),
    #[cfg(feature = "doctor-algs")]
    Hmac(Vec<u8>),
}

/// A key that verifies tokens, named by its `kid`.
#[derive(Clone)]
pub struct VerifyingKey {
    kid: String,
    /// The JWK `alg`, if the key was published with one; narrows the
    /// algorithms the key accepts.
    alg: Option<String>,
    material: Material,
}

impl VerifyingKey {
    /// An Ed25519 public key from its 32 raw bytes.
    pub fn from_public_bytes(kid: impl Into<String>, bytes: &[u8]) -> Result<Self, KeyError> {
        let pk =
            ed25519_compact::PublicKey::from_slice(bytes).map_err(|_| KeyError::WrongLength {
                what: "an Ed25519 public key",
                expected: ed25519_compact::PublicKey::BYTES,
                found: bytes.len(),
            })?;
        Ok(VerifyingKey {
            kid: kid.into(),
            alg: None,
            material: Material::Ed25519(pk),
        })
    }

    /// A shared HMAC secret (`HS256`/`HS384`/`HS512`), for checking tokens of
    /// issuers that use one. Never used for Causette tokens.
    #[cfg(feature = "doctor-algs")]
    pub fn hmac_secret(kid: impl Into<String>, secret: &[u8]) -> VerifyingKey {
        VerifyingKey {
            kid: kid.into(),
            alg: None,
            material: Material::Hmac(secret.to_vec()),
        }
    }

    /// The key id (empty for a JWKS entry published without one).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The raw public key, for an Ed25519 key.
    pub fn ed25519_bytes(&self) -> Option<[u8; 32]> {
        match &self.material {
            Material::Ed25519(pk) => Some(**pk),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// What kind of key this is, in words (`Ed25519`, `P-256`, `RSA`, `HMAC`).
    pub fn kind(&self) -> &'static str {
        match &self.material {
            Material::Ed25519(_) => "Ed25519",
            #[cfg(feature = "doctor-algs")]
            Material::P256(_) => "P-256",
            #[cfg(feature = "doctor-algs")]
            Material::Rsa(_) => "RSA",
            #[cfg(feature = "doctor-algs")]
            Material::Hmac(_) => "HMAC",
        }
    }

    /// The `alg` values this key verifies. Each key type has its own family,
    /// which is what rules out algorithm confusion: an `HS256` token is never
    /// checked against a public key's bytes.
    pub fn algorithms(&self) -> &'static [&'static str] {
        match &self.material {
            Material::Ed25519(_) => &["EdDSA"],
            #[cfg(feature = "doctor-algs")]
            Material::P256(_) => &["ES256"],
            #[cfg(feature = "doctor-algs")]
            Material::Rsa(_) => &["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
            #[cfg(feature = "doctor-algs")]
            Material::Hmac(_) => &["HS256", "HS384", "HS512"],
        }
    }

    /// Whether this key may verify a token with this `alg` (exact, case-sensitive,
    /// as RFC 7515 says).
    pub fn accepts(&self, alg: &str) -> bool {
        self.algorithms().contains(&alg) && self.alg.as_deref().is_none_or(|a| a == alg)
    }

    /// Verifies `signature` over `signing_input` with algorithm `alg`.
    /// False when the key does not accept `alg` or the signature is wrong.
    pub fn verify_signature(&self, alg: &str, signing_input: &[u8], signature: &[u8]) -> bool {
        if !self.accepts(alg) {
            return false;
        }
        match &self.material {
            Material::Ed25519(pk) => {
                check(&jwt_compact::alg::Ed25519, pk, signing_input, signature)
            }
            #[cfg(feature = "doctor-algs")]
            Material::P256(pk) => check(&jwt_compact::alg::Es256, pk, signing_input, signature),
            #[cfg(feature = "doctor-algs")]
            Material::Rsa(pk) => match alg.parse::<jwt_compact::alg::Rsa>() {
                Ok(rsa) => check(&rsa, pk, signing_input, signature),
                Err(_) => false,
            },
            #[cfg(feature = "doctor-algs")]
            Material::Hmac(secret) => {
                use jwt_compact::alg::*;
                match alg {
                    "HS256" => check(&Hs256, &Hs256Key::new(secret), signing_input, signature),
                    "HS384" => check(&Hs384, &Hs384Key::new(secret), signing_input, signature),
                    "HS512" => check(&Hs512, &Hs512Key::new(secret), signing_input, signature),
                    _ => false,
                }
            }
        }
    }

    /// The public JWK (RFC 7517; RFC 8037 `OKP` for Ed25519). An HMAC key's
    /// secret is never included.
    pub fn to_jwk(&self) -> Value {
        let mut jwk = match &self.material {
            Material::Ed25519(pk) => json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(&pk[..]),
                "alg": "EdDSA",
                "use": "sig",
            }),
            #[cfg(feature = "doctor-algs")]
            Material::P256(pk) => {
                serde_json::to_value(jwt_compact::jwk::JsonWebKey::from(pk)).unwrap_or_default()
            }
            #[cfg(feature = "doctor-algs")]
            Material::Rsa(pk) => {
                serde_json::to_value(jwt_compact::jwk::JsonWebKey::from(pk)).unwrap_or_default()
            }
            #[cfg(feature = "doctor-algs")]
            Material::Hmac(_) => json!({ "kty": "oct" }),
        };
        if let Some(obj) = jwk.as_object_mut() {
            if !self.kid.is_empty() {
                obj.insert("kid".into(), self.kid.clone().into());
            }
            if let Some(alg) = &self.alg {
                obj.insert("alg".into(), alg.clone().into());
            }
        }
        jwk
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Public keys are public, but HMAC secrets are not: show only the kind.
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .field("kind", &self.kind())
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.kid == other.kid && self.alg == other.alg && self.to_jwk() == other.to_jwk() && {
            #[cfg(feature = "doctor-algs")]
            {
                match (&self.material, &other.material) {
                    (Material::Hmac(a), Material::Hmac(b)) => a == b,
                    _ => true,
                }
            }
            #[cfg(not(feature = "doctor-algs"))]
            {
                true
            }
        }
    }
}

/// Verifies with a jwt-compact algorithm. The length check comes first
/// because some signature types' `try_from_slice` assume the right length.
fn check<A: Algorithm>(alg: &A, key: &A::VerifyingKey, input: &[u8], sig: &[u8]) -> bool {
    if let Some(len) = A::Signature::LENGTH {
        if sig.len() != len.get() {
            return false;
        }
    }
    match A::Signature::try_from_slice(sig) {
        Ok(sig) => alg.verify_signature(&sig, key, input),
        Err(_) => false,
    }
}

/// A parsed JWKS: the usable keys, and why the others were skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Jwks {
    /// Keys this build can verify with.
    pub keys: Vec<VerifyingKey>,
    /// One line per key that was skipped, saying why.
    pub skipped: Vec<String>,
}

impl Jwks {
    /// Reads a JWKS document (`{"keys": [...]}`). Ed25519 `OKP` keys are
    /// always read; `EC` P-256 and `RSA` keys with the `doctor-algs` feature.
    /// Keys marked for encryption (`"use": "enc"`) and symmetric keys are
    /// skipped. Fails only when the document itself is unreadable.
    pub fn parse(json: &str) -> Result<Jwks, KeyError> {
        let doc: Value =
            serde_json::from_str(json).map_err(|e| KeyError::Jwks(format!("not JSON: {e}")))?;
        let entries = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| KeyError::Jwks("no \"keys\" list".into()))?;
        let mut jwks = Jwks {
            keys: Vec::new(),
            skipped: Vec::new(),
        };
        for (i, entry) in entries.iter().enumerate() {
            match parse_jwk(entry) {
                Ok(key) => jwks.keys.push(key),
                Err(why) => {
                    let kid = entry.get("kid").and_then(Value::as_str).unwrap_or("");
                    jwks.skipped.push(format!("key #{i} (kid {kid:?}): {why}"));
                }
            }
        }
        Ok(jwks)
    }

    /// The key ids, in document order.
    pub fn key_ids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.kid.clone()).collect()
    }
}

fn parse_jwk(jwk: &Value) -> Result<VerifyingKey, String> {
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    if let Some(usage) = field("use") {
        if usage != "sig" {
            return Err(format!("use is {usage:?}, not \"sig\""));
        }
    }
    let kid = field("kid").unwrap_or_default().to_owned();
    let alg = field("alg").map(str::to_owned);
    let material = match field("kty") {
        Some("OKP") => {
            if field("crv") != Some("Ed25519") {
                return Err(format!("OKP curve {:?} is not supported", field("crv")));
            }
            let x = field("x").ok_or("no x")?;
            let bytes = URL_SAFE_NO_PAD
                .decode(x)
                .map_err(|e| format!("x is not base64url: {e}"))?;
            let key = VerifyingKey::from_public_bytes("", &bytes).map_err(|e| e.to_string())?;
            key.material
        }
        #[cfg(feature = "doctor-algs")]
        Some("EC") => {
            let parsed: jwt_compact::jwk::JsonWebKey<'_> =
                serde_json::from_value(jwk.clone()).map_err(|e| e.to_string())?;
            Material::P256(p256::ecdsa::VerifyingKey::try_from(&parsed).map_err(|e| e.to_string())?)
        }
        #[cfg(feature = "doctor-algs")]
        Some("RSA") => {
            let parsed: jwt_compact::jwk::JsonWebKey<'_> =
                serde_json::from_value(jwk.clone()).map_err(|e| e.to_string())?;
            Material::Rsa(
                jwt_compact::alg::RsaPublicKey::try_from(&parsed).map_err(|e| e.to_string())?,
            )
        }
        #[cfg(not(feature = "doctor-algs"))]
        Some(kty @ ("EC" | "RSA")) => {
            return Err(format!("{kty} keys need the doctor-algs feature"))
        }
        Some("oct") => return Err("symmetric keys do not belong in a public JWKS".into()),
        Some(other) => return Err(format!("key type {other:?} is not supported")),
        None => return Err("no kty".into()),
    };
    let mut key = VerifyingKey { kid, alg, material };
    if let Some(alg) = &key.alg {
        if !key.algorithms().contains(&alg.as_str()) {
            return Err(format!("alg {alg:?} does not fit a {} key", key.kind()));
        }
        // A one-algorithm key type gains nothing from the restriction; keep
        // such keys equal to those built from raw bytes.
        if key.algorithms().len() == 1 {
            key.alg = None;
        }
    }
    Ok(key)
}

/// An Ed25519 signing key with its `kid`.
#[cfg(feature = "sign")]
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    pair: ed25519_compact::KeyPair,
    /// `BASE64URL(header)`, computed once: the header never changes per key.
    header_b64: String,
}

#[cfg(feature = "sign")]
impl SigningKey {
    /// A new key from the operating system's randomness.
    pub fn generate(kid: impl Into<String>) -> SigningKey {
        let pair = ed25519_compact::KeyPair::generate();
        SigningKey::from_pair(kid.into(), pair)
    }

    /// The key for a stored 32-byte seed. Refuses the all-zero seed, which
    /// only an uninitialised store produces.
    pub fn from_seed(kid: impl Into<String>, seed: [u8; 32]) -> Result<SigningKey, KeyError> {
        let pair = ed25519_compact::KeyPair::try_from_seed(ed25519_compact::Seed::new(seed))
            .map_err(|_| KeyError::ZeroSeed)?;
        Ok(SigningKey::from_pair(kid.into(), pair))
    }

    fn from_pair(kid: String, pair: ed25519_compact::KeyPair) -> SigningKey {
        let header = json!({ "alg": "EdDSA", "typ": TOKEN_TYPE, "kid": kid });
        let header_b64 = URL_SAFE_NO_PAD.encode(header.to_string());
        SigningKey {
            kid,
            pair,
            header_b64,
        }
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The 32-byte seed, for storage. Treat it as the secret it is.
    pub fn seed(&self) -> [u8; 32] {
        *self.pair.sk.seed()
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            kid: self.kid.clone(),
            alg: None,
            material: Material::Ed25519(self.pair.pk),
        }
    }

    /// Signs an access token: header `{"alg":"EdDSA","typ":"at+jwt","kid":…}`.
    pub fn sign(&self, claims: &AccessClaims) -> String {
        // Serializing plain strings and integers cannot fail.
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        self.finish(self.header_b64.clone(), &payload)
    }

    /// Signs exactly the header and claims given, for tests and tooling that
    /// need tokens Causette would never issue (wrong `typ`, odd claims…).
    /// The header is used as is; its `alg` is not checked.
    pub fn sign_raw(&self, header: &Value, claims: &Value) -> String {
        self.finish(
            URL_SAFE_NO_PAD.encode(header.to_string()),
            claims.to_string().as_bytes(),
        )
    }

    fn finish(&self, mut token: String, payload: &[u8]) -> String {
        token.reserve(payload.len() * 4 / 3 + 90);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = jwt_compact::alg::Ed25519.sign(&self.pair.sk, token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature.as_bytes(), &mut token);
        token
    }
}

#[cfg(feature = "sign")]
impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the seed.
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The server's keys: the current signing key and the verifying keys of the
/// current and previous ones.
#[cfg(feature = "sign")]
#[derive(Debug, Clone)]
pub struct KeySet {
    /// Signs new tokens.
    pub signing: SigningKey,
    /// Verifies tokens: the current key first, then the previous ones.
    pub verifying: Vec<VerifyingKey>,
}

#[cfg(feature = "sign")]
impl KeySet {
    /// A set signing with `current` and still accepting `previous` (a
    /// previous key with the current key's kid is dropped).
    pub fn new(current: SigningKey, previous: Vec<VerifyingKey>) -> KeySet {
        let mut verifying = vec![current.verifying_key()];
        verifying.extend(previous.into_iter().filter(|k| k.kid != current.kid));
        KeySet {
            signing: current,
            verifying,
        }
    }

    /// Signs with the current key.
    pub fn sign(&self, claims: &AccessClaims) -> String {
        self.signing.sign(claims)
    }

    /// The verifying keys, current first.
    pub fn verifying_keys(&self) -> &[VerifyingKey] {
        &self.verifying
    }

    /// The JWKS to publish at `/.well-known/jwks.json` (RFC 8037 `OKP` keys).
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.verifying.iter().map(VerifyingKey::to_jwk).collect::<Vec<_>>() })
    }

    /// The key ids, current first.
    pub fn key_ids(&self) -> Vec<String> {
        self.verifying.iter().map(|k| k.kid.clone()).collect()
    }

    /// Verifies a token against this set; see [`crate::verify::verify`].
    pub fn verify(
        &self,
        token: &str,
        validation: &crate::validation::Validation,
        now_unix: i64,
    ) -> Result<AccessClaims, crate::report::Report> {
        crate::verify::verify(token, &self.verifying, validation, now_unix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_lengths_are_refused() {
        let e = VerifyingKey::from_public_bytes("k", &[1; 31]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "an Ed25519 public key must be 32 bytes, got 31"
        );
    }

    #[test]
    fn jwks_skips_what_it_cannot_use() {
        let doc = r#"{"keys":[
            {"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty":"OKP","crv":"Ed25519","kid":"b","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"enc"},
            {"kty":"OKP","crv":"X25519","kid":"c","x":"AA"},
            {"kty":"oct","kid":"d","k":"AA"},
            {"kty":"OKP","crv":"Ed25519","kid":"e","x":"AA"},
            {"kty":"OKP","crv":"Ed25519","kid":"f","alg":"HS256","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kid":"g"},
            "nonsense"
        ]}"#;
        let jwks = Jwks::parse(doc).unwrap();
        assert_eq!(jwks.key_ids(), ["a"]);
        assert_eq!(jwks.skipped.len(), 7, "{:?}", jwks.skipped);
        assert!(jwks.skipped[0].contains("\"b\""));
        assert!(Jwks::parse("nope").is_err());
        assert!(Jwks::parse("{}").unwrap_err().to_string().contains("keys"));
    }

    #[cfg(feature = "sign")]
    #[test]
    fn keyset_publishes_current_and_previous() {
        let old = SigningKey::from_seed("k0", [1; 32]).unwrap();
        let cur = SigningKey::from_seed("k1", [2; 32]).unwrap();
        let set = KeySet::new(cur.clone(), vec![old.verifying_key(), cur.verifying_key()]);
        assert_eq!(set.key_ids(), ["k1", "k0"]);
        let jwks = set.jwks();
        assert_eq!(jwks["keys"][0]["kty"], "OKP");
        assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
        assert_eq!(jwks["keys"][0]["alg"], "EdDSA");
        assert_eq!(jwks["keys"][0]["use"], "sig");
        assert_eq!(jwks["keys"][1]["kid"], "k0");
        let parsed = Jwks::parse(&jwks.to_string()).unwrap();
        assert_eq!(
            parsed.keys[0].ed25519_bytes(),
            cur.verifying_key().ed25519_bytes()
        );
        assert_eq!(parsed.keys, set.verifying);
    }

    #[cfg(feature = "sign")]
    #[test]
    fn seeds_round_trip_and_zero_is_refused() {
        let k = SigningKey::generate("k");
        let again = SigningKey::from_seed("k", k.seed()).unwrap();
        assert_eq!(again.verifying_key(), k.verifying_key());
        assert_eq!(
            SigningKey::from_seed("k", [0; 32]).unwrap_err(),
            KeyError::ZeroSeed
        );
        assert!(!format!("{k:?}").contains(&format!("{:?}", k.seed())));
    }
}
