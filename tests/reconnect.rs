//! What the visitor sees when tokens expire, tabs race, the server goes
//! away, the network drops or the page's clock is wrong — in headless
//! Chromium against the real server, with 10-second access tokens.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::{free_port, host_page, wait_for, Browser, Server, StaticSite, FINISHED_REPLY};

/// Records every fetch the widget makes (URL and status, 0 for a network
/// error), keeps the last session response, and notes any error state the
/// status line ever shows.
const PROBE: &str = r#"<script>
window.__fetches = []; window.__bad = [];
const realFetch = window.fetch;
window.fetch = async (...a) => {
  const u = a[0] instanceof Request ? a[0].url : String(a[0]);
  try {
    const r = await realFetch(...a);
    window.__fetches.push([u, r.status]);
    if (r.ok && /\/v1\/sessions(\/refresh)?$/.test(u)) r.clone().json().then(j => window.__session = j);
    return r;
  } catch (e) { window.__fetches.push([u, 0]); throw e; }
};
setInterval(() => {
  const h = document.querySelector('causette-widget');
  const s = h && h.shadowRoot && h.shadowRoot.querySelector('.status');
  if (s && !s.hidden && /reconnecting|offline|ended|unavailable/.test(s.className))
    window.__bad.push(s.className + ': ' + s.textContent);
}, 100);
</script>"#;

/// A server whose demo site issues 10 s access tokens, and a host page on
/// an allowed origin with the probe (and `head` before it).
async fn setup(head: &str) -> (Server, StaticSite) {
    let page_port = free_port();
    let origin = format!("http://127.0.0.1:{page_port}");
    let server = Server::start(&["--demo-origin", &origin]).await;
    server
        .admin(&["site", "update", "demo", "--access-ttl", "10"])
        .await;
    let page = StaticSite::serve_on(
        page_port,
        host_page(&server.url(), "demo", &[head, PROBE].concat()),
    )
    .await;
    (server, page)
}

async fn fetches(b: &Browser) -> Vec<(String, i64)> {
    match b.js("return window.__fetches || []").await {
        Value::Array(a) => a
            .into_iter()
            .map(|e| {
                (
                    e[0].as_str().unwrap_or_default().to_owned(),
                    e[1].as_i64().unwrap_or(-1),
                )
            })
            .collect(),
        _ => vec![],
    }
}

async fn bad_states(b: &Browser) -> Vec<String> {
    match b.js("return window.__bad || []").await {
        Value::Array(a) => a
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

async fn replies(b: &Browser) -> usize {
    b.widget_texts(FINISHED_REPLY).await.len()
}

/// Asks a question and waits for one more finished reply.
async fn ask_and_wait(b: &Browser, question: &str) {
    let before = replies(b).await;
    b.ask(question).await;
    let start = Instant::now();
    while replies(b).await <= before {
        assert!(
            start.elapsed() < support::PATIENCE,
            "no reply to {question:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn open(b: &Browser, url: &str) {
    b.goto(url).await;
    b.click(".launcher").await;
    b.widget(".panel").await;
}

async fn status_class(b: &Browser) -> String {
    b.js("const h = document.querySelector('causette-widget'); \
          const s = h && h.shadowRoot && h.shadowRoot.querySelector('.status'); \
          return s && !s.hidden ? s.className : '';")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_minute_of_chat_crosses_several_refreshes_unseen() {
    let (server, page) = setup("").await;
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    let questions = [
        "How do I add the widget to my site?",
        "Why does it say the token is invalid?",
        "What is a site key?",
        "How are tokens refreshed?",
        "Can I change the colours?",
        "Which languages does the widget speak?",
    ];
    for q in questions {
        ask_and_wait(&b, q).await;
        tokio::time::sleep(Duration::from_secs(9)).await;
    }
    let refreshes = server.log_count("session refreshed");
    assert!(refreshes >= 5, "about one refresh every 5 s: {refreshes}");
    let f = fetches(&b).await;
    let refused: Vec<_> = f.iter().filter(|(_, s)| *s == 401 || *s == 0).collect();
    assert!(refused.is_empty(), "no request refused: {refused:?}");
    assert_eq!(bad_states(&b).await, Vec::<String>::new());
    assert_eq!(replies(&b).await, 6);
    b.close().await;
}

#[tokio::test]
async fn two_tabs_refresh_one_at_a_time_and_both_keep_chatting() {
    let (server, page) = setup("").await;
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    let first = b.client.window().await.unwrap();
    let second = b.client.new_window(true).await.unwrap().handle;
    b.client.switch_to_window(second.clone()).await.unwrap();
    open(&b, &page.url()).await;

    let start = Instant::now();
    let mut round = 0;
    while start.elapsed() < Duration::from_secs(60) {
        for w in [&first, &second] {
            b.client.switch_to_window(w.clone()).await.unwrap();
            ask_and_wait(&b, &format!("What is a site key? ({round})")).await;
        }
        round += 1;
        tokio::time::sleep(Duration::from_secs(8)).await;
    }
    // One session shared by both tabs: one refresh about every 5 s, never
    // two for the same token (no replays, no reuse).
    let refreshes = server.log_count("session refreshed");
    assert!((6..=20).contains(&refreshes), "refreshes: {refreshes}");
    assert_eq!(server.log_count("replayed inside the grace window"), 0);
    assert_eq!(server.log_count("refresh_reused"), 0);
    for w in [&first, &second] {
        b.client.switch_to_window(w.clone()).await.unwrap();
        assert_eq!(bad_states(&b).await, Vec::<String>::new());
        let refused: Vec<_> = fetches(&b)
            .await
            .into_iter()
            .filter(|(_, s)| *s == 401)
            .collect();
        assert!(refused.is_empty(), "{refused:?}");
    }
    b.close().await;
}

#[tokio::test]
async fn a_revoked_session_ends_visibly_and_a_new_one_starts() {
    let (server, page) = setup("").await;
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    ask_and_wait(&b, "What is a site key?").await;
    server
        .admin(&["session", "revoke", "--site", "demo", "--all"])
        .await;
    // Within one refresh (tokens live 10 s, refreshed 5 s before expiry).
    let (text, _) = b.status("ended").await;
    assert!(text.contains("ended"), "{text}");
    // The old transcript stays readable.
    assert_eq!(replies(&b).await, 1);
    b.click(".start-over").await;
    wait_for("the session to come back", || async {
        status_class(&b).await.is_empty()
    })
    .await;
    ask_and_wait(&b, "Which languages does the widget speak?").await;
    b.close().await;
}

#[tokio::test]
async fn a_stopped_server_shows_a_countdown_and_recovers_by_itself() {
    let (mut server, page) = setup("").await;
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    ask_and_wait(&b, "What is a site key?").await;
    server.stop().await;
    let (text, _) = b.status("reconnecting").await;
    assert!(text.contains("retrying in"), "{text}");
    assert!(b.widget(".retry").await.is_displayed().await.unwrap());
    tokio::time::sleep(Duration::from_secs(3)).await;
    server.start_again().await;
    // Back online by itself, without a reload (backoff is at most 30 s).
    let start = Instant::now();
    while !status_class(&b).await.is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "still {}",
            status_class(&b).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    ask_and_wait(&b, "How are tokens refreshed?").await;
    b.close().await;
}

#[tokio::test]
async fn a_message_typed_offline_is_sent_once_when_back() {
    let (server, page) = setup("").await;
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    ask_and_wait(&b, "What is a site key?").await;
    b.set_offline(true).await;
    b.status("offline").await;
    b.ask("Where are conversations stored?").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    b.set_offline(false).await;
    wait_for("the reply to the queued message", || async {
        replies(&b).await == 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let session = b.js("return window.__session").await;
    let texts: Vec<String> = server
        .transcript(&session)
        .await
        .into_iter()
        .filter(|(role, _)| role == "visitor")
        .map(|(_, text)| text)
        .collect();
    assert_eq!(
        texts,
        ["What is a site key?", "Where are conversations stored?"]
    );
    b.close().await;
}

#[tokio::test]
async fn a_disallowed_origin_warns_once_and_does_not_storm() {
    let server = Server::start(&[]).await;
    let page = StaticSite::serve(host_page(&server.url(), "demo", PROBE)).await;
    let b = Browser::start().await;
    b.goto(&page.url()).await;
    b.click(".launcher").await;
    let (text, code) = b.status("unavailable").await;
    assert_eq!(code.as_deref(), Some("origin_not_allowed"));
    assert!(text.contains("unavailable right now"), "{text}");
    tokio::time::sleep(Duration::from_secs(30)).await;
    let calls = fetches(&b).await;
    // The bundle, the session, the diagnose probe and, once, the words of
    // the console warning.
    assert!(calls.len() <= 4, "no request storm: {calls:?}");
    let warnings: Vec<_> = b
        .console()
        .await
        .into_iter()
        .filter(|(level, m)| level == "WARNING" && m.contains("origin_not_allowed"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    b.close().await;
}

#[tokio::test]
async fn rotating_the_key_while_open_shows_nothing() {
    let (server, page) = setup("").await;
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    ask_and_wait(&b, "What is a site key?").await;
    // The old key stops verifying at once: the widget must recover silently.
    server
        .admin(&["keys", "rotate", "--overlap-secs", "0"])
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    ask_and_wait(&b, "How are tokens refreshed?").await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    ask_and_wait(&b, "Can I change the colours?").await;
    assert_eq!(bad_states(&b).await, Vec::<String>::new());
    b.close().await;
}

async fn skewed(skew_ms: i64) {
    let head = format!(
        "<script>const realNow = Date.now; Date.now = () => realNow() + ({skew_ms});</script>"
    );
    let (server, page) = setup(&head).await;
    let b = Browser::start().await;
    open(&b, &page.url()).await;
    for q in [
        "What is a site key?",
        "How are tokens refreshed?",
        "Can I change the colours?",
    ] {
        ask_and_wait(&b, q).await;
        tokio::time::sleep(Duration::from_secs(8)).await;
    }
    assert!(server.log_count("session refreshed") >= 3);
    let refused: Vec<_> = fetches(&b)
        .await
        .into_iter()
        .filter(|(_, s)| *s == 401)
        .collect();
    assert!(refused.is_empty(), "skew {skew_ms}: {refused:?}");
    assert_eq!(bad_states(&b).await, Vec::<String>::new());
    b.close().await;
}

#[tokio::test]
async fn a_clock_ten_minutes_fast_still_refreshes_in_time() {
    skewed(600_000).await;
}

#[tokio::test]
async fn a_clock_ten_minutes_slow_still_refreshes_in_time() {
    skewed(-600_000).await;
}
