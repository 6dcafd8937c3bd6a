//! Writing a reply: one at a time per conversation, streamed as events
//! (`reply.start`, `reply.delta`…, then `reply.end` or `reply.error`), and
//! stored from its first event so that a page loading mid-reply, a dropped
//! stream or a lost node never leaves a visitor with half an answer and no
//! way to ask again.
//!
//! The text comes from the site's model when it names one (see
//! [`crate::provider`]; the knowledge base's passages are its context), or
//! else from the knowledge base itself (see [`crate::kb`]), which quotes the
//! best passages or says plainly that it does not know.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::stream::{self, BoxStream, StreamExt};
use serde_json::json;

use crate::app::AppState;
use crate::store::Message;

pub use crate::kb::DONT_KNOW;

/// Finished messages a model is shown before the question.
const HISTORY: i64 = 12;
/// How often the answering node records that a reply is still alive.
const BEAT: Duration = Duration::from_secs(5);
/// A streaming reply whose node has been silent this long is lost.
const LOST_AFTER: Duration = Duration::from_secs(30);

/// Replies in progress on this node: one per conversation at a time, so
/// answers stream in the order the questions were asked.
#[derive(Clone, Default)]
pub struct Answering {
    turns: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Answering {
    async fn turn(&self, conversation_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut turns = self.turns.lock().expect("answering lock");
            // Forget conversations nobody is answering in.
            turns.retain(|_, l| Arc::strong_count(l) > 1);
            turns.entry(conversation_id.to_owned()).or_default().clone()
        };
        lock.lock_owned().await
    }
}

/// Why a reply could not be completed: a stable code for the widget and
/// the operator's log (`server_error` for a failure of this server).
type Failure = &'static str;

/// Answers the visitor message `to` in the background, logging (never
/// losing) a failure: the reply is then marked failed and the visitor can
/// ask again.
pub fn spawn_reply(state: &AppState, site: &str, conversation_id: &str, to: Message) {
    let (state, site, cid) = (state.clone(), site.to_owned(), conversation_id.to_owned());
    tokio::spawn(async move {
        if let Err(e) = reply(&state, &site, &cid, &to).await {
            tracing::error!(error = ?e, conversation = %cid, "answering failed");
        }
    });
}

/// Answers the visitor message `to`, streaming the reply as events.
pub async fn reply(
    state: &AppState,
    site: &str,
    conversation_id: &str,
    to: &Message,
) -> anyhow::Result<()> {
    let _turn = state.answering.turn(conversation_id).await;
    let (bus, store) = (&state.bus, &state.store);
    let reply_id = start_reply(state, conversation_id, to).await?;
    let result = stream_text(state, site, conversation_id, &reply_id, to).await;
    let (text, failure) = match result {
        Ok((text, failure)) => (text, failure),
        Err(e) => {
            tracing::error!(error = ?e, conversation = %conversation_id, "reply interrupted");
            (String::new(), Some("server_error"))
        }
    };
    match failure {
        None => {
            if store.end_reply(&reply_id, &text, false).await? {
                bus.append(
                    store,
                    conversation_id,
                    "reply.end",
                    // `tree`: the markdown as a safe tree, in a JSON string
                    // (see crate::markdown).
                    &json!({"id": reply_id, "role": "assistant", "reply_to": to.id, "text": text,
                        "tree": crate::markdown::tree_json(&text)}),
                )
                .await?;
            }
        }
        Some(code) => fail(state, conversation_id, &reply_id, Some(&to.id), &text, code).await?,
    }
    Ok(())
}

/// Starts a reply to `to`: its `reply.start` event, then the reply stored
/// as streaming; returns its id. Stored before any text is streamed: a
/// transcript read from now on resumes its stream at that event, so no
/// piece is missed.
async fn start_reply(
    state: &AppState,
    conversation_id: &str,
    to: &Message,
) -> anyhow::Result<String> {
    let reply_id = crate::store::new_id("msg");
    let start = state
        .bus
        .append(
            &state.store,
            conversation_id,
            "reply.start",
            &json!({"id": reply_id, "role": "assistant", "reply_to": to.id}),
        )
        .await?;
    state
        .store
        .start_reply(conversation_id, &reply_id, to, start.id)
        .await?;
    Ok(reply_id)
}

/// Streams the reply's pieces as `reply.delta` events; the whole text and
/// the failure that cut it short, if any.
async fn stream_text(
    state: &AppState,
    site: &str,
    conversation_id: &str,
    reply_id: &str,
    to: &Message,
) -> anyhow::Result<(String, Option<Failure>)> {
    let mut pieces = pieces(state, site, conversation_id, &to.content).await?;
    let mut text = String::new();
    let mut beat = Instant::now();
    while let Some(piece) = pieces.next().await {
        let piece = match piece {
            Ok(p) => p,
            Err(code) => return Ok((text, Some(code))),
        };
        if piece.is_empty() {
            continue;
        }
        text.push_str(&piece);
        state
            .bus
            .append(
                &state.store,
                conversation_id,
                "reply.delta",
                &json!({"id": reply_id, "text": piece}),
            )
            .await?;
        if beat.elapsed() >= BEAT {
            state.store.beat_reply(reply_id).await?;
            beat = Instant::now();
        }
    }
    Ok((text, None))
}

/// The reply's text as it comes: the site's model streaming, or the
/// knowledge base's answer paced like typing so the visitor sees it arrive.
/// A provider failure ends the stream with its code (already logged and
/// counted by [`crate::provider`]).
async fn pieces(
    state: &AppState,
    site: &str,
    conversation_id: &str,
    question: &str,
) -> anyhow::Result<BoxStream<'static, Result<String, Failure>>> {
    let recent = state
        .store
        .recent_messages(conversation_id, HISTORY)
        .await?;
    let history = crate::provider::Turn::from_messages(&recent);
    if let Some(stream) = crate::provider::reply_stream(state, site, question, &history).await? {
        return Ok(stream.map(|piece| piece.map_err(|e| e.code())).boxed());
    }
    let kb = state.kb.clone();
    let (site_key, asked) = (site.to_owned(), question.to_owned());
    let text = match tokio::task::spawn_blocking(move || kb.answer(&site_key, &asked)).await? {
        Ok(text) => text,
        Err(e) => {
            tracing::error!(error = ?e, site = %site, "knowledge base search failed");
            crate::kb::dont_know(question, site == crate::kb::DEMO_SITE)
        }
    };
    let delay = state.settings.stream_delay;
    let owned: Vec<String> = chunks(&text, 3).into_iter().map(str::to_owned).collect();
    Ok(stream::iter(owned)
        .then(move |piece| async move {
            tokio::time::sleep(delay).await;
            Ok(piece)
        })
        .boxed())
}

/// Marks a reply failed and tells the stream, unless it had already ended.
async fn fail(
    state: &AppState,
    conversation_id: &str,
    reply_id: &str,
    reply_to: Option<&str>,
    partial: &str,
    code: Failure,
) -> anyhow::Result<()> {
    if state.store.end_reply(reply_id, partial, true).await? {
        state
            .bus
            .append(
                &state.store,
                conversation_id,
                "reply.error",
                &json!({"id": reply_id, "role": "assistant", "reply_to": reply_to, "code": code}),
            )
            .await?;
    }
    Ok(())
}

/// Fails the replies whose answering node went silent (it stopped or
/// crashed mid-reply), every few seconds, so their visitors are offered a
/// retry instead of a reply that never ends. Safe on every node at once.
/// With SQLite this node is the only one: whatever was streaming before
/// it started was lost with the previous process, and is failed at once,
/// as is every question the previous process stored but never started to
/// answer.
pub fn watch_lost_replies(state: AppState) {
    let started = crate::store::now_millis();
    let alone = state.store.backend() == crate::store::Backend::Sqlite;
    tokio::spawn(async move {
        let mut first = true;
        loop {
            if !(first && alone) {
                tokio::time::sleep(LOST_AFTER / 3).await;
            }
            let silent = crate::store::now_millis() - LOST_AFTER.as_millis() as i64;
            let before = if first && alone { started } else { silent };
            if first && alone {
                fail_unanswered(&state, started).await;
            }
            first = false;
            let lost = match state.store.stale_replies(before).await {
                Ok(lost) => lost,
                Err(e) => {
                    tracing::warn!(error = ?e, "cannot look for lost replies");
                    continue;
                }
            };
            for r in lost {
                tracing::warn!(conversation = %r.conversation_id, reply = %r.id, "reply lost mid-stream; offering a retry");
                let to = r.reply_to.as_deref();
                if let Err(e) =
                    fail(&state, &r.conversation_id, &r.id, to, "", "server_error").await
                {
                    tracing::warn!(error = ?e, "cannot mark a lost reply");
                }
            }
        }
    });
}

/// Gives each question stored before `before_ms` with no reply at all a
/// failed one, so its visitor sees the retry (which answers it) rather
/// than a question left hanging. Only when no other node can be answering:
/// a question waiting its turn has no reply yet either.
async fn fail_unanswered(state: &AppState, before_ms: i64) {
    let questions = match state.store.unanswered(before_ms).await {
        Ok(q) => q,
        Err(e) => return tracing::warn!(error = ?e, "cannot look for unanswered questions"),
    };
    for q in questions {
        let (cid, to) = (&q.conversation_id, &q.question);
        tracing::warn!(conversation = %cid, message = %to.id, "question left unanswered by the previous process; offering a retry");
        let failed = async {
            let reply_id = start_reply(state, cid, to).await?;
            fail(state, cid, &reply_id, Some(&to.id), "", "server_error").await
        };
        if let Err(e) = failed.await {
            tracing::warn!(error = ?e, "cannot mark an unanswered question");
        }
    }
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
