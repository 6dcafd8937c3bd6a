//! Typebot's chat API as `@typebot.io/js` calls it (`dist/web.js`):
//!
//! - `POST /api/v1/typebots/{id}/startChat` (`isStreamEnabled: true`) →
//!   the session, the bot's theme and settings, a greeting text bubble and
//!   a text input;
//! - `POST /api/v1/sessions/{id}/continueChat` with the visitor's text →
//!   the `stream` client-side action an AI block returns when it streams
//!   (`{type: "stream", expectsDedicatedReply: true, stream: true}`);
//! - `POST /api/v2/sessions/{id}/streamMessage` → the reply as an AI SDK
//!   data stream (`f:` start step, `0:"…"` text parts, `e:`/`d:` finish);
//! - `continueChat` again with the streamed text (the dedicated reply) →
//!   the text input for the next question;
//! - `POST /api/v1/sessions/{id}/clientLogs` → acknowledged.
//!
//! The bot's font is `Custom` with no URL, so the client loads no web font
//! (its default, Google's Open Sans, comes from a font CDN), and typing
//! emulation is off, so the greeting shows without an artificial delay.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::super::http::{Request, Response, Server};
use super::{stream_reply, Streamed};

pub struct Typebot {
    pub server: Server,
    pub streamed: Streamed,
}

/// The `typebot` value the page passes to `Typebot.initBubble`.
pub const BOT_ID: &str = "bench-bot";

#[derive(Default)]
struct Sessions {
    started: AtomicUsize,
    /// Sessions whose next `continueChat` carries a streamed reply.
    awaiting_reply: Mutex<HashSet<String>>,
}

pub fn start() -> anyhow::Result<Typebot> {
    let streamed = Streamed::default();
    let counter = streamed.clone();
    let sessions = Arc::new(Sessions::default());
    let server = Server::start(move |req| route(req, &sessions, &counter))?;
    Ok(Typebot { server, streamed })
}

fn route(req: &Request, sessions: &Sessions, streamed: &Streamed) -> Response {
    if req.method != "POST" {
        return Response::not_found();
    }
    if let Some(["typebots", _bot, "startChat"]) = req.under("/api/v1/").as_deref() {
        let n = sessions.started.fetch_add(1, Ordering::SeqCst) + 1;
        return Response::json(&start_chat(&format!("session-{n}"), n));
    }
    if let Some(["sessions", session, "continueChat"]) = req.under("/api/v1/").as_deref() {
        let mut awaiting = sessions.awaiting_reply.lock().expect("sessions lock");
        // The dedicated reply of a stream action: the bot moves on.
        if awaiting.remove(*session) {
            return Response::json(&json!({ "messages": [], "input": text_input() }));
        }
        awaiting.insert((*session).to_owned());
        return Response::json(&json!({
            "messages": [],
            "clientSideActions": [
                { "type": "stream", "expectsDedicatedReply": true, "stream": true }
            ],
        }));
    }
    if let Some(["sessions", _session, "clientLogs"]) = req.under("/api/v1/").as_deref() {
        return Response::json(&json!({ "message": "Logs successfully saved." }));
    }
    if let Some(["sessions", _session, "streamMessage"]) = req.under("/api/v2/").as_deref() {
        let streamed = streamed.clone();
        return Response::stream("text/plain; charset=utf-8", move |out| {
            out.send(b"f:{\"messageId\":\"msg-bench\"}\n")?;
            stream_reply(out, &streamed, |piece| {
                format!("0:{}\n", Value::from(piece))
            })?;
            let usage = r#"{"promptTokens":24,"completionTokens":2600}"#;
            out.send(
                format!(
                    "e:{{\"finishReason\":\"stop\",\"usage\":{usage},\"isContinued\":false}}\n"
                )
                .as_bytes(),
            )?;
            out.send(format!("d:{{\"finishReason\":\"stop\",\"usage\":{usage}}}\n").as_bytes())
        })
        .header("X-Vercel-AI-Data-Stream", "v1")
        .header("Cache-Control", "no-cache");
    }
    Response::not_found()
}

fn start_chat(session: &str, n: usize) -> Value {
    json!({
        "sessionId": session,
        "resultId": format!("result-{n}"),
        "typebot": {
            "id": BOT_ID,
            "version": "6.1",
            "publishedAt": "2026-11-01T00:00:00.000Z",
            "theme": {
                "general": { "font": { "type": "Custom", "family": "system-ui" } },
            },
            "settings": {
                "typingEmulation": { "enabled": false },
            },
        },
        "messages": [{
            "id": "greeting",
            "type": "text",
            "content": {
                "type": "richText",
                "richText": [{ "type": "p", "children": [{ "text": "Hi! What would you like to know?" }] }],
            },
        }],
        "input": text_input(),
    })
}

fn text_input() -> Value {
    json!({
        "id": "question",
        "type": "text input",
        "options": {
            "labels": { "placeholder": "Type your question…", "button": "Send" },
            "isLong": false,
        },
    })
}
