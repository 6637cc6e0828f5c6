//! # forge-sim — a simulated Apify account
//!
//! Tests cannot reach api.apify.com and a newcomer has no scoped token at hand, so Forge ships
//! a stand-in: an axum router that answers like Apify's API v2 for a generated, deterministic
//! demo fleet. It is faithful where a relay or dashboard bug would show: scoped-token grants,
//! Apify's error types, pagination, the `?token=` and `?method=` quirks, Apify's rate limits
//! (per resource and per user), the plan's data retention, record redirects to a storage host,
//! runs that progress over simulated time — and it also implements the *dangerous* neighbours
//! of Forge's routes (deletes, item pushes, webhooks, schedules…) with real effects, so a relay
//! that lets one through is caught by the state, not only by the request log.
//!
//! It is sized for fleets of 1,000 Actors and 90 days (about half a million runs): a run is a
//! hundred-odd bytes with no string in it, runs' ids derive from their number instead of being
//! stored, runs' default storages render from their run until written to, and the account-wide
//! lists page by binary search over sorted indices instead of filtering every run per request.
//! Generating that account takes well under a second in a release build.
//!
//! - [`Sim`]: the handle (cheap to clone); [`Sim::router`] is the API, [`serve`] runs it on a
//!   socket, [`Sim::requests`] is the request log for "nothing reached upstream" assertions.
//! - [`fleet`]: the seeded generator and the named story Actors.
//! - [`tokens`]: the demo tokens and the Console grants they hold.
//! - [`faults`]: latency, error rates, 429 bursts, stalls, slow bodies, resets.
//! - [`SENTINEL`]: embedded in every value the relay must never return (source files, env
//!   vars, signing keys, signed URLs, `INPUT` records, error `data`…), so a relay test's leak
//!   check is one `contains`. Signed public URLs also really work without a token here, as on
//!   Apify.
//!
//! Control routes (never part of Apify's API): `GET /__sim/requests` (the request log as JSON),
//! `DELETE /__sim/requests` (clear it), and `GET /__sim/storage/{storeId}/{key}` — the
//! unauthenticated "storage host" that large-record `302`s point to. Storage-host requests are
//! logged like API requests (they stand for traffic to another host, so a test can check the
//! redirect was followed without `Authorization`); the `/__sim/requests` routes are not.
//!
//! Inside, the modules form layers; each imports only from the layers below it:
//!
//! 1. `time`, `rng`, [`tokens`], `options` — no crate imports; `ids` (run ids derived from the
//!    seed) and `seq` (one page of merged sorted lists) — only `rng`;
//! 2. `entities` — what the account is made of (plain data);
//! 3. `usage` — what runs cost; `source` — the texts and secrets an Actor carries;
//! 4. [`fleet`] — the stories (how Actors behave) and the seeded generator;
//! 5. `state` — the live account: clock, ids, runs in progress; `run_index` — its runs sorted
//!    the ways the lists ask for them;
//! 6. `api` — routing, authentication and one module per resource, each rendering its own
//!    objects;
//! 7. [`faults`], `log` (the request log) and this root: the [`Sim`] handle and its HTTP
//!    front (request log → faults → `?method=` → `api` → `waitForFinish`).

mod api;
mod entities;
pub mod faults;
pub mod fleet;
mod ids;
mod log;
mod options;
mod rng;
mod run_index;
mod seq;
mod source;
mod state;
mod time;
pub mod tokens;
mod usage;

pub use faults::{Fault, FaultKind};
pub use log::RecordedRequest;
pub use options::SimOptions;
pub use source::SENTINEL;
pub use tokens::{ConsoleGrant, DemoToken, DEFAULT_DEMO_TOKEN, DEMO_TOKENS};

use crate::api::{Query, RateLimits, Reply};
use crate::faults::ActiveFault;
use crate::rng::Rng;
use crate::state::State;
use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use forge_apify::ErrorKind;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Largest request body read (bigger bodies answer 413 `request-too-large`).
pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;
/// The request log keeps at most this many entries (oldest dropped first).
pub const MAX_LOGGED_REQUESTS: usize = 100_000;

struct Inner {
    opts: SimOptions,
    shared: Mutex<Shared>,
}

/// Everything behind the one lock: the account and the simulator's own bookkeeping.
#[derive(Debug)]
struct Shared {
    state: State,
    log: Vec<RecordedRequest>,
    faults: Vec<ActiveFault>,
    /// Randomness for fault injection (error rates, jitter).
    fault_rng: Rng,
    rate: RateLimits,
}

/// The simulator. Clone it freely: every clone is the same account.
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Inner>,
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sim")
            .field("seed", &self.inner.opts.seed)
            .field("actors", &self.inner.opts.actors)
            .field("days", &self.inner.opts.days)
            .finish_non_exhaustive()
    }
}

impl Sim {
    /// The correctly scoped demo token.
    pub const DEFAULT_DEMO_TOKEN: &'static str = tokens::DEFAULT_DEMO_TOKEN;

    /// Generates the demo account.
    pub fn new(opts: SimOptions) -> Sim {
        let anchor_ms = opts
            .now
            .map(|s| s.saturating_mul(1000))
            .unwrap_or_else(time::wall_clock_ms);
        let shared = Shared {
            state: State::new(opts.clone(), anchor_ms),
            log: Vec::new(),
            faults: Vec::new(),
            fault_rng: Rng::derive(opts.seed, 0xFA17),
            rate: RateLimits::default(),
        };
        Sim {
            inner: Arc::new(Inner {
                opts,
                shared: Mutex::new(shared),
            }),
        }
    }

    pub fn options(&self) -> &SimOptions {
        &self.inner.opts
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner
            .shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The Apify API under `/v2/…` plus the `/__sim/…` control routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/__sim/requests", get(log_get).delete(log_clear))
            .fallback(api_handler)
            .with_state(self.clone())
    }

    /// Every request received so far (including refused ones), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().log.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    /// Replaces the active faults (and restarts their 429 bursts).
    pub fn set_faults(&self, faults: Vec<Fault>) {
        self.lock().faults = faults.into_iter().map(ActiveFault::new).collect();
    }

    /// A record's content type and bytes; `store` is an id, a name or `~name`.
    pub fn store_record(&self, store: &str, key: &str) -> Option<(String, Vec<u8>)> {
        let g = self.lock();
        let st = &g.state;
        let r = if store.contains('~') {
            store.to_string()
        } else if st.stores.iter().any(|s| s.name.as_deref() == Some(store)) {
            format!("~{store}")
        } else {
            store.to_string()
        };
        let s = api::store_at(st, &r)?;
        let rec = s.records.get(key)?;
        Some((rec.content_type.clone(), rec.value.to_vec()))
    }

    pub fn demo_tokens() -> &'static [DemoToken] {
        DEMO_TOKENS
    }

    /// The account's username (`forge-demo`).
    pub fn username(&self) -> String {
        self.lock().state.user.username.clone()
    }

    /// Id of an Actor by name (own Actors and the public ones the account uses).
    pub fn actor_id(&self, name: &str) -> Option<String> {
        let g = self.lock();
        let st = &g.state;
        st.actors
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.id.clone())
    }

    /// Id of a named key-value store.
    pub fn store_id(&self, name: &str) -> Option<String> {
        let g = self.lock();
        let st = &g.state;
        st.stores
            .iter()
            .find(|s| s.name.as_deref() == Some(name))
            .map(|s| s.id.clone())
    }

    /// The simulator's clock (unix ms).
    pub fn now_ms(&self) -> u64 {
        self.lock().state.now_ms()
    }
}

/// Serves the simulator on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, sim: Sim) -> std::io::Result<()> {
    axum::serve(listener, sim.router()).await
}

async fn log_get(AxState(sim): AxState<Sim>) -> Response {
    axum::Json(sim.requests()).into_response()
}

async fn log_clear(AxState(sim): AxState<Sim>) -> StatusCode {
    sim.clear_requests();
    StatusCode::NO_CONTENT
}

const STORAGE_PREFIX: &str = "/__sim/storage/";

async fn api_handler(AxState(sim): AxState<Sim>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, MAX_REQUEST_BYTES).await;
    let path = parts.uri.path().to_string();
    let query = Query::parse(parts.uri.query());
    let limit = sim.inner.opts.rate_limit_per_sec;

    let (plan, reply) = {
        let mut guard = sim.lock();
        let Shared {
            state: st,
            log,
            faults: active,
            fault_rng,
            rate,
        } = &mut *guard;
        let entry = RecordedRequest {
            method: parts.method.as_str().to_string(),
            path: path.clone(),
            query: parts.uri.query().map(str::to_string),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body_len: body.as_ref().map_or(0, |b| b.len()),
            timestamp_ms: st.now_ms(),
        };
        if log.len() >= MAX_LOGGED_REQUESTS {
            log.drain(..MAX_LOGGED_REQUESTS / 10);
        }
        log.push(entry);
        let mut plan = faults::plan(active, fault_rng, &path);
        let reply = if plan.stall {
            None
        } else if let Some(early) = plan.early.take() {
            Some(early)
        } else {
            Some(match body {
                Err(_) => api::err(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorKind::RequestTooLarge,
                    format!("The payload is too large (limit: {MAX_REQUEST_BYTES} bytes)."),
                )
                .into(),
                Ok(body) => {
                    if let Some(rest) = path.strip_prefix(STORAGE_PREFIX) {
                        api::storage_host(st, rest)
                    } else {
                        // Apify honours `?method=` on every route.
                        let method = query
                            .get("method")
                            .map(str::to_ascii_uppercase)
                            .filter(|m| matches!(m.as_str(), "GET" | "POST" | "PUT" | "DELETE"))
                            .unwrap_or_else(|| parts.method.as_str().to_string());
                        api::handle(st, rate, &method, &path, &query, &parts.headers, body)
                    }
                }
            })
        };
        (plan, reply)
    };

    let Some(mut reply) = reply else {
        // Stall: hold the connection open and never answer.
        std::future::pending::<()>().await;
        return StatusCode::GATEWAY_TIMEOUT.into_response();
    };
    let delay = sim.inner.opts.latency + plan.delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some((run, max)) = reply.wait_for.take() {
        reply = wait_for_run(&sim, reply, run, max).await;
    }

    let mut builder = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            builder = builder.header(name, v);
        }
    }
    let has_limit = reply
        .headers
        .iter()
        .any(|(n, _)| n == api::RATE_LIMIT_HEADER);
    if !path.starts_with(STORAGE_PREFIX) && !has_limit {
        // Answers that never reached a route (404, 405, injected faults): the default limit.
        builder = builder.header(api::RATE_LIMIT_HEADER, limit.to_string());
    }
    let body = if plan.reset {
        faults::reset_body()
    } else if let Some(bps) = plan.slow_body {
        faults::slow_body(reply.body, bps)
    } else {
        Body::from(reply.body)
    };
    builder
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// `waitForFinish`: re-renders the run at position `run` once it is terminal or the wait is over.
async fn wait_for_run(sim: &Sim, reply: Reply, run: u32, max: Duration) -> Reply {
    let deadline = Instant::now() + max;
    loop {
        {
            let mut guard = sim.lock();
            let st = &mut guard.state;
            st.advance();
            if st.phase(run).is_terminal() || Instant::now() >= deadline {
                let mut fresh = Reply::data(reply.status, api::run_json(st, run));
                fresh.headers = reply.headers;
                return fresh;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
