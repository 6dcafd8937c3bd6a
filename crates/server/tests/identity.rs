//! `Causette.identify`: `POST /v1/sessions/current/identity` against the real
//! `causette serve` binary — the site's signed identity is kept, a forged,
//! missing or foreign one is refused with a clear 403.

mod support;

use causette_server::identity::sign;
use serde_json::{json, Value};
use support::Server;

async fn identify(s: &Server, token: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/v1/sessions/current/identity", s.url))
        .header("origin", s.origin())
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn stored(s: &Server, token: &str) -> Value {
    let res = reqwest::Client::new()
        .get(format!("{}/v1/sessions/current/identity", s.url))
        .header("origin", s.origin())
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["identity"].clone()
}

fn assert_refused(status: u16, body: &Value) {
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["reason"], "invalid_identity", "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn a_signed_identity_is_kept_and_forged_missing_or_foreign_ones_are_refused() {
    let (s, db) = Server::start().await;
    let secret = db
        .admin(&["site", "secret", "demo"])
        .await
        .trim()
        .to_owned();
    assert_eq!(secret.len(), 64, "{secret}");
    db.admin(&[
        "site",
        "add",
        "other",
        "--name",
        "Other",
        "--origin",
        &s.origin(),
    ])
    .await;
    let other_secret = db
        .admin(&["site", "secret", "other"])
        .await
        .trim()
        .to_owned();
    let (token, _) = s.session().await;

    let (status, body) = identify(&s, &token, json!({"id": "u-1", "hash": "00".repeat(32)})).await;
    assert_refused(status, &body);
    let (status, body) = identify(&s, &token, json!({"id": "u-1"})).await;
    assert_refused(status, &body);
    assert!(body["detail"].as_str().unwrap().contains("hash"), "{body}");
    let (status, body) = identify(&s, &token, json!({"hash": sign(&secret, "u-1")})).await;
    assert_refused(status, &body);
    let foreign = sign(&other_secret, "u-1");
    let (status, body) = identify(&s, &token, json!({"id": "u-1", "hash": foreign})).await;
    assert_refused(status, &body);
    assert_eq!(stored(&s, &token).await, Value::Null, "still anonymous");

    let name = "Zoë \"Z\" <b>&</b> 🦊";
    let (status, body) = identify(
        &s,
        &token,
        json!({"id": "u-1", "name": name, "email": "zoe@example.com", "hash": sign(&secret, "u-1")}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let who = stored(&s, &token).await;
    assert_eq!(who["id"], "u-1");
    assert_eq!(who["name"], name, "kept intact");
    assert_eq!(who["email"], "zoe@example.com");
}

#[tokio::test]
async fn identify_needs_a_session_token() {
    let (s, _db) = Server::start().await;
    let res = reqwest::Client::new()
        .post(format!("{}/v1/sessions/current/identity", s.url))
        .header("origin", s.origin())
        .json(&json!({"id": "u-1", "hash": "00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn the_session_carries_the_site_theme_and_scopes() {
    let (s, db) = Server::start().await;
    db.admin(&["site", "update", "demo", "--theme", r##"{"color":"#0a7"}"##])
        .await;
    let body = s.new_session().await;
    assert_eq!(body["config"]["theme"]["color"], "#0a7", "{body}");
    assert_eq!(body["config"]["scopes"], "chat history");
}
