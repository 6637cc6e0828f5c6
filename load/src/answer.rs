//! One answer of the relay (or of Apify through it), and what went wrong with a call: plain
//! data, so the loader, the app and the CLI word every failure the same way.

use forge_apify::models::Data;
use forge_apify::{ErrorEnvelope, ErrorKind};
use serde::de::DeserializeOwned;
use std::fmt;

/// What went wrong with a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// `fetch` itself failed: the relay is down or unreachable, the network is off, or a
    /// cross-origin relay refused this site (browsers report all of these alike).
    Unreachable,
    /// No answer within [`REQUEST_TIMEOUT_MS`]: the relay (or the network to it) stalled. Not
    /// tried again — another try would stall as long.
    TimedOut,
    /// The request was aborted: the view that asked went away.
    Aborted,
    /// The relay (or Apify, passed through) answered with an error status.
    Status {
        status: u16,
        /// The envelope's `type`, when the answer had one.
        kind: Option<ErrorKind>,
        message: Option<String>,
    },
    /// A success status whose body did not parse.
    BadAnswer(String),
}

impl ApiError {
    /// Builds the error for a non-2xx answer, reading Apify's envelope when there is one.
    pub fn from_answer(status: u16, body: &str) -> ApiError {
        let envelope = serde_json::from_str::<ErrorEnvelope>(body).ok();
        ApiError::Status {
            status,
            kind: envelope
                .as_ref()
                .map(|e| ErrorKind::from_type(&e.error.kind)),
            message: envelope.map(|e| e.error.message),
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn kind(&self) -> Option<&ErrorKind> {
        match self {
            ApiError::Status { kind, .. } => kind.as_ref(),
            _ => None,
        }
    }

    /// Apify refused for lack of a permission (not the relay's allow-list).
    pub fn is_permission_denied(&self) -> bool {
        self.status() == Some(403) && self.kind() != Some(&ErrorKind::ForgeNotAllowed)
    }

    /// Worth another try: the relay or Apify was busy or briefly away.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Unreachable => true,
            ApiError::Status { status, .. } => *status == 429 || *status >= 500,
            ApiError::Aborted | ApiError::TimedOut | ApiError::BadAnswer(_) => false,
        }
    }

    /// What ends a whole load once its retries are spent: the relay, or Apify behind it, is
    /// away (no answer, a stalled exchange, 502/503/504). Every further request would fail
    /// the same way, slowly; the load stops and says so, and the user can try again.
    pub fn stops_load(&self) -> bool {
        match self {
            ApiError::Unreachable | ApiError::TimedOut => true,
            ApiError::Status { status, .. } => matches!(status, 502..=504),
            ApiError::Aborted | ApiError::BadAnswer(_) => false,
        }
    }

    fn relay_message(&self) -> Option<&str> {
        match self {
            ApiError::Status { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// The message shown when saving a token (`POST /api/session`) failed.
    pub fn connect_message(&self) -> String {
        match (self, self.kind()) {
            (ApiError::Unreachable, _) => UNREACHABLE.to_string(),
            (ApiError::TimedOut, _) => timed_out(),
            (_, Some(ErrorKind::ForgeTokenRejected)) => {
                "Apify rejected this token — copy the whole token again from Apify Console → Settings → API & Integrations. If you revoked it, create a new scoped token.".to_string()
            }
            (_, Some(ErrorKind::ForgeBadToken)) => self
                .relay_message()
                .unwrap_or("The relay found a problem with the token's shape.")
                .to_string(),
            (ApiError::Status { status: 502 | 504, .. }, _) => UPSTREAM.to_string(),
            _ => self.message(),
        }
    }

    /// The message for any other call.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unreachable => UNREACHABLE.to_string(),
            ApiError::TimedOut => timed_out(),
            ApiError::Aborted => "The request was cancelled.".to_string(),
            ApiError::BadAnswer(what) => {
                format!("The relay sent an answer Forge could not read ({what}).")
            }
            ApiError::Status {
                status,
                kind,
                message,
            } => match (status, kind) {
                (401, Some(ErrorKind::ForgeSessionMissing | ErrorKind::ForgeSessionInvalid)) => {
                    "Not connected: connect your Apify token in Settings.".to_string()
                }
                (403, Some(ErrorKind::InsufficientPermissions)) => format!(
                    "Apify refused: this token lacks the permission for this request.{}",
                    message
                        .as_deref()
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default()
                ),
                (502 | 504, _) => UPSTREAM.to_string(),
                (_, _) => match message {
                    Some(m) => m.clone(),
                    None => format!("The relay answered with status {status}."),
                },
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// How long a request to the relay may take before it counts as [`ApiError::TimedOut`]: longer
/// than the relay's own default upstream timeout (30 s), so a stalled Apify comes back as the
/// relay's 504, and only a relay that stalls itself times out here.
pub const REQUEST_TIMEOUT_MS: u32 = 40_000;

const UNREACHABLE: &str = "Cannot reach the Forge relay. Check that it is running and that your network is up (a relay on another site must also allow this one with --allowed-origin), then try again.";
fn timed_out() -> String {
    format!(
        "The Forge relay did not answer within {} seconds. Check that it is running and not overloaded, then try again.",
        REQUEST_TIMEOUT_MS / 1000
    )
}
const UPSTREAM: &str =
    "The relay could not reach Apify. Nothing was saved — try again in a moment.";

/// The answer to one request: status and body text.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as `T` for a 2xx answer; the envelope's error otherwise.
    pub fn json<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        if !self.ok() {
            return Err(self.error());
        }
        serde_json::from_str(&self.body).map_err(|e| ApiError::BadAnswer(e.to_string()))
    }

    /// `{"data": T}` — Apify's wrapper around single objects and pages.
    pub fn data<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        self.json::<Data<T>>().map(|d| d.data)
    }

    pub fn error(&self) -> ApiError {
        ApiError::from_answer(self.status, &self.body)
    }
}
