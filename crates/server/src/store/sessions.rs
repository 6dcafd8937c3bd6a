use super::{new_id, Store};

/// A new session and its conversation.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Session id (`sid` claim).
    pub session_id: String,
    /// Visitor id (`sub` claim).
    pub visitor_id: String,
    /// Conversation id (`cid` claim).
    pub conversation_id: String,
}

impl Store {
    /// Starts a session for a new visitor, with a new conversation.
    pub async fn create_session(&self, site_key: &str) -> anyhow::Result<NewSession> {
        let s = NewSession {
            session_id: new_id("ses"),
            visitor_id: new_id("vis"),
            conversation_id: new_id("cnv"),
        };
        let now = crate::now_unix();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO conversations (id, site_key, visitor_id, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&s.conversation_id)
        .bind(site_key)
        .bind(&s.visitor_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sessions (id, site_key, visitor_id, conversation_id, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&s.session_id)
        .bind(site_key)
        .bind(&s.visitor_id)
        .bind(&s.conversation_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// The site of a session and whether it was revoked; `None` if unknown.
    pub async fn session_state(&self, session_id: &str) -> anyhow::Result<Option<(String, bool)>> {
        let row: Option<(String, Option<i64>)> =
            sqlx::query_as("SELECT site_key, revoked_at FROM sessions WHERE id = ?")
                .bind(session_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(site, revoked)| (site, revoked.is_some())))
    }
}
