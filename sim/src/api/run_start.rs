//! Starting runs: `POST /v2/actors/{actorId}/runs` (with ad-hoc `webhooks`) and the dangerous
//! `run-sync` and `run-sync-get-dataset-items`, which wait for the run and answer its `OUTPUT`
//! record or its dataset items. A new run gets its default dataset, store (with the body as
//! `INPUT`) and queue, and its outcome from the Actor's story.

use super::ctx::Ctx;
use super::datasets::items_reply;
use super::error::{bad, err, not_found, ApiError, Res};
use super::lookup::{actor_idx, valid_memory};
use super::reply::Reply;
use super::runs::run_json;
use crate::entities::{
    Dataset, KvStore, Live, Origin, Record, RequestQueue, Run, Status, StorageHead, Webhook,
};
use crate::fleet::stories::{self, RunCtx};
use crate::ids::IdKind;
use crate::state::State;
use axum::http::{header, StatusCode};
use base64::Engine;
use bytes::Bytes;
use forge_apify::limits::MAX_WAIT_FOR_FINISH_SECS;
use forge_apify::ErrorKind;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Longest a synchronous run may take before `408` (Apify: 300 s).
const SYNC_WAIT_MS: u64 = 300_000;

/// How a started run answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// At once, with the run (`runs`).
    Async,
    /// Once it finished, with its `OUTPUT` record (`run-sync`).
    SyncOutput,
    /// Once it finished, with its dataset items (`run-sync-get-dataset-items`).
    SyncItems,
}

/// Starts a run of the Actor `{actorId}` and answers as `mode` says.
pub fn start(st: &mut State, c: &Ctx, mode: Mode) -> Res {
    let ai = actor_idx(st, &c.params[0])?;
    let actor = st.actors[ai].clone();
    let memory_mb = match c.query.uint("memory")? {
        Some(m) => valid_memory(m)?,
        None => actor.memory_mb,
    };
    let timeout_secs = match c.query.uint("timeout")? {
        Some(t) => t.min(u32::MAX as u64) as u32,
        None => actor.timeout_secs,
    };
    let max_items = c.query.uint("maxItems")?;
    let max_total_charge_usd = c.query.float("maxTotalChargeUsd")?;
    let wait = c.query.uint("waitForFinish")?;
    let latest = st
        .latest_build(ai)
        .map(|b| st.build_ids[&b.id])
        .ok_or_else(|| not_found(ErrorKind::BuildNotFound, "Actor build"))?;
    let build = match c.query.get("build").filter(|b| !b.is_empty()) {
        None | Some("latest") => latest,
        Some(tag) => actor
            .builds
            .iter()
            .copied()
            .find(|&b| st.builds[b as usize].number == tag)
            .ok_or_else(|| {
                not_found(
                    ErrorKind::BuildNotFound,
                    &format!("Actor build with tag or number \"{tag}\""),
                )
            })?,
    };
    let adhoc_hooks = match c.query.get("webhooks").filter(|w| !w.is_empty()) {
        None => Vec::new(),
        Some(raw) => parse_adhoc_webhooks(raw)?,
    };
    // The POST body (with its Content-Type) is the run's INPUT.
    let input = if c.method == "POST" {
        c.decoded_body()?
    } else {
        Vec::new()
    };
    let input_type = c
        .header("content-type")
        .unwrap_or("application/json; charset=utf-8")
        .to_string();

    let ctx = RunCtx {
        on_newest_build: build == latest,
        age_ms: 0,
        timeout_secs: if timeout_secs == 0 {
            u32::MAX
        } else {
            timeout_secs
        },
        memory_mb,
        max_items,
    };
    let outcome = stories::outcome(&actor.spec, ctx, &mut st.rng);
    let now = st.now_ms();
    // A synchronous run "waits": it is created as already elapsed, up to Apify's 300 s.
    let base_elapsed_ms = match mode {
        Mode::Async => 0,
        _ => outcome.duration_ms.min(SYNC_WAIT_MS),
    };
    let started_at = now.saturating_sub(base_elapsed_ms);
    let uid = st.user.id.clone();
    let username = st.user.username.clone();
    // ASSUMPTION: a run started without a body gets the Actor's saved example input as its
    // INPUT (what the Console's Start button sends), credentials and all.
    let (input_type, input) = if input.is_empty() {
        (
            "application/json; charset=utf-8".to_string(),
            actor.example_input.clone().into_bytes(),
        )
    } else {
        (input_type, input)
    };
    let requests = outcome.requests();
    let run = Run {
        started_at,
        outcome,
        actor: ai as u32,
        build,
        memory_mb,
        timeout_secs,
        schedule_delay_ms: 0,
        origin: Origin::Api,
        client_octet: 0,
    };
    let live = Live {
        started: Instant::now(),
        base_elapsed_ms,
        aborted_after_ms: None,
        settled: false,
        user_agent: c
            .header("user-agent")
            .map(|s| s.chars().take(200).collect()),
        max_items,
        max_total_charge_usd,
        input_len: input.len() as u64,
    };
    let n = st.add_live_run(run, live);
    let run_id = st.id_of(IdKind::Run, n);
    // Its default storages, held in full: the run writes to them as it goes.
    let head = |kind: IdKind| {
        StorageHead::new(
            st.id_of(kind, n).to_string(),
            None,
            &uid,
            &username,
            started_at,
        )
        .of_run(&actor.id, run_id.as_str())
    };
    let dataset = Dataset {
        head: head(IdKind::Dataset),
        synthetic_items: 0,
        pushed: Vec::new(),
        null_price_share: stories::null_price_share(actor.spec.story, ctx.on_newest_build),
    };
    let mut records = BTreeMap::new();
    records.insert(
        "INPUT".to_string(),
        Record {
            content_type: input_type,
            value: Bytes::from(input),
        },
    );
    let store = KvStore {
        head: head(IdKind::KeyValueStore),
        records,
    };
    let queue = RequestQueue {
        head: head(IdKind::RequestQueue),
        total: requests,
        handled: 0,
    };
    st.run_datasets.held.insert(n, dataset);
    st.run_stores.held.insert(n, store);
    st.run_queues.held.insert(n, queue);
    for (events, url) in adhoc_hooks {
        let id = st.new_id();
        st.webhooks.push(Webhook {
            id,
            user_id: uid.clone(),
            created_at: now,
            modified_at: now,
            is_ad_hoc: true,
            event_types: events,
            condition: json!({"actorRunId": run_id}),
            request_url: url,
            payload_template: None,
            description: None,
            ignore_ssl_errors: false,
            do_not_retry: false,
        });
    }
    let a = &mut st.actors[ai];
    a.total_runs += 1;
    a.last_run_started_at = Some(a.last_run_started_at.unwrap_or(0).max(started_at));
    st.advance();

    match mode {
        Mode::Async => {
            let mut reply = Reply::data(StatusCode::CREATED, run_json(st, n)).with_header(
                header::LOCATION,
                format!("{}/v2/actor-runs/{run_id}", c.base()),
            );
            if let Some(secs) = wait.filter(|s| *s > 0) {
                reply.wait_for = Some((n, Duration::from_secs(secs.min(MAX_WAIT_FOR_FINISH_SECS))));
            }
            Ok(reply)
        }
        Mode::SyncOutput | Mode::SyncItems => {
            let now = st.run_status(n);
            if !now.phase.is_terminal() {
                return Err(err(
                    StatusCode::REQUEST_TIMEOUT,
                    ErrorKind::RunTimeoutExceeded,
                    format!(
                        "Actor run exceeded the timeout of {} seconds for this API endpoint (run ID: {run_id})",
                        SYNC_WAIT_MS / 1000
                    ),
                ));
            }
            if now.status != Status::Succeeded {
                return Err(bad(
                    "actor-run-failed",
                    format!(
                        "Actor run did not succeed (run ID: {run_id}, status: {})",
                        now.status.as_str()
                    ),
                ));
            }
            if mode == Mode::SyncItems {
                let dataset = st
                    .run_datasets
                    .held
                    .get(&n)
                    .ok_or_else(|| not_found(ErrorKind::RecordNotFound, "Dataset"))?;
                return items_reply(dataset, c.query, StatusCode::CREATED);
            }
            let key = c.query.get("outputRecordKey").unwrap_or("OUTPUT");
            let record = st
                .run_stores
                .held
                .get(&n)
                .and_then(|s| s.records.get(key))
                .cloned();
            Ok(match record {
                Some(r) => Reply::raw(StatusCode::CREATED, &r.content_type, r.value),
                None => Reply::raw(
                    StatusCode::CREATED,
                    "application/json; charset=utf-8",
                    b"{}".to_vec(),
                ),
            })
        }
    }
}

fn parse_adhoc_webhooks(raw: &str) -> Result<Vec<(Vec<String>, String)>, ApiError> {
    let invalid = || {
        bad(
            ErrorKind::InvalidParameter,
            "The 'webhooks' parameter must be a base64-encoded JSON array of webhooks",
        )
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(raw.trim()))
        .map_err(|_| invalid())?;
    let Value::Array(list) = serde_json::from_slice::<Value>(&bytes).map_err(|_| invalid())? else {
        return Err(invalid());
    };
    let mut out = Vec::new();
    for w in list {
        let events: Vec<String> = w
            .get("eventTypes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.as_str().map(String::from))
                    .collect()
            })
            .ok_or_else(invalid)?;
        let url = w
            .get("requestUrl")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        out.push((events, url.to_string()));
    }
    Ok(out)
}
