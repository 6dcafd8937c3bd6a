//! Tests that need a real browser: mounting into a shadow root, adopted
//! styles, and the widget's first moves. Run by `cargo xtask test` with
//! `wasm-bindgen-test-runner` in headless Chromium.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn shadow_host() -> ShadowRoot {
    let host = document().create_element("causette-widget").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap()
}

fn config(api: &str) -> JsValue {
    let o = js_sys::Object::new();
    js_sys::Reflect::set(&o, &"site".into(), &"test-site".into()).unwrap();
    js_sys::Reflect::set(&o, &"api".into(), &api.into()).unwrap();
    let attrs = js_sys::Object::new();
    js_sys::Reflect::set(&attrs, &"locale".into(), &"fr".into()).unwrap();
    js_sys::Reflect::set(&o, &"attrs".into(), &attrs).unwrap();
    o.into()
}

/// The loader's event callback, ignored here.
fn no_events() -> js_sys::Function {
    js_sys::Function::new_no_args("")
}

async fn tick(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

fn find(root: &ShadowRoot, css: &str) -> Option<HtmlElement> {
    root.query_selector(css)
        .unwrap()
        .map(|e| e.unchecked_into())
}

/// An API origin where nothing listens: every fetch fails at once.
const NOWHERE: &str = "http://127.0.0.1:9";

#[wasm_bindgen_test]
fn styles_go_into_the_shadow_root_not_the_page() {
    let before = document().style_sheets().length();
    let root = shadow_host();
    crate::style::adopt(&root).unwrap();
    assert_eq!(
        js_sys::Array::from(&root.adopted_style_sheets()).length(),
        1
    );
    assert_eq!(document().style_sheets().length(), before);
}

#[wasm_bindgen_test]
async fn mount_replaces_the_placeholder_and_the_launcher_toggles_the_panel() {
    let root = shadow_host();
    let placeholder = document().create_element("button").unwrap();
    root.append_child(&placeholder).unwrap();

    crate::mount(root.clone(), config(NOWHERE), no_events()).unwrap();
    assert!(!placeholder.is_connected(), "the loader's button is gone");
    let launcher = find(&root, ".launcher").expect("launcher");
    let panel = find(&root, ".panel").expect("panel");
    assert!(panel.hidden());
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    // French, as configured.
    assert_eq!(
        launcher.get_attribute("aria-label").as_deref(),
        Some("Ouvrir la discussion")
    );

    launcher.click();
    tick(0).await;
    assert!(!panel.hidden());
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    find(&root, ".close").unwrap().click();
    tick(0).await;
    assert!(panel.hidden());
}

#[wasm_bindgen_test]
async fn an_unreachable_server_shows_reconnecting_not_a_dead_panel() {
    let root = shadow_host();
    crate::mount(root.clone(), config(NOWHERE), no_events()).unwrap();
    let mut shown = String::new();
    for _ in 0..50 {
        tick(100).await;
        if let Some(s) = find(&root, ".status.reconnecting") {
            shown = s.text_content().unwrap_or_default();
            break;
        }
    }
    assert!(shown.contains("nouvel essai"), "status shows {shown:?}");
}

#[wasm_bindgen_test]
async fn a_message_typed_while_disconnected_is_kept_and_marked() {
    let root = shadow_host();
    crate::mount(root.clone(), config(NOWHERE), no_events()).unwrap();
    let input: web_sys::HtmlTextAreaElement = root
        .query_selector(".input")
        .unwrap()
        .unwrap()
        .unchecked_into();
    input.set_value("Bonjour");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    find(&root, ".send").unwrap().click();
    tick(50).await;
    let visitor = find(&root, ".message.visitor").expect("the message stays on screen");
    assert!(visitor.text_content().unwrap().contains("Bonjour"));
    assert_eq!(input.value(), "", "the composer is cleared");
}

#[wasm_bindgen_test]
fn the_stream_parser_works_on_browser_bytes() {
    let mut p = crate::sse::SseParser::default();
    let bytes = "id: 9\nevent: reply.delta\ndata: {\"id\":\"r\",\"text\":\"é\"}\n\n".as_bytes();
    let (a, b) = bytes.split_at(40);
    let mut events = p.push_bytes(a);
    events.extend(p.push_bytes(b));
    let e = crate::chat::ChatEvent::decode(&events[0].event, &events[0].data).unwrap();
    assert_eq!(
        e,
        crate::chat::ChatEvent::ReplyDelta {
            id: "r".into(),
            text: "é".into()
        }
    );
}

/// Renders into an element in the page, where a script would run.
fn rendered(tree: &str) -> (bool, web_sys::Element) {
    let el = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    let ok = crate::markdown::render_into(&el, tree);
    (ok, el)
}

/// Every element under `el` is on the allowlist, carries only the
/// attributes the renderer sets, and every link is safe.
fn assert_only_allowed(el: &web_sys::Element, tree: &str) {
    const TAGS: [&str; 13] = [
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
    let all = el.query_selector_all("*").unwrap();
    for i in 0..all.length() {
        let e: web_sys::Element = all.item(i).unwrap().unchecked_into();
        let tag = e.tag_name();
        assert!(TAGS.contains(&tag.as_str()), "{tag} from {tree}");
        let names = e.get_attribute_names();
        for n in 0..names.length() {
            let name = names.get(n).as_string().unwrap();
            let allowed = match tag.as_str() {
                "A" => ["href", "rel", "target"].contains(&name.as_str()),
                "OL" => name == "start",
                "CODE" => name == "class",
                _ => false,
            };
            assert!(allowed, "attribute {name} on {tag} from {tree}");
        }
        if tag == "A" {
            let href = e.get_attribute("href").unwrap_or_default();
            assert!(crate::markdown::safe_href(&href), "{href:?} from {tree}");
            assert_eq!(
                e.get_attribute("rel").as_deref(),
                Some("noopener noreferrer nofollow")
            );
            assert_eq!(e.get_attribute("target").as_deref(), Some("_blank"));
        }
        if tag == "CODE" {
            let class = e.get_attribute("class").unwrap_or_default();
            assert!(
                class.is_empty() || (class.starts_with("language-") && !class.contains(' ')),
                "class {class:?} from {tree}"
            );
        }
    }
}

#[wasm_bindgen_test]
fn a_markdown_tree_builds_its_elements() {
    let tree = r#"[["p","Hi ",["em","you"],", see ",["a","https://x.example/d","docs"]],["ol",3,["li","a"]],["pre","rust","fn x() {}"],["ul",["li",["strong","b"]]],["blockquote",["p","q"]],["hr"],["p","a",["br"],"b ",["del","x"]," ",["code","c"]]]"#;
    let (ok, el) = rendered(tree);
    assert!(ok);
    assert_eq!(
        el.inner_html(),
        "<p>Hi <em>you</em>, see <a href=\"https://x.example/d\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">docs</a></p>\
         <ol start=\"3\"><li>a</li></ol>\
         <pre><code class=\"language-rust\">fn x() {}</code></pre>\
         <ul><li><strong>b</strong></li></ul>\
         <blockquote><p>q</p></blockquote><hr>\
         <p>a<br>b <del>x</del> <code>c</code></p>"
    );
    assert_only_allowed(&el, tree);
    // Rendering again replaces what was there.
    assert!(crate::markdown::render_into(&el, r#"["plain"]"#));
    assert_eq!(el.inner_html(), "plain");
}

#[wasm_bindgen_test]
async fn hostile_trees_build_nothing_outside_the_allowlist() {
    let window = web_sys::window().unwrap();
    js_sys::Reflect::delete_property(&window, &"__pwned".into()).unwrap();
    let hostile = [
        r#"[["script","window.__pwned=1"]]"#,
        r#"[["SCRIPT","window.__pwned=1"]]"#,
        r#"[["svg",["script","window.__pwned=1"]]]"#,
        r#"[["img",{"src":"x","onerror":"window.__pwned=1"}]]"#,
        r#"[["img","x",["p","alt"]]]"#,
        r#"[["iframe","javascript:window.__pwned=1"]]"#,
        r#"[["style","*{display:none}"]]"#,
        r#"[["a","javascript:window.__pwned=1","x"]]"#,
        r#"[["a","JavaScript:window.__pwned=1","x"]]"#,
        r#"[["a"," javascript:window.__pwned=1","x"]]"#,
        r#"[["a","java\tscript:window.__pwned=1","x"]]"#,
        r#"[["a","java\nscript:window.__pwned=1","x"]]"#,
        r#"[["a","\u0001javascript:window.__pwned=1","x"]]"#,
        r#"[["a","data:text/html,<script>window.__pwned=1</script>","x"]]"#,
        r#"[["a","vbscript:msgbox(1)","x"]]"#,
        r#"[["a","//evil.example","x"]]"#,
        r#"[["a",{"href":"https://x.example"},"x"]]"#,
        r#"[["a",null,"x"]]"#,
        r#"[["a"]]"#,
        r#"[["p onclick=window.__pwned=1","x"]]"#,
        r#"[["p",{"onclick":"window.__pwned=1"},"text"]]"#,
        r#"[["P","x"]]"#,
        r#"[[["p"],"x"]]"#,
        r#"[["__proto__","x"],["constructor","y"],["toString","z"]]"#,
        r#"[["pre","x onclick=window.__pwned=1","c"]]"#,
        r#"[["pre","launcher panel","c"]]"#,
        r#"[["pre",{"class":"x"},"c"]]"#,
        r#"[["ol","1\" onclick=\"window.__pwned=1",["li","a"]]]"#,
        r#"[["ol",{"start":1},["li","a"]]]"#,
        r#"[["p","<img src=x onerror=window.__pwned=1>"]]"#,
        r#"["<script>window.__pwned=1</script>"]"#,
        r#"[1, true, null, {"p":"x"}, ["p", 2, false]]"#,
    ];
    for tree in hostile {
        let (ok, el) = rendered(tree);
        assert!(ok, "{tree}");
        assert_only_allowed(&el, tree);
    }
    // Deep nesting is cut, not a stack overflow.
    let deep = format!("{}\"x\"{}", "[\"blockquote\",".repeat(500), "]".repeat(500));
    let (ok, el) = rendered(&format!("[{deep}]"));
    assert!(ok);
    assert!(el.query_selector_all("blockquote").unwrap().length() <= 32);
    // Not a tree: nothing at all.
    for bad in ["not json", "{\"p\":1}", "\"text\"", "3", ""] {
        let (ok, el) = rendered(bad);
        assert!(!ok, "{bad}");
        assert_eq!(el.child_nodes().length(), 0, "{bad}");
    }
    // Text stays text.
    let (_, el) = rendered(r#"[["p","<img src=x onerror=window.__pwned=1>"]]"#);
    assert_eq!(
        el.text_content().as_deref(),
        Some("<img src=x onerror=window.__pwned=1>")
    );
    assert!(el.query_selector("img").unwrap().is_none());
    tick(50).await;
    assert!(
        js_sys::Reflect::get(&window, &"__pwned".into())
            .unwrap()
            .is_undefined(),
        "no script ran"
    );
}
