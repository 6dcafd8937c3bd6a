use leptos::prelude::*;

use super::{Composer, MessageList, StatusLine};
use crate::i18n::{t, Locale, Text};

/// The chat window: header, status, messages and composer.
#[component]
pub fn Panel(open: RwSignal<bool>) -> impl IntoView {
    let locale = expect_context::<Locale>();
    let look = expect_context::<super::LookMemo>();
    // The site's texts, else the widget's own in the visitor's language.
    let or = move |v: Option<String>, d: Text| v.unwrap_or_else(|| t(locale, d).to_owned());
    let title = move || or(look.with(|l| l.title.clone()), Text::Title);
    view! {
        <section
            class="panel"
            role="dialog"
            aria-label=title
            hidden=move || !open.get()
        >
            <header class="header">
                {move || look.with(|l| l.avatar.clone()).map(|src| view! { <img class="avatar" src=src alt="" /> })}
                <div class="titles">
                    <h2 class="title">{title}</h2>
                    <p class="subtitle">{move || or(look.with(|l| l.subtitle.clone()), Text::Subtitle)}</p>
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
            {move || (!look.with(|l| l.hide_branding)).then(|| view! { <p class="powered">{t(locale, Text::PoweredBy)}</p> })}
        </section>
    }
}
