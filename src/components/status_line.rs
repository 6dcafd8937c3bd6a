use std::time::Duration;

use leptos::prelude::*;

use crate::i18n::{t, Locale, Text};
use crate::reconnect::State;
use crate::session::ChatSession;

/// One line saying what is wrong, if anything, with the way out: a
/// countdown and "Retry now" while reconnecting, "Start a new conversation"
/// after the session ended. Empty while all is well, and during a silent
/// refresh unless it takes over a second.
#[component]
pub fn StatusLine() -> impl IntoView {
    let session = expect_context::<ChatSession>();
    let locale = expect_context::<Locale>();
    let now = RwSignal::new(js_sys::Date::now());
    let _ = set_interval_with_handle(
        move || now.set(js_sys::Date::now()),
        Duration::from_millis(500),
    );
    let state = move || session.state.get();
    let text = move || -> Option<String> {
        Some(match state() {
            State::Idle | State::Online => return None,
            State::Refreshing { since_ms } if now.get() - since_ms < 1_000.0 => return None,
            State::Connecting { .. } | State::Refreshing { .. } => {
                t(locale, Text::Connecting).to_owned()
            }
            State::Reconnecting { retry_at_ms, .. } => {
                let secs = ((retry_at_ms - now.get()) / 1_000.0).ceil().max(0.0) as u32;
                [
                    t(locale, Text::RetryingIn),
                    " ",
                    &secs.to_string(),
                    " ",
                    t(locale, Text::Seconds),
                ]
                .concat()
            }
            State::Offline => t(locale, Text::Offline).to_owned(),
            State::SessionEnded => t(locale, Text::SessionEnded).to_owned(),
            State::Unavailable { .. } => t(locale, Text::Unavailable).to_owned(),
        })
    };
    let kind = move || match state() {
        State::Reconnecting { .. } => "status reconnecting",
        State::Offline => "status offline",
        State::SessionEnded => "status ended",
        State::Unavailable { .. } => "status unavailable",
        _ => "status",
    };
    let code = move || match state() {
        State::Unavailable { code } => Some(code.as_str()),
        _ => None,
    };
    let can_retry = move || matches!(state(), State::Reconnecting { .. } | State::Offline);
    let ended = move || state() == State::SessionEnded;
    view! {
        <div class=kind role="status" data-code=code hidden=move || text().is_none()>
            <span class="status-text">{text}</span>
            <button class="retry" type="button" hidden=move || !can_retry() on:click=move |_| session.retry_now()>
                {t(locale, Text::RetryNow)}
            </button>
            <button class="start-over" type="button" hidden=move || !ended() on:click=move |_| session.start_over()>
                {t(locale, Text::StartOver)}
            </button>
        </div>
    }
}
