//! # forge-relay
//!
//! The one server-side piece of Forge: it seals a pasted Apify token (so the browser only ever
//! holds ciphertext), opens it per request, and forwards **only** requests that match the
//! allow-list in `forge-apify`. Everything else is refused before a byte goes upstream.
//!
//! - [`config`]: flags + environment → one validated [`config::Config`].
//! - [`seal`]: AES-256-GCM envelope and keyring.
//! - [`guard`]: request-shape, CSRF and credential checks for `/api`.
//! - [`api`]: the `/api/session` and `/api/apify/…` handlers.
//! - [`assets`]: the built app at `/`: precompressed files, caching headers, SPA fallback.
//! - [`upstream`]: the HTTP client to Apify, with header allow-lists and the redirect rule.
//! - [`metrics`], [`ratelimit`]: `/metrics` and the per-session token bucket.
//!
//! The relay stores nothing: no database, no files.

pub mod api;
pub mod assets;
pub mod config;
pub mod error;
pub mod guard;
pub mod metrics;
pub mod ratelimit;
pub mod seal;
pub mod server;
pub mod upstream;

use crate::config::{Config, Mode};
use crate::error::RelayError;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::upstream::Upstream;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use forge_apify::models::UserIdentity;
use forge_apify::wire;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{OnceCell, Semaphore};

/// The state of a running relay, as one shard (see [`serve_sharded`]) sees it. Everything but
/// the upstream connection pool is shared by every shard.
#[derive(Debug)]
pub struct AppState {
    pub config: Arc<Config>,
    pub upstream: Upstream,
    pub metrics: Arc<Metrics>,
    pub limiter: Arc<RateLimiter>,
    pub in_flight: Arc<Semaphore>,
    /// Local mode: who `APIFY_TOKEN` belongs to, asked once.
    pub local_identity: Arc<OnceCell<UserIdentity>>,
}

/// Which metrics label a response belongs to, when it is more precise than the axum route
/// (the forwarder sets the allow-list template).
#[derive(Debug, Clone, Copy)]
pub struct RouteLabel(pub &'static str);

impl AppState {
    pub fn new(config: Config) -> anyhow::Result<Arc<AppState>> {
        let metrics = Arc::new(Metrics::default());
        let upstream = Upstream::new(
            &config.upstream,
            config.upstream_is_loopback,
            config.upstream_connect_timeout,
            config.upstream_timeout,
            metrics.clone(),
        )?;
        Ok(Arc::new(AppState {
            limiter: Arc::new(RateLimiter::new(config.rate_per_sec, config.rate_burst)),
            in_flight: Arc::new(Semaphore::new(config.max_in_flight)),
            upstream,
            metrics,
            local_identity: Arc::default(),
            config: Arc::new(config),
        }))
    }

    /// The same relay for another shard: shared configuration, rate limits, in-flight cap,
    /// metrics and identity, and an upstream pool of its own — so a request never waits on a
    /// connection another thread drives.
    pub fn shard(&self) -> Arc<AppState> {
        Arc::new(AppState {
            config: self.config.clone(),
            upstream: self.upstream.own_pool(),
            metrics: self.metrics.clone(),
            limiter: self.limiter.clone(),
            in_flight: self.in_flight.clone(),
            local_identity: self.local_identity.clone(),
        })
    }
}

/// The whole HTTP surface.
pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route(
            wire::SESSION_PATH,
            get(api::current).post(api::connect).delete(api::disconnect),
        )
        .route(
            &format!("{}/{{*rest}}", wire::APIFY_PREFIX),
            // Apify's JSON, projected, gzipped for a client that asks (a page of 1,000 runs is
            // ~460 KB of JSON). These answers carry no secret — the token never leaves the
            // relay — so compression cannot leak one (BREACH needs a secret in the body).
            any(api::forward).layer(
                tower_http::compression::CompressionLayer::new()
                    .quality(tower_http::CompressionLevel::Fastest),
            ),
        )
        .route(wire::DEMO_TOKENS_PATH, get(api::demo_tokens))
        .route(wire::AUDIT_PATH, get(api::audit))
        .fallback(api_not_found);

    let mut app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(render_metrics))
        .merge(api);
    if let Some(dir) = &state.config.app_dir {
        // Precompressed `.br`/`.gz`, `Vary`, `Cache-Control` per kind, SPA fallback: `assets`.
        app = app.fallback_service(assets::AppFiles::new(dir));
    }

    app.layer(middleware::from_fn_with_state(state.clone(), edge))
        .with_state(state)
}

async fn api_not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/api") {
        RelayError::NotFound.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn render_metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// What every request and answer goes through, in one layer (one future per request rather
/// than one per concern): credentials marked sensitive (so no `Debug` or trace output shows
/// them), CORS, the whole-request timeout, the security headers, metrics and one log line.
/// The log names the route *template*, never the raw path or query: either could hold a token
/// someone pasted into a URL.
async fn edge(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    for name in [header::AUTHORIZATION, header::COOKIE] {
        if let Some(v) = req.headers_mut().get_mut(name) {
            v.set_sensitive(true);
        }
    }
    let method = req.method().clone();
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let is_api = req.uri().path().starts_with("/api");
    let origin = req.headers().get(header::ORIGIN).cloned();
    let allowed_origin = origin
        .as_ref()
        .and_then(|o| o.to_str().ok())
        .is_some_and(|o| state.config.allowed_origins.iter().any(|a| a == o));

    let mut res = if method == Method::OPTIONS {
        preflight(
            allowed_origin && req.uri().path().starts_with("/api/"),
            origin,
        )
    } else {
        // The longest legitimate exchange: a `waitForFinish` run read waits on top of the
        // upstream timeout.
        let limit = state.config.upstream_timeout
            + Duration::from_secs(forge_apify::limits::MAX_WAIT_FOR_FINISH_SECS + 10);
        let mut res = tokio::time::timeout(limit, next.run(req))
            .await
            .unwrap_or_else(|_| StatusCode::REQUEST_TIMEOUT.into_response());
        if allowed_origin {
            allow_origin(res.headers_mut(), origin);
            res.headers_mut().insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(
                    "x-apify-pagination-total, x-apify-pagination-offset, x-apify-pagination-limit, x-apify-pagination-count, x-apify-pagination-desc, retry-after",
                ),
            );
        }
        res
    };
    security_headers(res.headers_mut(), is_api, state.config.behind_proxy);
    if let header::Entry::Occupied(mut cookies) = res.headers_mut().entry(header::SET_COOKIE) {
        for v in cookies.iter_mut() {
            v.set_sensitive(true);
        }
    }

    let route = match (res.extensions().get::<RouteLabel>(), &matched) {
        (Some(RouteLabel(t)), _) => Cow::Borrowed(*t),
        (None, Some(m)) => Cow::Owned(m.as_str().to_string()),
        (None, None) => Cow::Borrowed("unmatched"),
    };
    let status = res.status().as_u16();
    // Its own target, so an operator can keep the relay's other lines and drop these
    // (`RUST_LOG=info,forge_relay::access=off`), as nginx's `access_log off`.
    tracing::info!(target: "forge_relay::access", %method, %route, status, elapsed_ms = started.elapsed().as_millis() as u64, "request");
    state.metrics.request(method.as_str(), route, status);
    res
}

/// Same-origin by default; `--allowed-origin` lists exact origins that may call with
/// credentials. Preflights from anywhere else are refused outright.
fn preflight(allowed: bool, origin: Option<HeaderValue>) -> Response {
    if !allowed {
        return RelayError::OriginNotAllowed.into_response();
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, DELETE"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type, x-forge-client, authorization"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    allow_origin(h, origin);
    res
}

fn allow_origin(h: &mut axum::http::HeaderMap, origin: Option<HeaderValue>) {
    if let Some(o) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    h.append(header::VARY, HeaderValue::from_static("origin"));
}

/// The Content-Security-Policy the relay sends with the app.
pub const APP_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn security_headers(h: &mut axum::http::HeaderMap, is_api: bool, behind_proxy: bool) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if is_api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else {
        // The app's files set their own (`assets`); anything else must be revalidated.
        if !h.contains_key(header::CACHE_CONTROL) {
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(assets::NO_CACHE),
            );
        }
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(APP_CSP),
        );
    }
    if behind_proxy {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
}

/// Runs the relay on an already-bound listener until SIGINT/SIGTERM, then drains: stops
/// accepting, lets the requests in flight finish, closes every connection. The connection
/// limits of [`server`] apply throughout. One shard, on the caller's runtime.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    let limits = server::Limits::from_config(&state.config);
    let metrics = state.metrics.clone();
    server::serve(listener, router(state), limits, metrics, shutdown_signal()).await
}

/// [`serve`] on `shards` threads, each a single-threaded runtime with its own accept loop on
/// the one listener and its own upstream pool (the calling runtime is the first). A request
/// then stays on one thread from the first byte to the last: no hand-offs between worker
/// threads, which on 2 cores cost about a fifth of the relay's CPU per request. The
/// connection caps, rate limits and metrics are the process's, whichever shard accepts.
pub async fn serve_sharded(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shards: usize,
) -> std::io::Result<()> {
    let limits = server::Limits::from_config(&state.config);
    let (slots, mut inboxes) = server::Slots::new(limits, state.metrics.clone(), shards);
    let first_inbox = inboxes.remove(0);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut threads = Vec::new();
    for (n, inbox) in (1..).zip(inboxes) {
        let listener = another_handle(&listener)?;
        let (state, slots, mut stop) = (state.shard(), slots.clone(), stop_rx.clone());
        let thread = std::thread::Builder::new()
            .name(format!("forge-relay-{n}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    let stopped = async move {
                        let _ = stop.wait_for(|stop| *stop).await;
                    };
                    server::serve_with(listener, router(state), slots, inbox, stopped).await
                })
            })?;
        threads.push(thread);
    }
    let signalled = async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    };
    let first = server::serve_with(listener, router(state), slots, first_inbox, signalled).await;
    // The other shards drain on their own threads; wait for them off this runtime's thread.
    let rest = tokio::task::spawn_blocking(move || {
        threads
            .into_iter()
            .map(|t| {
                t.join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("a shard panicked")))
            })
            .collect::<std::io::Result<Vec<()>>>()
    })
    .await
    .map_err(std::io::Error::other)?;
    first.and(rest.map(|_| ()))
}

/// Another handle on the same listening socket, for another runtime to accept on.
fn another_handle(listener: &tokio::net::TcpListener) -> std::io::Result<std::net::TcpListener> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let listener = std::net::TcpListener::from(listener.as_fd().try_clone_to_owned()?);
        listener.set_nonblocking(true)?;
        Ok(listener)
    }
    #[cfg(not(unix))]
    {
        let _ = listener;
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "more than one shard needs a unix socket",
        ))
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Mode {
    /// Banner line for start-up.
    pub fn describe(self) -> &'static str {
        match self {
            Mode::Serve => "serve: sealing tokens with FORGE_SEAL_KEYS",
            Mode::Local => "local: forwarding with APIFY_TOKEN, loopback only",
            Mode::Demo => "demo: a simulated Apify account, no network, loopback only",
        }
    }
}
