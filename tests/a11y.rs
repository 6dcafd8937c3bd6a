//! End to end: accessibility (axe-core, keyboard only, the live region),
//! a host page with a strict Content-Security-Policy and Trusted Types,
//! reduced motion and forced colours, and phones (full screen, the
//! on-screen keyboard, the host page's scroll). Screenshots go to
//! `target/screenshots/`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::{json, Value};
use support::{
    free_port, host_page, wait_for, Browser, ModelMock, Server, StaticFile, StaticSite,
    FINISHED_REPLY, PATIENCE,
};

/// The widget's shadow root, in page scripts.
const SHADOW: &str = "document.querySelector('causette-widget').shadowRoot";

/// A server and, on an origin it allows, a host page embedding the widget
/// with `head` markup (a viewport meta, say) and `body` content before it.
async fn setup(head: &str, body: &str) -> (Server, StaticSite) {
    let page_port = free_port();
    let origin = format!("http://127.0.0.1:{page_port}");
    let server = Server::start(&["--demo-origin", &origin]).await;
    let html = host_page(&server.url(), "demo", head).replace(
        "<body><p>Host page</p>",
        &format!("<body><p>Host page</p>{body}"),
    );
    let page = StaticSite::serve_on(page_port, html).await;
    (server, page)
}

/// Presses one key on whatever has the focus.
async fn press(b: &Browser, key: Key) {
    let key = char::from(key);
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    b.client.perform_actions(keys).await.expect("a key press");
}

/// What has the focus: the class of the focused element inside the
/// widget, or the tag name of the page's focused element.
async fn focused(b: &Browser) -> String {
    let script = "const a = document.activeElement; \
        if (a && a.localName === 'causette-widget') { \
          const s = a.shadowRoot.activeElement; return s ? 'widget ' + s.className : 'widget'; } \
        return a ? a.localName : '';";
    b.js(script).await.as_str().unwrap_or_default().to_owned()
}

async fn wait_focus(b: &Browser, want: &str) {
    let start = std::time::Instant::now();
    loop {
        let now = focused(b).await;
        if now == want {
            return;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "focus is on `{now}`, not `{want}`"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether the panel is shown.
async fn panel_open(b: &Browser) -> bool {
    b.js(&format!(
        "const p = {SHADOW}.querySelector('.panel'); return !!p && !p.hidden;"
    ))
    .await
        == json!(true)
}

/// Opens the panel with a click on the launcher and waits until it shows
/// and its open animation (if any) is over.
async fn open_panel(b: &Browser) {
    b.click(".causette .launcher").await;
    wait_for("the panel to open", || panel_open(b)).await;
    b.js(&format!(
        "return Promise.all({SHADOW}.querySelector('.panel').getAnimations().map(a => a.finished)).then(() => true)"
    ))
    .await;
}

/// Waits until the widget (not the loader's placeholder) is mounted.
async fn wait_mounted(b: &Browser) {
    b.widget(".panel").await;
}

/// Asks `question` and waits for a finished reply containing `expect`.
async fn chat(b: &Browser, question: &str, expect: &str) -> String {
    b.ask(question).await;
    b.wait_text(FINISHED_REPLY, "a finished reply", |t| t.contains(expect))
        .await
}

fn no_violations(violations: &[Value], scheme: &str) {
    assert!(
        violations.is_empty(),
        "axe-core found problems in the {scheme} scheme:\n{}",
        serde_json::to_string_pretty(violations).unwrap()
    );
}

#[tokio::test]
async fn axe_finds_no_violations_in_the_open_panel_light_and_dark() {
    let (_server, page) = setup("", "").await;
    let b = Browser::start().await;
    b.goto(&page.url()).await;
    open_panel(&b).await;
    chat(&b, "How do I add the widget to my website?", "embed.js").await;

    no_violations(&b.axe().await, "light");

    b.js(&format!(
        "{SHADOW}.querySelector('.causette').setAttribute('data-scheme', 'dark'); return true;"
    ))
    .await;
    let bg = b
        .js(&format!(
            "return getComputedStyle({SHADOW}.querySelector('.panel')).backgroundColor"
        ))
        .await;
    assert_eq!(bg, json!("rgb(17, 24, 39)"), "the dark scheme applies");
    no_violations(&b.axe().await, "dark");

    // `auto` follows the system's preference.
    b.js(&format!(
        "{SHADOW}.querySelector('.causette').setAttribute('data-scheme', 'auto'); return true;"
    ))
    .await;
    b.emulate_media(&[("prefers-color-scheme", "dark")]).await;
    let bg = b
        .js(&format!(
            "return getComputedStyle({SHADOW}.querySelector('.panel')).backgroundColor"
        ))
        .await;
    assert_eq!(bg, json!("rgb(17, 24, 39)"), "auto follows a dark system");
    no_violations(&b.axe().await, "auto (dark)");
    b.close().await;
}

#[tokio::test]
async fn keyboard_alone_opens_chats_and_closes() {
    let (_server, page) = setup("", "").await;
    let b = Browser::start().await;
    b.goto(&page.url()).await;
    wait_mounted(&b).await;

    // The host page has nothing focusable before the widget.
    press(&b, Key::Tab).await;
    wait_focus(&b, "widget launcher").await;
    let label = b
        .js(&format!(
            "const l = {SHADOW}.querySelector('.launcher'); return [l.getAttribute('aria-label'), l.getAttribute('aria-expanded')];"
        ))
        .await;
    assert_eq!(label, json!(["Open chat", "false"]));

    press(&b, Key::Enter).await;
    wait_for("the panel to open", || panel_open(&b)).await;
    wait_focus(&b, "widget input").await;

    let input = b.client.active_element().await.expect("the composer");
    input
        .send_keys("How do I add the widget to my website?")
        .await
        .expect("type");
    press(&b, Key::Enter).await;
    b.wait_text(".message.visitor", "my message", |t| {
        t.contains("add the widget")
    })
    .await;
    b.wait_text(FINISHED_REPLY, "a reply", |t| t.contains("embed.js"))
        .await;

    press(&b, Key::Escape).await;
    wait_for("the panel to close", || async { !panel_open(&b).await }).await;
    wait_focus(&b, "widget launcher").await;

    // Open again; Escape also closes it with the focus back on the launcher.
    press(&b, Key::Enter).await;
    wait_for("the panel to open again", || panel_open(&b)).await;
    wait_focus(&b, "widget input").await;
    b.js(&format!(
        "{SHADOW}.querySelector('.launcher').focus(); return true;"
    ))
    .await;
    wait_focus(&b, "widget launcher").await;
    press(&b, Key::Escape).await;
    wait_for("the panel to close from the launcher", || async {
        !panel_open(&b).await
    })
    .await;
    b.close().await;
}

/// Records, from the page's start, each text the widget's live region
/// takes (a host-page script: the region exists once the widget mounts).
const RECORD_LIVE: &str = "<script>window.__said = []; const t = setInterval(() => { \
    const h = document.querySelector('causette-widget'); \
    const l = h && h.shadowRoot && h.shadowRoot.querySelector('[aria-live]'); \
    if (!l) return; clearInterval(t); \
    new MutationObserver(() => window.__said.push(l.textContent)) \
      .observe(l, { childList: true, characterData: true, subtree: true }); }, 5);</script>";

#[tokio::test]
async fn a_reload_reads_out_only_the_reply_that_arrives_after_it() {
    let (server, page) = setup(RECORD_LIVE, "").await;
    let b = Browser::start().await;
    b.goto(&page.url()).await;
    open_panel(&b).await;
    let first = chat(&b, "How do I add the widget to my website?", "embed.js").await;

    // A message waits in the outbox (typed, then the tab closed before it
    // went out): on reload it shows at once, before the transcript comes
    // back with the earlier reply, which must not be read out again.
    let ns = format!("causette:{}:demo", server.url());
    let kept = b
        .js(&format!(
            "localStorage.setItem({:?}, crypto.randomUUID() + '\\u001f' + 'Can I change the colour?' + '\\u001e'); \
             return Object.keys(localStorage).filter(k => k.startsWith({ns:?})).length;",
            format!("{ns}:outbox")
        ))
        .await;
    assert!(
        kept.as_u64().unwrap_or(0) >= 2,
        "the widget's own keys are under {ns}: {kept}"
    );
    b.goto(&page.url()).await;
    open_panel(&b).await;
    let live_reply = &format!("{FINISHED_REPLY}:not(.restored)");
    let second = b
        .wait_text(live_reply, "the answer to the waiting message", |t| {
            !t.is_empty()
        })
        .await;
    b.wait_text(FINISHED_REPLY, "the earlier reply, restored", |t| {
        t == first
    })
    .await;
    // Anything late would show within a second.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let said: Vec<String> = serde_json::from_value(b.js("return window.__said").await).unwrap();
    let said: Vec<&String> = said.iter().filter(|s| !s.is_empty()).collect();
    assert_eq!(said.len(), 1, "only the new reply is read out: {said:?}");
    assert_eq!(said[0].trim(), second.trim());
    b.close().await;
}

#[tokio::test]
async fn the_live_region_announces_each_finished_reply_once() {
    let reply = "We are open from nine to five, Monday to Friday, and on Saturday \
                 mornings from nine to noon, except on public holidays when the \
                 shop stays closed all day long.";
    let mock = ModelMock::start(reply).await;
    let (server, page) = setup("", "").await;
    mock.answer_for_demo(&server).await;
    let b = Browser::start().await;
    b.goto(&page.url()).await;
    open_panel(&b).await;

    // Record every text the live region takes, and how often the list
    // changes while the reply streams.
    let setup = b
        .js(&format!(
            "const s = {SHADOW}; const live = s.querySelector('[aria-live]'); \
             window.__said = []; window.__listChanges = 0; \
             new MutationObserver(() => window.__said.push(live.textContent)) \
               .observe(live, {{ childList: true, characterData: true, subtree: true }}); \
             new MutationObserver(() => window.__listChanges++) \
               .observe(s.querySelector('.messages'), {{ childList: true, characterData: true, subtree: true }}); \
             return [live.getAttribute('aria-live'), s.querySelector('.messages').hasAttribute('aria-live'), live.textContent];"
        ))
        .await;
    assert_eq!(
        setup,
        json!(["polite", false, ""]),
        "a polite region apart from the list"
    );

    for round in 1..=2 {
        let shown = chat(&b, &format!("When are you open? ({round})"), "nine to five").await;
        // Anything late would show within a second.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let said = b.js("return window.__said").await;
        let said: Vec<String> = serde_json::from_value(said).unwrap();
        let said: Vec<&String> = said.iter().filter(|s| !s.is_empty()).collect();
        assert_eq!(said.len(), round, "one announcement per reply: {said:?}");
        assert_eq!(said[round - 1].trim(), shown.trim(), "the reply as shown");
    }
    let changes = b.js("return window.__listChanges").await;
    assert!(
        changes.as_u64().unwrap_or(0) > 4,
        "the replies streamed in pieces ({changes} list changes)"
    );
    b.close().await;
}

/// The policy of the strict host page: only what the page itself and the
/// widget need (see README, "Accessibility, strict CSP and mobile").
fn strict_policy(api: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self' {api} 'wasm-unsafe-eval'; connect-src {api}; \
         require-trusted-types-for 'script'; trusted-types 'none'"
    )
}

/// Records every CSP violation on the page (a same-origin script: the
/// policy allows no inline one).
const WATCH: &str = "window.__violations = [];\n\
    document.addEventListener('securitypolicyviolation', function (e) {\n\
      window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber);\n\
    }, true);\n";

#[tokio::test]
async fn a_strict_csp_page_with_trusted_types_loads_opens_and_chats() {
    let page_port = free_port();
    let origin = format!("http://127.0.0.1:{page_port}");
    let server = Server::start(&["--demo-origin", &origin]).await;
    let html = host_page(&server.url(), "demo", "<script src=\"/watch.js\"></script>");
    let page = StaticSite::serve_files(
        page_port,
        vec![
            StaticFile {
                path: "/",
                content_type: "text/html; charset=utf-8",
                body: html,
            },
            StaticFile {
                path: "/watch.js",
                content_type: "text/javascript",
                body: WATCH.to_owned(),
            },
        ],
        vec![(
            "content-security-policy".to_owned(),
            strict_policy(&server.url()),
        )],
    )
    .await;
    let b = Browser::start().await;
    b.goto(&page.url()).await;
    // The policy is in force: an inline style attribute is refused.
    let enforced = b
        .js(
            "const d = document.createElement('div'); d.setAttribute('style', 'color: red'); \
             document.body.append(d); return getComputedStyle(d).color;",
        )
        .await;
    assert_ne!(enforced, json!("rgb(255, 0, 0)"), "the policy applies");
    open_panel(&b).await;
    chat(&b, "How do I add the widget to my website?", "embed.js").await;
    // Escape closes: the whole visit is under the policy.
    press(&b, Key::Escape).await;
    wait_for("the panel to close", || async { !panel_open(&b).await }).await;

    let violations = b.js("return window.__violations").await;
    let violations: Vec<String> = serde_json::from_value(violations).unwrap();
    // The probe's own style attribute is the one expected violation.
    let others: Vec<&String> = violations
        .iter()
        .filter(|v| !v.starts_with("style-src-attr"))
        .collect();
    assert!(others.is_empty(), "CSP violations: {others:?}");
    assert_eq!(violations.len(), 1, "{violations:?}");
    let console: Vec<_> = b
        .console()
        .await
        .into_iter()
        .filter(|(_, m)| m.contains("Content Security Policy") || m.contains("TrustedType"))
        .filter(|(_, m)| !m.contains("style-src-attr") && !m.contains("inline style"))
        .collect();
    assert!(console.is_empty(), "console: {console:?}");
    b.close().await;
}

/// Computed style values of an element of the widget.
async fn computed(b: &Browser, css: &str, props: &[&str]) -> Vec<String> {
    let props = serde_json::to_string(props).unwrap();
    let v = b
        .js(&format!(
            "const s = getComputedStyle({SHADOW}.querySelector({css:?})); \
             return {props}.map(p => s.getPropertyValue(p));"
        ))
        .await;
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn reduced_motion_and_forced_colours_change_the_styles() {
    let (_server, page) = setup("", "").await;
    let b = Browser::start().await;
    b.goto(&page.url()).await;
    open_panel(&b).await;

    let motion = ["animation-name", "transition-duration"];
    assert_eq!(computed(&b, ".panel", &motion).await[0], "causette-in");
    assert_eq!(computed(&b, ".launcher", &motion).await[1], "0.15s");
    b.emulate_media(&[("prefers-reduced-motion", "reduce")])
        .await;
    assert_eq!(computed(&b, ".panel", &motion).await[0], "none");
    assert_eq!(computed(&b, ".launcher", &motion).await[1], "0s");

    let border = ["border-top-style", "border-top-width"];
    assert_eq!(computed(&b, ".panel", &border).await[0], "none");
    assert_eq!(computed(&b, ".send", &border).await[0], "none");
    b.emulate_media(&[("forced-colors", "active")]).await;
    for part in [".panel", ".send", ".launcher", ".message"] {
        assert_eq!(
            computed(&b, part, &border).await,
            ["solid", "1px"],
            "{part} has a visible border in forced colours"
        );
    }
    b.emulate_media(&[]).await;
    assert_eq!(computed(&b, ".panel", &border).await[0], "none");
    b.close().await;
}

/// Emulates a screen of `width`×`height` CSS pixels (a phone: `mobile`).
async fn screen(b: &Browser, width: u32, height: u32, mobile: bool) {
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
    )
    .await;
}

/// A rectangle of a widget element and of the visual viewport, as
/// `[[left, top, right, bottom], [left, top, right, bottom]]`.
async fn rect_and_viewport(b: &Browser, css: &str) -> (Vec<f64>, Vec<f64>) {
    let v = b
        .js(&format!(
            "const r = {SHADOW}.querySelector({css:?}).getBoundingClientRect(); const v = visualViewport; \
             return [[r.left, r.top, r.right, r.bottom], \
                     [v.offsetLeft, v.offsetTop, v.offsetLeft + v.width, v.offsetTop + v.height]];"
        ))
        .await;
    serde_json::from_value(v).unwrap()
}

fn within(inner: &[f64], outer: &[f64]) -> bool {
    const SLACK: f64 = 1.0;
    inner[0] >= outer[0] - SLACK
        && inner[1] >= outer[1] - SLACK
        && inner[2] <= outer[2] + SLACK
        && inner[3] <= outer[3] + SLACK
}

#[tokio::test]
async fn desktop_screenshots_closed_and_open() {
    let (_server, page) = setup("", "").await;
    let b = Browser::start().await;
    screen(&b, 1280, 800, false).await;
    b.goto(&page.url()).await;
    wait_mounted(&b).await;
    b.screenshot("desktop-1280x800-closed").await;
    open_panel(&b).await;
    let (panel, viewport) = rect_and_viewport(&b, ".panel").await;
    assert!(within(&panel, &viewport), "{panel:?} in {viewport:?}");
    assert!(panel[2] - panel[0] < 400.0, "a floating panel: {panel:?}");
    b.screenshot("desktop-1280x800-open").await;
    b.close().await;
}

#[tokio::test]
async fn on_a_phone_the_panel_covers_the_screen_above_the_keyboard_and_the_page_keeps_its_place() {
    let (_server, page) = setup(
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<div id=\"tall\"></div>",
    )
    .await;
    let b = Browser::start().await;
    screen(&b, 375, 667, true).await;
    b.goto(&page.url()).await;
    wait_mounted(&b).await;
    // A long page, scrolled down, whose root already has an inline
    // overflow of its own.
    let before = b
        .js(
            "document.getElementById('tall').style.setProperty('height', '4000px'); \
             document.documentElement.style.setProperty('overflow-y', 'scroll'); \
             window.scrollTo(0, 700); return [scrollX, scrollY];",
        )
        .await;
    assert_eq!(before, json!([0, 700]));
    b.screenshot("mobile-375x667-closed").await;

    open_panel(&b).await;
    let (panel, viewport) = rect_and_viewport(&b, ".panel").await;
    assert_eq!(viewport, [0.0, 0.0, 375.0, 667.0]);
    assert!(
        within(&panel, &viewport) && within(&viewport, &panel),
        "the panel covers the screen: {panel:?}"
    );
    let locked = b
        .js("return getComputedStyle(document.documentElement).overflowY")
        .await;
    assert_eq!(locked, json!("hidden"), "the page cannot scroll");
    b.screenshot("mobile-375x667-open").await;

    // The on-screen keyboard takes the lower half: the visual viewport
    // shrinks (here by zooming in, which shrinks its height the same way),
    // and the composer stays inside it.
    b.cdp(
        "Emulation.setPageScaleFactor",
        json!({"pageScaleFactor": 2}),
    )
    .await;
    wait_for("the visual viewport to shrink", || async {
        b.js("return visualViewport.height").await.as_f64() < Some(400.0)
    })
    .await;
    let start = std::time::Instant::now();
    loop {
        let (composer, viewport) = rect_and_viewport(&b, ".composer").await;
        // Zooming narrows the visual viewport too, a keyboard does not:
        // what matters is top and bottom.
        if composer[1] >= viewport[1] - 1.0 && composer[3] <= viewport[3] + 1.0 {
            break;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "the composer {composer:?} is outside the visual viewport {viewport:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.screenshot("mobile-375x667-keyboard").await;
    b.cdp(
        "Emulation.setPageScaleFactor",
        json!({"pageScaleFactor": 1}),
    )
    .await;

    // Something scrolls the page while the panel is open; closing puts
    // everything back as it was.
    b.js("window.scrollTo(0, 1500); return true").await;
    b.click(".close").await;
    wait_for("the panel to close", || async { !panel_open(&b).await }).await;
    let after = b
        .js("return [scrollX, scrollY, document.documentElement.style.getPropertyValue('overflow-y'), \
             document.documentElement.style.getPropertyValue('overflow-x'), document.body.style.length]")
        .await;
    assert_eq!(after, json!([0, 700, "scroll", "", 0]));
    b.close().await;
}
