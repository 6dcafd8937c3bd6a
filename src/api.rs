//! Calls to the Causette server, thin over `fetch`.
//!
//! Everything here touches the network, so it stays small: it builds
//! requests, and hands failures back as [`ApiError`] for the diagnosis
//! library to judge. No token ever goes into a URL.

use gloo_net::http::{Request, Response};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::ReadableStreamDefaultReader;

/// What a failed call looked like from the browser.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The server answered with an error status.
    Http {
        /// HTTP status.
        status: u16,
        /// The `WWW-Authenticate` header, when exposed.
        www_authenticate: Option<String>,
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
        let headers = res.headers();
        ApiError::Http {
            status: res.status(),
            www_authenticate: headers.get("www-authenticate"),
            retry_after: headers.get("retry-after"),
            body: res.text().await.ok(),
        }
    }

    /// Judges this failure with the shared diagnosis library.
    pub fn diagnose(&self, offline: bool) -> causette_token::Diagnosis {
        match self {
            ApiError::Http {
                status,
                www_authenticate,
                retry_after,
                body,
            } => causette_token::wire::diagnose_response(
                *status,
                www_authenticate.as_deref(),
                retry_after.as_deref(),
                body.as_deref(),
            ),
            ApiError::Network(_) => causette_token::wire::diagnose_network_failure(offline),
        }
    }
}

impl From<gloo_net::Error> for ApiError {
    fn from(e: gloo_net::Error) -> Self {
        ApiError::Network(e.to_string())
    }
}

/// A new session: `POST /v1/sessions`.
#[derive(Debug, Clone, Deserialize)]
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
}

/// What `GET /v1/diagnose` says about this page's origin and site key.
#[derive(Debug, Clone, Deserialize)]
pub struct DiagnoseInfo {
    /// Whether the site key exists.
    pub site_known: bool,
    /// Whether the calling origin is on the site's allowlist.
    pub origin_allowed: bool,
}

/// A stored message, as returned by a send.
#[derive(Debug, Clone, Deserialize)]
pub struct Stored {
    /// Server id of the message.
    pub id: String,
}

/// The server's address, normally the origin `embed.js` was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    base: String,
}

#[derive(Serialize)]
struct NewSession<'a> {
    site_key: &'a str,
}

#[derive(Serialize)]
struct NewMessage<'a> {
    text: &'a str,
}

impl Api {
    /// An API rooted at `base` (e.g. `https://chat.example.com`).
    pub fn new(base: &str) -> Self {
        Api {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn ok(res: Response) -> Result<Response, ApiError> {
        if res.ok() {
            Ok(res)
        } else {
            Err(ApiError::from_response(res).await)
        }
    }

    /// Starts a session for `site_key`.
    pub async fn create_session(&self, site_key: &str) -> Result<Session, ApiError> {
        let res = Request::post(&self.url("/v1/sessions"))
            .json(&NewSession { site_key })?
            .send()
            .await?;
        Ok(Self::ok(res).await?.json().await?)
    }

    /// Sends a visitor message; `client_id` is its idempotency key.
    pub async fn send_message(
        &self,
        token: &str,
        conversation_id: &str,
        client_id: &str,
        text: &str,
    ) -> Result<Stored, ApiError> {
        let res =
            Request::post(&self.url(&format!("/v1/conversations/{conversation_id}/messages")))
                .header("Authorization", &format!("Bearer {token}"))
                .header("Idempotency-Key", client_id)
                .json(&NewMessage { text })?
                .send()
                .await?;
        Ok(Self::ok(res).await?.json().await?)
    }

    /// Opens the conversation's event stream, resuming after `last_event_id`.
    pub async fn open_events(
        &self,
        token: &str,
        conversation_id: &str,
        last_event_id: Option<&str>,
    ) -> Result<ReadableStreamDefaultReader, ApiError> {
        let mut req =
            Request::get(&self.url(&format!("/v1/conversations/{conversation_id}/events")))
                .header("Authorization", &format!("Bearer {token}"))
                .header("Accept", "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let res = Self::ok(req.send().await?).await?;
        let body = res
            .body()
            .ok_or_else(|| ApiError::Network("event stream without a body".into()))?;
        Ok(body.get_reader().unchecked_into())
    }

    /// Asks the server, which answers any origin, whether this page may chat.
    pub async fn diagnose(&self, site_key: &str) -> Result<DiagnoseInfo, ApiError> {
        let res = Request::get(&self.url("/v1/diagnose"))
            .query([("site", site_key)])
            .send()
            .await?;
        Ok(Self::ok(res).await?.json().await?)
    }
}

/// Reads the next chunk of a body; `None` at the end of the stream.
pub async fn read_chunk(reader: &ReadableStreamDefaultReader) -> Result<Option<Vec<u8>>, ApiError> {
    let result = JsFuture::from(reader.read())
        .await
        .map_err(|e| ApiError::Network(format!("{e:?}")))?;
    let done = js_sys::Reflect::get(&result, &"done".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    if done {
        return Ok(None);
    }
    let value = js_sys::Reflect::get(&result, &"value".into())
        .map_err(|e| ApiError::Network(format!("{e:?}")))?;
    Ok(Some(js_sys::Uint8Array::new(&value).to_vec()))
}
