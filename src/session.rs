//! A visitor's session: getting a token, following the conversation's event
//! stream, and sending messages. The decisions (what a failure means, how
//! long to wait) come from the diagnosis library and [`crate::backoff`];
//! this module only wires them to the browser.

use causette_token::{Code, Diagnosis};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;

use crate::api::{read_chunk, Api, ApiError};
use crate::backoff;
use crate::chat::{ChatEvent, Transcript};
use crate::sse::SseParser;
use crate::status::Status;

/// Handle to the session, cheap to copy into event handlers.
#[derive(Clone, Copy)]
pub struct ChatSession {
    // One stored value rather than one per field: each `StoredValue<T>`
    // type brings its own copy of the arena code into the bundle.
    inner: StoredValue<Inner>,
    /// The messages shown.
    pub transcript: RwSignal<Transcript>,
    /// The connection state shown.
    pub status: RwSignal<Status>,
}

#[derive(Clone)]
struct Inner {
    api: Api,
    site: String,
    token: Option<String>,
    conversation: Option<String>,
    warned: bool,
}

impl ChatSession {
    /// A session for `site` against the server at `api`; call [`Self::start`].
    pub fn new(api: &str, site: &str) -> Self {
        ChatSession {
            inner: StoredValue::new(Inner {
                api: Api::new(api),
                site: site.to_owned(),
                token: None,
                conversation: None,
                warned: false,
            }),
            transcript: RwSignal::new(Transcript::default()),
            status: RwSignal::new(Status::Connecting),
        }
    }

    /// Connects in the background.
    pub fn start(self) {
        spawn_local(self.connect());
    }

    async fn connect(self) {
        let (api, site) = self.inner.with_value(|i| (i.api.clone(), i.site.clone()));
        let mut attempt = 0;
        loop {
            self.status.set(Status::Connecting);
            match api.create_session(&site).await {
                Ok(s) => {
                    self.inner.update_value(|i| {
                        i.token = Some(s.access_token);
                        i.conversation = Some(s.conversation_id);
                    });
                    self.status.set(Status::Online);
                    spawn_local(self.follow_events());
                    return;
                }
                Err(e) => {
                    attempt += 1;
                    let d = self.judge(&api, &e).await;
                    if !self.fail(&d, attempt) {
                        return;
                    }
                    sleep_ms(backoff::delay_ms(
                        attempt,
                        js_sys::Math::random(),
                        d.retry_after,
                    ))
                    .await;
                }
            }
        }
    }

    /// Reads the event stream for as long as the session lives, resuming
    /// after the last event seen whenever the connection drops.
    async fn follow_events(self) {
        let api = self.inner.with_value(|i| i.api.clone());
        let mut last_event_id: Option<String> = None;
        let mut attempt = 0;
        loop {
            let Some((token, cid)) = self.credentials() else {
                return;
            };
            match api
                .open_events(&token, &cid, last_event_id.as_deref())
                .await
            {
                Ok(reader) => {
                    attempt = 0;
                    self.status.set(Status::Online);
                    let mut parser = SseParser::default();
                    while let Ok(Some(bytes)) = read_chunk(&reader).await {
                        for event in parser.push_bytes(&bytes) {
                            if let Some(e) = ChatEvent::decode(&event.event, &event.data) {
                                self.transcript.update(|t| t.apply(e));
                            }
                        }
                        if let Some(id) = parser.last_event_id() {
                            last_event_id = Some(id.to_owned());
                        }
                    }
                    attempt += 1;
                    self.status.set(Status::Reconnecting { attempt });
                    sleep_ms(backoff::delay_ms(attempt, js_sys::Math::random(), None)).await;
                }
                Err(e) => {
                    attempt += 1;
                    let d = self.judge(&api, &e).await;
                    if !self.fail(&d, attempt) {
                        return;
                    }
                    sleep_ms(backoff::delay_ms(
                        attempt,
                        js_sys::Math::random(),
                        d.retry_after,
                    ))
                    .await;
                }
            }
        }
    }

    /// Sends a visitor message; it shows at once and is marked sent or failed.
    pub fn send(self, text: String) {
        let text = text.trim().to_owned();
        if text.is_empty() {
            return;
        }
        let client_id = random_id();
        self.transcript.update(|t| t.push_local(&client_id, &text));
        spawn_local(async move {
            let Some((token, cid)) = self.credentials() else {
                self.transcript.update(|t| t.acknowledge(&client_id, None));
                return;
            };
            let api = self.inner.with_value(|i| i.api.clone());
            let stored = api.send_message(&token, &cid, &client_id, &text).await;
            self.transcript
                .update(|t| t.acknowledge(&client_id, stored.as_ref().ok().map(|s| s.id.as_str())));
        });
    }

    /// The access token and conversation id, once a session exists.
    fn credentials(&self) -> Option<(String, String)> {
        self.inner
            .with_value(|i| Some((i.token.clone()?, i.conversation.clone()?)))
    }

    /// Names a failure. A bare network error may hide a CORS refusal, so
    /// the open diagnose endpoint is asked which it was.
    async fn judge(&self, api: &Api, error: &ApiError) -> Diagnosis {
        let offline = !web_sys::window()
            .map(|w| w.navigator().on_line())
            .unwrap_or(true);
        let d = error.diagnose(offline);
        if matches!(error, ApiError::Network(_)) && !offline {
            let site = self.inner.with_value(|i| i.site.clone());
            if let Ok(info) = api.diagnose(&site).await {
                if !info.site_known {
                    return Diagnosis::new(Code::UnknownSite);
                }
                if !info.origin_allowed {
                    return Diagnosis::new(Code::OriginNotAllowed);
                }
            }
        }
        d
    }

    /// Shows the failure; returns whether to try again.
    fn fail(&self, d: &Diagnosis, attempt: u32) -> bool {
        let status = Status::after_failure(d, attempt);
        let retry = status.retries();
        if matches!(status, Status::Unavailable { .. })
            && !self
                .inner
                .try_update_value(|i| std::mem::replace(&mut i.warned, true))
                .unwrap_or(true)
        {
            // One warning for the site owner, not one per retry.
            web_sys::console::warn_1(
                &format!(
                    "Causette: {} — {} Fix: {}",
                    d.code.as_str(),
                    d.explanation,
                    d.fix
                )
                .into(),
            );
        }
        self.status.set(status);
        retry
    }
}

async fn sleep_ms(ms: u64) {
    let ms = ms.min(i32::MAX as u64) as i32;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// A random 128-bit id in hex; works on pages that are not secure contexts.
fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok())
        .unwrap_or(false);
    if !filled {
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| {
            [
                HEX[usize::from(b >> 4)] as char,
                HEX[usize::from(b & 15)] as char,
            ]
        })
        .collect()
}
