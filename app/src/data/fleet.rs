//! The fleet as the dashboard sees it: what `forge_load`'s account-wide loader brought in,
//! prepared — compact run facts, never the API's models — the digest of the chosen window, the
//! progress, and the last complete result kept in IndexedDB (analytics only — never
//! credentials — under a key per username).

use crate::api::{clock, idb, storage, Abort, Client};
use crate::data::loader::{self, ActorProblem, RequestStats};
use crate::data::session::Forge;
use crate::data::signals::{self, SignalsState};
use crate::data::trends::{self as trends_store, TrendStatus, Trends};
use forge_apify::definition::BuildDefinition;
use forge_apify::models::{Actor, ActorShort, DefaultRunOptions};
use forge_fleet::trends::{self, Snapshot};
use forge_fleet::window::DEFAULT_WINDOW_DAYS;
use forge_fleet::{fleet_report, prepare, ActorInput, FleetDigest, PreparedActor, Window};
use forge_load::account::{load_fleet, Event, FleetPlan, ListProblems, LOAD_DAYS};
use forge_load::actor::ACTOR_PAGE_SAMPLES;
use forge_load::refresh::Known;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One Actor's place in the table, whatever its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowMeta {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    /// Still loading.
    #[serde(default)]
    pub loading: bool,
    /// The permission a 403 named ("Actor runs: Read"): the row has no figures.
    #[serde(default)]
    pub denied: Option<String>,
    /// Any other failure, as a sentence.
    #[serde(default)]
    pub error: Option<String>,
    /// A permission enrichment was refused for (memory / result counts missing).
    #[serde(default)]
    pub enrich_denied: Option<String>,
}

impl RowMeta {
    pub fn display_name(&self) -> &str {
        self.title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(&self.name)
    }
}

/// Where loading stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Idle,
    Listing,
    /// The account-wide lists: pages in, pages known so far.
    Lists {
        done: usize,
        known: usize,
    },
    Enriching {
        done: usize,
        total: usize,
    },
    Done,
    Failed(String),
}

impl Phase {
    pub fn code(&self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Listing => "listing",
            Phase::Lists { .. } => "lists",
            Phase::Enriching { .. } => "enriching",
            Phase::Done => "done",
            Phase::Failed(_) => "failed",
        }
    }
}

/// What IndexedDB keeps per username after a complete load, under three keys: the rows and the
/// digest of the window a visit opens on ([`cache_key`]: small, read and shown first on the
/// next visit), the digests of the other windows ([`windows_key`], read next), and the prepared
/// Actors — compact run facts, builds, item counts and memory samples, never a credential —
/// ([`runs_key`]: the largest, read last), from which the next visit reads only what changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedFleet {
    pub version: u32,
    /// When the load that made it started (unix ms): "updated 2 min ago".
    pub loaded_ms: f64,
    pub rows: Vec<RowMeta>,
    pub digests: Vec<FleetDigest>,
}

/// Bumped when [`CachedFleet`] changes shape: older entries are then ignored (and overwritten
/// after the next complete load).
const CACHE_VERSION: u32 = 5;

/// Largest entry kept with its Actors (JSON bytes); a bigger fleet keeps rows and digests only,
/// and its next visit loads in full.
pub const MAX_CACHE_BYTES: usize = 256 << 20;

/// Accounts whose fleet is kept; the one saved longest ago goes first.
pub const MAX_CACHED_ACCOUNTS: usize = 3;

/// The IndexedDB key of `username`'s table.
pub fn cache_key(username: &str) -> String {
    format!("fleet.v{CACHE_VERSION}.{username}")
}

/// The IndexedDB key of the digests of `username`'s other windows (all but
/// [`DEFAULT_WINDOW_DAYS`]).
pub fn windows_key(username: &str) -> String {
    format!("fleet.v{CACHE_VERSION}.{username}.windows")
}

/// `cached` as it is written: the entry a visit shows first (the rows and the window it opens
/// on: a third of the bytes to read and parse), and the digests of the other windows.
pub fn split_cache(mut cached: CachedFleet) -> (CachedFleet, Vec<FleetDigest>) {
    let (first, others) = cached
        .digests
        .into_iter()
        .partition(|d| d.window.days == DEFAULT_WINDOW_DAYS);
    cached.digests = first;
    (cached, others)
}

/// The IndexedDB key of `username`'s loaded Actors (absent when over [`MAX_CACHE_BYTES`]).
pub fn runs_key(username: &str) -> String {
    format!("fleet.v{CACHE_VERSION}.{username}.runs")
}

/// The `localStorage` key of the account whose fleet was saved last in this browser: its
/// table is read while the app starts (a username, never a credential).
const LAST_ACCOUNT_KEY: &str = "forge.fleet.last";

thread_local! {
    /// The table text of [`LAST_ACCOUNT_KEY`]'s account, being read since the app started.
    static EARLY_TABLE: std::cell::RefCell<Option<(String, js_sys::Promise)>> =
        const { std::cell::RefCell::new(None) };
}

/// Starts reading the cached table of the account that used this browser last, so that a
/// later visit does not wait for its session before it reads IndexedDB: the read overlaps
/// the app's start and the session's round trip. Taken by the first [`read_cache`] of that
/// account; any other account reads its own.
pub fn read_early() {
    let Some(username) = storage::get(LAST_ACCOUNT_KEY) else {
        return;
    };
    let key = cache_key(&username);
    let text = wasm_bindgen_futures::future_to_promise(async move {
        Ok(idb::get(&key)
            .await
            .map_or(wasm_bindgen::JsValue::NULL, wasm_bindgen::JsValue::from))
    });
    EARLY_TABLE.with(|e| *e.borrow_mut() = Some((username, text)));
}

/// The IndexedDB key of the list of cached accounts: `[[username, saved_ms], …]`.
const CACHE_INDEX_KEY: &str = "fleet.index";

/// `index` with `username` saved at `now_ms`, and the accounts to evict.
pub fn cache_index_after_save(
    mut index: Vec<(String, f64)>,
    username: &str,
    now_ms: f64,
) -> (Vec<(String, f64)>, Vec<String>) {
    index.retain(|(u, _)| u != username);
    index.push((username.to_string(), now_ms));
    forge_apify::sort::sort_by(&mut index, |a, b| b.1.total_cmp(&a.1));
    let evicted = index
        .split_off(MAX_CACHED_ACCOUNTS.min(index.len()))
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    (index, evicted)
}

/// The fleet store, provided as context by the app root.
#[derive(Debug, Clone, Copy)]
pub struct FleetStore {
    pub rows: RwSignal<Vec<RowMeta>>,
    /// Each listed Actor, prepared once its runs are in.
    prepared: StoredValue<Vec<Option<PreparedActor>>>,
    /// Bumped when the prepared data changed (throttled while loading).
    pub rev: RwSignal<u64>,
    pub phase: RwSignal<Phase>,
    pub days: RwSignal<u32>,
    /// The end of every window: when the load started.
    pub end_ms: RwSignal<i64>,
    /// Shown until live data arrives.
    pub cached: RwSignal<Option<CachedFleet>>,
    /// Live data (at least the list) is present.
    pub live: RwSignal<bool>,
    pub stats: RwSignal<Option<RequestStats>>,
    /// ms from the start of the load to the first row with figures, and to the end.
    pub first_rows_ms: RwSignal<Option<f64>>,
    pub done_ms: RwSignal<Option<f64>>,
    started_at: StoredValue<f64>,
    abort: StoredValue<Option<Abort>, LocalStorage>,
    last_bump: StoredValue<f64>,
    pending: StoredValue<bool>,
    /// (generation, username) the live data belongs to.
    loaded_for: StoredValue<Option<(u32, String)>>,
    /// Weekly snapshots and this week's deltas (after a complete load).
    pub trends: RwSignal<Trends>,
    /// Each Actor's `SIGNALS` (by id), read after a complete load.
    pub signals: RwSignal<std::collections::BTreeMap<String, SignalsState>>,
    /// Bumped when one Actor was reloaded after a run from the dashboard.
    pub refreshed: RwSignal<u32>,
    /// Trends and SIGNALS are read (after a complete load).
    pub extras_done: RwSignal<bool>,
}

impl Default for FleetStore {
    fn default() -> Self {
        Self::new()
    }
}

impl FleetStore {
    pub fn new() -> FleetStore {
        FleetStore {
            rows: RwSignal::new(Vec::new()),
            prepared: StoredValue::new(Vec::new()),
            rev: RwSignal::new(0),
            phase: RwSignal::new(Phase::Idle),
            days: RwSignal::new(DEFAULT_WINDOW_DAYS),
            end_ms: RwSignal::new(0),
            cached: RwSignal::new(None),
            live: RwSignal::new(false),
            stats: RwSignal::new(None),
            first_rows_ms: RwSignal::new(None),
            done_ms: RwSignal::new(None),
            started_at: StoredValue::new(0.0),
            abort: StoredValue::new_local(None),
            last_bump: StoredValue::new(0.0),
            pending: StoredValue::new(false),
            loaded_for: StoredValue::new(None),
            trends: RwSignal::new(Trends::default()),
            signals: RwSignal::new(Default::default()),
            refreshed: RwSignal::new(0),
            extras_done: RwSignal::new(false),
        }
    }

    pub fn get() -> FleetStore {
        expect_context::<FleetStore>()
    }

    /// Starts loading unless a complete (or running) load for this session is there. Shows the
    /// cached result for `username` meanwhile, and reads only what changed since it.
    pub fn ensure_loaded(self, forge: Forge, username: String) {
        let generation = forge.generation.get_untracked();
        let key = Some((generation, username.clone()));
        let running = self
            .abort
            .with_value(|c| c.as_ref().is_some_and(|c| !c.is_aborted()));
        if self.loaded_for.get_value() == key
            && (running || self.phase.get_untracked() == Phase::Done)
        {
            return;
        }
        self.stop();
        self.loaded_for.set_value(key);
        self.start(forge, username, None);
    }

    /// Loads again now, reading only what changed since the table on screen (the Refresh
    /// button). Does nothing while a load runs.
    pub fn refresh(self, forge: Forge, username: String) {
        if self.phase.get_untracked() != Phase::Done {
            return;
        }
        self.reload_from_table(forge, username);
    }

    /// Loads again after a load failed or stopped (the Retry button): from the table it left
    /// on screen when it got that far, from the start (the cache first) otherwise.
    pub fn retry(self, forge: Forge, username: String) {
        if !matches!(self.phase.get_untracked(), Phase::Failed(_)) {
            return;
        }
        let key = Some((forge.generation.get_untracked(), username.clone()));
        self.loaded_for.set_value(key);
        if self.prepared.with_value(|v| v.iter().any(Option::is_some)) {
            self.reload_from_table(forge, username);
        } else {
            self.start(forge, username, None);
        }
    }

    fn reload_from_table(self, forge: Forge, username: String) {
        let table = self.to_cache();
        // Moved, not copied: `start` empties the store, and the table above stays on screen.
        let mut actors = Vec::new();
        self.prepared
            .update_value(|v| actors = std::mem::take(v).into_iter().flatten().collect());
        self.start(forge, username, Some((table, actors)));
    }

    /// Starts a load, showing `shown` (or the cache's table, read first) until the new table is
    /// complete, and reading only what changed since its Actors.
    fn start(
        self,
        forge: Forge,
        username: String,
        shown: Option<(CachedFleet, Vec<PreparedActor>)>,
    ) {
        self.live.set(false);
        self.rows.set(Vec::new());
        self.prepared.set_value(Vec::new());
        self.stats.set(None);
        self.first_rows_ms.set(None);
        self.done_ms.set(None);
        self.extras_done.set(false);
        let now = clock::now_ms();
        self.started_at.set_value(now);
        self.end_ms.set(now as i64);
        self.phase.set(Phase::Listing);
        let abort = Abort::new();
        self.abort.set_value(Some(abort.clone()));
        let client = forge.client();
        let client2 = client.clone();
        leptos::task::spawn_local(async move {
            let known = match shown {
                Some((table, actors)) => {
                    self.cached.set(Some(table));
                    Some(Known { actors })
                }
                None => {
                    // The table first (small: on screen at once, and painted before anything
                    // larger is read), then the other windows, then the Actors (large).
                    let table = read_cache(&username).await;
                    let any = table.is_some();
                    if !abort.is_aborted() {
                        self.cached.set(table);
                    }
                    if !any {
                        None
                    } else {
                        clock::after_paint().await;
                        let others = read_other_windows(&username).await;
                        if !abort.is_aborted() {
                            self.cached.update(|c| {
                                if let Some(c) = c {
                                    c.digests.extend(others);
                                }
                            });
                        }
                        read_known(&username).await
                    }
                }
            };
            let f = loader::fetcher(client, abort.clone());
            let loaded = load_fleet(&f, FleetPlan::new(now as i64), known, move |ev| {
                if !abort.is_aborted() {
                    self.handle(ev, &username);
                }
            })
            .await;
            if loaded.is_some() {
                self.stats.set(Some(f.stats()));
                if self.phase.get_untracked() == Phase::Done {
                    self.sync_trends(client2.clone()).await;
                    self.read_signals(client2).await;
                    self.extras_done.set(true);
                }
            }
        });
    }

    /// This week's snapshot from the loaded fleet (a 7-day report ending when the load
    /// started).
    pub fn snapshot(self) -> Snapshot {
        let end = self.end_ms.get_untracked();
        let report = self.prepared.with_value(|v| {
            fleet_report(v.iter().flatten(), Window::new(trends::SNAPSHOT_DAYS, end))
        });
        trends::snapshot_of(&report, end)
    }

    /// Reloads one Actor's runs and builds (after a run it started ended) and moves the window
    /// end to now, so the new run counts.
    pub async fn refresh_actor(self, client: Client, id: String) {
        let Some((index, bare)) = self.prepared.with_value(|v| {
            v.iter().enumerate().find_map(|(i, a)| {
                let a = a.as_ref().filter(|a| a.id == id)?;
                Some((i, bare_actor(a)))
            })
        }) else {
            return;
        };
        let now = clock::now_ms() as i64;
        let f = loader::fetcher(client, Abort::new());
        let after = Window::new(LOAD_DAYS, now).started_after();
        if let Ok(Ok(mut input)) = loader::load_actor(&f, ActorInput::new(bare), &after).await {
            let _ = loader::enrich_one(&f, &mut input, ACTOR_PAGE_SAMPLES).await;
            let p = prepare(&input);
            self.prepared.update_value(|v| v[index] = Some(p));
            self.end_ms.set(now);
            self.bump(true);
            self.refreshed.update(|n| *n += 1);
        }
    }

    /// The `SIGNALS` of every loaded Actor's newest successful run (one request each).
    async fn read_signals(self, client: Client) {
        let stores: Vec<(String, String)> = self.prepared.with_value(|v| {
            v.iter()
                .flatten()
                .filter_map(|a| Some((a.id.clone(), a.signals_store.clone()?)))
                .collect()
        });
        let f = loader::fetcher(client, Abort::new());
        let f = &f;
        let stores = &stores;
        loader::pool(4, stores.len(), |k| async move {
            let (id, store) = &stores[k];
            let state = signals::read_signals(f, store).await;
            self.signals.update(|m| {
                m.insert(id.clone(), state);
            });
        })
        .await;
    }

    async fn sync_trends(self, client: Client) {
        self.trends.update(|t| t.status = TrendStatus::Working);
        let result = trends_store::sync(client, self.snapshot()).await;
        self.trends.set(result);
    }

    /// Cancels a load in progress (the user navigated away).
    pub fn stop(self) {
        if let Some(c) = self.abort.get_value() {
            if self.phase.get_untracked() != Phase::Done {
                c.abort();
                self.loaded_for.set_value(None);
            }
        }
    }

    fn bump(self, force: bool) {
        let now = clock::now_ms();
        if force || now - self.last_bump.get_value() >= 200.0 {
            self.last_bump.set_value(now);
            self.pending.set_value(false);
            self.rev.update(|r| *r += 1);
        } else {
            self.pending.set_value(true);
        }
    }

    fn handle(self, ev: Event, username: &str) {
        match ev {
            Event::Listed(actors) => {
                let rows = actors
                    .iter()
                    .map(|a| RowMeta {
                        id: a.id.clone(),
                        name: a.name.clone(),
                        title: a.title.clone(),
                        loading: true,
                        denied: None,
                        error: None,
                        enrich_denied: None,
                    })
                    .collect();
                self.prepared.set_value(vec![None; actors.len()]);
                self.rows.set(rows);
                self.live.set(true);
                self.phase.set(Phase::Lists { done: 0, known: 4 });
                self.bump(true);
            }
            Event::ListFailed(e) => {
                self.phase.set(Phase::Failed(format!(
                    "Could not list your Actors: {}",
                    e.message()
                )));
                self.loaded_for.set_value(None);
            }
            Event::Paging { done, known } => {
                self.phase.set(Phase::Lists { done, known });
            }
            Event::Table {
                actors, problems, ..
            } => {
                let prepared = if problems.runs.is_some() {
                    vec![None; actors.len()]
                } else {
                    actors.into_iter().map(Some).collect()
                };
                self.prepared.set_value(prepared);
                self.rows.update(|rows| {
                    for row in rows.iter_mut() {
                        row.loading = false;
                        mark_problems(row, &problems);
                    }
                });
                self.first_rows_ms
                    .set(Some(clock::now_ms() - self.started_at.get_value()));
                // The table is complete: it replaces the cached one now; memory and defaults
                // fill in behind it.
                self.cached.set(None);
                self.bump(true);
            }
            Event::EnrichStart { actors, .. } => {
                self.phase.set(Phase::Enriching {
                    done: 0,
                    total: actors,
                });
                self.bump(true);
            }
            Event::Enriched { index, got } => {
                self.prepared.update_value(|v| {
                    if let Some(Some(a)) = v.get_mut(index) {
                        got.apply(a);
                    }
                });
                let denied = got.denied;
                if denied.is_some() {
                    self.rows.update(|r| {
                        if let Some(row) = r.get_mut(index) {
                            row.enrich_denied = denied.map(str::to_string);
                        }
                    });
                }
                self.phase.update(|p| {
                    if let Phase::Enriching { done, .. } = p {
                        *done += 1;
                    }
                });
                self.bump(false);
            }
            Event::Stopped(e) => {
                // What came in stays (a cached table stays on screen); rows that were still
                // waiting say why they have no figures. Nothing is saved.
                self.rows.update(|rows| {
                    for row in rows.iter_mut().filter(|r| r.loading) {
                        row.loading = false;
                        row.error = Some("Not loaded: the load stopped first.".to_string());
                    }
                });
                self.phase
                    .set(Phase::Failed(format!("The load stopped. {}", e.message())));
                self.loaded_for.set_value(None);
                self.bump(true);
            }
            Event::Done => {
                self.phase.set(Phase::Done);
                self.done_ms
                    .set(Some(clock::now_ms() - self.started_at.get_value()));
                self.bump(true);
                self.cached.set(None);
                // Written as text here, from the store's own copy: a second copy of a large
                // fleet would double the heap at its peak.
                let (table, others) = split_cache(self.to_cache());
                let written = (
                    serde_json::to_string(&table),
                    serde_json::to_string(&others),
                    self.prepared.with_value(|v| {
                        serde_json::to_string(&v.iter().flatten().collect::<Vec<_>>())
                    }),
                );
                let username = username.to_string();
                if let (Ok(table), Ok(others), Ok(actors)) = written {
                    leptos::task::spawn_local(async move {
                        save_cache(
                            &username,
                            CacheText {
                                table,
                                others,
                                actors,
                            },
                        )
                        .await
                    });
                }
            }
        }
    }

    /// Whether the page shows live data: there is some, and no cached result is waiting to be
    /// replaced (a cached result stays on screen until the refresh is complete).
    pub fn show_live(self) -> bool {
        self.live.get() && self.cached.with(|c| c.is_none())
    }

    /// The dashboard of the chosen window: live, or the cached one while refreshing.
    /// Reactive (rev, days, live, cached).
    pub fn digest(self) -> Option<FleetDigest> {
        let days = self.days.get();
        self.rev.track();
        if self.show_live() {
            let end = self.end_ms.get();
            // The prepared Actors are lent, not copied: no run is cloned per recompute.
            return Some(self.prepared.with_value(|v| {
                fleet_report(v.iter().flatten(), Window::new(days, end)).digest()
            }));
        }
        self.cached.with(|c| {
            c.as_ref()
                .and_then(|c| c.digests.iter().find(|d| d.window.days == days).cloned())
        })
    }

    /// The rows to show: live, or from the cache.
    pub fn row_meta(self) -> Vec<RowMeta> {
        if self.show_live() {
            self.rows.get()
        } else {
            self.cached
                .with(|c| c.as_ref().map(|c| c.rows.clone()).unwrap_or_default())
        }
    }

    /// The Run dialog's build choices for Actor `id`: its five newest listed builds, newest
    /// first, the one tagged `latest` marked (`PreparedActor::newest_listed_builds`).
    pub fn run_builds(self, id: &str) -> Vec<(String, bool)> {
        self.prepared.with_value(|v| {
            v.iter()
                .flatten()
                .find(|a| a.id == id)
                .map_or_else(Vec::new, |a| a.newest_listed_builds(5))
        })
    }

    /// The build a run of Actor `id` starts on by default (the one tagged `latest`): its id, its
    /// label and — when the load read its detail — what it declares.
    pub fn run_input_build(self, id: &str) -> Option<(String, String, Option<BuildDefinition>)> {
        self.prepared.with_value(|v| {
            let a = v.iter().flatten().find(|a| a.id == id)?;
            let b = a.builds.get(a.latest_build? as usize)?;
            Some((b.id.clone()?, b.label(), b.definition.clone()))
        })
    }

    /// The dataset item counts the fleet load knows for Actor `id`'s runs, by run id (the
    /// Actor page reads only its newest runs' datasets; borrowing these keeps its cost per
    /// 1,000 results, per build too, the dashboard's).
    pub fn item_counts(self, id: &str) -> Vec<(String, u64)> {
        self.prepared.with_value(|v| {
            v.iter()
                .flatten()
                .find(|a| a.id == id)
                .map_or_else(Vec::new, |a| {
                    a.item_counts().map(|(r, n)| (r.to_string(), n)).collect()
                })
        })
    }

    /// One loaded Actor's `defaultRunOptions`, once its detail is in.
    pub fn default_run_options(self, id: &str) -> Option<DefaultRunOptions> {
        self.prepared.with_value(|v| {
            v.iter()
                .flatten()
                .find(|a| a.id == id)
                .and_then(|a| a.default_run_options.clone())
        })
    }

    /// The loaded fleet as the cache keeps it.
    fn to_cache(self) -> CachedFleet {
        let end = self.end_ms.get_untracked();
        let digests = self.prepared.with_value(|v| {
            forge_fleet::window::WINDOW_CHOICES
                .iter()
                .map(|d| fleet_report(v.iter().flatten(), Window::new(*d, end)).digest())
                .collect()
        });
        CachedFleet {
            version: CACHE_VERSION,
            loaded_ms: end as f64,
            rows: self.rows.get_untracked(),
            digests,
        }
    }
}

/// The Actor a refresh of one loaded Actor starts from (its detail is read again).
fn bare_actor(a: &PreparedActor) -> Actor {
    Actor::from(ActorShort {
        id: a.id.clone(),
        name: a.name.clone(),
        username: a.username.clone(),
        title: a.title.clone(),
        created_at: None,
        modified_at: a.modified_at.clone(),
        stats: None,
    })
}

/// The JSON of each of an account's cache entries.
struct CacheText {
    table: String,
    others: String,
    actors: String,
}

/// Writes `username`'s cache entries, then forgets the accounts saved longest ago.
async fn save_cache(username: &str, text: CacheText) {
    if !idb::put(&cache_key(username), &text.table).await {
        return;
    }
    idb::put(&windows_key(username), &text.others).await;
    if text.actors.len() <= MAX_CACHE_BYTES {
        idb::put(&runs_key(username), &text.actors).await;
    } else {
        // Too big to keep: the next visit shows the table, then loads in full.
        idb::delete(&runs_key(username)).await;
    }
    storage::set(LAST_ACCOUNT_KEY, username);
    // Where the cache was kept before IndexedDB.
    storage::remove(&format!("forge.fleet.v2.{username}"));
    let index: Vec<(String, f64)> = idb::get_json(CACHE_INDEX_KEY).await.unwrap_or_default();
    let (index, evicted) = cache_index_after_save(index, username, clock::now_ms());
    for user in evicted {
        for key in [cache_key(&user), windows_key(&user), runs_key(&user)] {
            idb::delete(&key).await;
        }
    }
    if let Ok(j) = serde_json::to_string(&index) {
        idb::put(CACHE_INDEX_KEY, &j).await;
    }
}

/// What an account-wide list that failed means for one row: no runs, no figures at all; no
/// dataset or build list, a column missing (the row says which permission).
fn mark_problems(row: &mut RowMeta, problems: &ListProblems) {
    match &problems.runs {
        Some(ActorProblem::Denied(p)) => row.denied = Some(p.to_string()),
        Some(ActorProblem::Failed(m)) => row.error = Some(m.clone()),
        None => {}
    }
    for p in [&problems.datasets, &problems.builds].into_iter().flatten() {
        row.enrich_denied = Some(match p {
            ActorProblem::Denied(p) => p.to_string(),
            ActorProblem::Failed(m) => m.clone(),
        });
    }
}

/// The cached table for `username`, if any and readable.
pub async fn read_cache(username: &str) -> Option<CachedFleet> {
    let early = EARLY_TABLE
        .with(|e| e.borrow_mut().take())
        .filter(|(u, _)| u == username);
    let json = match early {
        Some((_, text)) => wasm_bindgen_futures::JsFuture::from(text)
            .await
            .ok()?
            .as_string()?,
        None => idb::get(&cache_key(username)).await?,
    };
    serde_json::from_str::<CachedFleet>(&json)
        .ok()
        .filter(|c| c.version == CACHE_VERSION)
}

/// The cached digests of `username`'s other windows (none if absent or unreadable).
async fn read_other_windows(username: &str) -> Vec<FleetDigest> {
    idb::get_json(&windows_key(username))
        .await
        .unwrap_or_default()
}

/// The cached Actors for `username`, if any and readable.
async fn read_known(username: &str) -> Option<Known> {
    let actors = idb::get_json(&runs_key(username)).await?;
    Some(Known { actors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_name_the_user() {
        assert_eq!(cache_key("ana"), "fleet.v5.ana");
        assert_eq!(windows_key("ana"), "fleet.v5.ana.windows");
        assert_eq!(runs_key("ana"), "fleet.v5.ana.runs");
    }

    #[test]
    fn the_entry_read_first_holds_the_rows_and_the_window_a_visit_opens_on() {
        let fleet = forge_fleet::synthetic_fleet(5, 20, 7);
        let prepared: Vec<_> = fleet.actors.iter().map(prepare).collect();
        let end = fleet.now_ms;
        let digests: Vec<_> = forge_fleet::window::WINDOW_CHOICES
            .iter()
            .map(|d| fleet_report(prepared.iter(), Window::new(*d, end)).digest())
            .collect();
        let cached = CachedFleet {
            version: CACHE_VERSION,
            loaded_ms: end as f64,
            rows: Vec::new(),
            digests: digests.clone(),
        };
        let (first, others) = split_cache(cached);
        assert_eq!(first.digests.len(), 1);
        assert_eq!(first.digests[0].window.days, DEFAULT_WINDOW_DAYS);
        assert_eq!(others.len(), digests.len() - 1);
        assert!(others.iter().all(|d| d.window.days != DEFAULT_WINDOW_DAYS));
        // Read back, the two make up every window again.
        let mut all = first.digests;
        all.extend(others);
        all.sort_by_key(|d| d.window.days);
        assert_eq!(all, digests);
    }

    #[test]
    fn the_account_saved_longest_ago_is_evicted() {
        let index = vec![("a".into(), 1.0), ("b".into(), 2.0), ("c".into(), 3.0)];
        let (index, evicted) = cache_index_after_save(index, "d", 4.0);
        assert_eq!(evicted, ["a"]);
        assert_eq!(index.len(), MAX_CACHED_ACCOUNTS);
        let (index, evicted) = cache_index_after_save(index, "b", 5.0);
        assert!(evicted.is_empty());
        assert_eq!(index[0].0, "b");
    }
}
