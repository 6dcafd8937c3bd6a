//! Anthropic's Messages API.
//!
//! `POST {base}/v1/messages` with `"stream": true`, the key in `x-api-key`
//! and `anthropic-version: 2023-06-01`; the answer is server-sent events:
//! `message_start`, `content_block_start`, `content_block_delta` (the text
//! in `delta.text` when `delta.type` is `text_delta`), `content_block_stop`,
//! `message_delta`, `message_stop` at the end, `ping` any time, and `error`
//! when the answer fails after it started.

use serde_json::{json, Value};

use super::prompt::Prompt;
use super::secrets::Secret;
use super::sse::Event;
use super::{event_json, reported, Fault, Role, Step};

/// The API version the wire format below is written for.
pub const VERSION: &str = "2023-06-01";

/// Longest answer asked for, in tokens (the API requires a bound).
pub const MAX_TOKENS: u32 = 1024;

/// The streaming request.
pub(super) fn request(
    http: &reqwest::Client,
    base: &str,
    key: Option<&Secret>,
    model: &str,
    prompt: &Prompt,
) -> reqwest::RequestBuilder {
    let messages: Vec<Value> = prompt
        .turns
        .iter()
        .map(|t| {
            let role = match t.role {
                Role::Visitor => "user",
                Role::Assistant => "assistant",
            };
            json!({"role": role, "content": t.text})
        })
        .collect();
    let req = http
        .post(format!("{base}/v1/messages"))
        .header("anthropic-version", VERSION)
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .json(&json!({
            "model": model,
            "max_tokens": MAX_TOKENS,
            "system": prompt.system,
            "messages": messages,
            "stream": true,
        }));
    match key {
        Some(k) => req.header("x-api-key", k.expose()),
        None => req,
    }
}

/// Reads the events of one answer.
#[derive(Debug, Default)]
pub(super) struct Decoder {
    finished: bool,
}

impl Decoder {
    /// What one event brings.
    pub(super) fn event(&mut self, ev: &Event) -> Result<Step, Fault> {
        let v = event_json(ev)?;
        let kind = v
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(ev.event.as_str());
        match kind {
            "content_block_delta" => match v.pointer("/delta/type").and_then(Value::as_str) {
                Some("text_delta") => match v.pointer("/delta/text").and_then(Value::as_str) {
                    Some(t) if !t.is_empty() => Ok(Step::Text(t.to_owned())),
                    _ => Ok(Step::Nothing),
                },
                // Tool input, thinking, citations: not text for the visitor.
                _ => Ok(Step::Nothing),
            },
            "content_block_start" => {
                match v.pointer("/content_block/text").and_then(Value::as_str) {
                    Some(t) if !t.is_empty() => Ok(Step::Text(t.to_owned())),
                    _ => Ok(Step::Nothing),
                }
            }
            "message_stop" => {
                self.finished = true;
                Ok(Step::End)
            }
            "error" => Err(reported(v.get("error").unwrap_or(&v), &["type"])),
            // message_start, content_block_stop, message_delta, ping, and
            // event types added later: nothing to relay.
            _ => Ok(Step::Nothing),
        }
    }

    /// Whether the answer reached its end.
    pub(super) fn complete(&self) -> bool {
        self.finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str) -> Event {
        Event {
            event: event.into(),
            data: data.into(),
        }
    }

    #[test]
    fn reads_events() {
        let mut d = Decoder::default();
        let start = r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"#;
        assert_eq!(d.event(&ev("message_start", start)), Ok(Step::Nothing));
        let block =
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#;
        assert_eq!(
            d.event(&ev("content_block_start", block)),
            Ok(Step::Nothing)
        );
        assert_eq!(
            d.event(&ev("ping", r#"{"type": "ping"}"#)),
            Ok(Step::Nothing)
        );
        let delta = r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#;
        assert_eq!(
            d.event(&ev("content_block_delta", delta)),
            Ok(Step::Text("Hello".into()))
        );
        let json = r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\""}}"#;
        assert_eq!(d.event(&ev("content_block_delta", json)), Ok(Step::Nothing));
        let md = r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}"#;
        assert_eq!(d.event(&ev("message_delta", md)), Ok(Step::Nothing));
        assert!(!d.complete());
        assert_eq!(
            d.event(&ev("message_stop", r#"{"type":"message_stop"}"#)),
            Ok(Step::End)
        );
        assert!(d.complete());
    }

    #[test]
    fn errors_and_garbage() {
        let mut d = Decoder::default();
        let err =
            r#"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#;
        assert_eq!(
            d.event(&ev("error", err)),
            Err(Fault::Reported {
                name: "overloaded_error".into(),
                status: None,
                message: "Overloaded".into()
            })
        );
        assert!(matches!(
            d.event(&ev("", "not json")),
            Err(Fault::Garbled(_))
        ));
    }
}
