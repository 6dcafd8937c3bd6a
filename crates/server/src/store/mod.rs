//! The database: SQLite under the data directory, migrated at start-up.
//!
//! One module per table group; every query lives here so handlers never
//! write SQL.

mod conversations;
mod keys;
mod refresh;
mod sessions;
mod sites;

use std::path::Path;
use std::str::FromStr;

use anyhow::Context as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub use conversations::{EventRow, Message};
pub use refresh::{new_token, Refresh, RefreshPolicy, SessionRow};
pub use sites::Site;

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) `causette.db` in `data_dir` and migrates it.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Store> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
        let path = data_dir.join("causette.db");
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .context("database migration failed")?;
        Ok(Store { pool })
    }
}

/// A random identifier with a readable prefix (`cnv_…`), 128 bits of entropy.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}
