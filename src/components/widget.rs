use leptos::prelude::*;

use super::{Launcher, Panel};
use crate::config::WidgetConfig;
use crate::i18n::Locale;
use crate::session::ChatSession;

/// The whole widget: the launcher and, when open, the chat panel.
///
/// ```ignore
/// mount_to(container, move || view! { <Widget config=config /> });
/// ```
#[component]
pub fn Widget(config: WidgetConfig) -> impl IntoView {
    let session = ChatSession::new(&config.api, &config.site);
    session.start();
    let locale = match config.locale.as_str() {
        "auto" => Locale::from_tag(&page_language()),
        tag => Locale::from_tag(tag),
    };
    let open = RwSignal::new(config.open);
    provide_context(session);
    provide_context(locale);
    view! {
        <Panel open=open />
        <Launcher open=open />
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
