use leptos::prelude::*;

use super::{Composer, MessageList, StatusLine};
use crate::i18n::{t, Locale, Text};

/// The chat window: header, status, messages and composer.
#[component]
pub fn Panel(open: RwSignal<bool>) -> impl IntoView {
    let locale = expect_context::<Locale>();
    view! {
        <section
            class="panel"
            role="dialog"
            aria-label=t(locale, Text::Title)
            hidden=move || !open.get()
        >
            <header class="header">
                <div class="titles">
                    <h2 class="title">{t(locale, Text::Title)}</h2>
                    <p class="subtitle">{t(locale, Text::Subtitle)}</p>
                </div>
                <button
                    class="close"
                    type="button"
                    aria-label=t(locale, Text::CloseChat)
                    on:click=move |_| open.set(false)
                >
                    "×"
                </button>
            </header>
            <StatusLine />
            <MessageList />
            <Composer />
            <p class="powered">{t(locale, Text::PoweredBy)}</p>
        </section>
    }
}
