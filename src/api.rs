//! Calls to the Causette server, thin over `fetch`.
//!
//! Everything here touches the network, so it stays small: it builds
//! requests, and hands failures back as [`ApiError`] for the diagnosis
//! library to judge. No token ever goes into a URL.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Headers, RequestInit, Response};

use crate::json::Object;
use wasm_bindgen_futures::JsFuture;
use web_sys::ReadableStreamDefaultReader;

/// What a failed call looked like from the browser.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The server answered with an error status.
    Http {
        /// HTTP status.
        status: u16,
        /// The `Retry-After` header, when exposed.
        retry_after: Option<String>,
        /// The body text.
        body: Option<String>,
    },
    /// `fetch` itself failed: offline, server down, or a CORS refusal.
    Network(String),
}

impl ApiError {
    async fn from_response(res: Response) -> Self {
        ApiError::Http {
            status: res.status(),
            retry_after: res.headers().get("retry-after").ok().flatten(),
            body: text(&res).await.ok(),
        }
    }

    /// Judges this failure with the shared diagnosis library.
    pub fn diagnose(&self, offline: bool) -> causette_token::Diagnosis {
        match self {
            ApiError::Http {
                status,
                retry_after,
                body,
            } => {
                // The body is read with the browser's JSON parser; the
                // library takes the two fields it needs. The body's
                // `reason` is the code `WWW-Authenticate` also carries, so
                // the header is not parsed here (its parser is 1.4 KB
                // gzip of the bundle).
                let body = body.as_deref().and_then(Object::parse);
                let field = |name: &str| body.as_ref().and_then(|b| b.str(name));
                causette_token::wire::diagnose_fields(
                    *status,
                    None,
                    retry_after.as_deref(),
                    field("reason").as_deref(),
                    field("scope").as_deref(),
                )
            }
            ApiError::Network(_) => causette_token::wire::diagnose_network_failure(offline),
        }
    }
}

impl ApiError {
    fn bad_body() -> Self {
        ApiError::Network("bad response body".to_owned())
    }
}

/// A new session: `POST /v1/sessions`.
#[derive(Debug, Clone)]
pub struct Session {
    /// Short-lived JWT, kept in memory only.
    pub access_token: String,
    /// Seconds the access token lives.
    pub expires_in: i64,
    /// Session id.
    pub session_id: String,
    /// The conversation this session writes to.
    pub conversation_id: String,
    /// Server clock (unix seconds) when the token was issued.
    pub server_time: i64,
    /// The rotating refresh token.
    pub refresh_token: String,
    /// The site's widget settings (`theme`, `scopes`).
    pub config: Option<Object>,
}

/// What `GET /v1/diagnose` says about this page's origin and site key.
#[derive(Debug, Clone)]
pub struct DiagnoseInfo {
    /// Whether the site key exists.
    pub site_known: bool,
    /// Whether the calling origin is on the site's allowlist.
    pub origin_allowed: bool,
}

/// A stored message, as returned by a send.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Server id of the message.
    pub id: String,
}

impl Session {
    /// Reads a session from the JSON body of `POST /v1/sessions`.
    pub fn from_json(body: &str) -> Option<Self> {
        let v = Object::parse(body)?;
        Some(Session {
            access_token: v.str("access_token")?,
            expires_in: v.int("expires_in")?,
            session_id: v.str("session_id")?,
            conversation_id: v.str("conversation_id")?,
            server_time: v.int("server_time")?,
            refresh_token: v.str("refresh_token")?,
            config: v.object("config"),
        })
    }
}

impl DiagnoseInfo {
    /// Reads the JSON body of `GET /v1/diagnose`.
    pub fn from_json(body: &str) -> Option<Self> {
        let v = Object::parse(body)?;
        Some(DiagnoseInfo {
            site_known: v.bool("site_known")?,
            origin_allowed: v.bool("origin_allowed")?,
        })
    }
}

impl Stored {
    /// Reads the JSON body of a message send.
    pub fn from_json(body: &str) -> Option<Self> {
        Some(Stored {
            id: Object::parse(body)?.str("id")?,
        })
    }
}

/// A transcript, as restored on load: `GET /v1/conversations/{id}`.
#[derive(Debug, Clone)]
pub struct Restored {
    /// Finished (and failed) messages, oldest first.
    pub messages: Vec<crate::chat::ChatMessage>,
    /// The event id to resume the stream after.
    pub resume_after: i64,
}

impl Restored {
    /// Reads the JSON body of a transcript: each stored message is put in
    /// place by the event that would have shown it.
    pub fn from_json(body: &str) -> Option<Self> {
        let v = Object::parse(body)?;
        let mut shown = crate::chat::Transcript::default();
        for m in v.objects("messages")? {
            shown.apply(crate::chat::ChatEvent::from_stored(&m)?);
        }
        Some(Restored {
            messages: shown.messages,
            resume_after: v.int("resume_after")?,
        })
    }
}

/// `{"<key>":"<value>"}` as JSON text.
fn json_object(key: &str, value: &str) -> String {
    let mut out = String::with_capacity(key.len() + value.len() + 8);
    out.push('{');
    crate::json::push_string(&mut out, key);
    out.push(':');
    crate::json::push_string(&mut out, value);
    out.push('}');
    out
}

/// The server's address, normally the origin `embed.js` was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    base: String,
}

impl Api {
    /// An API rooted at `base` (e.g. `https://chat.example.com`).
    pub fn new(base: &str) -> Self {
        Api {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The server's origin.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        [self.base.as_str(), path].concat()
    }

    fn conversation_url(&self, conversation_id: &str, tail: &str) -> String {
        [
            self.base.as_str(),
            "/v1/conversations/",
            conversation_id,
            tail,
        ]
        .concat()
    }

    /// One call: a GET, or a POST of the JSON `body`, with the bearer
    /// `token` and `headers`; an error status is an [`ApiError`].
    async fn call(
        &self,
        url: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<Response, ApiError> {
        let h = Headers::new().map_err(js_failure)?;
        let init = RequestInit::new();
        if let Some(b) = body {
            init.set_method("POST");
            let _ = h.set("Content-Type", "application/json");
            init.set_body(&JsValue::from_str(&b));
        }
        if let Some(t) = token {
            let _ = h.set("Authorization", &bearer(t));
        }
        for (name, value) in headers {
            let _ = h.set(name, value);
        }
        init.set_headers(&h);
        let window = web_sys::window().ok_or_else(ApiError::bad_body)?;
        let res: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .map_err(js_failure)?
            .unchecked_into();
        if res.ok() {
            Ok(res)
        } else {
            Err(ApiError::from_response(res).await)
        }
    }

    /// [`Self::call`], and the answer's body as text.
    async fn call_text(
        &self,
        url: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<String, ApiError> {
        text(&self.call(url, token, headers, body).await?).await
    }

    /// Starts a session for `site_key`.
    pub async fn create_session(&self, site_key: &str) -> Result<Session, ApiError> {
        let body = json_object("site_key", site_key);
        let res = self
            .call_text(&self.url("/v1/sessions"), None, &[], Some(body))
            .await?;
        Session::from_json(&res).ok_or_else(ApiError::bad_body)
    }

    /// Exchanges a refresh token for a new pair.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Session, ApiError> {
        let body = json_object("refresh_token", refresh_token);
        let res = self
            .call_text(&self.url("/v1/sessions/refresh"), None, &[], Some(body))
            .await?;
        Session::from_json(&res).ok_or_else(ApiError::bad_body)
    }

    /// Tells the server who the visitor is; `body` is the JSON of
    /// `{id, name, email, hash}`. A refusal is an [`ApiError`].
    pub async fn identify(&self, token: &str, body: String) -> Result<(), ApiError> {
        let url = self.url("/v1/sessions/current/identity");
        self.call(&url, Some(token), &[], Some(body))
            .await
            .map(drop)
    }

    /// Sends a visitor message; `client_id` is its idempotency key.
    pub async fn send_message(
        &self,
        token: &str,
        conversation_id: &str,
        client_id: &str,
        text: &str,
    ) -> Result<Stored, ApiError> {
        let url = self.conversation_url(conversation_id, "/messages");
        let headers = [("Idempotency-Key", client_id)];
        let res = self.call_text(&url, Some(token), &headers, Some(json_object("text", text)));
        Stored::from_json(&res.await?).ok_or_else(ApiError::bad_body)
    }

    /// The conversation's transcript.
    pub async fn transcript(
        &self,
        token: &str,
        conversation_id: &str,
    ) -> Result<Restored, ApiError> {
        let url = self.conversation_url(conversation_id, "");
        let res = self.call_text(&url, Some(token), &[], None);
        Restored::from_json(&res.await?).ok_or_else(ApiError::bad_body)
    }

    /// Opens the conversation's event stream, resuming after `last_event_id`.
    pub async fn open_events(
        &self,
        token: &str,
        conversation_id: &str,
        last_event_id: Option<&str>,
    ) -> Result<ReadableStreamDefaultReader, ApiError> {
        let url = self.conversation_url(conversation_id, "/events");
        let accept = ("Accept", "text/event-stream");
        let res = match last_event_id {
            Some(id) => {
                let headers = [accept, ("Last-Event-ID", id)];
                self.call(&url, Some(token), &headers, None).await?
            }
            None => self.call(&url, Some(token), &[accept], None).await?,
        };
        let body = res
            .body()
            .ok_or_else(|| ApiError::Network("event stream without a body".into()))?;
        Ok(body.get_reader().unchecked_into())
    }

    /// Asks the server, which answers any origin, whether this page may chat.
    pub async fn diagnose(&self, site_key: &str) -> Result<DiagnoseInfo, ApiError> {
        let url = self.query_url("site", site_key);
        let res = self.call_text(&url, None, &[], None);
        DiagnoseInfo::from_json(&res.await?).ok_or_else(ApiError::bad_body)
    }

    /// A reason code's explanation and fix, in the diagnosis library's
    /// words, from the open diagnose endpoint: the bundle leaves them out.
    pub async fn explain(&self, code: &str) -> Result<(String, String), ApiError> {
        let res = self
            .call_text(&self.query_url("code", code), None, &[], None)
            .await?;
        let v = Object::parse(&res).ok_or_else(ApiError::bad_body)?;
        v.str("explanation")
            .zip(v.str("fix"))
            .ok_or_else(ApiError::bad_body)
    }
}

impl Api {
    /// `/v1/diagnose?NAME=VALUE`.
    fn query_url(&self, name: &str, value: &str) -> String {
        let value = String::from(js_sys::encode_uri_component(value));
        [self.base.as_str(), "/v1/diagnose?", name, "=", &value].concat()
    }
}

/// A body read as text.
async fn text(res: &Response) -> Result<String, ApiError> {
    JsFuture::from(res.text().map_err(js_failure)?)
        .await
        .map_err(js_failure)?
        .as_string()
        .ok_or_else(ApiError::bad_body)
}

fn bearer(token: &str) -> String {
    ["Bearer ", token].concat()
}

/// Reads the next chunk of a body; `None` at the end of the stream.
pub async fn read_chunk(reader: &ReadableStreamDefaultReader) -> Result<Option<Vec<u8>>, ApiError> {
    let result = JsFuture::from(reader.read()).await.map_err(js_failure)?;
    let done = js_sys::Reflect::get(&result, &"done".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    if done {
        return Ok(None);
    }
    let value = js_sys::Reflect::get(&result, &"value".into()).map_err(js_failure)?;
    Ok(Some(js_sys::Uint8Array::new(&value).to_vec()))
}

/// A failed read, described without `JsValue`'s `Debug` (which ships a
/// JavaScript pretty-printer in the glue).
fn js_failure(e: wasm_bindgen::JsValue) -> ApiError {
    ApiError::Network(
        e.dyn_into::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|_| "stream read failed".to_owned()),
    )
}

// Native only: checks the request bodies with serde_json.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn request_bodies_are_json() {
        let body = json_object("text", "a \"b\" \\ c\nd\u{1}é ✓");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["text"], "a \"b\" \\ c\nd\u{1}é ✓");
        assert_eq!(json_object("site_key", "demo"), r#"{"site_key":"demo"}"#);
    }

    #[test]
    fn response_bodies_are_read() {
        let s = Session::from_json(
            r#"{"access_token":"t","expires_in":300,"session_id":"s","conversation_id":"c","server_time":1800000000,"refresh_token":"r","extra":1}"#,
        )
        .unwrap();
        assert_eq!(
            (
                s.access_token.as_str(),
                s.expires_in,
                s.conversation_id.as_str()
            ),
            ("t", 300, "c")
        );
        assert!(Session::from_json(r#"{"access_token":"t"}"#).is_none());
        let d = DiagnoseInfo::from_json(r#"{"site_known":true,"origin_allowed":false}"#).unwrap();
        assert!(d.site_known && !d.origin_allowed);
        assert_eq!(Stored::from_json(r#"{"id":"m1"}"#).unwrap().id, "m1");
        let r = Restored::from_json(
            r#"{"id":"c","resume_after":7,"messages":[
              {"id":"m1","role":"visitor","text":"hi","client_id":"k1","state":"done","reply_to":null,"created_at":1},
              {"id":"r1","role":"assistant","text":"partial","client_id":null,"state":"failed","reply_to":"m1","created_at":2}]}"#,
        )
        .unwrap();
        assert_eq!(r.resume_after, 7);
        assert_eq!(r.messages[0].client_id.as_deref(), Some("k1"));
        assert_eq!(r.messages[1].delivery, crate::chat::Delivery::Failed);
        assert_eq!(
            r.messages[1].text, "",
            "a failed reply shows no half answer"
        );
        assert_eq!(r.messages[1].reply_to.as_deref(), Some("m1"));
        assert!(Restored::from_json(
            r#"{"messages":[{"id":"x","role":"robot","text":""}],"resume_after":0}"#
        )
        .is_none());
        assert!(Stored::from_json("not json").is_none());
    }
}
