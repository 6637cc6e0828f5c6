//! Talking to the Apify API: the forwarder (which accepts only an [`AllowedRequest`]) and the one
//! call the relay makes on its own behalf, `GET /v2/users/me` when sealing.
//!
//! The upstream URL is built from a constant base and the matcher's validated parts. Request
//! and response headers are allow-listed; the client's `Authorization`, cookies and forwarding
//! headers never go upstream, and upstream `Set-Cookie` never comes back.

use crate::error::RelayError;
use crate::metrics::Metrics;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Request, StatusCode, Uri};
use axum::response::Response;
use bytes::Bytes;
use forge_apify::allow::{AllowedRequest, Method};
use forge_apify::audit::{Probe, CREATE_FORGE_STORE};
use forge_apify::models::{Data, UserIdentity};
use forge_apify::project::{self, Reply};
use http_body::{Body as _, Frame, SizeHint};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
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
const USER_AGENT: HeaderValue =
    HeaderValue::from_static(concat!("forge-relay/", env!("CARGO_PKG_VERSION")));

/// hyper's pooled client over rustls (ring, Mozilla's roots; HTTP/2 when Apify offers it by
/// ALPN). Request bodies are always whole by the time they are sent.
type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

#[derive(Debug, Clone)]
pub struct Upstream {
    client: HttpClient,
    /// How [`Upstream::own_pool`] connects: TCP options, TLS and ALPN.
    connector: HttpsConnector<HttpConnector>,
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
    ) -> Result<Upstream, rustls::Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect_timeout));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        Ok(Upstream {
            client: pool(connector.clone()),
            connector,
            base: base.into(),
            timeout,
            loopback_http_redirects: upstream_is_loopback && base.starts_with("http://"),
            metrics,
        })
    }

    /// The same upstream with a connection pool of its own (for another shard's runtime: a
    /// pooled connection is driven by the runtime that opened it).
    pub fn own_pool(&self) -> Upstream {
        Upstream {
            client: pool(self.connector.clone()),
            ..self.clone()
        }
    }

    /// A request to `base` + `path_and_query` with the relay's User-Agent.
    fn request(&self, method: axum::http::Method, path_and_query: &str) -> http::request::Builder {
        let mut url = String::with_capacity(self.base.len() + path_and_query.len());
        url.push_str(&self.base);
        url.push_str(path_and_query);
        Request::builder()
            .method(method)
            .uri(url)
            .header(header::USER_AGENT, USER_AGENT)
    }

    /// Sends `req` and waits for the answer's head, within `timeout` of now; returns the answer
    /// and what is left of the deadline (for reading its body).
    async fn send(
        &self,
        req: Result<Request<Full<Bytes>>, http::Error>,
        timeout: Duration,
    ) -> Result<(axum::http::Response<Incoming>, tokio::time::Instant), RelayError> {
        let req = req.map_err(|_| RelayError::Internal)?;
        let deadline = tokio::time::Instant::now() + timeout;
        let started = Instant::now();
        let res = tokio::time::timeout_at(deadline, self.client.request(req)).await;
        self.metrics.upstream_latency(started.elapsed());
        match res {
            Ok(Ok(res)) => Ok((res, deadline)),
            Ok(Err(e)) => Err(unreachable(&e)),
            Err(_) => Err(RelayError::UpstreamTimeout),
        }
    }

    fn bearer(token: &SecretString) -> Result<HeaderValue, RelayError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            .map_err(|_| RelayError::Internal)?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// `GET /v2/users/me`, keeping only `id` and `username`.
    pub async fn identity(&self, token: &SecretString) -> Result<UserIdentity, RelayError> {
        let req = self
            .request(axum::http::Method::GET, "/v2/users/me")
            .header(header::AUTHORIZATION, Self::bearer(token)?)
            .header(header::ACCEPT, "application/json")
            .body(Full::default());
        let (res, deadline) = self.send(req, self.timeout).await?;
        match res.status() {
            StatusCode::OK => {
                let body = read_capped(res, MAX_SMALL_ANSWER_BYTES, deadline).await?;
                let me: Data<UserIdentity> = serde_json::from_slice(&body)
                    .map_err(|_| RelayError::UpstreamUnexpected(200))?;
                Ok(me.data)
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(RelayError::TokenRejected),
            s => Err(RelayError::UpstreamUnexpected(s.as_u16())),
        }
    }

    /// Runs one fixed scope-check probe and keeps only its status (0 when Apify could not be
    /// reached). The body is dropped unread.
    pub async fn probe(&self, probe: &Probe, token: &SecretString) -> u16 {
        self.status_only(probe.method, probe.path, token).await
    }

    async fn status_only(&self, method: &str, path: &str, token: &SecretString) -> u16 {
        let Ok(bearer) = Self::bearer(token) else {
            return 0;
        };
        let method = match method {
            "PUT" => axum::http::Method::PUT,
            "POST" => axum::http::Method::POST,
            _ => axum::http::Method::GET,
        };
        let put = method == axum::http::Method::PUT;
        let req = self
            .request(method, path)
            .header(header::AUTHORIZATION, bearer);
        let req = if put {
            req.header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from_static(br#"{"checkedBy":"forge"}"#)))
        } else {
            req.body(Full::default())
        };
        self.send(req, self.timeout)
            .await
            .map_or(0, |(r, _)| r.status().as_u16())
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
        let req = self
            .request(axum::http::Method::GET, "/v2/users/me")
            .header(header::AUTHORIZATION, bearer)
            .body(Full::default());
        let Ok((res, deadline)) = self.send(req, self.timeout).await else {
            return false;
        };
        let Ok(body) = read_capped(res, MAX_SMALL_ANSWER_BYTES, deadline).await else {
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
        let method = match allowed.method() {
            Method::Get => axum::http::Method::GET,
            Method::Post => axum::http::Method::POST,
            Method::Put => axum::http::Method::PUT,
        };
        let mut req = self
            .request(method, &allowed.path_and_query())
            .header(header::AUTHORIZATION, Self::bearer(token)?);
        for name in REQUEST_HEADERS {
            if let Some(v) = client_headers.get(&name) {
                req = req.header(name, v.clone());
            }
        }
        let body = if allowed.method().carries_body() {
            Full::new(body)
        } else {
            Full::default()
        };
        // Apify holds a `waitForFinish` answer up to `wait` seconds on purpose.
        let timeout = self.timeout + Duration::from_secs(allowed.wait_secs().unwrap_or(0));
        let (res, deadline) = self.send(req.body(body), timeout).await?;

        let reply = allowed.reply();
        let (res, deadline) = if res.status().is_redirection() {
            if *reply != Reply::Record {
                return Err(RelayError::UpstreamRedirect);
            }
            self.follow_record_redirect(&res).await?
        } else {
            (res, deadline)
        };
        let status = res.status();
        if status.is_informational() {
            // hyper consumes interim answers itself; a final 1xx (101) is never passed on.
            return Err(RelayError::UpstreamUnexpected(status.as_u16()));
        }
        let headers = allowed_headers(res.headers());
        if !status.is_success() {
            let body = read_capped(res, MAX_SMALL_ANSWER_BYTES, deadline)
                .await
                .unwrap_or_default();
            let body = project::error_body(status.as_u16(), &body);
            return Ok(buffered(status, headers, Some(body)));
        }
        match reply {
            Reply::Record => Ok(streamed(status, headers, res, deadline)),
            Reply::Empty => Ok(buffered(status, headers, None)),
            Reply::Json(shape) => {
                let body = read_capped(res, MAX_JSON_ANSWER_BYTES, deadline).await?;
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
    /// Authorization header, with a deadline of its own.
    async fn follow_record_redirect(
        &self,
        res: &axum::http::Response<Incoming>,
    ) -> Result<(axum::http::Response<Incoming>, tokio::time::Instant), RelayError> {
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(RelayError::UpstreamRedirect)?;
        let url: Uri = location.parse().map_err(|_| RelayError::UpstreamRedirect)?;
        let authority = url.authority().ok_or(RelayError::UpstreamRedirect)?;
        let allowed_target = match url.scheme_str() {
            Some("https") => true,
            Some("http") => {
                self.loopback_http_redirects
                    && crate::config::is_loopback_authority(authority.host())
            }
            _ => false,
        };
        // `user:password@host` is refused: credentials never travel in a URL.
        if !allowed_target || authority.as_str().contains('@') {
            return Err(RelayError::UpstreamRedirect);
        }
        let req = Request::get(url)
            .header(header::USER_AGENT, USER_AGENT)
            .body(Full::default());
        let (next, deadline) = self.send(req, self.timeout).await?;
        if next.status().is_redirection() {
            return Err(RelayError::UpstreamRedirect);
        }
        Ok((next, deadline))
    }
}

fn pool(connector: HttpsConnector<HttpConnector>) -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .build(connector)
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

/// A record as stored: status, allow-listed headers, the body streamed through — cut off
/// (the client sees the connection end early) if it is not done by the deadline.
fn streamed(
    status: StatusCode,
    headers: HeaderMap,
    res: axum::http::Response<Incoming>,
    deadline: tokio::time::Instant,
) -> Response {
    let body = Deadline {
        inner: res.into_body(),
        timer: Box::pin(tokio::time::sleep_until(deadline)),
    };
    let mut out = Response::new(Body::new(body));
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    out
}

/// An upstream body that ends in an error once its deadline passes.
struct Deadline {
    inner: Incoming,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for Deadline {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err("the upstream body timed out".into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
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

/// Reads a whole upstream body by `deadline`, refusing (502) one larger than `cap` — by its
/// declared length at once, or as soon as the bytes pass it (http-body-util's `Limited`, as
/// the client bodies in `api`). A body that arrives in one piece, the usual case, comes back
/// as it came, without a copy.
async fn read_capped(
    res: axum::http::Response<Incoming>,
    cap: usize,
    deadline: tokio::time::Instant,
) -> Result<Bytes, RelayError> {
    let body = res.into_body();
    if body.size_hint().lower() > cap as u64 {
        return Err(RelayError::UpstreamTooLarge);
    }
    let read = http_body_util::Limited::new(body, cap).collect();
    match tokio::time::timeout_at(deadline, read).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            Err(RelayError::UpstreamTooLarge)
        }
        Ok(Err(e)) => Err(unreachable(&*e)),
        Err(_) => Err(RelayError::UpstreamTimeout),
    }
}

/// Content-Type, `X-Apify-Pagination-*`, `X-RateLimit-Limit` — nothing else comes back.
pub fn response_header_allowed(name: &HeaderName) -> bool {
    let n = name.as_str();
    n == "content-type" || n == "x-ratelimit-limit" || n.starts_with("x-apify-pagination-")
}

/// The client's or the body's error, as the one answer a client gets: Apify could not be
/// reached. Its Display can include the URL; that holds no secret (the token is a header), but
/// it is still not echoed to clients and not logged — only the kind is.
fn unreachable(e: &(dyn std::error::Error + 'static)) -> RelayError {
    let connect = e
        .downcast_ref::<hyper_util::client::legacy::Error>()
        .is_some_and(hyper_util::client::legacy::Error::is_connect);
    tracing::warn!(
        kind = if connect { "connect" } else { "other" },
        "upstream request failed"
    );
    RelayError::UpstreamUnreachable
}
