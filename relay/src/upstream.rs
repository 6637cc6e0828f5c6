//! Talking to the Apify API: the forwarder (which accepts only an [`AllowedRequest`]) and the one
//! call the relay makes on its own behalf, `GET /v2/users/me` when sealing.
//!
//! The upstream URL is built from a constant base and the matcher's validated parts. Request
//! and response headers are allow-listed; the client's `Authorization`, cookies and forwarding
//! headers never go upstream, and upstream `Set-Cookie` never comes back.

use crate::error::RelayError;
use crate::metrics::Metrics;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use forge_apify::allow::{AllowedRequest, Method};
use forge_apify::audit::{Probe, CREATE_FORGE_STORE};
use forge_apify::models::{Data, UserIdentity};
use forge_apify::project::{self, Reply};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Client request headers that may go upstream (DESIGN §4).
const REQUEST_HEADERS: [HeaderName; 3] = [
    header::ACCEPT,
    header::CONTENT_TYPE,
    header::CONTENT_ENCODING,
];
/// Largest JSON answer the relay reads to project (a page of 1,000 runs is about 1 MB).
pub const MAX_JSON_ANSWER_BYTES: usize = 32 * 1024 * 1024;
/// Largest error answer or `users/me` answer the relay reads.
pub const MAX_SMALL_ANSWER_BYTES: usize = 64 * 1024;
const JSON: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");

#[derive(Debug, Clone)]
pub struct Upstream {
    client: reqwest::Client,
    base: Arc<str>,
    /// The whole-exchange timeout (a `waitForFinish` read gets its wait on top).
    timeout: Duration,
    /// Tests run the upstream on loopback http; only then may a redirect go to loopback http.
    loopback_http_redirects: bool,
    metrics: Arc<Metrics>,
}

impl Upstream {
    pub fn new(
        base: &str,
        upstream_is_loopback: bool,
        connect_timeout: Duration,
        timeout: Duration,
        metrics: Arc<Metrics>,
    ) -> Result<Upstream, reqwest::Error> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .user_agent(concat!("forge-relay/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Upstream {
            client,
            base: base.into(),
            timeout,
            loopback_http_redirects: upstream_is_loopback && base.starts_with("http://"),
            metrics,
        })
    }

    fn bearer(token: &SecretString) -> Result<HeaderValue, RelayError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            .map_err(|_| RelayError::Internal)?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// `GET /v2/users/me`, keeping only `id` and `username`.
    pub async fn identity(&self, token: &SecretString) -> Result<UserIdentity, RelayError> {
        let started = Instant::now();
        let res = self
            .client
            .get(format!("{}/v2/users/me", self.base))
            .header(header::AUTHORIZATION, Self::bearer(token)?)
            .header(header::ACCEPT, "application/json")
            .send()
            .await;
        self.metrics.upstream_latency(started.elapsed());
        let res = res.map_err(map_reqwest_error)?;
        match res.status() {
            StatusCode::OK => {
                let body = read_capped(res, MAX_SMALL_ANSWER_BYTES).await?;
                let me: Data<UserIdentity> = serde_json::from_slice(&body)
                    .map_err(|_| RelayError::UpstreamUnexpected(200))?;
                Ok(me.data)
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(RelayError::TokenRejected),
            s => Err(RelayError::UpstreamUnexpected(s.as_u16())),
        }
    }

    /// Runs one fixed scope-check probe and keeps only its status (0 when Apify could not be
    /// reached). The body is drained and dropped unread.
    pub async fn probe(&self, probe: &Probe, token: &SecretString) -> u16 {
        self.status_only(probe.method, probe.path, token).await
    }

    async fn status_only(&self, method: &str, path: &str, token: &SecretString) -> u16 {
        let Ok(bearer) = Self::bearer(token) else {
            return 0;
        };
        let method = if method == "PUT" {
            reqwest::Method::PUT
        } else if method == "POST" {
            reqwest::Method::POST
        } else {
            reqwest::Method::GET
        };
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .header(header::AUTHORIZATION, bearer);
        if method == reqwest::Method::PUT {
            req = req
                .header(header::CONTENT_TYPE, "application/json")
                .body(r#"{"checkedBy":"forge"}"#);
        }
        let started = Instant::now();
        let res = req.send().await;
        self.metrics.upstream_latency(started.elapsed());
        res.map_or(0, |r| r.status().as_u16())
    }

    /// The write probe: put a tiny record into `~forge-trends`, creating the store first when it
    /// is missing (and the token may create it).
    pub async fn probe_write(&self, probe: &Probe, token: &SecretString) -> u16 {
        let status = self.probe(probe, token).await;
        if status != 404 {
            return status;
        }
        match self.status_only("POST", CREATE_FORGE_STORE, token).await {
            200..=299 => self.probe(probe, token).await,
            created => created,
        }
    }

    /// Whether `GET /v2/users/me` shows an e-mail or proxy password — the mark of a full-access
    /// token. Only that boolean leaves this function.
    pub async fn shows_private_account_data(&self, token: &SecretString) -> bool {
        let Ok(bearer) = Self::bearer(token) else {
            return false;
        };
        let res = self
            .client
            .get(format!("{}/v2/users/me", self.base))
            .header(header::AUTHORIZATION, bearer)
            .send()
            .await;
        let Ok(res) = res else { return false };
        let Ok(body) = read_capped(res, MAX_SMALL_ANSWER_BYTES).await else {
            return false;
        };
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else {
            return false;
        };
        let present = |v: &serde_json::Value| !v.is_null();
        present(&v["data"]["email"]) || present(&v["data"]["proxy"]["password"])
    }

    /// Forwards an allowed request and answers with what its row's response rule lets back:
    /// the projected JSON, a record as stored, or nothing; errors as Apify's bare envelope.
    pub async fn forward(
        &self,
        allowed: &AllowedRequest,
        client_headers: &HeaderMap,
        body: Bytes,
        token: &SecretString,
    ) -> Result<Response, RelayError> {
        let url = format!("{}{}", self.base, allowed.path_and_query());
        let method = match allowed.method() {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
        };
        let mut req = self
            .client
            .request(method, url)
            .header(header::AUTHORIZATION, Self::bearer(token)?);
        for name in REQUEST_HEADERS {
            if let Some(v) = client_headers.get(&name) {
                req = req.header(name, v.clone());
            }
        }
        if allowed.method().carries_body() {
            req = req.body(body);
        }
        if let Some(wait) = allowed.wait_secs() {
            // Apify holds a `waitForFinish` answer up to `wait` seconds on purpose.
            req = req.timeout(self.timeout + Duration::from_secs(wait));
        }
        let started = Instant::now();
        let res = req.send().await;
        self.metrics.upstream_latency(started.elapsed());
        let res = res.map_err(map_reqwest_error)?;

        let reply = allowed.reply();
        let res = if res.status().is_redirection() {
            if *reply != Reply::Record {
                return Err(RelayError::UpstreamRedirect);
            }
            self.follow_record_redirect(&res).await?
        } else {
            res
        };
        let status = res.status();
        if status.is_informational() {
            // hyper consumes interim answers itself; a final 1xx (101) is never passed on.
            return Err(RelayError::UpstreamUnexpected(status.as_u16()));
        }
        let headers = allowed_headers(res.headers());
        if !status.is_success() {
            let body = read_capped(res, MAX_SMALL_ANSWER_BYTES)
                .await
                .unwrap_or_default();
            let body = project::error_body(status.as_u16(), &body);
            return Ok(buffered(status, headers, Some(body)));
        }
        match reply {
            Reply::Record => Ok(streamed(status, headers, res)),
            Reply::Empty => Ok(buffered(status, headers, None)),
            Reply::Json(shape) => {
                let body = read_capped(res, MAX_JSON_ANSWER_BYTES).await?;
                let body = project::project(shape, &body).map_err(|e| {
                    tracing::warn!(template = allowed.route().template, problem = %e, "upstream answer refused");
                    RelayError::UpstreamMalformed(e)
                })?;
                Ok(buffered(status, headers, Some(body)))
            }
        }
    }

    /// A record GET may answer a redirect to storage on another host: follow it once, only to
    /// https (or loopback http when the upstream itself is loopback http), and **without** the
    /// Authorization header.
    async fn follow_record_redirect(
        &self,
        res: &reqwest::Response,
    ) -> Result<reqwest::Response, RelayError> {
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(RelayError::UpstreamRedirect)?;
        let url = reqwest::Url::parse(location).map_err(|_| RelayError::UpstreamRedirect)?;
        let allowed_target = match url.scheme() {
            "https" => true,
            "http" => {
                self.loopback_http_redirects
                    && url
                        .host_str()
                        .is_some_and(crate::config::is_loopback_authority)
            }
            _ => false,
        };
        if !allowed_target || !url.username().is_empty() || url.password().is_some() {
            return Err(RelayError::UpstreamRedirect);
        }
        let started = Instant::now();
        let next = self.client.get(url).send().await;
        self.metrics.upstream_latency(started.elapsed());
        let next = next.map_err(map_reqwest_error)?;
        if next.status().is_redirection() {
            return Err(RelayError::UpstreamRedirect);
        }
        Ok(next)
    }
}

/// The upstream headers that may come back (see [`response_header_allowed`]).
fn allowed_headers(upstream: &HeaderMap) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in upstream {
        if response_header_allowed(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    headers
}

/// A record as stored: status, allow-listed headers, the body streamed through.
fn streamed(status: StatusCode, headers: HeaderMap, res: reqwest::Response) -> Response {
    let mut out = Response::new(Body::from_stream(res.bytes_stream()));
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    out
}

/// A JSON body the relay built (a projection or an error envelope), or no body at all.
fn buffered(status: StatusCode, mut headers: HeaderMap, json: Option<Vec<u8>>) -> Response {
    headers.remove(header::CONTENT_TYPE);
    let body = match json {
        Some(json) => {
            headers.insert(header::CONTENT_TYPE, JSON);
            Body::from(json)
        }
        None => Body::empty(),
    };
    let mut out = Response::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    out
}

/// Reads a whole upstream body, refusing (502) one larger than `cap` — by its declared length
/// at once, or as soon as the bytes pass it.
async fn read_capped(mut res: reqwest::Response, cap: usize) -> Result<Bytes, RelayError> {
    if res.content_length().is_some_and(|n| n > cap as u64) {
        return Err(RelayError::UpstreamTooLarge);
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = res.chunk().await.map_err(map_reqwest_error)? {
        if body.len() + chunk.len() > cap {
            return Err(RelayError::UpstreamTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Content-Type, `X-Apify-Pagination-*`, `X-RateLimit-Limit` — nothing else comes back.
pub fn response_header_allowed(name: &HeaderName) -> bool {
    let n = name.as_str();
    n == "content-type" || n == "x-ratelimit-limit" || n.starts_with("x-apify-pagination-")
}

fn map_reqwest_error(e: reqwest::Error) -> RelayError {
    // The error's Display can include the URL; it holds no secret (the token is a header), but
    // it is still not echoed to clients — only the kind is.
    if e.is_timeout() {
        RelayError::UpstreamTimeout
    } else {
        tracing::warn!(
            kind = if e.is_connect() { "connect" } else { "other" },
            "upstream request failed"
        );
        RelayError::UpstreamUnreachable
    }
}
