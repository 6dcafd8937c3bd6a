use serde::Serialize;

use super::Store;

/// A site that embeds the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    /// Public key, the `data-site` value.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Origins allowed to host the widget.
    pub origins: Vec<String>,
    /// `free`, `pro` or `business`.
    pub plan: String,
    /// Access-token lifetime in seconds.
    pub access_ttl_secs: i64,
}

#[derive(sqlx::FromRow)]
struct SiteRow {
    key: String,
    name: String,
    origins: String,
    plan: String,
    access_ttl_secs: i64,
}

impl From<SiteRow> for Site {
    fn from(r: SiteRow) -> Site {
        Site {
            key: r.key,
            name: r.name,
            origins: serde_json::from_str(&r.origins).unwrap_or_default(),
            plan: r.plan,
            access_ttl_secs: r.access_ttl_secs,
        }
    }
}

impl Store {
    /// The site with this key.
    pub async fn site(&self, key: &str) -> anyhow::Result<Option<Site>> {
        let row: Option<SiteRow> = sqlx::query_as(
            "SELECT key, name, origins, plan, access_ttl_secs FROM sites WHERE key = ?",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Site::from))
    }

    /// Every origin on any site's allowlist, for CORS on error responses.
    pub async fn all_origins(&self) -> anyhow::Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT origins FROM sites")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .flat_map(|(o,)| serde_json::from_str::<Vec<String>>(&o).unwrap_or_default())
            .collect())
    }

    /// Creates the site, or adds `origins` to its allowlist if it exists.
    pub async fn ensure_site(
        &self,
        key: &str,
        name: &str,
        origins: &[String],
    ) -> anyhow::Result<Site> {
        let mut merged = match self.site(key).await? {
            Some(site) => site.origins,
            None => Vec::new(),
        };
        for o in origins {
            if !merged.contains(o) {
                merged.push(o.clone());
            }
        }
        sqlx::query(
            "INSERT INTO sites (key, name, origins, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET origins = excluded.origins",
        )
        .bind(key)
        .bind(name)
        .bind(serde_json::to_string(&merged)?)
        .bind(crate::now_unix())
        .execute(&self.pool)
        .await?;
        Ok(self.site(key).await?.expect("site just written"))
    }
}
