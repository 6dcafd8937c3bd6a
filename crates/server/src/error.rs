//! The one error type handlers return. Token and access problems carry a
//! `causette-token` diagnosis and are answered in its RFC 6750 shape;
//! internal failures are logged in full and answered without details.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use causette_token::{Code, Diagnosis};
use serde_json::json;

/// What went wrong in a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// A verdict of the diagnosis library (token, origin, site, quota, rate).
    #[error("{}: {detail}", diagnosis.code.as_str())]
    Denied {
        /// The verdict.
        diagnosis: Diagnosis,
        /// What exactly was wrong, safe to show.
        detail: String,
    },
    /// The request itself is wrong (bad JSON, missing field, too long).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// No such resource.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// Anything else; logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A denial with the given code.
    pub fn denied(code: Code, detail: impl Into<String>) -> ApiError {
        ApiError::Denied {
            diagnosis: Diagnosis::new(code),
            detail: detail.into(),
        }
    }
}

impl From<causette_token::Report> for ApiError {
    fn from(report: causette_token::Report) -> Self {
        ApiError::Denied {
            detail: report.detail().to_owned(),
            diagnosis: report.primary,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::Internal(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Denied { diagnosis, detail } => {
                let r = causette_token::wire::rejection(&diagnosis, &detail);
                let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::FORBIDDEN);
                let mut res = (status, Json(r.body)).into_response();
                if let Some(v) = r.www_authenticate.and_then(|v| HeaderValue::from_str(&v).ok()) {
                    res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                if let Some(secs) = r.retry_after {
                    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                res
            }
            ApiError::InvalidRequest(detail) => (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_request", "reason": "invalid_request", "detail": detail})),
            )
                .into_response(),
            ApiError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                Json(json!({"error": "not_found", "reason": "not_found", "detail": format!("no such {what}")})),
            )
                .into_response(),
            ApiError::Internal(e) => {
                tracing::error!(error = ?e, "request failed");
                let d = Diagnosis::new(Code::ServerError);
                let r = causette_token::wire::rejection(&d, "internal error; the operator's log has the details");
                (StatusCode::INTERNAL_SERVER_ERROR, Json(r.body)).into_response()
            }
        }
    }
}
