//! The `/api` handlers: sessions and forwarding. Thin by design — the rules live in
//! [`crate::guard`], [`forge_apify::allow`] and [`crate::seal`].

use crate::error::RelayError;
use crate::guard::{self, Caller, SESSION_COOKIE};
use crate::seal::SessionSecret;
use crate::{now_unix, AppState, RouteLabel};
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use forge_apify::allow::Method;
use forge_apify::time::format_rfc3339_secs;
use forge_apify::wire::{ConnectRequest, Delivery, SealedSession, SessionInfo};
use forge_apify::{match_request, AllowedRequest};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// Largest `POST /api/session` body.
const SESSION_BODY_LIMIT: usize = 4 * 1024;
pub const APIFY_PREFIX: &str = forge_apify::wire::APIFY_PREFIX;

/// Unix seconds as the wire's timestamps (`2026-11-29T19:30:05Z`).
fn timestamp(unix: u64) -> String {
    format_rfc3339_secs(i64::try_from(unix).unwrap_or(i64::MAX))
}

/// Why a `POST /api/session` body did not parse, without echoing any of it (it holds a token).
fn connect_body_problem(body: &[u8]) -> RelayError {
    let bad_delivery = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("deliver").cloned())
        .is_some_and(|d| serde_json::from_value::<Option<Delivery>>(d).is_err());
    if bad_delivery {
        RelayError::BadRequest("\"deliver\" is \"cookie\" or \"body\"")
    } else {
        RelayError::BadRequest("send a JSON body like {\"token\":\"apify_api_…\"}")
    }
}

/// `POST /api/session`: check the shape, ask Apify who this is, seal, set the cookie.
pub async fn connect(
    State(state): State<Arc<AppState>>,
    req: Request,
) -> Result<Response, RelayError> {
    let (parts, body) = req.into_parts();
    guard::check(&state, &parts)?;
    let Some(ring) = &state.config.credentials.keyring else {
        return Err(RelayError::WrongMode);
    };
    let body = read_body(body, SESSION_BODY_LIMIT).await?;
    let request: ConnectRequest =
        serde_json::from_slice(&body).map_err(|_| connect_body_problem(&body))?;
    let delivery = request.delivery();
    let token = SecretString::from(request.token);
    forge_apify::check_token_shape(token.expose_secret()).map_err(RelayError::BadToken)?;

    let who = state.upstream.identity(&token).await?;
    let issued_at = now_unix();
    let expires_at = issued_at + state.config.session_ttl.as_secs();
    let session = SessionSecret {
        retention_days: who.retention_days(),
        token,
        user_id: who.id,
        username: who.username,
    };
    let sealed = ring
        .seal(&session, issued_at, expires_at)
        .map_err(|_| RelayError::Internal)?;
    tracing::info!(user_id = %session.user_id, key_id = ring.sealing_key_id(), "session sealed");

    let cookie = session_cookie(&sealed, state.config.session_ttl.as_secs());
    let info = SessionInfo {
        mode: state.config.mode.relay_mode(),
        user_id: session.user_id,
        username: session.username,
        sealed_at: Some(timestamp(issued_at)),
        expires_at: Some(timestamp(expires_at)),
        retention_days: session.retention_days,
        demo_token: demo_label(&state, &session.token),
    };
    let mut res = match delivery {
        Delivery::Cookie => (StatusCode::CREATED, Json(info)).into_response(),
        Delivery::Body => (
            StatusCode::CREATED,
            Json(SealedSession {
                session: info,
                sealed,
            }),
        )
            .into_response(),
    };
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}

/// `GET /api/session`: who is connected, without secrets.
pub async fn current(
    State(state): State<Arc<AppState>>,
    req: Request,
) -> Result<Response, RelayError> {
    let (parts, _) = req.into_parts();
    let presented = guard::check(&state, &parts)?;
    let caller = guard::authenticate(&state, &presented)?;
    let mode = state.config.mode.relay_mode();
    let info = match caller {
        Caller::Sealed(u) => SessionInfo {
            mode,
            user_id: u.session.user_id.clone(),
            username: u.session.username.clone(),
            sealed_at: Some(timestamp(u.issued_at)),
            expires_at: Some(timestamp(u.expires_at)),
            retention_days: u.session.retention_days,
            demo_token: demo_label(&state, &u.session.token),
        },
        Caller::Fixed(token) => {
            let who = state
                .local_identity
                .get_or_try_init(|| state.upstream.identity(token))
                .await?;
            SessionInfo {
                mode,
                user_id: who.id.clone(),
                username: who.username.clone(),
                sealed_at: None,
                expires_at: None,
                retention_days: who.retention_days(),
                demo_token: demo_label(&state, token),
            }
        }
    };
    Ok(Json(info).into_response())
}

/// In demo mode, the label of the demo token `token` is (the demo tokens are public); `None`
/// for any other token and in every other mode (the list is empty there).
fn demo_label(state: &AppState, token: &SecretString) -> Option<String> {
    state
        .config
        .demo_tokens
        .iter()
        .find(|t| t.token == token.expose_secret())
        .map(|t| t.label.clone())
}

/// `DELETE /api/session`: expire the cookie. The relay stores nothing, so this is all there is
/// to forget; revoking the token in Apify is the definitive off switch.
pub async fn disconnect(
    State(state): State<Arc<AppState>>,
    req: Request,
) -> Result<Response, RelayError> {
    let (parts, _) = req.into_parts();
    // A bearer client has no cookie to clear; it still gets the same success.
    guard::check(&state, &parts)?;
    if state.config.credentials.keyring.is_none() {
        return Err(RelayError::WrongMode);
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, expired_cookie());
    Ok(res)
}

fn session_cookie(sealed: &str, max_age: u64) -> HeaderValue {
    let mut v = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={sealed}; HttpOnly; Secure; SameSite=Strict; Path=/api; Max-Age={max_age}"
    ))
    .expect("sealed values are base64url");
    v.set_sensitive(true);
    v
}

fn expired_cookie() -> HeaderValue {
    HeaderValue::from_static(
        "forge_session=; HttpOnly; Secure; SameSite=Strict; Path=/api; Max-Age=0",
    )
}

/// `GET /api/audit`: the scope check's probes, run server-side with the session's token.
/// Answers statuses only (`forge_apify::audit::AuditReport`); the browser judges them.
pub async fn audit(
    State(state): State<Arc<AppState>>,
    req: Request,
) -> Result<Response, RelayError> {
    use forge_apify::audit::{AuditReport, ProbeId, ProbeStatus, PROBES};
    let (parts, _) = req.into_parts();
    let caller = guard::admit(&state, &parts)?;
    let token = caller.token();
    let upstream = &state.upstream;
    let probes = PROBES.iter().map(|p| async move {
        let status = if p.id == ProbeId::KvWrite {
            upstream.probe_write(p, token).await
        } else {
            upstream.probe(p, token).await
        };
        ProbeStatus {
            probe: p.id,
            status,
        }
    });
    let (probes, full_access) = tokio::join!(
        futures_util::future::join_all(probes),
        upstream.shows_private_account_data(token)
    );
    Ok(Json(AuditReport {
        probes,
        full_access,
    })
    .into_response())
}

/// `GET /api/demo-tokens`: the simulated account's tokens, in demo mode only.
pub async fn demo_tokens(
    State(state): State<Arc<AppState>>,
    req: Request,
) -> Result<Response, RelayError> {
    let (parts, _) = req.into_parts();
    guard::check(&state, &parts)?;
    if state.config.mode != crate::config::Mode::Demo {
        return Err(RelayError::NotFound);
    }
    Ok(Json(&state.config.demo_tokens).into_response())
}

/// `ANY /api/apify/…`: authenticate, rate-limit, match the allow-list, forward.
pub async fn forward(
    State(state): State<Arc<AppState>>,
    req: Request,
) -> Result<Response, RelayError> {
    let (parts, body) = req.into_parts();
    let caller = guard::admit(&state, &parts)?;

    let raw_path = parts.uri.path().strip_prefix(APIFY_PREFIX).unwrap_or("");
    let allowed = match_request(parts.method.as_str(), raw_path, parts.uri.query()).map_err(|refusal| {
        state.metrics.refusal(refusal.code());
        tracing::info!(reason = refusal.code(), method = %parts.method, "refused by the allow-list");
        RelayError::NotAllowed(refusal)
    })?;

    let limit = body_limit(&state, &allowed);
    let no_body = |e| match limit {
        0 => RelayError::BadRequest("a GET request carries no body"),
        _ => e,
    };
    // A declared length over the limit is refused at once, without waiting for the bytes.
    if declared_length(&parts.headers).is_some_and(|n| n > limit as u64) {
        return Err(no_body(RelayError::BodyTooLarge { limit }));
    }
    let body = read_body(body, limit).await.map_err(no_body)?;
    let _permit = state
        .in_flight
        .clone()
        .try_acquire_owned()
        .map_err(|_| RelayError::Overloaded)?;
    let mut res = state
        .upstream
        .forward(&allowed, &parts.headers, body, caller.token())
        .await?;
    res.extensions_mut()
        .insert(RouteLabel(allowed.route().template));
    Ok(res)
}

fn body_limit(state: &AppState, allowed: &AllowedRequest) -> usize {
    match allowed.method() {
        Method::Get => 0,
        Method::Post if allowed.route().template.ends_with("/runs") => {
            state.config.max_run_input_bytes
        }
        _ => state.config.max_body_bytes,
    }
}

fn declared_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Reads a body up to `limit` bytes; more is a 413, never a truncation.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, RelayError> {
    to_bytes(body, limit).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if too_large {
            RelayError::BodyTooLarge { limit }
        } else {
            RelayError::BadRequest("the request body could not be read")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_timestamps_are_rfc3339_seconds() {
        // `sealedAt` / `expiresAt`: the format the app parses (relay/tests/it/session.rs too).
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(timestamp(1_796_002_205), "2026-11-30T01:30:05Z");
    }

    #[test]
    fn connect_body_problems_never_echo_the_body() {
        let token = "apify_api_0123456789abcdefghijklmnopqrstuvwxyz";
        for (body, about_delivery) in [
            (format!(r#"{{"token":"{token}","deliver":"email"}}"#), true),
            (
                format!(r#"{{"token":"{token}","deliver":"body","x":1}}"#),
                false,
            ),
            (
                format!(r#"{{"token":"{token}","deliver":null,"x":1}}"#),
                false,
            ),
            (format!(r#"{{"apiToken":"{token}"}}"#), false),
            ("not json".to_string(), false),
        ] {
            let e = connect_body_problem(body.as_bytes());
            let RelayError::BadRequest(why) = e else {
                panic!("{e:?}");
            };
            assert!(!why.contains("apify_api_0"), "{why}");
            assert_eq!(why.contains("deliver"), about_delivery, "{body}: {why}");
        }
    }
}
