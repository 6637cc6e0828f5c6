//! Who is calling, and may they? Request-shape checks, CSRF/DNS-rebinding defences and
//! credential extraction for everything under `/api` (DESIGN §5).
//!
//! The rules, in the order they run:
//! 1. The request target is origin-form (`/api/…`), never absolute-form — on HTTP/1. HTTP/2
//!    carries the host in `:authority`, which becomes the request URI's authority.
//! 2. Exactly one syntactically valid host: the `Host` header on HTTP/1; on HTTP/2 the
//!    `:authority` (a `Host` header beside it must agree). In `local` and `demo` modes it must be
//!    a loopback name, so a DNS-rebound page cannot reach a relay on the user's machine.
//! 3. `X-Forwarded-*`/`Forwarded` are refused unless the operator said the relay is behind a
//!    proxy; method-override headers are always refused.
//! 4. A present `Origin` must be this relay's own origin or an allowed one; unsafe methods
//!    relying on the cookie must carry such an `Origin`.
//! 5. `X-Forge-Client: 1` is required unless the request authenticates with an explicit
//!    `Authorization: Bearer forge1.…` (which browsers never attach on their own).

use crate::config::is_loopback_authority;
use crate::error::RelayError;
use crate::seal::{UnsealError, Unsealed};
use crate::AppState;
use axum::http::{header, request::Parts, HeaderMap, Method, Version};
use secrecy::SecretString;

pub const SESSION_COOKIE: &str = "forge_session";
pub const CLIENT_HEADER: &str = forge_apify::wire::CLIENT_HEADER;

const METHOD_OVERRIDE_HEADERS: [&str; 3] = [
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
];

/// `Forwarded` and the whole `X-Forwarded-*` family (For, Host, Proto, Port, Prefix, Server…).
fn is_forwarding_header(name: &str) -> bool {
    name == "forwarded" || name.starts_with("x-forwarded-")
}

/// How a request presents its session.
#[derive(Debug)]
pub enum Presented<'a> {
    Cookie(&'a str),
    Bearer(&'a str),
    Nothing,
}

/// Checks 1–5 above for any `/api` request. Returns the presented credential (not yet opened).
pub fn check<'a>(state: &AppState, parts: &'a Parts) -> Result<Presented<'a>, RelayError> {
    let cfg = &state.config;
    let host = request_host(parts)?;
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    {
        return Err(RelayError::BadRequest("the Host header is malformed"));
    }
    if cfg.mode.holds_a_token() && !is_loopback_authority(host) {
        return Err(RelayError::HostNotAllowed);
    }
    if METHOD_OVERRIDE_HEADERS
        .iter()
        .any(|h| parts.headers.contains_key(*h))
    {
        return Err(RelayError::MethodOverride);
    }
    if !cfg.behind_proxy
        && parts
            .headers
            .keys()
            .any(|h| is_forwarding_header(h.as_str()))
    {
        return Err(RelayError::BadRequest(
            "forwarding headers are not accepted: this relay is not configured behind a proxy (--behind-proxy)",
        ));
    }

    let presented = presented_credential(&parts.headers)?;
    let origin = single_header(&parts.headers, header::ORIGIN.as_str())?;
    if let Some(origin) = origin {
        if !origin_allowed(state, origin, host) {
            return Err(RelayError::OriginNotAllowed);
        }
    }
    if let Some(site) = single_header(&parts.headers, "sec-fetch-site")? {
        if site == "cross-site" && origin.is_none() {
            return Err(RelayError::OriginNotAllowed);
        }
    }
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD);
    if unsafe_method && origin.is_none() && matches!(presented, Presented::Cookie(_)) {
        return Err(RelayError::OriginNotAllowed);
    }
    if !matches!(presented, Presented::Bearer(_)) {
        match single_header(&parts.headers, CLIENT_HEADER)? {
            Some(forge_apify::wire::CLIENT_HEADER_VALUE) => {}
            _ => return Err(RelayError::ClientHeaderMissing),
        }
    }
    Ok(presented)
}

/// The host a request is addressed to: the `Host` header of an origin-form HTTP/1 request, or
/// the `:authority` of an HTTP/2 request (with which a `Host` header, if also sent, must agree).
pub fn request_host(parts: &Parts) -> Result<&str, RelayError> {
    let host_header = single_header(&parts.headers, header::HOST.as_str())?;
    if parts.version != Version::HTTP_2 {
        if parts.uri.scheme().is_some() || parts.uri.authority().is_some() {
            return Err(RelayError::BadRequest(
                "absolute-form request targets are not accepted",
            ));
        }
        return host_header.ok_or(RelayError::BadRequest("a Host header is required"));
    }
    if !matches!(parts.uri.scheme_str(), None | Some("http" | "https")) {
        return Err(RelayError::BadRequest("the :scheme must be http or https"));
    }
    match (parts.uri.authority().map(|a| a.as_str()), host_header) {
        (Some(authority), Some(host)) if !authority.eq_ignore_ascii_case(host) => Err(
            RelayError::BadRequest("the Host header and :authority disagree"),
        ),
        (Some(authority), _) => Ok(authority),
        (None, Some(host)) => Ok(host),
        (None, None) => Err(RelayError::BadRequest(
            "an :authority or a Host header is required",
        )),
    }
}

/// The origin is this relay's own (`http(s)://<Host>`) or listed in `--allowed-origin`.
pub fn origin_allowed(state: &AppState, origin: &str, host: &str) -> bool {
    let same_origin = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        == Some(host);
    same_origin || state.config.allowed_origins.iter().any(|o| o == origin)
}

/// At most one value of a header, as visible ASCII; several values or non-text is a bad request.
pub fn single_header<'a>(
    headers: &'a HeaderMap,
    name: &str,
) -> Result<Option<&'a str>, RelayError> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(RelayError::BadRequest(
            "a header that must appear once appears several times",
        ));
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| RelayError::BadRequest("a header holds non-text bytes"))
}

fn presented_credential(headers: &HeaderMap) -> Result<Presented<'_>, RelayError> {
    let mut cookie = None;
    for value in headers.get_all(header::COOKIE) {
        let value = value.to_str().map_err(|_| RelayError::SessionInvalid)?;
        for pair in value.split(';') {
            if let Some(v) = pair
                .trim()
                .strip_prefix(SESSION_COOKIE)
                .and_then(|r| r.strip_prefix('='))
            {
                if cookie.replace(v).is_some() {
                    return Err(RelayError::AmbiguousCredentials);
                }
            }
        }
    }
    let authorization = single_header(headers, header::AUTHORIZATION.as_str())
        .map_err(|_| RelayError::AmbiguousCredentials)?;
    match (authorization, cookie) {
        (Some(_), Some(_)) => Err(RelayError::AmbiguousCredentials),
        (Some(auth), None) => {
            let bearer = auth
                .strip_prefix("Bearer ")
                .or_else(|| auth.strip_prefix("bearer "))
                .map(str::trim)
                .ok_or(RelayError::SessionInvalid)?;
            if forge_apify::token::looks_like_raw_token(bearer) {
                return Err(RelayError::RawToken);
            }
            Ok(Presented::Bearer(bearer))
        }
        (None, Some(c)) => Ok(Presented::Cookie(c)),
        (None, None) => Ok(Presented::Nothing),
    }
}

/// An authenticated caller: the token to forward with and a key for rate limiting.
#[derive(Debug)]
pub enum Caller<'s> {
    Sealed(Box<Unsealed>),
    /// The relay's own token (local and demo modes).
    Fixed(&'s SecretString),
}

impl Caller<'_> {
    pub fn token(&self) -> &SecretString {
        match self {
            Caller::Sealed(u) => &u.session.token,
            Caller::Fixed(t) => t,
        }
    }

    /// The seal's nonce for sealed sessions; one shared bucket for the relay's own token.
    pub fn rate_key(&self) -> [u8; 12] {
        match self {
            Caller::Sealed(u) => u.session_id,
            Caller::Fixed(_) => [0; 12],
        }
    }
}

/// Opens the presented credential. With nothing presented, the relay's own token is used where
/// it has one (local, demo); a credential sent to a relay without a keyring is a client mistake.
pub fn authenticate<'s>(
    state: &'s AppState,
    presented: &Presented<'_>,
) -> Result<Caller<'s>, RelayError> {
    let creds = &state.config.credentials;
    match (presented, &creds.keyring, &creds.fixed) {
        (Presented::Nothing, _, Some(token)) => Ok(Caller::Fixed(token)),
        (Presented::Nothing, _, None) => Err(RelayError::SessionMissing),
        (Presented::Cookie(_) | Presented::Bearer(_), None, _) => Err(RelayError::BadRequest(
            "this relay runs in local mode with its own token; send no credential",
        )),
        (Presented::Cookie(sealed) | Presented::Bearer(sealed), Some(ring), _) => {
            match ring.unseal(sealed, crate::now_unix()) {
                Ok(u) => Ok(Caller::Sealed(Box::new(u))),
                Err(reason) => {
                    record_unseal_failure(state, reason);
                    Err(RelayError::SessionInvalid)
                }
            }
        }
    }
}

/// Everything a request to the Apify side of the relay must pass before it may cost anything:
/// [`check`], [`authenticate`], and the caller's rate limit.
pub fn admit<'s>(state: &'s AppState, parts: &Parts) -> Result<Caller<'s>, RelayError> {
    let presented = check(state, parts)?;
    let caller = authenticate(state, &presented)?;
    state
        .limiter
        .take(caller.rate_key(), std::time::Instant::now())
        .map_err(|retry_after_secs| RelayError::RateLimited { retry_after_secs })?;
    Ok(caller)
}

fn record_unseal_failure(state: &AppState, reason: UnsealError) {
    state.metrics.unseal_failure(reason.code());
    tracing::info!(reason = reason.code(), "unseal failed");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Mode, RelayArgs, Secrets};
    use std::sync::Arc;

    fn state(mode: Mode) -> Arc<AppState> {
        let mut args = RelayArgs::defaults();
        args.upstream = "http://127.0.0.1:9".into();
        let config = Config::new(
            mode,
            args,
            Secrets {
                seal_keys: Some("1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into()),
                apify_token: Some(forge_sim::DEFAULT_DEMO_TOKEN.into()),
            },
        )
        .unwrap();
        AppState::new(config).unwrap()
    }

    fn parts(version: Version, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = axum::http::Request::builder()
            .version(version)
            .uri(uri)
            .header(CLIENT_HEADER, "1");
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn refusal(state: &AppState, p: &Parts) -> Option<String> {
        check(state, p).err().map(|e| format!("{e}"))
    }

    #[test]
    fn http2_uses_the_authority_as_the_host() {
        let demo = state(Mode::Demo);
        let h2 = |uri: &str, headers: &[(&str, &str)]| parts(Version::HTTP_2, uri, headers);
        assert_eq!(
            refusal(&demo, &h2("http://127.0.0.1:3000/api/session", &[])),
            None
        );
        assert_eq!(
            refusal(
                &demo,
                &h2(
                    "http://127.0.0.1:3000/api/session",
                    &[("host", "127.0.0.1:3000")]
                )
            ),
            None
        );
        // No authority: the Host header serves.
        assert_eq!(
            refusal(&demo, &h2("/api/session", &[("host", "localhost:3000")])),
            None
        );
        assert!(refusal(&demo, &h2("/api/session", &[]))
            .unwrap()
            .contains(":authority or a Host header is required"));
        assert!(refusal(
            &demo,
            &h2(
                "http://127.0.0.1:3000/api/session",
                &[("host", "evil.example")]
            )
        )
        .unwrap()
        .contains("disagree"));
        // The loopback rule holds for HTTP/2 as well.
        assert!(matches!(
            check(&demo, &h2("http://evil.example:3000/api/session", &[])),
            Err(RelayError::HostNotAllowed)
        ));
        assert!(
            refusal(&demo, &h2("http://127.0.0.1@evil.example/api/session", &[]))
                .unwrap()
                .contains("malformed")
        );
        // The same origin is judged against the authority.
        let sealed = state(Mode::Serve);
        let origin = |o: &str| {
            h2(
                "https://relay.example.com/api/session",
                &[("origin", o), ("host", "relay.example.com")],
            )
        };
        assert_eq!(refusal(&sealed, &origin("https://relay.example.com")), None);
        assert!(matches!(
            check(&sealed, &origin("https://evil.example")),
            Err(RelayError::OriginNotAllowed)
        ));
    }

    #[test]
    fn http1_still_refuses_absolute_form_and_needs_host() {
        let demo = state(Mode::Demo);
        let h1 = |uri: &str, headers: &[(&str, &str)]| parts(Version::HTTP_11, uri, headers);
        assert_eq!(
            refusal(&demo, &h1("/api/session", &[("host", "127.0.0.1:3000")])),
            None
        );
        assert!(refusal(
            &demo,
            &h1(
                "http://127.0.0.1:3000/api/session",
                &[("host", "127.0.0.1:3000")]
            )
        )
        .unwrap()
        .contains("absolute-form"));
        assert!(refusal(&demo, &h1("/api/session", &[]))
            .unwrap()
            .contains("a Host header is required"));
        assert!(matches!(
            check(&demo, &h1("/api/session", &[("host", "evil.example")])),
            Err(RelayError::HostNotAllowed)
        ));
    }
}
