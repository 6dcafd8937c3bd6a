//! The doctor's I/O: reading the token, key files and secrets, and asking a
//! live deployment about itself. Every failure here is a usage or I/O error
//! (exit status 2), worded for the person who typed the command.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use causette_token::keys::Jwks;
use serde::Deserialize;

use super::judge::ServerFacts;

/// A usage or I/O error: the message says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trouble(pub String);

impl std::fmt::Display for Trouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn trouble(msg: impl Into<String>) -> Trouble {
    Trouble(msg.into())
}

/// Most bytes read from stdin. Tokens are well under 16 KiB; the rest is
/// read only to report a length and is otherwise ignored.
const MAX_STDIN: u64 = 8 * 1024 * 1024;

/// Reads the token from stdin (lossily: junk is a diagnosis, not an error).
pub fn read_stdin() -> Result<String, Trouble> {
    use std::io::IsTerminal as _;
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(trouble(
            "no token: give it as an argument, or pipe it in (e.g. `pbpaste | causette doctor`)",
        ));
    }
    let mut bytes = Vec::new();
    stdin
        .lock()
        .take(MAX_STDIN)
        .read_to_end(&mut bytes)
        .map_err(|e| trouble(format!("cannot read the token from stdin: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Strips what people paste around a token: whitespace, an `Authorization:`
/// header name and the `Bearer` scheme.
pub fn clean_token(input: &str) -> &str {
    let mut t = input.trim();
    if let Some(rest) = strip_prefix_ci(t, "authorization:") {
        t = rest.trim_start();
    }
    if let Some(rest) = strip_prefix_ci(t, "bearer") {
        if rest.starts_with(|c: char| c.is_whitespace()) {
            t = rest.trim_start();
        }
    }
    t
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Reads `--secret-file`: its bytes, less one trailing line break.
pub fn read_secret_file(path: &Path) -> Result<Vec<u8>, Trouble> {
    let mut bytes = std::fs::read(path).map_err(|e| {
        trouble(format!(
            "cannot read the secret file {}: {e}",
            path.display()
        ))
    })?;
    if bytes.ends_with(b"\n") {
        bytes.pop();
        if bytes.ends_with(b"\r") {
            bytes.pop();
        }
    }
    Ok(bytes)
}

/// Whether `s` is an http(s) URL rather than a path.
pub fn is_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Loads `--jwks`: a file, or an http(s) URL. A single JWK is accepted too.
pub async fn load_jwks(client: Option<&reqwest::Client>, location: &str) -> Result<Jwks, Trouble> {
    let text = if let (true, Some(client)) = (is_url(location), client) {
        get_text(client, location, None).await?
    } else {
        std::fs::read_to_string(location)
            .map_err(|e| trouble(format!("cannot read the JWKS file {location}: {e}")))?
    };
    parse_jwks(&text).map_err(|e| trouble(format!("{location}: {e}")))
}

/// Reads a JWKS document, or a lone JWK as a one-key set.
pub fn parse_jwks(text: &str) -> Result<Jwks, String> {
    match Jwks::parse(text) {
        Ok(jwks) => Ok(jwks),
        Err(e) => {
            let lone = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .filter(|v| v.get("kty").is_some());
            match lone {
                Some(jwk) => Jwks::parse(&serde_json::json!({ "keys": [jwk] }).to_string())
                    .map_err(|e| e.to_string()),
                None => Err(e.to_string()),
            }
        }
    }
}

/// The HTTP client: short timeouts, since a doctor that hangs helps nobody.
pub fn client() -> Result<reqwest::Client, Trouble> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("causette-doctor/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| trouble(format!("cannot set up HTTP: {e}")))
}

async fn get_text(
    client: &reqwest::Client,
    url: &str,
    origin: Option<&str>,
) -> Result<String, Trouble> {
    let mut req = client.get(url);
    if let Some(o) = origin {
        req = req.header(reqwest::header::ORIGIN, o);
    }
    let res = req.send().await.map_err(|e| {
        trouble(format!(
            "cannot reach {url}: {}\n(is the server up, and is this its URL?)",
            error_chain(&e)
        ))
    })?;
    let status = res.status();
    let text = res
        .text()
        .await
        .map_err(|e| trouble(format!("{url}: the answer broke off: {}", error_chain(&e))))?;
    if !status.is_success() {
        return Err(trouble(format!(
            "{url} answered {status}{}",
            if status.as_u16() == 404 {
                ": is this the right URL for a Causette server?"
            } else {
                ""
            }
        )));
    }
    Ok(text)
}

/// An error and its causes, e.g. `error sending request: … : Connection refused`.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[derive(Deserialize)]
struct DiagnoseBody {
    server_time: i64,
    issuer: String,
    audience: String,
    #[serde(default)]
    key_ids: Vec<String>,
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    site_known: bool,
    #[serde(default)]
    origin_allowed: bool,
}

fn now_secs_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Asks a deployment about itself (`/v1/diagnose`) and fetches its JWKS.
pub async fn server_facts(
    client: &reqwest::Client,
    url: &str,
    site: Option<&str>,
    origin: Option<&str>,
) -> Result<(ServerFacts, Jwks), Trouble> {
    let base = url.trim_end_matches('/');
    if !is_url(base) {
        return Err(trouble(format!(
            "--server wants the server's URL, like https://chat.example.com (got {base:?})"
        )));
    }
    let mut diagnose = format!("{base}/v1/diagnose");
    if let Some(site) = site {
        let q: String = url_encode(site);
        diagnose.push_str(&format!("?site={q}"));
    }

    let sent = now_secs_f64();
    let text = get_text(client, &diagnose, origin).await?;
    let received = now_secs_f64();
    let body: DiagnoseBody = serde_json::from_str(&text).map_err(|e| {
        trouble(format!(
            "{diagnose} did not answer like a Causette server: {e}"
        ))
    })?;
    // The server read its clock somewhere between sending and receiving.
    let local_mid = (sent + received) / 2.0;
    let skew_secs = (body.server_time as f64 - local_mid).round() as i64;

    let jwks_url = format!("{base}/.well-known/jwks.json");
    let jwks_text = get_text(client, &jwks_url, None).await?;
    let jwks = parse_jwks(&jwks_text).map_err(|e| trouble(format!("{jwks_url}: {e}")))?;

    Ok((
        ServerFacts {
            url: base.to_owned(),
            api_version: body.api_version,
            server_time: body.server_time,
            skew_secs,
            issuer: body.issuer,
            audience: body.audience,
            key_ids: body.key_ids,
            site: site.map(str::to_owned),
            site_known: body.site_known,
            origin: origin.map(str::to_owned),
            origin_allowed: body.origin_allowed,
        },
        jwks,
    ))
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_prefixes_are_stripped() {
        assert_eq!(clean_token("  abc.def.ghi\n"), "abc.def.ghi");
        assert_eq!(clean_token("Bearer abc"), "abc");
        assert_eq!(clean_token("bearer   abc"), "abc");
        assert_eq!(clean_token("Authorization: Bearer abc"), "abc");
        assert_eq!(clean_token("Bearerabc"), "Bearerabc");
        assert_eq!(clean_token("é"), "é");
    }

    #[test]
    fn urls_and_encoding() {
        assert!(is_url("https://x"));
        assert!(is_url("HTTP://x"));
        assert!(!is_url("keys.json"));
        assert_eq!(url_encode("a b&c"), "a%20b%26c");
    }

    #[test]
    fn a_lone_jwk_is_a_set_of_one() {
        let k = causette_token::keys::SigningKey::generate("k").verifying_key();
        let jwks = parse_jwks(&k.to_jwk().to_string()).unwrap();
        assert_eq!(jwks.key_ids(), ["k"]);
        assert!(parse_jwks("nope").is_err());
    }
}
