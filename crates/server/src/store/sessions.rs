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

/// A revoked session, as seen by the revocation feed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Revoked {
    /// Session id.
    pub id: String,
    /// When (Unix seconds).
    pub revoked_at: i64,
}

impl Store {
    /// Opens a session in one transaction: counts the conversation against
    /// the site's monthly `quota` (`None`: unlimited), creates the
    /// conversation and the session, and stores its first refresh token.
    /// `Ok(None)` when the quota is used up. Returns the session and when
    /// the refresh token expires if unused.
    pub async fn open_session(
        &self,
        site_key: &str,
        quota: Option<i64>,
        refresh_token: &str,
        now: i64,
        policy: &super::RefreshPolicy,
    ) -> anyhow::Result<Option<(NewSession, i64)>> {
        let s = NewSession {
            session_id: new_id("ses"),
            visitor_id: new_id("vis"),
            conversation_id: new_id("cnv"),
        };
        let absolute = now + policy.absolute_secs;
        let idle = (now + policy.idle_secs).min(absolute);
        let mut tx = self.pool.begin().await?;
        // One conditional upsert: concurrent nodes never count past the quota.
        let counted = sqlx::query(
            "INSERT INTO site_usage (site_key, month, conversations) VALUES ($1, $2, 1)
             ON CONFLICT (site_key, month) DO UPDATE SET conversations = site_usage.conversations + 1
             WHERE site_usage.conversations < $3",
        )
        .bind(site_key)
        .bind(super::usage::month_of(now))
        .bind(quota.unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if counted == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        sqlx::query("INSERT INTO conversations (id, site_key, visitor_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&s.conversation_id)
            .bind(site_key)
            .bind(&s.visitor_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id, site_key, visitor_id, conversation_id, created_at, refresh_expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.session_id)
        .bind(site_key)
        .bind(&s.visitor_id)
        .bind(&s.conversation_id)
        .bind(now)
        .bind(absolute)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO refresh_tokens (hash, session_id, created_at, idle_expires_at) VALUES ($1, $2, $3, $4)")
            .bind(super::refresh::token_hash(refresh_token))
            .bind(&s.session_id)
            .bind(now)
            .bind(idle)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some((s, idle)))
    }

    /// The site of a session and whether it was revoked; `None` if unknown.
    pub async fn session_state(&self, session_id: &str) -> anyhow::Result<Option<(String, bool)>> {
        let row: Option<(String, Option<i64>)> =
            sqlx::query_as("SELECT site_key, revoked_at FROM sessions WHERE id = $1")
                .bind(session_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(site, revoked)| (site, revoked.is_some())))
    }

    /// Revokes a session (the whole refresh-token family); returns whether
    /// it was live.
    pub async fn revoke_session(
        &self,
        session_id: &str,
        reason: &str,
        now: i64,
    ) -> anyhow::Result<bool> {
        let n = sqlx::query(
            "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(reason)
        .bind(session_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Revokes every live session of a site, or of one visitor of it.
    /// Returns how many were revoked.
    pub async fn revoke_sessions(
        &self,
        site_key: &str,
        visitor: Option<&str>,
        now: i64,
    ) -> anyhow::Result<u64> {
        let q = match visitor {
            Some(v) => sqlx::query(
                "UPDATE sessions SET revoked_at = $1, revoked_reason = 'revoked' WHERE site_key = $2 AND visitor_id = $3 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(site_key)
            .bind(v.to_owned()),
            None => sqlx::query(
                "UPDATE sessions SET revoked_at = $1, revoked_reason = 'revoked' WHERE site_key = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(site_key),
        };
        Ok(q.execute(&self.pool).await?.rows_affected())
    }

    /// Sessions revoked at or after `since` (Unix seconds): what every node
    /// polls to refuse revoked tokens without a query per request.
    pub async fn revoked_since(&self, since: i64) -> anyhow::Result<Vec<Revoked>> {
        Ok(
            sqlx::query_as("SELECT id, revoked_at FROM sessions WHERE revoked_at >= $1")
                .bind(since)
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

/// A visitor identity the site vouched for.
#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow, serde::Serialize)]
pub struct Identity {
    /// The site's own user id.
    pub id: String,
    /// Display name, as given.
    pub name: Option<String>,
    /// Email, as given.
    pub email: Option<String>,
}

impl Store {
    /// Records the identity of a session's visitor (a later one replaces it).
    pub async fn set_identity(&self, session_id: &str, who: &Identity) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE sessions SET user_id = $1, user_name = $2, user_email = $3 WHERE id = $4",
        )
        .bind(&who.id)
        .bind(&who.name)
        .bind(&who.email)
        .bind(session_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The identity recorded for a session; `None` while anonymous.
    pub async fn identity(&self, session_id: &str) -> anyhow::Result<Option<Identity>> {
        let row: Option<(Option<String>, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT user_id, user_name, user_email FROM sessions WHERE id = $1")
                .bind(session_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(id, name, email)| {
            Some(Identity {
                id: id?,
                name,
                email,
            })
        }))
    }
}
