//! `POST /v1/sessions`: a new session for a site's visitor.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use causette_token::{AccessClaims, Code};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::ApiError;
use crate::origin::is_allowed;

/// Routes for sessions.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/sessions", post(create))
}

/// The request body.
#[derive(Debug, Deserialize)]
pub struct NewSessionRequest {
    /// The site key from the embed tag.
    pub site_key: String,
}

/// The response body.
#[derive(Debug, Serialize)]
pub struct SessionResponse {
    /// Short-lived JWT; the widget keeps it in memory only.
    pub access_token: String,
    /// Lifetime of the access token, seconds.
    pub expires_in: i64,
    /// Session id.
    pub session_id: String,
    /// Conversation id.
    pub conversation_id: String,
    /// Server clock, Unix seconds, for the client's clock-offset estimate.
    pub server_time: i64,
    /// Widget settings for this site.
    pub config: serde_json::Value,
}

/// Scopes granted by a plan.
pub fn plan_scopes(plan: &str) -> &'static str {
    match plan {
        "business" => "chat history custom_css white_label",
        "pro" => "chat history",
        _ => "chat history",
    }
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<NewSessionRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiError> {
    let req = crate::error::json_body(body)?;
    let site = state
        .store
        .site(req.site_key.trim())
        .await?
        .ok_or_else(|| {
            ApiError::denied(
                Code::UnknownSite,
                format!("no site has the key {:?}", req.site_key),
            )
        })?;
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .ok_or_else(|| {
            ApiError::denied(
                Code::OriginNotAllowed,
                "the request has no Origin header; sessions are opened by the widget in a browser",
            )
        })?;
    if !is_allowed(&site.origins, origin) {
        return Err(ApiError::denied(
            Code::OriginNotAllowed,
            format!("{origin} is not on the allowlist of site {}", site.key),
        ));
    }
    let session = state.store.create_session(&site.key).await?;
    let now = crate::now_unix();
    let claims = AccessClaims {
        iss: state.settings.issuer.clone(),
        aud: state.settings.audience.clone(),
        sub: session.visitor_id,
        sid: session.session_id.clone(),
        cid: session.conversation_id.clone(),
        scope: plan_scopes(&site.plan).to_owned(),
        iat: now,
        nbf: now,
        exp: now + site.access_ttl_secs,
        jti: crate::store::new_id("jti"),
    };
    let access_token = state.keys.read().await.sign(&claims);
    tracing::info!(site = %site.key, session = %session.session_id, "session created");
    Ok((
        StatusCode::CREATED,
        Json(SessionResponse {
            access_token,
            expires_in: site.access_ttl_secs,
            session_id: session.session_id,
            conversation_id: session.conversation_id,
            server_time: now,
            config: serde_json::json!({ "name": site.name }),
        }),
    ))
}
