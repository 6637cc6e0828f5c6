//! Every request the loader sends, built by `forge_apify::paths` — so each is one the relay's
//! allow-list forwards, and carries the grant a 403 names.

use forge_apify::limits::MAX_PAGE_LIMIT;
use forge_apify::models::JobStatus;
use forge_apify::paths::{self, ActorsQuery, ApifyPath, PageQuery, RunsQuery, StorageListQuery};
use forge_apify::Refusal;

/// Items per page of every list: Apify's maximum.
pub const PAGE: u64 = MAX_PAGE_LIMIT;

/// Builds per Actor the engine compares (the newest and the ones before it).
pub const RECENT_BUILDS: usize = 10;

/// `GET /v2/actors?my=1&limit=1000[&offset=…]`: a page of the account's own Actors.
pub fn own_actors(offset: u64) -> ApifyPath {
    paths::actors_list(&ActorsQuery {
        my: true,
        offset,
        limit: Some(PAGE),
        ..ActorsQuery::default()
    })
}

fn runs_query(started_after: &str, offset: u64) -> RunsQuery {
    RunsQuery {
        desc: true,
        limit: Some(PAGE),
        started_after: Some(started_after.to_string()),
        offset,
        ..RunsQuery::default()
    }
}

/// `GET /v2/actor-runs?desc=1&limit=1000&startedAfter=…[&offset=…]`: a page of every run of
/// the account started after `started_after`, newest first.
/// (`Err` only for a malformed `started_after`.)
pub fn account_runs_since(started_after: &str, offset: u64) -> Result<ApifyPath, Refusal> {
    paths::account_runs(&runs_query(started_after, offset))
}

/// `GET /v2/actors/{id}/runs?desc=1&limit=1000&startedAfter=…[&offset=…]`.
pub fn actor_runs_since(id: &str, started_after: &str, offset: u64) -> Result<ApifyPath, Refusal> {
    paths::actor_runs(id, &runs_query(started_after, offset))
}

/// `GET /v2/datasets?unnamed=1&desc=1&limit=1000[&offset=…]`: the account's datasets, runs'
/// default ones included, newest first — metadata only (item counts), never items.
pub fn account_datasets(offset: u64) -> ApifyPath {
    paths::datasets_list(&StorageListQuery {
        desc: true,
        unnamed: true,
        limit: Some(PAGE),
        offset,
        ..StorageListQuery::default()
    })
}

/// `GET /v2/actor-builds?desc=1&limit=1000[&offset=…]`: the account's builds, newest first.
pub fn account_builds(offset: u64) -> ApifyPath {
    paths::account_builds(&PageQuery {
        desc: true,
        limit: Some(PAGE),
        offset,
    })
}

/// `GET /v2/actors/{id}/builds?desc=1&limit=10`.
pub fn recent_builds(id: &str) -> Result<ApifyPath, Refusal> {
    paths::actor_builds(
        id,
        &PageQuery {
            desc: true,
            limit: Some(RECENT_BUILDS as u64),
            ..PageQuery::default()
        },
    )
}

/// `GET /v2/actors/{id}/runs/last?status=SUCCEEDED`.
pub fn last_succeeded_run(id: &str) -> Result<ApifyPath, Refusal> {
    paths::last_run(id, Some(JobStatus::Succeeded))
}
