//! The relay's own errors, each answered in Apify's envelope (DESIGN §6).
//!
//! Messages say what to do next and never echo client input that could hold a secret. All
//! unseal failures share one variant and therefore one byte-identical body.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use forge_apify::{ErrorEnvelope, ErrorKind as Kind, Refusal, TokenProblem};

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("not allowed: {0}")]
    NotAllowed(Refusal),
    #[error("method override header")]
    MethodOverride,
    #[error("no session")]
    SessionMissing,
    /// Deliberately carries no reason: the client must not learn why.
    #[error("invalid session")]
    SessionInvalid,
    #[error("raw token on the forwarding route")]
    RawToken,
    #[error("ambiguous credentials")]
    AmbiguousCredentials,
    #[error("bad token: {0:?}")]
    BadToken(TokenProblem),
    #[error("token rejected by Apify")]
    TokenRejected,
    #[error("missing X-Forge-Client header")]
    ClientHeaderMissing,
    #[error("origin not allowed")]
    OriginNotAllowed,
    #[error("host not allowed")]
    HostNotAllowed,
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("body too large")]
    BodyTooLarge { limit: usize },
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("overloaded")]
    Overloaded,
    #[error("upstream unreachable")]
    UpstreamUnreachable,
    #[error("upstream timeout")]
    UpstreamTimeout,
    #[error("upstream answered unexpectedly ({0})")]
    UpstreamUnexpected(u16),
    #[error("upstream redirect refused")]
    UpstreamRedirect,
    #[error("upstream answer too large")]
    UpstreamTooLarge,
    #[error("upstream answer not in the documented shape: {0}")]
    UpstreamMalformed(forge_apify::project::ProjectError),
    #[error("not available in this mode")]
    WrongMode,
    #[error("no such endpoint")]
    NotFound,
    #[error("internal error")]
    Internal,
}

impl RelayError {
    /// `(status, type, message)` of the envelope.
    fn parts(&self) -> (StatusCode, Kind, String) {
        use RelayError::*;
        match self {
            NotAllowed(r) => (
                StatusCode::FORBIDDEN,
                Kind::ForgeNotAllowed,
                format!("Forge refused this request before it left the relay: {r}."),
            ),
            MethodOverride => (
                StatusCode::FORBIDDEN,
                Kind::ForgeNotAllowed,
                "Method-override headers are refused: send the real HTTP method, which the allow-list checks.".into(),
            ),
            SessionMissing => (
                StatusCode::UNAUTHORIZED,
                Kind::ForgeSessionMissing,
                "Not connected: paste your scoped Apify token in Forge's Settings (POST /api/session).".into(),
            ),
            SessionInvalid => (
                StatusCode::UNAUTHORIZED,
                Kind::ForgeSessionInvalid,
                "This session is no longer valid (expired, revoked by a key rotation, or damaged). Connect again with your Apify token.".into(),
            ),
            RawToken => (
                StatusCode::UNAUTHORIZED,
                Kind::ForgeRawTokenRefused,
                "A raw Apify token is never accepted here. Exchange it once with POST /api/session and send the sealed value (forge1.…) instead; consider rotating the token you just sent.".into(),
            ),
            AmbiguousCredentials => (
                StatusCode::UNAUTHORIZED,
                Kind::ForgeSessionInvalid,
                "Send one credential: either the session cookie or an Authorization: Bearer forge1.… header, not both.".into(),
            ),
            BadToken(p) => (StatusCode::BAD_REQUEST, Kind::ForgeBadToken, p.to_string()),
            TokenRejected => (
                StatusCode::UNAUTHORIZED,
                Kind::ForgeTokenRejected,
                "Apify rejected this token — copy the whole token again from Apify Console → Settings → API & Integrations.".into(),
            ),
            ClientHeaderMissing => (
                StatusCode::FORBIDDEN,
                Kind::ForgeClientHeaderMissing,
                "Requests to /api must carry the header X-Forge-Client: 1 (Forge's app sends it; it keeps other web pages out).".into(),
            ),
            OriginNotAllowed => (
                StatusCode::FORBIDDEN,
                Kind::ForgeOriginNotAllowed,
                "This origin may not call the relay. The operator can allow it with --allowed-origin.".into(),
            ),
            HostNotAllowed => (
                StatusCode::FORBIDDEN,
                Kind::ForgeHostNotAllowed,
                "This relay answers only on a loopback address (127.0.0.1, localhost or [::1]).".into(),
            ),
            BadRequest(why) => (StatusCode::BAD_REQUEST, Kind::ForgeBadRequest, format!("Bad request: {why}.")),
            BodyTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Kind::ForgeBodyTooLarge,
                format!("The request body is larger than this relay forwards ({limit} bytes)."),
            ),
            RateLimited { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                Kind::ForgeRateLimited,
                format!("Too many requests from this session; retry in {retry_after_secs} s."),
            ),
            Overloaded => (
                StatusCode::SERVICE_UNAVAILABLE,
                Kind::ForgeOverloaded,
                "The relay is at capacity; retry in a moment.".into(),
            ),
            UpstreamUnreachable => (
                StatusCode::BAD_GATEWAY,
                Kind::ForgeUpstreamUnreachable,
                "The relay could not reach the Apify API. Your token is fine; try again shortly.".into(),
            ),
            UpstreamTimeout => (
                StatusCode::GATEWAY_TIMEOUT,
                Kind::ForgeUpstreamTimeout,
                "The Apify API did not answer in time. Try again shortly.".into(),
            ),
            UpstreamUnexpected(status) => (
                StatusCode::BAD_GATEWAY,
                Kind::ForgeUpstreamError,
                format!("The Apify API answered {status} where the relay expected success. Try again shortly."),
            ),
            UpstreamRedirect => (
                StatusCode::BAD_GATEWAY,
                Kind::ForgeUpstreamRedirect,
                "The Apify API redirected somewhere the relay does not follow.".into(),
            ),
            UpstreamTooLarge => (
                StatusCode::BAD_GATEWAY,
                Kind::ForgeUpstreamTooLarge,
                "The Apify API answered with more data than the relay passes on. Ask for a smaller page (limit).".into(),
            ),
            UpstreamMalformed(_) => (
                StatusCode::BAD_GATEWAY,
                Kind::ForgeUpstreamMalformed,
                "The Apify API answered in a shape the relay does not pass on. Try again shortly.".into(),
            ),
            WrongMode => (
                StatusCode::CONFLICT,
                Kind::ForgeWrongMode,
                "This relay runs with a fixed token (local mode); there is no session to create or end.".into(),
            ),
            NotFound => (
                StatusCode::NOT_FOUND,
                Kind::ForgeNotFound,
                "No such relay endpoint. The Apify API is under /api/apify/v2/…".into(),
            ),
            Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Kind::ForgeInternal,
                "The relay failed unexpectedly. Nothing was forwarded.".into(),
            ),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    pub fn kind(&self) -> Kind {
        self.parts().1
    }
}

/// A JSON response with Apify's envelope.
pub fn envelope_response(status: StatusCode, kind: Kind, message: String) -> Response {
    let body = serde_json::to_vec(&ErrorEnvelope::new(kind, message)).unwrap_or_default();
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}

impl IntoResponse for RelayError {
    fn into_response(self) -> Response {
        let (status, kind, message) = self.parts();
        let mut res = envelope_response(status, kind, message);
        match &self {
            RelayError::RateLimited { retry_after_secs } => {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            RelayError::NotAllowed(r) => {
                res.headers_mut()
                    .insert("x-forge-refusal", HeaderValue::from_static(r.code()));
            }
            _ => {}
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::project::ProjectError;
    use std::collections::BTreeSet;

    fn every_error() -> Vec<RelayError> {
        use RelayError::*;
        vec![
            NotAllowed(Refusal::UnknownRoute),
            MethodOverride,
            SessionMissing,
            SessionInvalid,
            RawToken,
            AmbiguousCredentials,
            BadToken(TokenProblem::WrongPrefix),
            TokenRejected,
            ClientHeaderMissing,
            OriginNotAllowed,
            HostNotAllowed,
            BadRequest("x"),
            BodyTooLarge { limit: 1 },
            RateLimited {
                retry_after_secs: 1,
            },
            Overloaded,
            UpstreamUnreachable,
            UpstreamTimeout,
            UpstreamUnexpected(500),
            UpstreamRedirect,
            UpstreamTooLarge,
            UpstreamMalformed(ProjectError::NotJson),
            WrongMode,
            NotFound,
            Internal,
        ]
    }

    #[test]
    fn every_error_has_a_known_forge_kind() {
        let mut kinds = BTreeSet::new();
        for e in every_error() {
            let kind = e.kind();
            assert!(kind.is_forge() && !kind.is_other(), "{e:?}: {kind:?}");
            assert!(e.status().is_client_error() || e.status().is_server_error());
            kinds.insert(kind.to_string());
        }
        // Every forge- kind of forge-apify except the app's own is one the relay emits.
        let relay_kinds: BTreeSet<String> = Kind::KNOWN
            .iter()
            .filter(|k| k.is_forge() && **k != Kind::ForgeBadActorId)
            .map(Kind::to_string)
            .collect();
        assert_eq!(kinds, relay_kinds);
    }
}
