//! `POST /v1/sites/{key}/kb/wordpress`: a site's own backend (the WordPress
//! plugin) asks the server to import the site's posts into its knowledge
//! base. Signed with the site secret, since no visitor token applies: see
//! [`crate::kb::wordpress::verify`].

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::error::ApiError;
use crate::kb::wordpress;

/// Routes for a site's own backend.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/sites/{key}/kb/wordpress", post(import_wordpress))
}

/// Body of the import request.
#[derive(Debug, Deserialize)]
pub struct ImportRequest {
    /// The WordPress site's URL.
    pub url: String,
}

fn refused(status: StatusCode, reason: &str, detail: String) -> Response {
    (
        status,
        Json(json!({"error": "access_denied", "reason": reason, "detail": detail})),
    )
        .into_response()
}

async fn import_wordpress(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    Json(req): Json<ImportRequest>,
) -> Result<Response, ApiError> {
    let Some(secret) = state.store.site_secret(&key).await? else {
        return Ok(refused(
            StatusCode::NOT_FOUND,
            "unknown_site",
            format!("no site has the key {key:?}"),
        ));
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(e) = wordpress::verify(
        &secret,
        &key,
        &req.url,
        header("authorization"),
        header("x-causette-time"),
        crate::now_unix(),
    ) {
        return Ok(refused(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            e.to_string(),
        ));
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(anyhow::Error::from)?;
    match wordpress::import(&state.kb, &key, &req.url, &client).await {
        Ok(report) => Ok(Json(report).into_response()),
        // The site's URL or its REST API is the problem: say so to the caller.
        Err(e) => Ok((
            StatusCode::BAD_GATEWAY,
            Json(json!({"error": "import_failed", "reason": "import_failed", "detail": format!("{e:#}")})),
        )
            .into_response()),
    }
}
