use leptos::prelude::*;
use web_sys::KeyboardEvent;

use crate::i18n::{t, Locale, Text};
use crate::session::ChatSession;

/// The text box and send button. Enter sends; Shift+Enter adds a line.
#[component]
pub fn Composer() -> impl IntoView {
    let session = expect_context::<ChatSession>();
    let locale = expect_context::<Locale>();
    let text = RwSignal::new(String::new());
    let send = move || {
        let value = text.get_untracked();
        if !value.trim().is_empty() {
            session.send(value);
            text.set(String::new());
        }
    };
    view! {
        <form class="composer" on:submit=move |ev| {
            ev.prevent_default();
            send();
        }>
            <textarea
                class="input"
                rows="1"
                // The server's limit, in characters; UTF-16 units are never fewer.
                maxlength="4000"
                aria-label=t(locale, Text::Placeholder)
                placeholder=t(locale, Text::Placeholder)
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=move |ev: KeyboardEvent| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <button class="send" type="submit">{t(locale, Text::Send)}</button>
        </form>
    }
}
