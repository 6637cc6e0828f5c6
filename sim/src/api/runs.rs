//! Runs: run history (an Actor's, the account's), the last run, one run (with
//! `waitForFinish`), aborting one — and how a run renders (`Run`, `RunShort`). Starting runs
//! (async and `run-sync`) is in `super::run_start`.

use super::actors::{free_pricing, pricing_info};
use super::builds::build_number_int;
use super::ctx::Ctx;
use super::error::{bad, not_found, ApiError, Res};
use super::lookup::{actor_idx, find_run};
use super::pagination::paginate;
use super::query::Query;
use super::reply::Reply;
use crate::entities::{Phase, Run, Source};
use crate::fleet::stories;
use crate::rng::hash_str;
use crate::state::State;
use crate::time::{iso, parse_iso};
use crate::usage::{r6, TRANSFER_EXTERNAL_USD_PER_GB, TRANSFER_INTERNAL_USD_PER_GB};
use axum::http::StatusCode;
use forge_apify::allow::RUN_STATUSES as STATUSES;
use forge_apify::limits::MAX_WAIT_FOR_FINISH_SECS;
use forge_apify::ErrorKind;
use serde_json::{json, Value};
use std::time::Duration;

/// `GET /v2/actor-runs`: the account's runs.
pub fn list(st: &State, c: &Ctx) -> Res {
    runs_list(st, c, None)
}

/// `GET /v2/actors/{actorId}/runs`.
pub fn of_actor(st: &State, c: &Ctx) -> Res {
    let i = actor_idx(st, &c.params[0])?;
    let id = st.actors[i].id.clone();
    runs_list(st, c, Some(&id))
}

/// `GET /v2/actors/{actorId}/runs/{runId}`.
pub fn get_of_actor(st: &State, c: &Ctx) -> Res {
    let i = actor_idx(st, &c.params[0])?;
    let run = st
        .runs
        .iter()
        .find(|r| r.id == c.params[1] && r.act_id == st.actors[i].id)
        .ok_or_else(|| not_found(ErrorKind::RecordNotFound, "Actor run"))?;
    Ok(Reply::data(StatusCode::OK, run_json(st, run)))
}

/// `GET /v2/actor-runs/{runId}` (`waitForFinish` ≤ 60 s).
pub fn get(st: &State, c: &Ctx) -> Res {
    let run = find_run(st, &c.params[0])?;
    let reply = Reply::data(StatusCode::OK, run_json(st, run));
    with_wait(reply, c, &run.id)
}

fn status_filter(q: &Query) -> Result<Option<Vec<String>>, ApiError> {
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
    Ok(Some(list))
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

fn runs_list(st: &State, c: &Ctx, act_id: Option<&str>) -> Res {
    let statuses = status_filter(c.query)?;
    let after = time_param(c.query, "startedAfter")?;
    let before = time_param(c.query, "startedBefore")?;
    let uid = &st.user.id;
    let items: Vec<&Run> = st
        .runs
        .iter()
        .filter(|r| act_id.is_none_or(|a| r.act_id == a))
        .filter(|r| act_id.is_some() || &r.user_id == uid)
        .filter(|r| after.is_none_or(|t| r.started_at >= t))
        .filter(|r| before.is_none_or(|t| r.started_at <= t))
        .filter(|r| {
            statuses.as_ref().is_none_or(|list| {
                let s = st.run_status(r).status;
                list.iter().any(|w| w == s)
            })
        })
        .collect();
    paginate(c.query, items, |r| run_short_json(st, r))
}

/// `GET /v2/actors/{actorId}/runs/last` (`status`, `origin`, `waitForFinish`).
pub fn last(st: &State, c: &Ctx) -> Res {
    let i = actor_idx(st, &c.params[0])?;
    let statuses = status_filter(c.query)?;
    let origin = c.query.get("origin").filter(|o| !o.is_empty());
    let id = &st.actors[i].id;
    let run = st
        .runs
        .iter()
        .rev()
        .filter(|r| &r.act_id == id)
        .filter(|r| origin.is_none_or(|o| r.origin == o))
        .find(|r| {
            statuses.as_ref().is_none_or(|list| {
                let s = st.run_status(r).status;
                list.iter().any(|w| w == s)
            })
        })
        .ok_or_else(|| not_found(ErrorKind::RecordNotFound, "Actor run"))?;
    let reply = Reply::data(StatusCode::OK, run_json(st, run));
    with_wait(reply, c, &run.id)
}

fn with_wait(reply: Reply, c: &Ctx, run_id: &str) -> Res {
    let mut reply = reply;
    if let Some(secs) = c.query.uint("waitForFinish")? {
        if secs > 0 {
            reply.wait_for = Some((
                run_id.to_string(),
                Duration::from_secs(secs.min(MAX_WAIT_FOR_FINISH_SECS)),
            ));
        }
    }
    Ok(reply)
}

/// `POST /v2/actor-runs/{runId}/abort`.
pub fn abort(st: &mut State, c: &Ctx) -> Res {
    let i = st
        .runs
        .iter()
        .position(|r| r.id == c.params[0])
        .ok_or_else(|| not_found(ErrorKind::RecordNotFound, "Actor run"))?;
    let phase = st.phase(&st.runs[i]);
    if !phase.is_terminal() {
        let elapsed = match phase {
            Phase::Running { elapsed_ms } => elapsed_ms,
            _ => 0,
        };
        if let Some(live) = st.runs[i].live.as_mut() {
            live.aborted_after_ms = Some(elapsed);
        }
        st.advance();
    }
    Ok(Reply::data(StatusCode::OK, run_json(st, &st.runs[i])))
}

// ------------------------------------------------------------------------- rendering

/// `RunShort` (list item).
pub fn run_short_json(st: &State, run: &Run) -> Value {
    let now = st.run_status(run);
    json!({
        "id": run.id,
        "actId": run.act_id,
        "userId": run.user_id,
        "actorTaskId": null,
        "status": now.status,
        "startedAt": iso(run.started_at),
        "finishedAt": now.finished_at.map(iso),
        "buildId": run.build_id,
        "buildNumber": run.build_number,
        "buildNumberInt": build_number_int(&run.build_number),
        "meta": {"origin": run.origin},
        "usageTotalUsd": r6(now.usage.total_usd()),
        "defaultKeyValueStoreId": run.kv_id,
        "defaultDatasetId": run.dataset_id,
        "defaultRequestQueueId": run.rq_id,
    })
}

/// `Run` (full object).
pub fn run_json(st: &State, run: &Run) -> Value {
    let now = st.run_status(run);
    let o = &run.outcome;
    let u = &now.usage;
    let usd = u.usd();
    let actor = st.actor_of(&run.act_id);
    let (message, terminal_msg, exit_code) = match now.phase {
        Phase::Ready => (Some("Starting the Actor run".to_string()), false, None),
        Phase::Running { .. } => (stories::progress_message(o, now.frac), false, None),
        Phase::Done => (o.status_message.clone(), true, o.exit_code),
        Phase::Aborted { .. } => (Some("The run was aborted".to_string()), true, None),
    };
    let mem_max = (o.mem_max_bytes as f64 * now.frac.sqrt()).round() as u64;
    let meta = json!({
        "origin": run.origin,
        "clientIp": run.meta.client_ip,
        "userAgent": run.meta.user_agent,
        "scheduleId": run.meta.schedule_id,
        "scheduledAt": run.meta.scheduled_at.map(iso),
    });
    let options = json!({
        "build": run.build_number,
        "timeoutSecs": run.timeout_secs,
        "memoryMbytes": run.memory_mb,
        "diskMbytes": run.disk_mb,
        "maxItems": run.max_items,
        "maxTotalChargeUsd": run.max_total_charge_usd,
    });
    let pricing = actor
        .and_then(pricing_info)
        .unwrap_or_else(|| free_pricing(actor.map_or(run.started_at, |a| a.created_at)));
    let charged = if pricing["pricingModel"] == "PAY_PER_EVENT" {
        json!({
            "apify-actor-start": run.memory_mb.div_ceil(1024).max(1),
            "page-crawled": (o.items as f64 * now.frac).round() as u64,
        })
    } else {
        json!({})
    };
    let running = matches!(now.phase, Phase::Running { .. });
    json!({
        "id": run.id,
        "actId": run.act_id,
        "userId": run.user_id,
        "actorTaskId": null,
        "startedAt": iso(run.started_at),
        "finishedAt": now.finished_at.map(iso),
        "status": now.status,
        "statusMessage": message,
        "isStatusMessageTerminal": terminal_msg,
        "meta": meta,
        "pricingInfo": pricing,
        "stats": {
            "inputBodyLen": run.input_len,
            "migrationCount": 0,
            "rebootCount": 0,
            "restartCount": 0,
            "resurrectCount": 0,
            "memAvgBytes": (o.mem_avg_bytes as f64 * now.frac.sqrt()).round() as u64,
            "memMaxBytes": mem_max,
            "memCurrentBytes": if running { (mem_max as f64 * 0.8) as u64 } else { 0 },
            "cpuAvgUsage": if now.frac > 0.0 { o.cpu_avg } else { 0.0 },
            "cpuMaxUsage": if now.frac > 0.0 { o.cpu_max } else { 0.0 },
            "cpuCurrentUsage": if running { o.cpu_avg } else { 0.0 },
            "netRxBytes": (o.net_rx_bytes as f64 * now.frac) as u64,
            "netTxBytes": (o.net_tx_bytes as f64 * now.frac) as u64,
            "durationMillis": now.elapsed_ms,
            "runTimeSecs": r6(now.elapsed_ms as f64 / 1000.0),
            "metamorph": 0,
            "computeUnits": r6(u.compute_units),
        },
        "chargedEventCounts": charged,
        "options": options,
        "buildId": run.build_id,
        "buildNumber": run.build_number,
        "exitCode": exit_code,
        "generalAccess": "FOLLOW_USER_SETTING",
        "defaultKeyValueStoreId": run.kv_id,
        "defaultDatasetId": run.dataset_id,
        "defaultRequestQueueId": run.rq_id,
        "storageIds": {
            "datasets": {"default": run.dataset_id},
            "keyValueStores": {"default": run.kv_id},
            "requestQueues": {"default": run.rq_id},
        },
        "containerUrl": format!("https://{}.runs.apify.net", run.id.to_ascii_lowercase()),
        "isContainerServerReady": running,
        "gitBranchName": actor.filter(|a| a.source == Source::Git && a.own).map(|_| "main"),
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
            "PROXY_RESIDENTIAL_TRANSFER_GBYTES": 0,
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
            "PROXY_RESIDENTIAL_TRANSFER_GBYTES": 0,
            "PROXY_SERPS": 0,
        },
        // Most runs were never metamorphed (`[]`); Apify leaves it out (`null`) on some.
        "metamorphs": if hash_str(&run.id).is_multiple_of(5) { Value::Null } else { json!([]) },
        "platformUsageBillingModel": "USER",
    })
}
