//! The simulated account's state and how each object is rendered in Apify's response shapes.
//!
//! Everything the API answers lives in one [`State`] behind the [`crate::Sim`] mutex. Objects
//! keep only what the generator or a request decided; run progress, costs and the JSON shapes
//! are derived on read, so no background task is needed for a run to advance: a started run's
//! status is computed from the clock whenever it is looked at ([`State::advance`] then settles
//! the side effects of runs that have finished: dataset items, `OUTPUT` and `SIGNALS` records).
//! Shapes follow the schemas of Apify's OpenAPI description (`Actor`, `ActorShort`, `Run`,
//! `RunShort`, `Build`, `BuildShort`, `Dataset`, `DatasetListItem`, `KeyValueStore`, …); the
//! conformance test checks them. The objects the relay's allow-listed routes return carry every
//! property their schema declares, the dangerous ones included — source files, env vars, Git
//! URLs with credentials, example inputs, deployment keys, signing keys and signed public URLs
//! (rendered by `crate::source`, each embedding [`crate::SENTINEL`]) — so the relay's response
//! projection is tested against what Apify really sends. Where the spec allows `null`, real
//! values are the rule and `null` appears on some ordinary Actors, as on Apify.

use crate::fleet::{self, ActorSpec, Kind, Outcome};
use crate::rng::Rng;
use crate::source::{self, Source};
use crate::time::iso;
use crate::{Fault, RecordedRequest, SimOptions};
use bytes::Bytes;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// USD per compute unit (Apify's Scale plan price).
pub const CU_USD: f64 = 0.3;
/// Usage prices per unit, in USD.
const DATASET_WRITE_USD: f64 = 0.005 / 1000.0;
const DATASET_READ_USD: f64 = 0.0004 / 1000.0;
const KV_READ_USD: f64 = 0.005 / 1000.0;
const KV_WRITE_USD: f64 = 0.05 / 1000.0;
const KV_LIST_USD: f64 = 0.05 / 1000.0;
const RQ_READ_USD: f64 = 0.004 / 1000.0;
const RQ_WRITE_USD: f64 = 0.02 / 1000.0;
const TRANSFER_EXTERNAL_USD_PER_GB: f64 = 0.2;
const TRANSFER_INTERNAL_USD_PER_GB: f64 = 0.05;

pub const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
    pub email: String,
    pub proxy_password: String,
    pub created_at: u64,
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub user_id: String,
    pub username: String,
    pub name: String,
    pub title: String,
    pub description: String,
    pub created_at: u64,
    pub modified_at: u64,
    pub is_public: bool,
    /// Owned by the account's user (what `my=1` keeps).
    pub own: bool,
    pub memory_mb: u32,
    pub timeout_secs: u32,
    pub version: String,
    pub total_runs: u64,
    pub last_run_started_at: Option<u64>,
    pub example_input: String,
    pub categories: Vec<&'static str>,
    pub spec: ActorSpec,
    pub restart_on_error: bool,
    /// Where its version's source lives.
    pub source: Source,
    /// Built without `.actor/actor.json`: builds have no `actorDefinition` or `inputSchema`.
    pub legacy: bool,
    /// Standby mode is enabled (`actorStandby`, `standbyUrl`).
    pub standby: bool,
    /// The list answers `"stats": null` for it (Apify does for some Actors).
    pub short_stats_null: bool,
    /// `isDeprecated` (`None` renders as `null`).
    pub is_deprecated: Option<bool>,
    /// Its `taggedBuilds` also has a `beta` tag pointing nowhere (`null`).
    pub beta_tag_null: bool,
    pub notice: &'static str,
    /// Runs started in the 30 days before the simulator started, by status:
    /// ABORTED, FAILED, SUCCEEDED, TIMED-OUT, TOTAL (`stats.publicActorRunStats30Days`).
    pub runs_30d: [u64; 5],
}

#[derive(Debug, Clone)]
pub struct Build {
    pub id: String,
    pub act_id: String,
    pub user_id: String,
    pub number: String,
    pub number_int: u64,
    pub started_at: u64,
    pub duration_ms: u64,
    pub origin: &'static str,
    pub memory_mb: u32,
}

impl Build {
    pub fn finished_at(&self) -> u64 {
        self.started_at + self.duration_ms
    }
}

#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub schedule_id: Option<String>,
    pub scheduled_at: Option<u64>,
}

/// A run started through the API after the simulator started: it progresses with the clock.
#[derive(Debug, Clone)]
pub struct Live {
    pub started: Instant,
    /// Simulated milliseconds already elapsed when `started` was taken (run-sync runs are
    /// created already finished).
    pub base_elapsed_ms: u64,
    pub aborted_after_ms: Option<u64>,
    /// Side effects of the finished run (dataset items, records) have been written.
    pub settled: bool,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    pub act_id: String,
    pub user_id: String,
    pub build_id: String,
    pub build_number: String,
    pub started_at: u64,
    pub origin: &'static str,
    pub meta: Meta,
    pub outcome: Outcome,
    pub memory_mb: u32,
    pub timeout_secs: u32,
    pub disk_mb: u32,
    pub max_items: Option<u64>,
    pub max_total_charge_usd: Option<f64>,
    pub input_len: u64,
    pub dataset_id: String,
    pub kv_id: String,
    pub rq_id: String,
    pub live: Option<Live>,
}

/// Where a run is, as of now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    Ready,
    Running { elapsed_ms: u64 },
    Done,
    Aborted { after_ms: u64 },
}

impl Phase {
    pub fn is_terminal(self) -> bool {
        matches!(self, Phase::Done | Phase::Aborted { .. })
    }
}

#[derive(Debug, Clone)]
pub struct Dataset {
    pub id: String,
    pub name: Option<String>,
    pub user_id: String,
    pub username: String,
    pub created_at: u64,
    pub modified_at: u64,
    pub accessed_at: u64,
    pub act_id: Option<String>,
    pub act_run_id: Option<String>,
    /// Items the generator says are there (rendered synthetically on read).
    pub synthetic_items: u64,
    /// Items pushed through the API.
    pub pushed: Vec<Value>,
}

impl Dataset {
    pub fn item_count(&self) -> u64 {
        self.synthetic_items + self.pushed.len() as u64
    }
}

#[derive(Debug, Clone)]
pub struct Record {
    pub content_type: String,
    /// Shared, not copied: every historical run of an Actor holds the same `INPUT`.
    pub value: Bytes,
}

#[derive(Debug, Clone)]
pub struct KvStore {
    pub id: String,
    pub name: Option<String>,
    pub user_id: String,
    pub username: String,
    pub created_at: u64,
    pub modified_at: u64,
    pub accessed_at: u64,
    pub act_id: Option<String>,
    pub act_run_id: Option<String>,
    pub records: BTreeMap<String, Record>,
}

#[derive(Debug, Clone)]
pub struct RequestQueue {
    pub id: String,
    pub name: Option<String>,
    pub user_id: String,
    pub username: String,
    pub created_at: u64,
    pub modified_at: u64,
    pub act_id: Option<String>,
    pub act_run_id: Option<String>,
    pub total: u64,
    pub handled: u64,
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: String,
    pub user_id: String,
    pub created_at: u64,
    pub modified_at: u64,
    pub is_ad_hoc: bool,
    pub event_types: Vec<String>,
    pub condition: Value,
    pub request_url: String,
    pub payload_template: Option<String>,
    pub description: Option<String>,
    pub ignore_ssl_errors: bool,
    pub do_not_retry: bool,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub cron: String,
    pub is_enabled: bool,
    pub created_at: u64,
    pub modified_at: u64,
    pub last_run_at: Option<u64>,
    pub next_run_at: Option<u64>,
    pub description: Option<String>,
    /// (action id, Actor id)
    pub actions: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub user_id: String,
    pub act_id: String,
    pub name: String,
    pub created_at: u64,
    pub modified_at: u64,
    pub input: Option<Value>,
    pub memory_mb: Option<u32>,
    pub timeout_secs: Option<u32>,
}

/// Per-fault mutable state (what is left of a 429 burst).
#[derive(Debug, Clone)]
pub struct ActiveFault {
    pub fault: Fault,
    pub burst_left: u32,
}

/// The whole simulated account plus the simulator's own bookkeeping.
#[derive(Debug)]
pub struct State {
    pub opts: SimOptions,
    /// When the simulator was created (for live runs and the clock).
    pub epoch: Instant,
    /// Unix ms of "now" at `epoch`.
    pub anchor_ms: u64,
    pub user: User,
    pub actors: Vec<Actor>,
    pub builds: Vec<Build>,
    /// Ordered by `started_at`.
    pub runs: Vec<Run>,
    pub datasets: Vec<Dataset>,
    pub stores: Vec<KvStore>,
    pub queues: Vec<RequestQueue>,
    pub webhooks: Vec<Webhook>,
    pub schedules: Vec<Schedule>,
    pub tasks: Vec<Task>,
    /// Randomness for things created after start (ids, outcomes of new runs).
    pub rng: Rng,
    /// Randomness for fault injection (error rates, jitter).
    pub fault_rng: Rng,
    pub faults: Vec<ActiveFault>,
    /// (token, method, path) → (second, count)
    pub rate: HashMap<String, (u64, u32)>,
    pub log: Vec<RecordedRequest>,
}

pub fn r6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Usage of a run, or of the part of it that has happened.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub compute_units: f64,
    pub dataset_writes: u64,
    pub dataset_reads: u64,
    pub kv_reads: u64,
    pub kv_writes: u64,
    pub kv_lists: u64,
    pub rq_reads: u64,
    pub rq_writes: u64,
    pub transfer_internal_gb: f64,
    pub transfer_external_gb: f64,
}

impl Usage {
    pub fn of(outcome: &Outcome, memory_mb: u32, duration_ms: u64, frac: f64) -> Usage {
        let scale = |n: u64| (n as f64 * frac).round() as u64;
        Usage {
            compute_units: memory_mb as f64 / 1024.0 * duration_ms as f64 / 3_600_000.0,
            dataset_writes: scale(outcome.items),
            dataset_reads: 0,
            kv_reads: scale(outcome.kv_reads),
            kv_writes: scale(outcome.kv_writes),
            kv_lists: 0,
            rq_reads: scale(outcome.rq_reads),
            rq_writes: scale(outcome.rq_writes),
            transfer_internal_gb: outcome.net_tx_bytes as f64 * frac / 1e9,
            transfer_external_gb: outcome.net_rx_bytes as f64 * frac / 1e9,
        }
    }

    pub fn usd(&self) -> [f64; 9] {
        [
            self.compute_units * CU_USD,
            self.dataset_reads as f64 * DATASET_READ_USD,
            self.dataset_writes as f64 * DATASET_WRITE_USD,
            self.kv_reads as f64 * KV_READ_USD,
            self.kv_writes as f64 * KV_WRITE_USD,
            self.kv_lists as f64 * KV_LIST_USD,
            self.rq_reads as f64 * RQ_READ_USD,
            self.rq_writes as f64 * RQ_WRITE_USD,
            self.transfer_internal_gb * TRANSFER_INTERNAL_USD_PER_GB
                + self.transfer_external_gb * TRANSFER_EXTERNAL_USD_PER_GB,
        ]
    }

    pub fn total_usd(&self) -> f64 {
        self.usd().iter().sum()
    }
}

/// Cost of a finished historical run (used by the generator for trend snapshots).
pub fn run_cost_usd(run: &Run) -> f64 {
    Usage::of(&run.outcome, run.memory_mb, run.outcome.duration_ms, 1.0).total_usd()
}

impl State {
    /// The simulator's clock, unix ms.
    pub fn now_ms(&self) -> u64 {
        self.anchor_ms + self.epoch.elapsed().as_millis() as u64
    }

    pub fn new_id(&mut self) -> String {
        self.rng.apify_id()
    }

    pub fn phase(&self, run: &Run) -> Phase {
        let Some(live) = &run.live else {
            return Phase::Done;
        };
        if let Some(after_ms) = live.aborted_after_ms {
            return Phase::Aborted { after_ms };
        }
        let elapsed_ms = self.live_elapsed_ms(live);
        if elapsed_ms >= run.outcome.duration_ms {
            Phase::Done
        } else if elapsed_ms < 1000 {
            Phase::Ready
        } else {
            Phase::Running { elapsed_ms }
        }
    }

    pub fn live_elapsed_ms(&self, live: &Live) -> u64 {
        let real = live.started.elapsed().as_secs_f64();
        live.base_elapsed_ms + (real * self.opts.run_speed.max(0.0) * 1000.0) as u64
    }

    /// Settles the side effects of live runs that have finished since the last look: the
    /// dataset's item count, the `OUTPUT` record and (for signal-emitter) `SIGNALS`. Runs still
    /// in progress are left alone, so this stays cheap however many runs are live.
    pub fn advance(&mut self) {
        let mut finished: Vec<(usize, Phase)> = Vec::new();
        for (i, run) in self.runs.iter().enumerate() {
            if let Some(live) = &run.live {
                if !live.settled {
                    let phase = self.phase(run);
                    if phase.is_terminal() {
                        finished.push((i, phase));
                    }
                }
            }
        }
        for (i, phase) in finished {
            let run = self.runs[i].clone();
            let after = match phase {
                Phase::Aborted { after_ms } => after_ms,
                _ => run.outcome.duration_ms,
            };
            let frac = (after as f64 / run.outcome.duration_ms.max(1) as f64).min(1.0);
            let items = (run.outcome.items as f64 * frac).round() as u64;
            let finished_at = run.started_at + after;
            if let Some(ds) = self.datasets.iter_mut().find(|d| d.id == run.dataset_id) {
                ds.synthetic_items = items;
                ds.modified_at = finished_at;
            }
            let spec = self
                .actors
                .iter()
                .find(|a| a.id == run.act_id)
                .map(|a| a.spec.clone());
            if let Some(kv) = self.stores.iter_mut().find(|s| s.id == run.kv_id) {
                let status = if matches!(phase, Phase::Done) {
                    run.outcome.status
                } else {
                    "ABORTED"
                };
                let output = json!({
                    "status": status,
                    "itemCount": items,
                    "finishedAt": iso(finished_at),
                });
                kv.records.insert(
                    "OUTPUT".into(),
                    Record {
                        content_type: "application/json; charset=utf-8".into(),
                        value: serde_json::to_vec_pretty(&output)
                            .unwrap_or_default()
                            .into(),
                    },
                );
                if spec.as_ref().is_some_and(ActorSpec::emits_signals) {
                    let mut r = Rng::derive(self.opts.seed, fleet::hash_str(&run.id));
                    kv.records.insert(
                        "SIGNALS".into(),
                        fleet::signals(&mut r, &run.outcome, items),
                    );
                }
                kv.modified_at = finished_at;
            }
            if let Some(live) = self.runs[i].live.as_mut() {
                live.settled = true;
            }
        }
    }

    // ---------------------------------------------------------------- rendering

    pub fn actor_stats(&self, a: &Actor) -> Value {
        let mut stats = Map::new();
        let [aborted, failed, succeeded, timed_out, total] = a.runs_30d;
        if a.own {
            stats.insert(
                "totalBuilds".into(),
                json!(self.builds.iter().filter(|b| b.act_id == a.id).count()),
            );
            stats.insert("totalRuns".into(), json!(a.total_runs));
            stats.insert("totalUsers".into(), json!(1));
            stats.insert("totalUsers7Days".into(), json!(1));
            stats.insert("totalUsers30Days".into(), json!(1));
            stats.insert("totalUsers90Days".into(), json!(1));
            stats.insert("actorReviewCount".into(), json!(0));
            stats.insert("actorReviewRating".into(), json!(0));
            stats.insert("bookmarkCount".into(), json!(0));
        } else {
            // A public Actor from the Store: its stats are global, not this account's.
            stats.insert("totalBuilds".into(), json!(412));
            stats.insert("totalRuns".into(), json!(48_211_907u64));
            stats.insert("totalUsers".into(), json!(91_544));
            stats.insert("totalUsers7Days".into(), json!(6_210));
            stats.insert("totalUsers30Days".into(), json!(18_077));
            stats.insert("totalUsers90Days".into(), json!(37_912));
            stats.insert("actorReviewCount".into(), json!(1_287));
            stats.insert("actorReviewRating".into(), json!(4.62));
            stats.insert("bookmarkCount".into(), json!(15_420));
        }
        stats.insert("totalMetamorphs".into(), json!(0));
        if let Some(t) = a.last_run_started_at {
            stats.insert("lastRunStartedAt".into(), json!(iso(t)));
        }
        stats.insert(
            "publicActorRunStats30Days".into(),
            json!({
                "ABORTED": aborted,
                "FAILED": failed,
                "SUCCEEDED": succeeded,
                "TIMED-OUT": timed_out,
                "TOTAL": total,
            }),
        );
        Value::Object(stats)
    }

    pub fn latest_build(&self, act_id: &str) -> Option<&Build> {
        self.builds
            .iter()
            .filter(|b| b.act_id == act_id)
            .max_by_key(|b| (b.started_at, b.number_int))
    }

    pub fn actor_of(&self, act_id: &str) -> Option<&Actor> {
        self.actors.iter().find(|a| a.id == act_id)
    }

    /// `ActorShort` (list item).
    pub fn actor_short_json(&self, a: &Actor) -> Value {
        json!({
            "id": a.id,
            "createdAt": iso(a.created_at),
            "modifiedAt": iso(a.modified_at),
            "name": a.name,
            "username": a.username,
            "title": a.title,
            "stats": if a.short_stats_null { Value::Null } else { self.actor_stats(a) },
        })
    }

    /// `Actor` (full object).
    pub fn actor_json(&self, a: &Actor) -> Value {
        let tagged = self.latest_build(&a.id).map(|b| {
            let mut tags = json!({"latest": {
                "buildId": b.id,
                "buildNumber": b.number,
                "buildNumberInt": b.number_int,
                "finishedAt": iso(b.finished_at()),
            }});
            if a.beta_tag_null {
                tags["beta"] = Value::Null;
            }
            tags
        });
        let example = json!({
            "body": a.example_input,
            "contentType": "application/json; charset=utf-8",
        });
        let standby = (a.own && a.spec.kind != Kind::Monitor).then(|| {
            json!({
                "isEnabled": a.standby,
                "desiredRequestsPerActorRun": 3,
                "maxRequestsPerActorRun": 5,
                "idleTimeoutSecs": 300,
                "build": "latest",
                "memoryMbytes": a.memory_mb.min(1024),
                "disableStandbyFieldsOverride": false,
                "shouldPassActorInput": false,
            })
        });
        json!({
            "id": a.id,
            "userId": a.user_id,
            "name": a.name,
            "username": a.username,
            "title": a.title,
            "description": a.description,
            "restartOnError": a.restart_on_error,
            "isPublic": a.is_public,
            "actorPermissionLevel": "LIMITED_PERMISSIONS",
            "createdAt": iso(a.created_at),
            "modifiedAt": iso(a.modified_at),
            "stats": self.actor_stats(a),
            "versions": [source::version_json(a)],
            "pricingInfos": pricing_info(a).into_iter().collect::<Vec<_>>(),
            "defaultRunOptions": {
                "build": "latest",
                "timeoutSecs": a.timeout_secs,
                "memoryMbytes": a.memory_mb,
                "restartOnError": a.restart_on_error,
                "maxItems": null,
                "forcePermissionLevel": if a.own { Value::Null } else { json!("LIMITED_PERMISSIONS") },
            },
            "exampleRunInput": example,
            "isDeprecated": a.is_deprecated,
            "deploymentKey": source::deployment_key(a),
            "taggedBuilds": tagged,
            "actorStandby": standby,
            "readmeSummary": a.description,
            "seoTitle": if a.own { Value::Null } else { json!(a.title) },
            "seoDescription": if a.own { Value::Null } else { json!(a.description) },
            "pictureUrl": if a.own {
                Value::Null
            } else {
                json!(format!("https://apify-image-uploads-prod.s3.us-east-1.amazonaws.com/{}/{}-icon.png", a.id, a.name))
            },
            "standbyUrl": a.standby.then(|| format!("https://{}--{}.apify.actor", a.username, a.name)),
            "notice": a.notice,
            "categories": a.categories,
            "isCritical": false,
            "isGeneric": a.name == "web-scraper",
            "isSourceCodeHidden": !a.own,
            "hasNoDataset": false,
        })
    }

    /// `meta` of a build (`BuildsMeta`): where it was started from.
    fn build_meta(b: &Build) -> Value {
        let h = fleet::hash_str(&b.id);
        let (ip, ua) = match b.origin {
            "WEB" => (
                format!("198.51.100.{}", 2 + h % 248),
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
            ),
            "CI" => (
                format!("192.0.2.{}", 2 + h % 248),
                "apify-cli/0.21.1 (linux; Node/v20.18.0); isCI/true",
            ),
            _ => (
                format!("203.0.113.{}", 2 + h % 248),
                "ApifyClient/2.9.4 (linux; Node/v20.11.1); isAtHome/false",
            ),
        };
        json!({"origin": b.origin, "clientIp": ip, "userAgent": ua})
    }

    pub fn build_short_json(&self, b: &Build) -> Value {
        let cu = b.memory_mb as f64 / 1024.0 * b.duration_ms as f64 / 3_600_000.0;
        json!({
            "id": b.id,
            "actId": b.act_id,
            "userId": b.user_id,
            "status": "SUCCEEDED",
            "startedAt": iso(b.started_at),
            "finishedAt": iso(b.finished_at()),
            "usageTotalUsd": r6(cu * CU_USD),
            "buildNumber": b.number,
            "buildNumberInt": b.number_int,
            "meta": Self::build_meta(b),
        })
    }

    pub fn build_json(&self, b: &Build) -> Value {
        let cu = b.memory_mb as f64 / 1024.0 * b.duration_ms as f64 / 3_600_000.0;
        let version = b.number.rsplit_once('.').map_or("0.0", |(v, _)| v);
        let actor = self.actor_of(&b.act_id);
        let legacy = actor.is_none_or(|a| a.legacy);
        let image_bytes = (!legacy).then(|| {
            let h = fleet::hash_str(&b.id);
            (180 + h % 700) * MIB + h % MIB
        });
        json!({
            "id": b.id,
            "actId": b.act_id,
            "userId": b.user_id,
            "startedAt": iso(b.started_at),
            "finishedAt": iso(b.finished_at()),
            "status": "SUCCEEDED",
            "meta": Self::build_meta(b),
            "stats": {
                "durationMillis": b.duration_ms,
                "runTimeSecs": r6(b.duration_ms as f64 / 1000.0),
                "computeUnits": r6(cu),
                "imageSizeBytes": image_bytes,
            },
            "options": {
                "useCache": true,
                "betaPackages": false,
                "memoryMbytes": b.memory_mb,
                "diskMbytes": b.memory_mb * 2,
            },
            "usage": {"ACTOR_COMPUTE_UNITS": r6(cu)},
            "usageTotalUsd": r6(cu * CU_USD),
            "usageUsd": {"ACTOR_COMPUTE_UNITS": r6(cu * CU_USD)},
            "inputSchema": actor
                .filter(|a| !a.legacy)
                .and_then(|a| serde_json::to_string_pretty(&source::input_schema(a)).ok()),
            "readme": actor.map(source::readme),
            "buildNumber": b.number,
            "buildNumberInt": b.number_int,
            "actVersion": match actor {
                Some(a) => source::act_version_json(a, version),
                None => json!({"versionNumber": version, "sourceType": "SOURCE_FILES", "buildTag": "latest"}),
            },
            "actorDefinition": actor.map_or(Value::Null, |a| source::actor_definition(a, version, &b.number)),
        })
    }

    /// Status, timing and usage of a run as of now.
    pub fn run_status(&self, run: &Run) -> RunNow {
        let phase = self.phase(run);
        let o = &run.outcome;
        let (status, elapsed, frac, finished) = match phase {
            Phase::Ready => ("READY", 0, 0.0, None),
            Phase::Running { elapsed_ms } => (
                "RUNNING",
                elapsed_ms,
                elapsed_ms as f64 / o.duration_ms.max(1) as f64,
                None,
            ),
            Phase::Done => (
                o.status,
                o.duration_ms,
                1.0,
                Some(run.started_at + o.duration_ms),
            ),
            Phase::Aborted { after_ms } => (
                "ABORTED",
                after_ms,
                (after_ms as f64 / o.duration_ms.max(1) as f64).min(1.0),
                Some(run.started_at + after_ms),
            ),
        };
        let usage = Usage::of(o, run.memory_mb, elapsed, frac);
        RunNow {
            phase,
            status,
            elapsed_ms: elapsed,
            frac,
            finished_at: finished,
            usage,
        }
    }

    /// `RunShort` (list item).
    pub fn run_short_json(&self, run: &Run) -> Value {
        let now = self.run_status(run);
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
    pub fn run_json(&self, run: &Run) -> Value {
        let now = self.run_status(run);
        let o = &run.outcome;
        let u = &now.usage;
        let usd = u.usd();
        let actor = self.actor_of(&run.act_id);
        let (message, terminal_msg, exit_code) = match now.phase {
            Phase::Ready => (Some("Starting the Actor run".to_string()), false, None),
            Phase::Running { .. } => (fleet::progress_message(o, now.frac), false, None),
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
            "metamorphs": if fleet::hash_str(&run.id).is_multiple_of(5) { Value::Null } else { json!([]) },
            "platformUsageBillingModel": "USER",
        })
    }

    /// `Dataset` (full) or `DatasetListItem`.
    pub fn dataset_json(&self, d: &Dataset, list_item: bool, view: &View) -> Value {
        let count = d.item_count();
        let items_url = format!(
            "{}/v2/datasets/{}/items?signature={}",
            view.base,
            d.id,
            source::signature(&d.id, "items")
        );
        let mut v = json!({
            "id": d.id,
            "name": d.name,
            "userId": d.user_id,
            "createdAt": iso(d.created_at),
            "modifiedAt": iso(d.modified_at),
            "accessedAt": iso(d.accessed_at),
            "itemCount": count,
            "cleanItemCount": count,
            "actId": d.act_id,
            "actRunId": d.act_run_id,
            "generalAccess": "FOLLOW_USER_SETTING",
            "stats": {
                "readCount": 0,
                "writeCount": count,
                "storageBytes": count * 412,
                "inflatedBytes": count * 1_140,
            },
            "itemsPublicUrl": items_url,
            // Apify gives the signing key only to tokens that may write the dataset.
            "urlSigningSecretKey": view.can_write.then(|| source::signing_key(&d.id)),
        });
        if list_item {
            // DatasetListItem requires `name` to be a string; an unnamed dataset has none, so
            // it is the empty string here (falsy for clients that test `name`).
            v["name"] = json!(d.name.clone().unwrap_or_default());
            v["username"] = json!(d.username);
        } else {
            v["consoleUrl"] = json!(format!(
                "https://console.apify.com/storage/datasets/{}",
                d.id
            ));
            v["fields"] = json!(fleet::dataset_fields(d));
            let with_schema = match &d.act_id {
                Some(act) => self.actor_of(act).is_some_and(|a| !a.legacy),
                None => d.name.as_deref() == Some("product-catalog"),
            };
            v["schema"] = if with_schema {
                source::dataset_schema()
            } else {
                Value::Null
            };
        }
        v
    }

    /// `KeyValueStore` (detail, list item, and what creating one answers).
    pub fn store_json(&self, s: &KvStore, view: &View) -> Value {
        let bytes: usize = s.records.values().map(|r| r.value.len()).sum();
        let s3: usize = s
            .records
            .values()
            .map(|r| r.value.len())
            .filter(|n| *n > 64 * 1024)
            .sum();
        let url = |what: &str| {
            format!(
                "{}/v2/key-value-stores/{}/{what}?signature={}",
                view.base,
                s.id,
                source::signature(&s.id, what)
            )
        };
        let with_schema = s
            .act_id
            .as_deref()
            .and_then(|a| self.actor_of(a))
            .is_some_and(|a| !a.legacy && a.spec.kind == Kind::Crawler);
        json!({
            "id": s.id,
            "name": s.name,
            "userId": s.user_id,
            "username": s.username,
            "createdAt": iso(s.created_at),
            "modifiedAt": iso(s.modified_at),
            "accessedAt": iso(s.accessed_at),
            "actId": s.act_id,
            "actRunId": s.act_run_id,
            "consoleUrl": format!("https://console.apify.com/storage/key-value-stores/{}", s.id),
            "keysPublicUrl": url("keys"),
            "recordsPublicUrl": url("records"),
            "schema": if with_schema { source::store_schema() } else { Value::Null },
            "urlSigningSecretKey": view.can_write.then(|| source::signing_key(&s.id)),
            "generalAccess": "FOLLOW_USER_SETTING",
            "stats": {
                "readCount": 0,
                "writeCount": s.records.len(),
                "deleteCount": 0,
                "listCount": 0,
                "s3StorageBytes": s3,
                "storageBytes": bytes,
            },
        })
    }

    /// The signed public URL of one record (`recordPublicUrl` in key listings).
    pub fn record_public_url(&self, s: &KvStore, key: &str, view: &View) -> String {
        format!(
            "{}/v2/key-value-stores/{}/records/{key}?signature={}",
            view.base,
            s.id,
            source::signature(&s.id, &format!("records/{key}"))
        )
    }

    /// `RequestQueue` (full) or `RequestQueueShort`.
    pub fn queue_json(&self, q: &RequestQueue, list_item: bool) -> Value {
        let mut v = json!({
            "id": q.id,
            "name": q.name,
            "userId": q.user_id,
            "createdAt": iso(q.created_at),
            "modifiedAt": iso(q.modified_at),
            "accessedAt": iso(q.modified_at),
            "totalRequestCount": q.total,
            "handledRequestCount": q.handled,
            "pendingRequestCount": q.total - q.handled,
            "actId": q.act_id,
            "actRunId": q.act_run_id,
            "hadMultipleClients": false,
            "generalAccess": "FOLLOW_USER_SETTING",
        });
        if list_item {
            // RequestQueueShort requires a string `name` (see `dataset_json`).
            v["name"] = json!(q.name.clone().unwrap_or_default());
            v["username"] = json!(q.username);
        } else {
            v["consoleUrl"] = json!(format!(
                "https://console.apify.com/storage/request-queues/{}",
                q.id
            ));
        }
        v
    }

    pub fn webhook_json(&self, w: &Webhook, list_item: bool) -> Value {
        let mut v = json!({
            "id": w.id,
            "createdAt": iso(w.created_at),
            "modifiedAt": iso(w.modified_at),
            "userId": w.user_id,
            "isAdHoc": w.is_ad_hoc,
            "shouldInterpolateStrings": false,
            "eventTypes": w.event_types,
            "condition": w.condition,
            "ignoreSslErrors": w.ignore_ssl_errors,
            "doNotRetry": w.do_not_retry,
            "requestUrl": w.request_url,
            "lastDispatch": null,
            "stats": {"totalDispatches": 0},
        });
        if list_item {
            v["isApifyIntegration"] = json!(false);
            v["isEnabled"] = json!(true);
            v["actionType"] = json!("HTTP_REQUEST");
        } else {
            v["payloadTemplate"] = json!(w.payload_template);
            v["headersTemplate"] = json!(null);
            v["description"] = json!(w.description);
        }
        v
    }

    pub fn schedule_json(&self, s: &Schedule, list_item: bool) -> Value {
        let actions: Vec<Value> = s
            .actions
            .iter()
            .map(|(id, actor)| {
                if list_item {
                    json!({"id": id, "type": "RUN_ACTOR", "actorId": actor})
                } else {
                    json!({"id": id, "type": "RUN_ACTOR", "actorId": actor, "runInput": null, "runOptions": null})
                }
            })
            .collect();
        let mut v = json!({
            "id": s.id,
            "userId": s.user_id,
            "name": s.name,
            "cronExpression": s.cron,
            "timezone": "UTC",
            "isEnabled": s.is_enabled,
            "isExclusive": false,
            "createdAt": iso(s.created_at),
            "modifiedAt": iso(s.modified_at),
            "nextRunAt": s.next_run_at.map(iso),
            "lastRunAt": s.last_run_at.map(iso),
            "actions": actions,
        });
        if !list_item {
            v["description"] = json!(s.description);
            v["title"] = json!(null);
            v["notifications"] = json!({"email": false});
        }
        v
    }

    pub fn task_json(&self, t: &Task, list_item: bool) -> Value {
        let actor = self.actors.iter().find(|a| a.id == t.act_id);
        let runs = 0;
        let mut v = json!({
            "id": t.id,
            "userId": t.user_id,
            "actId": t.act_id,
            "name": t.name,
            "username": self.user.username,
            "createdAt": iso(t.created_at),
            "modifiedAt": iso(t.modified_at),
            "stats": {"totalRuns": runs},
        });
        if list_item {
            v["actName"] = json!(actor.map(|a| a.name.clone()));
            v["actUsername"] = json!(actor.map(|a| a.username.clone()));
        } else {
            v["options"] = json!({
                "build": "latest",
                "memoryMbytes": t.memory_mb,
                "timeoutSecs": t.timeout_secs,
            });
            v["input"] = t.input.clone().unwrap_or(Value::Null);
        }
        v
    }
}

/// How storages are rendered for one request: the API base their public URLs point to, and
/// whether the token may write (only then does Apify include `urlSigningSecretKey`).
#[derive(Debug, Clone)]
pub struct View {
    pub base: String,
    pub can_write: bool,
}

/// `buildNumberInt`: `x.y.n` as one integer (what the generator gives builds).
pub fn build_number_int(number: &str) -> u64 {
    let mut parts = number.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    let (major, minor, n) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    major * 1_000_000 + minor * 10_000 + n
}

fn free_pricing(since: u64) -> Value {
    json!({
        "pricingModel": "FREE",
        "apifyMarginPercentage": 0,
        "createdAt": iso(since),
        "startedAt": iso(since),
        "notifiedAboutFutureChangeAt": null,
        "notifiedAboutChangeAt": null,
        "reasonForChange": null,
        "isPriceChangeNotificationSuppressed": false,
        "forceContainsSignificantPriceChange": false,
    })
}

/// The Actor's pricing (`pricingInfos[]`, and a run's `pricingInfo`): none for the account's
/// own Actors, free or pay-per-event for the Store Actors.
pub fn pricing_info(a: &Actor) -> Option<Value> {
    if a.own {
        return None;
    }
    let mut p = free_pricing(a.created_at);
    if a.name == "website-content-crawler" {
        p["pricingModel"] = json!("PAY_PER_EVENT");
        p["apifyMarginPercentage"] = json!(0.2);
        p["minimalMaxTotalChargeUsd"] = json!(0.5);
        p["pricingPerEvent"] = json!({"actorChargeEvents": {
            "apify-actor-start": {
                "eventTitle": "Actor start",
                "eventDescription": "Charged once when the run starts, per GB of memory.",
                "eventPriceUsd": 0.00005,
                "isPrimaryEvent": false,
                "isOneTimeEvent": true,
            },
            "page-crawled": {
                "eventTitle": "Page crawled",
                "eventDescription": "Charged for every page stored in the dataset.",
                "eventPriceUsd": 0.001,
                "eventTieredPricingUsd": {
                    "FREE": {"tieredEventPriceUsd": 0.001},
                    "BRONZE": {"tieredEventPriceUsd": 0.0009},
                    "GOLD": {"tieredEventPriceUsd": 0.0007},
                },
                "isPrimaryEvent": true,
                "isOneTimeEvent": false,
            },
        }});
    }
    Some(p)
}

/// A run as of now (see [`State::run_status`]).
#[derive(Debug, Clone, Copy)]
pub struct RunNow {
    pub phase: Phase,
    pub status: &'static str,
    pub elapsed_ms: u64,
    pub frac: f64,
    pub finished_at: Option<u64>,
    pub usage: Usage,
}
