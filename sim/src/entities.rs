//! What the simulated account is made of: plain data, no behaviour beyond a few accessors.
//!
//! The generator (`crate::fleet`) creates these, [`crate::state::State`] holds and mutates
//! them, and the API renders them (`crate::api`, one module per resource). Run progress,
//! costs and JSON shapes are derived on read, so these structs keep only what the generator or
//! a request decided. Nothing here imports another module of the crate.

use bytes::Bytes;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Instant;

/// Bytes in a mebibyte (memory sizes).
pub const MIB: u64 = 1024 * 1024;

// ------------------------------------------------------------------------- how Actors behave

/// What the dashboard should be able to say about an Actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Story {
    /// Many runs, ~99.5% success, steady cost.
    HealthyWorkhorse,
    /// ~20% FAILED with varied status messages.
    FlakyScraper,
    /// Healthy until its newest build (~5 days ago), then ~40% failures.
    RegressedCrawler,
    /// SUCCEEDED runs that often produce 0 dataset items.
    EmptySuccessApi,
    /// No runs in the whole window, old build.
    StaleMonitor,
    /// Allocated 4096 MB, peaks at ~300 MB.
    MemoryHog,
    /// Cost per run tripled in the last 7 days.
    CostSpike,
    /// Frequent TIMED-OUT runs.
    TimeoutProne,
    /// Runs write a `SIGNALS` record to their default key-value store.
    SignalEmitter,
    Ordinary,
    /// A public Store Actor from another user that this account runs now and then.
    Public,
}

/// What an Actor does: its input, messages, request counts and schemas follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Crawler,
    Api,
    Monitor,
}

/// How an Actor behaves; used for history and for runs started through the API.
#[derive(Debug, Clone)]
pub struct ActorSpec {
    pub story: Story,
    pub kind: Kind,
    pub runs_per_day: f64,
    pub dur_median_s: f64,
    pub dur_sigma: f64,
    pub memory_mb: u32,
    /// Peak memory as a fraction of `memory_mb`.
    pub mem_peak_frac: f64,
    pub timeout_secs: u32,
    pub fail_rate: f64,
    pub abort_rate: f64,
    pub items_median: f64,
    pub items_sigma: f64,
    /// Share of SUCCEEDED runs with no items.
    pub empty_rate: f64,
}

impl ActorSpec {
    pub fn emits_signals(&self) -> bool {
        self.story == Story::SignalEmitter
    }
}

/// How a run ends (or will end), decided when it starts.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: &'static str,
    pub status_message: Option<String>,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub mem_max_bytes: u64,
    pub mem_avg_bytes: u64,
    pub cpu_avg: f64,
    pub cpu_max: f64,
    pub net_rx_bytes: u64,
    pub net_tx_bytes: u64,
    pub items: u64,
    pub requests: u64,
    pub failed_requests: u64,
    pub kv_reads: u64,
    pub kv_writes: u64,
    pub rq_reads: u64,
    pub rq_writes: u64,
}

/// Where an Actor version's source comes from (`VersionSourceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Inline files edited in the Console (`SOURCE_FILES`).
    Files,
    /// A Git repository (`GIT_REPO`), cloned with credentials embedded in the URL.
    Git,
    /// A tarball (`TARBALL`) behind a pre-signed storage URL.
    Tarball,
    /// A secret GitHub gist (`GITHUB_GIST`).
    Gist,
}

impl Source {
    pub fn api_name(self) -> &'static str {
        match self {
            Source::Files => "SOURCE_FILES",
            Source::Git => "GIT_REPO",
            Source::Tarball => "TARBALL",
            Source::Gist => "GITHUB_GIST",
        }
    }
}

// ------------------------------------------------------------------------- the account

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

/// What every storage carries — identity, owner, times and the run that made it — once, for
/// datasets, key-value stores and request queues alike (each derefs to it).
#[derive(Debug, Clone)]
pub struct StorageHead {
    pub id: String,
    pub name: Option<String>,
    pub user_id: String,
    pub username: String,
    pub created_at: u64,
    pub modified_at: u64,
    pub accessed_at: u64,
    pub act_id: Option<String>,
    pub act_run_id: Option<String>,
}

impl StorageHead {
    /// A storage of `user_id`/`username` created, modified and accessed at `at`.
    pub fn new(id: String, name: Option<String>, user_id: &str, username: &str, at: u64) -> Self {
        StorageHead {
            id,
            name,
            user_id: user_id.to_string(),
            username: username.to_string(),
            created_at: at,
            modified_at: at,
            accessed_at: at,
            act_id: None,
            act_run_id: None,
        }
    }

    /// The default storage of run `run_id` of Actor `act_id`.
    pub fn of_run(self, act_id: &str, run_id: &str) -> Self {
        StorageHead {
            act_id: Some(act_id.to_string()),
            act_run_id: Some(run_id.to_string()),
            ..self
        }
    }

    /// Last modified and accessed at these times.
    pub fn touched(self, modified_at: u64, accessed_at: u64) -> Self {
        StorageHead {
            modified_at,
            accessed_at,
            ..self
        }
    }
}

/// `Deref` to the [`StorageHead`] of each storage kind.
macro_rules! storage_head {
    ($($t:ty),*) => {$(
        impl std::ops::Deref for $t {
            type Target = StorageHead;
            fn deref(&self) -> &StorageHead {
                &self.head
            }
        }
        impl std::ops::DerefMut for $t {
            fn deref_mut(&mut self) -> &mut StorageHead {
                &mut self.head
            }
        }
    )*};
}
storage_head!(Dataset, KvStore, RequestQueue);

#[derive(Debug, Clone)]
pub struct Dataset {
    pub head: StorageHead,
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
    pub head: StorageHead,
    pub records: BTreeMap<String, Record>,
}

#[derive(Debug, Clone)]
pub struct RequestQueue {
    pub head: StorageHead,
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
