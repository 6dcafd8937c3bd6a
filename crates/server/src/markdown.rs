//! Assistant replies, markdown, turned into a small tree the widget can
//! build DOM from safely: the widget ships no markdown parser (it would not
//! fit its size budget), and it never parses HTML.
//!
//! # The tree
//!
//! JSON. The tree is an array of nodes, the reply's blocks in order. A node
//! is either a **string** — text, shown literally — or an **array** whose
//! first item names the element:
//!
//! | node | meaning |
//! |---|---|
//! | `"text"` | text; may contain `"\n"` (a soft line break, shown as a space) |
//! | `["p", node…]` | paragraph; also headings, as `["p", ["strong", node…]]`, and raw HTML blocks, as their source text |
//! | `["br"]` | hard line break |
//! | `["hr"]` | thematic break |
//! | `["em", node…]`, `["strong", node…]`, `["del", node…]` | emphasis, strong emphasis, strikethrough |
//! | `["code", "text"]` | inline code |
//! | `["pre", lang, "text"]` | code block; `lang` is `""` or 1 to 32 characters of `[a-z0-9_+#-]` |
//! | `["ul", ["li", node…]…]` | bullet list |
//! | `["ol", start, ["li", node…]…]` | ordered list; `start` is a whole number ≥ 0 |
//! | `["li", node…]` | list item |
//! | `["blockquote", node…]` | block quote |
//! | `["a", href, node…]` | link; `href` is an `http:`, `https:` or `mailto:` URL |
//!
//! Example: `Hi *you*, see [docs](https://x.example)` gives
//! `[["p","Hi ",["em","you"],", see ",["a","https://x.example","docs"]]]`.
//!
//! # What is kept out
//!
//! - Raw HTML, inline or block (comments and CDATA included), is text: a
//!   visitor sees `<script>` written out, never a script.
//! - A link whose URL is not `http:`, `https:` or `mailto:` (judged on the
//!   scheme the browser would see, see [`safe_href`]) keeps its text and
//!   loses its link.
//! - An image is never loaded: it becomes a link to its URL (when the scheme
//!   is allowed) labelled with its alt text.
//! - Tables, footnotes, task lists and other extensions are not enabled, so
//!   they stay as the text they were written as.
//! - Unicode bidi controls are removed from every text (see [`BIDI`]).
//! - Elements nest at most [`MAX_DEPTH`] deep and a tree has at most about
//!   [`MAX_NODES`] nodes; past either, the content goes on as plain text in
//!   the enclosing element, so nothing is lost but the formatting.

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag};
use serde_json::Value;

/// Deepest element nesting kept; deeper elements are flattened into text.
pub const MAX_DEPTH: usize = 16;
/// Most nodes (elements and texts) made; past it no new element is made.
pub const MAX_NODES: usize = 4_000;
/// Longest URL kept as a link.
pub const MAX_URL: usize = 2_048;
/// Longest code-block language name kept as a class name.
const MAX_LANG: usize = 32;

/// The Unicode bidi controls: embeddings, overrides, isolates and marks.
///
/// They are removed rather than each text run isolated: they could make a
/// reply show text in another order than it is written (a link label that
/// reads as another address, code that reads other than it runs), a chat
/// reply never needs them, and the browser still lays right-to-left script
/// out correctly from the letters' own direction. Isolating runs instead
/// would cost an element per run and still let a run reorder itself.
pub const BIDI: &[char] = &[
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
];

/// The tree of `markdown`, as JSON text (see the module documentation).
pub fn tree_json(markdown: &str) -> String {
    Value::Array(tree(markdown)).to_string()
}

/// The tree of `markdown`: the top-level nodes.
pub fn tree(markdown: &str) -> Vec<Value> {
    // Only strikethrough among the extensions: everything else stays text.
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH);
    let mut b = Builder::default();
    for event in parser {
        b.event(event);
    }
    // The parser closes every tag it opens; this only guards the invariant.
    while b.frames.len() > 1 {
        b.close();
    }
    b.frames
        .pop()
        .map(|f| f.children.into_iter().map(Node::into_json).collect())
        .unwrap_or_default()
}

/// The URL a link may point to: `Some` only for `http:`, `https:` and
/// `mailto:` URLs, judged as a browser's URL parser would read them.
///
/// The browser removes tabs and newlines anywhere in a URL and trims C0
/// controls and spaces at both ends before it reads the scheme, so
/// `java\tscript:` and ` javascript:` are `javascript:` to it; the same is
/// done here first, then the scheme (up to the first `:`) must be one of the
/// three, in any case. Entity references were already decoded by the parser
/// (`&#106;avascript:` is judged as `javascript:`). A URL without a scheme
/// (relative, protocol-relative `//host`, `%6Aavascript:…`) is refused: a
/// reply's link is resolved against the host page, not meant for it. URLs
/// still holding a space, a control or a bidi character, or longer than
/// [`MAX_URL`], are refused too: the widget checks links again and accepts
/// them only in this clean form.
pub fn safe_href(raw: &str) -> Option<String> {
    let url: String = raw
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let url = url.trim_matches(|c: char| c <= ' ');
    if url.is_empty()
        || url.len() > MAX_URL
        || url
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || BIDI.contains(&c))
    {
        return None;
    }
    let (scheme, _) = url.split_once(':')?;
    matches!(
        scheme.to_ascii_lowercase().as_str(),
        "http" | "https" | "mailto"
    )
    .then(|| url.to_owned())
}

/// A code block's language as a class-name-safe word: the info string's
/// first word, lower-cased, kept only if it is 1 to 32 of `[a-z0-9_+#-]`.
fn language(info: &str) -> String {
    let word = info
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let ok = !word.is_empty()
        && word.len() <= MAX_LANG
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'#' | b'-'));
    if ok {
        word
    } else {
        String::new()
    }
}

/// `text` without bidi controls, and with NUL replaced as CommonMark asks.
fn strip_bidi(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(BIDI) || text.contains('\0') {
        text.replace(BIDI, "").replace('\0', "\u{FFFD}").into()
    } else {
        text.into()
    }
}

/// The one attribute an element may carry, in the slot after its name.
enum Attr {
    None,
    Href(String),
    Start(u64),
    Lang(String),
}

enum Node {
    Text(String),
    El {
        name: &'static str,
        attr: Attr,
        children: Vec<Node>,
    },
}

impl Node {
    fn into_json(self) -> Value {
        match self {
            Node::Text(t) => Value::String(t),
            Node::El {
                name,
                attr,
                children,
            } => {
                let mut out = Vec::with_capacity(children.len() + 2);
                out.push(Value::from(name));
                match attr {
                    Attr::None => {}
                    Attr::Href(s) | Attr::Lang(s) => out.push(Value::String(s)),
                    Attr::Start(n) => out.push(Value::from(n)),
                }
                out.extend(children.into_iter().map(Node::into_json));
                Value::Array(out)
            }
        }
    }
}

/// What an open tag makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An element of the tree.
    Element,
    /// No element: its content goes to the enclosing one (a tag outside
    /// the allowlist, a refused link, or past the depth or size cap).
    /// `true` for a block, whose end then separates it with a line break.
    Flat(bool),
    /// A heading: a paragraph with one strong child.
    Heading,
    /// An image: its content is collected as plain alt text.
    Image,
}

struct Frame {
    kind: Kind,
    name: &'static str,
    attr: Attr,
    children: Vec<Node>,
    /// For an image: its allowed URL, and its alt text.
    href: Option<String>,
    alt: String,
}

impl Frame {
    fn new(kind: Kind, name: &'static str, attr: Attr) -> Frame {
        Frame {
            kind,
            name,
            attr,
            children: Vec::new(),
            href: None,
            alt: String::new(),
        }
    }
}

struct Builder {
    /// Open tags; the first is the document itself and is never closed.
    frames: Vec<Frame>,
    /// Nodes made so far.
    nodes: usize,
    /// Open elements (frames that make one).
    depth: usize,
    /// Open links and images: inside one, another is its plain text (a
    /// link inside a link is not valid HTML).
    in_link: usize,
    in_image: usize,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            frames: vec![Frame::new(Kind::Element, "", Attr::None)],
            nodes: 0,
            depth: 0,
            in_link: 0,
            in_image: 0,
        }
    }
}

impl Builder {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.open(tag),
            Event::End(_) => self.close(),
            Event::Text(t) => self.text(&t),
            // Raw HTML is shown as the text it is.
            Event::Html(t) | Event::InlineHtml(t) => self.text(&t),
            Event::Code(t) => {
                if self.in_image > 0 || !self.room() {
                    self.text(&t);
                } else {
                    self.nodes += 1;
                    let text = strip_bidi(&t).into_owned();
                    self.push(Node::El {
                        name: "code",
                        attr: Attr::None,
                        children: vec![Node::Text(text)],
                    });
                }
            }
            Event::SoftBreak => self.text("\n"),
            Event::HardBreak => self.leaf("br", "\n"),
            Event::Rule => self.leaf("hr", "\n"),
            // Extensions not enabled (math, footnotes, task lists): text.
            Event::InlineMath(t) | Event::DisplayMath(t) | Event::FootnoteReference(t) => {
                self.text(&t)
            }
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
        }
    }

    /// Whether another element may be made here.
    fn room(&self) -> bool {
        self.room_for(1)
    }

    /// Whether `levels` nested elements may be made here.
    fn room_for(&self, levels: usize) -> bool {
        self.depth + levels <= MAX_DEPTH && self.nodes + levels <= MAX_NODES
    }

    fn open(&mut self, tag: Tag<'_>) {
        let heading = matches!(tag, Tag::Heading { .. });
        let block = matches!(
            tag,
            Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::BlockQuote(_)
                | Tag::CodeBlock(_)
                | Tag::HtmlBlock
                | Tag::List(_)
                | Tag::Item
        );
        if self.in_image > 0 {
            // Everything inside an image is its alt text.
            self.frames
                .push(Frame::new(Kind::Flat(false), "", Attr::None));
            return;
        }
        if let Tag::Image { dest_url, .. } = &tag {
            let mut f = Frame::new(Kind::Image, "", Attr::None);
            f.href = safe_href(dest_url).filter(|_| self.in_link == 0);
            self.in_image += 1;
            self.frames.push(f);
            return;
        }
        let (name, attr) = match tag {
            Tag::Paragraph | Tag::HtmlBlock => ("p", Attr::None),
            Tag::Heading { .. } => ("strong", Attr::None),
            Tag::BlockQuote(_) => ("blockquote", Attr::None),
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => language(&strip_bidi(&info)),
                    CodeBlockKind::Indented => String::new(),
                };
                ("pre", Attr::Lang(lang))
            }
            Tag::List(Some(start)) => ("ol", Attr::Start(start)),
            Tag::List(None) => ("ul", Attr::None),
            Tag::Item => ("li", Attr::None),
            Tag::Emphasis => ("em", Attr::None),
            Tag::Strong => ("strong", Attr::None),
            Tag::Strikethrough => ("del", Attr::None),
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => {
                let url = if link_type == LinkType::Email {
                    // An email autolink's destination is the bare address.
                    ["mailto:", &dest_url].concat()
                } else {
                    dest_url.to_string()
                };
                match safe_href(&url).filter(|_| self.in_link == 0) {
                    Some(href) => ("a", Attr::Href(href)),
                    None => ("", Attr::None),
                }
            }
            _ => ("", Attr::None),
        };
        // A heading is two elements; a list is opened only with room for
        // an item, so that a list holds only items.
        let levels = if heading || matches!(name, "ul" | "ol") {
            2
        } else {
            1
        };
        // An item whose list was flattened is flattened too.
        let orphan =
            name == "li" && !matches!(self.frames.last().map(|f| f.name), Some("ul" | "ol"));
        let kind = if name.is_empty() || orphan || !self.room_for(levels) {
            Kind::Flat(block)
        } else if heading {
            Kind::Heading
        } else {
            Kind::Element
        };
        if !matches!(kind, Kind::Flat(_)) {
            self.depth += 1;
            // A heading makes two elements.
            self.nodes += if heading { 2 } else { 1 };
            if name == "a" {
                self.in_link += 1;
            }
        }
        if matches!(kind, Kind::Flat(_)) {
            // A flattened tag is no element: not a list to put items in.
            self.frames.push(Frame::new(kind, "", Attr::None));
        } else {
            self.frames.push(Frame::new(kind, name, attr));
        }
    }

    fn close(&mut self) {
        if self.frames.len() < 2 {
            return;
        }
        let f = self.frames.pop().expect("an open tag");
        match f.kind {
            Kind::Flat(block) => {
                for child in f.children {
                    self.push(child);
                }
                let ended = match self.frames.last().and_then(|p| p.children.last()) {
                    Some(Node::Text(t)) => t.ends_with('\n'),
                    Some(_) => false,
                    None => true,
                };
                if block && !ended {
                    // Keeps flattened blocks apart.
                    self.text("\n");
                }
            }
            Kind::Image => {
                self.in_image -= 1;
                let label = if f.alt.trim().is_empty() {
                    f.href.clone().unwrap_or_default()
                } else {
                    f.alt
                };
                match f.href {
                    Some(href) if self.room() => {
                        self.nodes += 2;
                        self.push(Node::El {
                            name: "a",
                            attr: Attr::Href(href),
                            children: vec![Node::Text(label)],
                        });
                    }
                    _ => self.text(&label),
                }
            }
            Kind::Element | Kind::Heading => {
                self.depth -= 1;
                if f.name == "a" {
                    self.in_link -= 1;
                }
                let mut children = f.children;
                if f.name == "pre" && children.is_empty() {
                    // A code block always carries its text, even empty.
                    children.push(Node::Text(String::new()));
                }
                let mut node = Node::El {
                    name: f.name,
                    attr: f.attr,
                    children,
                };
                if f.kind == Kind::Heading {
                    // Headings are modest: a paragraph in bold.
                    node = Node::El {
                        name: "p",
                        attr: Attr::None,
                        children: vec![node],
                    };
                }
                self.push(node);
            }
        }
    }

    /// Appends a node to the innermost open tag.
    fn push(&mut self, node: Node) {
        let top = self.frames.last_mut().expect("the document");
        if matches!(top.name, "ul" | "ol") && !matches!(node, Node::El { name: "li", .. }) {
            // Past a cap, an item's content goes to the list's last item.
            if let Some(Node::El {
                name: "li",
                children,
                ..
            }) = top.children.last_mut()
            {
                append(children, node);
                return;
            }
        }
        append(&mut top.children, node);
    }

    fn text(&mut self, text: &str) {
        let text = strip_bidi(text);
        if text.is_empty() {
            return;
        }
        if self.in_image > 0 {
            if let Some(f) = self.frames.iter_mut().rev().find(|f| f.kind == Kind::Image) {
                f.alt.push_str(&text);
            }
            return;
        }
        let merges = matches!(
            self.frames.last().and_then(|f| f.children.last()),
            Some(Node::Text(_))
        );
        if !merges {
            self.nodes += 1;
        }
        self.push(Node::Text(text.into_owned()));
    }

    /// An empty element (`br`, `hr`), or `fallback` text when there is no
    /// room for it.
    fn leaf(&mut self, name: &'static str, fallback: &str) {
        if self.in_image > 0 || !self.room() {
            self.text(fallback);
        } else {
            self.nodes += 1;
            self.push(Node::El {
                name,
                attr: Attr::None,
                children: Vec::new(),
            });
        }
    }
}

/// Appends `node`, merging it into a text it follows.
fn append(children: &mut Vec<Node>, node: Node) {
    match (children.last_mut(), node) {
        (Some(Node::Text(last)), Node::Text(t)) => last.push_str(&t),
        (_, node) => children.push(node),
    }
}

#[cfg(test)]
mod tests;
