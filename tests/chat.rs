//! End to end: the demo page, the real server, a real headless Chromium.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use support::{host_page, Browser, Server, StaticSite, FINISHED_REPLY};

/// A console entry that is an error of the page (not Chromium's own noise).
fn page_errors(log: &[(String, String)]) -> Vec<String> {
    log.iter()
        .filter(|(level, _)| level == "SEVERE")
        .map(|(_, m)| m.clone())
        .collect()
}

/// The launcher's rendered size, once it is on screen (read in one script
/// call: the loader's placeholder is replaced when the widget mounts).
async fn launcher_size(browser: &Browser) -> (f64, f64) {
    let script = "const h = document.querySelector('causette-widget'); \
                  const l = h && h.shadowRoot && h.shadowRoot.querySelector('.launcher'); \
                  if (!l) return null; const r = l.getBoundingClientRect(); \
                  return r.width > 0 && r.height > 0 ? [r.width, r.height] : null;";
    let start = std::time::Instant::now();
    loop {
        if let serde_json::Value::Array(a) = browser.js(script).await {
            return (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
        }
        assert!(
            start.elapsed() < support::PATIENCE,
            "the launcher never showed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn demo_page_launcher_opens_and_a_question_gets_a_relevant_reply() {
    let server = Server::start(&[]).await;
    let browser = Browser::start().await;
    browser.goto(&server.url()).await;

    // The launcher shows (the loader's, then the widget's own), sized as designed.
    let size = launcher_size(&browser).await;
    assert!(size.0 > 40.0 && size.1 > 40.0, "launcher is {size:?}");
    browser.click(".launcher").await;
    let panel = browser.widget(".panel").await;
    support::wait_for("the panel to open", || async {
        panel.is_displayed().await.unwrap_or(false)
    })
    .await;

    browser.ask("How do I add the widget to my website?").await;
    browser
        .wait_text(".message.visitor", "my message", |t| {
            t.contains("add the widget")
        })
        .await;
    let reply = browser
        .wait_text(FINISHED_REPLY, "a finished reply", |t| !t.is_empty())
        .await;
    assert!(
        reply.contains("embed.js"),
        "the reply explains how to embed: {reply}"
    );

    // Nothing in the host document: styles live in the shadow root only.
    let host_styles = browser
        .js("return document.querySelectorAll('style, link[rel=stylesheet]').length")
        .await;
    assert_eq!(host_styles, 1, "only the demo page's own <style>");
    let errors = page_errors(&browser.console().await);
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await;
}

#[tokio::test]
async fn hostile_global_css_does_not_break_the_widget() {
    let server = Server::start(&[]).await;
    let browser = Browser::start().await;
    browser
        .goto(&format!("{}/demo/hostile", server.url()))
        .await;

    let (w, h) = launcher_size(&browser).await;
    assert!(
        (50.0..=64.0).contains(&w) && (50.0..=64.0).contains(&h),
        "launcher is {w}x{h}"
    );
    browser.click(".launcher").await;
    browser.ask("why is the token invalid?").await;
    let reply = browser
        .wait_text(FINISHED_REPLY, "a reply", |t| !t.is_empty())
        .await;
    assert!(reply.to_lowercase().contains("token"), "{reply}");

    // The page's huge fonts and text transforms do not reach the widget.
    let style = browser
        .js("const r = document.querySelector('causette-widget').shadowRoot.querySelector('.message.visitor'); \
             const s = getComputedStyle(r); return [s.fontSize, s.textTransform, s.opacity];")
        .await;
    assert_eq!(style, serde_json::json!(["15px", "none", "1"]));
    browser.close().await;
}

#[tokio::test]
async fn unknown_site_key_shows_a_clear_message() {
    let server = Server::start(&[]).await;
    let page = StaticSite::serve(host_page(&server.url(), "no-such-site", "")).await;
    let browser = Browser::start().await;
    browser.goto(&page.url()).await;
    browser.click(".launcher").await;
    let (text, code) = browser.status("unavailable").await;
    assert_eq!(code.as_deref(), Some("unknown_site"));
    assert!(text.contains("unavailable"), "{text}");
    let warnings: Vec<_> = browser
        .console()
        .await
        .into_iter()
        .filter(|(_, m)| m.contains("unknown_site"))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one console warning for the site owner: {warnings:?}"
    );
    browser.close().await;
}

#[tokio::test]
async fn origin_not_on_the_allowlist_shows_a_clear_message() {
    let server = Server::start(&[]).await;
    let page = StaticSite::serve(host_page(&server.url(), "demo", "")).await;
    let browser = Browser::start().await;
    browser.goto(&page.url()).await;
    browser.click(".launcher").await;
    let (_, code) = browser.status("unavailable").await;
    assert_eq!(code.as_deref(), Some("origin_not_allowed"));
    // No retry loop: the state stays put.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, code) = browser.status("unavailable").await;
    assert_eq!(code.as_deref(), Some("origin_not_allowed"));
    browser.close().await;
}

/// Captures the session the widget receives, so the test can read the
/// transcript from the server the way the widget would.
const CAPTURE_SESSION: &str = "<script>\
  const f = window.fetch;\
  window.fetch = async (...a) => { const r = await f(...a);\
    const u = a[0] instanceof Request ? a[0].url : String(a[0]);\
    if (u.endsWith('/v1/sessions') && r.ok) { r.clone().json().then(j => window.__session = j); }\
    return r; };\
</script>";

#[tokio::test]
async fn transcript_survives_a_server_restart() {
    let page_port = support::free_port();
    let origin = format!("http://127.0.0.1:{page_port}");
    let mut server = Server::start(&["--demo-origin", &origin]).await;
    let page =
        StaticSite::serve_on(page_port, host_page(&server.url(), "demo", CAPTURE_SESSION)).await;
    let browser = Browser::start().await;
    browser.goto(&page.url()).await;
    browser.click(".launcher").await;

    browser.ask("Where are conversations stored?").await;
    browser
        .wait_text(FINISHED_REPLY, "the first reply", |t| t.contains("SQLite"))
        .await;

    server.restart().await;

    browser.ask("Which languages does the widget speak?").await;
    browser
        .wait_text(FINISHED_REPLY, "the second reply", |t| t.contains("French"))
        .await;

    let session = browser.js("return window.__session").await;
    let transcript = server.transcript(&session).await;
    let roles: Vec<&str> = transcript.iter().map(|(role, _)| role.as_str()).collect();
    assert_eq!(roles, ["visitor", "assistant", "visitor", "assistant"]);
    browser.close().await;
}
