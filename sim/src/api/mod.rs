//! The simulated Apify API v2: [`handle`] takes every `/v2/…` request, one module per resource
//! answers it.
//!
//! One fallback handler takes every request, because Apify's own quirks do not fit a static
//! router: the `?method=` override turns a GET into a DELETE on any route, `?token=`
//! authenticates like the Bearer header, `/v2/acts/…` is an alias of `/v2/actors/…`, and ids
//! may be `username~name` or `~name`. [`routes::ROUTES`] is the table of what is implemented
//! and which Console grant each route needs. Order of checks for a request: route (404
//! `page-not-found` / 405 `method-not-allowed`) → Apify's rate limits (429: the user's global
//! limit per minute, then the resource's per second, see [`auth::RateLimits`]) → token (401;
//! a valid `?signature=` of a signed public URL stands in for it on dataset items, key listings
//! and records) → grant (403 `insufficient-permissions`) → handler (404 with Apify's types,
//! 400 …). Every error body carries Apify's envelope plus an extra `data` object (see
//! `From<ApiError> for Reply` in [`error`]).
//!
//! - Shared: [`reply`], [`error`], [`query`], [`pagination`], [`ctx`] (the request a handler
//!   sees), [`lookup`] (references and names), [`auth`] (tokens, grants, rate limits),
//!   [`routes`] (the table and `dispatch`), [`storages`] (what the three storage kinds share).
//! - What Forge uses: [`actors`], [`builds`], [`runs`], [`datasets`], [`key_value_stores`],
//!   [`records`].
//! - The dangerous neighbours the relay must block, with real effects: [`run_start`] (also
//!   `run-sync`), [`request_queues`], [`webhooks`], [`schedules`], [`tasks`], [`users`]
//!   (`/v2/users/me`), and the deletes and item pushes in the storage modules.
//!
//! Each resource module renders its own objects in Apify's response shapes (the schemas of
//! Apify's OpenAPI description: `Actor`, `ActorShort`, `Run`, `RunShort`, `Build`,
//! `Dataset`, `KeyValueStore`, …; the conformance test checks them). The objects the relay's
//! allow-listed routes return carry every property their schema declares, the dangerous ones
//! included — source files, env vars, Git URLs with credentials, example inputs, deployment
//! keys, signing keys and signed public URLs (rendered by `crate::source`, each embedding
//! [`crate::SENTINEL`]) — so the relay's response projection is tested against what Apify
//! really sends. Where the spec allows `null`, real values are the rule and `null` appears on
//! some ordinary Actors, as on Apify.

mod actors;
mod auth;
mod builds;
mod ctx;
mod datasets;
mod error;
mod key_value_stores;
mod lookup;
mod pagination;
mod query;
mod records;
mod reply;
mod request_queues;
mod routes;
mod run_start;
mod runs;
mod schedules;
mod storages;
mod tasks;
mod users;
mod webhooks;

pub use auth::{token_of, RateLimits};
pub use error::err;
pub use query::Query;
pub use records::storage_host;
pub use reply::Reply;
pub use runs::run_json;

use crate::entities::KvStore;
use crate::state::State;
use axum::http::{header, HeaderMap, HeaderName};
use bytes::Bytes;
use ctx::Ctx;
use routes::{find_route, page_not_found, segments};

/// Handles one API request under the state lock. `method` is the effective method (after
/// `?method=`), `path` the raw path; `rate` counts requests for the rate limit.
pub fn handle(
    st: &mut State,
    rate: &mut RateLimits,
    method: &str,
    path: &str,
    query: &Query,
    headers: &HeaderMap,
    body: Bytes,
) -> Reply {
    st.advance();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost")
        .to_string();
    let Some(segs) = segments(path) else {
        return page_not_found(path);
    };
    let (def, params) = match find_route(method, &segs) {
        Ok(found) => found,
        Err(why) => return routes::no_route(path, why),
    };
    let token = token_of(headers, query);
    let limit = auth::route_limit(def, st.opts.rate_limit_per_sec);
    let elapsed_ms = st.epoch.elapsed().as_millis() as u64;
    if let Some(over) = rate.check(st, def, &params, token.as_deref(), elapsed_ms) {
        return with_limit(over.error().into(), limit);
    }
    let token = match auth::authenticate(st, def, &params, query, token) {
        Ok(token) => token,
        Err(e) => return with_limit(e.into(), limit),
    };
    let ctx = Ctx {
        params,
        query,
        headers,
        body,
        host,
        token,
        method: method.to_string(),
    };
    let reply = routes::dispatch(st, def.op, &ctx).unwrap_or_else(Reply::from);
    with_limit(reply, limit)
}

/// Every API answer says the endpoint's per-resource limit (`X-RateLimit-Limit`).
fn with_limit(reply: Reply, limit: u32) -> Reply {
    reply.with_header(RATE_LIMIT_HEADER, limit.to_string())
}

/// `X-RateLimit-Limit`.
pub const RATE_LIMIT_HEADER: HeaderName = HeaderName::from_static("x-ratelimit-limit");

/// The key-value store `r` (an id, `~name` or `username~name`) refers to.
pub fn store_at<'s>(st: &'s State, r: &str) -> Option<std::borrow::Cow<'s, KvStore>> {
    let loc = storages::find::<KvStore>(st, r).ok()?;
    Some(storages::at(st, loc))
}
