use leptos::prelude::*;

use crate::i18n::{t, Locale, Text};
use crate::session::ChatSession;
use crate::status::Status;

/// One line saying what is wrong, if anything; empty while all is well.
#[component]
pub fn StatusLine() -> impl IntoView {
    let session = expect_context::<ChatSession>();
    let locale = expect_context::<Locale>();
    let text = move || match session.status.get() {
        Status::Online => None,
        Status::Connecting => Some(t(locale, Text::Connecting)),
        Status::Reconnecting { .. } => Some(t(locale, Text::Reconnecting)),
        Status::Offline => Some(t(locale, Text::Offline)),
        Status::SessionEnded => Some(t(locale, Text::SessionEnded)),
        Status::Unavailable { .. } => Some(t(locale, Text::UnavailableSiteOwner)),
    };
    let kind = move || match session.status.get() {
        Status::Online => "status",
        Status::Connecting => "status connecting",
        Status::Reconnecting { .. } => "status reconnecting",
        Status::Offline => "status offline",
        Status::SessionEnded => "status ended",
        Status::Unavailable { .. } => "status unavailable",
    };
    let code = move || match session.status.get() {
        Status::Unavailable { code } => Some(code.as_str()),
        _ => None,
    };
    view! {
        <p class=kind role="status" data-code=code hidden=move || text().is_none()>
            {text}
        </p>
    }
}
