use anyhow::Context as _;
use causette_token::keys::{KeySet, SigningKey};

use super::{now_millis, Store};

/// A signing key as listed by `causette keys list`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyInfo {
    /// Key id (`kid`).
    pub kid: String,
    /// Created, Unix milliseconds.
    pub created_at_ms: i64,
    /// Stops verifying from then on (Unix seconds), if retiring.
    pub retire_at: Option<i64>,
    /// Whether it signs new tokens.
    pub current: bool,
}

impl Store {
    /// The signing keys at `now`: the newest key signs; older keys not yet
    /// retired only verify. Creates the first key on a new database, so
    /// tokens survive restarts.
    pub async fn key_set(&self, now: i64) -> anyhow::Result<KeySet> {
        let mut rows = self.live_keys(now).await?;
        if rows.is_empty() {
            self.add_key().await?;
            rows = self.live_keys(now).await?;
        }
        let mut keys = rows.into_iter().map(|(kid, seed)| {
            let seed: [u8; 32] = seed
                .try_into()
                .map_err(|_| anyhow::anyhow!("signing key {kid} is corrupt"))?;
            SigningKey::from_seed(kid.clone(), seed).with_context(|| format!("signing key {kid}"))
        });
        let current = keys.next().context("no signing key")??;
        let previous = keys
            .map(|k| k.map(|k| k.verifying_key()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(KeySet::new(current, previous))
    }

    async fn live_keys(&self, now: i64) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
        Ok(sqlx::query_as(
            "SELECT kid, seed FROM signing_keys WHERE retire_at IS NULL OR retire_at > $1
             ORDER BY created_at DESC, kid DESC",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn add_key(&self) -> anyhow::Result<String> {
        let key = SigningKey::generate(format!("k{}", now_millis()));
        sqlx::query("INSERT INTO signing_keys (kid, seed, created_at) VALUES ($1, $2, $3)")
            .bind(key.kid())
            .bind(key.seed().to_vec())
            .bind(now_millis())
            .execute(&self.pool)
            .await?;
        Ok(key.kid().to_owned())
    }

    /// Adds a new current key. Keys that were signing keep verifying until
    /// `now + overlap_secs` (the longest access-token lifetime plus leeway),
    /// then retire. Returns the new key id.
    pub async fn rotate_keys(&self, now: i64, overlap_secs: i64) -> anyhow::Result<String> {
        sqlx::query("UPDATE signing_keys SET retire_at = $1 WHERE retire_at IS NULL")
            .bind(now + overlap_secs)
            .execute(&self.pool)
            .await?;
        self.add_key().await
    }

    /// Every key, newest first.
    pub async fn keys(&self) -> anyhow::Result<Vec<KeyInfo>> {
        let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT kid, created_at, retire_at FROM signing_keys ORDER BY created_at DESC, kid DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .enumerate()
            .map(|(i, (kid, created_at_ms, retire_at))| KeyInfo {
                current: i == 0,
                kid,
                created_at_ms,
                retire_at,
            })
            .collect())
    }

    /// The longest access-token lifetime of any site, seconds.
    pub async fn longest_access_ttl(&self) -> anyhow::Result<i64> {
        let row: (Option<i64>,) = sqlx::query_as("SELECT MAX(access_ttl_secs) FROM sites")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.0.unwrap_or(300))
    }
}
