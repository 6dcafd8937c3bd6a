use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::chat::{ChatMessage, Delivery, Role};
use crate::i18n::{t, Locale, Text};
use crate::session::ChatSession;

/// The conversation, oldest first, with the greeting on top.
#[component]
pub fn MessageList() -> impl IntoView {
    let session = expect_context::<ChatSession>();
    let locale = expect_context::<Locale>();
    let list = NodeRef::<leptos::html::Ol>::new();
    // Keep the newest message in view as replies stream in.
    Effect::new(move |_| {
        session.transcript.track();
        if let Some(el) = list.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    view! {
        // Focusable, so keyboard users can scroll it.
        <ol class="messages" node_ref=list tabindex="0" aria-label=t(locale, Text::Messages)>
            <li class="message assistant greeting">{t(locale, Text::Greeting)}</li>
            // A plain list, not a keyed <For>: a streaming reply changes its
            // row on every piece anyway, and the keyed diff costs ~5 KB.
            {move || {
                session
                    .transcript
                    .with(|t| t.messages.clone())
                    .into_iter()
                    .map(|m| view! { <Message message=m /> })
                    .collect_view()
            }}
        </ol>
    }
}

/// One message bubble.
#[component]
fn Message(message: ChatMessage) -> impl IntoView {
    let locale = expect_context::<Locale>();
    let session = expect_context::<ChatSession>();
    let role = match message.role {
        Role::Visitor => "visitor",
        Role::Assistant => "assistant",
    };
    let assistant = message.role == Role::Assistant;
    let (state, note) = match message.delivery {
        Delivery::Sending => ("sending", Some(t(locale, Text::Sending))),
        // A reply the assistant could not give; the question is kept.
        Delivery::Failed if assistant => ("failed", Some(t(locale, Text::ReplyFailed))),
        Delivery::Failed => ("failed", Some(t(locale, Text::SendFailed))),
        Delivery::Streaming => ("streaming", None),
        Delivery::Sent => ("sent", None),
    };
    let failed = message.delivery == Delivery::Failed;
    // A finished reply shows its markdown tree, anything else plain text.
    let class = if message.tree.is_some() {
        "text md"
    } else {
        "text"
    };
    let client_id = message.client_id.clone().unwrap_or_default();
    let reply_to = message.reply_to.clone().unwrap_or_default();
    let retry = move |_| {
        if assistant {
            session.retry_reply(reply_to.clone())
        } else {
            session.resend(client_id.clone())
        }
    };
    view! {
        // `restored`: not read out by the live region (see `dialog`).
        <li
            class=format!("message {role} {state}{}", if message.restored { " restored" } else { "" })
            data-id=message.id.clone()
        >
            <div class=class use:body=(message.text, message.tree) />
            {note.map(|n| view! { <span class="note">{n}</span> })}
            {failed
                .then(|| {
                    view! {
                        <button class="resend" type="button" on:click=retry>
                            {t(locale, Text::Retry)}
                        </button>
                    }
                })}
        </li>
    }
}

/// Fills a message's text element: the reply's markdown tree when there is
/// one (see [`crate::markdown`]), else the plain text.
fn body(el: web_sys::Element, (text, tree): (String, Option<String>)) {
    // Every message is rebuilt on each transcript change (a streaming
    // reply's pieces): leave one whose content is unchanged alone, so a
    // selection or a focused link in it survives.
    let shown = JsValue::from_str(tree.as_deref().unwrap_or(&text));
    let key = JsValue::from_str("causetteShown");
    if js_sys::Reflect::get(&el, &key).is_ok_and(|v| v == shown) {
        return;
    }
    let _ = js_sys::Reflect::set(&el, &key, &shown);
    if !tree.is_some_and(|t| crate::markdown::render_into(&el, &t)) {
        el.set_text_content(Some(&text));
    }
}
