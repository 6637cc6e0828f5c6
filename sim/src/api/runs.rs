//! Runs: run history (an Actor's, the account's), the last run, one run (with
//! `waitForFinish`), aborting one — and how a run renders (`Run`, `RunShort`). Starting runs
//! (async and `run-sync`) is in `super::run_start`.
//!
//! The lists are pages of `crate::run_index` (sorted by `startedAt`; a `status` filter on the
//! account's list merges the per-status lists), so a page costs the same at a million runs as
//! at a thousand. A run is found by its id in constant time: the id is its number, scrambled
//! (`crate::ids`).

use super::actors::{free_pricing, pricing_info};
use super::builds::build_number_int;
use super::ctx::Ctx;
use super::error::{bad, not_found, ApiError, Res};
use super::lookup::{actor_idx, find_run};
use super::pagination::{sorted_page, PageAsk};
use super::query::Query;
use super::reply::Reply;
use crate::entities::{Origin, Phase, Source, Status};
use crate::fleet::{stories, API_CLIENT_UA, BROWSER_UA};
use crate::ids::{Id, IdKind};
use crate::rng::hash_str;
use crate::run_index::{self, window};
use crate::state::State;
use crate::time::{iso, parse_iso};
use crate::usage::{r6, TRANSFER_EXTERNAL_USD_PER_GB, TRANSFER_INTERNAL_USD_PER_GB};
use axum::http::StatusCode;
use forge_apify::allow::RUN_STATUSES as STATUSES;
use forge_apify::limits::MAX_WAIT_FOR_FINISH_SECS;
use forge_apify::ErrorKind;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;

/// `GET /v2/actor-runs`: the account's runs.
pub fn list(st: &State, c: &Ctx) -> Res {
    runs_list(st, c, None)
}

/// `GET /v2/actors/{actorId}/runs`.
pub fn of_actor(st: &State, c: &Ctx) -> Res {
    let i = actor_idx(st, &c.params[0])?;
    runs_list(st, c, Some(i))
}

/// `GET /v2/actors/{actorId}/runs/{runId}`.
pub fn get_of_actor(st: &State, c: &Ctx) -> Res {
    let i = actor_idx(st, &c.params[0])?;
    let n = find_run(st, &c.params[1])
        .ok()
        .filter(|&n| st.run(n).actor as usize == i)
        .ok_or_else(|| not_found(ErrorKind::RecordNotFound, "Actor run"))?;
    Ok(Reply::data(StatusCode::OK, run_json(st, n)))
}

/// `GET /v2/actor-runs/{runId}` (`waitForFinish` ≤ 60 s).
pub fn get(st: &State, c: &Ctx) -> Res {
    let n = find_run(st, &c.params[0])?;
    let reply = Reply::data(StatusCode::OK, run_json(st, n));
    with_wait(reply, c, n)
}

/// `status`: a comma-separated list of Apify's run statuses (each checked), as the statuses a
/// run here can have. `TIMING-OUT` and `ABORTING` are valid and match nothing: runs here pass
/// through them instantly.
fn status_filter(q: &Query) -> Result<Option<Vec<Status>>, ApiError> {
    let Some(raw) = q.get("status").filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let list: Vec<String> = raw
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    for s in &list {
        if !STATUSES.contains(&s.as_str()) {
            return Err(bad(
                ErrorKind::InvalidParameter,
                format!("Invalid status '{s}'; use one of {}", STATUSES.join(", ")),
            ));
        }
    }
    let all = [Status::Ready, Status::Running]
        .into_iter()
        .chain(Status::TERMINAL);
    Ok(Some(
        all.filter(|s| list.iter().any(|w| w == s.as_str()))
            .collect(),
    ))
}

fn time_param(q: &Query, key: &str) -> Result<Option<u64>, ApiError> {
    match q.get(key) {
        None | Some("") => Ok(None),
        Some(v) => parse_iso(v).map(Some).ok_or_else(|| {
            bad(
                ErrorKind::InvalidParameter,
                format!("Parameter '{key}' must be a valid ISO 8601 date-time"),
            )
        }),
    }
}

/// A page of the account's runs, or of Actor `actor`'s, by `startedAt` (`desc`, `offset`,
/// `limit`, `status`, `startedAfter`, `startedBefore`): binary searches in the run index and
/// the page's runs, however many the account holds.
fn runs_list(st: &State, c: &Ctx, actor: Option<usize>) -> Res {
    let statuses = status_filter(c.query)?;
    let after = time_param(c.query, "startedAfter")?;
    let before = time_param(c.query, "startedBefore")?;
    let ask = PageAsk::of(c.query)?;
    let runs = &st.runs;
    let key = |n: u32| run_index::key(runs, n);
    let render = |n: u32| run_short_json(st, n);
    let list = match actor {
        Some(a) => &st.index.by_actor[a][..],
        None => &st.index.order[..],
    };
    let in_window = window(list, runs, after, before);
    let page = match (actor, statuses) {
        (_, None) => sorted_page(ask, &[in_window], key, render),
        // An Actor's runs are few: filter them.
        (Some(_), Some(wanted)) => {
            let kept: Vec<u32> = in_window
                .iter()
                .copied()
                .filter(|&n| wanted.contains(&st.status_now(n)))
                .collect();
            sorted_page(ask, &[&kept], key, render)
        }
        // The account's: generated runs from their status's list, live ones by the clock.
        (None, Some(wanted)) => {
            let mut live: Vec<u32> = (st.generated..runs.len() as u32)
                .filter(|&n| {
                    let t = runs[n as usize].started_at;
                    after.is_none_or(|a| t >= a)
                        && before.is_none_or(|b| t <= b)
                        && wanted.contains(&st.status_now(n))
                })
                .collect();
            live.sort_by_key(|&n| key(n));
            let mut lists: Vec<&[u32]> = wanted
                .iter()
                .map(|s| window(st.index.with_status(*s), runs, after, before))
                .collect();
            lists.push(&live);
            sorted_page(ask, &lists, key, render)
        }
    };
    Ok(Reply::data_of(StatusCode::OK, &page))
}

/// `GET /v2/actors/{actorId}/runs/last` (`status`, `origin`, `waitForFinish`).
pub fn last(st: &State, c: &Ctx) -> Res {
    let n = last_of(st, c)?;
    let reply = Reply::data(StatusCode::OK, run_json(st, n));
    with_wait(reply, c, n)
}

/// The position of the last run of the Actor `{actorId}` (with `status` and `origin` if asked
/// for): what `…/runs/last` and the routes under it (`…/runs/last/dataset/statistics`) name.
pub fn last_of(st: &State, c: &Ctx) -> Result<u32, ApiError> {
    let i = actor_idx(st, &c.params[0])?;
    let statuses = status_filter(c.query)?;
    let origin = c.query.get("origin").filter(|o| !o.is_empty());
    st.index.by_actor[i]
        .iter()
        .rev()
        .copied()
        .filter(|&n| origin.is_none_or(|o| st.run(n).origin.as_str() == o))
        .find(|&n| {
            statuses
                .as_ref()
                .is_none_or(|list| list.contains(&st.status_now(n)))
        })
        .ok_or_else(|| not_found(ErrorKind::RecordNotFound, "Actor run"))
}

fn with_wait(reply: Reply, c: &Ctx, n: u32) -> Res {
    let mut reply = reply;
    if let Some(secs) = c.query.uint("waitForFinish")? {
        if secs > 0 {
            reply.wait_for = Some((n, Duration::from_secs(secs.min(MAX_WAIT_FOR_FINISH_SECS))));
        }
    }
    Ok(reply)
}

/// `POST /v2/actor-runs/{runId}/abort`.
pub fn abort(st: &mut State, c: &Ctx) -> Res {
    let n = find_run(st, &c.params[0])?;
    let phase = st.phase(n);
    if !phase.is_terminal() {
        let elapsed = match phase {
            Phase::Running { elapsed_ms } => elapsed_ms,
            _ => 0,
        };
        if let Some(live) = st.live_mut(n) {
            live.aborted_after_ms = Some(elapsed);
        }
        st.advance();
    }
    Ok(Reply::data(StatusCode::OK, run_json(st, n)))
}

// ------------------------------------------------------------------------- rendering

/// `RunShort` (list item), serialised as it is: a page holds a thousand. Fields in
/// alphabetical order, as a `Value` map would have them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunShort<'a> {
    act_id: &'a str,
    actor_task_id: Option<&'a str>,
    build_id: &'a str,
    build_number: &'a str,
    build_number_int: u64,
    default_dataset_id: Id,
    default_key_value_store_id: Id,
    default_request_queue_id: Id,
    finished_at: Option<String>,
    id: Id,
    meta: ShortMeta,
    started_at: String,
    status: &'static str,
    usage_total_usd: f64,
    user_id: &'a str,
}

#[derive(Debug, Serialize)]
struct ShortMeta {
    origin: &'static str,
}

/// `RunShort` (list item) of run `n`.
pub fn run_short_json(st: &State, n: u32) -> RunShort<'_> {
    let run = st.run(n);
    let now = st.run_status(n);
    let build = &st.builds[run.build as usize];
    RunShort {
        act_id: &st.actors[run.actor as usize].id,
        actor_task_id: None,
        build_id: &build.id,
        build_number: &build.number,
        build_number_int: build_number_int(&build.number),
        default_dataset_id: st.id_of(IdKind::Dataset, n),
        default_key_value_store_id: st.id_of(IdKind::KeyValueStore, n),
        default_request_queue_id: st.id_of(IdKind::RequestQueue, n),
        finished_at: now.finished_at.map(iso),
        id: st.id_of(IdKind::Run, n),
        meta: ShortMeta {
            origin: run.origin.as_str(),
        },
        started_at: iso(run.started_at),
        status: now.status.as_str(),
        usage_total_usd: r6(now.usage.total_usd()),
        user_id: &st.user.id,
    }
}

/// `meta` of run `n`: where it was started from.
fn run_meta(st: &State, n: u32) -> Value {
    let run = st.run(n);
    let (ip, agent) = match (st.live_of(n), run.origin) {
        (Some(live), _) => (Some("127.0.0.1".to_string()), live.user_agent.clone()),
        (None, Origin::Api) => (
            Some(format!("203.0.113.{}", run.client_octet)),
            Some(API_CLIENT_UA.to_string()),
        ),
        (None, Origin::Web) => (
            Some(format!("198.51.100.{}", run.client_octet)),
            Some(BROWSER_UA.to_string()),
        ),
        _ => (None, None),
    };
    let scheduled = run.origin == Origin::Scheduler && st.live_of(n).is_none();
    json!({
        "origin": run.origin.as_str(),
        "clientIp": ip,
        "userAgent": agent,
        "scheduleId": if scheduled { st.actors[run.actor as usize].schedule_id.clone() } else { None },
        "scheduledAt": scheduled.then(|| iso(run.started_at - run.schedule_delay_ms as u64)),
    })
}

/// `Run` (full object) of run `n`.
pub fn run_json(st: &State, n: u32) -> Value {
    let run = st.run(n);
    let id = st.id_of(IdKind::Run, n);
    let (dataset_id, kv_id, rq_id) = (
        st.id_of(IdKind::Dataset, n),
        st.id_of(IdKind::KeyValueStore, n),
        st.id_of(IdKind::RequestQueue, n),
    );
    let now = st.run_status(n);
    let o = &run.outcome;
    let u = &now.usage;
    let usd = u.usd();
    let actor = &st.actors[run.actor as usize];
    let build = &st.builds[run.build as usize];
    let live = st.live_of(n);
    let (message, terminal_msg, exit_code) = match now.phase {
        Phase::Ready => (Some("Starting the Actor run".to_string()), false, None),
        Phase::Running { .. } => (stories::progress_message(o, now.frac), false, None),
        Phase::Done => (
            stories::status_message(o, run.memory_mb),
            true,
            o.exit_code(),
        ),
        Phase::Aborted { .. } => (Some("The run was aborted".to_string()), true, None),
    };
    let mem_max = (o.mem_max_bytes as f64 * now.frac.sqrt()).round() as u64;
    let options = json!({
        "build": build.number,
        "timeoutSecs": run.timeout_secs,
        "memoryMbytes": run.memory_mb,
        "diskMbytes": run.disk_mb(),
        "maxItems": live.and_then(|l| l.max_items),
        "maxTotalChargeUsd": live.and_then(|l| l.max_total_charge_usd),
    });
    let pricing = pricing_info(actor).unwrap_or_else(|| free_pricing(actor.created_at));
    let charged = if pricing["pricingModel"] == "PAY_PER_EVENT" {
        json!({
            "apify-actor-start": run.memory_mb.div_ceil(1024).max(1),
            "page-crawled": (o.items() as f64 * now.frac).round() as u64,
        })
    } else {
        json!({})
    };
    let running = matches!(now.phase, Phase::Running { .. });
    let input_len = live.map_or(actor.example_input.len() as u64, |l| l.input_len);
    json!({
        "id": id,
        "actId": actor.id,
        "userId": st.user.id,
        "actorTaskId": null,
        "startedAt": iso(run.started_at),
        "finishedAt": now.finished_at.map(iso),
        "status": now.status.as_str(),
        "statusMessage": message,
        "isStatusMessageTerminal": terminal_msg,
        "meta": run_meta(st, n),
        "pricingInfo": pricing,
        "stats": {
            "inputBodyLen": input_len,
            "migrationCount": 0,
            "rebootCount": 0,
            "restartCount": 0,
            "resurrectCount": 0,
            "memAvgBytes": (o.mem_avg_bytes as f64 * now.frac.sqrt()).round() as u64,
            "memMaxBytes": mem_max,
            "memCurrentBytes": if running { (mem_max as f64 * 0.8) as u64 } else { 0 },
            "cpuAvgUsage": if now.frac > 0.0 { o.cpu_avg() } else { 0.0 },
            "cpuMaxUsage": if now.frac > 0.0 { o.cpu_max() } else { 0.0 },
            "cpuCurrentUsage": if running { o.cpu_avg() } else { 0.0 },
            "netRxBytes": (o.net_rx_bytes as f64 * now.frac) as u64,
            "netTxBytes": (o.net_tx_bytes as f64 * now.frac) as u64,
            "durationMillis": now.elapsed_ms,
            "runTimeSecs": r6(now.elapsed_ms as f64 / 1000.0),
            "metamorph": 0,
            "computeUnits": r6(u.compute_units),
        },
        "chargedEventCounts": charged,
        "options": options,
        "buildId": build.id,
        "buildNumber": build.number,
        "exitCode": exit_code,
        "generalAccess": "FOLLOW_USER_SETTING",
        "defaultKeyValueStoreId": kv_id,
        "defaultDatasetId": dataset_id,
        "defaultRequestQueueId": rq_id,
        "storageIds": {
            "datasets": {"default": dataset_id},
            "keyValueStores": {"default": kv_id},
            "requestQueues": {"default": rq_id},
        },
        "containerUrl": format!("https://{}.runs.apify.net", id.as_str().to_ascii_lowercase()),
        "isContainerServerReady": running,
        "gitBranchName": (actor.source == Source::Git && actor.own).then_some("main"),
        "usage": {
            "ACTOR_COMPUTE_UNITS": r6(u.compute_units),
            "DATASET_READS": u.dataset_reads,
            "DATASET_WRITES": u.dataset_writes,
            "KEY_VALUE_STORE_READS": u.kv_reads,
            "KEY_VALUE_STORE_WRITES": u.kv_writes,
            "KEY_VALUE_STORE_LISTS": u.kv_lists,
            "REQUEST_QUEUE_READS": u.rq_reads,
            "REQUEST_QUEUE_WRITES": u.rq_writes,
            "DATA_TRANSFER_INTERNAL_GBYTES": r6(u.transfer_internal_gb),
            "DATA_TRANSFER_EXTERNAL_GBYTES": r6(u.transfer_external_gb),
            "PROXY_RESIDENTIAL_TRANSFER_GBYTES": r6(u.proxy_residential_gb),
            "PROXY_SERPS": 0,
        },
        "usageTotalUsd": r6(u.total_usd()),
        "usageUsd": {
            "ACTOR_COMPUTE_UNITS": r6(usd[0]),
            "DATASET_READS": r6(usd[1]),
            "DATASET_WRITES": r6(usd[2]),
            "KEY_VALUE_STORE_READS": r6(usd[3]),
            "KEY_VALUE_STORE_WRITES": r6(usd[4]),
            "KEY_VALUE_STORE_LISTS": r6(usd[5]),
            "REQUEST_QUEUE_READS": r6(usd[6]),
            "REQUEST_QUEUE_WRITES": r6(usd[7]),
            "DATA_TRANSFER_INTERNAL_GBYTES": r6(u.transfer_internal_gb * TRANSFER_INTERNAL_USD_PER_GB),
            "DATA_TRANSFER_EXTERNAL_GBYTES": r6(u.transfer_external_gb * TRANSFER_EXTERNAL_USD_PER_GB),
            "PROXY_RESIDENTIAL_TRANSFER_GBYTES": r6(usd[9]),
            "PROXY_SERPS": 0,
        },
        // Most runs were never metamorphed (`[]`); Apify leaves it out (`null`) on some.
        "metamorphs": if hash_str(id.as_str()).is_multiple_of(5) { Value::Null } else { json!([]) },
        "platformUsageBillingModel": "USER",
    })
}
