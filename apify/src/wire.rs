//! The JSON of the relay's **own** endpoints — what the relay writes and the app (or a
//! command-line client) reads. Each type derives both `Serialize` and `Deserialize`, so the
//! relay serialises exactly the type its clients deserialise.
//!
//! | endpoint | body | answer |
//! |---|---|---|
//! | `POST /api/session` | [`ConnectRequest`] | 201 [`SessionInfo`], or [`SealedSession`] with `"deliver":"body"` |
//! | `GET /api/session` | — | [`SessionInfo`] |
//! | `DELETE /api/session` | — | 204 |
//! | `GET /api/audit` | — | [`AuditReport`] (defined in [`crate::audit`], re-exported here) |
//! | `GET /api/demo-tokens` | — | `[`[`DemoTokenInfo`]`]` (demo mode only) |
//! | `/api/apify/v2/…` | — | Apify's own JSON, projected (see [`crate::allow`], [`crate::paths`]) |
//!
//! Errors from any of them are [`crate::ErrorEnvelope`]s whose `type` is a
//! [`crate::ErrorKind`]. Timestamps (`sealedAt`, `expiresAt`) are RFC 3339 seconds in UTC
//! (`2026-11-29T19:30:05Z`), written by [`crate::time::format_rfc3339_secs`] and read by
//! [`crate::time::parse_rfc3339_secs`].

pub use crate::audit::AuditReport;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where the relay forwards Apify calls: `/api/apify` + an [`crate::paths::ApifyPath`].
pub const APIFY_PREFIX: &str = "/api/apify";
/// `GET` / `POST` / `DELETE`: the session.
pub const SESSION_PATH: &str = "/api/session";
/// `GET`: the scope check's probe statuses ([`AuditReport`]).
pub const AUDIT_PATH: &str = "/api/audit";
/// `GET`: the simulated account's tokens, demo mode only ([`DemoTokenInfo`]).
pub const DEMO_TOKENS_PATH: &str = "/api/demo-tokens";
/// The header every `/api` request that relies on the cookie carries (lower case, as HTTP/2
/// sends it); its value is [`CLIENT_HEADER_VALUE`].
pub const CLIENT_HEADER: &str = "x-forge-client";
pub const CLIENT_HEADER_VALUE: &str = "1";

/// Which relay this is: the `mode` of [`SessionInfo`]. Lower case on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RelayMode {
    /// Production (`forge-relay serve`): pasted tokens are sealed into the session cookie.
    Sealed,
    /// `forge-relay local`: the relay forwards with `APIFY_TOKEN` from its environment.
    Local,
    /// `forge-relay demo`: a simulated Apify account.
    Demo,
}

impl RelayMode {
    pub const ALL: [RelayMode; 3] = [RelayMode::Sealed, RelayMode::Local, RelayMode::Demo];

    /// The wire spelling: `sealed`, `local`, `demo`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RelayMode::Sealed => "sealed",
            RelayMode::Local => "local",
            RelayMode::Demo => "demo",
        }
    }
}

impl fmt::Display for RelayMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer of `GET` and `POST /api/session`: who is connected, without secrets.
///
/// `{"mode":"sealed","userId":"…","username":"…","sealedAt":"2026-…Z","expiresAt":"2026-…Z"}`;
/// `sealedAt` and `expiresAt` are present for sealed sessions only (not for the relay's own token
/// in local and demo mode). Unknown fields are ignored, so a client reads a [`SealedSession`]
/// as a `SessionInfo` too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub mode: RelayMode,
    pub user_id: String,
    pub username: String,
    /// When the token was sealed (RFC 3339 seconds, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_at: Option<String>,
    /// When the sealed session stops opening (RFC 3339 seconds, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Days the account's Apify plan keeps runs (`plan.dataRetentionDays`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Demo mode only: the label of the demo token this session uses (`missing-run`), so the
    /// picker marks it whichever way it was connected. The demo tokens are public (`GET
    /// /api/demo-tokens`); naming one reveals nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo_token: Option<String>,
}

impl SessionInfo {
    /// The session is a token the user pasted (sealed), not the relay's own.
    pub fn is_sealed(&self) -> bool {
        self.sealed_at.is_some()
    }

    /// `sealedAt` as unix seconds, when present and well-formed.
    pub fn sealed_at_secs(&self) -> Option<i64> {
        self.sealed_at
            .as_deref()
            .and_then(crate::time::parse_rfc3339_secs)
    }

    /// `expiresAt` as unix seconds, when present and well-formed.
    pub fn expires_at_secs(&self) -> Option<i64> {
        self.expires_at
            .as_deref()
            .and_then(crate::time::parse_rfc3339_secs)
    }
}

/// The answer of `POST /api/session` with `"deliver":"body"`: the [`SessionInfo`] fields plus
/// `sealed`, the `forge1.…` value a command-line client sends as `Authorization: Bearer`.
///
/// `sealed` is a credential: `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSession {
    #[serde(flatten)]
    pub session: SessionInfo,
    pub sealed: String,
}

impl fmt::Debug for SealedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedSession")
            .field("session", &self.session)
            .field("sealed", &"***")
            .finish()
    }
}

/// How `POST /api/session` hands back the sealed value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// Only in the `HttpOnly` session cookie (browsers; the default).
    #[default]
    Cookie,
    /// Also in the answer's `sealed` field ([`SealedSession`]), for command-line clients.
    Body,
}

/// The body of `POST /api/session`: `{"token":"apify_api_…"}`, optionally with
/// `"deliver":"body"`. Unknown fields are refused.
///
/// `token` is the user's raw Apify token: `Debug` prints `***`, and the type is deliberately not
/// `Clone`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectRequest {
    pub token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver: Option<Delivery>,
}

impl ConnectRequest {
    /// A browser's request: cookie delivery.
    pub fn new(token: impl Into<String>) -> ConnectRequest {
        ConnectRequest {
            token: token.into(),
            deliver: None,
        }
    }

    /// A command-line client's request: the sealed value comes back in the body too.
    pub fn deliver_in_body(token: impl Into<String>) -> ConnectRequest {
        ConnectRequest {
            token: token.into(),
            deliver: Some(Delivery::Body),
        }
    }

    /// The delivery asked for (cookie when absent).
    pub fn delivery(&self) -> Delivery {
        self.deliver.unwrap_or_default()
    }
}

impl fmt::Debug for ConnectRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectRequest")
            .field("token", &"***")
            .field("deliver", &self.deliver)
            .finish()
    }
}

/// One entry of `GET /api/demo-tokens`: a token of the simulated account (not a secret — it
/// opens nothing but the simulator — but token-shaped, so `Debug` (the relay logs its config at
/// start) prints `***` for it, like every other token).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoTokenInfo {
    /// Short stable name, e.g. `scoped`, `missing-run`.
    pub label: String,
    pub token: String,
    /// One line for the demo's token picker.
    pub description: String,
}

impl std::fmt::Debug for DemoTokenInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoTokenInfo")
            .field("label", &self.label)
            .field("token", &"***")
            .field("description", &self.description)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + fmt::Debug>(v: &T, json: &str) {
        assert_eq!(serde_json::to_string(v).unwrap(), json);
        assert_eq!(&serde_json::from_str::<T>(json).unwrap(), v);
    }

    fn sealed_session() -> SessionInfo {
        SessionInfo {
            mode: RelayMode::Sealed,
            user_id: "u1".into(),
            username: "ana".into(),
            sealed_at: Some("2026-01-01T00:00:00Z".into()),
            expires_at: Some("2026-04-01T00:00:00Z".into()),
            retention_days: Some(30),
            demo_token: None,
        }
    }

    #[test]
    fn relay_modes_are_lowercase() {
        for m in RelayMode::ALL {
            round_trip(&m, &format!("\"{}\"", m.as_str()));
            assert_eq!(m.to_string(), m.as_str());
        }
        assert!(serde_json::from_str::<RelayMode>("\"Sealed\"").is_err());
        assert!(serde_json::from_str::<RelayMode>("\"serve\"").is_err());
    }

    #[test]
    fn session_info_round_trips_in_camel_case() {
        let s = sealed_session();
        round_trip(
            &s,
            r#"{"mode":"sealed","userId":"u1","username":"ana","sealedAt":"2026-01-01T00:00:00Z","expiresAt":"2026-04-01T00:00:00Z","retentionDays":30}"#,
        );
        assert!(s.is_sealed());
        assert_eq!(s.sealed_at_secs(), Some(1_767_225_600));
        assert_eq!(s.expires_at_secs(), Some(1_775_001_600));

        let local = SessionInfo {
            mode: RelayMode::Local,
            sealed_at: None,
            expires_at: None,
            retention_days: None,
            ..s
        };
        // No timestamps: the fields are left out, not null.
        round_trip(&local, r#"{"mode":"local","userId":"u1","username":"ana"}"#);
        assert!(!local.is_sealed());
        assert_eq!(local.expires_at_secs(), None);
        // `null` reads as absent too.
        let nulls: SessionInfo = serde_json::from_str(
            r#"{"mode":"demo","userId":"u","username":"d","sealedAt":null,"expiresAt":null}"#,
        )
        .unwrap();
        assert_eq!(nulls.mode, RelayMode::Demo);
        assert!(!nulls.is_sealed());
    }

    #[test]
    fn sealed_session_flattens_and_hides_the_blob() {
        let s = SealedSession {
            session: sealed_session(),
            sealed: "forge1.secretblob".into(),
        };
        let json = r#"{"mode":"sealed","userId":"u1","username":"ana","sealedAt":"2026-01-01T00:00:00Z","expiresAt":"2026-04-01T00:00:00Z","retentionDays":30,"sealed":"forge1.secretblob"}"#;
        round_trip(&s, json);
        // A client that only wants the session reads the same answer.
        assert_eq!(
            serde_json::from_str::<SessionInfo>(json).unwrap(),
            sealed_session()
        );
        let shown = format!("{s:?}");
        assert!(!shown.contains("secretblob"), "{shown}");
        assert!(shown.contains("***") && shown.contains("ana"));
    }

    #[test]
    fn connect_request_round_trips_and_never_prints_the_token() {
        let token = "apify_api_0123456789abcdefghijklmnopqrstuvwxyz";
        let req = ConnectRequest::new(token);
        let json = serde_json::to_string(&req).unwrap();
        assert_eq!(json, format!(r#"{{"token":"{token}"}}"#));
        let back: ConnectRequest = serde_json::from_str(&json).unwrap();
        assert_eq!(back.token, token);
        assert_eq!(back.delivery(), Delivery::Cookie);

        let cli = ConnectRequest::deliver_in_body(token);
        let json = serde_json::to_string(&cli).unwrap();
        assert_eq!(json, format!(r#"{{"token":"{token}","deliver":"body"}}"#));
        let back: ConnectRequest = serde_json::from_str(&json).unwrap();
        assert_eq!(back.delivery(), Delivery::Body);
        let explicit: ConnectRequest =
            serde_json::from_str(r#"{"token":"t","deliver":"cookie"}"#).unwrap();
        assert_eq!(explicit.deliver, Some(Delivery::Cookie));

        for shown in [format!("{req:?}"), format!("{cli:?}"), format!("{back:#?}")] {
            assert!(!shown.contains("apify_api_"), "{shown}");
            assert!(shown.contains("***"), "{shown}");
        }
    }

    #[test]
    fn connect_request_refuses_what_it_does_not_know() {
        for bad in [
            r#"{}"#,
            r#"{"token":1}"#,
            r#"{"token":"t","extra":1}"#,
            r#"{"token":"t","deliver":"email"}"#,
            r#"{"apiToken":"t"}"#,
        ] {
            assert!(
                serde_json::from_str::<ConnectRequest>(bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn demo_tokens_round_trip() {
        let list = vec![DemoTokenInfo {
            label: "scoped".into(),
            token: "apify_api_demo".into(),
            description: "The five scopes.".into(),
        }];
        round_trip(
            &list,
            r#"[{"label":"scoped","token":"apify_api_demo","description":"The five scopes."}]"#,
        );
    }

    #[test]
    fn audit_report_is_reachable_from_here() {
        let r: AuditReport = serde_json::from_str(r#"{"probes":[],"fullAccess":false}"#)
            .expect("the audit report's wire shape");
        assert!(r.probes.is_empty());
    }

    #[test]
    fn demo_tokens_do_not_print() {
        let t = DemoTokenInfo {
            label: "scoped".into(),
            token: "apify_api_forgeDemoScopedFiveGrantsOkxabc3d823".into(),
            description: "x".into(),
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("apify_api_"), "{shown}");
        assert!(shown.contains("scoped"));
    }
}
