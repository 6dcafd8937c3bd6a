//! Replies carry their markdown as a safe tree, and the diagnose endpoint
//! explains reason codes, against the real `causette serve` binary.

mod support;

use std::time::Duration;

use causette_token::{Code, Diagnosis};
use serde_json::{json, Value};
use support::Server;

#[tokio::test]
async fn a_reply_ends_with_its_tree_and_the_transcript_has_it_too() {
    let (s, _db) = Server::start().await;
    let (token, cid) = s.session().await;
    let c = reqwest::Client::new();
    let res = c
        .post(format!("{}/v1/conversations/{cid}/messages", s.url))
        .bearer_auth(&token)
        .json(&json!({"text": "How do I add the widget?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let mut messages = Vec::new();
    for _ in 0..200 {
        let (_, t) = s.transcript_status(&token, &cid).await;
        messages = t["messages"].as_array().unwrap().clone();
        if messages.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].get("tree").is_none(),
        "a visitor's text is no tree"
    );
    let text = messages[1]["text"].as_str().unwrap();
    let tree = messages[1]["tree"]
        .as_str()
        .expect("the tree, as a JSON string");
    assert_eq!(tree, causette_server::markdown::tree_json(text));
    let tree: Value = serde_json::from_str(tree).unwrap();
    assert_eq!(tree[0][0], "p", "the reply's first block: {tree}");

    // The stream's reply.end carries the same tree.
    let res = c
        .get(format!("{}/v1/conversations/{cid}/events", s.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let end = reply_end(res).await;
    assert_eq!(end["text"], text);
    assert_eq!(
        end["tree"].as_str(),
        Some(causette_server::markdown::tree_json(text).as_str())
    );
}

/// The data of the first `reply.end` event of a stream.
async fn reply_end(res: reqwest::Response) -> Value {
    use futures::StreamExt;
    let mut buf = String::new();
    let mut stream = res.bytes_stream();
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), stream.next()).await;
        let Ok(Some(Ok(chunk))) = next else {
            panic!("the stream ended without reply.end: {buf}");
        };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: reply.end") {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .expect("data");
                return serde_json::from_str(data).unwrap();
            }
        }
    }
}

#[tokio::test]
async fn diagnose_explains_a_reason_code_in_the_libraries_words() {
    let (s, _db) = Server::start().await;
    let c = reqwest::Client::new();
    for code in Code::ALL {
        let res = c
            .get(format!("{}/v1/diagnose", s.url))
            .query(&[("site", "demo"), ("code", code.as_str())])
            .header("origin", "https://elsewhere.example")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()
                .get("access-control-allow-origin")
                .and_then(|v| v.to_str().ok()),
            Some("https://elsewhere.example"),
            "open to any origin"
        );
        let body: Value = res.json().await.unwrap();
        let d = Diagnosis::new(code);
        assert_eq!(body["code"], code.as_str());
        assert_eq!(body["explanation"], d.explanation);
        assert_eq!(body["fix"], d.fix);
        assert_eq!(body["site_known"], true, "the rest is still there");
    }
    // Without code=, no explanation.
    let body: Value = c
        .get(format!("{}/v1/diagnose?site=demo", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body.get("explanation").is_none(), "{body}");
    // An unknown code is a clear 400.
    let res = c
        .get(format!("{}/v1/diagnose?code=Expired", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["reason"], "invalid_request", "{body}");
}
