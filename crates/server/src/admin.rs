//! The operator's commands: `causette site …`, `causette keys …`,
//! `causette session revoke`. They work on the same database as the
//! servers; running servers pick the changes up within a second or two.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};

use crate::store::{Plan, Site, SiteChanges, Store};

/// Where the database is: the same options as `causette serve`.
#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// Directory of the SQLite database (ignored with DATABASE_URL).
    #[arg(long, global = true, env = "CAUSETTE_DATA", default_value_os_t = crate::cli::default_data_dir())]
    pub data: PathBuf,
    /// PostgreSQL URL (`postgres://user:pass@host/db`); SQLite in the data
    /// directory when unset.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DbArgs {
    /// Opens (and migrates) the database.
    pub async fn open(&self) -> anyhow::Result<Store> {
        Store::open(&self.data, self.database_url.as_deref()).await
    }
}

/// `causette site …`
#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Add a site.
    Add {
        /// The public site key (the `data-site` value).
        key: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// An allowed origin, e.g. https://www.example.com or
        /// https://*.example.com (repeatable).
        #[arg(long = "origin", value_name = "ORIGIN")]
        origins: Vec<String>,
        /// free, pro or business.
        #[arg(long, default_value = "free")]
        plan: Plan,
        /// Access-token lifetime in seconds (10 to 3600).
        #[arg(long, default_value_t = 300)]
        access_ttl: i64,
        /// Widget theme settings, a JSON object.
        #[arg(long)]
        theme: Option<String>,
        /// Which model answers.
        #[command(flatten)]
        model: ModelArgs,
    },
    /// List sites.
    List,
    /// Show one site, with this month's usage.
    Show {
        /// The site key.
        key: String,
    },
    /// Change a site.
    Update {
        /// The site key.
        key: String,
        /// New display name.
        #[arg(long)]
        name: Option<String>,
        /// Replace the allowlist with these origins (repeatable).
        #[arg(long = "origin", value_name = "ORIGIN")]
        origins: Vec<String>,
        /// Add an origin to the allowlist (repeatable).
        #[arg(long = "add-origin", value_name = "ORIGIN")]
        add_origins: Vec<String>,
        /// Remove an origin from the allowlist (repeatable).
        #[arg(long = "remove-origin", value_name = "ORIGIN")]
        remove_origins: Vec<String>,
        /// free, pro or business.
        #[arg(long)]
        plan: Option<Plan>,
        /// Access-token lifetime in seconds (10 to 3600).
        #[arg(long)]
        access_ttl: Option<i64>,
        /// Widget theme settings, a JSON object.
        #[arg(long)]
        theme: Option<String>,
        /// Which model answers.
        #[command(flatten)]
        model: ModelArgs,
        /// Answer from the knowledge base again (the same as --model kb).
        #[arg(long, conflicts_with_all = ["model", "model_base_url", "model_key"])]
        no_model: bool,
    },
    /// Ask a question as a visitor would and print the reply as it streams:
    /// from the site's model (a failure prints its code and the fix), or
    /// from its knowledge base.
    Ask {
        /// The site key.
        key: String,
        /// The question.
        question: String,
        /// The secrets file the server reads API keys from (`causette serve
        /// --secrets`); the environment is read too.
        #[arg(long, env = "CAUSETTE_SECRETS", value_name = "FILE")]
        secrets: Option<PathBuf>,
    },
    /// Print the site's secret, for the site owner's backend: it signs
    /// the visitor identities the site vouches for (`Causette.identify`)
    /// and the site's calls to this server. Keep it out of any page.
    Secret {
        /// The site key.
        key: String,
        /// Replace it first (the old one stops working at once).
        #[arg(long)]
        rotate: bool,
    },
    /// Remove a site with its conversations.
    Remove {
        /// The site key.
        key: String,
    },
}

/// Which model answers a site's visitors. API keys are never given here:
/// only the name of the environment variable or secrets-file entry that
/// holds one.
#[derive(Debug, Args, Default)]
pub struct ModelArgs {
    /// The model that answers visitors, as vendor:model: openai:gpt-4o,
    /// anthropic:claude-sonnet-4-5, gemini:gemini-2.0-flash,
    /// mistral:mistral-large-latest, ollama:llama3.2, llamacpp:default; or
    /// kb to answer from the knowledge base (the default).
    #[arg(long, value_name = "VENDOR:MODEL")]
    pub model: Option<String>,
    /// The model's API address when not the vendor's own: any
    /// OpenAI-compatible server (with openai:), Ollama or llama.cpp on
    /// another machine, a proxy. '' for the vendor's own.
    #[arg(long, value_name = "URL")]
    pub model_base_url: Option<String>,
    /// The environment variable or secrets-file entry holding the model's
    /// API key (default by vendor: OPENAI_API_KEY, ANTHROPIC_API_KEY,
    /// GEMINI_API_KEY, MISTRAL_API_KEY). '' for the default.
    #[arg(long, value_name = "NAME")]
    pub model_key: Option<String>,
}

/// The model fields a command changes: `None` leaves one as it is,
/// `Some(None)` clears it.
type ModelFields = (
    Option<Option<String>>,
    Option<Option<String>>,
    Option<Option<String>>,
);

/// Checks the model options against the site's current model (`None` for
/// a new site) and returns the changes.
fn model_changes(
    args: &ModelArgs,
    no_model: bool,
    current: Option<&Site>,
) -> anyhow::Result<ModelFields> {
    use crate::provider::model::{parse_base_url, parse_key_name, Model};
    let to_kb = no_model
        || args
            .model
            .as_deref()
            .is_some_and(|m| m.trim() == crate::provider::model::KNOWLEDGE_BASE);
    if to_kb {
        if args.model_base_url.is_some() || args.model_key.is_some() {
            bail!("--model-base-url and --model-key go with a model, not with the knowledge base");
        }
        return Ok((Some(None), Some(None), Some(None)));
    }
    let model = match args.model.as_deref() {
        Some(m) => Some(Some(
            Model::parse(m)
                .map_err(|e| anyhow::anyhow!("--model: {e}"))?
                .expect("kb is handled above")
                .to_string(),
        )),
        None => None,
    };
    let base = match args.model_base_url.as_deref().map(str::trim) {
        Some("") => Some(None),
        Some(u) => Some(Some(
            parse_base_url(u).map_err(|e| anyhow::anyhow!("--model-base-url: {e}"))?,
        )),
        None => None,
    };
    let key = match args.model_key.as_deref().map(str::trim) {
        Some("") => Some(None),
        Some(k) => Some(Some(
            parse_key_name(k).map_err(|e| anyhow::anyhow!("--model-key: {e}"))?,
        )),
        None => None,
    };
    let has_model = match &model {
        Some(m) => m.is_some(),
        None => current.is_some_and(|s| s.model.is_some()),
    };
    let sets_more = matches!(base, Some(Some(_))) || matches!(key, Some(Some(_)));
    if sets_more && !has_model {
        bail!("--model-base-url and --model-key go with a model: add --model VENDOR:MODEL (e.g. --model openai:gpt-4o)");
    }
    Ok((model, base, key))
}

/// `causette keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new signing key; the previous ones verify until the longest
    /// access-token lifetime has passed, then retire.
    Rotate {
        /// Seconds the previous keys keep verifying (default: the longest
        /// access-token lifetime of any site plus a minute).
        #[arg(long)]
        overlap_secs: Option<i64>,
    },
    /// List signing keys.
    List,
}

/// `causette session …`
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Revoke sessions: their access and refresh tokens stop working.
    Revoke {
        /// The site key.
        #[arg(long)]
        site: String,
        /// Only this visitor's sessions (the token's `sub`).
        #[arg(long, conflicts_with = "all")]
        visitor: Option<String>,
        /// Every session of the site.
        #[arg(long)]
        all: bool,
    },
}

/// An origin as stored: `scheme://host[:port]`, nothing else.
pub fn parse_origin(o: &str) -> anyhow::Result<String> {
    let n = crate::origin::normalize(o);
    let Some((scheme, rest)) = n.split_once("://") else {
        bail!("{o:?} is not an origin: write it like https://www.example.com");
    };
    if !matches!(scheme, "http" | "https") {
        bail!("{o:?}: an origin starts with http:// or https://");
    }
    let host = rest.strip_prefix("*.").unwrap_or(rest);
    let bad = |c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if host.is_empty() || host.contains(bad) || rest.contains('/') {
        bail!("{o:?} is not an origin: scheme, host and port only, no path");
    }
    Ok(n)
}

fn parse_theme(t: &str) -> anyhow::Result<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(t).context("--theme must be a JSON object")?;
    anyhow::ensure!(v.is_object(), "--theme must be a JSON object");
    Ok(v)
}

fn check_ttl(ttl: i64) -> anyhow::Result<i64> {
    anyhow::ensure!(
        (10..=3600).contains(&ttl),
        "--access-ttl must be between 10 and 3600 seconds"
    );
    Ok(ttl)
}

fn print_site(site: &Site) {
    println!("key          {}", site.key);
    println!("name         {}", site.name);
    println!("plan         {}", site.plan);
    println!("access ttl   {} s", site.access_ttl_secs);
    if site.origins.is_empty() {
        println!("origins      (none: no page may host the widget yet)");
    }
    for (i, o) in site.origins.iter().enumerate() {
        println!(
            "{}{o}",
            if i == 0 {
                "origins      "
            } else {
                "             "
            }
        );
    }
    println!("theme        {}", site.theme);
    match crate::provider::Target::of_site(site) {
        Ok(None) => println!("model        knowledge base (kb)"),
        Ok(Some(t)) => {
            println!("model        {}", t.model);
            let own = if t.base_url == t.model.vendor.default_base_url() {
                " (the vendor's own)"
            } else {
                ""
            };
            println!("             API {}{own}", t.base_url);
            match t.key_name() {
                Some(name) if t.needs_key() => println!("             key from {name}"),
                Some(name) => println!("             key from {name}, if set (optional here)"),
                None => println!("             no key (a local server)"),
            }
        }
        Err(e) => println!(
            "model        {} (not usable: {e})",
            site.model.as_deref().unwrap_or_default()
        ),
    }
}

/// Runs `causette site …`.
pub async fn site(db: &DbArgs, cmd: SiteCommand) -> anyhow::Result<()> {
    let store = db.open().await?;
    match cmd {
        SiteCommand::Add {
            key,
            name,
            origins,
            plan,
            access_ttl,
            theme,
            model,
        } => {
            let (model, model_base_url, model_key) = model_changes(&model, false, None)?;
            anyhow::ensure!(
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')),
                "a site key is letters, digits, - and _"
            );
            let site = Site {
                name: name.unwrap_or_else(|| key.clone()),
                key,
                origins: origins
                    .iter()
                    .map(|o| parse_origin(o))
                    .collect::<anyhow::Result<_>>()?,
                plan,
                access_ttl_secs: check_ttl(access_ttl)?,
                theme: theme
                    .as_deref()
                    .map(parse_theme)
                    .transpose()?
                    .unwrap_or_else(|| serde_json::json!({})),
                model: model.flatten(),
                model_base_url: model_base_url.flatten(),
                model_key: model_key.flatten(),
            };
            store.add_site(&site).await?;
            println!("added site {}", site.key);
            print_site(&site);
        }
        SiteCommand::List => {
            let sites = store.sites().await?;
            if sites.is_empty() {
                println!("no sites");
            }
            for s in sites {
                println!(
                    "{:<24} {:<9} {:>5} s  {}",
                    s.key,
                    s.plan.as_str(),
                    s.access_ttl_secs,
                    s.origins.join(" ")
                );
            }
        }
        SiteCommand::Show { key } => {
            let site = store
                .site(&key)
                .await?
                .with_context(|| format!("no site has the key {key:?}"))?;
            print_site(&site);
            let used = store
                .conversations_this_month(&key, crate::now_unix())
                .await?;
            match site.plan.monthly_quota() {
                Some(q) => println!("this month   {used} of {q} conversations"),
                None => println!("this month   {used} conversations (unlimited)"),
            }
        }
        SiteCommand::Update {
            key,
            name,
            origins,
            add_origins,
            remove_origins,
            plan,
            access_ttl,
            theme,
            model,
            no_model,
        } => {
            let current = store
                .site(&key)
                .await?
                .with_context(|| format!("no site has the key {key:?}"))?;
            let (model, model_base_url, model_key) =
                model_changes(&model, no_model, Some(&current))?;
            let mut list = if origins.is_empty() {
                current.origins.clone()
            } else {
                origins
                    .iter()
                    .map(|o| parse_origin(o))
                    .collect::<anyhow::Result<_>>()?
            };
            for o in &add_origins {
                let o = parse_origin(o)?;
                if !list.contains(&o) {
                    list.push(o);
                }
            }
            for o in &remove_origins {
                let o = crate::origin::normalize(o);
                list.retain(|x| *x != o);
            }
            let changes = SiteChanges {
                name,
                origins: Some(list),
                plan,
                access_ttl_secs: access_ttl.map(check_ttl).transpose()?,
                theme: theme.as_deref().map(parse_theme).transpose()?,
                model,
                model_base_url,
                model_key,
            };
            let site = store
                .update_site(&key, &changes)
                .await?
                .context("the site vanished")?;
            println!("updated site {key}");
            print_site(&site);
        }
        SiteCommand::Ask {
            key,
            question,
            secrets,
        } => return ask(&store, db, &key, &question, secrets.as_deref()).await,
        SiteCommand::Secret { key, rotate } => {
            let secret = if rotate {
                store.rotate_site_secret(&key).await?
            } else {
                store.site_secret(&key).await?
            };
            match secret {
                Some(s) => println!("{s}"),
                None => bail!("no site has the key {key:?}"),
            }
        }
        SiteCommand::Remove { key } => {
            if !store.remove_site(&key).await? {
                bail!("no site has the key {key:?}");
            }
            println!("removed site {key} and its conversations");
        }
    }
    Ok(())
}

/// `causette site ask`: the reply on stdout; a provider's failure on
/// stderr with its code and fix, and an error exit.
async fn ask(
    store: &Store,
    db: &DbArgs,
    key: &str,
    question: &str,
    secrets: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use std::io::Write as _;

    use futures::StreamExt as _;

    let site = store
        .site(key)
        .await?
        .with_context(|| format!("no site has the key {key:?}"))?;
    let kb = std::sync::Arc::new(crate::kb::Library::new(db.data.join("kb")));
    let secrets = match secrets {
        Some(path) => crate::provider::Secrets::open(path)?,
        None => crate::provider::Secrets::from_env(),
    };
    let providers = crate::provider::Providers::new(secrets)?;
    let Some(mut pieces) =
        crate::provider::site_reply(&providers, &kb, &site, question, &[]).await?
    else {
        let (library, site, asked) = (kb.clone(), key.to_owned(), question.to_owned());
        let text = tokio::task::spawn_blocking(move || library.answer(&site, &asked)).await??;
        println!("{text}");
        return Ok(());
    };
    let mut out = std::io::stdout();
    while let Some(piece) = pieces.next().await {
        match piece {
            Ok(text) => {
                out.write_all(text.as_bytes())?;
                out.flush()?;
            }
            Err(e) => {
                println!();
                let v = e.verdict();
                let mut said = format!("{} ({}): {}", v.code, e.provider(), v.explanation);
                if let Some(s) = v.status {
                    said.push_str(&format!("\n  status   {s}"));
                }
                if let Some(s) = v.retry_after {
                    said.push_str(&format!("\n  wait     {s} s"));
                }
                if !v.detail.is_empty() {
                    said.push_str(&format!("\n  said     {}", v.detail));
                }
                said.push_str(&format!("\n  fix      {}", v.fix));
                bail!(said);
            }
        }
    }
    println!();
    Ok(())
}

/// Runs `causette keys …`.
pub async fn keys(db: &DbArgs, cmd: KeysCommand) -> anyhow::Result<()> {
    let store = db.open().await?;
    let now = crate::now_unix();
    match cmd {
        KeysCommand::Rotate { overlap_secs } => {
            store.key_set(now).await?; // make sure a first key exists
            let overlap = match overlap_secs {
                Some(s) => s.max(0),
                None => store.longest_access_ttl().await? + 60,
            };
            let kid = store.rotate_keys(now, overlap).await?;
            tracing::info!(audit = "keys_rotated", kid = %kid, "signing key rotated");
            println!(
                "new signing key {kid}; previous keys verify for {overlap} s more, then retire"
            );
        }
        KeysCommand::List => {
            for k in store.keys().await? {
                let state = match k.retire_at {
                    _ if k.current => "signing".to_owned(),
                    Some(at) if at > now => format!("verifying for {} s more", at - now),
                    Some(_) => "retired".to_owned(),
                    None => "verifying".to_owned(),
                };
                println!("{:<20} {state}", k.kid);
            }
        }
    }
    Ok(())
}

/// Runs `causette session …`.
pub async fn session(db: &DbArgs, cmd: SessionCommand) -> anyhow::Result<()> {
    let store = db.open().await?;
    match cmd {
        SessionCommand::Revoke { site, visitor, all } => {
            if visitor.is_none() && !all {
                bail!("say which sessions: --visitor ID or --all");
            }
            store
                .site(&site)
                .await?
                .with_context(|| format!("no site has the key {site:?}"))?;
            let n = store
                .revoke_sessions(&site, visitor.as_deref(), crate::now_unix())
                .await?;
            tracing::warn!(audit = "sessions_revoked", site = %site, visitor = ?visitor, count = n, "sessions revoked");
            println!("revoked {n} session(s) of site {site}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_origin;

    #[test]
    fn origins_are_checked_and_normalized() {
        assert_eq!(
            parse_origin("https://Example.com/").unwrap(),
            "https://example.com"
        );
        assert_eq!(
            parse_origin("https://*.example.com").unwrap(),
            "https://*.example.com"
        );
        assert_eq!(
            parse_origin("http://localhost:3000").unwrap(),
            "http://localhost:3000"
        );
        for bad in [
            "example.com",
            "ftp://x.com",
            "https://x.com/path",
            "https://",
            "https://a b.com",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }
}
