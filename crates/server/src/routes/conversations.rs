//! A conversation: sending messages, its event stream, its transcript.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use causette_token::Code;
use futures::Stream;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::app::AppState;
use crate::auth::Visitor;
use crate::error::ApiError;
use crate::store::{EventRow, Message};

/// Longest message a visitor may send, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4_000;
/// Longest idempotency key accepted.
const MAX_KEY_LEN: usize = 128;

/// Routes for conversations.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/conversations/{id}", get(transcript))
        .route("/v1/conversations/{id}/messages", post(send))
        .route("/v1/conversations/{id}/events", get(events))
}

fn own(visitor: &Visitor, id: &str) -> Result<(), ApiError> {
    if visitor.claims.cid == id {
        Ok(())
    } else {
        // The token is fine but names another conversation.
        Err(ApiError::denied(
            Code::InsufficientScope,
            "the token does not grant access to this conversation",
        ))
    }
}

/// The request body of a send.
#[derive(Debug, Deserialize)]
pub struct NewMessage {
    /// What the visitor typed.
    pub text: String,
}

async fn send(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<NewMessage>, JsonRejection>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    own(&visitor, &id)?;
    let msg = crate::error::json_body(body)?;
    state.limits.check_message(&visitor.claims.sid).map_err(|secs| {
        tracing::warn!(session = %visitor.claims.sid, retry_after = secs, "message rate limited");
        ApiError::Denied {
            diagnosis: causette_token::Diagnosis::new(Code::RateLimited)
                .with_retry_after(Some(secs)),
            detail: format!("too many messages in this session; wait {secs} s"),
        }
    })?;
    let text = msg.text.trim();
    if text.is_empty() {
        return Err(ApiError::InvalidRequest("the message is empty".into()));
    }
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(ApiError::InvalidRequest(format!(
            "the message is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}"
        )));
    }
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or_default().trim().to_owned());
    if key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.len() > MAX_KEY_LEN)
    {
        return Err(ApiError::InvalidRequest(format!(
            "the Idempotency-Key header must be 1 to {MAX_KEY_LEN} characters"
        )));
    }
    let (message, created) = state
        .store
        .insert_message(&id, "visitor", text, key.as_deref())
        .await?;
    if !created {
        // Sent again: the same answer as the first time, nothing stored
        // twice — and if its reply failed, it is answered again.
        if state.store.retry_reply(&id, &message.id).await? {
            crate::answer::spawn_reply(&state, &visitor.site_key, &id, message.clone());
        }
        return Ok((StatusCode::OK, Json(message)));
    }
    state
        .bus
        .append(
            &state.store,
            &id,
            "message",
            &json!({"id": message.id, "client_id": message.client_id, "role": "visitor", "text": message.content}),
        )
        .await?;
    crate::answer::spawn_reply(&state, &visitor.site_key, &id, message.clone());
    Ok((StatusCode::CREATED, Json(message)))
}

/// The transcript, and `resume_after`: the `Last-Event-ID` to open the
/// stream with, so that replies still streaming arrive whole.
async fn transcript(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    own(&visitor, &id)?;
    let (messages, resume_after) = state.store.transcript(&id).await?;
    let messages: Vec<serde_json::Value> = messages.into_iter().map(with_tree).collect();
    Ok(Json(
        json!({ "id": id, "messages": messages, "resume_after": resume_after }),
    ))
}

/// A transcript message; an assistant's also carries `tree`, its markdown
/// as a safe tree in a JSON string (see [`crate::markdown`]).
fn with_tree(m: Message) -> serde_json::Value {
    let tree = (m.role == "assistant").then(|| crate::markdown::tree_json(&m.content));
    let mut v = json!(m);
    if let Some(tree) = tree {
        v["tree"] = tree.into();
    }
    v
}

/// The event stream. With `Last-Event-ID` it first replays what the client
/// missed from the database, then forwards live events; an id is never sent
/// twice and never skipped.
async fn events(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    own(&visitor, &id)?;
    let last: i64 = match headers.get("last-event-id") {
        None => 0,
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .filter(|n: &i64| *n >= 0)
            .ok_or_else(|| ApiError::InvalidRequest("Last-Event-ID must be an event id".into()))?,
    };
    let (tx, rx) = mpsc::channel::<EventRow>(64);
    tokio::spawn(pump(state, id, last, tx));
    let stream = tokio_stream::StreamExt::map(ReceiverStream::new(rx), |row| {
        Ok(Event::default()
            .id(row.id.to_string())
            .event(row.kind)
            .data(row.data))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

async fn pump(state: AppState, id: String, mut last: i64, tx: mpsc::Sender<EventRow>) {
    let mut live = state.bus.subscribe(&id);
    loop {
        // Catch up from the database, in pages.
        loop {
            let rows = match state.store.events_after(&id, last, 500).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(error = ?e, "event catch-up failed");
                    return;
                }
            };
            if rows.is_empty() {
                break;
            }
            for row in rows {
                last = row.id;
                if tx.send(row).await.is_err() {
                    return;
                }
            }
        }
        // Then follow live events until the client leaves or we fall behind.
        loop {
            tokio::select! {
                _ = tx.closed() => return,
                next = live.recv() => match next {
                    Ok(row) if row.id > last => {
                        last = row.id;
                        if tx.send(row).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    }
}
