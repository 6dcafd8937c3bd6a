//! `GET /v1/diagnose`: open to any origin, so a widget that cannot read
//! another response can tell "origin not allowed" from "offline", and
//! `causette doctor` can check a deployment. With `code=`, it also gives
//! that reason code's explanation and fix, the words the widget prints for
//! the site owner (it does not carry them in its bundle).

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use causette_token::Code;

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
    /// A reason code to explain.
    pub code: Option<String>,
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
    /// The reason code asked about (`code=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// That code's one-line explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<&'static str>,
    /// What to check or change about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<&'static str>,
}

async fn diagnose(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<DiagnoseQuery>,
) -> Result<Json<DiagnoseResponse>, ApiError> {
    let code = match q.code.as_deref() {
        Some(c) => Some(Code::parse(c).ok_or_else(|| {
            ApiError::InvalidRequest(format!("{c:?} is not a Causette reason code"))
        })?),
        None => None,
    };
    let diagnosis = code.map(Code::diagnosis);
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
        code,
        explanation: diagnosis.as_ref().map(|d| d.explanation),
        fix: diagnosis.as_ref().map(|d| d.fix),
    }))
}
