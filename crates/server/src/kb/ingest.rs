//! Files into documents: markdown, HTML and text, split into passages of
//! about a paragraph, each with the heading it sits under.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// A passage: a paragraph or a few short ones under one heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// The nearest heading above it (empty before the first one).
    pub heading: String,
    /// Its text, markdown.
    pub text: String,
}

/// A document ready to index.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it comes from: its path or URL; adding the same source again
    /// replaces it.
    pub source: String,
    /// A link visitors can follow, when there is one.
    pub link: Option<String>,
    /// Its title.
    pub title: String,
    /// Its passages, in order.
    pub passages: Vec<Passage>,
}

/// Passages grow up to about this many characters.
const PASSAGE_CHARS: usize = 700;

/// The kinds of file indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `.md`, `.markdown`
    Markdown,
    /// `.html`, `.htm`
    Html,
    /// `.txt`, `.text`
    Text,
}

impl Kind {
    /// The kind of a path, by its extension.
    pub fn of(path: &Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "md" | "markdown" | "mdx" => Some(Kind::Markdown),
            "html" | "htm" | "xhtml" => Some(Kind::Html),
            "txt" | "text" => Some(Kind::Text),
            _ => None,
        }
    }
}

/// A document from a file's content.
pub fn parse(kind: Kind, source: &str, link: Option<String>, content: &str) -> Document {
    let stem = source
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(source)
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(source)
        .replace(['-', '_'], " ");
    let (title, passages) = match kind {
        Kind::Markdown => {
            let passages = markdown_passages(content);
            let title = content
                .lines()
                .find_map(|l| l.strip_prefix("# "))
                .map(|t| t.trim().to_owned());
            (title, passages)
        }
        Kind::Html => {
            let (title, md) = html_to_markdown(content);
            (title, markdown_passages(&md))
        }
        Kind::Text => {
            let first = content.trim_start().lines().next().unwrap_or("").trim();
            let title = (!first.is_empty() && first.chars().count() <= 80)
                .then(|| first.trim_end_matches(['.', ':']).to_owned());
            (title, paragraphs_to_passages("", content))
        }
    };
    Document {
        source: source.to_owned(),
        link,
        title: title.filter(|t| !t.is_empty()).unwrap_or(stem),
        passages,
    }
}

fn markdown_passages(md: &str) -> Vec<Passage> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut section = String::new();
    let mut in_code = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        let level = line.chars().take_while(|c| *c == '#').count();
        if !in_code && (1..=6).contains(&level) && line[level..].starts_with(' ') {
            out.extend(paragraphs_to_passages(&heading, &section));
            section.clear();
            heading = line[level..].trim().to_owned();
            continue;
        }
        section.push_str(line);
        section.push('\n');
    }
    out.extend(paragraphs_to_passages(&heading, &section));
    out
}

/// Groups the paragraphs of a section into passages of about
/// `PASSAGE_CHARS`; a fenced code block stays in one paragraph.
fn paragraphs_to_passages(heading: &str, section: &str) -> Vec<Passage> {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_code = false;
    for line in section.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if line.trim().is_empty() && !in_code {
            if !current.trim().is_empty() {
                paragraphs.push(current.trim_end().to_owned());
            }
            current.clear();
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    if !current.trim().is_empty() {
        paragraphs.push(current.trim_end().to_owned());
    }
    let mut out = Vec::new();
    let mut text = String::new();
    for p in paragraphs {
        if !text.is_empty() && text.len() + p.len() > PASSAGE_CHARS {
            out.push(Passage {
                heading: heading.to_owned(),
                text: std::mem::take(&mut text),
            });
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&p);
    }
    if !text.is_empty() {
        out.push(Passage {
            heading: heading.to_owned(),
            text,
        });
    }
    out
}

/// Text of an HTML page as markdown-ish paragraphs and headings; scripts,
/// styles and other invisible parts are dropped. Returns the page's title
/// (`<title>`, else the first `<h1>`) too.
pub fn html_to_markdown(html: &str) -> (Option<String>, String) {
    let mut out = String::new();
    let mut title: Option<String> = None;
    let mut h1: Option<String> = None;
    let mut capture: Option<(&'static str, String)> = None;
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    while i < html.len() {
        let Some(rel) = html[i..].find('<') else {
            push_text(&mut out, &mut capture, &html[i..]);
            break;
        };
        push_text(&mut out, &mut capture, &html[i..i + rel]);
        let start = i + rel;
        if lower[start..].starts_with("<!--") {
            i = lower[start..]
                .find("-->")
                .map(|e| start + e + 3)
                .unwrap_or(html.len());
            continue;
        }
        let end = match html[start..].find('>') {
            Some(e) => start + e + 1,
            None => html.len(),
        };
        let tag = &lower[start + 1..end.saturating_sub(1).max(start + 1)];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        i = end;
        match name.as_str() {
            "script" | "style" | "noscript" | "template" | "svg" | "iframe" | "object"
                if !closing =>
            {
                let close = format!("</{name}");
                i = lower[end..]
                    .find(&close)
                    .map(|e| {
                        let at = end + e;
                        lower[at..]
                            .find('>')
                            .map(|g| at + g + 1)
                            .unwrap_or(html.len())
                    })
                    .unwrap_or(html.len());
            }
            "title" if !closing => capture = Some(("title", String::new())),
            "title" => {
                if let Some((_, t)) = capture.take() {
                    title.get_or_insert(clean(&t));
                }
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if !closing => {
                out.push_str("\n\n");
                out.push_str(&"#".repeat(name[1..].parse().unwrap_or(2)));
                out.push(' ');
                if name == "h1" && h1.is_none() {
                    capture = Some(("h1", String::new()));
                }
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                if let Some(("h1", t)) = capture.take() {
                    h1 = Some(clean(&t));
                }
                out.push_str("\n\n");
            }
            "li" if !closing => out.push_str("\n- "),
            "br" => out.push('\n'),
            "p" | "div" | "section" | "article" | "ul" | "ol" | "table" | "tr" | "blockquote"
            | "pre" | "header" | "footer" | "main" | "nav" | "aside" | "dl" | "dt" | "dd"
            | "figure" | "form" => out.push_str("\n\n"),
            "td" | "th" => out.push(' '),
            _ => {}
        }
    }
    // Collapse the spaces left by the markup, keep the paragraph breaks.
    let mut md = String::new();
    for line in out.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() || line == "-" || line.trim_start_matches('#').trim().is_empty() {
            if !md.ends_with("\n\n") && !md.is_empty() {
                md.push('\n');
            }
            continue;
        }
        md.push_str(&line);
        md.push('\n');
    }
    (title.filter(|t| !t.is_empty()).or(h1), md)
}

fn push_text(out: &mut String, capture: &mut Option<(&'static str, String)>, raw: &str) {
    let text = decode_entities(raw);
    if let Some((kind, t)) = capture {
        t.push_str(&text);
        if *kind == "title" {
            return;
        }
    }
    out.push_str(&text);
}

fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(semi) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..semi];
        let ch = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            "eacute" => Some('é'),
            "egrave" => Some('è'),
            "agrave" => Some('à'),
            "ccedil" => Some('ç'),
            "rsquo" | "lsquo" => Some('’'),
            "hellip" => Some('…'),
            _ => name
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The files to index under `paths`: files as given (any of the known
/// kinds), folders walked recursively (hidden entries skipped), sorted.
pub fn collect(paths: &[PathBuf]) -> anyhow::Result<Vec<(PathBuf, Kind)>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            let kind = Kind::of(p).with_context(|| {
                format!(
                    "{}: only markdown (.md), HTML (.html) and text (.txt) files can be indexed",
                    p.display()
                )
            })?;
            out.push((p.clone(), kind));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, Kind)>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            walk(&path, out)?;
        } else if let Some(kind) = Kind::of(&path) {
            out.push((path, kind));
        }
    }
    Ok(())
}
