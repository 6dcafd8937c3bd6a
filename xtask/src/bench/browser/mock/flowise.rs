//! Flowise's public chatflow API as `flowise-embed` calls it
//! (`dist/web.js`, and the server's `SSEStreamer`):
//!
//! - `GET /api/v1/chatflows-streaming/{id}` → `{isStreaming: true}`;
//! - `GET /api/v1/public-chatbotConfig/{id}` → the chatbot config with its
//!   uploads settings (all off) and the flow's data;
//! - `POST /api/v1/prediction/{id}` with `streaming: true` →
//!   `text/event-stream` written as Flowise writes it
//!   (`message:\ndata:{"event":"token","data":"…"}\n\n`): `start`, the
//!   tokens, `metadata`, then `end` with `[DONE]`; without streaming, the
//!   whole answer as JSON.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};

use super::super::http::{Request, Response, Server};
use super::super::reply;
use super::{stream_reply, Streamed};

pub struct Flowise {
    pub server: Server,
    pub streamed: Streamed,
}

/// The `chatflowid` the page passes to `Chatbot.init`.
pub const CHATFLOW_ID: &str = "6a4a1b3e-7d2c-4c55-9b1e-0be4c0000001";

pub fn start() -> anyhow::Result<Flowise> {
    let streamed = Streamed::default();
    let counter = streamed.clone();
    let messages = Arc::new(AtomicUsize::new(0));
    let server = Server::start(move |req| route(req, &counter, &messages))?;
    Ok(Flowise { server, streamed })
}

fn route(req: &Request, streamed: &Streamed, messages: &AtomicUsize) -> Response {
    let Some(path) = req.under("/api/v1/") else {
        return Response::not_found();
    };
    match (req.method.as_str(), path.as_slice()) {
        ("GET", ["chatflows-streaming", _]) => Response::json(&json!({ "isStreaming": true })),
        ("GET", ["public-chatbotConfig", _]) => Response::json(&chatbot_config()),
        ("POST", ["prediction", _]) => {
            let body = req.json();
            let n = messages.fetch_add(1, Ordering::SeqCst) + 1;
            let metadata = json!({
                "chatId": body["chatId"].as_str().unwrap_or("chat-bench"),
                "chatMessageId": format!("message-{n}"),
                "question": body["question"],
            });
            if body["streaming"] != true {
                let mut answer = metadata;
                answer["text"] = Value::from(reply::text());
                return Response::json(&answer);
            }
            let streamed = streamed.clone();
            Response::stream("text/event-stream", move |out| {
                let event = |name: &str, data: Value| {
                    format!(
                        "message:\ndata:{}\n\n",
                        json!({ "event": name, "data": data })
                    )
                };
                let first = reply::pieces().swap_remove(0);
                out.send(event("start", Value::from(first)).as_bytes())?;
                stream_reply(out, &streamed, |piece| event("token", Value::from(piece)))?;
                out.send(event("metadata", metadata).as_bytes())?;
                let end = json!({ "event": "end", "data": "[DONE]" });
                out.send(format!("message\ndata:{end}\n\n").as_bytes())
            })
            .header("Cache-Control", "no-cache")
            .header("X-Accel-Buffering", "no")
        }
        _ => Response::not_found(),
    }
}

/// What `getSinglePublicChatbotConfig` returns for a chatflow without a
/// chatbot config: its uploads settings and its flow (an LLM chain).
fn chatbot_config() -> Value {
    let flow = json!({
        "nodes": [
            { "id": "chatOpenAI_0", "data": { "name": "chatOpenAI", "inputs": {} } },
            { "id": "llmChain_0", "data": { "name": "llmChain", "inputs": {} } },
        ],
        "edges": [{ "source": "chatOpenAI_0", "target": "llmChain_0" }],
    });
    json!({
        "uploads": {
            "isSpeechToTextEnabled": false,
            "isImageUploadAllowed": false,
            "isRAGFileUploadAllowed": false,
            "imgUploadSizeAndTypes": [],
            "fileUploadSizeAndTypes": [],
        },
        "flowData": flow.to_string(),
        "isTTSEnabled": false,
    })
}
