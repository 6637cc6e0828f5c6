//! Who a request acts as: its token (`Authorization: Bearer …` or `?token=`), whether the
//! token's grants cover the route, a signed public URL standing in for a token, and the
//! per-resource rate limit.

use super::error::{err, ApiError};
use super::query::Query;
use super::routes::{Need, Op, RouteDef};
use super::storages;
use crate::entities::{Dataset, KvStore, RequestQueue};
use crate::source;
use crate::state::State;
use crate::tokens::{self, ConsoleGrant, DemoToken, DEMO_TOKENS};
use axum::http::{header, HeaderMap, StatusCode};
use forge_apify::ErrorKind;
use std::collections::HashMap;

/// Extracts the token: `Authorization: Bearer …` first, then `?token=`.
pub fn token_of(headers: &HeaderMap, query: &Query) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let v = v.to_str().unwrap_or("").trim();
        let token = match v.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
            _ => v,
        };
        return Some(token.to_string());
    }
    query.get("token").map(str::to_string)
}

/// Whether `token` has what `need` asks for; the (first) missing grant if not.
fn allowed(token: &DemoToken, need: Need) -> Result<(), ConsoleGrant> {
    match need {
        Need::Token => Ok(()),
        Need::Grant(g) => {
            if token.has(g) {
                Ok(())
            } else {
                Err(g)
            }
        }
        Need::AnyOf(gs) => {
            if gs.iter().any(|g| token.has(*g)) {
                Ok(())
            } else {
                Err(gs[0])
            }
        }
    }
}

/// The token a request for `def` acts with, or the 401/403 it gets. `token` is what it sent.
pub fn authenticate(
    st: &State,
    def: &RouteDef,
    params: &[String],
    query: &Query,
    token: Option<String>,
) -> Result<&'static DemoToken, ApiError> {
    let token = token.filter(|t| !t.is_empty());
    if token.is_none() && signed_read(st, def.op, params, query) {
        // A signed public URL (`itemsPublicUrl`, `keysPublicUrl`, `recordsPublicUrl`,
        // `recordPublicUrl`) reads without a token, on the owner's behalf: that is what makes
        // leaking one dangerous.
        if let Some(owner) = DEMO_TOKENS.iter().find(|t| t.is_full_access()) {
            return Ok(owner);
        }
    }
    let Some(token) = token else {
        return Err(err(
            StatusCode::UNAUTHORIZED,
            ErrorKind::TokenNotProvided,
            "Authentication token was not provided",
        ));
    };
    let Some(token) = tokens::lookup(&token) else {
        return Err(err(
            StatusCode::UNAUTHORIZED,
            ErrorKind::InvalidToken,
            "Authentication token is not valid.",
        ));
    };
    if let Err(missing) = allowed(token, def.need) {
        return Err(err(
            StatusCode::FORBIDDEN,
            ErrorKind::InsufficientPermissions,
            format!(
                "Insufficient permissions: this API token does not have the \"{}\" permission needed for {} /v2/{}.",
                missing.label(),
                def.method,
                def.pattern
            ),
        ));
    }
    Ok(token)
}

/// Whether `?signature=` signs this read of a storage given by id: its dataset items, its keys,
/// or one of its records (a store's `recordsPublicUrl` signs them all).
fn signed_read(st: &State, op: Op, params: &[String], query: &Query) -> bool {
    let Some(sig) = query.get("signature").filter(|s| !s.is_empty()) else {
        return false;
    };
    let Some(id) = params.first().filter(|p| !p.contains('~')) else {
        return false;
    };
    let signs = |resource: &str| sig == source::signature(id, resource);
    let dataset = || storages::find::<Dataset>(st, id).is_ok();
    let store = || storages::find::<KvStore>(st, id).is_ok();
    match op {
        Op::DatasetItems => dataset() && signs("items"),
        Op::StoreKeys => store() && signs("keys"),
        Op::RecordGet => store() && (signs("records") || signs(&format!("records/{}", params[1]))),
        _ => false,
    }
}

/// Apify's limit classes: most endpoints allow the default per-resource rate; record CRUD
/// allows 200 requests per second per resource, starting a run and pushing items 400 (at the
/// default of 60: the simulator's `--rate-limit` scales all three).
fn class_limit(op: Op, base: u32) -> u32 {
    let scaled = |num: u64| u32::try_from(base as u64 * num / 3).unwrap_or(u32::MAX);
    match op {
        Op::RecordGet | Op::RecordPut | Op::RecordDelete => scaled(10),
        Op::ActorRunStart | Op::DatasetPush => scaled(20),
        _ => base,
    }
}

/// The per-resource limit (requests per second) of `def` when the default is `base`: what its
/// `X-RateLimit-Limit` says.
pub fn route_limit(def: &RouteDef, base: u32) -> u32 {
    class_limit(def.op, base)
}

/// The resource a request for `def` with `params` counts against (Apify: "a single Actor, a
/// single Actor run, a single dataset, single key-value store etc."): the last object the path
/// names — an Actor's run list counts against the Actor, a record against its store — by id
/// when a name (`~name`) resolves; a collection route (`/v2/actor-runs`) is its own resource.
fn resource(st: &State, def: &RouteDef, params: &[String]) -> String {
    let pattern: Vec<&str> = def.pattern.split('/').collect();
    let mut named: Option<(&str, &str)> = None;
    let mut p = 0;
    for (i, seg) in pattern.iter().enumerate() {
        if seg.starts_with('{') {
            if *seg != "{key}" && i > 0 {
                named = Some((pattern[i - 1], params[p].as_str()));
            }
            p += 1;
        }
    }
    let Some((collection, r)) = named else {
        return def.pattern.to_string();
    };
    // `/v2/actors/{actorId}/runs/{runId}` is the run `/v2/actor-runs/{runId}` is.
    let collection = if collection == "runs" {
        "actor-runs"
    } else {
        collection
    };
    let id = match collection {
        "actors" => super::lookup::actor_idx(st, r)
            .ok()
            .map(|i| st.actors[i].id.clone()),
        "datasets" if r.contains('~') => storage_id::<Dataset>(st, r),
        "key-value-stores" if r.contains('~') => storage_id::<KvStore>(st, r),
        "request-queues" if r.contains('~') => storage_id::<RequestQueue>(st, r),
        _ => None,
    };
    format!("{collection}/{}", id.as_deref().unwrap_or(r))
}

fn storage_id<S: storages::Storage>(st: &State, r: &str) -> Option<String> {
    let loc = storages::find::<S>(st, r).ok()?;
    Some(storages::at::<S>(st, loc).head().id.clone())
}

/// What the rate limits decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Limited {
    /// Over the user's global limit (per minute).
    Global(u32),
    /// Over the resource's limit (per second).
    Resource(u32),
}

impl Limited {
    /// Apify's 429 `rate-limit-exceeded`.
    pub fn error(&self) -> ApiError {
        let message = match self {
            Limited::Global(n) => {
                format!("You have exceeded the rate limit of {n} requests per minute")
            }
            Limited::Resource(n) => {
                format!("You have exceeded the rate limit of {n} requests per second")
            }
        };
        err(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::RateLimitExceeded,
            message,
        )
    }
}

/// Request counts of Apify's two rate limits, in fixed windows: per user (or, without a valid
/// token, per client — here one) and minute, and per token, resource and second.
#[derive(Debug, Default)]
pub struct RateLimits {
    /// (user, minute) → count
    global: HashMap<String, (u64, u32)>,
    /// (token, limit class, resource) → (second, count)
    counts: HashMap<String, (u64, u32)>,
}

/// Counts one request in `window` for `key`; true if that makes it more than `limit`.
fn count(map: &mut HashMap<String, (u64, u32)>, key: String, window: u64, limit: u32) -> bool {
    if map.len() > 10_000 {
        map.retain(|_, (w, _)| *w == window);
    }
    let entry = map.entry(key).or_insert((window, 0));
    if entry.0 != window {
        *entry = (window, 0);
    }
    entry.1 = entry.1.saturating_add(1);
    entry.1 > limit
}

impl RateLimits {
    /// Counts a request for `def` (with `params`, by `token`) at `elapsed_ms` of the simulator's
    /// life against both limits (0 turns one off); which one it exceeds, if any.
    pub fn check(
        &mut self,
        st: &State,
        def: &RouteDef,
        params: &[String],
        token: Option<&str>,
        elapsed_ms: u64,
    ) -> Option<Limited> {
        let global = st.opts.global_rate_limit_per_min;
        if global > 0 {
            let user = match token.and_then(tokens::lookup) {
                Some(_) => format!("user {}", st.user.id),
                None => "anonymous".to_string(),
            };
            if count(&mut self.global, user, elapsed_ms / 60_000, global) {
                return Some(Limited::Global(global));
            }
        }
        let base = st.opts.rate_limit_per_sec;
        if base > 0 {
            let limit = class_limit(def.op, base);
            let key = format!(
                "{}|{}|{}",
                token.unwrap_or("-"),
                limit,
                resource(st, def, params)
            );
            if count(&mut self.counts, key, elapsed_ms / 1000, limit) {
                return Some(Limited::Resource(limit));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::routes::{find_route, segments};

    /// Dataset statistics (and the run shortcuts to them) need Storages: Read, as the dataset
    /// itself does; without it they answer 403. Every demo token holds Storages: Read, so the
    /// check is made here with a token lacking it.
    #[test]
    fn dataset_statistics_need_storages_read_like_the_dataset() {
        let no_storage_read = DemoToken {
            label: "no-storage-read",
            token: "apify_api_test",
            description: "",
            grants: &[
                ConsoleGrant::ActorsRead,
                ConsoleGrant::ActorsListRuns,
                ConsoleGrant::StoragesWrite,
            ],
            known: true,
        };
        for path in [
            "/v2/datasets/d/statistics",
            "/v2/actor-runs/r/dataset/statistics",
            "/v2/actors/a/runs/last/dataset/statistics",
            "/v2/datasets/d",
        ] {
            let (def, _) = find_route("GET", &segments(path).unwrap()).unwrap();
            assert_eq!(
                allowed(&no_storage_read, def.need),
                Err(ConsoleGrant::StoragesRead),
                "{path}"
            );
            assert_eq!(allowed(&DEMO_TOKENS[0], def.need), Ok(()), "{path}");
        }
    }
}
