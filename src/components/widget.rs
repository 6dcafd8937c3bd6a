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
pub struct Control(Rc<RefCell<Option<Handler>>>);

/// What runs a command: its name and argument.
type Handler = Box<dyn Fn(&str, JsValue)>;

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
    // is named once in the console, however often it is read. A signal
    // set by an effect, not a memo: memos cost ~5 KB gzip of bundle.
    let warned = StoredValue::new_local(Vec::<String>::new());
    // `Causette.init` after load hands the options over again.
    let init = RwSignal::new_local(config.init.clone());
    let resolve = move |server: Option<&crate::json::Object>| {
        let theme = server.and_then(|c| c.object("theme"));
        let scopes = server.and_then(|c| c.str("scopes")).unwrap_or_default();
        let init = init.get();
        let layers: Vec<&crate::json::Object> =
            [config.attrs.as_ref(), theme.as_ref(), init.as_ref()]
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
    };
    let first = resolve(None);
    let locale = match first.locale.as_str() {
        "auto" => Locale::from_tag(&page_language()),
        tag => Locale::from_tag(tag),
    };
    let inline = first.inline;
    let open = RwSignal::new(first.open || inline);
    session.start();
    provide_context(session);
    provide_context(locale);
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
    // The options reach the rendered view through the DOM, and the page
    // hears of `open`, `close` and `state`, all in this one effect: each
    // effect or piece of reactive text costs about 1 KB gzip of bundle.
    // Runs once the view is built, then on each change of the server's
    // theme, the panel or the connection state.
    let events = emit.clone();
    let opened_at_start = open.get_untracked();
    Effect::new(move |was: Option<(bool, (&str, Option<&str>))>| {
        let look = session.config.with(|c| resolve(c.as_ref()));
        let now = (open.get(), describe(session.state.get()));
        if let Some(t) = &theme {
            t.replace_sync(&config::theme_css(&look)).ok();
        }
        if let Some(c) = &custom {
            c.replace_sync(look.custom_css.as_deref().unwrap_or_default())
                .ok();
        }
        let _ = el.set_attribute("data-position", if look.left { "left" } else { "right" });
        let _ = el.set_attribute("data-scheme", &look.scheme);
        let _ = el.set_attribute("data-mode", if inline { "inline" } else { "floating" });
        apply(&el, &look, now.0);
        // Calls queued before load ran before this effect's first run.
        if was.map_or(opened_at_start, |w| w.0) != now.0 {
            events(if now.0 { "open" } else { "close" }, &JsValue::UNDEFINED);
        }
        if was.map(|w| w.1) != Some(now.1) {
            let (name, code) = now.1;
            let detail = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&detail, &"state".into(), &name.into());
            let code = code.map_or(JsValue::NULL, JsValue::from);
            let _ = js_sys::Reflect::set(&detail, &"code".into(), &code);
            events("state", &detail);
        }
        now
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
        "init" => init.set(crate::json::Object::from_js(arg)),
        "destroy" => session.stop(),
        _ => {}
    }));
    let ready = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&ready, &"site".into(), &config.site.as_str().into());
    emit("ready", &ready);
    // Inline, the launcher is hidden by CSS (`data-mode`): one view type.
    view! {
        <Panel open=open />
        <Launcher open=open />
    }
}

/// The question mark in a circle of `launcherIcon: "help"`.
const HELP_ICON: &str = "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 17h-2v-2h2v2zm2.1-7.8-.9.9c-.7.7-1.2 1.3-1.2 2.9h-2v-.5c0-1.1.4-2.1 1.2-2.8l1.2-1.3A2 2 0 1 0 10 10H8a4 4 0 1 1 7.1 1.2z";

/// Puts the site's texts, avatar, launcher icon and label, and branding
/// into the rendered view under `el`. Options left unset keep the
/// widget's own (translated) texts.
fn apply(el: &web_sys::HtmlElement, look: &Look, open: bool) {
    let find = |css: &str| el.query_selector(css).ok().flatten();
    let set = |e: &web_sys::Element, name: &str, value: &str| {
        let _ = e.set_attribute(name, value);
    };
    for (css, value) in [
        (".title", &look.title),
        (".subtitle", &look.subtitle),
        (".greeting", &look.greeting),
    ] {
        if let (Some(e), Some(v)) = (find(css), value) {
            e.set_text_content(Some(v));
        }
    }
    if let (Some(e), Some(v)) = (find(".panel"), &look.title) {
        set(&e, "aria-label", v);
    }
    if let (Some(e), Some(v)) = (find(".composer .input"), &look.placeholder) {
        set(&e, "placeholder", v);
        set(&e, "aria-label", v);
    }
    if let Some(e) = find(".powered") {
        e.toggle_attribute_with_force("hidden", look.hide_branding)
            .ok();
    }
    let document = web_sys::window().and_then(|w| w.document());
    match (find(".avatar"), &look.avatar, find(".header"), &document) {
        (Some(img), Some(src), _, _) => set(&img, "src", src),
        (Some(img), None, _, _) => img.remove(),
        (None, Some(src), Some(header), Some(d)) => {
            if let Ok(img) = d.create_element("img") {
                set(&img, "class", "avatar");
                set(&img, "alt", "");
                set(&img, "src", src);
                let _ = header.prepend_with_node_1(&img);
            }
        }
        _ => {}
    }
    let Some(launcher) = find(".launcher") else {
        return;
    };
    if let Some(label) = &look.launcher_label {
        let span = launcher
            .query_selector(".launcher-label")
            .ok()
            .flatten()
            .or_else(|| {
                let span = document.as_ref()?.create_element("span").ok()?;
                set(&span, "class", "launcher-label");
                launcher.append_child(&span).ok()?;
                Some(span)
            });
        if let Some(span) = span {
            span.set_text_content(Some(label));
        }
        // Its accessible name too, while it opens the chat.
        if !open {
            set(&launcher, "aria-label", label);
        }
    }
    if let Some(svg) = launcher.query_selector("svg").ok().flatten() {
        svg.toggle_attribute_with_force("hidden", look.launcher_icon == "none")
            .ok();
        if look.launcher_icon == "help" {
            if let Some(path) = svg.query_selector("path").ok().flatten() {
                set(&path, "d", HELP_ICON);
            }
        }
    }
}

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
