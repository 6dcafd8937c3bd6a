//! Rotating refresh tokens.
//!
//! A token is 256 random bits, stored only as a SHA-256 hash. Its successor
//! is derived, not drawn: `HMAC(secret, token)`. So when two tabs race to
//! exchange the same token, or a response is lost and the client retries,
//! the late caller inside the grace window gets the very same successor —
//! without the server ever storing a token in clear.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::Store;

/// How long refresh tokens live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// A token unused this long expires (rotation gives the successor a new
    /// idle window, never past the absolute limit).
    pub idle_secs: i64,
    /// No token of a session lives past its creation plus this.
    pub absolute_secs: i64,
    /// A rotated token replayed within this many seconds gets the same
    /// successor instead of revoking the session.
    pub grace_secs: i64,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            idle_secs: 24 * 3600,
            absolute_secs: 30 * 24 * 3600,
            grace_secs: 10,
        }
    }
}

/// The session a refresh token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    /// Session id.
    pub id: String,
    /// Its site.
    pub site_key: String,
    /// Its visitor.
    pub visitor_id: String,
    /// Its conversation.
    pub conversation_id: String,
    /// When the whole family expires (Unix seconds).
    pub refresh_expires_at: i64,
}

/// What presenting a refresh token led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// Exchanged: here is the successor.
    Rotated {
        /// The session.
        session: SessionRow,
        /// The new refresh token, in clear, for the client only.
        token: String,
        /// When the new token expires if unused.
        expires_at: i64,
    },
    /// Already exchanged moments ago: the same successor again.
    Replayed {
        /// The session.
        session: SessionRow,
        /// The successor handed out the first time.
        token: String,
        /// When it expires if unused.
        expires_at: i64,
    },
    /// Replayed after the grace window: the session was revoked.
    Reused {
        /// The revoked session.
        session_id: String,
    },
    /// Past its idle or absolute lifetime.
    Expired,
    /// Its session was ended or revoked.
    Revoked,
    /// Not a token this server issued (or its session is gone).
    Unknown,
}

/// A new random refresh token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    b64(&bytes)
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The successor of `token` under `secret`.
pub fn successor(secret: &[u8], token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"causette refresh rotation\0");
    mac.update(token.as_bytes());
    b64(&mac.finalize().into_bytes())
}

#[derive(sqlx::FromRow)]
struct TokenState {
    session_id: String,
    idle_expires_at: i64,
    rotated_at: Option<i64>,
    revoked_at: Option<i64>,
    refresh_expires_at: i64,
}

impl Store {
    /// The server-wide secret for deriving successors; created once and
    /// shared by every node on the same database.
    pub async fn refresh_secret(&self) -> anyhow::Result<Vec<u8>> {
        let mut fresh = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut fresh);
        sqlx::query("INSERT INTO secrets (name, value, created_at) VALUES ('refresh', $1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(fresh.to_vec())
            .bind(crate::now_unix())
            .execute(&self.pool)
            .await?;
        let (value,): (Vec<u8>,) =
            sqlx::query_as("SELECT value FROM secrets WHERE name = 'refresh'")
                .fetch_one(&self.pool)
                .await?;
        Ok(value)
    }

    async fn session_row(&self, id: &str) -> anyhow::Result<Option<SessionRow>> {
        Ok(sqlx::query_as(
            "SELECT id, site_key, visitor_id, conversation_id, refresh_expires_at FROM sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The site of the session a refresh token belongs to, if any.
    pub async fn refresh_token_site(&self, token: &str) -> anyhow::Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT s.site_key FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(k,)| k))
    }

    /// Exchanges a refresh token for its successor, under `policy`.
    pub async fn rotate_refresh(
        &self,
        token: &str,
        secret: &[u8],
        now: i64,
        policy: &RefreshPolicy,
    ) -> anyhow::Result<Refresh> {
        let hash = token_hash(token);
        let next = successor(secret, token);
        // Claim the token first: the write comes before any read, so racing
        // callers queue on the lock instead of deadlocking on an upgrade,
        // and exactly one of them wins.
        let mut tx = self.pool.begin().await?;
        // One statement claims the token and returns its session; the
        // correlated EXISTS is a key lookup, whatever the number of sessions.
        let claimed: Option<SessionRow> = sqlx::query_as(
            "UPDATE refresh_tokens SET rotated_at = $1
             WHERE hash = $2 AND rotated_at IS NULL AND idle_expires_at > $1
               AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = refresh_tokens.session_id
                           AND s.revoked_at IS NULL AND s.refresh_expires_at > $1)
             RETURNING session_id AS id,
               (SELECT site_key FROM sessions s WHERE s.id = refresh_tokens.session_id) AS site_key,
               (SELECT visitor_id FROM sessions s WHERE s.id = refresh_tokens.session_id) AS visitor_id,
               (SELECT conversation_id FROM sessions s WHERE s.id = refresh_tokens.session_id) AS conversation_id,
               (SELECT refresh_expires_at FROM sessions s WHERE s.id = refresh_tokens.session_id) AS refresh_expires_at",
        )
        .bind(now)
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(session) = claimed {
            let idle = (now + policy.idle_secs).min(session.refresh_expires_at);
            sqlx::query("INSERT INTO refresh_tokens (hash, session_id, created_at, idle_expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash(&next))
                .bind(&session.id)
                .bind(now)
                .bind(idle)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(Refresh::Rotated {
                session,
                token: next,
                expires_at: idle,
            });
        }
        tx.rollback().await?;
        let state: Option<TokenState> = sqlx::query_as(
            "SELECT r.session_id, r.idle_expires_at, r.rotated_at, s.revoked_at, s.refresh_expires_at
             FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.hash = $1",
        )
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(state) = state else {
            return Ok(Refresh::Unknown);
        };
        if state.revoked_at.is_some() {
            return Ok(Refresh::Revoked);
        }
        match state.rotated_at {
            Some(at) if now - at <= policy.grace_secs => {
                let (expires_at,): (i64,) =
                    sqlx::query_as("SELECT idle_expires_at FROM refresh_tokens WHERE hash = $1")
                        .bind(token_hash(&next))
                        .fetch_one(&self.pool)
                        .await?;
                let session = self
                    .session_row(&state.session_id)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("session vanished"))?;
                Ok(Refresh::Replayed {
                    session,
                    token: next,
                    expires_at,
                })
            }
            Some(_) => {
                self.revoke_session(&state.session_id, "refresh_reused", now)
                    .await?;
                Ok(Refresh::Reused {
                    session_id: state.session_id,
                })
            }
            None if now >= state.idle_expires_at || now >= state.refresh_expires_at => {
                Ok(Refresh::Expired)
            }
            // Not rotated, not expired, not revoked, yet not claimed: it
            // expired between the two statements.
            None => Ok(Refresh::Expired),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successors_are_deterministic_per_secret_and_token() {
        let a = successor(b"secret", "t1");
        assert_eq!(a, successor(b"secret", "t1"));
        assert_ne!(a, successor(b"secret", "t2"));
        assert_ne!(a, successor(b"other", "t1"));
        assert_eq!(a.len(), 43);
    }

    #[test]
    fn new_tokens_are_256_bits_and_distinct() {
        let t = new_token();
        assert_eq!(t.len(), 43);
        assert_ne!(t, new_token());
        assert_eq!(token_hash(&t).len(), 64);
    }

    /// A store with one session, opened at time 0 with refresh token `t0`.
    async fn store(t0: &str, p: &RefreshPolicy) -> (Store, tempfile::TempDir, SessionRow) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), None).await.unwrap();
        s.ensure_site("site", "Site", &[]).await.unwrap();
        let (ns, _) = s
            .open_session("site", None, t0, 0, p)
            .await
            .unwrap()
            .unwrap();
        let row = s.session_row(&ns.session_id).await.unwrap().unwrap();
        (s, dir, row)
    }

    #[tokio::test]
    async fn rotation_grace_reuse_and_expiry() {
        let p = RefreshPolicy {
            idle_secs: 100,
            absolute_secs: 1_000,
            grace_secs: 10,
        };
        let t0 = new_token();
        let (s, _dir, session) = store(&t0, &p).await;
        let secret = s.refresh_secret().await.unwrap();
        assert_eq!(
            secret,
            s.refresh_secret().await.unwrap(),
            "one secret, created once"
        );

        let Refresh::Rotated {
            token: t1,
            expires_at,
            ..
        } = s.rotate_refresh(&t0, &secret, 50, &p).await.unwrap()
        else {
            panic!("rotates")
        };
        assert_eq!(expires_at, 150);
        // Inside grace: the same successor.
        let again = s.rotate_refresh(&t0, &secret, 55, &p).await.unwrap();
        assert!(matches!(again, Refresh::Replayed { ref token, .. } if *token == t1));
        // The successor works and rotates again.
        let Refresh::Rotated { token: t2, .. } =
            s.rotate_refresh(&t1, &secret, 120, &p).await.unwrap()
        else {
            panic!("rotates")
        };
        // Replaying t0 long after: the family is revoked, t2 dies too.
        assert!(matches!(
            s.rotate_refresh(&t0, &secret, 200, &p).await.unwrap(),
            Refresh::Reused { .. }
        ));
        assert_eq!(
            s.rotate_refresh(&t2, &secret, 201, &p).await.unwrap(),
            Refresh::Revoked
        );
        assert!(s.session_state(&session.id).await.unwrap().unwrap().1);
        assert_eq!(
            s.rotate_refresh("nonsense", &secret, 201, &p)
                .await
                .unwrap(),
            Refresh::Unknown
        );
    }

    #[tokio::test]
    async fn idle_and_absolute_limits() {
        let p = RefreshPolicy {
            idle_secs: 100,
            absolute_secs: 250,
            grace_secs: 10,
        };
        let t0 = new_token();
        let (s, _dir, _) = store(&t0, &p).await;
        let secret = s.refresh_secret().await.unwrap();
        assert_eq!(
            s.rotate_refresh(&t0, &secret, 100, &p).await.unwrap(),
            Refresh::Expired
        );

        let (s, _dir, _) = store(&t0, &p).await;
        let Refresh::Rotated { token: t1, .. } =
            s.rotate_refresh(&t0, &secret, 90, &p).await.unwrap()
        else {
            panic!()
        };
        let Refresh::Rotated {
            token: t2,
            expires_at,
            ..
        } = s.rotate_refresh(&t1, &secret, 180, &p).await.unwrap()
        else {
            panic!()
        };
        assert_eq!(
            expires_at, 250,
            "rotation never extends the absolute lifetime"
        );
        assert_eq!(
            s.rotate_refresh(&t2, &secret, 250, &p).await.unwrap(),
            Refresh::Expired
        );
    }
}
