//! An OpenAI-compatible Chat Completions server, as Causette's model
//! provider calls one: `POST /v1/chat/completions` with `stream: true`
//! answers with `chat.completion.chunk` events (`data: {…}` lines, the
//! first delta carrying the role, the last the finish reason), then
//! `data: [DONE]`. No API key is needed.

use serde_json::json;

use super::super::http::{Response, Server};
use super::super::reply;
use super::{stream_reply, Streamed};

pub struct OpenAi {
    pub server: Server,
    pub streamed: Streamed,
}

/// The model name the site names: `openai:MODEL`.
pub const MODEL: &str = "bench-model";

pub fn start() -> anyhow::Result<OpenAi> {
    let streamed = Streamed::default();
    let counter = streamed.clone();
    let server = Server::start(move |req| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/v1/chat/completions") if req.json()["stream"] == true => {
            let counter = counter.clone();
            Response::stream("text/event-stream", move |out| {
                let chunk = |delta: serde_json::Value, finish: Option<&str>| {
                    let event = json!({
                        "id": "chatcmpl-bench",
                        "object": "chat.completion.chunk",
                        "created": 1_730_000_000,
                        "model": MODEL,
                        "choices": [{
                            "index": 0,
                            "delta": delta,
                            "logprobs": null,
                            "finish_reason": finish,
                        }],
                    });
                    format!("data: {event}\n\n")
                };
                out.send(chunk(json!({"role": "assistant", "content": ""}), None).as_bytes())?;
                stream_reply(out, &counter, |piece| {
                    chunk(json!({ "content": piece }), None)
                })?;
                out.send(chunk(json!({}), Some("stop")).as_bytes())?;
                out.send(b"data: [DONE]\n\n")
            })
            .header("Cache-Control", "no-cache")
        }
        ("POST", "/v1/chat/completions") => Response::json(&json!({
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 1_730_000_000,
            "model": MODEL,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": reply::text()},
                "finish_reason": "stop",
            }],
        })),
        ("GET", "/v1/models") => Response::json(&json!({
            "object": "list",
            "data": [{"id": MODEL, "object": "model", "owned_by": "bench"}],
        })),
        _ => Response::not_found(),
    })?;
    Ok(OpenAi { server, streamed })
}
