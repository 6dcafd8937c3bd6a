//! `POST /v1/sites/{key}/kb/wordpress` on the real binary, against a small
//! stand-in for a WordPress REST API with two pages of posts.

mod support;

use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::get;
use axum::{Json, Router};
use causette_server::kb::wordpress::signature;
use serde_json::{json, Value};
use support::Server;

fn post(id: u32, base: &str, title: &str, text: &str) -> Value {
    json!({
        "id": id,
        "status": "publish",
        "link": format!("{base}/?p={id}"),
        "modified_gmt": "2026-01-01T00:00:00",
        "title": {"rendered": title},
        "content": {"rendered": format!("<p>{text}</p>"), "protected": false},
    })
}

/// A WordPress REST API on a free port: posts on two pages (as
/// `X-WP-TotalPages` says), one page. Returns its base URL.
async fn fake_wordpress() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let b = base.clone();
    let posts = move |Query(q): Query<std::collections::HashMap<String, String>>| {
        let b = b.clone();
        async move {
            assert_eq!(q.get("per_page").map(String::as_str), Some("100"));
            let page = q.get("page").cloned().unwrap_or_else(|| "1".into());
            let body = if page == "1" {
                json!([post(
                    1,
                    &b,
                    "Opening hours",
                    "The shop opens at nine on weekdays."
                )])
            } else {
                json!([post(
                    2,
                    &b,
                    "Returns",
                    "Parcels may be returned within thirty days."
                )])
            };
            let mut h = HeaderMap::new();
            h.insert("x-wp-totalpages", HeaderValue::from_static("2"));
            (h, Json(body))
        }
    };
    let b = base.clone();
    let pages = move || {
        let b = b.clone();
        async move {
            Json(json!([post(
                3,
                &b,
                "About",
                "A family shop selling teapots."
            )]))
        }
    };
    let app = Router::new()
        .route("/wp-json/wp/v2/posts", get(posts))
        .route("/wp-json/wp/v2/pages", get(pages));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

async fn sync(s: &Server, key: &str, url: &str, auth: Option<String>, time: i64) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/v1/sites/{key}/kb/wordpress", s.url))
        .header("x-causette-time", time.to_string())
        .json(&json!({ "url": url }));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn a_signed_request_imports_every_page_of_posts() {
    let (s, db) = Server::start().await;
    db.admin(&["site", "add", "shop", "--origin", "https://shop.example"])
        .await;
    let secret = db
        .admin(&["site", "secret", "shop"])
        .await
        .trim()
        .to_owned();
    let wp = fake_wordpress().await;
    let now = causette_server::now_unix();
    let auth = |t: i64, url: &str| {
        Some(format!(
            "Causette-Site {}",
            signature(&secret, "shop", t, url)
        ))
    };

    let (status, body) = sync(&s, "shop", &wp, auth(now, &wp), now).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"added": 3, "updated": 0, "unchanged": 0, "removed": 0})
    );
    let answer = db
        .admin(&["kb", "ask", "--site", "shop", "Can parcels be returned?"])
        .await;
    assert!(answer.contains("thirty days"), "{answer}");
    assert!(answer.contains(&format!("{wp}/?p=2")), "{answer}");

    let (status, body) = sync(&s, "shop", &wp, auth(now, &wp), now).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["unchanged"], 3, "{body}");

    // Refusals say why.
    let (status, body) = sync(&s, "shop", &wp, auth(now - 600, &wp), now - 600).await;
    assert_eq!(status, 401);
    assert_eq!(body["reason"], "bad_signature");
    assert!(body["detail"].as_str().unwrap().contains("clock"), "{body}");
    let (status, body) = sync(&s, "shop", &wp, auth(now, "https://other.example"), now).await;
    assert_eq!(status, 401);
    assert!(
        body["detail"].as_str().unwrap().contains("does not match"),
        "{body}"
    );
    let (status, body) = sync(&s, "shop", &wp, None, now).await;
    assert_eq!(status, 401);
    assert!(
        body["detail"].as_str().unwrap().contains("Causette-Site"),
        "{body}"
    );
    let (status, body) = sync(&s, "nope", &wp, auth(now, &wp), now).await;
    assert_eq!(status, 404);
    assert_eq!(body["reason"], "unknown_site");

    // A URL that is not WordPress: the import fails with a clear message.
    let (status, body) = sync(&s, "shop", &s.url, auth(now, &s.url), now).await;
    assert_eq!(status, 502);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("does not look like a WordPress site"),
        "{body}"
    );
}
