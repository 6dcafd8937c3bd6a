//! The loader and the widget bundle as a browser gets them: gzipped when
//! asked, byte for byte the same once unzipped, cached by content hash.

mod support;

use std::io::Read as _;

use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use support::Server;

/// GETs `path`, saying it takes gzip (as browsers do) when `gzip`.
async fn get(s: &Server, path: &str, gzip: bool) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("{}{path}", s.url));
    if gzip {
        req = req.header(ACCEPT_ENCODING, "gzip, deflate, br, zstd");
    }
    req.send().await.unwrap()
}

fn header(r: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

/// Fetches `path` both ways and checks they agree; returns the plain
/// bytes, a gzip response (for its headers) and the gzipped size.
async fn both_ways(s: &Server, path: &str) -> (Vec<u8>, reqwest::Response, usize) {
    let plain = get(s, path, false).await;
    assert_eq!(plain.status(), 200, "{path}");
    assert_eq!(header(&plain, CONTENT_ENCODING), "", "{path} unasked");
    assert_eq!(header(&plain, VARY), "Accept-Encoding");
    let plain = plain.bytes().await.unwrap().to_vec();
    let zipped = get(s, path, true).await;
    assert_eq!(zipped.status(), 200, "{path}");
    assert_eq!(header(&zipped, CONTENT_ENCODING), "gzip", "{path}");
    assert_eq!(header(&zipped, VARY), "Accept-Encoding");
    let head = get(s, path, true).await;
    let body = zipped.bytes().await.unwrap();
    assert_eq!(gunzip(&body), plain, "{path} unzips to the same bytes");
    (plain, head, body.len())
}

#[tokio::test]
async fn the_loader_and_the_bundle_are_gzipped_when_asked_and_cached_by_hash() {
    let (s, _db) = Server::start().await;

    let (loader, head, zipped) = both_ways(&s, "/embed.js").await;
    let loader = String::from_utf8(loader).unwrap();
    assert!(header(&head, CONTENT_TYPE).starts_with("text/javascript"));
    assert_eq!(header(&head, CACHE_CONTROL), "public, max-age=300");
    assert!(zipped <= 1536, "the loader is {zipped} B gzip on the wire");
    let etag = header(&head, ETAG);
    let again = reqwest::Client::new()
        .get(format!("{}/embed.js", s.url))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        304,
        "a loader already held is not sent again"
    );

    let start = loader
        .find("/widget/")
        .expect("the loader names the bundle")
        + "/widget/".len();
    let hash = &loader[start..start + 16];
    assert_eq!(etag, format!("\"{hash}\""));

    let wasm = format!("/widget/{hash}/causette-widget_bg.wasm");
    let (bytes, head, zipped) = both_ways(&s, &wasm).await;
    assert!(
        bytes.starts_with(b"\0asm"),
        "the widget bundle is built into the server (run `cargo xtask build` first)"
    );
    assert_eq!(header(&head, CONTENT_TYPE), "application/wasm");
    assert_eq!(
        header(&head, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(
        zipped * 2 < bytes.len(),
        "gzip pays: {zipped} of {} B",
        bytes.len()
    );
    let (_, head, _) = both_ways(&s, &format!("/widget/{hash}/causette-widget.js")).await;
    assert!(header(&head, CONTENT_TYPE).starts_with("text/javascript"));

    // A page holding an older loader gets today's files, not cached for long.
    let stale = get(&s, "/widget/0000000000000000/causette-widget_bg.wasm", true).await;
    assert_eq!(stale.status(), 200);
    assert_eq!(header(&stale, CACHE_CONTROL), "no-cache");
    let missing = get(&s, &format!("/widget/{hash}/nothing.js"), true).await;
    assert_eq!(missing.status(), 404);
}
