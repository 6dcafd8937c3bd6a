//! The knowledge base through the real binary: `causette kb add|list|remove`
//! and a running server answering from it.

mod support;

use std::time::Duration;

use serde_json::json;
use support::Server;

/// Sends `question` in a new demo conversation and returns the reply text.
async fn ask(s: &Server, question: &str) -> String {
    let (token, cid) = s.session().await;
    let c = reqwest::Client::new();
    let res = c
        .post(format!("{}/v1/conversations/{cid}/messages", s.url))
        .bearer_auth(&token)
        .json(&json!({ "text": question }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    for _ in 0..200 {
        let (_, t) = s.transcript_status(&token, &cid).await;
        if let Some(reply) = t["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["role"] == "assistant")
        {
            return reply["text"].as_str().unwrap().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no reply to {question:?}");
}

#[tokio::test]
async fn the_demo_answers_from_the_bundled_help_with_a_source() {
    let (s, _db) = Server::start().await;
    let a = ask(&s, "Why does it say the token is invalid?").await;
    assert!(a.contains("causette doctor"), "{a}");
    assert!(a.contains("Sources: *Tokens"), "{a}");
    let a = ask(&s, "Pourquoi mon jeton est-il invalide ?").await;
    assert!(a.contains("Sources : *Les jetons"), "{a}");
    let a = ask(&s, "What's the weather in Lyon tomorrow?").await;
    assert!(a.starts_with("I don't know"), "{a}");
    let a = ask(&s, "Quel temps fera-t-il à Lyon demain ?").await;
    assert!(a.starts_with("Je ne connais pas"), "{a}");
}

#[tokio::test]
async fn documents_added_by_the_command_line_are_answered_listed_and_removed() {
    let (s, db) = Server::start().await;
    let docs = tempfile::tempdir().unwrap();
    let dir = docs.path();
    std::fs::create_dir_all(dir.join("pages")).unwrap();
    std::fs::write(
        dir.join("pricing.md"),
        "# Pricing\n\n## Plans\n\nThe gardening club costs twelve euros a month, paid yearly.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pages/contact.html"),
        "<html><head><title>Contact us</title><script>var hidden = 'greenhouse';</script>\
         <style>body{}</style></head><body><h1>Contact</h1><p>Write to the greenhouse \
         keeper at the allotment gate, open on Saturdays.</p></body></html>",
    )
    .unwrap();
    std::fs::write(
        dir.join("pages/graines.txt"),
        "Échange de graines\n\nLes graines de tomates anciennes s'échangent au printemps, \
         chaque premier samedi du mois.\n",
    )
    .unwrap();
    let dir_s = dir.display().to_string();
    let out = db.admin(&["kb", "add", "--site", "demo", &dir_s]).await;
    assert!(out.contains("3 document(s)"), "{out}");

    let list = db.admin(&["kb", "list", "--site", "demo"]).await;
    assert!(list.contains("pricing.md  (Pricing)"), "{list}");
    assert!(list.contains("contact.html  (Contact us)"), "{list}");
    assert!(list.contains("graines.txt  (Échange de graines)"), "{list}");
    assert!(list.contains("tokens.md"), "the bundled help stays: {list}");

    // The running server sees the new documents shortly after the commit.
    let mut a = String::new();
    for _ in 0..40 {
        a = ask(&s, "How much does the gardening club cost?").await;
        if a.contains("twelve euros") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(a.contains("twelve euros"), "{a}");
    assert!(a.contains("*Pricing* (`pricing.md`)"), "{a}");
    let a = ask(&s, "When is the greenhouse keeper there?").await;
    assert!(a.contains("Saturdays") && !a.contains("var hidden"), "{a}");
    assert!(a.contains("*Contact us* (`contact.html`)"), "{a}");
    let a = ask(&s, "Quand s'échangent les graines de tomates ?").await;
    assert!(a.contains("printemps"), "{a}");
    assert!(a.contains("Sources : *Échange de graines*"), "{a}");

    // Re-adding replaces; removing drops.
    std::fs::write(
        dir.join("pricing.md"),
        "# Pricing\n\nThe gardening club is free.\n",
    )
    .unwrap();
    let pricing = dir.join("pricing.md").display().to_string();
    db.admin(&["kb", "add", "--site", "demo", &pricing]).await;
    let list = db.admin(&["kb", "list", "--site", "demo"]).await;
    assert_eq!(list.matches("pricing.md").count(), 1, "{list}");
    let out = db
        .admin(&["kb", "remove", "--site", "demo", &pricing])
        .await;
    assert!(out.contains("removed 1 source"), "{out}");
    let out = db
        .admin(&[
            "kb",
            "remove",
            "--site",
            "demo",
            &dir.join("pages").display().to_string(),
        ])
        .await;
    assert!(out.contains("removed 2 source"), "{out}");
    let list = db.admin(&["kb", "list", "--site", "demo"]).await;
    assert!(!list.contains(&dir_s), "{list}");
    let answer = db
        .admin(&[
            "kb",
            "ask",
            "--site",
            "demo",
            "How much does the gardening club cost?",
        ])
        .await;
    assert!(answer.starts_with("I don't know"), "{answer}");
}

#[tokio::test]
async fn kb_commands_name_unknown_sites_and_sources() {
    let data = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_causette"))
        .args(["kb", "list", "--site", "nope"])
        .args(["--data", &data.path().display().to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no site has the key"));
}
