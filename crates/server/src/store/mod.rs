//! The database: SQLite under the data directory by default, PostgreSQL
//! when `DATABASE_URL` says so. Both run the same queries (`$N`
//! placeholders, portable types) against the same schema, kept as one
//! migration set per backend.
//!
//! One module per table group; every query lives here so handlers never
//! write SQL.

mod conversations;
mod keys;
mod refresh;
mod sessions;
mod sites;
mod usage;

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Executor as _;

pub use conversations::{EventRow, Message, Unanswered};
pub use refresh::{new_token, Refresh, RefreshPolicy, SessionRow};
pub use sessions::{Identity, NewSession, Revoked};
pub use sites::{Plan, Site, SiteChanges};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A file under the data directory.
    Sqlite,
    /// A PostgreSQL server, possibly shared by several nodes.
    Postgres,
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens the database named by `database_url`, or SQLite's
    /// `causette.db` in `data_dir` when there is none, and migrates it.
    pub async fn open(data_dir: &Path, database_url: Option<&str>) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let (url, backend) = match database_url.filter(|u| !u.is_empty()) {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                (u.to_owned(), Backend::Postgres)
            }
            Some(u) if u.starts_with("sqlite:") => (u.to_owned(), Backend::Sqlite),
            Some(u) => {
                anyhow::bail!("DATABASE_URL must start with postgres:// or sqlite: (got {u:?})")
            }
            None => {
                std::fs::create_dir_all(data_dir).with_context(|| {
                    format!("cannot create the data directory {}", data_dir.display())
                })?;
                let path = data_dir.join("causette.db");
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Backend::Sqlite,
                )
            }
        };
        // SQLite takes one writer at a time: with several connections the
        // writers collide and wait out the busy timeout in steps (a long
        // tail under load). One connection queues them in order instead.
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 1 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; the busy
                        // timeout queues writers instead of failing them.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .with_context(|| format!("cannot open the database {}", redact(&url)))?;
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator
            .run(&pool)
            .await
            .context("database migration failed")?;
        Ok(Store { pool, backend })
    }

    /// The database in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// A URL with its password hidden, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A random identifier with a readable prefix (`cnv_…`), 128 bits of entropy.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// Milliseconds since the Unix epoch, for ordering rows.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
    }
}
