//! A visitor's session, wired to the browser: tokens (created, resumed,
//! refreshed before they expire), the event stream, sending, and the
//! reconnect state the visitor sees.
//!
//! Every decision is made elsewhere and tested natively: what a failure
//! means ([`causette_token`]'s diagnosis), which state follows
//! ([`crate::reconnect`]), when to refresh ([`crate::schedule`]). This
//! module performs the actions each state calls for.

use std::rc::Rc;

use causette_token::{Code, Diagnosis, Recovery, VisitorState, WhoCanFix};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::ReadableStreamDefaultReader;

use crate::api::{read_chunk, Api, ApiError, Session};
use crate::chat::{ChatEvent, Delivery, Transcript};
use crate::keeper::{self, Channel, Tokens};
use crate::reconnect::{Event, State};
use crate::schedule::{self, TokenTimes};
use crate::sse::SseParser;

/// Handle to the session, cheap to copy into event handlers.
#[derive(Clone, Copy)]
pub struct ChatSession {
    inner: StoredValue<Inner, LocalStorage>,
    /// The messages shown.
    pub transcript: RwSignal<Transcript>,
    /// The connection state shown.
    pub state: RwSignal<State>,
    /// The site's widget settings from the server, once a session is up.
    pub config: RwSignal<Option<crate::json::Object>, LocalStorage>,
}

struct Inner {
    api: Api,
    site: String,
    /// Storage key and channel name.
    ns: String,
    tokens: Option<Tokens>,
    /// Server clock minus page clock, ms.
    offset_ms: f64,
    /// Codes the site owner was already told about in the console.
    warned: Vec<Code>,
    /// A session has been up in this page (a dead stored one is then news
    /// for the visitor, not a silent restart).
    connected_once: bool,
    /// Bumped to cancel the current stream and timers.
    stream_gen: u32,
    timer_gen: u32,
    reader: Option<ReadableStreamDefaultReader>,
    last_event_id: Option<String>,
    /// The conversation whose transcript is shown (restored from the server).
    shown: Option<String>,
    refreshing: bool,
    flushing: bool,
    channel: Option<Rc<Channel>>,
    listeners: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    /// Reports events to the page (`message`).
    on_event: Option<Rc<EventSink>>,
    /// The identity the page gave (`identify`), as JSON, and the session
    /// it was last sent for.
    identity: Option<String>,
    identified: Option<String>,
}

/// Where the page hears of an event: its name and detail.
type EventSink = dyn Fn(&str, &JsValue);

/// The page clock, ms. `Date.now()`: it keeps counting while the machine
/// sleeps, which is how a sleep is noticed.
fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn offline() -> bool {
    !web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

impl ChatSession {
    /// A session for `site` against the server at `api`; call [`Self::start`].
    pub fn new(api: &str, site: &str) -> Self {
        let api = Api::new(api);
        let ns = keeper::namespace(api.base(), site);
        ChatSession {
            inner: StoredValue::new_local(Inner {
                api,
                site: site.to_owned(),
                ns,
                tokens: None,
                offset_ms: 0.0,
                warned: Vec::new(),
                connected_once: false,
                stream_gen: 0,
                timer_gen: 0,
                reader: None,
                last_event_id: None,
                shown: None,
                refreshing: false,
                flushing: false,
                channel: None,
                listeners: Vec::new(),
                on_event: None,
                identity: None,
                identified: None,
            }),
            transcript: RwSignal::new(Transcript::default()),
            state: RwSignal::new(State::Idle),
            config: RwSignal::new_local(None),
        }
    }

    /// Where events for the page go.
    pub fn on_event(self, f: impl Fn(&str, &JsValue) + 'static) {
        self.inner.update_value(|i| i.on_event = Some(Rc::new(f)));
    }

    fn emit_message(self, id: &str, role: &str, text: &str) {
        let Some(Some(f)) = self.inner.try_with_value(|i| i.on_event.clone()) else {
            return;
        };
        let detail = js_sys::Object::new();
        for (k, v) in [("id", id), ("role", role), ("text", text)] {
            let _ = js_sys::Reflect::set(&detail, &k.into(), &v.into());
        }
        f("message", &detail);
    }

    /// `Causette.identify({id, name, email, hash})`: sent to the server
    /// now if a session is up, else as soon as one is (and again for each
    /// new session). A refusal leaves the visitor anonymous and is one
    /// console warning for the site owner.
    pub fn identify(self, who: JsValue) {
        let Ok(json) = js_sys::JSON::stringify(&who) else {
            return;
        };
        self.inner.update_value(|i| {
            i.identity = json.as_string();
            i.identified = None;
        });
        if self.state.get_untracked().is_live() {
            spawn_local(self.send_identity());
        }
    }

    async fn send_identity(self) {
        let Some((api, Some(body), Some(t), done)) = self.inner.try_with_value(|i| {
            (
                i.api.clone(),
                i.identity.clone(),
                i.tokens
                    .as_ref()
                    .map(|t| (t.access.clone(), t.session_id.clone())),
                i.identified.clone(),
            )
        }) else {
            return;
        };
        let (token, sid) = t;
        if done.as_ref() == Some(&sid) {
            return;
        }
        self.inner.update_value(|i| i.identified = Some(sid));
        if let Err(ApiError::Http { body, .. }) = api.identify(&token, body).await {
            let detail = body
                .as_deref()
                .and_then(crate::json::Object::parse)
                .and_then(|b| b.str("detail"))
                .unwrap_or_default();
            web_sys::console::warn_1(&JsValue::from_str(
                &["Causette: identify refused — ", &detail].concat(),
            ));
        }
    }

    /// `Causette.destroy()`: stops the stream, the timers and the listeners.
    pub fn stop(self) {
        self.stop_stream();
        self.inner.update_value(|i| {
            i.timer_gen = i.timer_gen.wrapping_add(1);
            i.on_event = None;
            if let Some(w) = web_sys::window() {
                for c in i.listeners.drain(..) {
                    for name in ["online", "offline", "pageshow"] {
                        let _ =
                            w.remove_event_listener_with_callback(name, c.as_ref().unchecked_ref());
                    }
                    if let Some(d) = w.document() {
                        let _ = d.remove_event_listener_with_callback(
                            "visibilitychange",
                            c.as_ref().unchecked_ref(),
                        );
                    }
                }
            }
        });
        self.state.set(State::Idle);
    }

    /// Joins the other tabs, listens to the browser, and connects.
    pub fn start(self) {
        let ns = self.inner.with_value(|i| i.ns.clone());
        // What was typed before a reload and never stored is sent now.
        self.transcript.update(|t| {
            for (id, text) in crate::outbox::load(&ns) {
                t.push_local(&id, &text);
            }
        });
        let channel = Channel::open(&ns, move |t| self.adopt(t));
        self.inner
            .update_value(|i| i.channel = Some(Rc::new(channel)));
        self.listen();
        self.dispatch(Event::Start);
    }

    /// Feeds an event to the state machine and acts on the new state.
    pub fn dispatch(self, event: Event) {
        let Some(old) = self.state.try_get_untracked() else {
            return; // unmounted
        };
        let new = old.next(&event);
        if new == old {
            return;
        }
        self.state.set(new);
        match new {
            State::Connecting { fresh } => spawn_local(self.connect(fresh)),
            State::Refreshing { .. } => spawn_local(self.refresh_and_report()),
            State::Reconnecting { retry_at_ms, .. } => {
                self.stop_stream();
                let wait = (retry_at_ms - now_ms()).max(0.0);
                self.after(wait, move |s| {
                    s.dispatch(Event::RetryDue { now_ms: now_ms() })
                });
            }
            State::Online => {
                self.schedule_refresh();
                spawn_local(self.flush());
                spawn_local(self.send_identity());
            }
            State::Offline => self.stop_stream(),
            State::SessionEnded => {
                self.stop_stream();
                let ns = self.inner.with_value(|i| i.ns.clone());
                keeper::store_refresh(&ns, None);
                self.inner.update_value(|i| i.tokens = None);
            }
            State::Unavailable { code } => {
                self.stop_stream();
                self.warn_site_owner(code);
            }
            State::Idle => {}
        }
    }

    /// "Start a new conversation", after a session ended.
    pub fn start_over(self) {
        // Messages still waiting go to the new conversation.
        self.transcript.update(|t| t.restore(Vec::new()));
        self.inner.update_value(|i| {
            i.last_event_id = None;
            i.shown = None;
        });
        self.dispatch(Event::StartOver);
    }

    /// "Retry now", while reconnecting or offline.
    pub fn retry_now(self) {
        self.dispatch(Event::RetryNow);
    }

    fn fail(self, d: Diagnosis) {
        if d.who_can_fix == WhoCanFix::SiteOwner {
            self.warn_site_owner(d.code);
        }
        self.dispatch(Event::Failed {
            diagnosis: d,
            now_ms: now_ms(),
            random: js_sys::Math::random(),
        });
    }

    /// Gets a session — resumed from memory or the stored refresh token, or
    /// new — and opens its event stream.
    async fn connect(self, fresh: bool) {
        let (api, site, ns) = self
            .inner
            .with_value(|i| (i.api.clone(), i.site.clone(), i.ns.clone()));
        if fresh {
            keeper::store_refresh(&ns, None);
            self.inner.update_value(|i| {
                i.tokens = None;
                i.last_event_id = None;
            });
        }
        let usable = self.inner.with_value(|i| {
            i.tokens
                .as_ref()
                .is_some_and(|t| !t.times.due(now_ms(), i.offset_ms))
        });
        if !usable {
            let stored = self
                .inner
                .with_value(|i| i.tokens.as_ref().map(|t| t.refresh.clone()))
                .or_else(|| keeper::stored_refresh(&ns));
            let result = match stored {
                Some(_) => self.refresh_tokens().await,
                None => Err(None),
            };
            match result {
                Ok(()) => {}
                Err(Some(d)) if !self.dead_on_arrival(&d) => return self.fail(d),
                // No stored session, or one that died while the page was
                // closed: start a new one without bothering the visitor.
                Err(_) => {
                    keeper::store_refresh(&ns, None);
                    let sent = now_ms();
                    match api.create_session(&site).await {
                        Ok(s) => self.take(s, sent, true),
                        Err(e) => return self.fail(self.judge(&api, &e).await),
                    }
                }
            }
        }
        self.open_stream().await;
    }

    /// A stored session that cannot be resumed, found before any session
    /// was up in this page.
    fn dead_on_arrival(&self, d: &Diagnosis) -> bool {
        !self.inner.with_value(|i| i.connected_once)
            && (d.visitor == VisitorState::SessionEnded || d.recovery == Recovery::NewSession)
    }

    /// Records tokens from a response; `share`: tell the other tabs.
    fn take(self, s: Session, sent_ms: f64, share: bool) {
        if s.config.is_some() {
            self.config.set(s.config.clone());
        }
        let offset = schedule::clock_offset_ms(s.server_time, sent_ms, now_ms());
        let tokens = Tokens {
            access: s.access_token,
            times: TokenTimes::new(s.server_time, s.expires_in),
            refresh: s.refresh_token,
            session_id: s.session_id,
            conversation_id: s.conversation_id,
        };
        let (ns, channel) = self.inner.with_value(|i| (i.ns.clone(), i.channel.clone()));
        keeper::store_refresh(&ns, Some(&tokens.refresh));
        if share {
            if let Some(c) = channel {
                c.post(&tokens);
            }
        }
        self.inner.update_value(|i| {
            i.offset_ms = offset;
            i.tokens = Some(tokens);
        });
    }

    /// Tokens another tab got: use them instead of refreshing again.
    fn adopt(self, t: Tokens) {
        let Some(changed) = self.inner.try_update_value(|i| {
            let changed = i
                .tokens
                .as_ref()
                .is_none_or(|o| o.conversation_id != t.conversation_id);
            i.tokens = Some(t);
            changed
        }) else {
            return;
        };
        if changed && self.state.get_untracked().is_live() {
            // Another tab started a new conversation: follow it.
            self.transcript.update(|t| t.restore(Vec::new()));
            self.inner.update_value(|i| {
                i.last_event_id = None;
                i.shown = None;
            });
            spawn_local(self.open_stream());
        } else if matches!(self.state.get_untracked(), State::Refreshing { .. }) {
            self.dispatch(Event::Refreshed);
        } else {
            self.schedule_refresh();
        }
    }

    /// Refreshes the access token: one refresh at a time in this tab, and
    /// across tabs under a Web Lock; a tab that waited for the lock uses the
    /// tokens the other tab shared instead of refreshing again.
    /// `Err(None)`: there was nothing to refresh with.
    async fn refresh_tokens(self) -> Result<(), Option<Diagnosis>> {
        while self.inner.with_value(|i| i.refreshing) {
            sleep_ms(50.0).await;
        }
        let (ns, before) = self
            .inner
            .with_value(|i| (i.ns.clone(), i.tokens.as_ref().map(|t| t.access.clone())));
        self.inner.update_value(|i| i.refreshing = true);
        let result = keeper::with_lock(&ns, async {
            let (api, fresh_enough, refresh) = self.inner.with_value(|i| {
                let t = i.tokens.as_ref();
                (
                    i.api.clone(),
                    t.is_some_and(|t| {
                        Some(&t.access) != before.as_ref() && !t.times.due(now_ms(), i.offset_ms)
                    }),
                    t.map(|t| t.refresh.clone()),
                )
            });
            if fresh_enough {
                return Ok(()); // another tab (or call) just refreshed
            }
            // Another tab may have rotated the token since this one read it.
            let stored = keeper::stored_refresh(&ns);
            let Some(token) = stored.or(refresh) else {
                return Err(None);
            };
            let sent = now_ms();
            match api.refresh(&token).await {
                Ok(s) => {
                    self.take(s, sent, true);
                    Ok(())
                }
                Err(e) => Err(Some(e.diagnose(offline()))),
            }
        })
        .await;
        self.inner.update_value(|i| i.refreshing = false);
        result
    }

    async fn refresh_and_report(self) {
        match self.refresh_tokens().await {
            Ok(()) => self.dispatch(Event::Refreshed),
            Err(d) => self.fail(d.unwrap_or_else(|| Diagnosis::new(Code::RefreshExpired))),
        }
    }

    /// Opens the conversation's event stream (resuming after the last event
    /// seen) and reads it in the background. A conversation not shown yet
    /// (a page load, another tab's new conversation) is first restored
    /// from the server's transcript.
    async fn open_stream(self) {
        self.stop_stream();
        let (api, token, cid, shown, gen) = self.inner.with_value(|i| {
            let t = i.tokens.as_ref();
            (
                i.api.clone(),
                t.map(|t| t.access.clone()),
                t.map(|t| t.conversation_id.clone()),
                i.shown.clone(),
                i.stream_gen,
            )
        });
        let (Some(token), Some(cid)) = (token, cid) else {
            return self.fail(Diagnosis::new(Code::MissingCredentials));
        };
        if shown.as_ref() != Some(&cid) {
            match api.transcript(&token, &cid).await {
                Ok(r) => {
                    for m in &r.messages {
                        if let Some(c) = &m.client_id {
                            self.delivered(c);
                        }
                    }
                    self.transcript.update(|t| t.restore(r.messages));
                    self.inner.update_value(|i| {
                        i.last_event_id = Some(r.resume_after.to_string());
                        i.shown = Some(cid.clone());
                    });
                }
                Err(e) => return self.fail(e.diagnose(offline())),
            }
            if self.inner.with_value(|i| i.stream_gen) != gen {
                return;
            }
        }
        let last = self.inner.with_value(|i| i.last_event_id.clone());
        match api.open_events(&token, &cid, last.as_deref()).await {
            Ok(reader) => {
                if self.inner.with_value(|i| i.stream_gen) != gen {
                    let _ = reader.cancel();
                    return;
                }
                self.inner.update_value(|i| {
                    i.reader = Some(reader.clone());
                    i.connected_once = true;
                });
                self.dispatch(Event::Connected);
                spawn_local(self.read_stream(reader, gen));
            }
            Err(e) => self.fail(e.diagnose(offline())),
        }
    }

    async fn read_stream(self, reader: ReadableStreamDefaultReader, gen: u32) {
        let mut parser = SseParser::default();
        while let Ok(Some(bytes)) = read_chunk(&reader).await {
            let events = parser.push_bytes(&bytes);
            if let Some(id) = parser.last_event_id() {
                let id = id.to_owned();
                self.inner.update_value(|i| i.last_event_id = Some(id));
            }
            for e in &events {
                if let Some(e) = ChatEvent::decode(&e.event, &e.data) {
                    match &e {
                        ChatEvent::Message { id, role, text, .. } => self.emit_message(
                            id,
                            if *role == crate::chat::Role::Visitor {
                                "visitor"
                            } else {
                                "assistant"
                            },
                            text,
                        ),
                        ChatEvent::ReplyEnd { id, text, .. } => {
                            self.emit_message(id, "assistant", text)
                        }
                        _ => {}
                    }
                    if let ChatEvent::Message {
                        client_id: Some(c), ..
                    } = &e
                    {
                        // Stored, maybe sent by another tab: off the outbox.
                        self.delivered(c);
                    }
                    self.transcript.update(|t| t.apply(e));
                }
            }
        }
        // Ended: by us (a newer stream, a state change) or by the network.
        let current = self
            .inner
            .try_with_value(|i| i.stream_gen == gen)
            .unwrap_or(false);
        if current && self.state.get_untracked().is_live() {
            self.inner.update_value(|i| i.reader = None);
            self.fail(Diagnosis::new(if offline() {
                Code::Offline
            } else {
                Code::Network
            }));
        }
    }

    fn stop_stream(self) {
        let reader = self.inner.try_update_value(|i| {
            i.stream_gen = i.stream_gen.wrapping_add(1);
            i.reader.take()
        });
        if let Some(Some(r)) = reader {
            let _ = r.cancel();
        }
    }

    /// Sends a visitor message: it shows at once, waits in the outbox while
    /// the connection is down, and is delivered once (its id is the
    /// idempotency key).
    pub fn send(self, text: String) {
        let text = text.trim().to_owned();
        if text.is_empty() {
            return;
        }
        let client_id = random_id();
        let ns = self.inner.with_value(|i| i.ns.clone());
        crate::outbox::add(&ns, &client_id, &text);
        self.transcript.update(|t| t.push_local(&client_id, &text));
        if self.state.get_untracked().is_live() {
            spawn_local(self.flush());
        }
    }

    /// Sends the queued messages, oldest first, while the session is live.
    async fn flush(self) {
        if self
            .inner
            .try_update_value(|i| std::mem::replace(&mut i.flushing, true))
            .unwrap_or(true)
        {
            return;
        }
        loop {
            let next = self.transcript.with_untracked(|t| {
                t.messages
                    .iter()
                    .find(|m| m.delivery == Delivery::Sending)
                    .map(|m| (m.client_id.clone().unwrap_or_default(), m.text.clone()))
            });
            let Some((client_id, text)) = next else { break };
            if !self.state.get_untracked().is_live() {
                break;
            }
            match self.send_once(&client_id, &text).await {
                Ok(id) => {
                    self.delivered(&client_id);
                    self.transcript
                        .update(|t| t.acknowledge(&client_id, Some(&id)));
                }
                // Too many messages at once: this one waits its turn,
                // the connection is fine.
                Err(d) if d.code == Code::RateLimited => {
                    sleep_ms(d.retry_after.unwrap_or(5) as f64 * 1000.0).await;
                }
                Err(d) => {
                    if d.recovery == Recovery::Stop || d.code == Code::Malformed {
                        // The server will never take this one: say so.
                        self.transcript.update(|t| t.acknowledge(&client_id, None));
                    }
                    self.fail(d);
                    break;
                }
            }
        }
        self.inner.update_value(|i| i.flushing = false);
    }

    /// One send, with one silent refresh and retry if the token was stale.
    async fn send_once(self, client_id: &str, text: &str) -> Result<String, Diagnosis> {
        for attempt in 0..2 {
            let (api, token, cid) = self.inner.with_value(|i| {
                let t = i.tokens.as_ref();
                (
                    i.api.clone(),
                    t.map(|t| t.access.clone()).unwrap_or_default(),
                    t.map(|t| t.conversation_id.clone()).unwrap_or_default(),
                )
            });
            match api.send_message(&token, &cid, client_id, text).await {
                Ok(stored) => return Ok(stored.id),
                Err(e) => {
                    let d = e.diagnose(offline());
                    if attempt == 0 && d.recovery == Recovery::RefreshSilently {
                        if let Err(d) = self.refresh_tokens().await {
                            return Err(d.unwrap_or(d_refresh_expired()));
                        }
                        continue;
                    }
                    return Err(d);
                }
            }
        }
        Err(Diagnosis::new(Code::Expired))
    }

    /// The server has the message `client_id`: it leaves the outbox.
    fn delivered(self, client_id: &str) {
        if let Some(ns) = self.inner.try_with_value(|i| i.ns.clone()) {
            crate::outbox::remove(&ns, client_id);
        }
    }

    /// "Retry" on a reply the assistant could not give: the question
    /// `reply_to` is sent again (same idempotency key), which the server
    /// takes as asking again.
    pub fn retry_reply(self, reply_to: String) {
        self.transcript.update(|t| {
            for m in &mut t.messages {
                if m.id == reply_to {
                    m.delivery = Delivery::Sending;
                } else if m.reply_to.as_ref() == Some(&reply_to) {
                    m.delivery = Delivery::Streaming;
                }
            }
        });
        self.deliver();
    }

    /// A manual retry of a message the server refused.
    pub fn resend(self, client_id: String) {
        self.transcript.update(|t| {
            if let Some(m) = t
                .messages
                .iter_mut()
                .find(|m| m.client_id.as_deref() == Some(&client_id))
            {
                if m.delivery == Delivery::Failed {
                    m.delivery = Delivery::Sending;
                }
            }
        });
        self.deliver();
    }

    /// Sends what waits now, or reconnects first.
    fn deliver(self) {
        if self.state.get_untracked().is_live() {
            spawn_local(self.flush());
        } else {
            self.retry_now();
        }
    }

    /// Sets the refresh timer for the current token.
    fn schedule_refresh(self) {
        let Some(Some(at)) = self.inner.try_with_value(|i| {
            i.tokens
                .as_ref()
                .map(|t| t.times.refresh_at_ms(i.offset_ms))
        }) else {
            return;
        };
        let wait = (at - now_ms()).max(0.0);
        self.after(wait, |s| {
            let due = s.inner.with_value(|i| {
                i.tokens
                    .as_ref()
                    .is_some_and(|t| t.times.due(now_ms(), i.offset_ms))
            });
            if due {
                s.dispatch(Event::NearExpiry { now_ms: now_ms() });
            } else {
                s.schedule_refresh();
            }
        });
    }

    /// Runs `f` after `wait_ms`, unless a newer timer replaced this one.
    /// A timer that fires far too late means the page slept: that is
    /// reported as waking up first.
    fn after(self, wait_ms: f64, f: impl FnOnce(ChatSession) + 'static) {
        let Some(gen) = self.inner.try_update_value(|i| {
            i.timer_gen = i.timer_gen.wrapping_add(1);
            i.timer_gen
        }) else {
            return;
        };
        let expected = now_ms() + wait_ms;
        spawn_local(async move {
            sleep_ms(wait_ms).await;
            if self.inner.try_with_value(|i| i.timer_gen) != Some(gen) {
                return;
            }
            if schedule::slept(expected, now_ms()) {
                self.woke();
            }
            f(self);
        });
    }

    /// The page is back (visible, restored, or after a sleep): retry a
    /// pending reconnect now and refresh a token that went stale meanwhile.
    fn woke(self) {
        self.dispatch(Event::Woke { now_ms: now_ms() });
        let due = self.inner.try_with_value(|i| {
            i.tokens
                .as_ref()
                .is_some_and(|t| t.times.due(now_ms(), i.offset_ms))
        });
        if due == Some(true) {
            self.dispatch(Event::NearExpiry { now_ms: now_ms() });
        }
    }

    fn listen(self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let add = |target: &web_sys::EventTarget, name: &str, f: Box<dyn FnMut(web_sys::Event)>| {
            let c = Closure::<dyn FnMut(web_sys::Event)>::wrap(f);
            let _ = target.add_event_listener_with_callback(name, c.as_ref().unchecked_ref());
            self.inner.update_value(|i| i.listeners.push(c));
        };
        add(
            &window,
            "online",
            Box::new(move |_| self.dispatch(Event::WentOnline)),
        );
        add(
            &window,
            "offline",
            Box::new(move |_| self.dispatch(Event::WentOffline)),
        );
        add(&window, "pageshow", Box::new(move |_| self.woke()));
        if let Some(doc) = window.document() {
            let d = doc.clone();
            add(
                &doc,
                "visibilitychange",
                Box::new(move |_| {
                    if !d.hidden() {
                        self.woke();
                    }
                }),
            );
        }
        if offline() {
            self.dispatch(Event::WentOffline);
        }
    }

    /// Names a failure to create a session. A bare network error may hide
    /// a CORS refusal, so the open diagnose endpoint is asked which it was.
    async fn judge(&self, api: &Api, error: &ApiError) -> Diagnosis {
        let off = offline();
        let d = error.diagnose(off);
        if matches!(error, ApiError::Network(_)) && !off {
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

    /// One console warning per problem for the site owner, not one per
    /// retry.
    fn warn_site_owner(self, code: Code) {
        if self
            .inner
            .try_update_value(|i| {
                let told = i.warned.contains(&code);
                if !told {
                    i.warned.push(code);
                }
                told
            })
            .unwrap_or(true)
        {
            return;
        }
        // The words come from the server: the bundle does not carry them.
        let Some(api) = self.inner.try_with_value(|i| i.api.clone()) else {
            return;
        };
        spawn_local(async move {
            let code = code.as_str();
            let line = match api.explain(code).await {
                Ok((explanation, fix)) => {
                    ["Causette: ", code, " — ", &explanation, " Fix: ", &fix].concat()
                }
                Err(_) => [
                    "Causette: ",
                    code,
                    " — the server could not be reached to explain it; run `causette doctor` to diagnose.",
                ]
                .concat(),
            };
            web_sys::console::warn_1(&JsValue::from_str(&line));
        });
    }
}

fn d_refresh_expired() -> Diagnosis {
    Diagnosis::new(Code::RefreshExpired)
}

async fn sleep_ms(ms: f64) {
    let ms = ms.clamp(0.0, i32::MAX as f64) as i32;
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
