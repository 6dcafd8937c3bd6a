//! `causette doctor` run as the real binary: tokens made here and by PyJWT
//! (crates/token/tests/fixtures), and a real `causette serve` to check.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use causette_token::keys::SigningKey;
use causette_token::{AccessClaims, Code, Diagnosis};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const NOW: i64 = 1_800_000_000;
const ISS: &str = "https://chat.example.com";
const AUD: &str = "causette";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

fn doctor(args: &[&str], stdin: Option<&[u8]>) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_causette"))
        .arg("doctor")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("causette runs");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        // The doctor may stop reading early; a broken pipe is fine.
        let _ = pipe.write_all(bytes);
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn claims() -> AccessClaims {
    AccessClaims {
        iss: ISS.into(),
        aud: AUD.into(),
        sub: "visitor-1".into(),
        sid: "session-1".into(),
        cid: "conversation-1".into(),
        scope: "chat history".into(),
        iat: NOW,
        nbf: NOW,
        exp: NOW + 300,
        jti: "jti-1".into(),
    }
}

/// A key, its token, and a JWKS file holding only its public half.
struct Setup {
    key: SigningKey,
    token: String,
    dir: tempfile::TempDir,
    jwks: PathBuf,
}

fn setup() -> Setup {
    let key = SigningKey::generate("key-1");
    let token = key.sign(&claims());
    let dir = tempfile::tempdir().unwrap();
    let jwks = write(
        dir.path(),
        "jwks.json",
        &json!({ "keys": [key.verifying_key().to_jwk()] }).to_string(),
    );
    Setup {
        key,
        token,
        dir,
        jwks,
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn at(secs: i64) -> String {
    secs.to_string()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

fn hs256(secret: &[u8], header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig = hmac_sha256(secret, input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {report}"))
}

fn pyjwt() -> Value {
    serde_json::from_str(include_str!("../../token/tests/fixtures/tokens.json")).unwrap()
}

fn pyjwt_token(f: &Value, name: &str) -> String {
    f["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn hmac_helper_matches_rfc_4231_case_2() {
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    assert_eq!(
        mac.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn a_valid_token_exits_0() {
    let s = setup();
    let jwks = s.jwks.to_str().unwrap();
    let args = [
        "--jwks",
        jwks,
        "--issuer",
        ISS,
        "--audience",
        AUD,
        "--scope",
        "chat",
    ];
    let mut with_time: Vec<&str> = args.to_vec();
    let t = at(NOW + 10);
    with_time.extend(["--at", &t, &s.token]);
    let out = doctor(&with_time, None);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("valid — every check passed"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("✓ signature"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("2027-01-15T08:05:00Z (expires in 4 min"),
        "{}",
        out.stdout
    );

    with_time.push("--json");
    let r = doctor(&with_time, None).json();
    assert_eq!(r["valid"], true);
    assert_eq!(r["verdict"], "valid");
    assert_eq!(r["signature_checked"], true);
    assert_eq!(r["reason"], Value::Null);
    assert_eq!(r["findings"], json!([]));
    assert_eq!(r["who_can_fix"], Value::Null);
    assert_eq!(r["header"]["kid"], "key-1");
    assert_eq!(r["claims"]["sub"], "visitor-1");
    assert_eq!(r["times"]["exp"]["utc"], "2027-01-15T08:05:00Z");
    assert_eq!(check(&r, "signature")["ok"], true);
    assert!(r.get("server").is_none());
}

#[test]
fn an_expired_token_names_the_code_and_the_fix() {
    let s = setup();
    let t = at(NOW + 400);
    let out = doctor(
        &["--jwks", s.jwks.to_str().unwrap(), "--at", &t, &s.token],
        None,
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let fix = Diagnosis::new(Code::Expired).fix;
    assert!(
        out.stdout.contains("Verdict    expired — "),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(fix), "{}", out.stdout);
    assert!(out.stdout.contains("expired 1 min ago"), "{}", out.stdout);
    assert!(
        out.stdout.contains("2027-01-15T08:05:00Z"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Who        nobody needed"),
        "{}",
        out.stdout
    );

    // RFC 3339 works for --at as well.
    let r = doctor(
        &[
            "--jwks",
            s.jwks.to_str().unwrap(),
            "--at",
            "2027-01-15T08:06:40Z",
            "--json",
            &s.token,
        ],
        None,
    )
    .json();
    assert_eq!(r["valid"], false);
    assert_eq!(r["verdict"], "invalid");
    assert_eq!(r["reason"], "expired");
    assert_eq!(r["findings"], json!(["expired"]));
    assert_eq!(r["who_can_fix"], "no_one");
    assert_eq!(r["fix"], fix);
    assert_eq!(r["explanation"], Diagnosis::new(Code::Expired).explanation);
    assert_eq!(r["times"]["exp"]["relative"], "expired 1 min ago");
    assert_eq!(r["judged_at"]["source"], "--at");
    assert_eq!(check(&r, "expiry")["ok"], false);
    assert!(r["header"].is_object() && r["claims"].is_object());
}

#[test]
fn wrong_issuer_is_reported() {
    let s = setup();
    let t = at(NOW);
    let r = doctor(
        &[
            "--jwks",
            s.jwks.to_str().unwrap(),
            "--issuer",
            "https://prod.example.com",
            "--at",
            &t,
            "--json",
            &s.token,
        ],
        None,
    );
    assert_eq!(r.code, 1);
    let r = r.json();
    assert_eq!(r["reason"], "wrong_issuer");
    assert_eq!(r["who_can_fix"], "site_owner");
    assert!(check(&r, "issuer")["detail"]
        .as_str()
        .unwrap()
        .contains("https://prod.example.com"));
}

#[test]
fn another_keys_signature_is_bad_and_an_unknown_kid_is_unknown() {
    let s = setup();
    let t = at(NOW);
    let same_kid = SigningKey::generate("key-1").sign(&claims());
    let out = doctor(
        &[
            "--jwks",
            s.jwks.to_str().unwrap(),
            "--at",
            &t,
            "--json",
            &same_kid,
        ],
        None,
    );
    assert_eq!(out.code, 1);
    let r = out.json();
    assert_eq!(r["reason"], "bad_signature");
    assert_eq!(check(&r, "signature")["ok"], false);
    // The claims are not trusted, so they are not judged.
    assert_eq!(check(&r, "expiry")["ok"], Value::Null);

    let other_kid = SigningKey::generate("key-2").sign(&claims());
    let out = doctor(
        &["--jwks", s.jwks.to_str().unwrap(), "--at", &t, &other_kid],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("Verdict    unknown_key"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\"key-2\""), "{}", out.stdout);
    drop(s.key);
}

#[test]
fn alg_none_is_refused_with_or_without_keys() {
    let s = setup();
    let signed = s.key.sign_raw(
        &json!({"alg":"none","typ":"at+jwt"}),
        &serde_json::to_value(claims()).unwrap(),
    );
    let unsigned = format!("{}.", signed.rsplit_once('.').unwrap().0);
    let t = at(NOW);
    for extra in [vec!["--jwks", s.jwks.to_str().unwrap()], vec![]] {
        let mut args = extra.clone();
        args.extend(["--at", &t, "--json", &unsigned]);
        let out = doctor(&args, None);
        assert_eq!(out.code, 1, "{}", out.stdout);
        let r = out.json();
        assert_eq!(r["reason"], "unsupported_algorithm", "{r}");
        assert_eq!(r["valid"], false);
    }
}

#[test]
fn garbage_is_malformed_never_a_crash() {
    for junk in [
        "not-a-token",
        "a.b.c",
        "....",
        "eyJ.eyJ.",
        "Bearer",
        "\u{1b}[2J",
    ] {
        let out = doctor(&["--json", junk], None);
        assert_eq!(out.code, 1, "{junk}: {}{}", out.stdout, out.stderr);
        let r = out.json();
        assert_eq!(r["reason"], "malformed", "{junk}");
        assert_eq!(r["header"], Value::Null);
        assert_eq!(check(&r, "structure")["ok"], false);
    }
    let out = doctor(&["not-a-token"], None);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("Verdict    malformed"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(Diagnosis::new(Code::Malformed).fix));
    // Terminal escapes in the input are shown, not obeyed.
    let out = doctor(&["\u{1b}[2J"], None);
    assert!(!out.stdout.contains('\u{1b}'), "{:?}", out.stdout);
}

#[test]
fn stdin_empty_junk_and_bearer() {
    let out = doctor(&["--json"], Some(b""));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(r["reason"], "malformed");
    assert!(r["details"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("empty"));

    let junk: Vec<u8> = (0..1_048_576u32).map(|i| (i % 251) as u8).collect();
    let out = doctor(&["-"], Some(&junk));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("malformed"), "{}", out.stdout);
    assert!(out.stdout.len() < 8_000, "the report stays short");

    let s = setup();
    let t = at(NOW);
    let piped = format!("  Bearer {}\n", s.token);
    let out = doctor(
        &["--jwks", s.jwks.to_str().unwrap(), "--at", &t, "-"],
        Some(piped.as_bytes()),
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn without_keys_the_signature_is_not_checked_but_claims_are() {
    let s = setup();
    let t = at(NOW + 10);
    let out = doctor(&["--at", &t, &s.token], None);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("signature   not checked (give --jwks, --secret or --server)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("the signature was not checked"));
    let r = doctor(&["--at", &t, "--json", &s.token], None).json();
    assert_eq!(r["signature_checked"], false);
    assert_eq!(r["verdict"], "unverified");
    assert_eq!(r["valid"], true);
    assert_eq!(check(&r, "signature")["ok"], Value::Null);
    assert_eq!(check(&r, "signature")["status"], "not_checked");

    let late = at(NOW + 3600);
    let r = doctor(
        &["--at", &late, "--scope", "white_label", "--json", &s.token],
        None,
    );
    assert_eq!(r.code, 1);
    let r = r.json();
    assert_eq!(r["reason"], "expired");
    assert_eq!(r["findings"], json!(["expired", "insufficient_scope"]));
    assert_eq!(r["signature_checked"], false);
}

#[test]
fn hs256_with_a_secret() {
    let secret = b"a shared secret of reasonable length!";
    let c = serde_json::to_value(claims()).unwrap();
    let token = hs256(secret, &json!({"alg":"HS256","typ":"JWT"}), &c);
    let t = at(NOW);
    let ok = doctor(
        &[
            "--secret",
            std::str::from_utf8(secret).unwrap(),
            "--issuer",
            ISS,
            "--at",
            &t,
            "--json",
            &token,
        ],
        None,
    );
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert_eq!(ok.json()["signature_checked"], true);

    let bad = doctor(
        &["--secret", "the wrong secret", "--at", &t, "--json", &token],
        None,
    );
    assert_eq!(bad.code, 1);
    assert_eq!(bad.json()["reason"], "bad_signature");

    // An HMAC token checked against public keys only: algorithm confusion.
    let s = setup();
    let r = doctor(
        &[
            "--jwks",
            s.jwks.to_str().unwrap(),
            "--at",
            &t,
            "--json",
            &token,
        ],
        None,
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["reason"], "unsupported_algorithm");
}

#[test]
fn pyjwt_tokens_from_another_issuer() {
    let f = pyjwt();
    let dir = tempfile::tempdir().unwrap();
    let jwks = write(dir.path(), "jwks.json", &f["jwks"].to_string());
    let jwks = jwks.to_str().unwrap();
    let t = at(f["now"].as_i64().unwrap());
    let iss = f["issuer"].as_str().unwrap();
    for name in ["es256 valid", "rs256 valid", "ps256 valid", "eddsa valid"] {
        let token = pyjwt_token(&f, name);
        let out = doctor(
            &[
                "--jwks",
                jwks,
                "--issuer",
                iss,
                "--audience",
                AUD,
                "--at",
                &t,
                "--json",
                &token,
            ],
            None,
        );
        assert_eq!(out.code, 0, "{name}: {}", out.stdout);
        assert_eq!(out.json()["verdict"], "valid", "{name}");
    }
    let out = doctor(
        &[
            "--jwks",
            jwks,
            "--at",
            &t,
            &pyjwt_token(&f, "rs256 expired"),
        ],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("Verdict    expired"), "{}", out.stdout);
    assert!(out.stdout.contains("RSA"), "{}", out.stdout);

    let out = doctor(
        &[
            "--jwks",
            jwks,
            "--at",
            &t,
            "--json",
            &pyjwt_token(&f, "eddsa tampered"),
        ],
        None,
    );
    assert_eq!(out.json()["reason"], "bad_signature");

    let secret_file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../token/tests/fixtures/hs256.secret"
    );
    let hs = pyjwt_token(&f, "hs256 shared secret");
    let out = doctor(&["--secret-file", secret_file, "--at", &t, &hs], None);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let out = doctor(&["--secret", "nope", "--at", &t, "--json", &hs], None);
    assert_eq!(out.json()["reason"], "bad_signature");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let s = setup();
    let missing = s.dir.path().join("missing.json");
    let cases: Vec<Vec<String>> = vec![
        vec![
            "--jwks".into(),
            missing.display().to_string(),
            s.token.clone(),
        ],
        vec!["--at".into(), "yesterday".into(), s.token.clone()],
        vec![
            "--secret-file".into(),
            missing.display().to_string(),
            s.token.clone(),
        ],
        vec![
            "--secret".into(),
            "a".into(),
            "--secret-file".into(),
            "b".into(),
            s.token.clone(),
        ],
        vec![
            "--origin".into(),
            "https://x.example".into(),
            s.token.clone(),
        ],
        vec!["--leeway".into(), "soon".into(), s.token.clone()],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = doctor(&args, None);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(!out.stderr.trim().is_empty(), "{args:?} says why");
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
    let not_jwks = write(s.dir.path(), "bad.json", "{\"keys\": 5}");
    let out = doctor(&["--jwks", not_jwks.to_str().unwrap(), &s.token], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("bad.json"), "{}", out.stderr);
}

#[test]
fn help_documents_the_unchecked_signature_and_exit_codes() {
    let out = Command::new(env!("CARGO_BIN_EXE_causette"))
        .args(["doctor", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    for needle in [
        "signature_checked",
        "not checked",
        "Exit status: 0",
        "--jwks <PATH|URL>",
        "--server <URL>",
        "--at <TIME>",
    ] {
        assert!(help.contains(needle), "help lacks {needle:?}:\n{help}");
    }
}

// A real server.

struct Server {
    child: std::process::Child,
    url: String,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_server() -> Server {
    let port = free_port();
    let data = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_causette"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("causette serve starts");
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _data: data,
    };
    for _ in 0..200 {
        if reqwest::get(format!("{}/v1/diagnose", server.url))
            .await
            .is_ok()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

async fn session_token(server: &Server) -> String {
    let res = reqwest::Client::new()
        .post(format!("{}/v1/sessions", server.url))
        .header("origin", &server.url)
        .header("content-type", "application/json")
        .body(r#"{"site_key":"demo"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn checks_a_live_deployment() {
    let server = start_server().await;
    let token = session_token(&server).await;
    let url = server.url.clone();

    let out = doctor(
        &["--server", &url, "--origin", &url, "--site", "demo", &token],
        None,
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("valid — every check passed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(&format!("origin \"{url}\" is allowed for site \"demo\"")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("✓ clock"), "{}", out.stdout);

    let r = doctor(
        &[
            "--server", &url, "--origin", &url, "--site", "demo", "--json", &token,
        ],
        None,
    )
    .json();
    assert_eq!(r["valid"], true, "{r}");
    assert_eq!(r["signature_checked"], true);
    assert_eq!(r["server"]["origin_allowed"], true);
    assert_eq!(r["server"]["site_known"], true);
    assert_eq!(r["server"]["issuer"], url);
    assert_eq!(r["expected"]["issuer"], url);
    assert!(r["server"]["clock_skew_secs"].as_i64().unwrap().abs() <= 1);
    assert_eq!(check(&r, "origin")["ok"], true);
    assert_eq!(r["judged_at"]["source"], "the server's clock");

    // Another origin: the widget there would get origin_not_allowed.
    let out = doctor(
        &[
            "--server",
            &url,
            "--origin",
            "https://evil.example",
            "--site",
            "demo",
            &token,
        ],
        None,
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("origin_not_allowed"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("origin \"https://evil.example\" is not allowed for site \"demo\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(Diagnosis::new(Code::OriginNotAllowed).fix),
        "{}",
        out.stdout
    );

    // An unknown site key.
    let r = doctor(
        &["--server", &url, "--site", "nope", "--json", &token],
        None,
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["reason"], "unknown_site");

    // The JWKS by URL, with the issuer and audience given by hand.
    let r = doctor(
        &[
            "--jwks",
            &format!("{url}/.well-known/jwks.json"),
            "--issuer",
            &url,
            "--audience",
            &format!("{url}/v1"),
            "--json",
            &token,
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["verdict"], "valid");

    // A token from somewhere else: other key, other issuer.
    let foreign = SigningKey::generate("elsewhere").sign(&AccessClaims {
        iat: causette_server::now_unix(),
        nbf: causette_server::now_unix(),
        exp: causette_server::now_unix() + 300,
        ..claims()
    });
    let r = doctor(&["--server", &url, "--json", &foreign], None);
    assert_eq!(r.code, 1);
    let r = r.json();
    assert_eq!(r["reason"], "unknown_key", "{r}");

    // A token checked with a JWKS of its own against this server.
    let dir = tempfile::tempdir().unwrap();
    let s = setup();
    let fake = s.key.sign(&AccessClaims {
        iss: url.clone(),
        aud: format!("{url}/v1"),
        iat: causette_server::now_unix(),
        nbf: causette_server::now_unix(),
        exp: causette_server::now_unix() + 300,
        ..claims()
    });
    let r = doctor(
        &[
            "--server",
            &url,
            "--jwks",
            s.jwks.to_str().unwrap(),
            "--json",
            &fake,
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    let r = r.json();
    assert_eq!(r["reason"], "unknown_key", "{r}");
    assert_eq!(check(&r, "server key")["ok"], false);
    drop(dir);
}

#[test]
fn an_unreachable_server_exits_2_with_a_clear_message() {
    let s = setup();
    let url = format!("http://127.0.0.1:{}", free_port());
    let out = doctor(&["--server", &url, &s.token], None);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains(&format!("cannot reach {url}/v1/diagnose")),
        "{}",
        out.stderr
    );
    let out = doctor(&["--server", "chat.example.com", &s.token], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--server wants"), "{}", out.stderr);
}
