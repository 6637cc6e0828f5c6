//! The route table: every implemented operation, its path pattern and the Console grant it
//! needs ([`ROUTES`]); matching a request path against it ([`find_route`]); and [`dispatch`],
//! which hands a matched operation to its resource's handler.

use super::ctx::Ctx;
use super::error::{err, Res};
use super::query::percent_decode;
use super::reply::Reply;
use super::run_start::{self, Mode};
use super::{actors, builds, datasets, key_value_stores, records, request_queues, runs};
use super::{schedules, storages, tasks, users, webhooks};
use crate::entities::{Dataset, KvStore, RequestQueue};
use crate::state::State;
use crate::tokens::ConsoleGrant;
use axum::http::StatusCode;
use forge_apify::ErrorKind;

/// What an implemented operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    ActorsList,
    ActorGet,
    ActorUpdate,
    ActorBuilds,
    ActorRuns,
    ActorRunLast,
    ActorRunGet,
    ActorRunStart,
    ActorRunSync,
    ActorRunSyncItems,
    RunsList,
    RunGet,
    RunAbort,
    BuildsList,
    BuildGet,
    DatasetsList,
    DatasetCreate,
    DatasetGet,
    DatasetDelete,
    DatasetItems,
    DatasetPush,
    DatasetStatistics,
    RunDatasetStatistics,
    LastRunDatasetStatistics,
    StoresList,
    StoreCreate,
    StoreGet,
    StoreDelete,
    StoreKeys,
    RecordGet,
    RecordPut,
    RecordDelete,
    QueuesList,
    QueueCreate,
    QueueGet,
    QueueDelete,
    WebhooksList,
    WebhookCreate,
    SchedulesList,
    ScheduleCreate,
    TasksList,
    TaskCreate,
    UsersMe,
}

/// What a route requires of the token.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    Grant(ConsoleGrant),
    /// Any one of these grants.
    AnyOf(&'static [ConsoleGrant]),
    /// Any valid token.
    Token,
}

#[derive(Debug)]
pub struct RouteDef {
    pub method: &'static str,
    /// Path after `/v2/`; `{x}` matches one segment. `acts` is accepted for `actors`.
    pub pattern: &'static str,
    pub op: Op,
    pub need: Need,
}

const fn r(method: &'static str, pattern: &'static str, op: Op, need: Need) -> RouteDef {
    RouteDef {
        method,
        pattern,
        op,
        need,
    }
}

use ConsoleGrant::*;
const READ_ACTORS: Need = Need::Grant(ActorsRead);
const LIST_RUNS: Need = Need::Grant(ActorsListRuns);
const RUN: Need = Need::Grant(ActorsRun);
const STORAGE_READ: Need = Need::Grant(StoragesRead);
const STORAGE_WRITE: Need = Need::Grant(StoragesWrite);
/// Creating a storage: Console "Storages: Create", which "Storages: Write" includes.
const STORAGE_CREATE: Need = Need::AnyOf(&[StoragesCreate, StoragesWrite]);

/// Every implemented route and the Console grant it needs. More specific patterns come first.
#[rustfmt::skip]
pub const ROUTES: &[RouteDef] = &[
    // Actors: Read — the fleet, an Actor, its builds
    r("GET",  "actors",                                       Op::ActorsList,        READ_ACTORS),
    r("GET",  "actors/{actorId}",                             Op::ActorGet,          READ_ACTORS),
    r("GET",  "actors/{actorId}/builds",                      Op::ActorBuilds,       READ_ACTORS),
    r("GET",  "actor-builds",                                 Op::BuildsList,        READ_ACTORS),
    r("GET",  "actor-builds/{buildId}",                       Op::BuildGet,          READ_ACTORS),
    // Actors: Write — changing an Actor (Forge never does)
    r("PUT",  "actors/{actorId}",                             Op::ActorUpdate,       Need::Grant(ActorsWrite)),
    // Actors: List runs — run history and run details
    r("GET",  "actors/{actorId}/runs",                        Op::ActorRuns,         LIST_RUNS),
    r("GET",  "actors/{actorId}/runs/last",                   Op::ActorRunLast,      LIST_RUNS),
    r("GET",  "actors/{actorId}/runs/{runId}",                Op::ActorRunGet,       LIST_RUNS),
    r("GET",  "actor-runs",                                   Op::RunsList,          LIST_RUNS),
    r("GET",  "actor-runs/{runId}",                           Op::RunGet,            LIST_RUNS),
    // Actors: Run — start (async or sync) and abort
    r("POST", "actors/{actorId}/runs",                        Op::ActorRunStart,     RUN),
    r("POST", "actors/{actorId}/run-sync",                    Op::ActorRunSync,      RUN),
    r("GET",  "actors/{actorId}/run-sync",                    Op::ActorRunSync,      RUN),
    r("POST", "actors/{actorId}/run-sync-get-dataset-items",  Op::ActorRunSyncItems, RUN),
    r("GET",  "actors/{actorId}/run-sync-get-dataset-items",  Op::ActorRunSyncItems, RUN),
    r("POST", "actor-runs/{runId}/abort",                     Op::RunAbort,          RUN),
    // Storages: Read / Write / Create — datasets
    r("GET",  "datasets",                                     Op::DatasetsList,      STORAGE_READ),
    r("POST", "datasets",                                     Op::DatasetCreate,     STORAGE_CREATE),
    r("GET",  "datasets/{datasetId}",                         Op::DatasetGet,        STORAGE_READ),
    r("DELETE","datasets/{datasetId}",                         Op::DatasetDelete,     STORAGE_WRITE),
    r("GET",  "datasets/{datasetId}/items",                   Op::DatasetItems,      STORAGE_READ),
    r("POST", "datasets/{datasetId}/items",                   Op::DatasetPush,       STORAGE_WRITE),
    r("PUT",  "datasets/{datasetId}/items",                   Op::DatasetPush,       STORAGE_WRITE),
    r("GET",  "datasets/{datasetId}/statistics",              Op::DatasetStatistics, STORAGE_READ),
    // …and a run's default dataset's, as `datasets/{datasetId}/statistics` answers them
    r("GET",  "actor-runs/{runId}/dataset/statistics",        Op::RunDatasetStatistics, STORAGE_READ),
    r("GET",  "actors/{actorId}/runs/last/dataset/statistics", Op::LastRunDatasetStatistics, STORAGE_READ),
    // Storages — key-value stores
    r("GET",  "key-value-stores",                             Op::StoresList,        STORAGE_READ),
    r("POST", "key-value-stores",                             Op::StoreCreate,       STORAGE_CREATE),
    r("GET",  "key-value-stores/{storeId}",                   Op::StoreGet,          STORAGE_READ),
    r("DELETE","key-value-stores/{storeId}",                   Op::StoreDelete,       STORAGE_WRITE),
    r("GET",  "key-value-stores/{storeId}/keys",              Op::StoreKeys,         STORAGE_READ),
    r("GET",  "key-value-stores/{storeId}/records/{key}",     Op::RecordGet,         STORAGE_READ),
    r("PUT",  "key-value-stores/{storeId}/records/{key}",     Op::RecordPut,         STORAGE_WRITE),
    r("POST", "key-value-stores/{storeId}/records/{key}",     Op::RecordPut,         STORAGE_WRITE),
    r("DELETE","key-value-stores/{storeId}/records/{key}",     Op::RecordDelete,      STORAGE_WRITE),
    // Storages — request queues
    r("GET",  "request-queues",                               Op::QueuesList,        STORAGE_READ),
    r("POST", "request-queues",                               Op::QueueCreate,       STORAGE_CREATE),
    r("GET",  "request-queues/{queueId}",                     Op::QueueGet,          STORAGE_READ),
    r("DELETE","request-queues/{queueId}",                     Op::QueueDelete,       STORAGE_WRITE),
    // Webhooks
    r("GET",  "webhooks",                                     Op::WebhooksList,      Need::Grant(Webhooks)),
    r("POST", "webhooks",                                     Op::WebhookCreate,     Need::Grant(Webhooks)),
    // Schedules
    r("GET",  "schedules",                                    Op::SchedulesList,     Need::Grant(Schedules)),
    r("POST", "schedules",                                    Op::ScheduleCreate,    Need::Grant(Schedules)),
    // Tasks
    r("GET",  "actor-tasks",                                  Op::TasksList,         Need::Grant(Tasks)),
    r("POST", "actor-tasks",                                  Op::TaskCreate,        Need::Grant(Tasks)),
    // Any valid token; what it shows depends on the token (see `users::me`).
    r("GET",  "users/me",                                     Op::UsersMe,           Need::Token),
];

/// Why no route matched.
#[derive(Debug, PartialEq, Eq)]
pub enum NoRoute {
    NotFound,
    MethodNotAllowed(Vec<&'static str>),
}

/// Splits and percent-decodes the path after `/v2/`, mapping the legacy `acts` prefix.
pub fn segments(path: &str) -> Option<Vec<String>> {
    let rest = path.strip_prefix("/v2/")?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut out = Vec::new();
    for (i, seg) in rest.split('/').enumerate() {
        if seg.is_empty() {
            return None;
        }
        let decoded = percent_decode(seg, false)?;
        out.push(if i == 0 && decoded == "acts" {
            "actors".to_string()
        } else {
            decoded
        });
    }
    Some(out)
}

pub fn find_route(
    method: &str,
    segs: &[String],
) -> Result<(&'static RouteDef, Vec<String>), NoRoute> {
    let mut allowed = Vec::new();
    for def in ROUTES {
        let pat: Vec<&str> = def.pattern.split('/').collect();
        if pat.len() != segs.len() {
            continue;
        }
        let mut params = Vec::new();
        let ok = pat.iter().zip(segs).all(|(p, s)| {
            if p.starts_with('{') {
                params.push(s.clone());
                true
            } else {
                p == s
            }
        });
        if !ok {
            continue;
        }
        if def.method == method {
            return Ok((def, params));
        }
        if !allowed.contains(&def.method) {
            allowed.push(def.method);
        }
    }
    if allowed.is_empty() {
        Err(NoRoute::NotFound)
    } else {
        Err(NoRoute::MethodNotAllowed(allowed))
    }
}

/// The answer when no route matched.
pub fn no_route(path: &str, why: NoRoute) -> Reply {
    match why {
        NoRoute::NotFound => page_not_found(path),
        NoRoute::MethodNotAllowed(methods) => err(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::MethodNotAllowed,
            format!(
                "This API end-point can only be accessed using the following HTTP methods: OPTIONS,{}",
                methods.join(",")
            ),
        )
        .into(),
    }
}

pub fn page_not_found(path: &str) -> Reply {
    let shown: String = path.chars().take(200).collect();
    err(
        StatusCode::NOT_FOUND,
        ErrorKind::PageNotFound,
        format!("We have bad news: there is no API endpoint at URL {shown}"),
    )
    .into()
}

/// Hands `op` to its resource's handler.
pub fn dispatch(st: &mut State, op: Op, c: &Ctx) -> Res {
    match op {
        Op::ActorsList => actors::list(st, c),
        Op::ActorGet => actors::get(st, c),
        Op::ActorUpdate => actors::update(st, c),
        Op::ActorBuilds => builds::of_actor(st, c),
        Op::BuildsList => builds::list(st, c),
        Op::BuildGet => builds::get(st, c),
        Op::ActorRuns => runs::of_actor(st, c),
        Op::RunsList => runs::list(st, c),
        Op::ActorRunLast => runs::last(st, c),
        Op::ActorRunGet => runs::get_of_actor(st, c),
        Op::RunGet => runs::get(st, c),
        Op::RunAbort => runs::abort(st, c),
        Op::ActorRunStart => run_start::start(st, c, Mode::Async),
        Op::ActorRunSync => run_start::start(st, c, Mode::SyncOutput),
        Op::ActorRunSyncItems => run_start::start(st, c, Mode::SyncItems),
        Op::DatasetsList => datasets::list(st, c),
        Op::DatasetCreate => storages::find_or_create::<Dataset>(st, c),
        Op::DatasetGet => storages::get::<Dataset>(st, c),
        Op::DatasetDelete => storages::delete::<Dataset>(st, c),
        Op::DatasetItems => datasets::items(st, c),
        Op::DatasetPush => datasets::push(st, c),
        Op::DatasetStatistics => datasets::statistics(st, c),
        Op::RunDatasetStatistics => datasets::run_statistics(st, c),
        Op::LastRunDatasetStatistics => datasets::last_run_statistics(st, c),
        Op::StoresList => key_value_stores::list(st, c),
        Op::StoreCreate => storages::find_or_create::<KvStore>(st, c),
        Op::StoreGet => storages::get::<KvStore>(st, c),
        Op::StoreDelete => storages::delete::<KvStore>(st, c),
        Op::StoreKeys => key_value_stores::keys(st, c),
        Op::RecordGet => records::get(st, c),
        Op::RecordPut => records::put(st, c),
        Op::RecordDelete => records::delete(st, c),
        Op::QueuesList => request_queues::list(st, c),
        Op::QueueCreate => storages::find_or_create::<RequestQueue>(st, c),
        Op::QueueGet => storages::get::<RequestQueue>(st, c),
        Op::QueueDelete => storages::delete::<RequestQueue>(st, c),
        Op::WebhooksList => webhooks::list(st, c),
        Op::WebhookCreate => webhooks::create(st, c),
        Op::SchedulesList => schedules::list(st, c),
        Op::ScheduleCreate => schedules::create(st, c),
        Op::TasksList => tasks::list(st, c),
        Op::TaskCreate => tasks::create(st, c),
        Op::UsersMe => users::me(st, c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_with_alias_and_method_not_allowed() {
        let segs = segments("/v2/acts/forge-demo~x/runs/last").unwrap();
        let (def, params) = find_route("GET", &segs).unwrap();
        assert_eq!(def.op, Op::ActorRunLast);
        assert_eq!(params, ["forge-demo~x"]);
        let (def, params) = find_route("GET", &segments("/v2/actors/a/runs/r1").unwrap()).unwrap();
        assert_eq!(
            (def.op, params),
            (Op::ActorRunGet, vec!["a".into(), "r1".into()])
        );
        assert_eq!(
            find_route("DELETE", &segments("/v2/actors").unwrap()).unwrap_err(),
            NoRoute::MethodNotAllowed(vec!["GET"])
        );
        assert_eq!(
            find_route("GET", &segments("/v2/nope").unwrap()).unwrap_err(),
            NoRoute::NotFound
        );
        assert!(segments("/v2//actors").is_none());
        assert_eq!(segments("/v2/actors/").unwrap(), ["actors"]);
    }
}
