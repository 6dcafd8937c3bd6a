//! The Causette chat widget, compiled to WebAssembly.
//!
//! `embed.js` (the loader a site owner pastes) paints the launcher inside a
//! shadow root, then imports this bundle and calls [`mount`] with that
//! shadow root, the options read from its `<script>` tag and `Causette.init`,
//! and a function for the widget's events; `window.Causette` then drives
//! the widget through the control function [`mount`] returns.
//!
//! | module | concern |
//! |---|---|
//! | [`sse`] | parsing the fetch-based event stream |
//! | [`chat`] | the transcript and how server events change it |
//! | [`markdown`] | replies built from the server's safe markdown tree |
//! | [`backoff`] | retry delays |
//! | [`reconnect`] | the reconnect state machine: what the visitor sees |
//! | [`schedule`] | when to refresh, on the server's clock |
//! | [`keeper`] | token storage, cross-tab lock and channel (browser glue) |
//! | [`session`] | tokens, the event stream, sending (browser glue) |
//! | [`api`] | HTTP calls to the server (browser glue) |
//! | [`config`] | options: layers merged, values checked, the theme as CSS |
//! | [`components`] | the Leptos view |
//! | `dialog` | focus, Escape, the live region; on phones the visual viewport and scroll lock |
#![warn(missing_docs)]

pub mod api;
pub mod backoff;
pub mod chat;
pub mod components;
pub mod config;
mod dialog;
pub mod i18n;
pub mod json;
pub mod keeper;
pub mod markdown;
pub mod outbox;
pub mod reconnect;
pub mod schedule;
pub mod session;
pub mod sse;
mod style;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Mounts the widget into `root`, the shadow root `embed.js` created.
///
/// `config` is a plain object: `{ site, api, attrs, init }` — `attrs` the
/// script tag's `dataset`, `init` what `Causette.init` was given (see
/// [`config`]). `emit(name, detail)` reports the widget's events. Returns
/// the control function `(command, argument)` the `window.Causette`
/// methods call: `open`, `close`, `toggle`, `send`, `identify`, `destroy`.
#[wasm_bindgen]
pub fn mount(
    root: web_sys::ShadowRoot,
    config: JsValue,
    emit: js_sys::Function,
) -> Result<JsValue, JsValue> {
    let field = |name: &str| js_sys::Reflect::get(&config, &JsValue::from_str(name));
    let string = |name: &str| -> Result<String, JsValue> {
        field(name)?.as_string().ok_or_else(|| {
            JsValue::from_str(&["widget option `", name, "` must be a string"].concat())
        })
    };
    let config = config::WidgetConfig {
        site: string("site")?,
        api: string("api")?,
        attrs: json::Object::from_js(field("attrs")?),
        init: json::Object::from_js(field("init")?),
    };
    style::adopt(&root)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let container: web_sys::HtmlElement = document.create_element("div")?.unchecked_into();
    container.set_class_name("causette");
    root.append_child(&container)?;
    // The loader's placeholder launcher (the only button in the root until
    // the widget renders) goes once ours is in place; a keyboard visitor
    // who had tabbed to it stays on the launcher.
    let placeholder = root.query_selector("button")?;
    let focused = placeholder.is_some() && root.active_element() == placeholder;
    let control = components::Control::default();
    let (c, r, el) = (control.clone(), root.clone(), container.clone());
    leptos::mount::mount_to(container.clone(), move || {
        leptos::view! { <components::Widget config=config root=r el=el emit=emit control=c /> }
    })
    .forget();
    if let Some(placeholder) = placeholder {
        placeholder.remove();
    }
    if let (true, Some(launcher)) = (focused, container.query_selector(".launcher")?) {
        launcher.unchecked_into::<web_sys::HtmlElement>().focus()?;
    }
    dialog::attach(&container);
    // `destroy` stops the session (stream, timers, listeners); the loader
    // then removes the host element.
    let run = move |name: String, arg: JsValue| control.run(&name, arg);
    Ok(Closure::<dyn Fn(String, JsValue)>::new(run).into_js_value())
}
