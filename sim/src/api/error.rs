//! Errors in Apify's envelope: [`ApiError`] and the constructors handlers use.

use super::reply::Reply;
use crate::rng::hash_str;
use crate::source;
use axum::http::StatusCode;
pub use forge_apify::ErrorKind;
use serde_json::json;

/// An error in Apify's envelope.
#[derive(Debug, thiserror::Error)]
#[error("{status} {kind}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    /// Apify's `type`: a [`ErrorKind`] variant for the types Forge reacts to, `Other` for the
    /// rest of what Apify documents.
    pub kind: ErrorKind,
    pub message: String,
}

/// An error with Apify's `type` (`kind`) and message.
pub fn err(status: StatusCode, kind: impl Into<ErrorKind>, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        kind: kind.into(),
        message: message.into(),
    }
}

/// 404 `kind`: "{what} was not found".
pub fn not_found(kind: impl Into<ErrorKind>, what: &str) -> ApiError {
    err(StatusCode::NOT_FOUND, kind, format!("{what} was not found"))
}

/// 400 `kind`.
pub fn bad(kind: impl Into<ErrorKind>, message: impl Into<String>) -> ApiError {
    err(StatusCode::BAD_REQUEST, kind, message)
}

impl From<ApiError> for Reply {
    /// Apify's envelope, `{"error": {"type", "message"}}`, plus the internal `data` Apify
    /// attaches to some errors (here to every one, as a debugging reference that embeds the
    /// [`crate::SENTINEL`]): the relay must answer with `type` and `message` only.
    fn from(e: ApiError) -> Reply {
        let reference = source::secret("", e.kind.as_str(), &e.message);
        Reply::json(
            e.status,
            &json!({"error": {
                "type": e.kind.as_str(),
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
