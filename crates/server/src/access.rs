//! Fast answers for every token-bearing request: is this session revoked,
//! which site does it belong to, what does that site allow — without a
//! database query per request.
//!
//! Each node keeps the set of recently revoked sessions in memory and polls
//! the database for new revocations every [`POLL`], so a revocation made on
//! another node (or by `causette session revoke`) is refused here within a
//! second. Revocations made by this node take effect at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use causette_token::keys::KeySet;

use crate::store::{Site, Store};

/// How often each node asks the database for new revocations and keys.
pub const POLL: Duration = Duration::from_millis(250);
/// How long a cached site is trusted.
const SITE_TTL: Duration = Duration::from_secs(2);
/// Sessions remembered per node before the map is cleared (it refills).
const SESSION_CACHE_MAX: usize = 100_000;

/// A cached site lookup (a miss is cached too) and when it was made.
type CachedSite = (Option<Site>, Instant);

/// The caches; cheap to clone.
#[derive(Clone)]
pub struct Access {
    store: Store,
    revoked: Arc<RwLock<HashMap<String, i64>>>,
    session_sites: Arc<Mutex<HashMap<String, String>>>,
    sites: Arc<RwLock<HashMap<String, CachedSite>>>,
    keys: Arc<tokio::sync::RwLock<KeySet>>,
}

impl Access {
    /// Loads recent revocations and starts polling for new ones.
    pub async fn start(
        store: Store,
        keys: Arc<tokio::sync::RwLock<KeySet>>,
    ) -> anyhow::Result<Access> {
        let a = Access {
            store,
            revoked: Arc::default(),
            session_sites: Arc::default(),
            sites: Arc::default(),
            keys,
        };
        let horizon = a.horizon().await?;
        let mut since = crate::now_unix() - horizon;
        a.load_revocations(since).await?;
        let poller = a.clone();
        tokio::spawn(async move {
            let mut ticks = 0u32;
            loop {
                tokio::time::sleep(POLL).await;
                ticks = ticks.wrapping_add(1);
                // Overlap the window a little: clocks of nodes differ.
                let now = crate::now_unix();
                if let Err(e) = poller.load_revocations(since - 2).await {
                    tracing::warn!(error = ?e, "cannot poll revocations");
                    continue;
                }
                since = now;
                if ticks % 8 == 0 {
                    if let Err(e) = poller.reload_keys().await {
                        tracing::warn!(error = ?e, "cannot reload signing keys");
                    }
                    poller.prune(now, horizon);
                }
            }
        });
        Ok(a)
    }

    /// How far back revocations matter: an access token lives no longer.
    async fn horizon(&self) -> anyhow::Result<i64> {
        Ok(self.store.longest_access_ttl().await? + 120)
    }

    async fn load_revocations(&self, since: i64) -> anyhow::Result<()> {
        let fresh = self.store.revoked_since(since).await?;
        if !fresh.is_empty() {
            let mut set = self.revoked.write().expect("revocation lock");
            for r in fresh {
                set.insert(r.id, r.revoked_at);
            }
        }
        Ok(())
    }

    fn prune(&self, now: i64, horizon: i64) {
        self.revoked
            .write()
            .expect("revocation lock")
            .retain(|_, at| *at > now - horizon);
    }

    /// Re-reads the signing keys (a rotation on another node, or retirement).
    pub async fn reload_keys(&self) -> anyhow::Result<()> {
        let fresh = self.store.key_set(crate::now_unix()).await?;
        let mut keys = self.keys.write().await;
        if keys.key_ids() != fresh.key_ids() {
            tracing::info!(keys = ?fresh.key_ids(), "signing keys changed");
            *keys = fresh;
        }
        Ok(())
    }

    /// Whether the session was revoked.
    pub fn is_revoked(&self, session_id: &str) -> bool {
        self.revoked
            .read()
            .expect("revocation lock")
            .contains_key(session_id)
    }

    /// Records a revocation made by this node, effective at once.
    pub fn mark_revoked(&self, session_id: &str) {
        self.revoked
            .write()
            .expect("revocation lock")
            .insert(session_id.to_owned(), crate::now_unix());
    }

    /// The site a session belongs to (it never changes, so it is cached);
    /// `None` if the session does not exist or is revoked.
    pub async fn session_site(&self, session_id: &str) -> anyhow::Result<Option<String>> {
        if let Some(site) = self
            .session_sites
            .lock()
            .expect("session lock")
            .get(session_id)
        {
            return Ok(Some(site.clone()));
        }
        let Some((site, revoked)) = self.store.session_state(session_id).await? else {
            return Ok(None);
        };
        if revoked {
            self.mark_revoked(session_id);
        }
        let mut map = self.session_sites.lock().expect("session lock");
        if map.len() >= SESSION_CACHE_MAX {
            map.clear();
        }
        map.insert(session_id.to_owned(), site.clone());
        Ok(Some(site))
    }

    /// A site, cached for two seconds so allowlist edits apply quickly.
    pub async fn site(&self, key: &str) -> anyhow::Result<Option<Site>> {
        if let Some((site, at)) = self.sites.read().expect("site lock").get(key) {
            if at.elapsed() < SITE_TTL {
                return Ok(site.clone());
            }
        }
        let site = self.store.site(key).await?;
        self.sites
            .write()
            .expect("site lock")
            .insert(key.to_owned(), (site.clone(), Instant::now()));
        Ok(site)
    }
}
