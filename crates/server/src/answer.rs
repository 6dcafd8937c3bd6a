//! The built-in answerer: finds the closest entry of a small bundled FAQ
//! and streams it back, or says plainly that it does not know.

use std::collections::HashSet;

use serde_json::json;

use crate::app::AppState;

const FAQ: &str = include_str!("../faq/faq.md");

/// One question and its answer.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The question as written.
    pub question: String,
    /// The answer, markdown.
    pub answer: String,
    terms: HashSet<String>,
    strong: HashSet<String>,
}

/// A searchable set of FAQ entries.
#[derive(Debug, Clone)]
pub struct Faq {
    entries: Vec<Entry>,
}

/// The reply when nothing matches.
pub const DONT_KNOW: &str = "I don't know the answer to that yet. I can help with installing the widget, site keys and allowed origins, tokens and why they might be invalid, colours and languages, and what happens when the connection drops.";

impl Faq {
    /// The FAQ bundled with the server.
    pub fn bundled() -> Faq {
        Faq::parse(FAQ)
    }

    /// Parses `## question`, an optional `keywords:` line, then the answer.
    pub fn parse(text: &str) -> Faq {
        let mut entries = Vec::new();
        for block in text.split("\n## ").map(|b| b.trim_start_matches("## ")) {
            let mut lines = block.lines();
            let Some(question) = lines.next().map(str::trim).filter(|q| !q.is_empty()) else {
                continue;
            };
            let mut keywords = String::new();
            let mut answer = Vec::new();
            for line in lines {
                match line.strip_prefix("keywords:") {
                    Some(k) if answer.is_empty() => keywords = k.to_owned(),
                    _ => answer.push(line),
                }
            }
            let answer = answer.join("\n").trim().to_owned();
            let strong: HashSet<String> = terms(question).chain(terms(&keywords)).collect();
            let all = strong.iter().cloned().chain(terms(&answer)).collect();
            entries.push(Entry {
                question: question.to_owned(),
                answer,
                terms: all,
                strong,
            });
        }
        Faq { entries }
    }

    /// The best entry for a question, if any is relevant enough.
    pub fn best(&self, question: &str) -> Option<&Entry> {
        let asked: HashSet<String> = terms(question).collect();
        if asked.is_empty() {
            return None;
        }
        let score = |e: &Entry| -> u32 {
            asked
                .iter()
                .map(|t| {
                    if e.strong.contains(t) {
                        3
                    } else if e.terms.contains(t) {
                        1
                    } else {
                        0
                    }
                })
                .sum()
        };
        self.entries
            .iter()
            .map(|e| (score(e), e))
            .filter(|(s, _)| *s >= 3)
            .max_by_key(|(s, _)| *s)
            .map(|(_, e)| e)
    }

    /// The answer text for a question.
    pub fn answer(&self, question: &str) -> String {
        match self.best(question) {
            Some(e) => e.answer.clone(),
            None => DONT_KNOW.to_owned(),
        }
    }
}

const STOP: &[&str] = &[
    "a", "an", "the", "is", "are", "do", "does", "i", "my", "me", "to", "of", "in", "on", "and",
    "or", "it", "what", "how", "why", "can", "you", "your", "for", "with", "this", "that", "be",
    "at", "le", "la", "les", "un", "une", "des", "de", "du", "et", "ou", "est", "sur", "mon", "ma",
    "mes", "je", "il", "comment", "pourquoi", "quoi", "que", "qui", "pas", "ne", "en", "au", "aux",
];

/// Lower-cased words without stop words, with plural and verb endings
/// trimmed so "tokens"/"token" and "expired"/"expire" meet.
fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .filter(|w| !STOP.contains(&w.as_str()))
        .map(|w| stem(&w))
        .filter(|w| w.chars().count() > 1)
}

fn stem(word: &str) -> String {
    for suffix in ["ing", "ed", "es", "s", "é", "ée", "er"] {
        if let Some(base) = word.strip_suffix(suffix) {
            if base.chars().count() >= 4 {
                return base.to_owned();
            }
        }
    }
    word.to_owned()
}

/// Answers `question` in the conversation, streaming the reply as events.
pub async fn reply(state: &AppState, conversation_id: &str, question: &str) -> anyhow::Result<()> {
    let text = state.faq.answer(question);
    let reply_id = crate::store::new_id("msg");
    let bus = &state.bus;
    let store = &state.store;
    bus.append(
        store,
        conversation_id,
        "reply.start",
        &json!({"id": reply_id, "role": "assistant"}),
    )
    .await?;
    for chunk in chunks(&text, 3) {
        tokio::time::sleep(state.settings.stream_delay).await;
        bus.append(
            store,
            conversation_id,
            "reply.delta",
            &json!({"id": reply_id, "text": chunk}),
        )
        .await?;
    }
    let (stored, _) = store
        .insert_message(conversation_id, "assistant", &text, Some(&reply_id))
        .await?;
    bus.append(
        store,
        conversation_id,
        "reply.end",
        &json!({"id": reply_id, "message_id": stored.id, "role": "assistant", "text": text}),
    )
    .await?;
    Ok(())
}

/// Splits text into pieces of `words` words, keeping every character, so
/// the pieces concatenate back to the text exactly.
pub fn chunks(text: &str, words: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut seen = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                seen += 1;
                in_word = false;
                if seen == words {
                    out.push(&text[start..i]);
                    start = i;
                    seen = 0;
                }
            }
        } else {
            in_word = true;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_rebuild_the_text() {
        for text in [
            "",
            "one",
            "a b c d e f g",
            "  lead and trail  ",
            "é è\nñ\t ok",
        ] {
            for n in 1..5 {
                assert_eq!(chunks(text, n).concat(), text, "{text:?} / {n}");
            }
        }
        assert_eq!(chunks("a b c d", 2), vec!["a b", " c d"]);
    }

    #[test]
    fn relevant_questions_find_their_entry() {
        let faq = Faq::bundled();
        let q = |s: &str| faq.best(s).map(|e| e.question.clone()).unwrap_or_default();
        assert!(q("How do I add the widget to my site?").contains("add the Causette widget"));
        assert!(q("Why does it say the token is invalid?").contains("token is invalid"));
        assert!(q("my domain is blocked, origin not allowed").contains("origin not allowed"));
        assert!(q("Comment installer le widget ?").contains("installer"));
        assert!(q("Pourquoi mon jeton est invalide ?").contains("jeton"));
    }

    #[test]
    fn unrelated_questions_get_an_honest_answer() {
        let faq = Faq::bundled();
        assert_eq!(
            faq.answer("What's the weather in Lyon tomorrow?"),
            DONT_KNOW
        );
        assert_eq!(faq.answer(""), DONT_KNOW);
        assert_eq!(faq.answer("???"), DONT_KNOW);
    }

    #[test]
    fn every_bundled_entry_has_an_answer() {
        let faq = Faq::bundled();
        assert!(faq.entries.len() >= 10);
        for e in &faq.entries {
            assert!(!e.answer.is_empty(), "{}", e.question);
            assert!(!e.answer.starts_with("keywords"), "{}", e.question);
        }
    }
}
