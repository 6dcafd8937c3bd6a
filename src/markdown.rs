//! Assistant replies, built into the page from the tree the server makes of
//! their markdown (the format is documented in the server's `markdown`
//! module): `["p", "text", ["em", "x"], ["a", "https://…", "label"]]`.
//!
//! The widget parses neither markdown nor HTML. The tree is read with the
//! browser's `JSON.parse` (no JSON parser ships in the bundle), elements are
//! made with `createElement` from a fixed list of tag names, text with text
//! nodes, and no attribute name ever comes from the tree. What the list does
//! not know is left out and its content kept. Links are checked again here
//! although the server already allows only these schemes: a bug or a
//! compromised proxy on the server side must not become script in the page.

use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Node};

/// Deepest nesting built; the server makes trees at most 16 deep.
const MAX_DEPTH: u32 = 32;

/// The elements built, by the tree's names (which are their tag names).
/// Those from [`OL`] on carry an attribute in the slot after the name.
const TAGS: [&str; 13] = [
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "del",
    "code",
    "ul",
    "li",
    "blockquote",
    "ol",
    "pre",
    "a",
];
/// `["ol", start, item…]`
const OL: usize = 10;
/// `["pre", language, text]`
const PRE: usize = 11;
/// `["a", href, node…]`
const A: usize = 12;

/// Clears `el` and builds the reply tree `tree_json` into it. Returns false,
/// leaving `el` empty, when `tree_json` is not a tree.
pub fn render_into(el: &Element, tree_json: &str) -> bool {
    el.set_text_content(None);
    let (Some(doc), Ok(tree)) = (el.owner_document(), JSON::parse(tree_json)) else {
        return false;
    };
    if !Array::is_array(&tree) {
        return false;
    }
    children(&doc, el, tree.unchecked_ref(), 0, 0);
    true
}

/// Builds `nodes[from..]` into `parent`.
fn children(doc: &Document, parent: &Node, nodes: &Array, from: u32, depth: u32) {
    for i in from..nodes.length() {
        node(doc, parent, &nodes.get(i), depth);
    }
}

fn node(doc: &Document, parent: &Node, value: &JsValue, depth: u32) {
    if let Some(text) = value.as_string() {
        let _ = parent.append_child(&doc.create_text_node(&text));
        return;
    }
    if depth >= MAX_DEPTH || !Array::is_array(value) {
        return;
    }
    let items: &Array = value.unchecked_ref();
    let name = items.get(0).as_string().unwrap_or_default();
    let attr = items.get(1);
    // The tag name is one of these literals, never the tree's string.
    let Some(i) = TAGS.iter().position(|t| *t == name) else {
        // Unknown: its content, without it.
        return children(doc, parent, items, 1, depth + 1);
    };
    let Ok(el) = doc.create_element(TAGS[i]) else {
        return;
    };
    // Where the children go: a code block's go into its <code>.
    let mut inner: Element = el.clone();
    match i {
        A => match attr.as_string().filter(|h| safe_href(h)) {
            Some(href) => {
                let _ = el.set_attribute("href", &href);
                let _ = el.set_attribute("rel", "noopener noreferrer nofollow");
                let _ = el.set_attribute("target", "_blank");
            }
            // Not a link we follow: its text, without the link.
            None => return children(doc, parent, items, 2, depth + 1),
        },
        // The number goes to the `start` property as is: no formatting code.
        OL if attr.as_f64().is_some() => {
            let _ = Reflect::set(&el, &"start".into(), &attr);
        }
        PRE => {
            let Ok(code) = doc.create_element("code") else {
                return;
            };
            if let Some(lang) = attr.as_string().filter(|l| is_language(l)) {
                code.set_class_name(&["language-", &lang].concat());
            }
            let _ = el.append_child(&code);
            inner = code;
        }
        _ => {}
    }
    // Elements from `OL` on have an attribute slot before their children.
    let from = if i >= OL { 2 } else { 1 };
    children(doc, &inner, items, from, depth + 1);
    let _ = parent.append_child(&el);
}

/// Whether a code block's language makes one harmless class name (no
/// space, so it cannot add one of the widget's own classes).
fn is_language(lang: &str) -> bool {
    !lang.is_empty()
        && lang.len() <= 32
        && lang
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+#-".contains(&b))
}

/// Whether `href` may be followed: an `http:`, `https:` or `mailto:` URL
/// (any case) with no space or control character at all. The browser drops
/// only such characters (tabs, newlines, C0 controls, spaces) before it
/// reads a scheme, so without them the scheme seen here is the one it sees
/// (`java\tscript:` cannot pass); the server sends links in this form.
pub fn safe_href(href: &str) -> bool {
    let b = href.as_bytes();
    !b.iter().any(|&c| c <= b' ' || c == 0x7f)
        && [&b"http:"[..], b"https:", b"mailto:"]
            .iter()
            .any(|p| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_https_and_mailto_hrefs_pass() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " https://x.example",
            "\u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "ht\ttps://x.example",
            "https://x.example/a b",
            "https://x.example/\u{7f}",
            "data:text/html,x",
            "vbscript:x",
            "//evil.example",
            "/relative",
            "https",
            "http",
            "",
            "\u{FEFF}https://x.example",
        ] {
            assert!(!safe_href(bad), "{bad:?}");
        }
        for good in [
            "HTTPS://x.example/a",
            "http://x.example",
            "mailto:a@b.example",
            "MailTo:a@b.example",
        ] {
            assert!(safe_href(good), "{good:?}");
        }
    }

    #[test]
    fn languages_are_single_class_names() {
        assert!(is_language("rust") && is_language("c++") && is_language("objective-c"));
        for bad in ["", "a b", "x\"y", "launcher panel", &"a".repeat(33)] {
            assert!(!is_language(bad), "{bad:?}");
        }
    }
}
