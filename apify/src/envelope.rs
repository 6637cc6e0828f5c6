//! Apify's error envelope: `{"error":{"type":"…","message":"…"}}`.
//!
//! The relay answers its own errors in the same shape (types prefixed `forge-`), so a client —
//! Forge's app or Apify's official client — handles relay and upstream errors alike. The `type`
//! as an enum is [`ErrorKind`].

pub use crate::error_kind::ErrorKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
}

impl ErrorEnvelope {
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorEnvelope {
            error: ErrorBody {
                kind: kind.into(),
                message: message.into(),
            },
        }
    }

    /// True for errors the relay produced itself rather than passed through from Apify.
    pub fn is_forge(&self) -> bool {
        self.error.kind.starts_with("forge-")
    }

    /// The `type` as an [`ErrorKind`] (never fails: unknown types are [`ErrorKind::Other`]).
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_type(&self.error.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_in_apify_shape() {
        let e = ErrorEnvelope::new("forge-not-allowed", "no");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"error":{"type":"forge-not-allowed","message":"no"}}"#
        );
        let back: ErrorEnvelope = serde_json::from_str(
            r#"{"error":{"type":"rate-limit-exceeded","message":"slow down"}}"#,
        )
        .unwrap();
        assert_eq!(back.error.kind, "rate-limit-exceeded");
        assert!(!back.is_forge());
        assert!(e.is_forge());
        assert_eq!(back.kind(), ErrorKind::RateLimitExceeded);
        assert_eq!(e.kind(), ErrorKind::ForgeNotAllowed);
    }

    #[test]
    fn built_from_a_kind() {
        let e = ErrorEnvelope::new(ErrorKind::ForgeSessionMissing, "connect");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"error":{"type":"forge-session-missing","message":"connect"}}"#
        );
        assert_eq!(e.kind(), ErrorKind::ForgeSessionMissing);
        let odd = ErrorEnvelope::new("schema-validation-error", "x");
        assert_eq!(
            odd.kind(),
            ErrorKind::Other("schema-validation-error".into())
        );
    }
}
