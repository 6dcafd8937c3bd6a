//! End to end: replies are markdown, rendered safely. Hostile documents are
//! indexed into the demo site's knowledge base with `causette kb add`, a
//! visitor asks about them in the real widget in headless Chromium, and
//! the rendered replies are inspected in the page.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Browser, Server};

/// Raw HTML, inline and as blocks, with scripts and event handlers.
const QUOKKA: &str = r#"# Quokka notes

Quokka facts: <script>window.__pwned = 1</script> and <img src="x" onerror="window.__pwned = 2"> and <b onmouseover="window.__pwned = 3">bold</b> and <a href="javascript:window.__pwned = 4" onclick="window.__pwned = 5">a link</a> <!-- <script>window.__pwned = 6</script> -->

<div onclick="window.__pwned = 7"><svg onload="window.__pwned = 8"></svg><iframe src="javascript:window.__pwned = 9"></iframe></div>

<![CDATA[<script>window.__pwned = 10</script>]]>
"#;

/// Links in every spelling a browser might follow to script.
const WOMBAT: &str = r#"# Wombat links

Wombat links: [one](javascript:window.__pwned=11) [two](JaVaScRiPt:window.__pwned=12) [three](java&#x09;script:window.__pwned=13) [four](&#106;avascript:window.__pwned=14) [five](data:text/html,<script>window.__pwned=15</script>) [six](vbscript:msgbox(16)) [seven](//evil.example/) <javascript:window.__pwned=17> ![pic](javascript:window.__pwned=18) ![wombat photo](https://example.com/wombat.png) [ref][r] [safe wombat](https://example.com/wombat "t") <mailto:wombat@example.com>

[r]: javascript:window.__pwned=19
"#;

/// Ordinary markdown.
const PLATYPUS: &str = r#"# Platypus guide

Platypus care, in short:

- feed the *platypus* at dawn
- keep **platypus** water clean

```sh
platypus --feed
```

Read the [platypus handbook](https://example.com/platypus).
"#;

/// Bidi spoofing, deep nesting, a very long word and a long code line, all
/// in one passage of the index (under 700 characters), so one answer
/// quotes them all.
fn echidna() -> String {
    format!(
        "# Echidna tricks\n\nEchidna spines: \u{202E}txt.exe\u{202C} and \u{2066}hidden\u{2069} order.\n\n\
         {}echidna deep\n\n\
         Echidna {}\n\n\
         ```\necho {}\n```\n",
        "> ".repeat(40),
        "z".repeat(250),
        "y".repeat(120),
    )
}

/// Everything about the finished reply that contains `key`, read in one
/// script call inside the widget's shadow root.
const INSPECT: &str = r#"
const key = arguments[0];
const root = document.querySelector('causette-widget').shadowRoot;
const li = [...root.querySelectorAll('.message.assistant:not(.greeting):not(.streaming)')]
  .find(m => m.textContent.includes(key));
if (!li) return null;
const md = li.querySelector('.md');
if (!md) return { rendered: false };
const els = [...md.querySelectorAll('*')];
const pre = md.querySelector('pre');
const list = root.querySelector('.messages');
return {
  rendered: true,
  tags: els.map(e => e.tagName),
  attrs: els.flatMap(e => e.getAttributeNames().map(n => e.tagName + ' ' + n)),
  links: [...md.querySelectorAll('a')].map(a => [a.getAttribute('href'), a.getAttribute('rel'), a.getAttribute('target'), a.textContent]),
  text: md.textContent,
  html: md.innerHTML,
  pwned: window.__pwned === undefined ? null : String(window.__pwned),
  wraps: li.getBoundingClientRect().right <= list.getBoundingClientRect().right + 1,
  preScrolls: pre ? pre.scrollWidth > pre.clientWidth : null,
  preWithin: pre ? pre.getBoundingClientRect().right <= li.getBoundingClientRect().right + 1 : null,
};
"#;

const ALLOWED: &[&str] = &[
    "P",
    "BR",
    "HR",
    "EM",
    "STRONG",
    "DEL",
    "CODE",
    "UL",
    "OL",
    "LI",
    "BLOCKQUOTE",
    "PRE",
    "A",
];

/// Asks `question` and returns the inspection of the rendered reply that
/// contains `key`, after checking what every reply must satisfy.
async fn ask(browser: &Browser, question: &str, key: &str) -> Value {
    browser.ask(question).await;
    let start = std::time::Instant::now();
    loop {
        let v = browser
            .client
            .execute(INSPECT, vec![Value::from(key)])
            .await
            .expect("script runs");
        if v["rendered"] == true {
            break;
        }
        assert!(
            start.elapsed() < support::PATIENCE,
            "no rendered reply containing {key:?}: {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Give handlers that would fire late (onerror, onload) their chance.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = browser
        .client
        .execute(INSPECT, vec![Value::from(key)])
        .await
        .expect("script runs");
    assert_only_allowed(&seen);
    seen
}

fn assert_only_allowed(seen: &Value) {
    assert_eq!(seen["pwned"], Value::Null, "a script ran: {seen}");
    for tag in seen["tags"].as_array().unwrap() {
        assert!(
            ALLOWED.contains(&tag.as_str().unwrap()),
            "{tag} is not allowed: {}",
            seen["html"]
        );
    }
    for attr in seen["attrs"].as_array().unwrap() {
        let attr = attr.as_str().unwrap();
        assert!(
            ["A href", "A rel", "A target", "OL start", "CODE class"].contains(&attr),
            "attribute {attr}: {}",
            seen["html"]
        );
    }
    for link in seen["links"].as_array().unwrap() {
        let href = link[0].as_str().unwrap_or_default().to_ascii_lowercase();
        assert!(
            ["http:", "https:", "mailto:"]
                .iter()
                .any(|s| href.starts_with(s)),
            "unsafe link {link}"
        );
        assert_eq!(link[1], "noopener noreferrer nofollow", "{link}");
        assert_eq!(link[2], "_blank", "{link}");
    }
    assert!(
        seen["wraps"] == true,
        "the reply stays within the list: {seen}"
    );
}

fn links(seen: &Value) -> Vec<(String, String)> {
    seen["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l[0].as_str().unwrap_or_default().to_owned(),
                l[3].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn count(seen: &Value, tag: &str) -> usize {
    seen["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| *t == tag)
        .count()
}

#[tokio::test]
async fn hostile_replies_render_as_inert_text_and_ordinary_markdown_as_elements() {
    let server = Server::start(&["--stream-delay-ms", "2"]).await;
    let docs = tempfile::tempdir().expect("temp dir");
    for (name, text) in [
        ("quokka.md", QUOKKA.to_owned()),
        ("wombat.md", WOMBAT.to_owned()),
        ("platypus.md", PLATYPUS.to_owned()),
        ("echidna.md", echidna()),
    ] {
        std::fs::write(docs.path().join(name), text).expect("write a document");
    }
    server
        .admin(&["kb", "add", "--site", "demo", docs.path().to_str().unwrap()])
        .await;
    // The hostile markdown survives ingestion: the answer quotes it as written.
    let answer = server
        .admin(&["kb", "ask", "--site", "demo", "quokka facts"])
        .await;
    assert!(
        answer.contains("<script>window.__pwned = 1</script>"),
        "{answer}"
    );
    let answer = server
        .admin(&["kb", "ask", "--site", "demo", "wombat links"])
        .await;
    assert!(answer.contains("[r]: javascript:"), "{answer}");
    // Running servers pick up the new documents within a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let browser = Browser::start().await;
    browser.goto(&server.url()).await;
    browser.click(".launcher").await;

    // Raw HTML is shown as the text it is.
    let seen = ask(&browser, "Quokka facts?", "Quokka facts").await;
    let text = seen["text"].as_str().unwrap();
    for literal in [
        "<script>window.__pwned = 1</script>",
        "<img src=\"x\" onerror=\"window.__pwned = 2\">",
        "<div onclick=\"window.__pwned = 7\">",
        "<![CDATA[",
    ] {
        assert!(text.contains(literal), "{literal} missing from {text}");
    }
    assert!(
        links(&seen).iter().all(|(h, _)| !h.contains("pwned")),
        "{seen}"
    );

    // Only http(s) and mailto links survive; the others keep their text.
    let seen = ask(&browser, "Wombat links?", "Wombat links").await;
    let found = links(&seen);
    assert!(
        found.contains(&("https://example.com/wombat".into(), "safe wombat".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "https://example.com/wombat.png".into(),
            "wombat photo".into()
        )),
        "an image is a link to it: {found:?}"
    );
    assert!(
        found.contains(&(
            "mailto:wombat@example.com".into(),
            "mailto:wombat@example.com".into()
        )),
        "{found:?}"
    );
    let text = seen["text"].as_str().unwrap();
    for label in [
        "one", "two", "three", "four", "five", "six", "seven", "ref", "pic",
    ] {
        assert!(text.contains(label), "{label} keeps its text: {text}");
    }

    // Ordinary markdown becomes the elements it means.
    let seen = ask(&browser, "Platypus care?", "Platypus care").await;
    assert_eq!(count(&seen, "UL"), 1, "{}", seen["html"]);
    assert_eq!(count(&seen, "LI"), 2, "{}", seen["html"]);
    assert!(count(&seen, "EM") >= 2, "{}", seen["html"]);
    assert_eq!(count(&seen, "STRONG"), 1, "{}", seen["html"]);
    assert_eq!(count(&seen, "PRE"), 1, "{}", seen["html"]);
    let html = seen["html"].as_str().unwrap();
    assert!(
        html.contains("<pre><code class=\"language-sh\">platypus --feed\n</code></pre>"),
        "{html}"
    );
    assert!(
        links(&seen).contains(&(
            "https://example.com/platypus".into(),
            "platypus handbook".into()
        )),
        "{html}"
    );

    // Bidi controls are gone, nesting is capped, long lines wrap and long
    // code lines scroll inside their block.
    let seen = ask(&browser, "Echidna tricks?", "Echidna spines").await;
    let text = seen["text"].as_str().unwrap();
    assert!(text.contains("txt.exe"), "{text}");
    for c in ['\u{202E}', '\u{202C}', '\u{2066}', '\u{2069}'] {
        assert!(!text.contains(c), "{c:?} in {text}");
    }
    assert!(text.contains("echidna deep"), "{text}");
    assert!(count(&seen, "BLOCKQUOTE") <= 16, "{}", seen["html"]);
    assert_eq!(seen["preScrolls"], true, "{seen}");
    assert_eq!(seen["preWithin"], true, "{seen}");

    // After a reload the restored transcript renders the same way.
    browser.goto(&server.url()).await;
    browser.click(".launcher").await;
    let start = std::time::Instant::now();
    loop {
        let v = browser
            .client
            .execute(INSPECT, vec![Value::from("Platypus care")])
            .await
            .expect("script runs");
        if v["rendered"] == true && count(&v, "UL") == 1 {
            assert_only_allowed(&v);
            break;
        }
        assert!(
            start.elapsed() < support::PATIENCE,
            "the restored reply is not rendered: {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.close().await;
}
