//! `GET /v1/diagnose`: open to any origin, so a widget that cannot read
//! another response can tell "origin not allowed" from "offline", and
//! `causette doctor` can check a deployment.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::ApiError;

/// The API version reported.
pub const API_VERSION: &str = "v1";

/// Routes for diagnose.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/diagnose", get(diagnose))
}

/// Query string.
#[derive(Debug, Deserialize)]
pub struct DiagnoseQuery {
    /// Site key to check.
    pub site: Option<String>,
}

/// What the server says about itself and the caller.
#[derive(Debug, Serialize)]
pub struct DiagnoseResponse {
    /// Server clock, Unix seconds.
    pub server_time: i64,
    /// `iss` of this server's tokens.
    pub issuer: String,
    /// `aud` of this server's tokens.
    pub audience: String,
    /// Key ids that verify tokens now.
    pub key_ids: Vec<String>,
    /// API version.
    pub api_version: &'static str,
    /// The site key asked about.
    pub site: Option<String>,
    /// Whether that site exists.
    pub site_known: bool,
    /// The caller's Origin header.
    pub origin: Option<String>,
    /// Whether that origin may host the site's widget.
    pub origin_allowed: bool,
}

async fn diagnose(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<DiagnoseQuery>,
) -> Result<Json<DiagnoseResponse>, ApiError> {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_owned);
    let site = match &q.site {
        Some(key) => state.store.site(key).await?,
        None => None,
    };
    let origin_allowed = match (&site, &origin) {
        (Some(site), Some(o)) => crate::origin::is_allowed(&site.origins, o),
        _ => false,
    };
    Ok(Json(DiagnoseResponse {
        server_time: crate::now_unix(),
        issuer: state.settings.issuer.clone(),
        audience: state.settings.audience.clone(),
        key_ids: state.keys.read().await.key_ids(),
        api_version: API_VERSION,
        site_known: site.is_some(),
        site: q.site,
        origin,
        origin_allowed,
    }))
}
