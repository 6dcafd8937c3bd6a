//! A conversation that loses nothing, end to end in headless Chromium
//! against the real server: a stream cut mid-reply, a page reloaded
//! mid-reply, a message typed offline across a reload, two tabs.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{
    free_port, host_page, wait_for, Browser, ModelMock, Proxy, Server, StaticSite, FINISHED_REPLY,
};

/// Keeps the last session response the widget got, for reading the
/// server's transcript with it, and every text a streaming reply showed.
const PROBE: &str = r#"<script>
window.__streamed = [];
setInterval(() => {
  const h = document.querySelector('causette-widget');
  const r = h && h.shadowRoot && h.shadowRoot.querySelector('.message.assistant.streaming .text');
  const t = r && r.textContent;
  if (t && window.__streamed[window.__streamed.length - 1] !== t) window.__streamed.push(t);
}, 20);
const realFetch = window.fetch;
window.fetch = async (...a) => {
  const r = await realFetch(...a);
  const u = a[0] instanceof Request ? a[0].url : String(a[0]);
  if (r.ok && /\/v1\/sessions(\/refresh)?$/.test(u)) r.clone().json().then(j => window.__session = j);
  return r;
};
</script>"#;

const STREAMING_REPLY: &str = ".message.assistant.streaming";

/// A server (with `extra` serve args), the API address the page uses
/// (`via` a proxy, or the server itself), and a page on an allowed origin.
async fn setup(extra: &[&str], proxied: bool) -> (Server, Option<Proxy>, StaticSite) {
    let page_port = free_port();
    let origin = format!("http://127.0.0.1:{page_port}");
    let mut args = vec!["--demo-origin", &origin];
    args.extend_from_slice(extra);
    let server = Server::start(&args).await;
    let proxy = if proxied {
        Some(Proxy::start(server.port).await)
    } else {
        None
    };
    let api = proxy.as_ref().map_or_else(|| server.url(), Proxy::url);
    let page = StaticSite::serve_on(page_port, host_page(&api, "demo", PROBE)).await;
    (server, proxy, page)
}

/// The words of a text: what must match between the reply on screen and
/// the one stored.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// The text a reply's markdown tree shows (see the server's `markdown`
/// module): blocks end with a line break, link targets, list starts and
/// code languages are not text.
fn tree_text(node: &Value, out: &mut String) {
    match node {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            let name = items.first().and_then(Value::as_str).unwrap_or_default();
            let skip = if matches!(name, "a" | "pre" | "ol") {
                2
            } else {
                1
            };
            for child in items.iter().skip(skip) {
                tree_text(child, out);
            }
            if matches!(name, "p" | "li" | "pre" | "blockquote" | "br" | "hr") {
                out.push('\n');
            }
        }
        _ => {}
    }
}

/// The replies the server stored, as their trees show them.
async fn stored_replies(server: &Server, b: &Browser) -> Vec<String> {
    let session = b.js("return window.__session").await;
    let t: Value = reqwest::Client::new()
        .get(format!(
            "{}/v1/conversations/{}",
            server.url(),
            session["conversation_id"].as_str().unwrap()
        ))
        .bearer_auth(session["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "assistant")
        .map(|m| {
            let tree: Value = serde_json::from_str(m["tree"].as_str().unwrap()).unwrap();
            // The tree is a list of nodes.
            let mut text = String::new();
            for node in tree.as_array().unwrap() {
                tree_text(node, &mut text);
            }
            text
        })
        .collect()
}

/// Checks that every text the streaming reply showed was the start of the
/// stored reply: no word repeated, none skipped, at any moment.
async fn streamed_only_prefixes_of(b: &Browser, stored: &str) {
    let seen: Vec<String> = match b.js("return window.__streamed").await {
        Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    };
    assert!(seen.len() >= 2, "the reply was seen streaming: {seen:?}");
    for t in &seen {
        assert!(
            stored.starts_with(t.as_str()),
            "shown while streaming: {t:?}\nstored: {stored:?}"
        );
    }
}

/// The finished reply on screen as the visitor reads it (`innerText`:
/// blocks on their own lines), once there is one.
async fn shown_reply(b: &Browser) -> String {
    let script = format!(
        "const h = document.querySelector('causette-widget'); \
         const r = h && h.shadowRoot && h.shadowRoot.querySelector('{FINISHED_REPLY} .text'); \
         return r && r.innerText.trim() ? r.innerText : null;"
    );
    let start = std::time::Instant::now();
    loop {
        if let Value::String(s) = b.js(&script).await {
            return s;
        }
        assert!(start.elapsed() < support::PATIENCE, "no finished reply");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The server's transcript, read with the page's session (none yet: empty).
async fn stored(server: &Server, b: &Browser) -> Vec<(String, String)> {
    let session = b.js("return window.__session || null").await;
    if session.is_null() {
        return Vec::new();
    }
    server.transcript(&session).await
}

fn texts_of(messages: &[(String, String)], role: &str) -> Vec<String> {
    messages
        .iter()
        .filter(|(r, _)| r == role)
        .map(|(_, t)| t.clone())
        .collect()
}

async fn open(b: &Browser, url: &str) {
    b.goto(url).await;
    b.click(".launcher").await;
}

async fn finished_replies(b: &Browser) -> Vec<String> {
    b.widget_texts(FINISHED_REPLY).await
}

/// Waits until the reply streaming in shows more than `n` words.
async fn streamed_past(b: &Browser, n: usize) {
    b.wait_text(STREAMING_REPLY, "a reply streaming", |t| {
        t.split_whitespace().count() > n
    })
    .await;
}

#[tokio::test]
async fn a_stream_cut_mid_reply_resumes_without_a_missing_or_repeated_word() {
    let (server, proxy, page) = setup(&["--stream-delay-ms", "80"], true).await;
    let proxy = proxy.unwrap();
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    b.ask("Why does the chat say the token is invalid?").await;
    // Cut every connection twice while the reply streams in.
    for n in [8, 30] {
        streamed_past(&b, n).await;
        assert!(proxy.cut() > 0, "the stream was open");
    }
    let shown = shown_reply(&b).await;
    let replies = stored_replies(&server, &b).await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(words(&shown), words(&replies[0]));
    assert!(words(&shown).len() > 30, "a long enough reply: {shown}");
    let raw = texts_of(&stored(&server, &b).await, "assistant");
    streamed_only_prefixes_of(&b, &raw[0]).await;
    assert_eq!(finished_replies(&b).await.len(), 1, "one reply bubble");
    b.close().await;
}

#[tokio::test]
async fn a_page_reloaded_mid_reply_shows_the_whole_reply_once() {
    let (server, _, page) = setup(&["--stream-delay-ms", "80"], false).await;
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    b.ask("Why does the chat say the token is invalid?").await;
    streamed_past(&b, 10).await;
    open(&b, &page.url()).await;
    // The question comes back from the server, the reply goes on streaming.
    b.wait_text(".message.visitor", "the question restored", |t| {
        t.contains("token is invalid")
    })
    .await;
    let shown = shown_reply(&b).await;
    let replies = stored_replies(&server, &b).await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(words(&shown), words(&replies[0]));
    let raw = texts_of(&stored(&server, &b).await, "assistant");
    streamed_only_prefixes_of(&b, &raw[0]).await;
    assert_eq!(finished_replies(&b).await.len(), 1);
    assert_eq!(b.widget_texts(".message.visitor").await.len(), 1);
    b.close().await;
}

#[tokio::test]
async fn a_message_typed_offline_survives_a_reload_and_is_delivered_once() {
    let (server, _, page) = setup(&[], false).await;
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    b.ask("What is a site key?").await;
    b.wait_text(FINISHED_REPLY, "the first reply", |t| !t.is_empty())
        .await;

    b.set_offline(true).await;
    b.status("offline").await;
    b.ask("Where are conversations stored?").await;
    b.wait_text(".message.visitor.sending", "the queued message", |t| {
        t.contains("Where are")
    })
    .await;
    let kept = b
        .js("return Object.keys(localStorage).filter(k => k.endsWith(':outbox')).map(k => localStorage.getItem(k)).join()")
        .await;
    assert!(
        kept.as_str()
            .unwrap_or_default()
            .contains("Where are conversations stored?"),
        "the outbox is in storage: {kept}"
    );
    // Reloading offline fails to load anything; online again, it loads.
    let _ = b.client.goto(&page.url()).await;
    b.set_offline(false).await;
    b.goto(&page.url()).await;

    // Delivered without the visitor opening the panel again.
    wait_for("the queued message and its reply on the server", || async {
        texts_of(&stored(&server, &b).await, "assistant").len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = stored(&server, &b).await;
    assert_eq!(
        texts_of(&messages, "visitor"),
        ["What is a site key?", "Where are conversations stored?"],
        "delivered exactly once"
    );
    b.click(".launcher").await;
    wait_for("the restored conversation", || async {
        finished_replies(&b).await.len() == 2
    })
    .await;
    assert_eq!(
        b.widget_texts(".message.visitor .text").await,
        ["What is a site key?", "Where are conversations stored?"]
    );
    let left = b
        .js("return Object.keys(localStorage).filter(k => k.endsWith(':outbox')).length")
        .await;
    assert_eq!(left, Value::from(0), "the outbox is empty once delivered");
    b.close().await;
}

#[tokio::test]
async fn two_tabs_show_the_same_conversation_live() {
    let (_server, _, page) = setup(&[], false).await;
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    b.ask("What is a site key?").await;
    b.wait_text(FINISHED_REPLY, "the first reply", |t| !t.is_empty())
        .await;

    let (first, second) = b.new_tab(&page.url()).await;
    b.click(".launcher").await;
    b.wait_text(".message.visitor", "the first tab's question", |t| {
        t.contains("site key")
    })
    .await;
    b.wait_text(FINISHED_REPLY, "the first tab's reply", |t| !t.is_empty())
        .await;
    b.ask("Can I change the colours?").await;
    wait_for("the reply in the second tab", || async {
        finished_replies(&b).await.len() == 2
    })
    .await;

    b.switch_to(&first).await;
    b.wait_text(".message.visitor", "the second tab's question, live", |t| {
        t.contains("colours")
    })
    .await;
    wait_for("the second tab's reply in the first", || async {
        finished_replies(&b).await.len() == 2
    })
    .await;
    assert_eq!(b.widget_texts(".message.visitor").await.len(), 2);
    b.switch_to(&second).await;
    assert_eq!(b.widget_texts(".message.visitor").await.len(), 2);
    b.close().await;
}

#[tokio::test]
async fn a_failing_model_keeps_the_question_and_retry_gets_the_answer() {
    let mock = ModelMock::start("We are open from nine to five, Monday to Friday.").await;
    let (server, _, page) = setup(&[], false).await;
    mock.answer_for_demo(&server).await;
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    for (round, (status, code)) in [
        (401, "provider_key_rejected"),
        (429, "provider_rate_limited"),
        (500, "provider_unavailable"),
    ]
    .into_iter()
    .enumerate()
    {
        mock.respond_with(status);
        let question = format!("When are you open? ({status})");
        b.ask(&question).await;
        let failed = b
            .wait_text(
                ".message.assistant.failed",
                "the reply marked failed",
                |t| !t.is_empty(),
            )
            .await;
        assert!(
            failed.contains("The assistant is unavailable right now — your message is saved."),
            "{failed}"
        );
        wait_for("the operator's log line", || async {
            server.log_count(&format!("upstream={code}")) == 1
        })
        .await;
        // The provider is back: Retry asks the same question again.
        mock.respond_with(200);
        b.click(".message.assistant.failed .resend").await;
        wait_for("the answer after retrying", || async {
            finished_replies(&b).await.len() == round + 1
                && b.widget_texts(".message.assistant.failed").await.is_empty()
        })
        .await;
        let last = finished_replies(&b).await.pop().unwrap();
        assert!(last.contains("nine to five"), "{last}");
        let messages = stored(&server, &b).await;
        let asked = texts_of(&messages, "visitor");
        assert_eq!(
            asked.iter().filter(|q| **q == question).count(),
            1,
            "stored once: {asked:?}"
        );
    }
    b.close().await;
}
