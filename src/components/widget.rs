use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::{Launcher, Panel};
use crate::config::{self, Look, WidgetConfig};
use crate::i18n::Locale;
use crate::reconnect::State;
use crate::session::ChatSession;

/// Where `window.Causette`'s calls reach the widget: the [`Widget`]
/// installs the handler, [`crate::mount`]'s control function calls it.
#[derive(Clone, Default)]
pub struct Control(Rc<RefCell<Option<Box<dyn Fn(&str, JsValue)>>>>);

impl Control {
    /// Runs `command` with its argument; nothing before the widget is up.
    pub fn run(&self, command: &str, arg: JsValue) {
        if let Some(f) = &*self.0.borrow() {
            f(command, arg);
        }
    }
}

/// The whole widget: the launcher and, when open, the chat panel.
/// `root` is its shadow root and `el` the `div.causette` it renders in;
/// `emit(name, detail)` tells the page about events.
#[component]
pub fn Widget(
    config: WidgetConfig,
    root: web_sys::ShadowRoot,
    el: web_sys::HtmlElement,
    emit: js_sys::Function,
    control: Control,
) -> impl IntoView {
    let session = ChatSession::new(&config.api, &config.site);
    let emit = move |name: &str, detail: &JsValue| {
        let _ = emit.call2(&JsValue::NULL, &JsValue::from_str(name), detail);
    };
    let emit = Rc::new(emit);
    {
        let emit = emit.clone();
        session.on_event(move |name, detail| emit(name, detail));
    }
    // Options merge again once the server's theme arrives; each bad value
    // is named once in the console, however often it is read.
    let warned = StoredValue::new_local(Vec::<String>::new());
    let look = Memo::new(move |_| {
        let server = session.config.get();
        let theme = server.as_ref().and_then(|c| c.object("theme"));
        let scopes = server
            .as_ref()
            .and_then(|c| c.str("scopes"))
            .unwrap_or_default();
        let layers: Vec<&crate::json::Object> = [config.attrs.as_ref(), theme.as_ref(), config.init.as_ref()]
            .into_iter()
            .flatten()
            .collect();
        config::resolve(&layers, &scopes, &mut |key| {
            let first = warned
                .try_update_value(|w| {
                    let first = !w.iter().any(|k| k == key);
                    if first {
                        w.push(key.to_owned());
                    }
                    first
                })
                .unwrap_or(false);
            if first {
                web_sys::console::warn_1(&JsValue::from_str(
                    &["Causette: ignoring the invalid value of option `", key, "`"].concat(),
                ));
            }
        })
    });
    let first = look.get_untracked();
    let locale = match first.locale.as_str() {
        "auto" => Locale::from_tag(&page_language()),
        tag => Locale::from_tag(tag),
    };
    let inline = first.inline;
    let open = RwSignal::new(first.open || inline);
    session.start();
    provide_context(session);
    provide_context(locale);
    provide_context(look);
    // The theme: a constructable stylesheet (strict CSP forbids `style`
    // attributes), and the site's own CSS after the widget's.
    let theme = web_sys::CssStyleSheet::new().ok();
    let custom = web_sys::CssStyleSheet::new().ok();
    if let (Some(t), Some(c)) = (&theme, &custom) {
        let sheets = js_sys::Array::from(&root.adopted_style_sheets());
        sheets.push(t);
        sheets.push(c);
        root.set_adopted_style_sheets(&sheets);
    }
    Effect::new(move |_| {
        look.with(|l| {
            if let Some(t) = &theme {
                t.replace_sync(&config::theme_css(l)).ok();
            }
            if let Some(c) = &custom {
                c.replace_sync(l.custom_css.as_deref().unwrap_or_default()).ok();
            }
            let _ = el.set_attribute("data-position", if l.left { "left" } else { "right" });
            let _ = el.set_attribute("data-scheme", &l.scheme);
            let _ = el.set_attribute("data-mode", if inline { "inline" } else { "floating" });
        });
    });
    {
        let emit = emit.clone();
        Effect::new(move |was: Option<bool>| {
            let now = open.get();
            if was.is_some_and(|w| w != now) {
                emit(if now { "open" } else { "close" }, &JsValue::UNDEFINED);
            }
            now
        });
    }
    let state_emit = emit.clone();
    let described = Memo::new(move |_| describe(session.state.get()));
    Effect::new(move |_| {
        let (name, code) = described.get();
        let detail = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&detail, &"state".into(), &name.into());
        let _ = js_sys::Reflect::set(&detail, &"code".into(), &code.map_or(JsValue::NULL, JsValue::from));
        state_emit("state", &detail);
    });
    *control.0.borrow_mut() = Some(Box::new(move |command, arg| match command {
        "open" => open.set(true),
        "close" => open.set(inline),
        "toggle" => open.update(|o| *o = !*o || inline),
        "send" => {
            if let Some(text) = arg.as_string() {
                session.send(text);
            }
        }
        "identify" => session.identify(arg),
        "destroy" => session.stop(),
        _ => {}
    }));
    let ready = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&ready, &"site".into(), &config.site.as_str().into());
    emit("ready", &ready);
    view! {
        <Panel open=open />
        {(!inline).then(|| view! { <Launcher open=open /> })}
    }
}

/// The options in effect, for the components that show them.
pub type LookMemo = Memo<Look>;

/// The state's name and diagnosis code, as the `state` event gives them.
fn describe(state: State) -> (&'static str, Option<&'static str>) {
    match state {
        State::Idle => ("idle", None),
        State::Connecting { .. } => ("connecting", None),
        State::Online => ("online", None),
        State::Refreshing { .. } => ("refreshing", None),
        State::Reconnecting { .. } => ("reconnecting", None),
        State::Offline => ("offline", None),
        State::SessionEnded => ("session_ended", None),
        State::Unavailable { code } => ("unavailable", Some(code.as_str())),
    }
}

fn page_language() -> String {
    let doc_lang = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("lang"))
        .filter(|l| !l.is_empty());
    doc_lang
        .or_else(|| web_sys::window().and_then(|w| w.navigator().language()))
        .unwrap_or_default()
}
