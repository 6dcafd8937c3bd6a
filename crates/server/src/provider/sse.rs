//! An incremental reader of server-sent events (the WHATWG `text/event-stream`
//! format) as the three vendors send them: bytes arrive in arbitrary pieces,
//! cut anywhere — inside a line, inside a UTF-8 character, between the `\r`
//! and `\n` of a line break.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// The `event:` field; empty when the stream sent none.
    pub event: String,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
}

/// Longest line accepted: a vendor's chunk is a few kilobytes; something
/// without line breaks for this long is not an event stream.
pub const MAX_LINE: usize = 1024 * 1024;

/// The reader's state between pieces.
#[derive(Debug, Default)]
pub struct Reader {
    line: Vec<u8>,
    /// The last piece ended on `\r`: a `\n` opening the next one belongs
    /// to the same line break.
    after_cr: bool,
    started: bool,
    event: String,
    data: String,
    has_data: bool,
}

/// The input is not an event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong;

impl Reader {
    /// A reader at the start of a stream.
    pub fn new() -> Reader {
        Reader::default()
    }

    /// Reads one piece of the stream; returns the events it completes.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Event>, TooLong> {
        let mut out = Vec::new();
        for &b in bytes {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(e) = self.line_done(&line) {
                        out.push(e);
                    }
                }
                _ => {
                    if self.line.len() >= MAX_LINE {
                        return Err(TooLong);
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(out)
    }

    /// The end of the stream: an event whose lines all arrived whole is
    /// dispatched even without the blank line that should close it; a line
    /// cut short is dropped, as the format says.
    pub fn finish(&mut self) -> Option<Event> {
        self.line.clear();
        self.dispatch()
    }

    fn line_done(&mut self, line: &[u8]) -> Option<Event> {
        // A line break never falls inside a UTF-8 character, so whole lines
        // decode on their own.
        let mut text = String::from_utf8_lossy(line);
        if !self.started {
            self.started = true;
            if let Some(rest) = text.strip_prefix('\u{feff}') {
                text = rest.to_owned().into();
            }
        }
        if text.is_empty() {
            return self.dispatch();
        }
        if text.starts_with(':') {
            return None; // a comment (keep-alive)
        }
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (&*text, ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            _ => {} // id, retry and unknown fields: nothing to do here
        }
        None
    }

    fn dispatch(&mut self) -> Option<Event> {
        let event = std::mem::take(&mut self.event);
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        Some(Event {
            event,
            data: std::mem::take(&mut self.data),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_in(pieces: &[&[u8]]) -> Vec<Event> {
        let mut r = Reader::new();
        let mut out = Vec::new();
        for p in pieces {
            out.extend(r.push(p).unwrap());
        }
        out.extend(r.finish());
        out
    }

    fn ev(event: &str, data: &str) -> Event {
        Event {
            event: event.into(),
            data: data.into(),
        }
    }

    const STREAM: &str = "\u{feff}: keep-alive\r\n\
        event: message_start\r\n\
        data: {\"a\":1}\r\n\
        \r\n\
        data: première ligne\n\
        data: 日本語 — ok\n\
        id: 7\n\
        retry: 100\n\
        \n\
        event: ping\n\
        \n\
        data\n\
        \n\
        data:no-space\r\r\
        data: [DONE]\n\n";

    fn expected() -> Vec<Event> {
        vec![
            ev("message_start", "{\"a\":1}"),
            ev("", "première ligne\n日本語 — ok"),
            ev("", ""),
            ev("", "no-space"),
            ev("", "[DONE]"),
        ]
    }

    #[test]
    fn reads_the_format() {
        assert_eq!(read_in(&[STREAM.as_bytes()]), expected());
    }

    #[test]
    fn any_split_gives_the_same_events() {
        let bytes = STREAM.as_bytes();
        for i in 0..=bytes.len() {
            assert_eq!(
                read_in(&[&bytes[..i], &bytes[i..]]),
                expected(),
                "split at {i}"
            );
            for j in i..=bytes.len() {
                assert_eq!(
                    read_in(&[&bytes[..i], &bytes[i..j], &bytes[j..]]),
                    expected(),
                    "split at {i} and {j}"
                );
            }
        }
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(read_in(&singles), expected());
    }

    #[test]
    fn the_end_of_the_stream() {
        // Whole lines without the closing blank line still count…
        assert_eq!(read_in(&[b"data: [DONE]\n"]), vec![ev("", "[DONE]")]);
        // …a line cut short does not.
        assert_eq!(read_in(&[b"data: {\"choices\":[{\"de"]), vec![]);
        assert_eq!(read_in(&[b"data: a\n\ndata: {\"cut"]), vec![ev("", "a")]);
        assert_eq!(read_in(&[b""]), vec![]);
        // An event name with no data is not an event.
        assert_eq!(read_in(&[b"event: x\n\n"]), vec![]);
    }

    #[test]
    fn a_stream_without_line_breaks_is_refused() {
        let mut r = Reader::new();
        let big = vec![b'x'; MAX_LINE];
        assert!(r.push(&big).unwrap().is_empty());
        assert_eq!(r.push(b"x"), Err(TooLong));
    }
}
