//! The loader, the widget bundle and the demo host pages.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::AppState;
use crate::bundle::content_type;
use crate::error::ApiError;

// www/embed.js, minified when `cargo xtask build` made dist/embed.js.
const EMBED_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/embed.js"));
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
    let hash = &state.bundle.hash;
    let etag = format!("\"{hash}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let body = EMBED_JS.replace("__CAUSETTE_BUNDLE__", hash);
    (
        [
            (
                header::CONTENT_TYPE,
                "text/javascript; charset=utf-8".to_owned(),
            ),
            (header::CACHE_CONTROL, "public, max-age=300".to_owned()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

/// A bundle file. Under the current hash it never changes, so it is cached
/// for a year.
async fn widget_file(
    State(state): State<AppState>,
    Path((hash, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let bytes = state
        .bundle
        .file(&file)
        .ok_or(ApiError::NotFound("widget file"))?;
    let cache = if hash == state.bundle.hash {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type(&file)),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response())
}
