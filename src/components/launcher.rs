use leptos::prelude::*;

use crate::i18n::{t, Locale, Text};

/// The launcher's speech bubble.
const ICON: &str =
    "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";

/// The round button that opens and closes the panel.
#[component]
pub fn Launcher(open: RwSignal<bool>) -> impl IntoView {
    let locale = expect_context::<Locale>();
    let label = move || {
        t(
            locale,
            if open.get() {
                Text::CloseChat
            } else {
                Text::OpenChat
            },
        )
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
            // Not all-literal markup: the view macro would build that with
            // `innerHTML`, which a page with Trusted Types refuses.
            <svg viewBox="0 0 24 24" width=28 height=28 aria-hidden="true" focusable="false">
                <path fill="currentColor" d=ICON></path>
            </svg>
        </button>
    }
}
