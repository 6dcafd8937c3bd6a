//! Google Gemini's `streamGenerateContent`.
//!
//! `POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse` with
//! the key in the `x-goog-api-key` header (never in the URL, where proxies
//! and logs would keep it). Each event's data is a `GenerateContentResponse`
//! whose `candidates[0].content.parts[].text` carry the text. There is no
//! end marker: the last one carries `candidates[0].finishReason`, then the
//! stream closes.

use serde_json::{json, Value};

use super::prompt::Prompt;
use super::secrets::Secret;
use super::sse::Event;
use super::{event_json, reported, Fault, Role, Step};

/// The streaming request.
pub(super) fn request(
    http: &reqwest::Client,
    base: &str,
    key: Option<&Secret>,
    model: &str,
    prompt: &Prompt,
) -> reqwest::RequestBuilder {
    let contents: Vec<Value> = prompt
        .turns
        .iter()
        .map(|t| {
            let role = match t.role {
                Role::Visitor => "user",
                Role::Assistant => "model",
            };
            json!({"role": role, "parts": [{"text": t.text}]})
        })
        .collect();
    let req = http
        .post(format!(
            "{base}/v1beta/models/{model}:streamGenerateContent?alt=sse"
        ))
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .json(&json!({
            "systemInstruction": {"parts": [{"text": prompt.system}]},
            "contents": contents,
        }));
    match key {
        Some(k) => req.header("x-goog-api-key", k.expose()),
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
        // A failure after the 200: `{"error": {"code", "message", "status"}}`.
        if let Some(err) = v.get("error") {
            return Err(reported(err, &["status"]));
        }
        let candidate = v.pointer("/candidates/0");
        if v.pointer("/promptFeedback/blockReason").is_some() && candidate.is_none() {
            // The prompt itself was blocked: nothing more will come.
            self.finished = true;
            return Ok(Step::Nothing);
        }
        let Some(candidate) = candidate else {
            // Usage-only chunks carry no candidate.
            return if v.get("usageMetadata").is_some() {
                Ok(Step::Nothing)
            } else {
                Err(Fault::Garbled(format!(
                    "a chunk has no candidates: {}",
                    ev.data
                )))
            };
        };
        if candidate.get("finishReason").is_some_and(|r| !r.is_null()) {
            self.finished = true;
        }
        let mut text = String::new();
        if let Some(parts) = candidate
            .pointer("/content/parts")
            .and_then(Value::as_array)
        {
            for p in parts {
                // Thought summaries are the model's working, not the answer.
                if p.get("thought").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                if let Some(t) = p.get("text").and_then(Value::as_str) {
                    text.push_str(t);
                }
            }
        }
        Ok(if text.is_empty() {
            Step::Nothing
        } else {
            Step::Text(text)
        })
    }

    /// Whether the answer reached its end (a finish reason was given).
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
        let one = r#"{"candidates": [{"content": {"parts": [{"text": "The"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 9},"modelVersion": "gemini-2.0-flash"}"#;
        assert_eq!(d.event(&data(one)), Ok(Step::Text("The".into())));
        let two = r#"{"candidates": [{"content": {"parts": [{"text": " sky"}, {"text": " is"}],"role": "model"},"index": 0}]}"#;
        assert_eq!(d.event(&data(two)), Ok(Step::Text(" sky is".into())));
        assert!(!d.complete());
        let last = r#"{"candidates": [{"content": {"parts": [{"text": " blue."}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 4,"totalTokenCount": 12}}"#;
        assert_eq!(d.event(&data(last)), Ok(Step::Text(" blue.".into())));
        assert!(d.complete());
        let thought = r#"{"candidates": [{"content": {"parts": [{"text": "hmm", "thought": true}],"role": "model"}}]}"#;
        assert_eq!(d.event(&data(thought)), Ok(Step::Nothing));
    }

    #[test]
    fn errors_blocks_and_garbage() {
        let mut d = Decoder::default();
        let err = r#"{"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}"#;
        assert_eq!(
            d.event(&data(err)),
            Err(Fault::Reported {
                name: "UNAVAILABLE".into(),
                status: Some(503),
                message: "The model is overloaded.".into()
            })
        );
        assert!(matches!(d.event(&data("[")), Err(Fault::Garbled(_))));
        assert!(matches!(
            d.event(&data(r#"{"x":1}"#)),
            Err(Fault::Garbled(_))
        ));
        let blocked = r#"{"promptFeedback": {"blockReason": "SAFETY"}}"#;
        assert_eq!(d.event(&data(blocked)), Ok(Step::Nothing));
        assert!(d.complete());
    }
}
