use anyhow::Context as _;
use causette_token::keys::{KeySet, SigningKey};

use super::Store;

impl Store {
    /// The signing keys: the newest unretired key signs; the others verify.
    /// Creates the first key on a new database, so tokens survive restarts.
    pub async fn key_set(&self) -> anyhow::Result<KeySet> {
        let mut rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT kid, seed FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, rowid DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            let key = SigningKey::generate(super::new_id("key"));
            sqlx::query("INSERT INTO signing_keys (kid, seed, created_at) VALUES (?, ?, ?)")
                .bind(key.kid())
                .bind(key.seed().to_vec())
                .bind(crate::now_unix())
                .execute(&self.pool)
                .await?;
            rows.push((key.kid().to_owned(), key.seed().to_vec()));
        }
        let mut keys = rows.into_iter().map(|(kid, seed)| {
            let seed: [u8; 32] = seed
                .try_into()
                .map_err(|_| anyhow::anyhow!("signing key {kid} is corrupt"))?;
            SigningKey::from_seed(kid.clone(), seed).with_context(|| format!("signing key {kid}"))
        });
        let current = keys.next().expect("at least one key")?;
        let previous = keys
            .map(|k| k.map(|k| k.verifying_key()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(KeySet::new(current, previous))
    }
}
