//! Who is calling: the bearer token, judged by `causette-token`, and the
//! page origin, checked against the site's allowlist.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::{AUTHORIZATION, ORIGIN};
use axum::http::request::Parts;
use causette_token::{AccessClaims, Code};

use crate::app::AppState;
use crate::error::ApiError;

/// A verified visitor: the claims of a valid, unrevoked access token
/// presented from an allowed origin.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The verified claims.
    pub claims: AccessClaims,
    /// The site the session belongs to.
    pub site_key: String,
}

/// The bearer token of a request, or the diagnosis of its absence.
pub fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    // Tokens in URLs end up in logs and referrers: refuse them outright.
    if let Some(q) = parts.uri.query() {
        if q.split('&')
            .any(|kv| kv.split('=').next() == Some("access_token"))
        {
            return Err(ApiError::InvalidRequest(
                "tokens are never accepted in a URL; send them in the Authorization header".into(),
            ));
        }
    }
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Err(ApiError::denied(
            Code::MissingCredentials,
            "no Authorization header",
        ));
    };
    let value = value.to_str().unwrap_or_default();
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(ApiError::denied(
            Code::MissingCredentials,
            "the Authorization header is not `Bearer <token>`",
        )),
    }
}

impl<S> FromRequestParts<S> for Visitor
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token = bearer(parts)?;
        let claims = state.verify(token).await?;
        let Some((site_key, revoked)) = state.store.session_state(&claims.sid).await? else {
            return Err(ApiError::denied(
                Code::Revoked,
                "the session no longer exists",
            ));
        };
        if revoked {
            return Err(ApiError::denied(Code::Revoked, "the session was ended"));
        }
        if let Some(origin) = parts.headers.get(ORIGIN).and_then(|o| o.to_str().ok()) {
            let allowed = match state.store.site(&site_key).await? {
                Some(site) => crate::origin::is_allowed(&site.origins, origin),
                None => false,
            };
            if !allowed {
                return Err(ApiError::denied(
                    Code::OriginNotAllowed,
                    format!("{origin} is not on the allowlist of site {site_key}"),
                ));
            }
        }
        Ok(Visitor { claims, site_key })
    }
}
