use std::path::Path;

use super::*;

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn library_with_folder() -> (tempfile::TempDir, tempfile::TempDir, Library) {
    let docs = tempfile::tempdir().unwrap();
    write(
        docs.path(),
        "shipping.md",
        "# Shipping\n\n## Delivery times\n\nParcels to Europe arrive within three working days; \
         parcels to Canada take a week.\n\n## Returns\n\nYou may return any item within 30 days \
         for a full refund.\n",
    );
    write(
        docs.path(),
        "sub/opening.html",
        "<html><head><title>Opening hours</title><style>.x{color:red} bakery</style>\
         <script>var secretSauce = 'bakery hours';</script></head><body><h1>Our hours</h1>\
         <p>The bakery opens at 7&nbsp;am on weekdays and closes at 6 pm.</p>\
         <noscript>enable javascript</noscript><p>On Sundays we bake &amp; sell until noon.</p>\
         </body></html>",
    );
    write(
        docs.path(),
        "sub/recettes.txt",
        "Nos recettes\n\nLe pain au levain est pétri à la main et cuit au feu de bois chaque \
         matin.\n\nLes croissants sont faits avec du beurre de Normandie.\n",
    );
    write(docs.path(), "notes.bin", "ignored");
    let data = tempfile::tempdir().unwrap();
    let lib = Library::new(data.path().join("kb"));
    let index = lib.site("shop", true).unwrap().unwrap();
    let docs_found = ingest::collect(&[docs.path().to_path_buf()]).unwrap();
    assert_eq!(docs_found.len(), 3, "{docs_found:?}");
    let parsed: Vec<Document> = docs_found
        .iter()
        .map(|(p, k)| {
            parse(
                *k,
                &p.display().to_string(),
                None,
                &std::fs::read_to_string(p).unwrap(),
            )
        })
        .collect();
    index.add(&parsed).unwrap();
    (docs, data, lib)
}

#[test]
fn answers_cite_the_file_that_holds_them() {
    let (_docs, _data, lib) = library_with_folder();
    let a = lib
        .answer("shop", "How long does delivery to Canada take?")
        .unwrap();
    assert!(a.contains("a week"), "{a}");
    assert!(a.contains("Sources: *Shipping* (`shipping.md`)"), "{a}");

    let a = lib.answer("shop", "When does the bakery open?").unwrap();
    assert!(a.contains("7 am"), "{a}");
    assert!(a.contains("*Opening hours* (`opening.html`)"), "{a}");

    let a = lib
        .answer("shop", "Comment est cuit le pain au levain ?")
        .unwrap();
    assert!(a.starts_with("Voici ce qu'en dit *Nos recettes*"), "{a}");
    assert!(a.contains("feu de bois"), "{a}");
    assert!(a.contains("Sources : "), "{a}");
}

#[test]
fn a_follow_up_finds_its_passages_with_the_message_before_it() {
    let (_docs, _data, lib) = library_with_folder();
    let follow_up = "Can I get my money back?";
    let alone = lib.passages("shop", follow_up, 4).unwrap();
    assert!(
        alone.iter().all(|h| !h.body.contains("refund")),
        "the follow-up alone does not name returns: {alone:?}"
    );
    let previous = Some("What is your returns policy?");
    let found = lib
        .passages_in_context("shop", follow_up, previous, 4)
        .unwrap();
    assert!(
        found.iter().any(|h| h.body.contains("full refund")),
        "{found:?}"
    );
    // What the question finds alone comes first, and nothing twice.
    assert_eq!(found[..alone.len()].len(), alone.len());
    for (a, f) in alone.iter().zip(&found) {
        assert_eq!((&a.source, &a.body), (&f.source, &f.body));
    }
    let mut bodies: Vec<&str> = found.iter().map(|h| h.body.as_str()).collect();
    bodies.dedup();
    assert_eq!(bodies.len(), found.len());
    // A question that finds enough alone is searched alone.
    let direct = lib
        .passages_in_context(
            "shop",
            "When does the bakery open?",
            Some("Do you ship to Canada?"),
            1,
        )
        .unwrap();
    assert_eq!(direct.len(), 1);
    assert!(direct[0].body.contains("bakery"), "{direct:?}");
}

#[test]
fn unknown_questions_get_a_plain_answer_in_their_language() {
    let (_docs, _data, lib) = library_with_folder();
    let a = lib
        .answer("shop", "What is the capital of Australia?")
        .unwrap();
    assert!(a.starts_with("I don't know"), "{a}");
    let a = lib
        .answer("shop", "Quelle est la capitale de l'Australie ?")
        .unwrap();
    assert!(a.starts_with("Je ne connais pas"), "{a}");
    // A site without any index.
    let a = lib.answer("nothing", "When does the bakery open?").unwrap();
    assert!(a.starts_with("I don't know"), "{a}");
    assert_eq!(lib.answer("shop", "???").unwrap(), dont_know("???", false));
}

#[test]
fn scripts_and_styles_never_reach_passages() {
    let (_docs, _data, lib) = library_with_folder();
    let index = lib.site("shop", false).unwrap().unwrap();
    let hits = index
        .search("secretSauce javascript color red", 10)
        .unwrap();
    for h in &hits {
        assert!(!h.body.contains("secretSauce"), "{}", h.body);
        assert!(!h.body.contains("color:red"), "{}", h.body);
        assert!(!h.body.contains("enable javascript"), "{}", h.body);
    }
    let (title, md) = html_to_markdown(
        "<title>T</title><SCRIPT type=x>alert(1)</SCRIPT><style>p{}</style><h2>Head</h2><p>a &lt;b&gt; &#233;</p>",
    );
    assert_eq!(title.as_deref(), Some("T"));
    assert!(!md.contains("alert") && !md.contains("p{}"), "{md}");
    assert!(md.contains("## Head") && md.contains("a <b> é"), "{md}");
}

#[test]
fn re_adding_a_source_replaces_it_and_remove_drops_it() {
    let (_docs, _data, lib) = library_with_folder();
    let index = lib.site("shop", false).unwrap().unwrap();
    let sources = index.sources().unwrap();
    assert_eq!(sources.len(), 3, "{sources:?}");
    let shipping = sources
        .iter()
        .find(|s| s.source.ends_with("shipping.md"))
        .unwrap()
        .clone();
    assert_eq!(shipping.passages, 2);
    let again = parse(
        Kind::Markdown,
        &shipping.source,
        None,
        "# Shipping\n\nEverything ships by pigeon.\n",
    );
    index.add(&[again]).unwrap();
    let after = index.sources().unwrap();
    assert_eq!(after.len(), 3);
    assert_eq!(
        after
            .iter()
            .find(|s| s.source == shipping.source)
            .unwrap()
            .passages,
        1
    );
    assert!(lib
        .answer("shop", "How long does delivery to Canada take?")
        .unwrap()
        .starts_with("I don't know"));
    assert_eq!(index.remove_where(|s| s == shipping.source).unwrap(), 1);
    assert_eq!(index.sources().unwrap().len(), 2);
}

#[test]
fn markdown_splits_into_passages_under_their_headings() {
    let d = parse(
        Kind::Markdown,
        "/x/guide.md",
        None,
        "# Guide\n\nIntro.\n\n## Step one\n\nDo this.\n\n```\n# not a heading\n\ncode\n```\n\n## Step two\n\nThen that.\n",
    );
    assert_eq!(d.title, "Guide");
    let heads: Vec<&str> = d.passages.iter().map(|p| p.heading.as_str()).collect();
    assert_eq!(heads, ["Guide", "Step one", "Step two"]);
    assert!(d.passages[1].text.contains("# not a heading\n\ncode"));
    let long = "word ".repeat(100);
    let text = format!("{long}\n\n{long}\n\n{long}");
    let d = parse(Kind::Text, "/x/plain-notes.txt", None, &text);
    assert_eq!(d.title, "plain notes");
    assert_eq!(d.passages.len(), 3);
}

#[test]
fn languages_are_told_apart() {
    assert_eq!(detect("Why does it say the token is invalid?"), Lang::En);
    assert_eq!(detect("Pourquoi le jeton est-il invalide ?"), Lang::Fr);
    assert_eq!(detect("Comment installer le widget ?"), Lang::Fr);
    assert_eq!(detect("How do I add the widget?"), Lang::En);
    assert_eq!(detect("Où sont stockées les conversations ?"), Lang::Fr);
}

#[test]
fn the_bundled_help_answers_the_demo_questions() {
    let data = tempfile::tempdir().unwrap();
    let lib = Library::new(data.path().join("kb"));
    assert!(lib.ensure_bundled(DEMO_SITE).unwrap());
    assert!(!lib.ensure_bundled(DEMO_SITE).unwrap(), "indexed only once");
    let ask = |q: &str| lib.answer(DEMO_SITE, q).unwrap();
    for (q, want, source) in [
        (
            "How do I add the widget to my website?",
            "embed.js",
            "installing.md",
        ),
        ("How do I add the widget?", "embed.js", "installing.md"),
        (
            "Why does it say the token is invalid?",
            "causette doctor",
            "tokens.md",
        ),
        ("why is the token invalid?", "token", "tokens.md"),
        ("Where are conversations stored?", "SQLite", "privacy.md"),
        (
            "Which languages does the widget speak?",
            "French",
            "widget.md",
        ),
        (
            "my domain is blocked, origin not allowed",
            "--add-origin",
            "origins.md",
        ),
        ("How are tokens refreshed?", "refresh token", "tokens.md"),
        ("Comment installer le widget ?", "embed.js", "installer.md"),
        (
            "Pourquoi mon jeton est invalide ?",
            "causette doctor",
            "jetons.md",
        ),
    ] {
        let a = ask(q);
        assert!(a.contains(want), "{q}: {a}");
        assert!(a.contains(&format!("(`{source}`)")), "{q}: {a}");
    }
    assert_eq!(ask("What's the weather in Lyon tomorrow?"), DONT_KNOW);
    assert_eq!(ask("Quel temps fera-t-il à Lyon demain ?"), DONT_KNOW_FR);
    assert_eq!(ask(""), DONT_KNOW);
}
