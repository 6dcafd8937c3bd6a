//! The HTTP API against the real `causette serve` binary.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::Server;

fn assert_error(status: u16, body: &Value, want_status: u16, reason: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["reason"], reason, "{body}");
    assert!(body["error"].is_string(), "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "a detail says what is wrong: {body}"
    );
}

#[tokio::test]
async fn a_session_is_created_for_an_allowed_origin() {
    let (s, _db) = Server::start().await;
    let (status, headers, body) = s
        .post_session(Some(&s.origin()), r#"{"site_key":"demo"}"#)
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 3);
    assert_eq!(body["expires_in"], 300);
    assert!(body["server_time"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(
        headers["access-control-allow-origin"].to_str().unwrap(),
        s.origin()
    );
}

#[tokio::test]
async fn unknown_site_key_is_a_clear_404() {
    let (s, _db) = Server::start().await;
    let (status, _, body) = s
        .post_session(Some(&s.origin()), r#"{"site_key":"nope"}"#)
        .await;
    assert_error(status, &body, 404, "unknown_site");
}

#[tokio::test]
async fn disallowed_origin_is_refused_and_cannot_read_the_answer() {
    let (s, _db) = Server::start().await;
    let (status, headers, body) = s
        .post_session(Some("https://evil.example"), r#"{"site_key":"demo"}"#)
        .await;
    assert_error(status, &body, 403, "origin_not_allowed");
    assert!(headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn missing_origin_is_refused() {
    let (s, _db) = Server::start().await;
    let (status, _, body) = s.post_session(None, r#"{"site_key":"demo"}"#).await;
    assert_error(status, &body, 403, "origin_not_allowed");
    assert!(body["detail"].as_str().unwrap().contains("Origin"));
}

#[tokio::test]
async fn malformed_bodies_are_clear_400s() {
    let (s, _db) = Server::start().await;
    for body in [
        r#"{"site_key":"#,
        "not json",
        "{}",
        r#"{"site_key": 7}"#,
        "[]",
    ] {
        let (status, _, res) = s.post_session(Some(&s.origin()), body).await;
        assert_error(
            status,
            &res,
            if body == "not json" { 400 } else { status },
            "invalid_request",
        );
        assert!((400..500).contains(&status), "{body} → {status}");
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let (s, _db) = Server::start().await;
    let huge = format!(r#"{{"site_key":"{}"}}"#, "x".repeat(200_000));
    let (status, _, _) = s.post_session(Some(&s.origin()), &huge).await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn token_calls_without_credentials_get_rfc6750_answers() {
    let (s, _db) = Server::start().await;
    let (_, cid) = s.session().await;
    let c = reqwest::Client::new();
    let res = c
        .post(format!("{}/v1/conversations/{cid}/messages", s.url))
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["reason"], "missing_credentials");

    let res = c
        .get(format!("{}/v1/conversations/{cid}", s.url))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert!(
        challenge.contains(r#"error_description="malformed""#),
        "{challenge}"
    );
}

#[tokio::test]
async fn tokens_in_urls_are_refused() {
    let (s, _db) = Server::start().await;
    let (token, cid) = s.session().await;
    let res = reqwest::get(format!(
        "{}/v1/conversations/{cid}?access_token={token}",
        s.url
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("URL"));
}

#[tokio::test]
async fn another_conversation_is_out_of_scope() {
    let (s, _db) = Server::start().await;
    let (token, _) = s.session().await;
    let (_, other) = s.session().await;
    let res = reqwest::Client::new()
        .get(format!("{}/v1/conversations/{other}", s.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["reason"], "insufficient_scope");
}

#[tokio::test]
async fn a_retried_send_is_stored_once_and_answered_once() {
    let (s, _db) = Server::start().await;
    let (token, cid) = s.session().await;
    let c = reqwest::Client::new();
    let send = || {
        c.post(format!("{}/v1/conversations/{cid}/messages", s.url))
            .bearer_auth(&token)
            .header("idempotency-key", "k-1")
            .json(&json!({"text": "How do I add the widget?"}))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);

    // Wait for the answer, then check the transcript.
    let mut messages = Vec::new();
    for _ in 0..100 {
        let (_, t) = s.transcript_status(&token, &cid).await;
        messages = t["messages"].as_array().unwrap().clone();
        if messages.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["visitor", "assistant"]);
    assert!(messages[1]["text"].as_str().unwrap().contains("embed.js"));
}

#[tokio::test]
async fn messages_have_limits() {
    let (s, _db) = Server::start().await;
    let (token, cid) = s.session().await;
    let c = reqwest::Client::new();
    for (text, why) in [("   ", "empty"), (&*"a".repeat(4_001), "4001")] {
        let res = c
            .post(format!("{}/v1/conversations/{cid}/messages", s.url))
            .bearer_auth(&token)
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{why}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["reason"], "invalid_request");
    }
}

/// Reads SSE events from a stream until `n` events or a pause.
async fn read_events(res: reqwest::Response, n: usize) -> Vec<(i64, String, Value)> {
    use futures::StreamExt;
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut stream = res.bytes_stream();
    while out.len() < n {
        let next = tokio::time::timeout(Duration::from_secs(5), stream.next()).await;
        let Ok(Some(Ok(chunk))) = next else { break };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let (mut id, mut ev, mut data) = (0, String::new(), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().unwrap();
                } else if let Some(v) = line.strip_prefix("event:") {
                    ev = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = v.trim().to_owned();
                }
            }
            if !ev.is_empty() {
                out.push((id, ev, serde_json::from_str(&data).unwrap()));
            }
        }
    }
    out
}

#[tokio::test]
async fn the_event_stream_resumes_with_exactly_the_missed_events() {
    let (s, _db) = Server::start().await;
    let (token, cid) = s.session().await;
    let c = reqwest::Client::new();
    c.post(format!("{}/v1/conversations/{cid}/messages", s.url))
        .bearer_auth(&token)
        .json(&json!({"text": "Why does the chat say the token is invalid?"}))
        .send()
        .await
        .unwrap();
    let events = |last: Option<i64>| {
        let mut r = c
            .get(format!("{}/v1/conversations/{cid}/events", s.url))
            .bearer_auth(&token);
        if let Some(l) = last {
            r = r.header("last-event-id", l.to_string());
        }
        r.send()
    };
    // Everything, until the reply ends.
    let all = read_events(events(None).await.unwrap(), 10_000).await;
    assert!(
        all.iter().any(|(_, e, _)| e == "reply.end"),
        "the reply completes"
    );
    let ids: Vec<i64> = all.iter().map(|(id, _, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    // The deltas rebuild the final text exactly.
    let deltas: String = all
        .iter()
        .filter(|(_, e, _)| e == "reply.delta")
        .map(|(_, _, d)| d["text"].as_str().unwrap())
        .collect();
    let end = &all.iter().find(|(_, e, _)| e == "reply.end").unwrap().2;
    assert_eq!(deltas, end["text"].as_str().unwrap());

    // Resuming from the middle gives exactly the rest.
    let mid = all.len() / 2;
    let rest = read_events(events(Some(all[mid].0)).await.unwrap(), all.len() - mid - 1).await;
    assert_eq!(rest, all[mid + 1..].to_vec());

    let bad = events(None).await.unwrap();
    drop(bad);
    let res = c
        .get(format!("{}/v1/conversations/{cid}/events", s.url))
        .bearer_auth(&token)
        .header("last-event-id", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn diagnose_is_open_to_any_origin_and_tells_what_is_wrong() {
    let (s, _db) = Server::start().await;
    let c = reqwest::Client::new();
    let body: Value = c
        .get(format!("{}/v1/diagnose?site=demo", s.url))
        .header("origin", "https://elsewhere.example")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["site_known"], true);
    assert_eq!(body["origin_allowed"], false);
    assert_eq!(body["api_version"], "v1");
    assert_eq!(body["key_ids"].as_array().unwrap().len(), 1);
    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", s.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kid"], body["key_ids"][0]);
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
}

#[tokio::test]
async fn refresh_rotates_and_a_racing_replay_gets_the_same_pair() {
    let (s, _db) = Server::start().await;
    let first = s.new_session().await;
    let r0 = first["refresh_token"].as_str().unwrap();
    assert!(first["refresh_expires_in"].as_i64().unwrap() > 3600);

    let (status, second) = s.refresh(&s.origin(), r0).await;
    assert_eq!(status, 200, "{second}");
    let r1 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r0, r1);
    assert_eq!(second["session_id"], first["session_id"]);
    assert_eq!(second["conversation_id"], first["conversation_id"]);
    let (status, _) = s
        .transcript_status(
            second["access_token"].as_str().unwrap(),
            second["conversation_id"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, 200);

    // A second tab racing with the same old token, inside the grace window.
    let (status, again) = s.refresh(&s.origin(), r0).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["refresh_token"], second["refresh_token"]);
    // The successor still works.
    let (status, third) = s.refresh(&s.origin(), r1).await;
    assert_eq!(status, 200, "{third}");
}

#[tokio::test]
async fn fifty_simultaneous_refreshes_make_one_successor_and_no_revocation() {
    let (s, _db) = Server::start().await;
    let first = s.new_session().await;
    let r0 = first["refresh_token"].as_str().unwrap().to_owned();
    let origin = s.origin();
    let calls = (0..50).map(|_| s.refresh(&origin, &r0));
    let results = futures::future::join_all(calls).await;
    let tokens: std::collections::HashSet<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "{body}");
            body["refresh_token"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(tokens.len(), 1, "exactly one successor");
    let successor = tokens.into_iter().next().unwrap();
    let (status, body) = s.refresh(&s.origin(), &successor).await;
    assert_eq!(status, 200, "the family was not revoked: {body}");
}

#[tokio::test]
async fn a_refresh_from_another_origin_is_refused_without_spending_the_token() {
    let (s, _db) = Server::start().await;
    let first = s.new_session().await;
    let r0 = first["refresh_token"].as_str().unwrap();
    let (status, body) = s.refresh("https://evil.example", r0).await;
    assert_eq!(status, 403);
    assert_eq!(body["reason"], "origin_not_allowed");
    let (status, _) = s.refresh(&s.origin(), r0).await;
    assert_eq!(status, 200, "the visitor's token still works");
}

#[tokio::test]
async fn ending_a_session_revokes_its_tokens() {
    let (s, _db) = Server::start().await;
    let first = s.new_session().await;
    let at = first["access_token"].as_str().unwrap();
    let cid = first["conversation_id"].as_str().unwrap();
    let res = reqwest::Client::new()
        .delete(format!("{}/v1/sessions/current", s.url))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (status, body) = s.transcript_status(at, cid).await;
    assert_eq!(status, 401);
    assert_eq!(body["reason"], "revoked");
    let (status, body) = s
        .refresh(&s.origin(), first["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["reason"], "revoked");
    let (status, body) = s.refresh(&s.origin(), "made-up").await;
    assert_eq!(status, 401);
    assert_eq!(body["reason"], "revoked");
}
