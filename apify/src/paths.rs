//! Typed builders for every Apify path Forge requests, each answered as an [`ApifyPath`] whose
//! grant comes **from the allow-list itself**: a builder assembles the raw path and query, runs
//! [`crate::match_request`] over them, and keeps what the matcher returns — the canonical
//! request target (exactly what the relay forwards upstream) and the row's [`Grant`]. So a
//! builder cannot produce a path the relay would refuse; an id of the wrong shape is an `Err`
//! with the matcher's [`Refusal`], never a request.
//!
//! ```
//! use forge_apify::paths::{self, RunsQuery};
//! use forge_apify::Grant;
//!
//! let runs = paths::actor_runs("ana~shop-scraper", &RunsQuery {
//!     desc: true,
//!     limit: Some(1000),
//!     started_after: Some("2026-11-01T00:00:00.000Z".into()),
//!     ..RunsQuery::default()
//! })
//! .unwrap();
//! assert_eq!(runs.grant(), Grant::ActorRunsRead);
//! assert_eq!(
//!     runs.path_and_query(),
//!     "/v2/actors/ana~shop-scraper/runs?desc=1&limit=1000&startedAfter=2026-11-01T00%3A00%3A00.000Z"
//! );
//! assert_eq!(runs.relay_path(), format!("/api/apify{}", runs.path_and_query()));
//! assert!(paths::actor("../users/me").is_err());
//! ```
//!
//! Query keys are emitted in one fixed order (`my`, `desc`, `limit`, `sortBy`, `status`,
//! `startedAfter`, `startedBefore`, `offset`, then the route's own keys); `offset` 0, `desc`
//! false and other defaults are left out. Values the matcher clamps (`limit` over
//! [`crate::limits::MAX_PAGE_LIMIT`], `waitForFinish` over
//! [`crate::limits::MAX_WAIT_FOR_FINISH_SECS`]) come back clamped.

use crate::allow::{match_request, percent_encode_into, Method, Refusal, FORGE_STORE_NAME};
use crate::limits;
use crate::models::JobStatus;
use crate::scope::Grant;
use std::fmt;

/// A request target that matched the allow-list: method, canonical `path?query` (starting with
/// `/v2/`) and the grant its row needs. Only the builders of this module construct one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApifyPath {
    method: Method,
    path_and_query: String,
    grant: Grant,
    template: &'static str,
}

impl ApifyPath {
    pub fn method(&self) -> Method {
        self.method
    }

    /// `/v2/…[?…]`, canonical: what the relay forwards upstream.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The permission this request needs (the allow-list row's grant).
    pub fn grant(&self) -> Grant {
        self.grant
    }

    /// The allow-list row's path template, e.g. `/v2/actors/{actorId}/runs`.
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// The same request through the relay: `/api/apify/v2/…`.
    pub fn relay_path(&self) -> String {
        format!("{}{}", crate::wire::APIFY_PREFIX, self.path_and_query)
    }

    pub fn into_path_and_query(self) -> String {
        self.path_and_query
    }
}

impl fmt::Display for ApifyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path_and_query)
    }
}

/// `sortBy` of the Actor list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorSortBy {
    CreatedAt,
    LastRunStartedAt,
}

impl ActorSortBy {
    pub const fn as_str(self) -> &'static str {
        match self {
            ActorSortBy::CreatedAt => "createdAt",
            ActorSortBy::LastRunStartedAt => "stats.lastRunStartedAt",
        }
    }
}

/// `ownership` of the storage lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ownership {
    OwnedByMe,
    SharedWithMe,
}

impl Ownership {
    pub const fn as_str(self) -> &'static str {
        match self {
            Ownership::OwnedByMe => "ownedByMe",
            Ownership::SharedWithMe => "sharedWithMe",
        }
    }
}

/// `GET /v2/actors`: `my`, `offset`, `limit`, `desc`, `sortBy`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorsQuery {
    /// Only the account's own Actors (`my=1`).
    pub my: bool,
    /// Left out when 0.
    pub offset: u64,
    pub limit: Option<u64>,
    pub desc: bool,
    pub sort_by: Option<ActorSortBy>,
}

/// Offset pagination: `offset`, `limit`, `desc` (the build lists).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageQuery {
    /// Left out when 0.
    pub offset: u64,
    pub limit: Option<u64>,
    pub desc: bool,
}

/// The run lists: pagination plus `status` and `startedAfter`/`startedBefore`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunsQuery {
    /// Left out when 0.
    pub offset: u64,
    pub limit: Option<u64>,
    pub desc: bool,
    /// Any of these statuses (`status=SUCCEEDED,FAILED`); empty for all.
    /// [`JobStatus::Unknown`] is refused.
    pub status: Vec<JobStatus>,
    /// ISO-8601, e.g. from [`crate::time::format_iso_millis`].
    pub started_after: Option<String>,
    pub started_before: Option<String>,
}

/// The storage lists: pagination plus `unnamed` and `ownership`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageListQuery {
    /// Left out when 0.
    pub offset: u64,
    pub limit: Option<u64>,
    pub desc: bool,
    /// Include unnamed storages (`unnamed=1`).
    pub unnamed: bool,
    pub ownership: Option<Ownership>,
}

/// `GET /v2/key-value-stores/{storeId}/keys`: `prefix`, `exclusiveStartKey`, `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeysQuery {
    pub prefix: Option<String>,
    pub exclusive_start_key: Option<String>,
    pub limit: Option<u64>,
}

/// `POST /v2/actors/{actorId}/runs`: the run options Forge may set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StartRunQuery {
    /// Checked with [`limits::is_allowed_memory_mbytes`].
    pub memory_mbytes: Option<u32>,
    pub timeout_secs: Option<u32>,
    /// A build tag or number (`latest`, `0.1.2`).
    pub build: Option<String>,
    pub max_items: Option<u64>,
    pub max_total_charge_usd: Option<f64>,
}

/// A raw query under construction. Values are percent-encoded, so none can add a key.
#[derive(Default)]
struct Query(String);

impl Query {
    fn push(&mut self, key: &str, value: &str) -> &mut Self {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(key);
        self.0.push('=');
        percent_encode_into(value, &mut self.0);
        self
    }

    fn flag(&mut self, key: &str, on: bool) -> &mut Self {
        if on {
            self.push(key, "1");
        }
        self
    }

    fn num(&mut self, key: &str, v: Option<u64>) -> &mut Self {
        if let Some(v) = v {
            self.push(key, &v.to_string());
        }
        self
    }

    fn text(&mut self, key: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.push(key, v);
        }
        self
    }

    fn offset(&mut self, offset: u64) -> &mut Self {
        self.num("offset", (offset > 0).then_some(offset))
    }

    fn statuses(&mut self, status: &[JobStatus]) -> Result<&mut Self, Refusal> {
        if status.is_empty() {
            return Ok(self);
        }
        if status.contains(&JobStatus::Unknown) {
            return Err(Refusal::BadQueryValue("status"));
        }
        let list: Vec<&str> = status.iter().map(|s| s.as_str()).collect();
        Ok(self.push("status", &list.join(",")))
    }
}

/// One path segment from a caller: never empty, never holding a separator. What else it may
/// hold is the matcher's call.
fn segment<'a>(param: &'static str, v: &'a str) -> Result<&'a str, Refusal> {
    if v.is_empty() || v.contains(['/', '?', '#']) {
        Err(Refusal::BadSegment { param })
    } else {
        Ok(v)
    }
}

/// Runs the matcher over the built request and keeps its canonical form and grant.
fn matched(method: Method, path: &str, query: Query) -> Result<ApifyPath, Refusal> {
    let raw_query = (!query.0.is_empty()).then_some(query.0.as_str());
    let allowed = match_request(method.as_str(), path, raw_query)?;
    Ok(ApifyPath {
        method: allowed.method(),
        path_and_query: allowed.path_and_query(),
        grant: allowed.grant(),
        template: allowed.route().template,
    })
}

/// For builders whose every input is typed: the tests prove each shape matches.
fn infallible(r: Result<ApifyPath, Refusal>) -> ApifyPath {
    r.unwrap_or_else(|refusal| unreachable!("a typed path builder was refused: {refusal}"))
}

const TRENDS_STORE: &str = "~forge-trends";

// ---- Actors: Read ----

/// `GET /v2/actors` — the fleet (`my: true`), paginated.
pub fn actors_list(q: &ActorsQuery) -> ApifyPath {
    let mut query = Query::default();
    query
        .flag("my", q.my)
        .flag("desc", q.desc)
        .num("limit", q.limit)
        .text("sortBy", q.sort_by.map(ActorSortBy::as_str))
        .offset(q.offset);
    infallible(matched(Method::Get, "/v2/actors", query))
}

/// `GET /v2/actors/{actorId}` — one Actor's detail. `actor_id` is an id or `username~name`.
pub fn actor(actor_id: &str) -> Result<ApifyPath, Refusal> {
    let id = segment("actorId", actor_id)?;
    matched(Method::Get, &format!("/v2/actors/{id}"), Query::default())
}

// ---- Actors: Run ----

/// `POST /v2/actors/{actorId}/runs` — start a run; the input goes in the body (at most
/// [`limits::MAX_RUN_INPUT_BYTES`] through a relay with default limits).
pub fn start_run(actor_id: &str, q: &StartRunQuery) -> Result<ApifyPath, Refusal> {
    let id = segment("actorId", actor_id)?;
    if q.memory_mbytes
        .is_some_and(|m| !limits::is_allowed_memory_mbytes(m))
    {
        return Err(Refusal::BadQueryValue("memory"));
    }
    let charge = match q.max_total_charge_usd {
        Some(usd) if !(usd.is_finite() && usd >= 0.0) => {
            return Err(Refusal::BadQueryValue("maxTotalChargeUsd"))
        }
        Some(usd) => Some(usd.to_string()),
        None => None,
    };
    let mut query = Query::default();
    query
        .num("memory", q.memory_mbytes.map(u64::from))
        .num("timeout", q.timeout_secs.map(u64::from))
        .text("build", q.build.as_deref())
        .num("maxItems", q.max_items)
        .text("maxTotalChargeUsd", charge.as_deref());
    matched(Method::Post, &format!("/v2/actors/{id}/runs"), query)
}

// ---- Actor runs: Read ----

fn runs_query(q: &RunsQuery) -> Result<Query, Refusal> {
    let mut query = Query::default();
    query.flag("desc", q.desc).num("limit", q.limit);
    query
        .statuses(&q.status)?
        .text("startedAfter", q.started_after.as_deref())
        .text("startedBefore", q.started_before.as_deref())
        .offset(q.offset);
    Ok(query)
}

/// `GET /v2/actors/{actorId}/runs` — one Actor's runs.
pub fn actor_runs(actor_id: &str, q: &RunsQuery) -> Result<ApifyPath, Refusal> {
    let id = segment("actorId", actor_id)?;
    matched(
        Method::Get,
        &format!("/v2/actors/{id}/runs"),
        runs_query(q)?,
    )
}

/// `GET /v2/actors/{actorId}/runs/last` — the Actor's last run, optionally with this status.
pub fn last_run(actor_id: &str, status: Option<JobStatus>) -> Result<ApifyPath, Refusal> {
    let id = segment("actorId", actor_id)?;
    let mut query = Query::default();
    query.statuses(status.as_slice())?;
    matched(Method::Get, &format!("/v2/actors/{id}/runs/last"), query)
}

/// `GET /v2/actor-runs` — the account's runs, all Actors.
pub fn account_runs(q: &RunsQuery) -> Result<ApifyPath, Refusal> {
    matched(Method::Get, "/v2/actor-runs", runs_query(q)?)
}

/// `GET /v2/actor-runs/{runId}` — one run (memory, stats, options).
pub fn run(run_id: &str) -> Result<ApifyPath, Refusal> {
    let id = segment("runId", run_id)?;
    matched(
        Method::Get,
        &format!("/v2/actor-runs/{id}"),
        Query::default(),
    )
}

/// `GET /v2/actor-runs/{runId}?waitForFinish=secs` — one run, Apify holding the answer until it
/// ends or `secs` pass (clamped to [`limits::MAX_WAIT_FOR_FINISH_SECS`]).
pub fn run_wait(run_id: &str, secs: u64) -> Result<ApifyPath, Refusal> {
    let id = segment("runId", run_id)?;
    let mut query = Query::default();
    query.num("waitForFinish", Some(secs));
    matched(Method::Get, &format!("/v2/actor-runs/{id}"), query)
}

// ---- Actor builds: Read ----

fn page_query(q: &PageQuery) -> Query {
    let mut query = Query::default();
    query
        .flag("desc", q.desc)
        .num("limit", q.limit)
        .offset(q.offset);
    query
}

/// `GET /v2/actors/{actorId}/builds` — one Actor's builds.
pub fn actor_builds(actor_id: &str, q: &PageQuery) -> Result<ApifyPath, Refusal> {
    let id = segment("actorId", actor_id)?;
    matched(
        Method::Get,
        &format!("/v2/actors/{id}/builds"),
        page_query(q),
    )
}

/// `GET /v2/actor-builds` — the account's builds.
pub fn account_builds(q: &PageQuery) -> ApifyPath {
    infallible(matched(Method::Get, "/v2/actor-builds", page_query(q)))
}

/// `GET /v2/actor-builds/{buildId}` — one build.
pub fn build(build_id: &str) -> Result<ApifyPath, Refusal> {
    let id = segment("buildId", build_id)?;
    matched(
        Method::Get,
        &format!("/v2/actor-builds/{id}"),
        Query::default(),
    )
}

// ---- Datasets: Read (metadata only) ----

fn storage_list_query(q: &StorageListQuery) -> Query {
    let mut query = Query::default();
    query
        .flag("desc", q.desc)
        .num("limit", q.limit)
        .flag("unnamed", q.unnamed)
        .text("ownership", q.ownership.map(Ownership::as_str))
        .offset(q.offset);
    query
}

/// `GET /v2/datasets` — the account's datasets.
pub fn datasets_list(q: &StorageListQuery) -> ApifyPath {
    infallible(matched(Method::Get, "/v2/datasets", storage_list_query(q)))
}

/// `GET /v2/datasets/{datasetId}` — one dataset's metadata (item count), never its items.
pub fn dataset(dataset_id: &str) -> Result<ApifyPath, Refusal> {
    let id = segment("datasetId", dataset_id)?;
    matched(Method::Get, &format!("/v2/datasets/{id}"), Query::default())
}

/// `GET /v2/datasets/{datasetId}/statistics` — per-field null and empty counts, measured by
/// Apify for datasets whose Actor declares a fields schema.
pub fn dataset_statistics(dataset_id: &str) -> Result<ApifyPath, Refusal> {
    let id = segment("datasetId", dataset_id)?;
    matched(
        Method::Get,
        &format!("/v2/datasets/{id}/statistics"),
        Query::default(),
    )
}

// ---- Key-value stores: Read ----

/// `GET /v2/key-value-stores` — the account's stores.
pub fn kv_stores_list(q: &StorageListQuery) -> ApifyPath {
    infallible(matched(
        Method::Get,
        "/v2/key-value-stores",
        storage_list_query(q),
    ))
}

/// `GET /v2/key-value-stores/{storeId}` — one store.
pub fn kv_store(store_id: &str) -> Result<ApifyPath, Refusal> {
    let id = segment("storeId", store_id)?;
    matched(
        Method::Get,
        &format!("/v2/key-value-stores/{id}"),
        Query::default(),
    )
}

/// `GET /v2/key-value-stores/{storeId}/keys` — key names and sizes.
pub fn kv_keys(store_id: &str, q: &KeysQuery) -> Result<ApifyPath, Refusal> {
    let id = segment("storeId", store_id)?;
    let mut query = Query::default();
    query
        .text("prefix", q.prefix.as_deref())
        .text("exclusiveStartKey", q.exclusive_start_key.as_deref())
        .num("limit", q.limit);
    matched(
        Method::Get,
        &format!("/v2/key-value-stores/{id}/keys"),
        query,
    )
}

/// `GET /v2/key-value-stores/{storeId}/records/{key}` — only `SIGNALS` (in any store) and the
/// records of Forge's own store pass the allow-list; any other key is
/// [`Refusal::RecordNotRead`].
pub fn record(store_id: &str, key: &str) -> Result<ApifyPath, Refusal> {
    let id = segment("storeId", store_id)?;
    let key = segment("key", key)?;
    matched(
        Method::Get,
        &format!("/v2/key-value-stores/{id}/records/{key}"),
        Query::default(),
    )
}

/// `GET /v2/key-value-stores/{storeId}/records/SIGNALS` — a run's `SIGNALS` record.
pub fn signals_record(store_id: &str) -> Result<ApifyPath, Refusal> {
    record(store_id, crate::allow::SIGNALS_KEY)
}

/// `GET /v2/key-value-stores/{storeId}/keys?prefix=SIGNALS&limit=10` — whether a run's store
/// has a `SIGNALS` record, asked before reading it: a store without one answers the record
/// read with a 404, which the browser logs as an error.
pub fn signals_keys(store_id: &str) -> Result<ApifyPath, Refusal> {
    kv_keys(
        store_id,
        &KeysQuery {
            prefix: Some(crate::allow::SIGNALS_KEY.to_string()),
            limit: Some(10),
            ..KeysQuery::default()
        },
    )
}

/// `GET /v2/key-value-stores/~forge-trends/keys` — the keys of Forge's own store.
pub fn trends_keys(q: &KeysQuery) -> Result<ApifyPath, Refusal> {
    kv_keys(TRENDS_STORE, q)
}

/// `GET /v2/key-value-stores/~forge-trends/records/{key}` — a record of Forge's own store.
pub fn trends_record(key: &str) -> Result<ApifyPath, Refusal> {
    record(TRENDS_STORE, key)
}

// ---- Key-value stores: Write (Forge's own store only) ----

/// `POST /v2/key-value-stores?name=forge-trends` — create Forge's own store.
pub fn create_trends_store() -> ApifyPath {
    let mut query = Query::default();
    query.push("name", FORGE_STORE_NAME);
    infallible(matched(Method::Post, "/v2/key-value-stores", query))
}

/// `PUT /v2/key-value-stores/~forge-trends/records/{key}` — write a record of Forge's own
/// store; the record goes in the body (at most [`limits::MAX_RECORD_BODY_BYTES`] through a
/// relay with default limits).
pub fn put_trends_record(key: &str) -> Result<ApifyPath, Refusal> {
    let key = segment("key", key)?;
    matched(
        Method::Put,
        &format!("/v2/key-value-stores/{TRENDS_STORE}/records/{key}"),
        Query::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allow::ALLOW_LIST;
    use std::collections::BTreeSet;

    /// Every built path goes through the matcher again unchanged, with the same grant.
    fn check(p: &ApifyPath, method: Method, expected: &str, grant: Grant) {
        assert_eq!(p.method(), method, "{p}");
        assert_eq!(p.path_and_query(), expected);
        assert_eq!(p.grant(), grant, "{p}");
        assert!(p.path_and_query().starts_with("/v2/"));
        let (path, query) = match p.path_and_query().split_once('?') {
            Some((a, b)) => (a, Some(b)),
            None => (p.path_and_query(), None),
        };
        let again = match_request(method.as_str(), path, query).expect("matches again");
        assert_eq!(again.path_and_query(), p.path_and_query(), "idempotent");
        assert_eq!(again.grant(), grant);
        assert_eq!(again.route().template, p.template());
        assert_eq!(p.relay_path(), format!("/api/apify{}", p.path_and_query()));
    }

    /// One of every builder, with the grant each must carry.
    fn every_builder() -> Vec<(ApifyPath, Method, &'static str, Grant)> {
        use Grant::*;
        use Method::*;
        let runs = RunsQuery {
            desc: true,
            limit: Some(1000),
            started_after: Some("2026-11-01T00:00:00.000Z".into()),
            offset: 2000,
            ..RunsQuery::default()
        };
        vec![
            (
                actors_list(&ActorsQuery {
                    my: true,
                    limit: Some(1000),
                    ..ActorsQuery::default()
                }),
                Get,
                "/v2/actors?my=1&limit=1000",
                ActorsRead,
            ),
            (
                actors_list(&ActorsQuery {
                    my: true,
                    limit: Some(1000),
                    offset: 1000,
                    desc: true,
                    sort_by: Some(ActorSortBy::LastRunStartedAt),
                }),
                Get,
                "/v2/actors?my=1&desc=1&limit=1000&sortBy=stats.lastRunStartedAt&offset=1000",
                ActorsRead,
            ),
            (
                actors_list(&ActorsQuery::default()),
                Get,
                "/v2/actors",
                ActorsRead,
            ),
            (
                actor("ana~shop-scraper").unwrap(),
                Get,
                "/v2/actors/ana~shop-scraper",
                ActorsRead,
            ),
            (
                start_run(
                    "a1B2c3",
                    &StartRunQuery {
                        memory_mbytes: Some(1024),
                        timeout_secs: Some(3600),
                        ..StartRunQuery::default()
                    },
                )
                .unwrap(),
                Post,
                "/v2/actors/a1B2c3/runs?memory=1024&timeout=3600",
                ActorsRun,
            ),
            (
                start_run(
                    "a1B2c3",
                    &StartRunQuery {
                        memory_mbytes: Some(128),
                        timeout_secs: Some(60),
                        build: Some("0.1.2".into()),
                        max_items: Some(50),
                        max_total_charge_usd: Some(2.5),
                    },
                )
                .unwrap(),
                Post,
                "/v2/actors/a1B2c3/runs?memory=128&timeout=60&build=0.1.2&maxItems=50&maxTotalChargeUsd=2.5",
                ActorsRun,
            ),
            (
                actor_runs("a1B2c3", &runs).unwrap(),
                Get,
                "/v2/actors/a1B2c3/runs?desc=1&limit=1000&startedAfter=2026-11-01T00%3A00%3A00.000Z&offset=2000",
                ActorRunsRead,
            ),
            (
                actor_runs(
                    "a1B2c3",
                    &RunsQuery {
                        status: vec![JobStatus::Succeeded, JobStatus::TimedOut],
                        started_before: Some("2026-11-08".into()),
                        ..RunsQuery::default()
                    },
                )
                .unwrap(),
                Get,
                "/v2/actors/a1B2c3/runs?status=SUCCEEDED%2CTIMED-OUT&startedBefore=2026-11-08",
                ActorRunsRead,
            ),
            (
                last_run("a1B2c3", Some(JobStatus::Succeeded)).unwrap(),
                Get,
                "/v2/actors/a1B2c3/runs/last?status=SUCCEEDED",
                ActorRunsRead,
            ),
            (
                last_run("a1B2c3", None).unwrap(),
                Get,
                "/v2/actors/a1B2c3/runs/last",
                ActorRunsRead,
            ),
            (
                account_runs(&runs).unwrap(),
                Get,
                "/v2/actor-runs?desc=1&limit=1000&startedAfter=2026-11-01T00%3A00%3A00.000Z&offset=2000",
                ActorRunsRead,
            ),
            (
                run("r9X8").unwrap(),
                Get,
                "/v2/actor-runs/r9X8",
                ActorRunsRead,
            ),
            (
                run_wait("r9X8", 20).unwrap(),
                Get,
                "/v2/actor-runs/r9X8?waitForFinish=20",
                ActorRunsRead,
            ),
            (
                actor_builds(
                    "a1B2c3",
                    &PageQuery {
                        desc: true,
                        limit: Some(10),
                        ..PageQuery::default()
                    },
                )
                .unwrap(),
                Get,
                "/v2/actors/a1B2c3/builds?desc=1&limit=10",
                ActorBuildsRead,
            ),
            (
                account_builds(&PageQuery {
                    offset: 10,
                    ..PageQuery::default()
                }),
                Get,
                "/v2/actor-builds?offset=10",
                ActorBuildsRead,
            ),
            (
                build("b7").unwrap(),
                Get,
                "/v2/actor-builds/b7",
                ActorBuildsRead,
            ),
            (
                datasets_list(&StorageListQuery {
                    limit: Some(1),
                    unnamed: true,
                    ownership: Some(Ownership::OwnedByMe),
                    ..StorageListQuery::default()
                }),
                Get,
                "/v2/datasets?limit=1&unnamed=1&ownership=ownedByMe",
                DatasetsRead,
            ),
            (
                dataset("d5").unwrap(),
                Get,
                "/v2/datasets/d5",
                DatasetsRead,
            ),
            (
                kv_stores_list(&StorageListQuery::default()),
                Get,
                "/v2/key-value-stores",
                KeyValueStoresRead,
            ),
            (
                kv_store("~forge-trends").unwrap(),
                Get,
                "/v2/key-value-stores/~forge-trends",
                KeyValueStoresRead,
            ),
            (
                kv_keys(
                    "s1",
                    &KeysQuery {
                        prefix: Some("snapshot-".into()),
                        exclusive_start_key: Some("snapshot-2026-W01".into()),
                        limit: Some(1000),
                    },
                )
                .unwrap(),
                Get,
                "/v2/key-value-stores/s1/keys?prefix=snapshot-&exclusiveStartKey=snapshot-2026-W01&limit=1000",
                KeyValueStoresRead,
            ),
            (
                record("s1", "SIGNALS").unwrap(),
                Get,
                "/v2/key-value-stores/s1/records/SIGNALS",
                KeyValueStoresRead,
            ),
            (
                signals_record("s1").unwrap(),
                Get,
                "/v2/key-value-stores/s1/records/SIGNALS",
                KeyValueStoresRead,
            ),
            (
                trends_keys(&KeysQuery {
                    prefix: Some("snapshot-".into()),
                    limit: Some(1000),
                    ..KeysQuery::default()
                })
                .unwrap(),
                Get,
                "/v2/key-value-stores/~forge-trends/keys?prefix=snapshot-&limit=1000",
                KeyValueStoresRead,
            ),
            (
                trends_record("snapshot-2026-W48").unwrap(),
                Get,
                "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W48",
                KeyValueStoresRead,
            ),
            (
                dataset_statistics("user~catalog").unwrap(),
                Get,
                "/v2/datasets/user~catalog/statistics",
                DatasetsRead,
            ),
            (
                create_trends_store(),
                Post,
                "/v2/key-value-stores?name=forge-trends",
                KeyValueStoresWrite,
            ),
            (
                put_trends_record("snapshot-index").unwrap(),
                Put,
                "/v2/key-value-stores/~forge-trends/records/snapshot-index",
                KeyValueStoresWrite,
            ),
        ]
    }

    #[test]
    fn every_builder_matches_the_allow_list_with_its_grant() {
        for (p, method, expected, grant) in every_builder() {
            check(&p, method, expected, grant);
        }
    }

    #[test]
    fn the_builders_cover_every_row_of_the_allow_list() {
        let built: BTreeSet<(&str, &str)> = every_builder()
            .iter()
            .map(|(p, ..)| (p.method().as_str(), p.template()))
            .collect();
        for row in ALLOW_LIST {
            assert!(
                built.contains(&(row.method.as_str(), row.template)),
                "no builder for {} {}",
                row.method,
                row.template
            );
        }
    }

    #[test]
    fn clamps_come_back_clamped() {
        let p = run_wait("r1", 600).unwrap();
        assert_eq!(p.path_and_query(), "/v2/actor-runs/r1?waitForFinish=60");
        let p = actors_list(&ActorsQuery {
            limit: Some(5000),
            ..ActorsQuery::default()
        });
        assert_eq!(p.path_and_query(), "/v2/actors?limit=1000");
    }

    #[test]
    fn invalid_ids_are_refused() {
        let bad_ids = [
            "",
            ".",
            "..",
            "../users/me",
            "a/runs",
            "a?my=1",
            "a#x",
            "a%2Fb",
            "a b",
            "a;b",
            "a\\b",
            "ünïcode",
            "~name",
            "user~",
            "a~b~c",
        ];
        for id in bad_ids {
            assert!(actor(id).is_err(), "actor({id:?})");
            assert!(
                actor_runs(id, &RunsQuery::default()).is_err(),
                "actor_runs({id:?})"
            );
            assert!(actor_builds(id, &PageQuery::default()).is_err());
            assert!(last_run(id, None).is_err());
            assert!(start_run(id, &StartRunQuery::default()).is_err());
            assert!(run(id).is_err(), "run({id:?})");
            assert!(run_wait(id, 1).is_err());
            assert!(build(id).is_err(), "build({id:?})");
            assert!(dataset(id).is_err() || id == "~name", "dataset({id:?})");
            assert!(kv_store(id).is_err() || id == "~name", "kv_store({id:?})");
        }
        // Ids with `~` are Actor and storage names, never run or build ids.
        assert!(run("user~name").is_err());
        assert!(build("user~name").is_err());
        assert!(dataset("~name").is_ok());
        // Separators never smuggle in another route.
        assert_eq!(
            actor("a/runs"),
            Err(Refusal::BadSegment { param: "actorId" })
        );
        assert_eq!(
            run("r1?waitForFinish=5"),
            Err(Refusal::BadSegment { param: "runId" })
        );
    }

    #[test]
    fn records_stay_confined() {
        assert_eq!(record("s1", "INPUT"), Err(Refusal::RecordNotRead));
        assert_eq!(record("s1", "OUTPUT"), Err(Refusal::RecordNotRead));
        assert!(
            trends_record("INPUT").is_ok(),
            "any key of Forge's own store"
        );
        assert!(trends_record("a/b").is_err());
        assert!(trends_record("a b").is_err());
        assert!(put_trends_record("").is_err());
        assert!(put_trends_record("..").is_err());
        assert!(kv_keys(
            "s1",
            &KeysQuery {
                prefix: Some("a&limit=5".into()),
                ..KeysQuery::default()
            }
        )
        .is_err());
    }

    #[test]
    fn query_values_cannot_add_keys() {
        // `&` in a value is encoded, so the matcher sees one (invalid) value, not a new key.
        let r = actor_runs(
            "a1",
            &RunsQuery {
                started_after: Some("2026&token=x".into()),
                ..RunsQuery::default()
            },
        );
        assert_eq!(r, Err(Refusal::BadQueryValue("startedAfter")));
        let r = start_run(
            "a1",
            &StartRunQuery {
                build: Some("latest&webhooks=x".into()),
                ..StartRunQuery::default()
            },
        );
        assert_eq!(r, Err(Refusal::BadQueryValue("build")));
    }

    #[test]
    fn run_options_are_checked() {
        for memory in [0, 100, 1000, 65_536] {
            let q = StartRunQuery {
                memory_mbytes: Some(memory),
                ..StartRunQuery::default()
            };
            assert_eq!(
                start_run("a1", &q),
                Err(Refusal::BadQueryValue("memory")),
                "{memory}"
            );
        }
        for memory in limits::memory_options() {
            let q = StartRunQuery {
                memory_mbytes: Some(memory),
                ..StartRunQuery::default()
            };
            assert!(start_run("a1", &q).is_ok(), "{memory}");
        }
        for usd in [f64::NAN, f64::INFINITY, -1.0] {
            let q = StartRunQuery {
                max_total_charge_usd: Some(usd),
                ..StartRunQuery::default()
            };
            assert!(start_run("a1", &q).is_err(), "{usd}");
        }
        let unknown = RunsQuery {
            status: vec![JobStatus::Unknown],
            ..RunsQuery::default()
        };
        assert_eq!(
            account_runs(&unknown),
            Err(Refusal::BadQueryValue("status"))
        );
        assert!(last_run("a1", Some(JobStatus::Unknown)).is_err());
    }
}
