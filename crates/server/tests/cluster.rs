//! Several nodes on one PostgreSQL database behave as one service: refresh
//! tokens, revocations, quotas and signing keys are shared. Each test starts
//! two `causette serve` nodes on a fresh database; the tests need
//! `CAUSETTE_TEST_POSTGRES` (`cargo xtask test` starts a server and sets it).

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures::StreamExt as _;
use serde_json::Value;
use support::{Database, Server};

/// The URL both nodes are reached at, as behind a load balancer: the
/// tokens' issuer, so a token from one node is valid on the other.
const PUBLIC_URL: &str = "http://causette.cluster.test";

/// How soon another node must refuse a revoked session.
const PROPAGATION: Duration = Duration::from_secs(1);

/// A fresh PostgreSQL database, or `None` (and a note) without one.
async fn postgres() -> Option<Database> {
    if std::env::var("CAUSETTE_TEST_POSTGRES").map_or(true, |u| u.is_empty()) {
        println!("skipped: CAUSETTE_TEST_POSTGRES not set (cargo xtask test starts PostgreSQL)");
        return None;
    }
    let db = Database::fresh().await;
    assert!(db.is_postgres());
    Some(db)
}

/// Two nodes on `db` sharing one public URL, with extra `serve` arguments.
async fn two_nodes(db: &Database, extra: &[&str]) -> (Server, Server) {
    let mut args = vec!["--public-url", PUBLIC_URL];
    args.extend_from_slice(extra);
    let a = Server::node(db, &args).await;
    let b = Server::node(db, &args).await;
    (a, b)
}

fn str_of<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
}

/// The `kid` in a token's header.
fn kid(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let header: Value = serde_json::from_slice(&header).unwrap();
    str_of(&header, "kid").to_owned()
}

/// `DELETE /v1/sessions/current` with an access token.
async fn end_session(node: &Server, access_token: &str) -> u16 {
    reqwest::Client::new()
        .delete(format!("{}/v1/sessions/current", node.url))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Asks `node` every 100 ms until it refuses the token as revoked; returns
/// how long that took from `since`, or panics after five seconds.
async fn refused_after(node: &Server, token: &str, cid: &str, since: Instant) -> Duration {
    loop {
        let (status, body) = node.transcript_status(token, cid).await;
        if status == 401 {
            assert_eq!(body["reason"], "revoked", "{body}");
            let took = since.elapsed();
            println!("{} refuses the revoked session after {took:?}", node.url);
            return took;
        }
        assert_eq!(status, 200, "{body}");
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "{} still accepts a revoked session after 5 s",
            node.url
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_replay_on_another_node_after_the_grace_window_revokes_the_family_everywhere() {
    let Some(db) = postgres().await else { return };
    let (a, b) = two_nodes(&db, &["--refresh-grace-secs", "1"]).await;
    let first = a.new_session().await;
    let r0 = str_of(&first, "refresh_token");
    let cid = str_of(&first, "conversation_id");
    let (status, second) = a.refresh(&a.origin(), r0).await;
    assert_eq!(status, 200, "{second}");
    let tokens = [
        str_of(&first, "access_token"),
        str_of(&second, "access_token"),
    ];
    for node in [&a, &b] {
        for token in tokens {
            let (status, body) = node.transcript_status(token, cid).await;
            assert_eq!(status, 200, "{} before the replay: {body}", node.url);
        }
    }

    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let (status, body) = b.refresh(&a.origin(), r0).await;
    assert_eq!(status, 401, "a replay after the grace window: {body}");
    assert_eq!(body["reason"], "refresh_reused", "{body}");
    let detected = Instant::now();

    // Every token of the family is dead on both nodes, the legitimate
    // successor included.
    for node in [&b, &a] {
        for token in tokens {
            let took = refused_after(node, token, cid, detected).await;
            assert!(took < PROPAGATION, "{} took {took:?}", node.url);
        }
    }
    for node in [&a, &b] {
        let (status, body) = node
            .refresh(&a.origin(), str_of(&second, "refresh_token"))
            .await;
        assert_eq!(
            status, 401,
            "{} refreshes a revoked family: {body}",
            node.url
        );
    }
}

#[tokio::test]
async fn a_replay_on_another_node_inside_the_grace_window_gets_the_same_successor() {
    let Some(db) = postgres().await else { return };
    let (a, b) = two_nodes(&db, &[]).await;
    let first = a.new_session().await;
    let r0 = str_of(&first, "refresh_token");
    let (status, second) = a.refresh(&a.origin(), r0).await;
    assert_eq!(status, 200, "{second}");

    // A second tab, whose request the load balancer sent to the other node.
    let (status, again) = b.refresh(&a.origin(), r0).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["refresh_token"], second["refresh_token"]);
    assert_eq!(again["session_id"], first["session_id"]);
    assert_eq!(again["conversation_id"], first["conversation_id"]);

    // Nothing was revoked: the successor's tokens work on both nodes.
    let cid = str_of(&again, "conversation_id");
    for node in [&a, &b] {
        let (status, body) = node
            .transcript_status(str_of(&again, "access_token"), cid)
            .await;
        assert_eq!(status, 200, "{}: {body}", node.url);
    }
    let (status, third) = b
        .refresh(&a.origin(), str_of(&second, "refresh_token"))
        .await;
    assert_eq!(status, 200, "{third}");
}

#[tokio::test]
async fn a_session_ended_on_one_node_is_refused_on_the_other_within_a_second() {
    let Some(db) = postgres().await else { return };
    let (a, b) = two_nodes(&db, &[]).await;
    let first = a.new_session().await;
    let token = str_of(&first, "access_token");
    let cid = str_of(&first, "conversation_id");
    // B has seen the session (and may cache what it knows about it).
    let (status, body) = b.transcript_status(token, cid).await;
    assert_eq!(status, 200, "{body}");

    assert_eq!(end_session(&a, token).await, 204);
    let ended = Instant::now();
    let (status, body) = a.transcript_status(token, cid).await;
    assert_eq!(
        (status, &body["reason"]),
        (401, &Value::from("revoked")),
        "the node that ended it refuses it at once: {body}"
    );
    let took = refused_after(&b, token, cid, ended).await;
    assert!(took < PROPAGATION, "the other node took {took:?}");
    let (status, body) = b
        .refresh(&a.origin(), str_of(&first, "refresh_token"))
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["reason"], "revoked", "{body}");
}

#[tokio::test]
async fn an_operator_revocation_is_refused_on_every_node_within_a_second() {
    let Some(db) = postgres().await else { return };
    let (a, b) = two_nodes(&db, &[]).await;
    let on_a = a.new_session().await;
    let on_b = b.new_session().await;
    let sessions = [&on_a, &on_b];
    for node in [&a, &b] {
        for s in sessions {
            let (status, body) = node
                .transcript_status(str_of(s, "access_token"), str_of(s, "conversation_id"))
                .await;
            assert_eq!(status, 200, "{}: {body}", node.url);
        }
    }

    db.admin(&["session", "revoke", "--site", "demo", "--all"])
        .await;
    let revoked = Instant::now();
    for node in [&a, &b] {
        for s in sessions {
            let took = refused_after(
                node,
                str_of(s, "access_token"),
                str_of(s, "conversation_id"),
                revoked,
            )
            .await;
            assert!(took < PROPAGATION, "{} took {took:?}", node.url);
        }
    }
    // New sessions still work.
    b.new_session().await;
}

#[tokio::test]
async fn a_quota_is_counted_once_across_nodes() {
    let Some(db) = postgres().await else { return };
    let (a, b) = two_nodes(&db, &[]).await;
    db.admin(&["site", "update", "demo", "--plan", "free"])
        .await;
    let show = db.admin(&["site", "show", "demo"]).await;
    assert!(show.contains("free"), "{show}");

    let nodes = [&a, &b];
    let statuses: Vec<(u16, Value)> = futures::stream::iter(0..110)
        .map(|i| async move {
            let node = nodes[i % 2];
            let (status, _, body) = node
                .post_session(Some(&node.origin()), r#"{"site_key":"demo"}"#)
                .await;
            (status, body)
        })
        .buffer_unordered(20)
        .collect()
        .await;
    let created = statuses.iter().filter(|(s, _)| *s == 201).count();
    let refused: Vec<&Value> = statuses
        .iter()
        .filter(|(s, _)| *s != 201)
        .map(|(s, body)| {
            assert_eq!(*s, 402, "{body}");
            assert_eq!(body["reason"], "quota_exceeded", "{body}");
            body
        })
        .collect();
    assert_eq!(created, 100, "the free plan's 100 conversations a month");
    assert_eq!(refused.len(), 10);
    for node in nodes {
        let (status, _, body) = node
            .post_session(Some(&node.origin()), r#"{"site_key":"demo"}"#)
            .await;
        assert_eq!(status, 402, "{}: {body}", node.url);
    }
    let show = db.admin(&["site", "show", "demo"]).await;
    assert!(show.contains("100 of 100"), "{show}");
}

#[tokio::test]
async fn fifty_simultaneous_refreshes_on_two_nodes_make_one_successor_and_no_revocation() {
    let Some(db) = postgres().await else { return };
    let (a, b) = two_nodes(&db, &[]).await;
    let first = a.new_session().await;
    let r0 = str_of(&first, "refresh_token").to_owned();
    let origin = a.origin();
    let calls = (0..50).map(|i| [&a, &b][i % 2].refresh(&origin, &r0));
    let results = futures::future::join_all(calls).await;
    let successors: HashSet<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "{body}");
            str_of(body, "refresh_token").to_owned()
        })
        .collect();
    assert_eq!(successors.len(), 1, "exactly one successor");
    let successor = successors.into_iter().next().unwrap();

    // The family is alive: its access tokens work on both nodes and the
    // successor rotates.
    let (_, any) = &results[0];
    let cid = str_of(any, "conversation_id");
    for node in [&a, &b] {
        let (status, body) = node
            .transcript_status(str_of(any, "access_token"), cid)
            .await;
        assert_eq!(status, 200, "{}: {body}", node.url);
    }
    let (status, body) = b.refresh(&origin, &successor).await;
    assert_eq!(status, 200, "the family was not revoked: {body}");
}

#[tokio::test]
async fn tokens_from_before_and_after_a_key_rotation_verify_on_every_node() {
    let Some(db) = postgres().await else { return };
    let (a, b) = two_nodes(&db, &[]).await;
    let nodes = [&a, &b];
    let before = [a.new_session().await, b.new_session().await];
    let old_kid = kid(str_of(&before[0], "access_token"));
    assert_eq!(kid(str_of(&before[1], "access_token")), old_kid);

    db.admin(&["keys", "rotate"]).await;
    let rotated = Instant::now();

    // For a while after the rotation, whichever key a node signs with, its
    // tokens verify on both nodes, and so do the ones from before. Each
    // node must sign with the new key within a few seconds.
    let mut signs_new = [false, false];
    let mut after = Vec::new();
    while signs_new != [true, true] {
        assert!(
            rotated.elapsed() < Duration::from_secs(5),
            "5 s after the rotation, nodes signing with the new key: {signs_new:?}"
        );
        for (i, issuer) in nodes.iter().enumerate() {
            let session = issuer.new_session().await;
            signs_new[i] |= kid(str_of(&session, "access_token")) != old_kid;
            after.push(session);
        }
        for session in before.iter().chain(&after) {
            for node in nodes {
                let (status, body) = node
                    .transcript_status(
                        str_of(session, "access_token"),
                        str_of(session, "conversation_id"),
                    )
                    .await;
                assert_eq!(
                    status,
                    200,
                    "{} refuses a token signed with {}: {body}",
                    node.url,
                    kid(str_of(session, "access_token"))
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Refreshes after the rotation, on either node, verify on both too.
    for (i, session) in before.iter().enumerate() {
        let (status, body) = nodes[1 - i]
            .refresh(&nodes[i].origin(), str_of(session, "refresh_token"))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_ne!(kid(str_of(&body, "access_token")), old_kid);
        for node in nodes {
            let (status, res) = node
                .transcript_status(
                    str_of(&body, "access_token"),
                    str_of(&body, "conversation_id"),
                )
                .await;
            assert_eq!(status, 200, "{}: {res}", node.url);
        }
    }
}
