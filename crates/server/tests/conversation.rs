//! A conversation that loses nothing: a page loading mid-reply, a server
//! lost mid-reply, retries and limits — against the real binary.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::Server;

async fn send(s: &Server, token: &str, cid: &str, key: &str, text: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/v1/conversations/{cid}/messages", s.url))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&json!({ "text": text }))
        .send()
        .await
        .unwrap()
}

/// Polls the transcript until `done` holds for it.
async fn transcript_until(
    s: &Server,
    token: &str,
    cid: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..600 {
        let (status, t) = s.transcript_status(token, cid).await;
        if status == 200 && done(&t) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the transcript never got there");
}

fn states(t: &Value) -> Vec<(String, String)> {
    t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_owned(),
                m["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A transcript of one question and its finished answer.
fn answered_once(t: &Value) -> bool {
    states(t).last().is_some_and(|(_, st)| st == "done") && states(t).len() == 2
}

/// Reads SSE events until one named `until` arrives (or 10 s pass).
async fn events_until(
    s: &Server,
    token: &str,
    cid: &str,
    after: i64,
    until: &str,
) -> Vec<(i64, String, Value)> {
    use futures::StreamExt;
    let res = reqwest::Client::new()
        .get(format!("{}/v1/conversations/{cid}/events", s.url))
        .bearer_auth(token)
        .header("last-event-id", after.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut stream = res.bytes_stream();
    let (mut out, mut buf) = (Vec::new(), String::new());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let (mut id, mut ev, mut data) = (0, String::new(), Value::Null);
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().unwrap();
                } else if let Some(v) = line.strip_prefix("event:") {
                    ev = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = serde_json::from_str(v.trim()).unwrap();
                }
            }
            if !ev.is_empty() {
                let last = ev == until;
                out.push((id, ev, data));
                if last {
                    return out;
                }
            }
        }
    }
    panic!("no {until} event; got {out:?}");
}

#[tokio::test]
async fn a_page_loading_mid_reply_gets_the_whole_reply() {
    let (s, _db) = Server::start_with(&["--stream-delay-ms", "40"]).await;
    let (token, cid) = s.session().await;
    assert_eq!(
        send(
            &s,
            &token,
            &cid,
            "k1",
            "Why does the chat say the token is invalid?"
        )
        .await
        .status(),
        201
    );
    // Some of the reply has streamed, not all of it.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_, t) = s.transcript_status(&token, &cid).await;
    assert_eq!(
        states(&t),
        [("visitor".to_owned(), "done".to_owned())],
        "a reply still streaming is left to the stream: {t}"
    );
    let resume = t["resume_after"].as_i64().expect("resume_after");
    // The stream from there rebuilds the reply exactly as it is stored.
    let events = events_until(&s, &token, &cid, resume, "reply.end").await;
    assert!(
        events.iter().any(|(_, e, _)| e == "reply.start"),
        "{events:?}"
    );
    let streamed: String = events
        .iter()
        .filter(|(_, e, _)| e == "reply.delta")
        .map(|(_, _, d)| d["text"].as_str().unwrap())
        .collect();
    let done = transcript_until(&s, &token, &cid, |t| states(t).len() == 2).await;
    let stored = done["messages"][1]["text"].as_str().unwrap();
    assert_eq!(streamed, stored);
    assert!(stored.contains("token"), "{stored}");
    let end = &events.last().unwrap().2;
    assert_eq!(
        end["id"], done["messages"][1]["id"],
        "the reply keeps its id when stored"
    );
    assert_eq!(end["reply_to"], done["messages"][0]["id"]);
    assert_eq!(done["messages"][1]["reply_to"], done["messages"][0]["id"]);
    // Afterwards the transcript resumes after the last event.
    assert_eq!(
        done["resume_after"].as_i64(),
        Some(events.last().unwrap().0)
    );
}

#[tokio::test]
async fn a_reply_lost_with_its_server_is_failed_then_answered_on_retry() {
    let (mut s, _db) = Server::start_with(&["--stream-delay-ms", "150"]).await;
    let (token, cid) = s.session().await;
    let sent: Value = send(
        &s,
        &token,
        &cid,
        "k1",
        "How do I add the widget to my site?",
    )
    .await
    .json()
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    s.restart().await;
    // The new process knows the old one's reply was cut short.
    let t = transcript_until(&s, &token, &cid, |t| states(t).len() == 2).await;
    assert_eq!(
        states(&t)[1],
        ("assistant".to_owned(), "failed".to_owned()),
        "{t}"
    );
    let events = events_until(&s, &token, &cid, 0, "reply.error").await;
    let error = &events.last().unwrap().2;
    assert_eq!(error["code"], "server_error");
    assert_eq!(error["reply_to"], sent["id"]);

    // Sending the message again (same idempotency key) asks again.
    let again = send(
        &s,
        &token,
        &cid,
        "k1",
        "How do I add the widget to my site?",
    )
    .await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], sent["id"], "the message is not stored twice");
    // A second click while it is answering starts nothing more.
    assert_eq!(
        send(
            &s,
            &token,
            &cid,
            "k1",
            "How do I add the widget to my site?"
        )
        .await
        .status(),
        200
    );
    let t = transcript_until(&s, &token, &cid, answered_once).await;
    assert_eq!(
        states(&t),
        [
            ("visitor".to_owned(), "done".to_owned()),
            ("assistant".to_owned(), "done".to_owned())
        ],
        "the failed reply is replaced by the answer: {t}"
    );
    assert!(t["messages"][1]["text"]
        .as_str()
        .unwrap()
        .contains("embed.js"));
    let events = events_until(&s, &token, &cid, 0, "reply.end").await;
    let starts = events.iter().filter(|(_, e, _)| e == "reply.start").count();
    assert_eq!(starts, 2, "one failed reply, one answer: {events:?}");
}

#[tokio::test]
async fn a_question_stored_before_a_crash_but_never_started_gets_a_retry() {
    let (mut s, db) = Server::start().await;
    if db.is_postgres() {
        // Other nodes may hold questions waiting their turn: only a lone
        // SQLite server knows at start-up that nothing is answering.
        return;
    }
    let (token, cid) = s.session().await;
    let sent: Value = send(
        &s,
        &token,
        &cid,
        "k1",
        "How do I add the widget to my site?",
    )
    .await
    .json()
    .await
    .unwrap();
    transcript_until(&s, &token, &cid, answered_once).await;
    // The crash came after the question was stored and before its reply
    // started: no reply, no reply event.
    s.stop().await;
    {
        let mut conn = db.sqlite().await;
        sqlx::query("DELETE FROM messages WHERE role = 'assistant'")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("DELETE FROM events WHERE kind LIKE 'reply.%'")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    s.resume().await;

    let t = transcript_until(&s, &token, &cid, |t| states(t).len() == 2).await;
    assert_eq!(
        states(&t),
        [
            ("visitor".to_owned(), "done".to_owned()),
            ("assistant".to_owned(), "failed".to_owned())
        ],
        "{t}"
    );
    let events = events_until(&s, &token, &cid, 0, "reply.error").await;
    assert_eq!(events.last().unwrap().2["reply_to"], sent["id"]);

    // The widget's Retry (the same message again) gets the answer.
    let again = send(
        &s,
        &token,
        &cid,
        "k1",
        "How do I add the widget to my site?",
    )
    .await;
    assert_eq!(again.status(), 200);
    let t = transcript_until(&s, &token, &cid, answered_once).await;
    assert!(t["messages"][1]["text"]
        .as_str()
        .unwrap()
        .contains("embed.js"));

    // Started again, it leaves answered questions alone.
    s.restart().await;
    let t = transcript_until(&s, &token, &cid, |t| states(t).len() == 2).await;
    assert_eq!(
        states(&t)[1],
        ("assistant".to_owned(), "done".to_owned()),
        "{t}"
    );

    // A crash between setting the failed reply aside for the retry and
    // starting the new one: the question gets a retry again.
    s.stop().await;
    {
        let mut conn = db.sqlite().await;
        sqlx::query("DELETE FROM messages WHERE role = 'assistant' AND state = 'done'")
            .execute(&mut conn)
            .await
            .unwrap();
        let set_aside: (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM messages WHERE state = 'retried'")
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert_eq!(set_aside.0, 1, "the first failed reply was set aside");
    }
    s.resume().await;
    let t = transcript_until(&s, &token, &cid, |t| {
        states(t).last().is_some_and(|(_, st)| st == "failed")
    })
    .await;
    assert_eq!(
        states(&t),
        [
            ("visitor".to_owned(), "done".to_owned()),
            ("assistant".to_owned(), "failed".to_owned())
        ],
        "{t}"
    );
}

#[tokio::test]
async fn messages_per_minute_are_limited_per_session() {
    let (s, _db) = Server::start_with(&["--messages-per-minute", "2"]).await;
    let (token, cid) = s.session().await;
    for k in ["a", "b"] {
        assert_eq!(send(&s, &token, &cid, k, "hello").await.status(), 201);
    }
    let res = send(&s, &token, &cid, "c", "hello").await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["reason"], "rate_limited");
    // Another session is not held back.
    let (token2, cid2) = s.session().await;
    assert_eq!(send(&s, &token2, &cid2, "a", "hello").await.status(), 201);
}
