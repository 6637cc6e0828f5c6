//! Apify's error envelope: `{"error":{"type":"…","message":"…"}}`.
//!
//! The relay answers its own errors in the same shape (types prefixed `forge-`), so a client —
//! Forge's app or Apify's official client — handles relay and upstream errors alike.

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
    }
}
