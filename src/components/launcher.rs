use leptos::prelude::*;

use crate::i18n::{t, Locale, Text};

/// The round button that opens and closes the panel.
#[component]
pub fn Launcher(open: RwSignal<bool>) -> impl IntoView {
    let locale = expect_context::<Locale>();
    let look = expect_context::<super::LookMemo>();
    // The site's label shows next to the icon and names the button.
    let text = move || look.with(|l| l.launcher_label.clone());
    let label = move || {
        let closed = text().unwrap_or_else(|| t(locale, Text::OpenChat).to_owned());
        if open.get() {
            t(locale, Text::CloseChat).to_owned()
        } else {
            closed
        }
    };
    // Speech bubble (chat) or question mark in a circle (help).
    let icon = move || match look.with(|l| l.launcher_icon.clone()).as_str() {
        "none" => None,
        "help" => Some("M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 17h-2v-2h2v2zm2.1-7.8-.9.9c-.7.7-1.2 1.3-1.2 2.9h-2v-.5c0-1.1.4-2.1 1.2-2.8l1.2-1.3A2 2 0 1 0 10 10H8a4 4 0 1 1 7.1 1.2z"),
        _ => Some("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"),
    };
    view! {
        <button
            class="launcher"
            type="button"
            part="launcher"
            aria-label=label
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)
        >
            {move || icon().map(|d| view! {
                <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
                    <path fill="currentColor" d=d></path>
                </svg>
            })}
            {move || text().map(|l| view! { <span class="launcher-label">{l}</span> })}
        </button>
    }
}
