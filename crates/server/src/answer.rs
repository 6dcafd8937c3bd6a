//! The built-in answerer: searches the site's knowledge base (see
//! [`crate::kb`]) and streams the answer back, or says plainly that it
//! does not know.

use serde_json::json;

use crate::app::AppState;

pub use crate::kb::DONT_KNOW;

/// Answers `question` in the conversation, streaming the reply as events.
pub async fn reply(
    state: &AppState,
    site: &str,
    conversation_id: &str,
    question: &str,
) -> anyhow::Result<()> {
    let kb = state.kb.clone();
    let (site_key, asked) = (site.to_owned(), question.to_owned());
    let text = match tokio::task::spawn_blocking(move || kb.answer(&site_key, &asked)).await? {
        Ok(text) => text,
        Err(e) => {
            tracing::error!(error = ?e, site = %site, "knowledge base search failed");
            crate::kb::dont_know(question, site == crate::kb::DEMO_SITE)
        }
    };
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
        // `tree`: the markdown as a safe tree, in a JSON string (see crate::markdown).
        &json!({"id": reply_id, "message_id": stored.id, "role": "assistant", "text": text, "tree": crate::markdown::tree_json(&text)}),
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
}
