//! Errors in Apify's envelope: [`ApiError`] and the constructors handlers use.

use super::reply::Reply;
use crate::rng::hash_str;
use crate::source;
use axum::http::StatusCode;
use serde_json::json;

/// An error in Apify's envelope.
#[derive(Debug, thiserror::Error)]
#[error("{status} {kind}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
}

/// An error with Apify's `type` (`kind`) and message.
pub fn err(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        kind,
        message: message.into(),
    }
}

/// 404 `kind`: "{what} was not found".
pub fn not_found(kind: &'static str, what: &str) -> ApiError {
    err(StatusCode::NOT_FOUND, kind, format!("{what} was not found"))
}

/// 400 `kind`.
pub fn bad(kind: &'static str, message: impl Into<String>) -> ApiError {
    err(StatusCode::BAD_REQUEST, kind, message)
}

impl From<ApiError> for Reply {
    /// Apify's envelope, `{"error": {"type", "message"}}`, plus the internal `data` Apify
    /// attaches to some errors (here to every one, as a debugging reference that embeds the
    /// [`crate::SENTINEL`]): the relay must answer with `type` and `message` only.
    fn from(e: ApiError) -> Reply {
        let reference = source::secret("", e.kind, &e.message);
        Reply::json(
            e.status,
            &json!({"error": {
                "type": e.kind,
                "message": e.message,
                "data": {
                    "requestId": format!("{:016x}", hash_str(&reference)),
                    "debugReference": reference,
                },
            }}),
        )
    }
}

/// What a handler answers.
pub type Res = Result<Reply, ApiError>;
