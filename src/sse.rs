//! An incremental parser for `text/event-stream` bodies.
//!
//! The widget reads its event stream with `fetch` (an `EventSource` cannot
//! carry an `Authorization` header), so it parses the stream itself. The
//! parser takes text chunks as they arrive — split anywhere, even inside a
//! line — and yields whole events.

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `id:` field, if the event had one.
    pub id: Option<String>,
    /// The `event:` field; `message` when absent.
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Accumulates chunks and yields complete events.
///
/// ```
/// use causette_widget::sse::SseParser;
/// let mut p = SseParser::default();
/// assert!(p.push("id: 1\nevent: de").is_empty());
/// let events = p.push("lta\ndata: {}\n\n");
/// assert_eq!(events[0].event, "delta");
/// assert_eq!(p.last_event_id(), Some("1"));
/// ```
#[derive(Debug, Default)]
pub struct SseParser {
    buffer: String,
    pending_bytes: Vec<u8>,
    id: Option<String>,
    event: Option<String>,
    data: Option<String>,
    last_event_id: Option<String>,
}

impl SseParser {
    /// Feeds a chunk of the body; returns the events it completed.
    pub fn push(&mut self, chunk: &str) -> Vec<SseEvent> {
        self.buffer.push_str(chunk);
        let mut events = Vec::new();
        while let Some(pos) = self.buffer.find('\n') {
            let mut line: String = self.buffer.drain(..=pos).collect();
            line.pop();
            if line.ends_with('\r') {
                line.pop();
            }
            if let Some(event) = self.line(&line) {
                events.push(event);
            }
        }
        events
    }

    /// Feeds raw body bytes, which may end inside a UTF-8 character; the
    /// incomplete tail waits for the next chunk.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.pending_bytes.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&self.pending_bytes) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            // Invalid bytes (not merely cut short): replace them rather than stall.
            Err(_) => {
                let text = String::from_utf8_lossy(&self.pending_bytes).into_owned();
                self.pending_bytes.clear();
                return self.push(&text);
            }
        };
        let rest = self.pending_bytes.split_off(valid);
        let text =
            String::from_utf8(std::mem::replace(&mut self.pending_bytes, rest)).unwrap_or_default();
        self.push(&text)
    }

    /// The id of the last event dispatched: what `Last-Event-ID` resumes from.
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_event_id.as_deref()
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None; // comment, used as keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let id = self.id.take();
        if id.is_some() {
            self.last_event_id.clone_from(&id);
        }
        let event = self.event.take();
        let data = self.data.take()?;
        Some(SseEvent {
            id,
            event: event.unwrap_or_else(|| "message".to_owned()),
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&str]) -> (Vec<SseEvent>, Option<String>) {
        let mut p = SseParser::default();
        let events = chunks.iter().flat_map(|c| p.push(c)).collect();
        (events, p.last_event_id().map(str::to_owned))
    }

    #[test]
    fn whole_event() {
        let (events, last) = all(&["id: 7\nevent: delta\ndata: {\"a\":1}\n\n"]);
        assert_eq!(
            events,
            vec![SseEvent {
                id: Some("7".into()),
                event: "delta".into(),
                data: "{\"a\":1}".into()
            }]
        );
        assert_eq!(last.as_deref(), Some("7"));
    }

    #[test]
    fn split_at_every_byte_gives_the_same_events() {
        let body =
            "id: 1\nevent: a\ndata: x\n\n: keep-alive\n\nid: 2\r\ndata: y\r\ndata: z\r\n\r\n";
        let (expected, _) = all(&[body]);
        assert_eq!(expected.len(), 2);
        for cut in 0..body.len() {
            let (events, last) = all(&[&body[..cut], &body[cut..]]);
            assert_eq!(events, expected, "cut at {cut}");
            assert_eq!(last.as_deref(), Some("2"));
        }
    }

    #[test]
    fn bytes_split_inside_a_character() {
        let body = "id: 1\ndata: café — ça va ✓\n\n".as_bytes();
        for cut in 0..body.len() {
            let mut p = SseParser::default();
            let mut events = p.push_bytes(&body[..cut]);
            events.extend(p.push_bytes(&body[cut..]));
            assert_eq!(events.len(), 1, "cut at {cut}");
            assert_eq!(events[0].data, "café — ça va ✓");
        }
    }

    #[test]
    fn invalid_bytes_do_not_stall_the_stream() {
        let mut p = SseParser::default();
        let events = p.push_bytes(b"data: \xff\xfe\n\n");
        assert_eq!(events.len(), 1);
    }

    #[test]
    fn multiline_data_and_default_event_name() {
        let (events, _) = all(&["data: a\ndata: b\n\n"]);
        assert_eq!(events[0].event, "message");
        assert_eq!(events[0].data, "a\nb");
    }

    #[test]
    fn comments_and_empty_blocks_dispatch_nothing() {
        let (events, last) = all(&[": ping\n\n\n\n"]);
        assert!(events.is_empty());
        assert_eq!(last, None);
    }

    #[test]
    fn incomplete_event_is_held_back() {
        let mut p = SseParser::default();
        assert!(p.push("id: 3\ndata: partial\n").is_empty());
        assert_eq!(p.last_event_id(), None);
        assert_eq!(p.push("\n").len(), 1);
    }

    #[test]
    fn unknown_fields_and_field_without_colon_are_ignored() {
        let (events, _) = all(&["retry: 10\nfoo\ndata\n\n"]);
        assert_eq!(events[0].data, "");
    }
}
