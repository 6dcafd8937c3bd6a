//! Sessions: `POST /v1/sessions` (new), `POST /v1/sessions/refresh`
//! (rotate the refresh token), `DELETE /v1/sessions/current` (end).

use axum::extract::rejection::JsonRejection;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use causette_token::{AccessClaims, Code};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::Visitor;
use crate::error::{json_body, ApiError};
use crate::origin::is_allowed;
use crate::store::{new_token, Identity, Refresh, SessionRow, Site};

/// Routes for sessions.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/sessions", post(create))
        .route("/v1/sessions/refresh", post(refresh))
        .route("/v1/sessions/current", delete(end))
        .route(
            "/v1/sessions/current/identity",
            post(identify).get(identity),
        )
}

/// The body of `POST /v1/sessions/current/identity`: what the site's
/// `Causette.identify(...)` was given.
#[derive(Debug, Deserialize)]
pub struct IdentityRequest {
    /// The site's own user id.
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// HMAC-SHA256 of `id` with the site secret, lowercase hex.
    pub hash: Option<String>,
}

/// The body of `POST /v1/sessions`.
#[derive(Debug, Deserialize)]
pub struct NewSessionRequest {
    /// The site key from the embed tag.
    pub site_key: String,
}

/// The body of `POST /v1/sessions/refresh`.
#[derive(Debug, Deserialize)]
pub struct RefreshRequest {
    /// The refresh token last received.
    pub refresh_token: String,
}

/// A session's tokens, from creation or refresh.
#[derive(Debug, Serialize)]
pub struct SessionResponse {
    /// Short-lived JWT; the widget keeps it in memory only.
    pub access_token: String,
    /// Lifetime of the access token, seconds.
    pub expires_in: i64,
    /// Opaque, rotating; exchanged at `/v1/sessions/refresh`.
    pub refresh_token: String,
    /// Seconds until the refresh token expires if unused.
    pub refresh_expires_in: i64,
    /// Session id.
    pub session_id: String,
    /// Conversation id.
    pub conversation_id: String,
    /// Server clock, Unix seconds, for the client's clock-offset estimate.
    pub server_time: i64,
    /// Widget settings for this site.
    pub config: serde_json::Value,
}

/// The page's origin, which must be on the site's allowlist.
fn check_origin(headers: &HeaderMap, site: &Site) -> Result<(), ApiError> {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .ok_or_else(|| {
            ApiError::denied(
                Code::OriginNotAllowed,
                "the request has no Origin header; sessions are opened by the widget in a browser",
            )
        })?;
    if is_allowed(&site.origins, origin) {
        Ok(())
    } else {
        Err(ApiError::denied(
            Code::OriginNotAllowed,
            format!("{origin} is not on the allowlist of site {}", site.key),
        ))
    }
}

async fn site(state: &AppState, key: &str) -> Result<Site, ApiError> {
    state
        .access
        .site(key.trim())
        .await?
        .ok_or_else(|| ApiError::denied(Code::UnknownSite, format!("no site has the key {key:?}")))
}

/// Signs an access token for a session and builds the response.
async fn respond(
    state: &AppState,
    site: &Site,
    session: &SessionRow,
    refresh_token: String,
    refresh_expires_at: i64,
) -> SessionResponse {
    let now = crate::now_unix();
    let claims = AccessClaims {
        iss: state.settings.issuer.clone(),
        aud: state.settings.audience.clone(),
        sub: session.visitor_id.clone(),
        sid: session.id.clone(),
        cid: session.conversation_id.clone(),
        scope: site.plan.scopes().to_owned(),
        iat: now,
        nbf: now,
        exp: now + site.access_ttl_secs,
        jti: crate::store::new_id("jti"),
    };
    let access_token = state.keys.read().await.sign(&claims);
    SessionResponse {
        access_token,
        expires_in: site.access_ttl_secs,
        refresh_token,
        refresh_expires_in: (refresh_expires_at - now).max(0),
        session_id: session.id.clone(),
        conversation_id: session.conversation_id.clone(),
        server_time: now,
        // The widget applies the theme; features of the plan (custom CSS,
        // white label) only when the token's scope grants them.
        config: serde_json::json!({
            "name": site.name,
            "theme": site.theme,
            "scopes": site.plan.scopes(),
        }),
    }
}

/// Counts a call against its client's rate limit.
fn limit(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Result<(), ApiError> {
    let ip = crate::app::client_ip(state, peer, headers);
    state.limits.check_ip(ip).map_err(|secs| {
        tracing::warn!(%ip, retry_after = secs, "rate limited");
        rate_limited(secs, format!("too many session requests from {ip}"))
    })
}

fn rate_limited(secs: u64, detail: String) -> ApiError {
    ApiError::Denied {
        diagnosis: causette_token::Diagnosis::new(Code::RateLimited).with_retry_after(Some(secs)),
        detail,
    }
}

fn limit_site(state: &AppState, site: &str) -> Result<(), ApiError> {
    state.limits.check_site(site).map_err(|secs| {
        tracing::warn!(site, retry_after = secs, "rate limited");
        rate_limited(secs, format!("too many session requests for site {site}"))
    })
}

async fn create(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<NewSessionRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiError> {
    limit(&state, peer, &headers)?;
    let req = json_body(body)?;
    let site = site(&state, &req.site_key).await?;
    limit_site(&state, &site.key)?;
    check_origin(&headers, &site)?;
    let now = crate::now_unix();
    let refresh = new_token();
    let Some((created, refresh_expires_at)) = state
        .store
        .open_session(
            &site.key,
            site.plan.monthly_quota(),
            &refresh,
            now,
            &state.settings.refresh,
        )
        .await?
    else {
        tracing::warn!(site = %site.key, plan = %site.plan, "monthly conversation quota reached");
        return Err(ApiError::denied(
            Code::QuotaExceeded,
            format!(
                "site {} used its {} conversations of this month on the {} plan",
                site.key,
                site.plan.monthly_quota().unwrap_or_default(),
                site.plan
            ),
        ));
    };
    let session = SessionRow {
        id: created.session_id,
        site_key: site.key.clone(),
        visitor_id: created.visitor_id,
        conversation_id: created.conversation_id,
        refresh_expires_at,
    };
    tracing::info!(site = %site.key, session = %session.id, "session created");
    let res = respond(&state, &site, &session, refresh, refresh_expires_at).await;
    Ok((StatusCode::CREATED, Json(res)))
}

async fn refresh(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<RefreshRequest>, JsonRejection>,
) -> Result<Json<SessionResponse>, ApiError> {
    limit(&state, peer, &headers)?;
    let req = json_body(body)?;
    let presented = req.refresh_token.trim();
    // The origin is checked before the token is spent, so a stolen token
    // replayed from another origin cannot burn the visitor's session.
    let site = match state.store.refresh_token_site(presented).await? {
        Some(key) => Some(site(&state, &key).await?),
        None => None,
    };
    if let Some(site) = &site {
        limit_site(&state, &site.key)?;
        check_origin(&headers, site)?;
    }
    let now = crate::now_unix();
    let outcome = state
        .store
        .rotate_refresh(
            presented,
            &state.refresh_secret,
            now,
            &state.settings.refresh,
        )
        .await?;
    let (session, token, expires_at) = match outcome {
        Refresh::Rotated {
            session,
            token,
            expires_at,
        } => {
            tracing::info!(session = %session.id, "session refreshed");
            (session, token, expires_at)
        }
        Refresh::Replayed {
            session,
            token,
            expires_at,
        } => {
            tracing::info!(session = %session.id, "refresh replayed inside the grace window");
            (session, token, expires_at)
        }
        Refresh::Reused { session_id } => {
            state.access.mark_revoked(&session_id);
            tracing::warn!(
                audit = "refresh_reused",
                session = %session_id,
                "a rotated refresh token was replayed after the grace window; the session is revoked"
            );
            return Err(ApiError::denied(
                Code::RefreshReused,
                "this refresh token was already exchanged; the session was ended for safety",
            ));
        }
        Refresh::Expired => {
            return Err(ApiError::denied(
                Code::RefreshExpired,
                "the refresh token has expired",
            ))
        }
        Refresh::Revoked => return Err(ApiError::denied(Code::Revoked, "the session was ended")),
        Refresh::Unknown => {
            return Err(ApiError::denied(
                Code::Revoked,
                "this server did not issue that refresh token, or its session is gone",
            ))
        }
    };
    let site = match site {
        Some(site) => site,
        None => self::site(&state, &session.site_key).await?,
    };
    Ok(Json(
        respond(&state, &site, &session, token, expires_at).await,
    ))
}

async fn end(State(state): State<AppState>, visitor: Visitor) -> Result<StatusCode, ApiError> {
    if state
        .store
        .revoke_session(&visitor.claims.sid, "ended", crate::now_unix())
        .await?
    {
        state.access.mark_revoked(&visitor.claims.sid);
        tracing::info!(audit = "session_ended", session = %visitor.claims.sid, "session ended by the visitor");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Longest id, name or email accepted, in characters.
const IDENTITY_FIELD_MAX: usize = 256;

fn refused(detail: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        Json(serde_json::json!({
            "error": "invalid_identity",
            "reason": "invalid_identity",
            "detail": detail,
        })),
    )
        .into_response()
}

/// `POST /v1/sessions/current/identity`: the visitor is who the site says,
/// if the site's backend signed the id. A refusal leaves the visitor
/// anonymous and changes nothing.
async fn identify(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Result<Json<IdentityRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let req = json_body(body)?;
    let clean = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let (id, name, email, hash) = (
        clean(req.id),
        clean(req.name),
        clean(req.email),
        clean(req.hash),
    );
    if [&id, &name, &email].iter().any(|v| {
        v.as_ref()
            .is_some_and(|v| v.chars().count() > IDENTITY_FIELD_MAX)
    }) {
        return Err(ApiError::InvalidRequest(format!(
            "id, name and email are at most {IDENTITY_FIELD_MAX} characters"
        )));
    }
    let Some(id) = id else {
        return Ok(refused("an identity needs the user's `id`"));
    };
    let Some(hash) = hash else {
        return Ok(refused(
            "an identity needs `hash`: HMAC-SHA256 of the user id with the site secret, computed by the site's backend",
        ));
    };
    let secret = state
        .store
        .site_secret(&visitor.site_key)
        .await?
        .ok_or_else(|| ApiError::denied(Code::UnknownSite, "the session's site is gone"))?;
    if !crate::identity::verify(&secret, &id, &hash) {
        tracing::warn!(site = %visitor.site_key, session = %visitor.claims.sid, "identity refused: the hash does not match the site secret");
        return Ok(refused(
            "the hash is not HMAC-SHA256 of this user id with the site secret (`causette site secret KEY`)",
        ));
    }
    let who = Identity { id, name, email };
    state.store.set_identity(&visitor.claims.sid, &who).await?;
    tracing::info!(site = %visitor.site_key, session = %visitor.claims.sid, "visitor identified");
    Ok(Json(serde_json::json!({ "identified": true, "identity": who })).into_response())
}

/// `GET /v1/sessions/current/identity`: who the server believes the visitor
/// is (`identity` is null while anonymous).
async fn identity(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Json<serde_json::Value>, ApiError> {
    let who = state.store.identity(&visitor.claims.sid).await?;
    Ok(Json(serde_json::json!({ "identity": who })))
}
