use serde::Serialize;

use super::{new_id, Store};

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Message {
    /// Server id.
    pub id: String,
    /// `visitor` or `assistant`.
    pub role: String,
    /// Text (markdown for the assistant).
    #[serde(rename = "text")]
    pub content: String,
    /// The sender's idempotency key.
    pub client_id: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// One stored stream event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    /// Position in the stream; what `Last-Event-ID` carries.
    pub id: i64,
    /// Conversation.
    pub conversation_id: String,
    /// SSE event name.
    pub kind: String,
    /// JSON payload.
    pub data: String,
}

impl Store {
    /// Stores a visitor or assistant message. With a `client_id` already
    /// used in this conversation, returns the first message instead
    /// (`false`: nothing new was stored).
    pub async fn insert_message(
        &self,
        conversation_id: &str,
        role: &str,
        content: &str,
        client_id: Option<&str>,
    ) -> anyhow::Result<(Message, bool)> {
        if let Some(cid) = client_id {
            if let Some(m) = self.message_by_client_id(conversation_id, cid).await? {
                return Ok((m, false));
            }
        }
        let m = Message {
            id: new_id("msg"),
            role: role.to_owned(),
            content: content.to_owned(),
            client_id: client_id.map(str::to_owned),
            created_at: super::now_millis(),
        };
        let inserted = sqlx::query(
            "INSERT INTO messages (id, conversation_id, role, content, client_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (conversation_id, client_id) DO NOTHING",
        )
        .bind(&m.id)
        .bind(conversation_id)
        .bind(&m.role)
        .bind(&m.content)
        .bind(&m.client_id)
        .bind(m.created_at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 0 {
            // A concurrent retry with the same key won the race.
            if let Some(cid) = client_id {
                if let Some(first) = self.message_by_client_id(conversation_id, cid).await? {
                    return Ok((first, false));
                }
            }
        }
        Ok((m, true))
    }

    async fn message_by_client_id(
        &self,
        conversation_id: &str,
        client_id: &str,
    ) -> anyhow::Result<Option<Message>> {
        Ok(sqlx::query_as(
            "SELECT id, role, content, client_id, created_at FROM messages
             WHERE conversation_id = $1 AND client_id = $2",
        )
        .bind(conversation_id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The conversation's messages, oldest first.
    pub async fn transcript(&self, conversation_id: &str) -> anyhow::Result<Vec<Message>> {
        Ok(sqlx::query_as(
            "SELECT id, role, content, client_id, created_at FROM messages
             WHERE conversation_id = $1 ORDER BY created_at, id",
        )
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Appends an event to the conversation's stream; returns its id.
    pub async fn append_event(
        &self,
        conversation_id: &str,
        kind: &str,
        data: &str,
    ) -> anyhow::Result<EventRow> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO events (conversation_id, kind, data, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(conversation_id)
        .bind(kind)
        .bind(data)
        .bind(crate::now_unix())
        .fetch_one(&self.pool)
        .await?;
        Ok(EventRow {
            id,
            conversation_id: conversation_id.to_owned(),
            kind: kind.to_owned(),
            data: data.to_owned(),
        })
    }

    /// Up to `limit` events after `after_id`, in order.
    pub async fn events_after(
        &self,
        conversation_id: &str,
        after_id: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<EventRow>> {
        Ok(sqlx::query_as(
            "SELECT id, conversation_id, kind, data FROM events
             WHERE conversation_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(conversation_id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
