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
    js_sys::Reflect::set(&o, &"locale".into(), &"fr".into()).unwrap();
    o.into()
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
    placeholder
        .set_attribute("data-causette-placeholder", "")
        .unwrap();
    root.append_child(&placeholder).unwrap();

    crate::mount(root.clone(), config(NOWHERE)).unwrap();
    assert!(find(&root, "[data-causette-placeholder]").is_none());
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
    crate::mount(root.clone(), config(NOWHERE)).unwrap();
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
    crate::mount(root.clone(), config(NOWHERE)).unwrap();
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
