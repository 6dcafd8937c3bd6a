//! The loader, the widget bundle and the demo host pages.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::AppState;
use crate::bundle::{accepts_gzip, content_type, Served};
use crate::error::ApiError;

const DEMO_PAGE: &str = include_str!("../../../../www/demo/index.html");
const HOSTILE_PAGE: &str = include_str!("../../../../www/demo/hostile.html");

/// Routes for static assets.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Html(DEMO_PAGE) }))
        .route("/demo/hostile", get(|| async { Html(HOSTILE_PAGE) }))
        .route("/embed.js", get(embed_js))
        .route("/favicon.ico", get(favicon))
        .route("/widget/{hash}/{file}", get(widget_file))
}

const FAVICON: &str = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'><path fill='#4f46e5' d='M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z'/></svg>";

async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
}

/// The loader, pointing at the current bundle. Short cache plus ETag, so a
/// new release reaches visitors within minutes.
async fn embed_js(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let etag = format!("\"{}\"", state.bundle.hash);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut response = served(
        &state.bundle.loader,
        "text/javascript; charset=utf-8",
        "public, max-age=300",
        &headers,
    );
    if let Ok(etag) = etag.parse() {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// A bundle file. Under the current hash it never changes, so it is cached
/// for a year.
async fn widget_file(
    State(state): State<AppState>,
    Path((hash, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let served_file = state
        .bundle
        .file(&file)
        .ok_or(ApiError::NotFound("widget file"))?;
    let cache = if hash == state.bundle.hash {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok(served(served_file, content_type(&file), cache, &headers))
}

/// `file` gzipped when the request takes gzip, else as it is; caches are
/// told the answer depends on `Accept-Encoding`.
fn served(
    file: &Served,
    content_type: &'static str,
    cache: &'static str,
    request: &HeaderMap,
) -> Response {
    let gzip = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(accepts_gzip);
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CACHE_CONTROL, cache),
        (header::VARY, "Accept-Encoding"),
    ];
    if gzip {
        (
            headers,
            [(header::CONTENT_ENCODING, "gzip")],
            file.gzip.clone(),
        )
            .into_response()
    } else {
        (headers, file.plain.clone()).into_response()
    }
}
