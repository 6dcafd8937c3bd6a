//! The one error type handlers return. Token and access problems carry a
//! `causette-token` diagnosis and are answered in its RFC 6750 shape;
//! internal failures are logged in full and answered without details.

use axum::extract::rejection::JsonRejection;
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
    /// The request body is larger than the server accepts.
    #[error("payload too large")]
    TooLarge,
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
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(json!({"error": "invalid_request", "reason": "payload_too_large",
                    "detail": format!("the request body is over {} bytes", crate::app::BODY_LIMIT)})),
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

/// The body of a JSON request, or a clear error: 400 for bad JSON, 422 for
/// the wrong shape, 413 when too large.
pub fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    match body {
        Ok(Json(v)) => Ok(v),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::TooLarge),
        Err(e) => Err(ApiError::InvalidRequest(e.body_text())),
    }
}
