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
    /// `done`; for an assistant reply also `streaming`, `failed` or
    /// `retried` (failed, then answered again).
    pub state: String,
    /// For an assistant reply: the visitor message it answers.
    pub reply_to: Option<String>,
}

/// The columns a [`Message`] is read from.
const MESSAGE_COLUMNS: &str = "id, role, content, client_id, created_at, state, reply_to";

/// A reply whose answering node stopped beating.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaleReply {
    /// The reply's id.
    pub id: String,
    /// Its conversation.
    pub conversation_id: String,
    /// The visitor message it answers.
    pub reply_to: Option<String>,
}

/// A visitor message whose reply never started.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unanswered {
    /// Its conversation.
    pub conversation_id: String,
    /// The message.
    #[sqlx(flatten)]
    pub question: Message,
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
            state: "done".to_owned(),
            reply_to: None,
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
        Ok(sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE conversation_id = $1 AND client_id = $2"
        ))
        .bind(conversation_id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The conversation as a page restores it: its finished and failed
    /// messages, oldest first, and the event id to resume the stream
    /// after. Replies still streaming are left to the stream, which
    /// resumes just before the first of them began, so none of their text
    /// is missed; events replayed for messages already listed carry the
    /// same ids and change nothing.
    pub async fn transcript(&self, conversation_id: &str) -> anyhow::Result<(Vec<Message>, i64)> {
        // The resume point first: a reply that finishes between the two
        // reads is then both listed and replayed, never neither.
        let (open, last): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT
               (SELECT MIN(start_event) FROM messages
                 WHERE conversation_id = $1 AND state = 'streaming'),
               (SELECT MAX(id) FROM events WHERE conversation_id = $1)",
        )
        .bind(conversation_id)
        .fetch_one(&self.pool)
        .await?;
        let resume = match open {
            Some(start) => start - 1,
            None => last.unwrap_or(0),
        };
        let messages = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE conversation_id = $1 AND state IN ('done', 'failed')
             ORDER BY created_at, CASE role WHEN 'visitor' THEN 0 ELSE 1 END, id"
        ))
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?;
        Ok((messages, resume))
    }

    /// The last `limit` finished messages, oldest first (a model's context).
    pub async fn recent_messages(
        &self,
        conversation_id: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<Message>> {
        let mut rows: Vec<Message> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE conversation_id = $1 AND state = 'done'
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(conversation_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.reverse();
        Ok(rows)
    }

    /// A visitor message of the conversation, by id.
    pub async fn visitor_message(
        &self,
        conversation_id: &str,
        id: &str,
    ) -> anyhow::Result<Option<Message>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE conversation_id = $1 AND id = $2 AND role = 'visitor'"
        ))
        .bind(conversation_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records that a reply to `reply_to` began with event `start_event`.
    pub async fn start_reply(
        &self,
        conversation_id: &str,
        id: &str,
        reply_to: &Message,
        start_event: i64,
    ) -> anyhow::Result<()> {
        // Transcripts are ordered by time: a reply started within the same
        // millisecond as its question still comes after it.
        let now = super::now_millis().max(reply_to.created_at + 1);
        sqlx::query(
            "INSERT INTO messages
               (id, conversation_id, role, content, client_id, created_at, state, reply_to, start_event, updated_at)
             VALUES ($1, $2, 'assistant', '', NULL, $3, 'streaming', $4, $5, $3)",
        )
        .bind(id)
        .bind(conversation_id)
        .bind(now)
        .bind(&reply_to.id)
        .bind(start_event)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The answering node is still at work on reply `id`.
    pub async fn beat_reply(&self, id: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE messages SET updated_at = $1 WHERE id = $2 AND state = 'streaming'")
            .bind(super::now_millis())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends reply `id` as `done` with its whole text, or as `failed` with
    /// the text received so far. `false` when it was no longer streaming
    /// (another node judged it lost meanwhile).
    pub async fn end_reply(&self, id: &str, content: &str, failed: bool) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "UPDATE messages SET content = $1, state = $2, updated_at = $3
             WHERE id = $4 AND state = 'streaming'",
        )
        .bind(content)
        .bind(if failed { "failed" } else { "done" })
        .bind(super::now_millis())
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    /// Whether `reply_to` is to be answered again: its reply failed and no
    /// other is streaming or done (a message sent twice before its first
    /// reply started is not answered twice). Its failed replies are then
    /// set aside.
    pub async fn retry_reply(&self, conversation_id: &str, reply_to: &str) -> anyhow::Result<bool> {
        let (live, failed): (i64, i64) = sqlx::query_as(
            "SELECT
               (SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND reply_to = $2
                  AND state IN ('streaming', 'done')),
               (SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND reply_to = $2
                  AND state = 'failed')",
        )
        .bind(conversation_id)
        .bind(reply_to)
        .fetch_one(&self.pool)
        .await?;
        if live > 0 || failed == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE messages SET state = 'retried'
             WHERE conversation_id = $1 AND reply_to = $2 AND state = 'failed'",
        )
        .bind(conversation_id)
        .bind(reply_to)
        .execute(&self.pool)
        .await?;
        Ok(true)
    }

    /// Replies still streaming whose node has not beaten since `before_ms`.
    pub async fn stale_replies(&self, before_ms: i64) -> anyhow::Result<Vec<StaleReply>> {
        Ok(sqlx::query_as(
            "SELECT id, conversation_id, reply_to FROM messages
             WHERE state = 'streaming' AND updated_at < $1",
        )
        .bind(before_ms)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Visitor messages stored before `before_ms` that have no reply, not
    /// even a failed one (their server stopped between storing the message,
    /// or setting a failed reply aside for a retry, and starting the
    /// reply), oldest first.
    pub async fn unanswered(&self, before_ms: i64) -> anyhow::Result<Vec<Unanswered>> {
        Ok(sqlx::query_as(&format!(
            "SELECT conversation_id, {MESSAGE_COLUMNS} FROM messages q
             WHERE role = 'visitor' AND created_at < $1
               AND NOT EXISTS (SELECT 1 FROM messages r
                               WHERE r.conversation_id = q.conversation_id AND r.reply_to = q.id
                                 AND r.state <> 'retried')
             ORDER BY created_at"
        ))
        .bind(before_ms)
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
