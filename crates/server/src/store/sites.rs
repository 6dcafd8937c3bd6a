use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::Store;

/// What a site pays for: its monthly conversation quota and its scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    /// 100 conversations a month.
    Free,
    /// 5,000 conversations a month.
    Pro,
    /// Unlimited, plus custom CSS and white label.
    Business,
}

impl Plan {
    /// Conversations a month; `None` for unlimited.
    pub fn monthly_quota(self) -> Option<i64> {
        match self {
            Plan::Free => Some(100),
            Plan::Pro => Some(5_000),
            Plan::Business => None,
        }
    }

    /// The scopes its access tokens carry.
    pub fn scopes(self) -> &'static str {
        match self {
            Plan::Business => "chat history custom_css white_label",
            Plan::Free | Plan::Pro => "chat history",
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
            Plan::Business => "business",
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Plan {
    type Err = String;
    fn from_str(s: &str) -> Result<Plan, String> {
        match s {
            "free" => Ok(Plan::Free),
            "pro" => Ok(Plan::Pro),
            "business" => Ok(Plan::Business),
            other => Err(format!("unknown plan {other:?}: use free, pro or business")),
        }
    }
}

/// A site that embeds the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    /// Public key, the `data-site` value.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Origins allowed to host the widget.
    pub origins: Vec<String>,
    /// The plan.
    pub plan: Plan,
    /// Access-token lifetime in seconds.
    pub access_ttl_secs: i64,
    /// The widget's theme settings (JSON object).
    pub theme: serde_json::Value,
    /// The model that answers its visitors (`openai:gpt-4o` …); `None`
    /// for the knowledge base. Never sent to the browser.
    #[serde(skip)]
    pub model: Option<String>,
    /// The model's API address when not the vendor's own.
    #[serde(skip)]
    pub model_base_url: Option<String>,
    /// The name of the environment variable or secrets-file entry holding
    /// the model's API key, when not the vendor's default. The key itself
    /// is never stored.
    #[serde(skip)]
    pub model_key: Option<String>,
}

/// Fields to change on a site; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct SiteChanges {
    /// New name.
    pub name: Option<String>,
    /// Replace the allowlist.
    pub origins: Option<Vec<String>>,
    /// New plan.
    pub plan: Option<Plan>,
    /// New access-token lifetime.
    pub access_ttl_secs: Option<i64>,
    /// New theme.
    pub theme: Option<serde_json::Value>,
    /// New model; `Some(None)` goes back to the knowledge base.
    pub model: Option<Option<String>>,
    /// New model base URL; `Some(None)` for the vendor's own.
    pub model_base_url: Option<Option<String>>,
    /// New key name; `Some(None)` for the vendor's default.
    pub model_key: Option<Option<String>>,
}

#[derive(sqlx::FromRow)]
struct SiteRow {
    key: String,
    name: String,
    origins: String,
    plan: String,
    access_ttl_secs: i64,
    theme: String,
    model: Option<String>,
    model_base_url: Option<String>,
    model_key: Option<String>,
}

impl From<SiteRow> for Site {
    fn from(r: SiteRow) -> Site {
        Site {
            key: r.key,
            name: r.name,
            origins: serde_json::from_str(&r.origins).unwrap_or_default(),
            plan: r.plan.parse().unwrap_or(Plan::Free),
            access_ttl_secs: r.access_ttl_secs,
            theme: serde_json::from_str(&r.theme).unwrap_or_else(|_| serde_json::json!({})),
            model: r.model,
            model_base_url: r.model_base_url,
            model_key: r.model_key,
        }
    }
}

const COLUMNS: &str =
    "key, name, origins, plan, access_ttl_secs, theme, model, model_base_url, model_key";

impl Store {
    /// The site with this key.
    pub async fn site(&self, key: &str) -> anyhow::Result<Option<Site>> {
        let row: Option<SiteRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM sites WHERE key = $1"))
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(Site::from))
    }

    /// Every site, by key.
    pub async fn sites(&self) -> anyhow::Result<Vec<Site>> {
        let rows: Vec<SiteRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM sites ORDER BY key"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(Site::from).collect())
    }

    /// Every origin on any site's allowlist, for CORS on error responses.
    pub async fn all_origins(&self) -> anyhow::Result<Vec<String>> {
        Ok(self
            .sites()
            .await?
            .into_iter()
            .flat_map(|s| s.origins)
            .collect())
    }

    /// Adds a site; fails if the key is taken.
    pub async fn add_site(&self, site: &Site) -> anyhow::Result<()> {
        let done = sqlx::query(
            "INSERT INTO sites (key, name, origins, plan, access_ttl_secs, theme, created_at, model, model_base_url, model_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (key) DO NOTHING",
        )
        .bind(&site.key)
        .bind(&site.name)
        .bind(serde_json::to_string(&site.origins)?)
        .bind(site.plan.as_str())
        .bind(site.access_ttl_secs)
        .bind(site.theme.to_string())
        .bind(crate::now_unix())
        .bind(&site.model)
        .bind(&site.model_base_url)
        .bind(&site.model_key)
        .execute(&self.pool)
        .await?
        .rows_affected();
        anyhow::ensure!(
            done == 1,
            "a site with the key {:?} already exists",
            site.key
        );
        Ok(())
    }

    /// Changes a site; returns it as it is now, or `None` if there is none.
    pub async fn update_site(
        &self,
        key: &str,
        changes: &SiteChanges,
    ) -> anyhow::Result<Option<Site>> {
        let Some(mut site) = self.site(key).await? else {
            return Ok(None);
        };
        if let Some(v) = &changes.name {
            site.name.clone_from(v);
        }
        if let Some(v) = &changes.origins {
            site.origins.clone_from(v);
        }
        if let Some(v) = changes.plan {
            site.plan = v;
        }
        if let Some(v) = changes.access_ttl_secs {
            site.access_ttl_secs = v;
        }
        if let Some(v) = &changes.theme {
            site.theme = v.clone();
        }
        if let Some(v) = &changes.model {
            site.model.clone_from(v);
        }
        if let Some(v) = &changes.model_base_url {
            site.model_base_url.clone_from(v);
        }
        if let Some(v) = &changes.model_key {
            site.model_key.clone_from(v);
        }
        sqlx::query(
            "UPDATE sites SET name = $1, origins = $2, plan = $3, access_ttl_secs = $4, theme = $5, model = $6, model_base_url = $7, model_key = $8 WHERE key = $9",
        )
        .bind(&site.name)
        .bind(serde_json::to_string(&site.origins)?)
        .bind(site.plan.as_str())
        .bind(site.access_ttl_secs)
        .bind(site.theme.to_string())
        .bind(&site.model)
        .bind(&site.model_base_url)
        .bind(&site.model_key)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(Some(site))
    }

    /// Removes a site and everything of it; returns whether it existed.
    pub async fn remove_site(&self, key: &str) -> anyhow::Result<bool> {
        let n = sqlx::query("DELETE FROM sites WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Creates the site, or adds `origins` to its allowlist if it exists.
    pub async fn ensure_site(
        &self,
        key: &str,
        name: &str,
        origins: &[String],
    ) -> anyhow::Result<Site> {
        match self.site(key).await? {
            Some(site) => {
                let mut merged = site.origins.clone();
                for o in origins {
                    if !merged.contains(o) {
                        merged.push(o.clone());
                    }
                }
                if merged == site.origins {
                    return Ok(site);
                }
                let changes = SiteChanges {
                    origins: Some(merged),
                    ..SiteChanges::default()
                };
                Ok(self.update_site(key, &changes).await?.expect("site exists"))
            }
            None => {
                let site = Site {
                    key: key.to_owned(),
                    name: name.to_owned(),
                    origins: origins.to_vec(),
                    plan: Plan::Free,
                    access_ttl_secs: 300,
                    theme: serde_json::json!({}),
                    model: None,
                    model_base_url: None,
                    model_key: None,
                };
                // Two nodes starting together may race here; the loser re-reads.
                if self.add_site(&site).await.is_err() {
                    return Ok(self.site(key).await?.unwrap_or(site));
                }
                Ok(site)
            }
        }
    }
}

impl Store {
    /// The site's secret (64 hex digits), made on first use; `None` for an
    /// unknown site. It is shared with the site owner's backend only.
    pub async fn site_secret(&self, key: &str) -> anyhow::Result<Option<String>> {
        let current: Option<(String,)> = sqlx::query_as("SELECT secret FROM sites WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        match current {
            None => Ok(None),
            Some((s,)) if !s.is_empty() => Ok(Some(s)),
            // Two callers may race to make it: the first write wins and
            // both read it back.
            Some(_) => {
                sqlx::query("UPDATE sites SET secret = $1 WHERE key = $2 AND secret = ''")
                    .bind(new_secret())
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                let (s,): (String,) = sqlx::query_as("SELECT secret FROM sites WHERE key = $1")
                    .bind(key)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(Some(s))
            }
        }
    }

    /// Replaces the site's secret; the new one, or `None` for an unknown site.
    pub async fn rotate_site_secret(&self, key: &str) -> anyhow::Result<Option<String>> {
        let secret = new_secret();
        let changed = sqlx::query("UPDATE sites SET secret = $1 WHERE key = $2")
            .bind(&secret)
            .bind(key)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok((changed == 1).then_some(secret))
    }
}

/// 256 random bits in hex.
fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
