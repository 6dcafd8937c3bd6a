//! What the page loaded, from Chromium's network events: one record per
//! request, its body's size as received and gzipped.
//!
//! The gzip figure is what a compressing server sends: the bytes on the
//! wire when the response was compressed, else the body gzipped at the
//! best level here (Causette's server, like the local static server, sends
//! bodies as they are). The page's own Resource Timing cannot say: a
//! cross-origin response without `Timing-Allow-Origin` reports 0 bytes.

use std::collections::HashMap;

use anyhow::Result;
use serde_json::{json, Value};

use super::webdriver::Session;
use crate::size::gzip_len;

/// One request as Chromium saw it.
#[derive(Debug, Default, Clone)]
pub struct Request {
    pub id: String,
    pub url: String,
    pub method: String,
    /// Chromium's resource type: Document, Script, Fetch, Preflight…
    pub kind: String,
    pub status: u16,
    /// The response carried a `Content-Encoding`.
    pub compressed: bool,
    /// Header bytes of the response.
    header_bytes: u64,
    /// Body bytes as the page got them (decoded).
    pub body_bytes: u64,
    /// Bytes received, headers included, as sent.
    pub wire_bytes: u64,
    pub finished: bool,
    pub failed: Option<String>,
}

/// Folds `Network.*` events into requests, in the order they were sent.
pub fn requests(events: &[Value]) -> Vec<Request> {
    let mut order = Vec::new();
    let mut by_id: HashMap<String, Request> = HashMap::new();
    for event in events {
        let params = &event["params"];
        let Some(id) = params["requestId"].as_str() else {
            continue;
        };
        let entry = by_id.entry(id.to_owned()).or_insert_with(|| {
            order.push(id.to_owned());
            Request {
                id: id.to_owned(),
                ..Request::default()
            }
        });
        match event["method"].as_str().unwrap_or_default() {
            "Network.requestWillBeSent" => {
                // A redirect reuses the id: the last request counts.
                entry.url = params["request"]["url"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                entry.method = params["request"]["method"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                entry.kind = params["type"].as_str().unwrap_or_default().to_owned();
            }
            "Network.responseReceived" => {
                let response = &params["response"];
                entry.status = response["status"].as_u64().unwrap_or(0) as u16;
                entry.header_bytes = response["encodedDataLength"].as_f64().unwrap_or(0.0) as u64;
                entry.compressed = response["headers"].as_object().is_some_and(|h| {
                    h.iter().any(|(k, v)| {
                        k.eq_ignore_ascii_case("content-encoding")
                            && v.as_str().is_some_and(|v| !v.is_empty() && v != "identity")
                    })
                });
                if entry.kind.is_empty() {
                    entry.kind = params["type"].as_str().unwrap_or_default().to_owned();
                }
            }
            "Network.dataReceived" => {
                entry.body_bytes += params["dataLength"].as_u64().unwrap_or(0);
                if !entry.finished {
                    entry.wire_bytes += params["encodedDataLength"].as_u64().unwrap_or(0);
                }
            }
            "Network.loadingFinished" => {
                entry.finished = true;
                entry.wire_bytes = params["encodedDataLength"].as_f64().unwrap_or(0.0) as u64;
            }
            "Network.loadingFailed" => {
                entry.failed = Some(params["errorText"].as_str().unwrap_or("failed").to_owned());
            }
            _ => {}
        }
    }
    order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .filter(|r| !r.url.is_empty())
        .collect()
}

/// A response the widget loaded, sized.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub url: String,
    pub body_bytes: u64,
    pub gzip_bytes: u64,
    /// When the page requested it (ms after navigation start), as its
    /// Resource Timing says; `None` for a request still open.
    pub start: Option<f64>,
    pub failed: Option<String>,
}

/// The widget's requests (everything but the host page and CORS
/// preflights, which carry no body), with gzip sizes read from the page's
/// response bodies. `started` is the page's Resource Timing: each URL and
/// when it was requested, in order.
pub fn load(
    session: &Session,
    events: &[Value],
    page_url: &str,
    started: &[(String, f64)],
) -> Result<Vec<Loaded>> {
    let mut timing: Vec<&(String, f64)> = started.iter().collect();
    let mut loaded = Vec::new();
    for request in requests(events) {
        let web = request.url.starts_with("http://") || request.url.starts_with("https://");
        if !web
            || request.url == page_url
            || request.method == "OPTIONS"
            || request.kind == "Preflight"
        {
            continue;
        }
        let start = timing
            .iter()
            .position(|(url, _)| *url == request.url)
            .map(|i| timing.remove(i).1);
        let gzip_bytes = if request.failed.is_some() {
            0
        } else if request.compressed && request.finished {
            request.wire_bytes.saturating_sub(request.header_bytes)
        } else {
            match body(session, &request) {
                Some(bytes) => gzip_len(&bytes),
                // Still open (an event stream): what it has sent so far.
                None => request.body_bytes,
            }
        };
        loaded.push(Loaded {
            url: request.url,
            body_bytes: request.body_bytes,
            gzip_bytes,
            start,
            failed: request.failed,
        });
    }
    Ok(loaded)
}

/// The response body Chromium kept, when it has it.
fn body(session: &Session, request: &Request) -> Option<Vec<u8>> {
    if !request.finished {
        return None;
    }
    let value = session
        .devtools(
            "Network.getResponseBody",
            json!({ "requestId": request.id }),
        )
        .ok()?;
    let text = value["body"].as_str()?;
    if value["base64Encoded"] == true {
        base64_decode(text)
    } else {
        Some(text.as_bytes().to_vec())
    }
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(method: &str, params: Value) -> Value {
        json!({ "method": method, "params": params })
    }

    #[test]
    fn folds_events_into_requests_in_order() {
        let events = vec![
            event(
                "Network.requestWillBeSent",
                json!({"requestId": "1", "type": "Script",
                       "request": {"url": "http://a/embed.js", "method": "GET"}}),
            ),
            event(
                "Network.requestWillBeSent",
                json!({"requestId": "2", "type": "Fetch",
                       "request": {"url": "http://a/events", "method": "GET"}}),
            ),
            event(
                "Network.responseReceived",
                json!({"requestId": "1", "type": "Script", "response": {
                    "status": 200, "encodedDataLength": 120,
                    "headers": {"Content-Encoding": "gzip"}}}),
            ),
            event(
                "Network.dataReceived",
                json!({"requestId": "1", "dataLength": 3000, "encodedDataLength": 0}),
            ),
            event(
                "Network.loadingFinished",
                json!({"requestId": "1", "encodedDataLength": 1420}),
            ),
            event(
                "Network.dataReceived",
                json!({"requestId": "2", "dataLength": 40, "encodedDataLength": 40}),
            ),
            event(
                "Network.loadingFailed",
                json!({"requestId": "3", "errorText": "net::ERR_FAILED"}),
            ),
        ];
        let requests = requests(&events);
        assert_eq!(requests.len(), 2, "a request never sent is left out");
        let embed = &requests[0];
        assert_eq!(embed.url, "http://a/embed.js");
        assert!(embed.compressed && embed.finished);
        assert_eq!(
            (embed.body_bytes, embed.wire_bytes, embed.header_bytes),
            (3000, 1420, 120)
        );
        let stream = &requests[1];
        assert!(!stream.finished);
        assert_eq!((stream.body_bytes, stream.wire_bytes), (40, 40));
    }

    #[test]
    fn decodes_base64() {
        assert_eq!(base64_decode("AGFzbQEAAAA=").unwrap(), b"\0asm\x01\0\0\0");
        assert_eq!(base64_decode("aGk=").unwrap(), b"hi");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert!(base64_decode("a*b").is_none());
    }
}
