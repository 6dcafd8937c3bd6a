use serde_json::{json, Value};

use super::*;

/// Element names the tree may hold, with whether the slot after the name
/// is an attribute (`a`: href, `ol`: start, `pre`: language).
const ALLOWED: &[(&str, bool)] = &[
    ("p", false),
    ("br", false),
    ("hr", false),
    ("em", false),
    ("strong", false),
    ("del", false),
    ("code", false),
    ("pre", true),
    ("ul", false),
    ("ol", true),
    ("li", false),
    ("blockquote", false),
    ("a", true),
];

/// Checks every rule of the format over a whole tree; returns its text.
fn check(tree: &Value) -> String {
    let Value::Array(nodes) = tree else {
        panic!("the tree is not an array: {tree}");
    };
    let mut text = String::new();
    for n in nodes {
        assert_ne!(
            n.get(0).and_then(Value::as_str),
            Some("li"),
            "an item outside a list"
        );
        check_node(n, 1, false, &mut text);
    }
    text
}

fn check_node(node: &Value, depth: usize, in_link: bool, text: &mut String) {
    let items = match node {
        Value::String(s) => {
            assert!(!s.contains(BIDI), "bidi control in {s:?}");
            text.push_str(s);
            return;
        }
        Value::Array(items) => items,
        other => panic!("a node is a string or an array, not {other}"),
    };
    assert!(depth <= MAX_DEPTH, "elements nest deeper than {MAX_DEPTH}");
    let name = items[0].as_str().expect("an element name");
    let &(_, has_attr) = ALLOWED
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("element {name:?} is not allowed"));
    let children = if has_attr { &items[2..] } else { &items[1..] };
    match name {
        "a" => {
            assert!(!in_link, "a link inside a link");
            let href = items[1].as_str().expect("href is a string");
            let lower = href.to_ascii_lowercase();
            assert!(
                ["http:", "https:", "mailto:"]
                    .iter()
                    .any(|s| lower.starts_with(s)),
                "unsafe href {href:?}"
            );
            assert!(
                !href
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace() || BIDI.contains(&c)),
                "space or control character in {href:?}"
            );
        }
        "ol" => assert!(items[1].is_u64(), "start is a whole number: {node}"),
        _ => {}
    }
    if matches!(name, "ul" | "ol") {
        assert!(
            !children.is_empty()
                && children
                    .iter()
                    .all(|c| c.get(0).and_then(Value::as_str) == Some("li")),
            "a list holds only items: {node}"
        );
    }
    match name {
        "pre" => {
            let lang = items[1].as_str().expect("language is a string");
            assert!(
                lang.len() <= 32
                    && lang.bytes().all(|b| b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || b"_+#-".contains(&b)),
                "language {lang:?}"
            );
            assert!(
                children.len() == 1 && children[0].is_string(),
                "a code block holds one text: {node}"
            );
        }
        "code" => assert!(
            children.len() == 1 && children[0].is_string(),
            "inline code holds one text: {node}"
        ),
        "br" | "hr" => assert!(children.is_empty(), "{name} is empty"),
        _ => {}
    }
    for c in children {
        if c.get(0).and_then(Value::as_str) == Some("li") {
            assert!(
                matches!(name, "ul" | "ol"),
                "an item outside a list: {node}"
            );
        }
        check_node(c, depth + 1, in_link || name == "a", text);
    }
}

fn t(md: &str) -> Value {
    Value::Array(tree(md))
}

/// Every href in a tree.
fn hrefs(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        if let Value::Array(items) = v {
            if items.first().and_then(Value::as_str) == Some("a") {
                out.push(items[1].as_str().unwrap_or_default().to_owned());
            }
            for i in items {
                walk(i, out);
            }
        }
    }
    walk(v, &mut out);
    out
}

/// Every element name in a tree.
fn names(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, top: bool, out: &mut Vec<String>) {
        if let Value::Array(items) = v {
            if !top {
                if let Some(n) = items.first().and_then(Value::as_str) {
                    out.push(n.to_owned());
                }
            }
            for i in items {
                walk(i, false, out);
            }
        }
    }
    walk(v, true, &mut out);
    out
}

const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "<script>\nalert(1)\n</script>",
    "Hello <script>alert(1)</script> world",
    "<img src=x onerror=alert(1)>",
    "text <img src=x onerror=\"alert(1)\"> more",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<div onclick=\"alert(1)\">hi</div>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<svg onload=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<style>*{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    "a <!-- comment --> b",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?php echo 1; ?>",
    "<!DOCTYPE html>",
    "<details open ontoggle=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JavaScript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](<java\tscript:alert(1)>)",
    "[x](<java\nscript:alert(1)>)",
    "[x](java&#x09;script:alert(1))",
    "[x](java&#9;script:alert(1))",
    "[x](java&#10;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#0000106;avascript:alert(1))",
    "[x](&#0000106avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](javascript%3Aalert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](\u{1}javascript:alert(1))",
    "[x](<\u{0}javascript:alert(1)>)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "[x](//evil.example/)",
    "[x](///evil.example/)",
    "[x](\\\\evil.example)",
    "[x](/relative/path)",
    "[x](#anchor)",
    "[x](?q=1)",
    "[x](ftp://example.com)",
    "[x](blob:https://example.com/uuid)",
    "[x](jav&#x61;script:alert(1))",
    "[x](javascript://%0Aalert(1))",
    "[x](javascript:alert(1) \"title\")",
    "[x](\"javascript:alert(1)\")",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<vbscript:msgbox(1)>",
    "<file:///etc/passwd>",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "[x][1]\n\n[1]: <javascript:alert(1)> \"t\"",
    "[x]\n\n[x]: data:text/html,hi",
    "[x][]\n\n[x]: vbscript:msgbox(1)",
    "![alt](javascript:alert(1))",
    "![alt](data:image/svg+xml,<svg onload=alert(1)>)",
    "![x](https://example.com/a.png \"t\") onerror=alert(1)",
    "![<img src=x onerror=alert(1)>](https://example.com/a.png)",
    "[![img](https://example.com/i.png)](javascript:alert(1))",
    "[![img](javascript:alert(1))](https://example.com)",
    "[a [b](https://example.com/inner) c](https://example.com/outer)",
    "[<script>alert(1)</script>](https://example.com)",
    "**<script>alert(1)</script>**",
    "*<img src=x onerror=alert(1)>*",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "```\" onmouseover=\"alert(1)\n<b>x</b>\n```",
    "```java script launcher\ncode\n```",
    "```<script>\ncode\n```",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>\n- [x](javascript:alert(1))",
    "1. <b onmouseover=alert(1)>x</b>",
    "| a | b |\n|---|---|\n| <script>x</script> | [y](javascript:z) |",
    "Footnote[^1]\n\n[^1]: <script>alert(1)</script>",
    "- [ ] task <script>\n- [x] done",
    "$x<script>$",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "[x](https://example.com\"onmouseover=\"alert(1))",
    "[x](https://example.com/\u{202E}gpj.exe)",
    "\u{202E}txt.exe\u{202C} and \u{2066}isolated\u{2069} \u{200F}mark\u{200E} \u{061C}arabic",
    "[\u{202E}moc.elpmaxe](https://evil.example)",
    "```\u{202E}rust\nlet a = \"\u{2067}\"; // \u{2069}\n```",
    "`inline \u{202D}override`",
    "<a href=\"https://example.com\" onclick=\"alert(1)\">x</a>",
    "<A HREF=\"javascript:alert(1)\">x</A>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<object data=\"javascript:alert(1)\">",
    "<embed src=\"javascript:alert(1)\">",
    "<textarea><script>alert(1)</script></textarea>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "\0<script>alert(1)</script>",
    "[x](https://example.com/\0)",
    "<mailto:a@b.example>",
    "<a@b.example>",
    "<https://example.com/a b>",
];

#[test]
fn hostile_markdown_gives_only_allowed_nodes_and_safe_links() {
    for md in HOSTILE {
        let tree = t(md);
        check(&tree);
        // And what the widget receives parses back to the same tree.
        let json = tree_json(md);
        assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), tree, "{md}");
    }
}

#[test]
fn raw_html_is_text_never_markup() {
    let tree = t("Hello <script>alert(1)</script> world");
    assert_eq!(
        tree,
        json!([["p", "Hello <script>alert(1)</script> world"]])
    );
    let tree = t("<img src=x onerror=alert(1)>");
    assert_eq!(tree, json!([["p", "<img src=x onerror=alert(1)>"]]));
    let text = check(&t("<!-- <script>alert(1)</script> -->"));
    assert!(
        text.contains("<!-- <script>alert(1)</script> -->"),
        "{text}"
    );
    let text = check(&t("<![CDATA[<b>x</b>]]>"));
    assert!(text.contains("<![CDATA[<b>x</b>]]>"), "{text}");
    let text = check(&t("<a href=\"javascript:alert(1)\">click</a>"));
    assert_eq!(text, "<a href=\"javascript:alert(1)\">click</a>");
    // Entities decode to text, which stays text.
    assert_eq!(t("&lt;b&gt;x&lt;/b&gt;"), json!([["p", "<b>x</b>"]]));
}

#[test]
fn only_http_https_and_mailto_links_survive() {
    for md in HOSTILE {
        for href in hrefs(&t(md)) {
            let lower = href.to_ascii_lowercase();
            assert!(
                lower.starts_with("http:")
                    || lower.starts_with("https:")
                    || lower.starts_with("mailto:"),
                "{md:?} gave {href:?}"
            );
        }
    }
    // A refused link keeps its text.
    assert_eq!(
        t("[click me](javascript:alert(1))"),
        json!([["p", "click me"]])
    );
    assert_eq!(t("[x](//evil.example/)"), json!([["p", "x"]]));
    assert_eq!(t("[x][1]\n\n[1]: javascript:alert(1)"), json!([["p", "x"]]));
    // Autolinks of other schemes are not links.
    assert!(hrefs(&t("<javascript:alert(1)>")).is_empty());
    assert!(hrefs(&t("<vbscript:msgbox(1)>")).is_empty());
    // Allowed ones are, in any case; email autolinks become mailto:.
    assert_eq!(
        t("<HTTPS://example.com/x>"),
        json!([["p", ["a", "HTTPS://example.com/x", "HTTPS://example.com/x"]]])
    );
    assert_eq!(
        t("<a@b.example>"),
        json!([["p", ["a", "mailto:a@b.example", "a@b.example"]]])
    );
    assert_eq!(hrefs(&t("[m](MailTo:a@b.example)")), ["MailTo:a@b.example"]);
}

#[test]
fn the_scheme_is_judged_as_a_browser_reads_it() {
    for bad in [
        "javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "java\rscript:alert(1)",
        " \u{1}\u{1f}javascript:alert(1)",
        "\u{0}javascript:alert(1)",
        "jav\u{0}ascript:alert(1)",
        "\u{FEFF}javascript:alert(1)",
        "javascript\u{FF1A}alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "//evil.example",
        "/x",
        "x",
        "",
        "   ",
        "https",
        "https//x",
        "\u{1}",
        "https://example.com/\u{202E}x",
        "https://example.com/\u{7f}",
        "https://example.com/\u{85}",
        "https://example.com/a b",
        "https://example.com/a\u{a0}b",
    ] {
        assert_eq!(safe_href(bad), None, "{bad:?}");
    }
    for (good, kept) in [
        ("https://example.com/", "https://example.com/"),
        ("HTTP://example.com", "HTTP://example.com"),
        ("  https://example.com  ", "https://example.com"),
        ("ht\ttps://example.com", "https://example.com"),
        ("mailto:a@b.example", "mailto:a@b.example"),
    ] {
        assert_eq!(safe_href(good).as_deref(), Some(kept), "{good:?}");
    }
    let long = format!("https://example.com/{}", "a".repeat(MAX_URL));
    assert_eq!(safe_href(&long), None);
}

#[test]
fn images_become_links_to_their_url_never_images() {
    assert_eq!(
        t("![a cat](https://example.com/cat.png)"),
        json!([["p", ["a", "https://example.com/cat.png", "a cat"]]])
    );
    // No alt text: labelled with the URL.
    assert_eq!(
        t("![](https://example.com/cat.png)"),
        json!([[
            "p",
            [
                "a",
                "https://example.com/cat.png",
                "https://example.com/cat.png"
            ]
        ]])
    );
    // A refused scheme: the alt text alone.
    assert_eq!(t("![alt](javascript:alert(1))"), json!([["p", "alt"]]));
    // Markup in the alt text is flattened to text.
    assert_eq!(
        t("![*big* `cat`](https://example.com/c.png)"),
        json!([["p", ["a", "https://example.com/c.png", "big cat"]]])
    );
    // An image inside a link is the link's label.
    assert_eq!(
        t("[![logo](https://example.com/l.png)](https://example.com)"),
        json!([["p", ["a", "https://example.com", "logo"]]])
    );
    assert!(!names(&t("![x](https://example.com/x.png)")).contains(&"img".to_owned()));
}

#[test]
fn ordinary_markdown_renders_as_expected() {
    assert_eq!(
        t("Hi *you*, see [docs](https://x.example)"),
        json!([[
            "p",
            "Hi ",
            ["em", "you"],
            ", see ",
            ["a", "https://x.example", "docs"]
        ]])
    );
    assert_eq!(
        t("**bold** and ~~gone~~ and `code`"),
        json!([[
            "p",
            ["strong", "bold"],
            " and ",
            ["del", "gone"],
            " and ",
            ["code", "code"]
        ]])
    );
    assert_eq!(
        t("- one\n- two *2*\n"),
        json!([["ul", ["li", "one"], ["li", "two ", ["em", "2"]]]])
    );
    assert_eq!(
        t("3. three\n4. four\n"),
        json!([["ol", 3, ["li", "three"], ["li", "four"]]])
    );
    assert_eq!(
        t("```rust\nfn main() {}\n```"),
        json!([["pre", "rust", "fn main() {}\n"]])
    );
    assert_eq!(t("    indented\n"), json!([["pre", "", "indented\n"]]));
    assert_eq!(t("```\n```"), json!([["pre", "", ""]]));
    assert_eq!(
        t("> quoted\n> more"),
        json!([["blockquote", ["p", "quoted\nmore"]]])
    );
    assert_eq!(
        t("# Title\n\ntext"),
        json!([["p", ["strong", "Title"]], ["p", "text"]])
    );
    assert_eq!(t("a\n\n---\n\nb"), json!([["p", "a"], ["hr"], ["p", "b"]]));
    // Soft and hard breaks.
    assert_eq!(t("a\nb"), json!([["p", "a\nb"]]));
    assert_eq!(t("a  \nb"), json!([["p", "a", ["br"], "b"]]));
    assert_eq!(t("a\\\nb"), json!([["p", "a", ["br"], "b"]]));
    // Loose lists hold paragraphs.
    assert_eq!(
        t("- a\n\n- b\n"),
        json!([["ul", ["li", ["p", "a"]], ["li", ["p", "b"]]]])
    );
    assert_eq!(t(""), json!([]));
}

#[test]
fn code_block_languages_are_safe_class_names() {
    assert_eq!(t("```Rust ignore\nx\n```"), json!([["pre", "rust", "x\n"]]));
    assert_eq!(t("```c++\nx\n```"), json!([["pre", "c++", "x\n"]]));
    for info in [
        "\" onmouseover=\"alert(1)",
        "<script>",
        "a.b",
        "x\"y",
        "java;script",
        "\u{202E}rust",
    ] {
        let md = format!("```{info}\nx\n```");
        let tree = t(&md);
        check(&tree);
        let lang = tree[0][1].as_str().unwrap();
        assert!(lang.is_empty() || lang == "rust", "{info:?} gave {lang:?}");
    }
    let long = format!("```{}\nx\n```", "a".repeat(33));
    assert_eq!(t(&long), json!([["pre", "", "x\n"]]));
}

#[test]
fn extensions_stay_text() {
    let text = check(&t("| a | b |\n|---|---|\n| 1 | 2 |"));
    assert!(text.contains("| a | b |"), "{text}");
    let text = check(&t("Note[^1]\n\n[^1]: the note"));
    assert!(text.contains("[^1]"), "{text}");
    let text = check(&t("- [ ] todo"));
    assert!(text.contains("[ ] todo"), "{text}");
}

#[test]
fn bidi_controls_are_removed_everywhere() {
    let md = "\u{202E}txt.exe\u{202C} [\u{2066}label\u{2069}](https://example.com) `\u{200F}c` \u{061C}\n```\u{202D}\nx\u{200E}\n```";
    let tree = t(md);
    check(&tree);
    let json = tree.to_string();
    for c in BIDI {
        assert!(!json.contains(*c), "{c:?} in {json}");
    }
    assert!(json.contains("txt.exe"), "{json}");
    // A URL hiding one is no link at all.
    assert!(hrefs(&t("[x](https://example.com/\u{202E}exe.txt)")).is_empty());
}

#[test]
fn very_long_lines_are_kept_whole() {
    let word = "a".repeat(50_000);
    let tree = t(&word);
    check(&tree);
    assert_eq!(tree[0][1].as_str().map(str::len), Some(50_000));
}

#[test]
fn deep_nesting_is_capped_and_keeps_the_text() {
    for md in [
        format!("{}deep", ">".repeat(5_000)),
        format!("{}deep", "- ".repeat(2_000)),
        format!("{}deep{}", "*".repeat(3_000), "*".repeat(3_000)),
        format!(
            "{}deep{}",
            "[".repeat(3_000),
            "](https://e.example)".repeat(3_000)
        ),
        format!("{}deep", "1. > - ".repeat(1_000)),
        format!("{}x{}", "<div>".repeat(3_000), "</div>".repeat(3_000)),
    ] {
        let tree = t(&md);
        let text = check(&tree);
        assert!(text.contains("deep") || text.contains('x'), "text kept");
        // Serializes without exhausting the stack, and parses back.
        let json = tree.to_string();
        serde_json::from_str::<Value>(&json).expect("the JSON parses back");
    }
}

#[test]
fn tree_size_is_capped() {
    let md = "*a* ".repeat(20_000);
    let tree = t(&md);
    let text = check(&tree);
    assert_eq!(text.matches('a').count(), 20_000, "no text is lost");
    let count = names(&tree).len();
    assert!(count <= MAX_NODES, "{count} elements");
    let md = "- x\n".repeat(10_000);
    let tree = t(&md);
    check(&tree);
    assert!(names(&tree).len() <= MAX_NODES);
}

#[test]
fn nested_markdown_and_html_tricks_stay_inert() {
    for md in [
        "[<img src=x onerror=alert(1)>](https://example.com)",
        "*[x](javascript:alert(1))*",
        "<b>[x](javascript:alert(1))</b>",
        "[x](javascript:alert(1))<!--",
        "[x](<javascript:alert(1)>)",
        "<a href='https://example.com'>[y](javascript:alert(1))</a>",
        "[`x`](javascript:alert(1))",
        "[x](https://example.com)<script>",
        "> - [x](javascript:1)\n>   ```\n>   <script>\n>   ```",
    ] {
        let tree = t(md);
        check(&tree);
        assert!(
            hrefs(&tree).iter().all(|h| !h.contains("javascript")),
            "{md:?}"
        );
    }
}
