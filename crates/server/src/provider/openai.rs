//! OpenAI-compatible Chat Completions: OpenAI itself, Mistral, Ollama,
//! llama.cpp and any server that speaks it.
//!
//! `POST {base}/chat/completions` with `"stream": true` and the key (when
//! there is one) as a bearer token; the answer is server-sent events whose
//! data are `chat.completion.chunk` objects carrying the text in
//! `choices[0].delta.content`, closed by `data: [DONE]`.

use serde_json::{json, Value};

use super::prompt::Prompt;
use super::secrets::Secret;
use super::sse::Event;
use super::{reported, Fault, Role, Step};

/// The streaming request.
pub(super) fn request(
    http: &reqwest::Client,
    base: &str,
    key: Option<&Secret>,
    model: &str,
    prompt: &Prompt,
) -> reqwest::RequestBuilder {
    let mut messages = vec![json!({"role": "system", "content": prompt.system})];
    for t in &prompt.turns {
        let role = match t.role {
            Role::Visitor => "user",
            Role::Assistant => "assistant",
        };
        messages.push(json!({"role": role, "content": t.text}));
    }
    let req = http
        .post(format!("{base}/chat/completions"))
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .json(&json!({"model": model, "messages": messages, "stream": true}));
    match key {
        Some(k) => req.bearer_auth(k.expose()),
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
        let data = ev.data.trim();
        if data == "[DONE]" {
            return Ok(Step::End);
        }
        let v: Value = serde_json::from_str(data)
            .map_err(|e| Fault::Garbled(format!("a chunk is not JSON ({e}): {data}")))?;
        // A failure after the 200: `{"error": {"message", "type", "code"}}`.
        if let Some(err) = v.get("error") {
            return Err(reported(err, &["type", "code"]));
        }
        let Some(choices) = v.get("choices").and_then(Value::as_array) else {
            return Err(Fault::Garbled(format!("a chunk has no choices: {data}")));
        };
        // The last chunk may have no choices (usage only).
        let Some(choice) = choices.first() else {
            return Ok(Step::Nothing);
        };
        if choice.get("finish_reason").is_some_and(|r| !r.is_null()) {
            // Some compatible servers close without [DONE] after this.
            self.finished = true;
        }
        match choice.pointer("/delta/content").and_then(Value::as_str) {
            Some(t) if !t.is_empty() => Ok(Step::Text(t.to_owned())),
            _ => Ok(Step::Nothing),
        }
    }

    /// Whether the answer reached its end, so the stream may close.
    pub(super) fn complete(&self) -> bool {
        self.finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(d: &str) -> Event {
        Event {
            event: String::new(),
            data: d.into(),
        }
    }

    #[test]
    fn reads_chunks() {
        let mut d = Decoder::default();
        let first = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#;
        assert_eq!(d.event(&data(first)), Ok(Step::Nothing));
        let text = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}"#;
        assert_eq!(d.event(&data(text)), Ok(Step::Text("Hello".into())));
        assert!(!d.complete());
        let last = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"#;
        assert_eq!(d.event(&data(last)), Ok(Step::Nothing));
        assert!(d.complete());
        assert_eq!(
            d.event(&data(r#"{"choices":[],"usage":{"total_tokens":9}}"#)),
            Ok(Step::Nothing)
        );
        assert_eq!(d.event(&data("[DONE]")), Ok(Step::End));
    }

    #[test]
    fn errors_and_garbage() {
        let mut d = Decoder::default();
        let err =
            r#"{"error":{"message":"The server had an error","type":"server_error","code":null}}"#;
        assert_eq!(
            d.event(&data(err)),
            Err(Fault::Reported {
                name: "server_error".into(),
                status: None,
                message: "The server had an error".into()
            })
        );
        assert!(matches!(d.event(&data("<html>")), Err(Fault::Garbled(_))));
        assert!(matches!(d.event(&data("{}")), Err(Fault::Garbled(_))));
    }
}
