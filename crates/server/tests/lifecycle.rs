//! Token lifecycle against the real server: quotas, refresh-token reuse and
//! expiry, key rotation and retirement, rate limits.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::Server;

#[tokio::test]
async fn the_101st_conversation_of_a_free_site_is_refused() {
    let (s, db) = Server::start().await;
    assert!(db.admin(&["site", "show", "demo"]).await.contains("free"));
    for i in 0..100 {
        let (status, _, body) = s
            .post_session(Some(&s.origin()), r#"{"site_key":"demo"}"#)
            .await;
        assert_eq!(status, 201, "conversation {}: {body}", i + 1);
    }
    let (status, _, body) = s
        .post_session(Some(&s.origin()), r#"{"site_key":"demo"}"#)
        .await;
    assert_eq!(status, 402, "{body}");
    assert_eq!(body["reason"], "quota_exceeded");
    assert!(db
        .admin(&["site", "show", "demo"])
        .await
        .contains("100 of 100"));

    // Moving to a bigger plan lifts it at once (sites are cached 2 s).
    db.admin(&["site", "update", "demo", "--plan", "pro"]).await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let (status, _, _) = s
        .post_session(Some(&s.origin()), r#"{"site_key":"demo"}"#)
        .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn a_replay_after_the_grace_window_revokes_the_family() {
    let (s, _db) = Server::start_with(&["--refresh-grace-secs", "1"]).await;
    let first = s.new_session().await;
    let r0 = first["refresh_token"].as_str().unwrap();
    let (status, second) = s.refresh(&s.origin(), r0).await;
    assert_eq!(status, 200);
    let at1 = second["access_token"].as_str().unwrap();
    let cid = second["conversation_id"].as_str().unwrap();
    assert_eq!(s.transcript_status(at1, cid).await.0, 200);

    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let (status, body) = s.refresh(&s.origin(), r0).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["reason"], "refresh_reused");
    // Every token of the family is dead now, the legitimate ones included.
    let (status, body) = s.transcript_status(at1, cid).await;
    assert_eq!(
        (status, body["reason"].clone()),
        (401, Value::from("revoked"))
    );
    let (status, body) = s
        .refresh(&s.origin(), second["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(
        (status, body["reason"].clone()),
        (401, Value::from("revoked"))
    );
}

#[tokio::test]
async fn refresh_tokens_expire_idle_and_absolutely() {
    let (s, _db) =
        Server::start_with(&["--refresh-absolute-secs", "3", "--refresh-idle-secs", "2"]).await;
    // Absolute: rotating does not extend it.
    let first = s.new_session().await;
    assert!(first["refresh_expires_in"].as_i64().unwrap() <= 2);
    let mut token = first["refresh_token"].as_str().unwrap().to_owned();
    let mut last = (0, Value::Null);
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        last = s.refresh(&s.origin(), &token).await;
        if last.0 != 200 {
            break;
        }
        token = last.1["refresh_token"].as_str().unwrap().to_owned();
    }
    assert_eq!(last.0, 401, "{}", last.1);
    assert_eq!(last.1["reason"], "refresh_expired");

    // Idle: unused for longer than the idle window.
    let other = s.new_session().await;
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let (status, body) = s
        .refresh(&s.origin(), other["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(
        (status, body["reason"].clone()),
        (401, Value::from("refresh_expired"))
    );
}

#[tokio::test]
async fn a_rotated_key_verifies_until_it_retires() {
    let (s, db) = Server::start().await;
    let (old_token, cid) = s.session().await;
    db.admin(&["keys", "rotate", "--overlap-secs", "3"]).await;
    // A token from the new key: the server picks the rotation up by itself.
    let mut new_token = String::new();
    for _ in 0..50 {
        let (t, _) = s.session().await;
        let kid = |t: &str| t.split('.').next().map(str::to_owned);
        if kid(&t) != kid(&old_token) {
            new_token = t;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !new_token.is_empty(),
        "the new key signs within a few seconds"
    );
    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", s.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        2,
        "current and previous"
    );
    assert_eq!(
        s.transcript_status(&old_token, &cid).await.0,
        200,
        "old key still verifies"
    );

    tokio::time::sleep(Duration::from_secs(5)).await;
    let (status, body) = s.transcript_status(&old_token, &cid).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["reason"], "unknown_key");
    let listed = db.admin(&["keys", "list"]).await;
    assert!(
        listed.contains("retired") && listed.contains("signing"),
        "{listed}"
    );
}

#[tokio::test]
async fn too_many_session_requests_get_429_with_retry_after() {
    let (s, _db) = Server::start_with(&["--rate-per-ip", "3"]).await;
    for _ in 0..3 {
        let (status, _, _) = s
            .post_session(Some(&s.origin()), r#"{"site_key":"demo"}"#)
            .await;
        assert_eq!(status, 201);
    }
    let (status, headers, body) = s
        .post_session(Some(&s.origin()), r#"{"site_key":"demo"}"#)
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["reason"], "rate_limited");
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    // Refreshes count too.
    let (status, body) = s.refresh(&s.origin(), "whatever").await;
    assert_eq!(
        (status, body["reason"].clone()),
        (429, Value::from("rate_limited"))
    );
}

#[tokio::test]
async fn a_site_secret_is_made_once_kept_and_rotated() {
    let (_s, db) = Server::start().await;
    let first = db.admin(&["site", "secret", "demo"]).await;
    let first = first.trim();
    assert_eq!(first.len(), 64, "{first}");
    assert!(first.chars().all(|c| c.is_ascii_hexdigit()), "{first}");
    assert_eq!(db.admin(&["site", "secret", "demo"]).await.trim(), first);
    let rotated = db.admin(&["site", "secret", "demo", "--rotate"]).await;
    assert_ne!(rotated.trim(), first);
    assert_eq!(
        db.admin(&["site", "secret", "demo"]).await.trim(),
        rotated.trim()
    );
    let err = db.admin_fails(&["site", "secret", "nope"]).await;
    assert!(err.contains("no site has the key"), "{err}");
}
