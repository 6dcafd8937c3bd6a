//! Answers from the big models: a site may name a model (`causette site
//! update SITE --model openai:gpt-4o`), and its visitors' questions then go
//! to that model with the site's own passages, streamed through the
//! vendor's native streaming API.
//!
//! | module | concern |
//! |---|---|
//! | [`model`] | `vendor:model` strings, base URLs, key names |
//! | [`prompt`] | what the model is told |
//! | `openai`, `anthropic`, `gemini` | each vendor's request and events |
//! | [`sse`] | the incremental server-sent-events reader they share |
//! | [`secrets`] | API keys: secrets file, then environment |
//! | [`metrics`] | failure and reply counters, `GET /metrics` |
//!
//! # For the answerer
//!
//! ```ignore
//! // The transcript may already hold the question: it is asked once.
//! let history = Turn::from_messages(&state.store.transcript(conversation_id).await?);
//! match provider::reply_stream(&state, site, question, &history).await? {
//!     None => { /* the site answers from its knowledge base */ }
//!     Some(mut pieces) => {
//!         while let Some(piece) = pieces.next().await {
//!             match piece {
//!                 Ok(text) => { /* relay it as a reply.delta */ }
//!                 // Already logged and counted; e.code() is the upstream code.
//!                 Err(e) => { /* end the reply as failed */ break; }
//!             }
//!         }
//!     }
//! }
//! ```
//!
//! A failure before the first piece (no key, refused key, unreachable
//! provider …) and a failure after some pieces (a cut stream, an error
//! event) both come as one `Err` item, after which the stream ends. A
//! stream that ends without `Err` ended at the vendor's end marker: the
//! pieces concatenate to the whole reply. Each failure is logged once, as
//! one `tracing` line for the operator (code, provider, site, status, the
//! fix; never the key), and counted in [`Metrics`].

mod anthropic;
mod gemini;
pub mod metrics;
pub mod model;
mod openai;
pub mod prompt;
pub mod secrets;
pub mod sse;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use causette_token::upstream::{Transport, UpstreamCode, UpstreamVerdict};
use futures::stream::{BoxStream, StreamExt as _};
use serde_json::Value;

use crate::app::AppState;
use crate::store::Site;

pub use metrics::{router, Metrics};
pub use model::{Model, Protocol, Vendor};
pub use prompt::Prompt;
pub use secrets::{Secret, Secrets};

/// How long a provider may take to start answering (a local server may be
/// loading its model).
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a started answer may go without a new piece.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long to read an error answer's body, and how much of it.
const ERROR_BODY_TIMEOUT: Duration = Duration::from_secs(10);
const ERROR_BODY_MAX: usize = 16 * 1024;

/// Who said a turn of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The visitor.
    Visitor,
    /// The site's answerer.
    Assistant,
}

impl Role {
    /// The role of a stored message (`visitor` or `assistant`).
    pub fn parse(stored: &str) -> Option<Role> {
        match stored {
            "visitor" => Some(Role::Visitor),
            "assistant" => Some(Role::Assistant),
            _ => None,
        }
    }
}

/// One earlier message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// Who said it.
    pub role: Role,
    /// What was said.
    pub text: String,
}

impl Turn {
    /// The turns of stored messages, in their order; messages of any other
    /// role are left out. Only the last few are sent (see
    /// [`prompt::MAX_HISTORY`]), so a whole transcript may be passed.
    pub fn from_messages(messages: &[crate::store::Message]) -> Vec<Turn> {
        messages
            .iter()
            .filter_map(|m| {
                Some(Turn {
                    role: Role::parse(&m.role)?,
                    text: m.content.clone(),
                })
            })
            .collect()
    }
}

/// A failed call to a model provider. It has been logged and counted by
/// the time the answerer sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{provider}: {verdict}")]
pub struct ProviderError {
    provider: &'static str,
    verdict: UpstreamVerdict,
}

impl ProviderError {
    /// The stable upstream code (`provider_key_rejected`,
    /// `provider_rate_limited`, `provider_unavailable` …).
    pub fn code(&self) -> &'static str {
        self.verdict.code.as_str()
    }

    /// Whether asking again later may succeed without anyone changing
    /// anything (rate limits, outages).
    pub fn is_transient(&self) -> bool {
        self.verdict.code.is_transient()
    }

    /// Seconds the provider asked to wait, when it said.
    pub fn retry_after(&self) -> Option<u64> {
        self.verdict.retry_after
    }

    /// The vendor (`openai`, `anthropic`, `gemini`, `mistral`, `ollama`,
    /// `llamacpp`).
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// The whole verdict: explanation, fix, status, detail (for the
    /// operator only; the detail quotes the provider).
    pub fn verdict(&self) -> &UpstreamVerdict {
        &self.verdict
    }
}

/// A reply as it streams: text pieces in order, or one final `Err`.
pub type Pieces = BoxStream<'static, Result<String, ProviderError>>;

/// The site's model reply as a stream of text pieces, or `None` when the
/// site answers from its knowledge base.
///
/// `history` is the conversation (oldest first; the last few turns are
/// used); it may end with the question itself, as a transcript read after
/// the question was stored does — it is then asked once. The site's passages relevant to the question are
/// found here. `Err` only for the server's own failures (the database);
/// everything about the provider comes through the stream, see the
/// [module documentation](self).
pub async fn reply_stream(
    state: &AppState,
    site_key: &str,
    question: &str,
    history: &[Turn],
) -> anyhow::Result<Option<Pieces>> {
    let site = state
        .access
        .site(site_key)
        .await?
        .with_context(|| format!("no site has the key {site_key:?}"))?;
    site_reply(&state.providers, &state.kb, &site, question, history).await
}

/// The visitor's message before `question` in `history` (which may end
/// with the question itself, stored before it is answered).
fn previous_question(history: &[Turn], question: &str) -> Option<String> {
    let mut visitor = history.iter().rev().filter(|t| t.role == Role::Visitor);
    let mut last = visitor.next()?;
    if last.text.trim() == question.trim() {
        last = visitor.next()?;
    }
    Some(last.text.clone())
}

/// [`reply_stream`] for a site already read, with the providers and
/// knowledge bases given (`causette site ask` has no server state).
pub async fn site_reply(
    providers: &Providers,
    kb: &Arc<crate::kb::Library>,
    site: &Site,
    question: &str,
    history: &[Turn],
) -> anyhow::Result<Option<Pieces>> {
    let Some(target) =
        Target::of_site(site).map_err(|e| anyhow::anyhow!("site {}: {e}", site.key))?
    else {
        return Ok(None);
    };
    let kb = kb.clone();
    let (key, asked) = (site.key.clone(), question.to_owned());
    let previous = previous_question(history, question);
    let found = tokio::task::spawn_blocking(move || {
        kb.passages_in_context(&key, &asked, previous.as_deref(), prompt::MAX_PASSAGES)
    })
    .await?;
    let passages = found.unwrap_or_else(|e| {
        tracing::warn!(error = ?e, site = %site.key, "knowledge base search failed; asking the model without passages");
        Vec::new()
    });
    let prompt = prompt::build(&site.name, &passages, history, question);
    Ok(Some(providers.stream(&target, &site.key, prompt)))
}

/// Where a site's questions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The model.
    pub model: Model,
    /// The API address, without a trailing slash.
    pub base_url: String,
    /// The key's name, when the site names one.
    pub key_name: Option<String>,
}

impl Target {
    /// The site's target; `None` when it answers from its knowledge base.
    pub fn of_site(site: &Site) -> Result<Option<Target>, String> {
        let Some(model) = site
            .model
            .as_deref()
            .map(Model::parse)
            .transpose()?
            .flatten()
        else {
            return Ok(None);
        };
        let base_url = match site.model_base_url.as_deref() {
            Some(u) => model::parse_base_url(u)?,
            None => model.vendor.default_base_url().to_owned(),
        };
        Ok(Some(Target {
            model,
            base_url,
            key_name: site.model_key.clone(),
        }))
    }

    /// The name of the key used: the site's, else the vendor's default.
    pub fn key_name(&self) -> Option<&str> {
        self.key_name
            .as_deref()
            .or(self.model.vendor.default_key_name())
    }

    /// Whether a call cannot go without a key: one the site names, or a
    /// vendor's own API. A local server, or another address for a
    /// compatible one, gets the key only when there is one.
    pub fn needs_key(&self) -> bool {
        self.key_name.is_some()
            || (self.model.vendor.default_key_name().is_some()
                && self.base_url == self.model.vendor.default_base_url())
    }
}

/// The server's side of the providers: one HTTP client, the keys, the
/// counters. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Providers {
    http: reqwest::Client,
    secrets: Arc<Secrets>,
    metrics: Metrics,
}

impl Providers {
    /// Providers using these keys.
    pub fn new(secrets: Secrets) -> anyhow::Result<Providers> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // Keys travel in headers that a redirect to another host would
            // carry along: a redirect is reported instead (a wrong base URL).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("causette/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot set up the HTTP client for model providers")?;
        Ok(Providers {
            http,
            secrets: Arc::new(secrets),
            metrics: Metrics::default(),
        })
    }

    /// The failure and reply counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The keys.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Sends `prompt` to `target` for site `site` and streams the reply.
    /// Nothing is sent until the stream is first polled; dropping it stops
    /// the call.
    pub fn stream(&self, target: &Target, site: &str, prompt: Prompt) -> Pieces {
        let vendor = target.model.vendor;
        let key = target.key_name().and_then(|n| self.secrets.get(n));
        let phase = if key.is_none() && target.needs_key() {
            let name = target.key_name().unwrap_or_default();
            let place = match self.secrets.path() {
                Some(p) => format!("in the secrets file {} nor", p.display()),
                None => "in the secrets file (none given) nor".to_owned(),
            };
            Phase::Refused(
                UpstreamCode::ProviderKeyMissing
                    .verdict()
                    .with_detail(&format!("{name} is set neither {place} in the environment")),
            )
        } else {
            let (base, model) = (target.base_url.as_str(), target.model.name.as_str());
            let k = key.as_ref();
            Phase::Send(match vendor.protocol() {
                Protocol::ChatCompletions => openai::request(&self.http, base, k, model, &prompt),
                Protocol::Messages => anthropic::request(&self.http, base, k, model, &prompt),
                Protocol::GenerateContent => gemini::request(&self.http, base, k, model, &prompt),
            })
        };
        let call = Call {
            providers: self.clone(),
            provider: vendor.name(),
            site: site.to_owned(),
            key,
            phase,
            reader: sse::Reader::new(),
            decoder: Decoder::of(vendor.protocol()),
            queue: VecDeque::new(),
            pieces: 0,
        };
        futures::stream::unfold(call, |mut call| async move {
            loop {
                if let Some(item) = call.queue.pop_front() {
                    return Some((item, call));
                }
                if matches!(call.phase, Phase::Over) {
                    return None;
                }
                call.advance().await;
            }
        })
        .boxed()
    }
}

/// What a vendor's event brings.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// A piece of the reply.
    Text(String),
    /// Nothing for the visitor (metadata, keep-alive).
    Nothing,
    /// The vendor's end-of-message marker.
    End,
}

/// Why an event cannot be relayed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fault {
    /// The provider reported an error inside the stream.
    Reported {
        name: String,
        status: Option<u16>,
        message: String,
    },
    /// Not the vendor's format.
    Garbled(String),
}

/// An event's data as JSON, or the fault of a stream in another format.
fn event_json(ev: &sse::Event) -> Result<Value, Fault> {
    serde_json::from_str(&ev.data)
        .map_err(|e| Fault::Garbled(format!("an event's data is not JSON ({e}): {}", ev.data)))
}

/// The fault for a vendor's error object: its name is the first string
/// among `name_fields`, its status a numeric `code`.
fn reported(err: &Value, name_fields: &[&str]) -> Fault {
    let name = name_fields
        .iter()
        .find_map(|f| err.get(*f).and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    Fault::Reported {
        name,
        status: err
            .get("code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok()),
        message: err
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    }
}

#[derive(Debug)]
enum Decoder {
    OpenAi(openai::Decoder),
    Anthropic(anthropic::Decoder),
    Gemini(gemini::Decoder),
}

impl Decoder {
    fn of(protocol: Protocol) -> Decoder {
        match protocol {
            Protocol::ChatCompletions => Decoder::OpenAi(Default::default()),
            Protocol::Messages => Decoder::Anthropic(Default::default()),
            Protocol::GenerateContent => Decoder::Gemini(Default::default()),
        }
    }

    fn event(&mut self, ev: &sse::Event) -> Result<Step, Fault> {
        match self {
            Decoder::OpenAi(d) => d.event(ev),
            Decoder::Anthropic(d) => d.event(ev),
            Decoder::Gemini(d) => d.event(ev),
        }
    }

    fn complete(&self) -> bool {
        match self {
            Decoder::OpenAi(d) => d.complete(),
            Decoder::Anthropic(d) => d.complete(),
            Decoder::Gemini(d) => d.complete(),
        }
    }
}

enum Phase {
    /// Failed before anything was sent.
    Refused(UpstreamVerdict),
    /// The request, not sent yet.
    Send(reqwest::RequestBuilder),
    /// Reading the answer.
    Read(BoxStream<'static, reqwest::Result<Bytes>>),
    /// Ended, well or not.
    Over,
}

/// One call in progress.
struct Call {
    providers: Providers,
    provider: &'static str,
    site: String,
    /// Kept to scrub it from anything the provider echoes back.
    key: Option<Secret>,
    phase: Phase,
    reader: sse::Reader,
    decoder: Decoder,
    queue: VecDeque<Result<String, ProviderError>>,
    pieces: usize,
}

impl Call {
    /// Moves the call one step on: queues pieces, or ends it.
    async fn advance(&mut self) {
        match std::mem::replace(&mut self.phase, Phase::Over) {
            Phase::Over => {}
            Phase::Refused(v) => self.fail(v),
            Phase::Send(request) => {
                match tokio::time::timeout(RESPONSE_TIMEOUT, request.send()).await {
                    Err(_) => self.fail(UpstreamVerdict::from_transport(
                        Transport::Timeout,
                        &format!("no answer within {} s", RESPONSE_TIMEOUT.as_secs()),
                    )),
                    Ok(Err(e)) => {
                        let transport = if e.is_timeout() {
                            Transport::Timeout
                        } else {
                            Transport::Connect
                        };
                        self.fail(UpstreamVerdict::from_transport(transport, &chain(&e)));
                    }
                    Ok(Ok(res)) if !res.status().is_success() => {
                        let status = res.status().as_u16();
                        let retry_after = res
                            .headers()
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned);
                        // Scrubbed whole, before any excerpt could cut a key in two.
                        let body = error_body(res).await;
                        let body = self.scrub(&body);
                        self.fail(UpstreamVerdict::from_status(
                            status,
                            retry_after.as_deref(),
                            &body,
                        ));
                    }
                    Ok(Ok(res)) => {
                        let kind = res
                            .headers()
                            .get(reqwest::header::CONTENT_TYPE)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("text/event-stream")
                            .to_ascii_lowercase();
                        if kind.starts_with("text/event-stream") {
                            self.phase = Phase::Read(res.bytes_stream().boxed());
                        } else {
                            // A web page, or a whole JSON answer from a server
                            // that ignored "stream": not something to relay.
                            let body = error_body(res).await;
                            let what = format!("the answer is {kind}, not an event stream: {body}");
                            let what = self.scrub(&what);
                            self.fail(UpstreamVerdict::from_transport(Transport::Garbled, &what));
                        }
                    }
                }
            }
            Phase::Read(mut body) => match tokio::time::timeout(IDLE_TIMEOUT, body.next()).await {
                Err(_) => self.fail(UpstreamVerdict::from_transport(
                    Transport::Timeout,
                    &format!(
                        "nothing for {} s after {} piece(s)",
                        IDLE_TIMEOUT.as_secs(),
                        self.pieces
                    ),
                )),
                Ok(Some(Err(e))) => self.fail(UpstreamVerdict::from_transport(
                    Transport::Cut,
                    &format!(
                        "the stream broke after {} piece(s): {}",
                        self.pieces,
                        chain(&e)
                    ),
                )),
                Ok(Some(Ok(bytes))) => match self.reader.push(&bytes) {
                    Err(sse::TooLong) => self.fail(UpstreamVerdict::from_transport(
                        Transport::Garbled,
                        "the answer is not an event stream (no line breaks)",
                    )),
                    Ok(events) => {
                        self.phase = Phase::Read(body);
                        for ev in events {
                            if !self.on_event(&ev) {
                                break;
                            }
                        }
                    }
                },
                Ok(None) => {
                    self.phase = Phase::Read(body);
                    if let Some(ev) = self.reader.finish() {
                        self.on_event(&ev);
                    }
                    if matches!(self.phase, Phase::Read(_)) {
                        if self.decoder.complete() {
                            self.succeed();
                        } else {
                            self.fail(UpstreamVerdict::from_transport(
                                    Transport::Cut,
                                    &format!(
                                        "the stream ended after {} piece(s) without the end of the message",
                                        self.pieces
                                    ),
                                ));
                        }
                    }
                }
            },
        }
    }

    /// Relays one event; `false` once the call is over.
    fn on_event(&mut self, ev: &sse::Event) -> bool {
        match self.decoder.event(ev) {
            Ok(Step::Text(t)) => {
                self.pieces += 1;
                self.queue.push_back(Ok(t));
                true
            }
            Ok(Step::Nothing) => true,
            Ok(Step::End) => {
                self.succeed();
                false
            }
            Err(Fault::Reported {
                name,
                status,
                message,
            }) => {
                let message = self.scrub(&message);
                self.fail(UpstreamVerdict::from_reported(&name, status, &message));
                false
            }
            Err(Fault::Garbled(what)) => {
                let what = self.scrub(&what);
                self.fail(UpstreamVerdict::from_transport(Transport::Garbled, &what));
                false
            }
        }
    }

    fn succeed(&mut self) {
        self.phase = Phase::Over;
        self.providers.metrics.reply(self.provider);
        tracing::debug!(provider = self.provider, site = %self.site, pieces = self.pieces, "model reply complete");
    }

    /// Ends the call with `verdict`: one log line, one count, one `Err`.
    fn fail(&mut self, mut verdict: UpstreamVerdict) {
        self.phase = Phase::Over;
        verdict.detail = self.scrub(&verdict.detail);
        let v = &verdict;
        if v.code.is_transient() {
            tracing::warn!(upstream = %v.code, provider = self.provider, site = %self.site, status = v.status, retry_after = v.retry_after, pieces = self.pieces, detail = %v.detail, fix = v.fix, "{}", v.explanation);
        } else {
            tracing::error!(upstream = %v.code, provider = self.provider, site = %self.site, status = v.status, pieces = self.pieces, detail = %v.detail, fix = v.fix, "{}", v.explanation);
        }
        self.providers
            .metrics
            .failure(v.code.as_str(), self.provider);
        self.queue.push_back(Err(ProviderError {
            provider: self.provider,
            verdict,
        }));
    }

    /// `text` without the key, nor the masked forms of it some vendors
    /// echo back (`sk-proj-****abcd`).
    fn scrub(&self, text: &str) -> String {
        scrub(text, self.key.as_ref())
    }
}

fn scrub(text: &str, key: Option<&Secret>) -> String {
    let mut out = match key.map(Secret::expose).filter(|k| k.len() >= 4) {
        Some(k) => text.replace(k, "[redacted]"),
        None => text.to_owned(),
    };
    if out.contains("***") {
        out = out
            .split(' ')
            .map(|w| if w.contains("***") { "[redacted]" } else { w })
            .collect::<Vec<_>>()
            .join(" ");
    }
    out
}

/// An error and its causes, on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// The start of an error answer's body, read for at most a few seconds.
async fn error_body(res: reqwest::Response) -> String {
    let mut body = Vec::new();
    let mut stream = res.bytes_stream();
    let read = async {
        while let Some(Ok(chunk)) = stream.next().await {
            body.extend_from_slice(&chunk);
            if body.len() >= ERROR_BODY_MAX {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(ERROR_BODY_TIMEOUT, read).await;
    body.truncate(ERROR_BODY_MAX);
    String::from_utf8_lossy(&body).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Plan;

    fn site(model: Option<&str>, base: Option<&str>, key: Option<&str>) -> Site {
        Site {
            key: "shop".into(),
            name: "Shop".into(),
            origins: vec![],
            plan: Plan::Free,
            access_ttl_secs: 300,
            theme: serde_json::json!({}),
            model: model.map(Into::into),
            model_base_url: base.map(Into::into),
            model_key: key.map(Into::into),
        }
    }

    #[test]
    fn the_previous_question_skips_the_question_itself_and_replies() {
        let turn = |role, text: &str| Turn {
            role,
            text: text.into(),
        };
        let history = [
            turn(Role::Visitor, "What is your returns policy?"),
            turn(Role::Assistant, "Thirty days."),
            turn(Role::Visitor, "Can I get my money back?"),
        ];
        let q = "Can I get my money back?";
        // Stored before it is answered, or not yet: the same one before it.
        assert_eq!(
            previous_question(&history, q).as_deref(),
            Some("What is your returns policy?")
        );
        assert_eq!(
            previous_question(&history[..2], q).as_deref(),
            Some("What is your returns policy?")
        );
        assert_eq!(previous_question(&history[2..], q), None);
        assert_eq!(previous_question(&[], q), None);
    }

    #[test]
    fn targets_of_sites() {
        assert_eq!(Target::of_site(&site(None, None, None)), Ok(None));
        assert_eq!(Target::of_site(&site(Some("kb"), None, None)), Ok(None));
        let t = Target::of_site(&site(Some("openai:gpt-4o"), None, None))
            .unwrap()
            .unwrap();
        assert_eq!(t.base_url, "https://api.openai.com/v1");
        assert_eq!(t.key_name(), Some("OPENAI_API_KEY"));
        assert!(t.needs_key());
        // Another address for a compatible server: the key is optional…
        let t = Target::of_site(&site(
            Some("openai:qwen"),
            Some("http://10.0.0.5:8000/v1/"),
            None,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(t.base_url, "http://10.0.0.5:8000/v1");
        assert!(!t.needs_key());
        // …unless the site names one.
        let t = Target::of_site(&site(Some("ollama:llama3.2"), None, Some("OLLAMA_KEY")))
            .unwrap()
            .unwrap();
        assert_eq!(t.key_name(), Some("OLLAMA_KEY"));
        assert!(t.needs_key());
        let t = Target::of_site(&site(Some("ollama:llama3.2"), None, None))
            .unwrap()
            .unwrap();
        assert_eq!((t.key_name(), t.needs_key()), (None, false));
        assert!(Target::of_site(&site(Some("nope"), None, None)).is_err());
    }

    #[test]
    fn keys_are_scrubbed() {
        let key = Secret::new("sk-proj-abcdefgh12345678");
        assert_eq!(
            scrub("bad key sk-proj-abcdefgh12345678!", Some(&key)),
            "bad key [redacted]!"
        );
        assert_eq!(
            scrub(
                "Incorrect API key provided: sk-proj-****************5678. You can find…",
                None
            ),
            "Incorrect API key provided: [redacted] You can find…"
        );
        assert_eq!(scrub("nothing here", Some(&key)), "nothing here");
    }

    #[test]
    fn turns_of_stored_messages() {
        let m = |role: &str, text: &str| crate::store::Message {
            id: "m".into(),
            role: role.into(),
            content: text.into(),
            client_id: None,
            created_at: 0,
            state: "done".into(),
            reply_to: None,
        };
        let turns = Turn::from_messages(&[
            m("visitor", "hi"),
            m("system", "x"),
            m("assistant", "hello"),
        ]);
        assert_eq!(
            turns,
            vec![
                Turn {
                    role: Role::Visitor,
                    text: "hi".into()
                },
                Turn {
                    role: Role::Assistant,
                    text: "hello".into()
                }
            ]
        );
    }
}
