//! `GET /.well-known/jwks.json`: the public keys that verify tokens.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use crate::app::AppState;

/// Routes for the key set.
pub fn router() -> Router<AppState> {
    Router::new().route("/.well-known/jwks.json", get(jwks))
}

async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    let body = state.keys.read().await.jwks();
    // Short enough that a rotated key is picked up well before the old one retires.
    ([(header::CACHE_CONTROL, "public, max-age=300")], Json(body))
}
