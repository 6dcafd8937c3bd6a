//! The transcript as the visitor sees it, and how server events change it.
//!
//! Pure data: the UI keeps a [`Transcript`] in a signal and feeds it the
//! events read from the stream, so the rules (deduplication, streaming
//! deltas, matching a sent message with its echo) are tested natively.

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The person chatting on the site.
    Visitor,
    /// The answering assistant.
    Assistant,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Sent by this page, not yet acknowledged.
    Sending,
    /// Stored by the server.
    Sent,
    /// The server refused it or could not be reached, or (a reply) the
    /// assistant could not answer; can be retried.
    Failed,
    /// An assistant reply still streaming in.
    Streaming,
}

/// One message in the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// Server id, or the client id while not yet acknowledged.
    pub id: String,
    /// Client-generated id of a visitor message (its idempotency key).
    pub client_id: Option<String>,
    /// Author.
    pub role: Role,
    /// Text (markdown for assistant replies).
    pub text: String,
    /// A finished assistant reply's markdown as the server's safe tree (JSON
    /// text, see [`crate::markdown`]); `None` while it streams.
    pub tree: Option<String>,
    /// Delivery state.
    pub delivery: Delivery,
    /// For an assistant reply: the visitor message it answers.
    pub reply_to: Option<String>,
    /// Came with a transcript restored from the server rather than live on
    /// this page: shown, but not read out as a new reply.
    pub restored: bool,
}

/// A stream event, decoded from its SSE `event` name and JSON `data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatEvent {
    /// A whole stored message (a visitor message, or a finished reply on restore).
    Message {
        /// Server id.
        id: String,
        /// The client id the sender gave it.
        client_id: Option<String>,
        /// Author.
        role: Role,
        /// Text.
        text: String,
        /// An assistant reply's markdown tree.
        tree: Option<String>,
    },
    /// An assistant reply begins.
    ReplyStart {
        /// Server id of the reply.
        id: String,
        /// The visitor message it answers.
        reply_to: Option<String>,
    },
    /// More text of a streaming reply.
    ReplyDelta {
        /// Server id of the reply.
        id: String,
        /// The text to append.
        text: String,
    },
    /// A reply is complete; `text` is all of it.
    ReplyEnd {
        /// Server id of the reply.
        id: String,
        /// The whole reply.
        text: String,
        /// Its markdown tree.
        tree: Option<String>,
    },
    /// A reply could not be completed; the question can be asked again.
    ReplyError {
        /// Server id of the reply.
        id: String,
        /// The visitor message it answers.
        reply_to: Option<String>,
    },
}

impl Role {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "visitor" => Some(Role::Visitor),
            "assistant" => Some(Role::Assistant),
            _ => None,
        }
    }
}

impl ChatEvent {
    /// Decodes an event; unknown names or bad data give `None` (newer
    /// servers may add events an older widget can ignore).
    pub fn decode(event: &str, data: &str) -> Option<Self> {
        Self::from_object(event, &crate::json::Object::parse(data)?)
    }

    /// The event that puts a message of a stored transcript in place: the
    /// message itself, or for a failed reply its error.
    pub fn from_stored(m: &crate::json::Object) -> Option<Self> {
        let failed = m.str("state").as_deref() == Some("failed");
        Self::from_object(if failed { "reply.error" } else { "message" }, m)
    }

    /// [`Self::decode`] for data already parsed.
    pub fn from_object(event: &str, v: &crate::json::Object) -> Option<Self> {
        // `id` is required, the rest optional, and a field of the wrong
        // type spoils the event.
        let opt_str = |name: &str| v.opt_str(name);
        let id = v.str("id")?;
        let client_id = opt_str("client_id")?;
        let role = match opt_str("role")? {
            Some(r) => Some(Role::parse(&r)?),
            None => None,
        };
        let text = opt_str("text")?.unwrap_or_default();
        let reply_to = opt_str("reply_to")?;
        let tree = opt_str("tree")?;
        Some(match event {
            "message" => ChatEvent::Message {
                id,
                client_id,
                role: role?,
                text,
                tree,
            },
            "reply.start" => ChatEvent::ReplyStart { id, reply_to },
            "reply.delta" => ChatEvent::ReplyDelta { id, text },
            "reply.end" => ChatEvent::ReplyEnd { id, text, tree },
            "reply.error" => ChatEvent::ReplyError { id, reply_to },
            _ => return None,
        })
    }
}

/// The ordered list of messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Messages, oldest first.
    pub messages: Vec<ChatMessage>,
}

impl Transcript {
    /// Adds a visitor message typed on this page, before the server has it.
    pub fn push_local(&mut self, client_id: &str, text: &str) {
        self.messages.push(ChatMessage {
            id: client_id.to_owned(),
            client_id: Some(client_id.to_owned()),
            role: Role::Visitor,
            text: text.to_owned(),
            tree: None,
            delivery: Delivery::Sending,
            reply_to: None,
            restored: false,
        });
    }

    /// Replaces the list with the server's transcript (`messages`, oldest
    /// first), keeping after it the messages typed here that the server
    /// does not have yet.
    pub fn restore(&mut self, messages: Vec<ChatMessage>) {
        let pending: Vec<ChatMessage> = std::mem::take(&mut self.messages)
            .into_iter()
            .filter(|m| {
                m.role == Role::Visitor
                    && m.delivery != Delivery::Sent
                    && !messages.iter().any(|s| s.client_id == m.client_id)
            })
            .collect();
        self.messages = messages;
        for m in &mut self.messages {
            m.restored = true;
        }
        self.messages.extend(pending);
    }

    /// The visitor messages not yet stored by the server: `(client id, text)`,
    /// oldest first — what the outbox keeps.
    pub fn pending(&self) -> Vec<(String, String)> {
        self.messages
            .iter()
            .filter(|m| m.role == Role::Visitor && m.delivery != Delivery::Sent)
            .filter_map(|m| Some((m.client_id.clone()?, m.text.clone())))
            .collect()
    }

    /// Marks a local message as stored (`Some(server id)`) or failed (`None`).
    pub fn acknowledge(&mut self, client_id: &str, server_id: Option<&str>) {
        if let Some(m) = self.by_client_id(client_id) {
            match server_id {
                Some(id) => {
                    m.id = id.to_owned();
                    m.delivery = Delivery::Sent;
                }
                None if m.delivery == Delivery::Sending => m.delivery = Delivery::Failed,
                None => {}
            }
        }
    }

    /// Applies one event from the stream. Applying an event twice changes
    /// nothing the second time, except deltas, which the stream never repeats.
    pub fn apply(&mut self, event: ChatEvent) {
        match event {
            ChatEvent::Message {
                id,
                client_id,
                role,
                text,
                tree,
            } => {
                let known = client_id
                    .as_deref()
                    .and_then(|c| {
                        self.messages
                            .iter()
                            .position(|m| m.client_id.as_deref() == Some(c))
                    })
                    .or_else(|| self.position(&id));
                match known {
                    Some(i) => {
                        let m = &mut self.messages[i];
                        m.id = id;
                        m.text = text;
                        m.tree = tree;
                        m.delivery = Delivery::Sent;
                    }
                    None => self.messages.push(ChatMessage {
                        id,
                        client_id,
                        role,
                        text,
                        tree,
                        delivery: Delivery::Sent,
                        reply_to: None,
                        restored: false,
                    }),
                }
            }
            ChatEvent::ReplyStart { id, reply_to } => {
                if self.position(&id).is_none() {
                    // A new answer to a question replaces its failed one.
                    if reply_to.is_some() {
                        self.messages.retain(|m| {
                            !(m.role == Role::Assistant
                                && m.delivery != Delivery::Sent
                                && m.reply_to == reply_to)
                        });
                    }
                    self.messages.push(ChatMessage {
                        id,
                        client_id: None,
                        role: Role::Assistant,
                        text: String::new(),
                        tree: None,
                        delivery: Delivery::Streaming,
                        reply_to,
                        restored: false,
                    });
                }
            }
            ChatEvent::ReplyDelta { id, text } => {
                let i = match self.position(&id) {
                    Some(i) => i,
                    None => {
                        self.apply(ChatEvent::ReplyStart {
                            id: id.clone(),
                            reply_to: None,
                        });
                        self.messages.len() - 1
                    }
                };
                let m = &mut self.messages[i];
                if m.delivery == Delivery::Streaming {
                    m.text.push_str(&text);
                }
            }
            ChatEvent::ReplyEnd { id, text, tree } => match self.position(&id) {
                Some(i) => {
                    let m = &mut self.messages[i];
                    m.text = text;
                    m.tree = tree;
                    m.delivery = Delivery::Sent;
                }
                None => self.messages.push(ChatMessage {
                    id,
                    client_id: None,
                    role: Role::Assistant,
                    text,
                    tree,
                    delivery: Delivery::Sent,
                    reply_to: None,
                    restored: false,
                }),
            },
            ChatEvent::ReplyError { id, reply_to } => {
                let i = match self.position(&id) {
                    Some(i) => i,
                    None => {
                        self.apply(ChatEvent::ReplyStart {
                            id: id.clone(),
                            reply_to: reply_to.clone(),
                        });
                        self.messages.len() - 1
                    }
                };
                let m = &mut self.messages[i];
                // A reply that did end is not undone by a late error.
                if m.delivery != Delivery::Sent {
                    m.delivery = Delivery::Failed;
                    m.text.clear();
                    m.tree = None;
                    if reply_to.is_some() {
                        m.reply_to = reply_to;
                    }
                }
            }
        }
    }

    /// Whether an assistant reply is still streaming.
    pub fn is_streaming(&self) -> bool {
        self.messages
            .iter()
            .any(|m| m.delivery == Delivery::Streaming)
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.messages.iter().position(|m| m.id == id)
    }

    fn by_client_id(&mut self, client_id: &str) -> Option<&mut ChatMessage> {
        self.messages
            .iter_mut()
            .find(|m| m.client_id.as_deref() == Some(client_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(name: &str, data: &str) -> ChatEvent {
        ChatEvent::decode(name, data).expect("decodes")
    }

    #[test]
    fn local_message_is_matched_with_its_echo() {
        let mut t = Transcript::default();
        t.push_local("c1", "hello");
        t.apply(ev(
            "message",
            r#"{"id":"m1","client_id":"c1","role":"visitor","text":"hello"}"#,
        ));
        assert_eq!(t.messages.len(), 1);
        assert_eq!(t.messages[0].id, "m1");
        assert_eq!(t.messages[0].delivery, Delivery::Sent);
    }

    #[test]
    fn echo_before_acknowledgement_and_ack_after() {
        let mut t = Transcript::default();
        t.push_local("c1", "hi");
        t.apply(ev(
            "message",
            r#"{"id":"m1","client_id":"c1","role":"visitor","text":"hi"}"#,
        ));
        t.acknowledge("c1", None); // a late failure report does not undo a stored message
        assert_eq!(t.messages[0].delivery, Delivery::Sent);
    }

    #[test]
    fn failed_send_is_marked() {
        let mut t = Transcript::default();
        t.push_local("c1", "hi");
        t.acknowledge("c1", None);
        assert_eq!(t.messages[0].delivery, Delivery::Failed);
        t.acknowledge("c1", Some("m9"));
        assert_eq!(t.messages[0].delivery, Delivery::Sent);
        assert_eq!(t.messages[0].id, "m9");
    }

    #[test]
    fn reply_streams_then_ends_with_full_text() {
        let mut t = Transcript::default();
        t.apply(ev("reply.start", r#"{"id":"r1"}"#));
        t.apply(ev("reply.delta", r#"{"id":"r1","text":"Hel"}"#));
        assert!(t.is_streaming());
        t.apply(ev("reply.delta", r#"{"id":"r1","text":"lo"}"#));
        assert_eq!(t.messages[0].text, "Hello");
        t.apply(ev("reply.end", r#"{"id":"r1","text":"Hello!"}"#));
        assert_eq!(t.messages[0].text, "Hello!");
        assert!(!t.is_streaming());
        // A delta arriving after the end (never sent by the server) cannot corrupt it.
        t.apply(ev("reply.delta", r#"{"id":"r1","text":"xx"}"#));
        assert_eq!(t.messages[0].text, "Hello!");
    }

    #[test]
    fn a_finished_reply_keeps_its_tree_a_streaming_one_has_none() {
        let mut t = Transcript::default();
        t.apply(ev("reply.start", r#"{"id":"r1"}"#));
        t.apply(ev("reply.delta", r#"{"id":"r1","text":"*Hi*"}"#));
        assert_eq!(t.messages[0].tree, None);
        t.apply(ev(
            "reply.end",
            r#"{"id":"r1","text":"*Hi*","tree":"[[\"p\",[\"em\",\"Hi\"]]]"}"#,
        ));
        assert_eq!(
            t.messages[0].tree.as_deref(),
            Some(r#"[["p",["em","Hi"]]]"#)
        );
        // A stored reply restored as a whole message keeps its tree too.
        t.apply(ev(
            "message",
            r#"{"id":"m2","role":"assistant","text":"x","tree":"[\"x\"]"}"#,
        ));
        assert_eq!(t.messages[1].tree.as_deref(), Some(r#"["x"]"#));
        // A tree of the wrong type spoils the event.
        assert_eq!(
            ChatEvent::decode("reply.end", r#"{"id":"r","text":"x","tree":[1]}"#),
            None
        );
    }

    #[test]
    fn duplicate_whole_messages_are_not_repeated() {
        let mut t = Transcript::default();
        let m = r#"{"id":"m1","role":"assistant","text":"a"}"#;
        t.apply(ev("message", m));
        t.apply(ev("message", m));
        t.apply(ev("reply.start", r#"{"id":"m1"}"#));
        assert_eq!(t.messages.len(), 1);
    }

    #[test]
    fn delta_without_start_opens_the_reply() {
        let mut t = Transcript::default();
        t.apply(ev("reply.delta", r#"{"id":"r1","text":"x"}"#));
        assert_eq!(t.messages[0].text, "x");
        assert_eq!(t.messages[0].role, Role::Assistant);
    }

    #[test]
    fn a_failed_reply_is_replaced_by_the_next_answer_to_its_question() {
        let mut t = Transcript::default();
        t.apply(ev("reply.start", r#"{"id":"r1","reply_to":"m1"}"#));
        t.apply(ev("reply.delta", r#"{"id":"r1","text":"half"}"#));
        t.apply(ev(
            "reply.error",
            r#"{"id":"r1","reply_to":"m1","code":"provider_unavailable"}"#,
        ));
        assert_eq!(t.messages[0].delivery, Delivery::Failed);
        assert_eq!(t.messages[0].text, "", "half an answer is not shown as one");
        assert_eq!(t.messages[0].reply_to.as_deref(), Some("m1"));
        // Replayed after a reconnect: still one failed reply.
        t.apply(ev("reply.error", r#"{"id":"r1","reply_to":"m1"}"#));
        assert_eq!(t.messages.len(), 1);
        // Another question's reply leaves it alone; the retry replaces it.
        t.apply(ev("reply.start", r#"{"id":"r2","reply_to":"m0"}"#));
        assert_eq!(t.messages.len(), 2);
        t.apply(ev("reply.start", r#"{"id":"r3","reply_to":"m1"}"#));
        let ids: Vec<&str> = t.messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["r2", "r3"]);
        // An error for an ended reply changes nothing.
        t.apply(ev("reply.end", r#"{"id":"r3","text":"done"}"#));
        t.apply(ev("reply.error", r#"{"id":"r3"}"#));
        assert_eq!(
            (t.messages[1].delivery, t.messages[1].text.as_str()),
            (Delivery::Sent, "done")
        );
        // An error for a reply never seen shows as failed.
        t.apply(ev("reply.error", r#"{"id":"r9","reply_to":"m5"}"#));
        assert_eq!(t.messages[2].delivery, Delivery::Failed);
    }

    fn stored(id: &str, client_id: Option<&str>, role: Role, text: &str) -> ChatMessage {
        ChatMessage {
            id: id.into(),
            client_id: client_id.map(Into::into),
            role,
            text: text.into(),
            delivery: Delivery::Sent,
            reply_to: None,
            restored: false,
            tree: None,
        }
    }

    #[test]
    fn restore_keeps_what_the_server_lacks_after_the_transcript() {
        let mut t = Transcript::default();
        t.push_local("c1", "stored meanwhile");
        t.push_local("c2", "typed offline");
        t.acknowledge("c2", None);
        t.push_local("c3", "still sending");
        t.restore(vec![
            stored("m0", Some("c0"), Role::Visitor, "earlier"),
            stored("r0", None, Role::Assistant, "answer"),
            stored("m1", Some("c1"), Role::Visitor, "stored meanwhile"),
        ]);
        let ids: Vec<&str> = t.messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["m0", "r0", "m1", "c2", "c3"]);
        assert_eq!(
            t.pending(),
            [
                ("c2".to_owned(), "typed offline".to_owned()),
                ("c3".to_owned(), "still sending".to_owned())
            ]
        );
        // Events replayed after the restore change nothing.
        let before = t.clone();
        t.apply(ev(
            "message",
            r#"{"id":"m1","client_id":"c1","role":"visitor","text":"stored meanwhile"}"#,
        ));
        t.apply(ev("reply.start", r#"{"id":"r0"}"#));
        t.apply(ev("reply.delta", r#"{"id":"r0","text":"xx"}"#));
        t.apply(ev("reply.end", r#"{"id":"r0","text":"answer"}"#));
        assert_eq!(t, before);
        // What came with the transcript is marked, what waits here is not,
        // and a reply that starts afterwards is live.
        let restored: Vec<bool> = t.messages.iter().map(|m| m.restored).collect();
        assert_eq!(restored, [true, true, true, false, false]);
        t.apply(ev("reply.start", r#"{"id":"r1","reply_to":"c2"}"#));
        t.apply(ev("reply.end", r#"{"id":"r1","text":"later"}"#));
        assert!(!t.messages[5].restored);
    }

    #[test]
    fn unknown_or_bad_events_are_ignored() {
        assert_eq!(ChatEvent::decode("typing", r#"{"id":"x"}"#), None);
        assert_eq!(ChatEvent::decode("message", "not json"), None);
        assert_eq!(
            ChatEvent::decode("message", r#"{"id":"x","text":"no role"}"#),
            None
        );
        assert_eq!(
            ChatEvent::decode("reply.start", r#"{"text":"no id"}"#),
            None
        );
        assert_eq!(
            ChatEvent::decode("reply.delta", r#"{"id":"x","text":3}"#),
            None
        );
        assert_eq!(
            ChatEvent::decode("message", r#"{"id":"x","role":"robot","text":"t"}"#),
            None
        );
        assert_eq!(ChatEvent::decode("reply.start", "[1]"), None);
    }

    #[test]
    fn null_optional_fields_are_absent() {
        assert_eq!(
            ChatEvent::decode(
                "message",
                r#"{"id":"m","client_id":null,"role":"assistant","text":"é\n✓"}"#
            ),
            Some(ChatEvent::Message {
                id: "m".into(),
                client_id: None,
                role: Role::Assistant,
                text: "é\n✓".into(),
                tree: None,
            })
        );
    }
}
