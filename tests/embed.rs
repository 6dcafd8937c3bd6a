//! End to end: embedding options, the `window.Causette` API and its events,
//! visitor identity, and several widgets on one page — the real server, a
//! host page on its own origin, a real headless Chromium.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::{json, Value};
use support::{free_port, wait_for, Browser, Server, StaticSite};

/// A server whose demo site allows a host page on `page_port`.
async fn server_for(page_port: u16) -> Server {
    Server::start(&["--demo-origin", &format!("http://127.0.0.1:{page_port}")]).await
}

/// [`server_for`], its demo site given the server-side `theme` (JSON).
async fn server_with_theme(page_port: u16, theme: &str) -> Server {
    let mut server = server_for(page_port).await;
    server
        .admin(&["site", "update", "demo", "--theme", theme])
        .await;
    server.restart().await;
    server
}

/// A host page with `body` (script tags and all).
fn page(body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>host</title></head>\
         <body><p>Host page</p>{body}</body></html>"
    )
}

/// Runs `expr` against the first widget's shadow root (`r`) once the widget
/// has mounted (its `div.causette` carries `data-mode`); returns the value.
async fn read(browser: &Browser, expr: &str) -> Value {
    read_in(browser, "causette-widget", expr).await
}

/// [`read`] for the widget whose host matches `host`.
async fn read_in(browser: &Browser, host: &str, expr: &str) -> Value {
    let script = format!(
        "const h = document.querySelector({host:?}); const r = h && h.shadowRoot; \
         if (!r || !r.querySelector('.causette[data-mode]')) return null; \
         const css = (sel, p) => {{ const e = r.querySelector(sel); return e && getComputedStyle(e)[p]; }}; \
         const text = sel => {{ const e = r.querySelector(sel); return e && e.textContent; }}; \
         return ({expr});"
    );
    let start = std::time::Instant::now();
    loop {
        let v = browser.js(&script).await;
        if !v.is_null() {
            return v;
        }
        assert!(
            start.elapsed() < support::PATIENCE,
            "the widget never mounted in {host}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Waits until `expr` (as in [`read`]) is `want`.
async fn wait_value(browser: &Browser, expr: &str, want: Value) {
    let start = std::time::Instant::now();
    loop {
        let got = read(browser, expr).await;
        if got == want {
            return;
        }
        assert!(
            start.elapsed() < support::PATIENCE,
            "`{expr}` is {got}, not {want}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn every_option_of_the_script_tag_takes_effect() {
    let port = free_port();
    let server = server_for(port).await;
    let tag = format!(
        r##"<script async src="{}/embed.js" data-site="demo" data-color="#fde047"
            data-position="left" data-offset-x="30" data-offset-y="40" data-radius="4"
            data-z-index="1234" data-title="Shop help" data-subtitle="Usually instant"
            data-greeting="Hi! Ask about orders." data-placeholder="Your question"
            data-launcher-label="Questions?" data-launcher-icon="help"
            data-avatar="https://cdn.example/avatar.png" data-scheme="dark" data-open="true"></script>"##,
        server.url()
    );
    let site = StaticSite::serve_on(port, page(&tag)).await;
    let browser = Browser::start().await;
    browser.goto(&site.url()).await;

    let v = read(
        &browser,
        "{ root: [...r.querySelector('.causette').attributes].map(a => a.name + '=' + a.value).sort().join(' '), \
           header: css('.header', 'backgroundColor'), onHeader: css('.header', 'color'), \
           left: css('.launcher', 'left'), bottom: css('.launcher', 'bottom'), \
           z: css('.launcher', 'zIndex'), radius: css('.panel', 'borderTopLeftRadius'), \
           panelLeft: css('.panel', 'left'), panelBg: css('.panel', 'backgroundColor'), \
           title: text('.title'), subtitle: text('.subtitle'), greeting: text('.greeting'), \
           placeholder: r.querySelector('.composer .input').placeholder, \
           label: text('.launcher-label'), icon: !!r.querySelector('.launcher svg'), \
           avatar: r.querySelector('.avatar') && r.querySelector('.avatar').getAttribute('src'), \
           open: !r.querySelector('.panel').hidden }",
    )
    .await;
    assert_eq!(
        v["root"],
        "class=causette data-mode=floating data-position=left data-scheme=dark"
    );
    assert_eq!(v["header"], "rgb(253, 224, 71)", "{v}");
    assert_eq!(v["onHeader"], "rgb(0, 0, 0)", "black on light yellow: {v}");
    assert_eq!((&v["left"], &v["bottom"]), (&json!("30px"), &json!("40px")));
    assert_eq!(v["panelLeft"], "30px");
    assert_eq!(v["z"], "1234");
    assert_eq!(v["radius"], "4px");
    assert_eq!(v["panelBg"], "rgb(17, 24, 39)", "dark scheme: {v}");
    assert_eq!(v["title"], "Shop help");
    assert_eq!(v["subtitle"], "Usually instant");
    assert_eq!(v["greeting"], "Hi! Ask about orders.");
    assert_eq!(v["placeholder"], "Your question");
    assert_eq!(v["label"], "Questions?");
    assert_eq!(v["icon"], true);
    assert_eq!(v["avatar"], "https://cdn.example/avatar.png");
    assert_eq!(v["open"], true, "data-open");
    browser.close().await;
}

#[tokio::test]
async fn french_strings_and_invalid_values_warn_once() {
    let port = free_port();
    let server = server_for(port).await;
    let tag = format!(
        r#"<script async src="{}/embed.js" data-site="demo" data-locale="fr"
            data-color="blue" data-position="middle" data-offset-x="ten"></script>"#,
        server.url()
    );
    let site = StaticSite::serve_on(port, page(&tag)).await;
    let browser = Browser::start().await;
    browser.goto(&site.url()).await;
    let v = read(
        &browser,
        "{ title: text('.title'), pos: r.querySelector('.causette').dataset.position, \
           right: css('.launcher', 'right'), header: css('.header', 'backgroundColor') }",
    )
    .await;
    assert_eq!(v["title"], "Discutons");
    assert_eq!(v["pos"], "right", "an unknown position is ignored");
    assert_eq!(v["right"], "20px");
    assert_eq!(v["header"], "rgb(79, 70, 229)", "default colour");
    let warnings: Vec<String> = browser
        .console()
        .await
        .into_iter()
        .filter(|(_, m)| m.contains("invalid value of option"))
        .map(|(_, m)| m)
        .collect();
    for option in ["`color`", "`position`", "`offsetX`"] {
        assert_eq!(
            warnings.iter().filter(|m| m.contains(option)).count(),
            1,
            "{option}: {warnings:?}"
        );
    }
    browser.close().await;
}

#[tokio::test]
async fn data_attributes_win_over_the_server_theme_which_wins_over_init() {
    let port = free_port();
    let server = server_with_theme(
        port,
        r##"{"color":"#00aa77","title":"Server title","subtitle":"Server subtitle"}"##,
    )
    .await;
    let body = format!(
        r#"<script src="{}/embed.js" data-site="demo" data-title="Tag title"></script>
           <script>Causette.init({{ subtitle: "Init subtitle", greeting: "Init greeting" }});</script>"#,
        server.url()
    );
    let site = StaticSite::serve_on(port, page(&body)).await;
    let browser = Browser::start().await;
    browser.goto(&site.url()).await;
    wait_value(&browser, "text('.subtitle')", json!("Server subtitle")).await;
    let v = read(
        &browser,
        "{ title: text('.title'), greeting: text('.greeting'), header: css('.header', 'backgroundColor'), \
           on: css('.header', 'color') }",
    )
    .await;
    assert_eq!(v["title"], "Tag title");
    assert_eq!(v["greeting"], "Init greeting");
    assert_eq!(v["header"], "rgb(0, 170, 119)");
    assert_eq!(v["on"], "rgb(0, 0, 0)");

    // `init` once the widget is up applies at once, with the same
    // precedence: its new greeting and radius show, its title and colour
    // stay under the tag's and the server's.
    browser
        .js(r##"Causette.init({ greeting: "Later greeting", title: "Init title", color: "#ff0000", radius: 3 })"##)
        .await;
    wait_value(&browser, "text('.greeting')", json!("Later greeting")).await;
    let v = read(
        &browser,
        "{ title: text('.title'), subtitle: text('.subtitle'), header: css('.header', 'backgroundColor'), \
           radius: css('.panel', 'borderTopLeftRadius') }",
    )
    .await;
    assert_eq!(v["title"], "Tag title");
    assert_eq!(v["subtitle"], "Server subtitle");
    assert_eq!(v["header"], "rgb(0, 170, 119)");
    assert_eq!(v["radius"], "3px");
    browser.close().await;
}

#[tokio::test]
async fn custom_css_and_white_label_need_the_business_plan() {
    let port = free_port();
    let mut server = server_with_theme(
        port,
        r#"{"customCss":".title{color:rgb(1, 2, 3)}","hideBranding":true}"#,
    )
    .await;
    let body = format!(
        r#"<script src="{}/embed.js" data-site="demo" data-open="true"></script><script>{RECORD}</script>"#,
        server.url()
    );
    let site = StaticSite::serve_on(port, page(&body)).await;
    let browser = Browser::start().await;
    browser.goto(&site.url()).await;
    // The server's theme is in once the session is up.
    online(&browser).await;
    let v = read(
        &browser,
        "{ powered: css('.powered', 'display') !== 'none', title: css('.title', 'color') }",
    )
    .await;
    assert_eq!(v["powered"], true, "free plan keeps the branding: {v}");
    assert_ne!(v["title"], "rgb(1, 2, 3)", "free plan: no custom CSS");

    server
        .admin(&["site", "update", "demo", "--plan", "business"])
        .await;
    server.restart().await;
    browser.goto(&site.url()).await;
    wait_value(&browser, "css('.powered', 'display')", json!("none")).await;
    wait_value(&browser, "css('.title', 'color')", json!("rgb(1, 2, 3)")).await;
    browser.close().await;
}

/// Records every event of `window.Causette` into `window.seen`.
const RECORD: &str = "window.seen = []; \
    ['ready', 'open', 'close', 'message', 'state'].forEach(e => \
      Causette.on(e, d => seen.push([e, d === undefined ? null : d])));";

/// Waits for the `state` event saying the widget is online.
async fn online(browser: &Browser) {
    wait_for("the widget to be online", || async {
        browser
            .js("return (window.seen || []).some(e => e[0] === 'state' && e[1].state === 'online')")
            .await
            == json!(true)
    })
    .await;
}

#[tokio::test]
async fn the_api_works_before_and_after_the_bundle_loads_and_events_fire() {
    let port = free_port();
    let server = server_for(port).await;
    let body = format!(
        r#"<script src="{}/embed.js" data-site="demo"></script>
           <script>{RECORD} Causette.open(); Causette.send("How do I add the widget?");</script>"#,
        server.url()
    );
    let site = StaticSite::serve_on(port, page(&body)).await;
    let browser = Browser::start().await;
    browser.goto(&site.url()).await;

    // Queued before load: the panel opened and the message went out.
    wait_value(&browser, "!r.querySelector('.panel').hidden", json!(true)).await;
    browser
        .wait_text(".message.visitor", "the queued message", |t| {
            t.contains("add the widget")
        })
        .await;
    wait_for("a visitor and an assistant message event", || async {
        let seen = browser.js("return window.seen").await;
        let roles: Vec<&str> = seen
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e[0] == "message")
            .filter_map(|e| e[1]["role"].as_str())
            .collect();
        roles.contains(&"visitor") && roles.contains(&"assistant")
    })
    .await;
    let seen = browser.js("return window.seen").await;
    let all = seen.as_array().unwrap();
    let first = |name: &str| all.iter().find(|e| e[0] == name).map(|e| e[1].clone());
    assert_eq!(first("ready"), Some(json!({"site": "demo"})), "{seen}");
    assert!(first("open").is_some(), "{seen}");
    let visitor = all
        .iter()
        .find(|e| e[0] == "message" && e[1]["role"] == "visitor")
        .unwrap();
    assert_eq!(visitor[1]["text"], "How do I add the widget?");
    assert!(visitor[1]["id"].as_str().is_some_and(|i| !i.is_empty()));
    let assistant = all
        .iter()
        .find(|e| e[0] == "message" && e[1]["role"] == "assistant")
        .unwrap();
    assert!(
        assistant[1]["text"].as_str().is_some_and(|t| !t.is_empty()),
        "{assistant}"
    );
    assert!(
        all.iter()
            .any(|e| e[0] == "state" && e[1] == json!({"state": "online", "code": null})),
        "{seen}"
    );

    // After load: calls act at once, on every widget or on one handle.
    browser.js("Causette.close()").await;
    wait_value(&browser, "r.querySelector('.panel').hidden", json!(true)).await;
    assert!(browser
        .js("return window.seen.some(e => e[0] === 'close')")
        .await
        .as_bool()
        .unwrap());
    browser.js("Causette.get('demo').toggle()").await;
    wait_value(&browser, "r.querySelector('.panel').hidden", json!(false)).await;
    assert_eq!(
        browser
            .js("return Causette.get('nope') === undefined")
            .await,
        json!(true)
    );
    browser.js("Causette.destroy()").await;
    wait_for("the widget to go", || async {
        browser
            .js("return document.querySelector('causette-widget') === null")
            .await
            == json!(true)
    })
    .await;
    browser.close().await;
}

#[tokio::test]
async fn a_forged_identity_is_refused_and_a_signed_one_kept() {
    let port = free_port();
    let server = server_for(port).await;
    let secret = server
        .admin(&["site", "secret", "demo"])
        .await
        .trim()
        .to_owned();
    let tag = format!(
        r#"<script async src="{}/embed.js" data-site="demo" data-user-id="u-7"
            data-user-name="Zoë &quot;Z&quot; &lt;b&gt; 🦊" data-user-hash="{}"></script>"#,
        server.url(),
        "ab".repeat(32)
    );
    let site = StaticSite::serve_on(port, page(&tag)).await;
    let browser = Browser::start().await;
    browser.goto(&site.url()).await;
    wait_for("the forged identity to be refused", || async {
        server.log_count("identity refused") == 1
    })
    .await;
    let warned = browser
        .console()
        .await
        .into_iter()
        .filter(|(_, m)| m.contains("identify refused"))
        .count();
    assert_eq!(warned, 1);
    assert_eq!(server.log_count("visitor identified"), 0);

    // The site's backend signs the id: HMAC-SHA256, key = the secret's text.
    let hash = browser
        .client
        .execute_async(
            "const [secret, id, done] = arguments; const enc = new TextEncoder(); \
             crypto.subtle.importKey('raw', enc.encode(secret), {name: 'HMAC', hash: 'SHA-256'}, false, ['sign']) \
               .then(k => crypto.subtle.sign('HMAC', k, enc.encode(id))) \
               .then(s => done([...new Uint8Array(s)].map(b => b.toString(16).padStart(2, '0')).join('')));",
            vec![json!(secret), json!("u-7")],
        )
        .await
        .expect("HMAC in the page");
    browser
        .client
        .execute(
            "Causette.identify({id: 'u-7', name: 'Zoë \"Z\" <b> 🦊', hash: arguments[0]})",
            vec![hash],
        )
        .await
        .expect("identify");
    wait_for("the signed identity to be kept", || async {
        server.log_count("visitor identified") == 1
    })
    .await;
    browser.close().await;
}

#[tokio::test]
async fn two_widgets_on_one_page_chat_independently_and_one_can_be_inline() {
    let port = free_port();
    let mut server = server_for(port).await;
    let origin = format!("http://127.0.0.1:{port}");
    server
        .admin(&[
            "site", "add", "second", "--name", "Second", "--origin", &origin,
        ])
        .await;
    server.restart().await;
    let body = format!(
        r##"<div id="help" style="width:400px;height:500px"></div>
           <script async src="{api}/embed.js" data-site="demo" data-title="Floating"></script>
           <script async src="{api}/embed.js" data-site="second" data-target="#help"
             data-title="Inline"></script>"##,
        api = server.url()
    );
    let site = StaticSite::serve_on(port, page(&body)).await;
    let browser = Browser::start().await;
    browser.goto(&site.url()).await;

    let floating = "body > causette-widget";
    let inline = "#help > causette-widget";
    let v = read_in(
        &browser,
        inline,
        "{ mode: r.querySelector('.causette').dataset.mode, launcher: css('.launcher', 'display') !== 'none', \
           open: !r.querySelector('.panel').hidden, title: text('.title') }",
    )
    .await;
    assert_eq!(
        v,
        json!({"mode": "inline", "launcher": false, "open": true, "title": "Inline"})
    );
    let v = read_in(
        &browser,
        floating,
        "{ mode: r.querySelector('.causette').dataset.mode, title: text('.title') }",
    )
    .await;
    assert_eq!(v, json!({"mode": "floating", "title": "Floating"}));

    // One handle each; a message to one stays in its conversation.
    browser
        .js("Causette.get('second').send('Only for the second site')")
        .await;
    wait_for("the inline widget to show its message", || async {
        read_in(&browser, inline, "text('.message.visitor') || ''").await
            == json!("Only for the second site")
    })
    .await;
    browser
        .js("Causette.get('demo').send('Only for the demo site')")
        .await;
    wait_for("the floating widget to show its message", || async {
        read_in(&browser, floating, "text('.message.visitor') || ''").await
            == json!("Only for the demo site")
    })
    .await;
    for host in [inline, floating] {
        let n = read_in(
            &browser,
            host,
            "r.querySelectorAll('.message.visitor').length",
        )
        .await;
        assert_eq!(n, json!(1), "{host}");
    }

    // Both widgets came from one bundle, fetched once; the wasm was asked
    // for before the JS glue had even arrived (side by side, not in turn).
    let fetched = browser
        .js("const e = performance.getEntriesByType('resource'); \
             const of = end => e.filter(r => r.name.endsWith(end)); \
             const glue = of('/causette-widget.js'), wasm = of('/causette-widget_bg.wasm'); \
             return [glue.length, wasm.length, wasm[0].startTime <= glue[0].responseEnd];")
        .await;
    assert_eq!(fetched, json!([1, 1, true]), "glue, wasm, side by side");
    browser.close().await;
}
