//! The fleet through account-wide lists (DESIGN §9): the Actor list, then every run of the
//! account in the window, the runs' default datasets (item counts) and the account's builds as
//! paged lists — the table is complete when those are in. Then each Actor's detail (defaults,
//! tagged builds), a few run details (memory) and, behind a release regression, the two
//! builds' details (what the newest changed), Actors in *Fix now* and *Watch* first.
//!
//! For 200 Actors and 100,000 runs that is about 220 requests to a complete table, where the
//! per-Actor strategy ([`crate::actor::load_fleet_per_actor`]) sent 13 per Actor.
//!
//! Pages are fetched concurrently once a list's first page says how long it is; the dataset
//! list has no date filter, so as many of its pages are asked for at once as the run list has,
//! and it is followed further only while its newest-first pages are still inside the window.
//! Runs that start while we page shift offsets by one: the same run then comes twice, and is
//! kept once (newest first means nothing is skipped).

use crate::actor::{denied_permission, next_offset, ActorProblem};
use crate::answer::ApiError;
use crate::fetch::{drain, Cancelled, Fetcher};
use crate::refresh::{self, Known};
use crate::requests::RECENT_BUILDS;
use crate::requests::{account_builds, account_datasets, account_runs_since, own_actors, PAGE};
use crate::transport::Transport;
use forge_apify::definition::BuildDetail;
use forge_apify::models::{
    Actor, ActorShort, BuildShort, Dataset, DatasetStatistics, PaginationList, Run, RunShort,
};
use forge_apify::paths::{self, ApifyPath};
use forge_apify::time::{format_iso_millis, parse_iso_millis};
use forge_fleet::figures::builds_to_describe;
use forge_fleet::input::{Preparing, RunId};
use forge_fleet::plan::Bucket;
use forge_fleet::rules::{FIELD_SAMPLES_PER_SIDE, MIN_MEMORY_SAMPLES};
use forge_fleet::window::{DEFAULT_WINDOW_DAYS, WINDOW_CHOICES};
use forge_fleet::{fleet_report, FleetReport, PreparedActor, Window};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};

/// Days of runs a fleet load reads: the dashboard's longest window, so switching windows never
/// reloads.
pub const LOAD_DAYS: u32 = WINDOW_CHOICES[WINDOW_CHOICES.len() - 1];

/// What to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetPlan {
    /// Days of runs: the dashboard loads its longest window, so switching never reloads.
    pub days: u32,
    /// The end of the window (unix ms): when the load started.
    pub now_ms: i64,
    /// Run details per Actor for memory figures: as many as the memory rule needs.
    pub memory_samples: usize,
}

impl FleetPlan {
    pub fn new(now_ms: i64) -> FleetPlan {
        FleetPlan {
            days: LOAD_DAYS,
            now_ms,
            memory_samples: MIN_MEMORY_SAMPLES as usize,
        }
    }

    fn window(&self) -> Window {
        Window::new(self.days, self.now_ms)
    }
}

/// An account-wide list that failed: its column is missing for every Actor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListProblems {
    /// No runs: no Actor has figures.
    pub runs: Option<ActorProblem>,
    /// No item counts: output quality is unknown.
    pub datasets: Option<ActorProblem>,
    /// No build list: build dates are unknown (runs still name their builds).
    pub builds: Option<ActorProblem>,
}

/// What a load reports, in order: `Listed` (or `ListFailed`, and nothing else), `Paging`
/// while the lists come in, `Table`, then `Enriched` per Actor, then `Done` — or, at any
/// point, `Stopped`, and nothing after it.
#[derive(Debug, Clone)]
pub enum Event {
    /// The fleet: every Actor (no runs yet), in list order.
    Listed(Vec<Actor>),
    /// The Actor list failed.
    ListFailed(ApiError),
    /// Pages of the account-wide lists in, and known so far.
    Paging { done: usize, known: usize },
    /// The table is complete: every listed Actor prepared, with its runs in the window, builds
    /// and item counts, in list order.
    Table {
        actors: Vec<PreparedActor>,
        problems: ListProblems,
        /// Runs of Actors that are not the account's own (public Actors it ran): left out.
        foreign_runs: usize,
    },
    /// Background reads start: `requests` requests for `actors` Actors.
    EnrichStart { requests: usize, actors: usize },
    /// What the background reads of Actor `index` brought: fold it in with
    /// [`Enrichment::apply`].
    Enriched { index: usize, got: Enrichment },
    /// Everything is in.
    Done,
    /// A request found the relay (or Apify behind it) away once its retries were spent
    /// ([`ApiError::stops_load`]): nothing more is sent, and what came before stands.
    Stopped(ApiError),
}

/// The first error of a load that stops it ([`ApiError::stops_load`]); later jobs see it and
/// send nothing.
#[derive(Debug, Default)]
struct Stop(RefCell<Option<ApiError>>);

impl Stop {
    fn is_set(&self) -> bool {
        self.0.borrow().is_some()
    }

    /// Keeps `e` when it stops the load (the first such error wins); says whether it did.
    fn check(&self, e: &ApiError) -> bool {
        if !e.stops_load() {
            return false;
        }
        self.0.borrow_mut().get_or_insert_with(|| e.clone());
        true
    }

    fn take(self) -> Option<ApiError> {
        self.0.into_inner()
    }
}

/// One page of one account-wide list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Actors(u64),
    Runs(u64),
    Datasets(u64),
    Builds(u64),
}

/// How far back a dataset may have been created and still belong to a run in the window (a
/// run's default dataset is created as the run starts; a minute covers clock skew).
const DATASET_SLACK_MS: i64 = 60_000;

/// Puts the queued pages in the order they are best asked in: Actor and build pages first (the
/// build list is short, and chained page by page), then run and dataset pages by offset, so
/// both long lists — each its own Apify resource, each with its own rate — advance together.
fn order(queue: &mut VecDeque<Page>) {
    forge_apify::sort::sort_by_key(queue.make_contiguous(), |p| match *p {
        Page::Actors(o) => (0, o),
        Page::Builds(o) => (1, o),
        Page::Runs(o) | Page::Datasets(o) => (2, o),
    });
}

/// The lists as they come in. Runs go into their Actor's [`Preparing`] page by page (those
/// that come before the Actor list is complete wait in `early_runs`): no run is kept as a
/// model.
#[derive(Debug, Default)]
struct Lists {
    actors: Vec<ActorShort>,
    actors_failed: Option<ApiError>,
    /// The Actor list is complete.
    complete: bool,
    /// Once the Actor list is complete: each Actor being prepared, and its index by id.
    preparing: Vec<Preparing>,
    index: HashMap<String, usize>,
    early_runs: Vec<RunShort>,
    /// Runs of Actors that are not the account's own.
    foreign_runs: usize,
    runs_total: Option<u64>,
    /// Run id → its default dataset's item count and id (the id for field statistics).
    items: HashMap<String, (u64, RunId)>,
    datasets_first: bool,
    /// The next dataset page not yet asked for, and the list's length.
    datasets_next: u64,
    datasets_total: u64,
    builds: Vec<BuildShort>,
    problems: ListProblems,
    done: usize,
    known: usize,
}

impl Lists {
    /// The Actor list is complete: start preparing each Actor, with the runs already in.
    fn listed(&mut self) {
        self.complete = true;
        self.preparing = self
            .actors
            .iter()
            .map(|a| Preparing::new(&Actor::from(a.clone())))
            .collect();
        self.index = self
            .actors
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), i))
            .collect();
        for r in std::mem::take(&mut self.early_runs) {
            self.add_run(r);
        }
    }

    fn add_run(&mut self, r: RunShort) {
        if !self.complete {
            self.early_runs.push(r);
            return;
        }
        match self.index.get(&r.act_id) {
            Some(&i) => self.preparing[i].add_run(&r),
            None => self.foreign_runs += 1,
        }
    }

    /// Queues dataset pages up to the run list's length (once both first pages are in).
    fn queue_datasets(&mut self, queue: &mut VecDeque<Page>) {
        let (Some(runs), true) = (self.runs_total, self.datasets_first) else {
            return;
        };
        let want = runs.min(self.datasets_total);
        while self.datasets_next < want {
            queue.push_back(Page::Datasets(self.datasets_next));
            self.datasets_next += PAGE;
            self.known += 1;
        }
    }
}

/// Loads the fleet of the session behind `f`, reporting through `emit`. With what a previous
/// load had (`known`), only what changed since is read ([`crate::refresh`]). `None` when
/// cancelled.
pub async fn load_fleet<T: Transport>(
    f: &Fetcher<T>,
    plan: FleetPlan,
    known: Option<Known>,
    emit: impl Fn(Event),
) -> Option<()> {
    let window = plan.window();
    let window_start = window.start_ms();
    let since = known
        .as_ref()
        .and_then(|k| refresh::since_ms(k, window_start));
    // Lists are read back to here: the window's start, or for a refresh the instant it reads
    // from.
    let start_ms = since.unwrap_or(window_start);
    let started_after = format_iso_millis(start_ms);
    let lists = RefCell::new(Lists {
        known: 4,
        ..Lists::default()
    });
    let queue = RefCell::new(VecDeque::from([
        Page::Actors(0),
        Page::Runs(0),
        Page::Datasets(0),
        Page::Builds(0),
    ]));
    let cancelled = std::cell::Cell::new(false);
    let stop = Stop::default();
    let listed = std::cell::Cell::new(false);
    drain(f.options().concurrency, &queue, |page| {
        let (lists, queue, cancelled, stop, listed, emit) =
            (&lists, &queue, &cancelled, &stop, &listed, &emit);
        let started_after = started_after.as_str();
        async move {
            if cancelled.get() || stop.is_set() {
                return;
            }
            let outcome = fetch_page(f, page, started_after).await;
            let Ok(outcome) = outcome else {
                cancelled.set(true);
                return;
            };
            if outcome.error().is_some_and(|e| stop.check(e)) {
                return;
            }
            let mut l = lists.borrow_mut();
            let mut q = queue.borrow_mut();
            l.done += 1;
            match (page, outcome) {
                (Page::Actors(_), PageOutcome::Actors(Ok(p))) => {
                    // Actor pages are chained one by one: the page without a next is the last.
                    let next = next_offset(&p);
                    if let Some(next) = next {
                        q.push_front(Page::Actors(next));
                        l.known += 1;
                    }
                    l.actors.extend(p.items);
                    if next.is_none() && !listed.replace(true) {
                        l.listed();
                        emit(Event::Listed(
                            l.actors.iter().cloned().map(Actor::from).collect(),
                        ));
                    }
                }
                (Page::Actors(_), PageOutcome::Actors(Err((_, e)))) => {
                    l.actors_failed = Some(e);
                    q.clear();
                }
                (Page::Runs(offset), PageOutcome::Runs(Ok(p))) => {
                    if offset == 0 {
                        l.runs_total = Some(p.total);
                        let mut next = PAGE;
                        while next < p.total {
                            q.push_back(Page::Runs(next));
                            next += PAGE;
                            l.known += 1;
                        }
                        l.queue_datasets(&mut q);
                    }
                    for r in p.items {
                        l.add_run(r);
                    }
                }
                (Page::Datasets(offset), PageOutcome::Datasets(Ok(p))) => {
                    let mut oldest = i64::MAX;
                    for d in &p.items {
                        let created = d.created_at.as_deref().and_then(parse_iso_millis);
                        oldest = oldest.min(created.unwrap_or(i64::MIN));
                        if let (Some(run), Some(id)) = (&d.act_run_id, RunId::new(&d.id)) {
                            l.items.insert(run.clone(), (d.item_count, id));
                        }
                    }
                    if offset == 0 {
                        l.datasets_first = true;
                        l.datasets_total = p.total;
                        l.datasets_next = PAGE;
                        l.queue_datasets(&mut q);
                    }
                    // The newest-first list still reaches into the window at its last page
                    // asked for: follow it one page further.
                    let last_asked = offset + PAGE == l.datasets_next;
                    let more = l.datasets_next < l.datasets_total;
                    if last_asked
                        && more
                        && !p.items.is_empty()
                        && oldest >= start_ms - DATASET_SLACK_MS
                    {
                        q.push_back(Page::Datasets(l.datasets_next));
                        l.datasets_next += PAGE;
                        l.known += 1;
                    }
                }
                (Page::Builds(_), PageOutcome::Builds(Ok(p))) => {
                    let oldest = p
                        .items
                        .iter()
                        .map(|b| b.started_at.as_deref().and_then(parse_iso_millis))
                        .min()
                        .flatten();
                    if let Some(next) = next_offset(&p) {
                        if oldest.is_some_and(|t| t >= start_ms) {
                            q.push_front(Page::Builds(next));
                            l.known += 1;
                        }
                    }
                    l.builds.extend(p.items);
                }
                (_, PageOutcome::Runs(Err((request, e)))) => {
                    l.problems.runs = Some(ActorProblem::of(&request, e));
                }
                (_, PageOutcome::Datasets(Err((request, e)))) => {
                    l.problems.datasets = Some(ActorProblem::of(&request, e));
                }
                (_, PageOutcome::Builds(Err((request, e)))) => {
                    l.problems.builds = Some(ActorProblem::of(&request, e));
                }
                _ => {}
            }
            order(&mut q);
            if listed.get() {
                emit(Event::Paging {
                    done: l.done,
                    known: l.known,
                });
            }
        }
    })
    .await;
    if cancelled.get() || f.is_cancelled() {
        return None;
    }
    if let Some(e) = stop.take() {
        emit(Event::Stopped(e));
        return Some(());
    }
    let mut lists = lists.into_inner();
    if let Some(e) = lists.actors_failed {
        emit(Event::ListFailed(e));
        return Some(());
    }
    if !listed.get() {
        lists.listed();
        emit(Event::Listed(
            lists.actors.iter().cloned().map(Actor::from).collect(),
        ));
    }
    let problems = lists.problems.clone();
    let (fresh, foreign_runs, datasets) = assemble(lists);
    let (actors, stale) = match (known, since) {
        (Some(known), Some(since)) if problems.runs.is_none() => {
            refresh::merge(known, fresh, since, window_start)
        }
        _ => {
            let n = fresh.len();
            (fresh, vec![true; n])
        }
    };
    // The background reads are planned before the table goes out, which it does by value: a
    // copy of a thousand Actors' runs would hold the page up.
    let reads = if problems.runs.is_none() {
        Some(plan_reads(&actors, &stale, plan, &datasets))
    } else {
        None
    };
    emit(Event::Table {
        actors,
        problems,
        foreign_runs,
    });
    if let Some(planned) = reads {
        if let Err(e) = enrich(f, planned, &emit).await? {
            emit(Event::Stopped(e));
            return Some(());
        }
    }
    emit(Event::Done);
    Some(())
}

type Failed = (ApifyPath, ApiError);

enum PageOutcome {
    Actors(Result<PaginationList<ActorShort>, Failed>),
    Runs(Result<PaginationList<RunShort>, Failed>),
    Datasets(Result<PaginationList<Dataset>, Failed>),
    Builds(Result<PaginationList<BuildShort>, Failed>),
}

impl PageOutcome {
    fn error(&self) -> Option<&ApiError> {
        match self {
            PageOutcome::Actors(Err((_, e)))
            | PageOutcome::Runs(Err((_, e)))
            | PageOutcome::Datasets(Err((_, e)))
            | PageOutcome::Builds(Err((_, e))) => Some(e),
            _ => None,
        }
    }
}

async fn get_page<T: Transport, D: serde::de::DeserializeOwned>(
    f: &Fetcher<T>,
    request: ApifyPath,
) -> Result<Result<PaginationList<D>, Failed>, Cancelled> {
    Ok(f.data(&request).await?.map_err(|e| (request, e)))
}

async fn fetch_page<T: Transport>(
    f: &Fetcher<T>,
    page: Page,
    started_after: &str,
) -> Result<PageOutcome, Cancelled> {
    Ok(match page {
        Page::Actors(o) => PageOutcome::Actors(get_page(f, own_actors(o)).await?),
        Page::Runs(o) => match account_runs_since(started_after, o) {
            Ok(request) => PageOutcome::Runs(get_page(f, request).await?),
            Err(_) => PageOutcome::Runs(Err((
                paths::account_runs(&Default::default()).expect("plain query"),
                ApiError::BadAnswer("the window's start".into()),
            ))),
        },
        Page::Datasets(o) => PageOutcome::Datasets(get_page(f, account_datasets(o)).await?),
        Page::Builds(o) => PageOutcome::Builds(get_page(f, account_builds(o)).await?),
    })
}

/// Run id → its default dataset's id, for the runs the dataset list named.
type DatasetIds = HashMap<String, (u64, RunId)>;

/// Each listed Actor prepared with its runs, item counts and newest builds; the count of runs
/// that belong to no listed Actor; and the runs' dataset ids.
fn assemble(lists: Lists) -> (Vec<PreparedActor>, usize, DatasetIds) {
    let Lists {
        mut preparing,
        index,
        items,
        mut builds,
        foreign_runs,
        ..
    } = lists;
    // Newest first, so each Actor keeps its newest few.
    forge_apify::sort::sort_by(&mut builds, |a, b| b.started_at.cmp(&a.started_at));
    let mut seen = HashSet::new();
    let mut kept = vec![0usize; preparing.len()];
    for b in &builds {
        let Some(&i) = b.act_id.as_ref().and_then(|a| index.get(a)) else {
            continue;
        };
        if kept[i] < RECENT_BUILDS && seen.insert(b.id.as_str()) {
            kept[i] += 1;
            preparing[i].add_build(b);
        }
    }
    let actors = preparing
        .into_iter()
        .map(|mut p| {
            p.drop_repeated_runs();
            p.finish(|id| (items.get(id).map(|(n, _)| *n), None))
        })
        .collect();
    (actors, foreign_runs, items)
}

/// The order background reads go in: Actors in Fix now, then Watch, then the rest, each by
/// runs in the default window (busiest first).
pub fn enrichment_order(actors: &[PreparedActor], now_ms: i64) -> Vec<usize> {
    order_and_report(actors, now_ms).0
}

/// [`enrichment_order`], and the report over the default window it was drawn from.
fn order_and_report(actors: &[PreparedActor], now_ms: i64) -> (Vec<usize>, FleetReport) {
    let report = fleet_report(actors, Window::new(DEFAULT_WINDOW_DAYS, now_ms));
    let rank = |b: Bucket| match b {
        Bucket::FixNow => 0,
        Bucket::Watch => 1,
        _ => 2,
    };
    let mut order: Vec<(u8, std::cmp::Reverse<u32>, usize)> = report
        .actors
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                rank(a.placement.bucket),
                std::cmp::Reverse(a.runs.total()),
                i,
            )
        })
        .collect();
    forge_apify::sort::sort(&mut order);
    (order.into_iter().map(|(_, _, i)| i).collect(), report)
}

/// What one Actor's background reads brought ([`Event::Enriched`]).
#[derive(Debug, Clone, Default)]
pub struct Enrichment {
    /// Its detail, when it was read.
    pub detail: Option<Box<Actor>>,
    pub runs: Vec<Run>,
    pub builds: Vec<BuildDetail>,
    /// Dataset statistics by run id.
    pub fields: Vec<(String, DatasetStatistics)>,
    /// A permission a read was refused for.
    pub denied: Option<&'static str>,
}

impl Enrichment {
    /// Folds it into its Actor: how the app, `forge check` and the tests apply the background
    /// reads.
    pub fn apply(&self, a: &mut PreparedActor) {
        if let Some(actor) = &self.detail {
            a.read_detail(actor);
        }
        for b in &self.builds {
            a.read_build_detail(b);
        }
        for r in &self.runs {
            a.read_run_detail(r);
        }
        for (run, stats) in &self.fields {
            a.read_field_statistics(run, stats);
        }
    }
}

/// What a background read asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadKind {
    /// The Actor's detail.
    Actor,
    /// A run's detail (memory).
    Run,
    /// A build's detail (what it declares), for a release regression's two builds.
    Build,
    /// A run's dataset statistics (output quality per field).
    Fields(RunId),
}

/// One background read.
#[derive(Debug, Clone)]
struct Read {
    actor: usize,
    request: ApifyPath,
    kind: ReadKind,
}

/// The background reads of a load.
struct PlannedReads {
    /// What to send, in order.
    reads: VecDeque<Read>,
    /// Per Actor, how many reads it has in all (those after its probe included).
    left: Vec<usize>,
    /// Per Actor, the dataset statistics read only once the first (the probe) found a schema:
    /// an Actor that declares none answers `fieldStatistics: null` for every run, so one
    /// read says so for all of them.
    after_probe: Vec<Vec<Read>>,
}

/// Per Actor: its detail (where `stale`), then the newest `memory_samples` finished runs'
/// details (those not already read), then — for a release regression — the two builds'
/// details not already read, then the dataset statistics of the newest successful runs
/// ([`PreparedActor::unread_field_runs`]) whose dataset the list named: the first as a probe,
/// the others after it ([`PlannedReads::after_probe`]).
fn plan_reads(
    actors: &[PreparedActor],
    stale: &[bool],
    plan: FleetPlan,
    datasets: &DatasetIds,
) -> PlannedReads {
    let mut reads = VecDeque::new();
    let mut left = vec![0usize; actors.len()];
    let mut after_probe = vec![Vec::new(); actors.len()];
    let (order, report) = order_and_report(actors, plan.now_ms);
    for i in order {
        let a = &actors[i];
        let detail = paths::actor(&a.id).ok().filter(|_| stale[i]);
        if let Some(request) = detail {
            reads.push_back(Read {
                actor: i,
                request,
                kind: ReadKind::Actor,
            });
            left[i] += 1;
        }
        for id in a.unread_finished_runs(plan.memory_samples) {
            if let Ok(request) = paths::run(id.as_str()) {
                reads.push_back(Read {
                    actor: i,
                    request,
                    kind: ReadKind::Run,
                });
                left[i] += 1;
            }
        }
        let regression = report.actors[i]
            .figures
            .builds
            .release
            .as_ref()
            .filter(|r| r.regression);
        for id in builds_to_describe(a, regression) {
            if let Ok(request) = paths::build(&id) {
                reads.push_back(Read {
                    actor: i,
                    request,
                    kind: ReadKind::Build,
                });
                left[i] += 1;
            }
        }
        let mut probe = true;
        for run in a.unread_field_runs(FIELD_SAMPLES_PER_SIDE) {
            let Some((_, dataset)) = datasets.get(run.as_str()) else {
                continue;
            };
            if let Ok(request) = paths::dataset_statistics(dataset.as_str()) {
                let read = Read {
                    actor: i,
                    request,
                    kind: ReadKind::Fields(run),
                };
                // The probe is the first statistics read of the Actor.
                if probe {
                    reads.push_back(read);
                    probe = false;
                } else {
                    after_probe[i].push(read);
                }
                left[i] += 1;
            }
        }
    }
    PlannedReads {
        reads,
        left,
        after_probe,
    }
}

/// Sends the planned reads, reporting each Actor when its last read is back. `None` when
/// cancelled, the error that stopped it when one did.
async fn enrich<T: Transport>(
    f: &Fetcher<T>,
    planned: PlannedReads,
    emit: &impl Fn(Event),
) -> Option<Result<(), ApiError>> {
    let PlannedReads {
        reads,
        left,
        after_probe,
    } = planned;
    let actors = left.len();
    emit(Event::EnrichStart {
        requests: left.iter().sum(),
        actors: left.iter().filter(|n| **n > 0).count(),
    });
    enum Got {
        Actor(Box<Actor>),
        Run(Box<Run>),
        Build(Box<BuildDetail>),
        Fields(RunId, DatasetStatistics),
    }
    let acc: RefCell<Vec<Enrichment>> =
        RefCell::new((0..actors).map(|_| Enrichment::default()).collect());
    let left = RefCell::new(left);
    let queue = RefCell::new(reads);
    let after_probe = RefCell::new(after_probe);
    let cancelled = std::cell::Cell::new(false);
    let stop = Stop::default();
    drain(f.options().concurrency, &queue, |read| {
        let (acc, left, cancelled, stop, queue, after_probe) =
            (&acc, &left, &cancelled, &stop, &queue, &after_probe);
        async move {
            if stop.is_set() {
                return;
            }
            let got = match read.kind {
                ReadKind::Actor => f
                    .data::<Actor>(&read.request)
                    .await
                    .map(|r| r.map(|a| Got::Actor(Box::new(a)))),
                ReadKind::Run => f
                    .data::<Run>(&read.request)
                    .await
                    .map(|r| r.map(|run| Got::Run(Box::new(run)))),
                ReadKind::Build => f
                    .data::<BuildDetail>(&read.request)
                    .await
                    .map(|r| r.map(|b| Got::Build(Box::new(b)))),
                ReadKind::Fields(run) => f
                    .data::<DatasetStatistics>(&read.request)
                    .await
                    .map(|r| r.map(|s| Got::Fields(run, s))),
            };
            let Ok(got) = got else {
                cancelled.set(true);
                return;
            };
            if got.as_ref().err().is_some_and(|e| stop.check(e)) {
                return;
            }
            // A probe's answer: the Actor's other statistics reads go out, or — without a
            // schema, or refused — are not sent at all.
            if let ReadKind::Fields(_) = read.kind {
                let rest = std::mem::take(&mut after_probe.borrow_mut()[read.actor]);
                let schema = match &got {
                    Ok(Got::Fields(_, stats)) => stats.field_statistics.is_some(),
                    Err(e) => denied_permission(&read.request, e).is_none(),
                    _ => true,
                };
                if schema {
                    // Next in line, so the Actor is complete soon, not at the end of the load.
                    let mut q = queue.borrow_mut();
                    for r in rest.into_iter().rev() {
                        q.push_front(r);
                    }
                } else {
                    left.borrow_mut()[read.actor] -= rest.len();
                }
            }
            {
                let mut acc = acc.borrow_mut();
                let slot = &mut acc[read.actor];
                match got {
                    Ok(Got::Actor(detail)) => slot.detail = Some(detail),
                    Ok(Got::Run(run)) => slot.runs.push(*run),
                    Ok(Got::Build(build)) => slot.builds.push(*build),
                    Ok(Got::Fields(run, stats)) => {
                        slot.fields.push((run.as_str().to_string(), stats))
                    }
                    Err(e) => slot.denied = slot.denied.or(denied_permission(&read.request, &e)),
                }
            }
            let finished = {
                let mut l = left.borrow_mut();
                l[read.actor] -= 1;
                l[read.actor] == 0
            };
            if finished {
                let got = std::mem::take(&mut acc.borrow_mut()[read.actor]);
                emit(Event::Enriched {
                    index: read.actor,
                    got,
                });
            }
        }
    })
    .await;
    if cancelled.get() || f.is_cancelled() {
        return None;
    }
    Some(stop.take().map_or(Ok(()), Err))
}
