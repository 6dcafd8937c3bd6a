//! The knowledge base: one search index per site under `<data>/kb/<site>/`
//! (tantivy, BM25, English and French stemming), filled by `causette kb
//! add` and read by the built-in answerer. The demo site's index is filled
//! from Causette's own help pages, bundled in the binary.

mod compose;
mod index;
mod ingest;
pub mod wordpress;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context as _};
use clap::Subcommand;
use sha2::{Digest as _, Sha256};

pub use compose::{compose, dont_know, DONT_KNOW, DONT_KNOW_FR};
pub use index::{Hit, SiteIndex, SourceInfo};
pub use ingest::{html_to_markdown, parse, Document, Kind, Passage};

/// A language the knowledge base analyzes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// French.
    Fr,
}

impl Lang {
    /// `en` or `fr`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language of a code; English unless `fr`.
    pub fn from_code(code: &str) -> Lang {
        if code == "fr" {
            Lang::Fr
        } else {
            Lang::En
        }
    }
}

const FR_MARKERS: &[&str] = &[
    "le", "la", "les", "un", "une", "des", "du", "de", "et", "est", "sont", "pour", "dans", "avec",
    "sur", "pas", "je", "vous", "nous", "il", "elle", "que", "qui", "quoi", "comment", "pourquoi",
    "quel", "quelle", "mon", "ma", "mes", "votre", "vos", "ce", "cette", "au", "aux", "où", "ne",
    "être", "peut", "faut", "jeton", "site",
];
const EN_MARKERS: &[&str] = &[
    "the", "a", "an", "and", "is", "are", "for", "in", "with", "on", "not", "i", "you", "we", "it",
    "that", "what", "how", "why", "which", "where", "my", "your", "this", "do", "does", "can",
    "of", "to", "be", "token", "site",
];

/// The language of a text: French when it has more French than English
/// function words (accented letters break a tie), English otherwise.
pub fn detect(text: &str) -> Lang {
    let lower = text.to_lowercase();
    let (mut fr, mut en) = (0usize, 0usize);
    for w in lower.split(|c: char| !c.is_alphanumeric()) {
        if FR_MARKERS.contains(&w) {
            fr += 1;
        }
        if EN_MARKERS.contains(&w) {
            en += 1;
        }
    }
    let accents = lower.chars().any(|c| "éèêàâçùûôîœ".contains(c));
    if fr > en || (fr == en && accents) {
        Lang::Fr
    } else {
        Lang::En
    }
}

/// The help pages the demo site answers from.
pub const BUNDLED: &[(&str, &str)] = &[
    ("installing.md", include_str!("../../kb/installing.md")),
    ("tokens.md", include_str!("../../kb/tokens.md")),
    ("origins.md", include_str!("../../kb/origins.md")),
    ("privacy.md", include_str!("../../kb/privacy.md")),
    ("widget.md", include_str!("../../kb/widget.md")),
    ("installer.md", include_str!("../../kb/installer.md")),
    ("jetons.md", include_str!("../../kb/jetons.md")),
    ("widget-fr.md", include_str!("../../kb/widget-fr.md")),
];

/// Sources of bundled pages start with this.
pub const BUNDLED_PREFIX: &str = "causette-help:";

/// The site whose index holds the bundled help.
pub const DEMO_SITE: &str = "demo";

/// Every site's index, opened on first use and kept open.
pub struct Library {
    dir: PathBuf,
    open: Mutex<HashMap<String, SiteIndex>>,
}

impl Library {
    /// The indexes under `dir` (`<data>/kb`).
    pub fn new(dir: PathBuf) -> Library {
        Library {
            dir,
            open: Mutex::default(),
        }
    }

    /// The folder of a site's index.
    pub fn site_dir(&self, site: &str) -> anyhow::Result<PathBuf> {
        if site.is_empty()
            || !site
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        {
            bail!("{site:?} is not a site key");
        }
        Ok(self.dir.join(site))
    }

    /// A site's index; `None` when it has none and `create` is false.
    pub fn site(&self, site: &str, create: bool) -> anyhow::Result<Option<SiteIndex>> {
        if let Some(i) = self.open.lock().unwrap().get(site) {
            return Ok(Some(i.clone()));
        }
        let Some(index) = SiteIndex::open(&self.site_dir(site)?, create)? else {
            return Ok(None);
        };
        self.open
            .lock()
            .unwrap()
            .insert(site.to_owned(), index.clone());
        Ok(Some(index))
    }

    /// The answer to `question` from the site's index, markdown.
    pub fn answer(&self, site: &str, question: &str) -> anyhow::Result<String> {
        let hits = match self.site(site, false)? {
            Some(index) => index.search(question, 5)?,
            None => Vec::new(),
        };
        Ok(compose(question, &hits, site == DEMO_SITE))
    }

    /// The passages of the site's index relevant to `question`, best first,
    /// at most `limit`: the search and relevance test [`Library::answer`]
    /// quotes from, for an answerer that writes its own reply (a model).
    /// Each [`Hit`] carries its title, heading, body, source and link.
    pub fn passages(&self, site: &str, question: &str, limit: usize) -> anyhow::Result<Vec<Hit>> {
        let hits = match self.site(site, false)? {
            Some(index) => index.search(question, limit)?,
            None => Vec::new(),
        };
        Ok(hits.into_iter().filter(compose::relevant).collect())
    }

    /// [`Library::passages`] for a question asked after `previous` (the
    /// visitor's message before it): a follow-up such as "can I get my
    /// money back?" rarely names its topic, so when the question alone
    /// finds fewer than `limit` passages, those the previous message finds
    /// come after them. (Searching both as one query would not do: a
    /// passage must match half of what is asked to count.)
    pub fn passages_in_context(
        &self,
        site: &str,
        question: &str,
        previous: Option<&str>,
        limit: usize,
    ) -> anyhow::Result<Vec<Hit>> {
        let mut found = self.passages(site, question, limit)?;
        let Some(previous) = previous.filter(|_| found.len() < limit) else {
            return Ok(found);
        };
        for hit in self.passages(site, previous, limit)? {
            let seen = found
                .iter()
                .any(|f| f.source == hit.source && f.heading == hit.heading && f.body == hit.body);
            if !seen && found.len() < limit {
                found.push(hit);
            }
        }
        Ok(found)
    }

    /// Indexes the bundled help into `site` when its index lacks it or holds
    /// an older version; leaves the site's other documents alone.
    pub fn ensure_bundled(&self, site: &str) -> anyhow::Result<bool> {
        let mut hash = Sha256::new();
        for (name, text) in BUNDLED {
            hash.update(name.as_bytes());
            hash.update([0]);
            hash.update(text.as_bytes());
            hash.update([0]);
        }
        let hash = format!("{:x}", hash.finalize());
        let stamp = self.dir.join(format!("{site}.bundled"));
        let index = self.site(site, true)?.context("cannot create the index")?;
        let current = std::fs::read_to_string(&stamp).unwrap_or_default();
        let present = index
            .sources()?
            .iter()
            .any(|s| s.source.starts_with(BUNDLED_PREFIX));
        if current.trim() == hash && present {
            return Ok(false);
        }
        index.remove_where(|s| s.starts_with(BUNDLED_PREFIX))?;
        let docs: Vec<Document> = BUNDLED
            .iter()
            .map(|(name, text)| {
                parse(
                    Kind::Markdown,
                    &format!("{BUNDLED_PREFIX}{name}"),
                    None,
                    text,
                )
            })
            .collect();
        index.add(&docs)?;
        std::fs::write(&stamp, hash)
            .with_context(|| format!("cannot write {}", stamp.display()))?;
        Ok(true)
    }
}

/// `causette kb …`
#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Index markdown, HTML and text files (folders recursively); adding a
    /// file again replaces its earlier version.
    Add {
        /// The site key.
        #[arg(long)]
        site: String,
        /// Public URL of the folder given, so answers link to the pages
        /// (e.g. https://www.example.com/help/ for ./help/).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// List the indexed sources with their passage counts.
    List {
        /// The site key.
        #[arg(long)]
        site: String,
    },
    /// Remove a source (a file, a URL, or every file under a folder).
    Remove {
        /// The site key.
        #[arg(long)]
        site: String,
        /// As shown by `causette kb list`, or a path.
        source: String,
    },
    /// Index a WordPress site's published posts and pages, read through its
    /// REST API; running it again re-indexes changed posts and removes
    /// deleted ones.
    ImportWordpress {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The WordPress site's URL (e.g. https://blog.example.com).
        url: String,
    },
    /// Answer a question from the site's knowledge base, as a visitor
    /// would be answered.
    Ask {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The question.
        question: String,
    },
}

/// Runs `causette kb …`.
pub async fn run(db: &crate::admin::DbArgs, cmd: KbCommand) -> anyhow::Result<()> {
    let store = db.open().await?;
    let site = match &cmd {
        KbCommand::Add { site, .. }
        | KbCommand::List { site }
        | KbCommand::Remove { site, .. }
        | KbCommand::Ask { site, .. }
        | KbCommand::ImportWordpress { site, .. } => site.clone(),
    };
    if site != DEMO_SITE {
        store
            .site(&site)
            .await?
            .with_context(|| format!("no site has the key {site:?}"))?;
    }
    let library = Arc::new(Library::new(db.data.join("kb")));
    if let KbCommand::ImportWordpress { url, .. } = &cmd {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()?;
        let r = wordpress::import(&library, &site, url, &client).await?;
        println!(
            "{} added, {} updated, {} unchanged, {} removed in site {site}",
            r.added, r.updated, r.unchanged, r.removed
        );
        return Ok(());
    }
    tokio::task::spawn_blocking(move || run_blocking(&library, &site, cmd)).await?
}

fn run_blocking(library: &Library, site: &str, cmd: KbCommand) -> anyhow::Result<()> {
    match cmd {
        KbCommand::Add {
            paths, base_url, ..
        } => {
            let index = library
                .site(site, true)?
                .context("cannot create the index")?;
            let mut docs = Vec::new();
            for root in &paths {
                for (path, kind) in ingest::collect(std::slice::from_ref(root))? {
                    let content = std::fs::read(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    let content = String::from_utf8_lossy(&content);
                    let (source, link) = match &base_url {
                        Some(base) => {
                            let url = url_of(base, root, &path);
                            (url.clone(), Some(url))
                        }
                        None => (absolute(&path)?, None),
                    };
                    let doc = parse(kind, &source, link, &content);
                    if doc.passages.is_empty() {
                        eprintln!("skipped {} (no text)", path.display());
                        continue;
                    }
                    docs.push(doc);
                }
            }
            if docs.is_empty() {
                bail!("no markdown, HTML or text file with text found");
            }
            let n = index.add(&docs)?;
            for d in &docs {
                println!("indexed {} ({} passages)", d.source, d.passages.len());
            }
            println!("{} document(s), {n} passage(s) in site {site}", docs.len());
        }
        KbCommand::List { .. } => {
            let sources = match library.site(site, false)? {
                Some(i) => i.sources()?,
                None => Vec::new(),
            };
            if sources.is_empty() {
                println!("no documents in site {site}");
            }
            for s in sources {
                println!("{:>4}  {}  ({})", s.passages, s.source, s.title);
            }
        }
        KbCommand::Remove { source, .. } => {
            let index = library
                .site(site, false)?
                .with_context(|| format!("site {site} has no documents"))?;
            let path = Path::new(&source);
            let (exact, folder) = match path.canonicalize() {
                Ok(p) if p.is_dir() => (String::new(), Some(format!("{}/", p.display()))),
                Ok(p) => (p.display().to_string(), None),
                Err(_) => (source.clone(), None),
            };
            let n = index.remove_where(|s| {
                s == source || s == exact || folder.as_deref().is_some_and(|f| s.starts_with(f))
            })?;
            if n == 0 {
                bail!(
                    "site {site} has no source {source:?} (see `causette kb list --site {site}`)"
                );
            }
            println!("removed {n} source(s) from site {site}");
        }
        KbCommand::Ask { question, .. } => {
            println!("{}", library.answer(site, &question)?);
        }
        KbCommand::ImportWordpress { .. } => unreachable!("imported before"),
    }
    Ok(())
}

fn absolute(path: &Path) -> anyhow::Result<String> {
    Ok(path
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", path.display()))?
        .display()
        .to_string())
}

/// The URL of `file` found under `root`, given the URL of `root`.
fn url_of(base: &str, root: &Path, file: &Path) -> String {
    let rel = if root.is_dir() {
        file.strip_prefix(root).unwrap_or(file)
    } else {
        Path::new(file.file_name().unwrap_or_default())
    };
    let rel: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    format!("{}/{}", base.trim_end_matches('/'), rel.join("/"))
}

#[cfg(test)]
mod tests;
