//! What the simulated account is made of: plain data, no behaviour beyond a few accessors.
//!
//! The generator (`crate::fleet`) creates these, [`crate::state::State`] holds and mutates
//! them, and the API renders them (`crate::api`, one module per resource). Run progress,
//! costs and JSON shapes are derived on read, so these structs keep only what the generator or
//! a request decided. Runs are the one thing an account has a million of, so [`Run`] and its
//! [`Outcome`] are compact (`Copy`, no heap): codes instead of strings, indices instead of ids.
//! Nothing here imports another module of the crate.

use bytes::Bytes;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
    /// Runs take about 4 minutes, but one has been RUNNING for over 9 hours.
    RunawayRun,
    /// Crawls through residential proxies: most of its cost is proxy traffic, not compute.
    ProxyHeavy,
    /// Healthy runs, but its newest build (~5 days ago) leaves `price` null in ~40% of items
    /// (~1% before): field drift only the dataset's field statistics show.
    FieldDrift,
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

/// A run's status, as Apify names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ready,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl Status {
    /// The statuses a run ends in (the order of [`Status::terminal_index`]).
    pub const TERMINAL: [Status; 4] = [
        Status::Succeeded,
        Status::Failed,
        Status::TimedOut,
        Status::Aborted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ready => "READY",
            Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED-OUT",
            Status::Aborted => "ABORTED",
        }
    }

    /// Position in [`Status::TERMINAL`].
    pub fn terminal_index(self) -> Option<usize> {
        Status::TERMINAL.iter().position(|s| *s == self)
    }
}

/// Which `statusMessage` a finished run has; the text is filled in from its outcome when it is
/// rendered (`crate::fleet::stories::status_message`), so no run carries a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    None,
    /// "Finished! Total … requests", "Done: … results", "All … checks passed" (by kind).
    Finished,
    /// One of the stories' failure messages, by index.
    Failure(u8),
    OutOfMemory,
    /// regressed-crawler's new parser bug.
    Regression,
    /// A crawler's "Crawled …/… pages" when it timed out.
    TimedOutCrawl,
}

/// How a run ends (or will end), decided when it starts. Compact: a fleet holds a million of
/// them; counts that cannot reach 2^32 are `u32`, CPU usage is in hundredths of a percent.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub duration_ms: u64,
    pub mem_max_bytes: u64,
    pub mem_avg_bytes: u64,
    pub net_rx_bytes: u64,
    pub net_tx_bytes: u64,
    pub items: u32,
    pub requests: u32,
    pub failed_requests: u32,
    pub kv_reads: u32,
    pub kv_writes: u32,
    /// Average and peak CPU usage, in hundredths of a percent.
    pub cpu_avg_c: u16,
    pub cpu_max_c: u16,
    pub status: Status,
    pub message: Message,
    /// What the Actor does (its messages and request-queue use follow from it).
    pub kind: Kind,
    /// Its traffic went through Apify's residential proxy (billed per GB).
    pub residential_proxy: bool,
}

impl Outcome {
    pub fn items(&self) -> u64 {
        self.items as u64
    }

    pub fn requests(&self) -> u64 {
        self.requests as u64
    }

    pub fn failed_requests(&self) -> u64 {
        self.failed_requests as u64
    }

    pub fn cpu_avg(&self) -> f64 {
        self.cpu_avg_c as f64 / 100.0
    }

    pub fn cpu_max(&self) -> f64 {
        self.cpu_max_c as f64 / 100.0
    }

    // Crawlers here keep their frontier in memory and persist it in batches, so request queue
    // operations stay a small part of the bill (cost ≈ compute units × price).
    pub fn rq_reads(&self) -> u64 {
        if self.kind == Kind::Crawler {
            self.requests() / 10
        } else {
            0
        }
    }

    pub fn rq_writes(&self) -> u64 {
        if self.kind == Kind::Crawler {
            self.requests() / 20
        } else {
            0
        }
    }

    pub fn exit_code(&self) -> Option<i32> {
        match (self.status, self.message) {
            (Status::Succeeded, _) => Some(0),
            (Status::Failed, Message::OutOfMemory) => Some(137),
            (Status::Failed, _) => Some(1),
            _ => None,
        }
    }
}

/// `meta.origin` of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Scheduler,
    Api,
    Web,
    Development,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Scheduler => "SCHEDULER",
            Origin::Api => "API",
            Origin::Web => "WEB",
            Origin::Development => "DEVELOPMENT",
        }
    }
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
    /// The same input as the `INPUT` record of its historical runs (one buffer, shared).
    pub input: Bytes,
    /// Its schedule (what its SCHEDULER runs name in `meta.scheduleId`).
    pub schedule_id: Option<String>,
    /// Its builds: indices into the account's builds, oldest first.
    pub builds: Vec<u32>,
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

/// A run started through the API after the simulator started: it progresses with the clock, and
/// carries what only such runs have (their request's options, user agent and input length).
#[derive(Debug, Clone)]
pub struct Live {
    pub started: Instant,
    /// Simulated milliseconds already elapsed when `started` was taken (run-sync runs are
    /// created already finished).
    pub base_elapsed_ms: u64,
    pub aborted_after_ms: Option<u64>,
    /// Side effects of the finished run (dataset items, records) have been written.
    pub settled: bool,
    pub user_agent: Option<String>,
    pub max_items: Option<u64>,
    pub max_total_charge_usd: Option<f64>,
    pub input_len: u64,
}

/// A run, in about a hundred bytes and without a string: its ids are derived from its number
/// (`crate::ids`), its Actor and build are indices, its messages and `meta` are rendered from
/// codes. A run started through the API also has a [`Live`] entry (`crate::state::State::live`).
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub started_at: u64,
    pub outcome: Outcome,
    /// Index of its Actor in `State::actors`.
    pub actor: u32,
    /// Index of its build in `State::builds`.
    pub build: u32,
    pub memory_mb: u32,
    pub timeout_secs: u32,
    /// A SCHEDULER run: how long after its scheduled time it started (`meta.scheduledAt`).
    pub schedule_delay_ms: u32,
    pub origin: Origin,
    /// An API or WEB run: the last byte of its client's address (`meta.clientIp`).
    pub client_octet: u8,
}

impl Run {
    pub fn disk_mb(&self) -> u32 {
        self.memory_mb * 2
    }
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
    /// Share of the synthetic items whose `price` is `null` (field-drift's runs; 0 elsewhere).
    pub null_price_share: f64,
}

impl Dataset {
    pub fn item_count(&self) -> u64 {
        self.synthetic_items + self.pushed.len() as u64
    }
}

/// The default storages of one kind of the account's runs. They are not stored: each renders
/// from its run (`crate::api::storages::Storage::generated`), except those held here in full —
/// written to through the API, started through it, or generated with more than their `INPUT`
/// (signal-emitter's `SIGNALS`) — and those deleted through the API.
#[derive(Debug)]
pub struct RunStorages<S> {
    /// Held in full, by the run's position in `State::runs`.
    pub held: HashMap<u32, S>,
    /// Deleted, by the run's position.
    pub deleted: BTreeSet<u32>,
}

impl<S> Default for RunStorages<S> {
    fn default() -> Self {
        RunStorages {
            held: HashMap::new(),
            deleted: BTreeSet::new(),
        }
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
