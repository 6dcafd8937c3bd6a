//! A WordPress site's published posts and pages into its knowledge base,
//! read through the site's public REST API (`/wp-json/wp/v2/…`, or
//! `?rest_route=` when pretty permalinks are off). Each post is indexed with
//! its permalink as source and link; importing again re-indexes the posts
//! whose `modified_gmt` changed and removes those no longer published.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

use super::{parse, Document, Kind, Library};

/// Posts per REST request: the API's maximum.
pub const PER_PAGE: u32 = 100;

/// Pages fetched at most per post type, so a misbehaving server cannot keep
/// an import going forever.
const MAX_PAGES: u32 = 500;

/// One published post or page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Its permalink.
    pub link: String,
    /// Its title, HTML as WordPress renders it.
    pub title: String,
    /// Its content, HTML as WordPress renders it.
    pub content: String,
    /// When it last changed, UTC, as WordPress says it.
    pub modified_gmt: String,
}

#[derive(Deserialize)]
struct Rendered {
    #[serde(default)]
    rendered: String,
    #[serde(default)]
    protected: bool,
}

#[derive(Deserialize)]
struct RestPost {
    link: String,
    #[serde(default)]
    status: Option<String>,
    title: Rendered,
    content: Rendered,
    #[serde(default)]
    modified_gmt: String,
}

/// The posts of one REST page. Password-protected content is left out
/// (only the title is indexed), and anything not published is skipped.
pub fn parse_posts(body: &str) -> anyhow::Result<Vec<Post>> {
    let items: Vec<RestPost> = serde_json::from_str(body)
        .context("the REST API answered with something other than a list of posts")?;
    Ok(items
        .into_iter()
        .filter(|p| p.status.as_deref().is_none_or(|s| s == "publish"))
        .map(|p| Post {
            link: p.link,
            title: p.title.rendered,
            content: if p.content.protected {
                String::new()
            } else {
                p.content.rendered
            },
            modified_gmt: p.modified_gmt,
        })
        .collect())
}

/// The number of pages a REST collection has (`X-WP-TotalPages`); 1 when the
/// header is absent or unreadable.
pub fn total_pages(header: Option<&str>) -> u32 {
    header
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGES)
}

/// How a site's REST API is addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/wp-json/wp/v2/…` (pretty permalinks).
    Pretty,
    /// `/?rest_route=/wp/v2/…` (plain permalinks).
    Query,
}

/// The URL of page `page` of collection `kind` (`posts`, `pages`).
pub fn collection_url(base: &str, route: Route, kind: &str, page: u32) -> String {
    let base = base.trim_end_matches('/');
    match route {
        Route::Pretty => {
            format!("{base}/wp-json/wp/v2/{kind}?per_page={PER_PAGE}&page={page}")
        }
        Route::Query => {
            format!("{base}/?rest_route=/wp/v2/{kind}&per_page={PER_PAGE}&page={page}")
        }
    }
}

/// WordPress' error body: `{"code": "...", "message": "..."}`.
#[derive(Deserialize)]
struct RestError {
    code: String,
    #[serde(default)]
    message: String,
}

/// Fetches one page; `Ok(None)` when this route does not reach a REST API.
async fn get_page(client: &reqwest::Client, url: &str) -> anyhow::Result<Option<(Vec<Post>, u32)>> {
    let res = client
        .get(url)
        .header("Accept", "application/json")
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = res.status();
    let pages = total_pages(
        res.headers()
            .get("x-wp-totalpages")
            .and_then(|v| v.to_str().ok()),
    );
    let body = res.text().await.unwrap_or_default();
    if status.is_success() {
        return match parse_posts(&body) {
            Ok(posts) => Ok(Some((posts, pages))),
            // An HTML page where JSON was expected: not this route.
            Err(_) if !body.trim_start().starts_with('[') => Ok(None),
            Err(e) => Err(e.context(format!("reading {url}"))),
        };
    }
    if let Ok(err) = serde_json::from_str::<RestError>(&body) {
        if err.code == "rest_no_route" {
            return Ok(None);
        }
        bail!(
            "the WordPress REST API refused {url}: {} ({}, HTTP {}); it may be disabled by a plugin or the server",
            err.message,
            err.code,
            status.as_u16()
        );
    }
    Ok(None)
}

/// Every published post and page of the WordPress site at `base`.
pub async fn fetch(client: &reqwest::Client, base: &str) -> anyhow::Result<Vec<Post>> {
    let base = base.trim_end_matches('/');
    let mut route = None;
    for r in [Route::Pretty, Route::Query] {
        if let Some(first) = get_page(client, &collection_url(base, r, "posts", 1)).await? {
            route = Some((r, first));
            break;
        }
    }
    let Some((route, (mut posts, pages))) = route else {
        bail!(
            "{base} does not look like a WordPress site with its REST API on: neither \
             {base}/wp-json/wp/v2/posts nor {base}/?rest_route=/wp/v2/posts answered with posts"
        );
    };
    for page in 2..=pages {
        let url = collection_url(base, route, "posts", page);
        let (more, _) = get_page(client, &url)
            .await?
            .with_context(|| format!("{url} stopped answering with posts"))?;
        posts.extend(more);
    }
    let mut page = 1;
    loop {
        let url = collection_url(base, route, "pages", page);
        let Some((more, pages)) = get_page(client, &url).await? else {
            bail!("{url} did not answer with pages");
        };
        posts.extend(more);
        if page >= pages {
            break;
        }
        page += 1;
    }
    Ok(posts)
}

/// What the last import of a site saw: each permalink's `modified_gmt`.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct State {
    /// The site's URL.
    pub url: String,
    /// Permalink → `modified_gmt`.
    pub posts: BTreeMap<String, String>,
}

impl State {
    fn load(path: &Path) -> State {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    }
}

/// The changes an import made.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Imported {
    /// Posts indexed for the first time.
    pub added: usize,
    /// Posts re-indexed because they changed.
    pub updated: usize,
    /// Posts left as they were.
    pub unchanged: usize,
    /// Posts removed because they are no longer published.
    pub removed: usize,
}

/// The plan for bringing an index from `before` to `posts`: the posts to
/// (re)index, the permalinks to remove, and the counts.
pub fn plan<'a>(before: &State, posts: &'a [Post]) -> (Vec<&'a Post>, Vec<String>, Imported) {
    let mut report = Imported::default();
    let mut index = Vec::new();
    for p in posts {
        match before.posts.get(&p.link) {
            None => {
                report.added += 1;
                index.push(p);
            }
            Some(m) if *m != p.modified_gmt => {
                report.updated += 1;
                index.push(p);
            }
            Some(_) => report.unchanged += 1,
        }
    }
    let gone: Vec<String> = before
        .posts
        .keys()
        .filter(|link| !posts.iter().any(|p| &p.link == *link))
        .cloned()
        .collect();
    report.removed = gone.len();
    (index, gone, report)
}

/// The document a post is indexed as.
pub fn document(post: &Post) -> Document {
    let html = format!(
        "<html><head><title>{}</title></head><body>{}</body></html>",
        post.title, post.content
    );
    parse(Kind::Html, &post.link, Some(post.link.clone()), &html)
}

/// Imports the WordPress site at `url` into `site`'s knowledge base.
pub async fn import(
    library: &Library,
    site: &str,
    url: &str,
    client: &reqwest::Client,
) -> anyhow::Result<Imported> {
    let parsed = reqwest::Url::parse(url).with_context(|| format!("{url:?} is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        bail!("{url:?} is not an http(s) URL");
    }
    let posts = fetch(client, url).await?;
    let state_path = library.site_dir(site)?.with_extension("wordpress.json");
    let before = State::load(&state_path);
    let (fresh, gone, report) = plan(&before, &posts);
    let docs: Vec<Document> = fresh.iter().map(|p| document(p)).collect();
    let index = library
        .site(site, true)?
        .context("cannot create the index")?;
    let index_docs = index.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        if !gone.is_empty() {
            index_docs.remove_where(|s| gone.iter().any(|g| g == s))?;
        }
        if !docs.is_empty() {
            index_docs.add(&docs)?;
        }
        Ok(())
    })
    .await??;
    let after = State {
        url: url.to_owned(),
        posts: posts
            .iter()
            .map(|p| (p.link.clone(), p.modified_gmt.clone()))
            .collect(),
    };
    std::fs::write(&state_path, serde_json::to_string_pretty(&after)?)
        .with_context(|| format!("cannot write {}", state_path.display()))?;
    Ok(report)
}

/// The signature a site's backend sends to ask for an import:
/// lowercase hex HMAC-SHA256 under the site secret (its ASCII text as key)
/// of `"<key>\n<unix time>\n<url>"`.
pub fn signature(secret: &str, key: &str, time: i64, url: &str) -> String {
    crate::identity::sign(secret, &signed_text(key, time, url))
}

/// What [`signature`] signs.
fn signed_text(key: &str, time: i64, url: &str) -> String {
    format!("{key}\n{time}\n{url}")
}

/// Seconds a signed request's time may differ from the server's clock.
pub const SIGNATURE_SKEW_SECS: i64 = 300;

/// Why a signed request is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `Authorization: Causette-Site …` header, or no time.
    #[error("missing `Authorization: Causette-Site <signature>` or `X-Causette-Time` header")]
    Missing,
    /// The time is too far from the server's clock.
    #[error("the request time is {0} s away from the server's clock (at most 300 s allowed); check the clock of the site's server")]
    Skewed(i64),
    /// The signature does not match.
    #[error("the signature does not match; the site secret in the plugin's settings must be the one `causette site secret KEY` prints")]
    Mismatch,
}

/// Checks a signed import request at server time `now`.
pub fn verify(
    secret: &str,
    key: &str,
    url: &str,
    authorization: Option<&str>,
    time: Option<&str>,
    now: i64,
) -> Result<(), SignatureError> {
    let sig = authorization
        .and_then(|a| a.trim().strip_prefix("Causette-Site "))
        .map(str::trim)
        .ok_or(SignatureError::Missing)?;
    let time: i64 = time
        .and_then(|t| t.trim().parse().ok())
        .ok_or(SignatureError::Missing)?;
    let skew = time - now;
    if skew.abs() > SIGNATURE_SKEW_SECS {
        return Err(SignatureError::Skewed(skew));
    }
    // Constant-time comparison.
    if crate::identity::verify(secret, &signed_text(key, time, url), sig) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"[
      {"id": 1, "status": "publish", "link": "https://blog.example/hello/",
       "modified_gmt": "2026-01-02T03:04:05",
       "title": {"rendered": "Hello &#8211; world"},
       "content": {"rendered": "<p>Our shop opens at <strong>nine</strong>.</p>", "protected": false}},
      {"id": 2, "status": "publish", "link": "https://blog.example/secret/",
       "modified_gmt": "2026-01-02T03:04:05",
       "title": {"rendered": "Members"},
       "content": {"rendered": "", "protected": true}},
      {"id": 3, "status": "draft", "link": "https://blog.example/?p=3",
       "modified_gmt": "2026-01-02T03:04:05",
       "title": {"rendered": "Draft"}, "content": {"rendered": "<p>x</p>"}}
    ]"#;

    #[test]
    fn parses_published_posts_and_hides_protected_content() {
        let posts = parse_posts(PAGE).unwrap();
        assert_eq!(posts.len(), 2);
        assert_eq!(posts[0].link, "https://blog.example/hello/");
        assert!(posts[0].content.contains("nine"));
        assert_eq!(posts[1].content, "");
        let doc = document(&posts[0]);
        assert_eq!(doc.title, "Hello – world");
        assert_eq!(doc.link.as_deref(), Some("https://blog.example/hello/"));
        assert!(doc.passages[0].text.contains("nine"));
        assert!(!doc.passages[0].text.contains("<strong>"));
    }

    #[test]
    fn a_non_list_is_an_error() {
        assert!(parse_posts(r#"{"code": "rest_no_route"}"#).is_err());
        assert!(parse_posts("<html></html>").is_err());
    }

    #[test]
    fn pages_come_from_the_header() {
        assert_eq!(total_pages(Some("3")), 3);
        assert_eq!(total_pages(Some(" 12 ")), 12);
        assert_eq!(total_pages(None), 1);
        assert_eq!(total_pages(Some("0")), 1);
        assert_eq!(total_pages(Some("lots")), 1);
        assert_eq!(total_pages(Some("999999")), MAX_PAGES);
    }

    #[test]
    fn both_routes_are_addressed() {
        assert_eq!(
            collection_url("https://b.example/", Route::Pretty, "posts", 2),
            "https://b.example/wp-json/wp/v2/posts?per_page=100&page=2"
        );
        assert_eq!(
            collection_url("https://b.example/blog", Route::Query, "pages", 1),
            "https://b.example/blog/?rest_route=/wp/v2/pages&per_page=100&page=1"
        );
    }

    fn post(link: &str, modified: &str) -> Post {
        Post {
            link: link.into(),
            title: "t".into(),
            content: "<p>c</p>".into(),
            modified_gmt: modified.into(),
        }
    }

    #[test]
    fn plan_reindexes_changed_posts_and_removes_deleted_ones() {
        let before = State {
            url: "u".into(),
            posts: [("a", "1"), ("b", "1"), ("c", "1")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        };
        let now = [post("a", "1"), post("b", "2"), post("d", "1")];
        let (fresh, gone, report) = plan(&before, &now);
        let fresh: Vec<&str> = fresh.iter().map(|p| p.link.as_str()).collect();
        assert_eq!(fresh, ["b", "d"]);
        assert_eq!(gone, ["c"]);
        assert_eq!(
            report,
            Imported {
                added: 1,
                updated: 1,
                unchanged: 1,
                removed: 1
            }
        );
    }

    const SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn signatures_verify_and_refuse() {
        let now = 1_800_000_000;
        let url = "https://blog.example";
        let sig = signature(SECRET, "shop", now, url);
        assert_eq!(sig.len(), 64);
        let auth = format!("Causette-Site {sig}");
        let t = now.to_string();
        assert_eq!(
            verify(SECRET, "shop", url, Some(&auth), Some(&t), now + 10),
            Ok(())
        );
        assert_eq!(
            verify(SECRET, "shop", url, Some(&auth), Some(&t), now + 301),
            Err(SignatureError::Skewed(-301))
        );
        assert_eq!(
            verify(
                SECRET,
                "shop",
                "https://other.example",
                Some(&auth),
                Some(&t),
                now
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, "other", url, Some(&auth), Some(&t), now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, "shop", url, Some("Bearer x"), Some(&t), now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(SECRET, "shop", url, Some(&auth), None, now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(SECRET, "shop", url, Some("Causette-Site zz"), Some(&t), now),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn signature_matches_php_hash_hmac() {
        // php -r 'echo hash_hmac("sha256", "shop\n1800000000\nhttps://blog.example", SECRET);'
        let hexed = "24ac52b4d064e24be1ea426b19cab5c380b8af58ce52ed23352825202f1585b7";
        assert_eq!(
            signature(SECRET, "shop", 1_800_000_000, "https://blog.example"),
            hexed
        );
    }
}
