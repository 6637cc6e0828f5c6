//! Loading the fleet: every request the dashboard sends to the relay, and nothing else.
//!
//! ```text
//! GET /v2/actors?my=1&limit=1000[&offset=…]                       the fleet (paginated)
//! per Actor, at most `concurrency` Actors at once:
//!   GET /v2/actors/{id}                                           detail (tagged builds, memory)
//!   GET /v2/actors/{id}/runs?desc=1&limit=1000&startedAfter=…     runs in the window (paginated)
//!   GET /v2/actors/{id}/builds?desc=1&limit=10                    recent builds
//! then, for the last `enrich_runs` finished runs of each Actor:
//!   GET /v2/actor-runs/{runId}                                    memory (stats, options)
//!   GET /v2/datasets/{defaultDatasetId}                           item count (metadata only)
//! ```
//!
//! Dataset items are never read. Every path comes from `forge_apify::paths`, so it is one the
//! allow-list forwards and carries the grant a 403 names. Every request goes through
//! [`Fetcher::send`], which paces requests with `forge_apify::pace::TokenBucket` below the
//! relay's per-session limit (so a fleet loads without a single 429), retries 429, 5xx and an
//! unreachable relay with Apify's back-off (500 ms, × random 1–2, doubling, 4 tries), and stops
//! when its [`Abort`] fires (the page went away), aborting the requests in flight. What arrives
//! is reported through [`Event`]s, so the caller (the fleet store) can feed the engine
//! incrementally.

use crate::api::{clock, Abort, Answer, ApiError, Client};
use forge_apify::models::{
    Actor, ActorShort, BuildShort, Dataset, JobStatus, PaginationList, Run, RunShort,
};
use forge_apify::pace::TokenBucket;
use forge_apify::paths::{self, ActorsQuery, ApifyPath, PageQuery, RunsQuery};
use forge_apify::{limits::MAX_PAGE_LIMIT, Refusal};
use forge_fleet::window::WINDOW_CHOICES;
use forge_fleet::ActorInput;
use serde::de::DeserializeOwned;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Tunables; [`LoadOptions::default`] is what the dashboard uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Finished runs per Actor that get run detail + dataset metadata.
    pub enrich_runs: usize,
    /// Window (days) of runs to load; the dashboard loads the longest it offers, so switching
    /// windows never reloads.
    pub days: u32,
    /// Client-side pacing: sustained requests per second and burst (below the relay's default
    /// per-session bucket of 20/s, burst 120).
    pub rate_per_sec: f64,
    pub burst: f64,
    /// Tries per request on 429/5xx (the first try included).
    pub tries: u32,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            concurrency: 6,
            enrich_runs: 5,
            days: WINDOW_CHOICES[WINDOW_CHOICES.len() - 1],
            rate_per_sec: 19.0,
            burst: 110.0,
            tries: 4,
        }
    }
}

impl LoadOptions {
    /// Pacing for the requests after a load (trends, SIGNALS): the relay's per-session bucket
    /// is nearly spent.
    pub fn gentle() -> LoadOptions {
        LoadOptions {
            rate_per_sec: 10.0,
            burst: 4.0,
            tries: 6,
            ..LoadOptions::default()
        }
    }
}

/// Why one Actor has no figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorProblem {
    /// A 403 for a grant: the permission's name, e.g. "Actor runs: Read".
    Denied(&'static str),
    /// Anything else, as a sentence.
    Failed(String),
}

impl ActorProblem {
    pub fn text(&self) -> String {
        match self {
            ActorProblem::Denied(p) => format!("Your token lacks {p}"),
            ActorProblem::Failed(m) => m.clone(),
        }
    }

    fn of(request: &ApifyPath, e: ApiError) -> ActorProblem {
        match denied_permission(request, &e) {
            Some(p) => ActorProblem::Denied(p),
            None => ActorProblem::Failed(e.message()),
        }
    }
}

/// What the loader reports, in order.
#[derive(Debug, Clone)]
pub enum Event {
    /// The fleet list: one input per Actor (no runs yet), in list order.
    Listed(Vec<ActorInput>),
    /// The list itself failed: nothing else follows.
    ListFailed(ApiError),
    /// Actor `index` is loaded (runs and builds), or could not be.
    Actor(usize, Result<Box<ActorInput>, ActorProblem>),
    /// Every Actor is in; enrichment of `requests` requests starts.
    EnrichStart { requests: usize, actors: usize },
    /// Enrichment for Actor `index`: run details and item counts (by run id).
    Enriched {
        index: usize,
        details: Vec<Run>,
        items: Vec<(String, u64)>,
        /// A permission an enrichment request was refused for.
        denied: Option<&'static str>,
    },
    /// Everything is in.
    Done,
}

/// Counts of what the loader sent, for the speed notes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestStats {
    pub sent: u32,
    pub retried: u32,
    pub throttled: u32,
}

/// The permission a 403 names, when Apify (not the relay's allow-list) refused: the grant the
/// allow-list row of `request` needs.
pub fn denied_permission(request: &ApifyPath, e: &ApiError) -> Option<&'static str> {
    e.is_permission_denied().then(|| request.grant().label())
}

/// Wait before try `attempt` (1 = the first retry): 500 ms × 2^(attempt−1) × `jitter` (1–2) —
/// Apify's own clients' back-off.
pub fn backoff_ms(attempt: u32, jitter: f64) -> f64 {
    500.0 * f64::from(1u32 << (attempt.saturating_sub(1)).min(10)) * jitter.clamp(1.0, 2.0)
}

/// The next offset to ask for, or `None` when the list is complete.
pub fn next_offset<T>(page: &PaginationList<T>) -> Option<u64> {
    let got = page.count.max(page.items.len() as u64);
    let next = page.offset + got;
    (got > 0 && page.total > next).then_some(next)
}

/// The last `n` finished runs (newest first) that have something to enrich.
pub fn enrichment_targets(runs: &[RunShort], n: usize) -> Vec<&RunShort> {
    let mut done: Vec<&RunShort> = runs.iter().filter(|r| r.status.is_terminal()).collect();
    done.sort_by(|a, b| b.started_at.cmp(&a.started_at));
    done.truncate(n);
    done
}

/// The request was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// Pacing and retries around [`Client::apify`]: a token bucket below the relay's per-session
/// limit, and one retry loop for every request it sends.
#[derive(Debug)]
pub struct Fetcher {
    client: Client,
    opts: LoadOptions,
    abort: Abort,
    bucket: RefCell<TokenBucket>,
    pub stats: Cell<RequestStats>,
}

impl Fetcher {
    pub fn new(client: Client, opts: LoadOptions, abort: Abort) -> Fetcher {
        Fetcher {
            client,
            opts,
            abort,
            bucket: RefCell::new(TokenBucket::full(
                opts.rate_per_sec,
                opts.burst,
                clock::now_ms(),
            )),
            stats: Cell::new(RequestStats::default()),
        }
    }

    fn bump(&self, f: impl FnOnce(&mut RequestStats)) {
        let mut s = self.stats.get();
        f(&mut s);
        self.stats.set(s);
    }

    async fn take_token(&self) {
        loop {
            let wait = self.bucket.borrow_mut().take(clock::now_ms());
            match wait {
                Ok(()) => return,
                Err(ms) => clock::sleep_ms(ms.ceil() + 1.0).await,
            }
        }
    }

    /// Sends `request`, paced; retries 429, 5xx and an unreachable relay with back-off up to
    /// `tries` times. Used only for requests that may be repeated: reads, the PUT of a record,
    /// the POST that creates the named `forge-trends` store. The last answer, whatever its
    /// status, or the error of the last try.
    pub async fn send(
        &self,
        request: &ApifyPath,
        body: Option<String>,
    ) -> Result<Result<Answer, ApiError>, Cancelled> {
        let mut attempt = 0;
        loop {
            if self.abort.is_aborted() {
                return Err(Cancelled);
            }
            self.take_token().await;
            if self.abort.is_aborted() {
                return Err(Cancelled);
            }
            self.bump(|s| s.sent += 1);
            let result = self.client.apify(request, body.clone(), &self.abort).await;
            let transient = match &result {
                Ok(a) => !a.ok() && a.error().is_transient(),
                Err(ApiError::Aborted) => return Err(Cancelled),
                Err(e) => e.is_transient(),
            };
            attempt += 1;
            if !transient || attempt >= self.opts.tries {
                return Ok(result);
            }
            if matches!(&result, Ok(a) if a.status == 429) {
                self.bump(|s| s.throttled += 1);
            }
            self.bump(|s| s.retried += 1);
            clock::sleep_ms(backoff_ms(attempt, 1.0 + clock::random())).await;
        }
    }

    /// `GET` of `request` as Apify's `{"data": T}`, paced and retried like [`Fetcher::send`].
    pub async fn data<T: DeserializeOwned>(
        &self,
        request: &ApifyPath,
    ) -> Result<Result<T, ApiError>, Cancelled> {
        Ok(self.send(request, None).await?.and_then(Answer::data))
    }
}

/// Runs `jobs` jobs, at most `n` at once, in order of their index.
pub async fn pool<F, Fut>(n: usize, jobs: usize, job: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    let next = Cell::new(0usize);
    let worker = || async {
        loop {
            let i = next.get();
            if i >= jobs {
                break;
            }
            next.set(i + 1);
            job(i).await;
        }
    };
    let mut running: Vec<Pin<Box<dyn Future<Output = ()> + '_>>> = (0..n.clamp(1, jobs.max(1)))
        .map(|_| Box::pin(worker()) as Pin<Box<dyn Future<Output = ()>>>)
        .collect();
    std::future::poll_fn(|cx| {
        running.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if running.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}

/// `GET /v2/actors?my=1&limit=1000[&offset=…]`: a page of the account's own Actors.
fn own_actors(offset: u64) -> ApifyPath {
    paths::actors_list(&ActorsQuery {
        my: true,
        offset,
        limit: Some(MAX_PAGE_LIMIT),
        ..ActorsQuery::default()
    })
}

/// `GET /v2/actors/{id}/runs?desc=1&limit=1000&startedAfter=…[&offset=…]`.
fn runs_since(id: &str, started_after: &str, offset: u64) -> Result<ApifyPath, Refusal> {
    paths::actor_runs(
        id,
        &RunsQuery {
            desc: true,
            limit: Some(MAX_PAGE_LIMIT),
            started_after: Some(started_after.to_string()),
            offset,
            ..RunsQuery::default()
        },
    )
}

/// Builds per Actor the engine compares (the newest and the ones before it).
pub const RECENT_BUILDS: u64 = 10;

/// `GET /v2/actors/{id}/builds?desc=1&limit=10`.
fn recent_builds(id: &str) -> Result<ApifyPath, Refusal> {
    paths::actor_builds(
        id,
        &PageQuery {
            desc: true,
            limit: Some(RECENT_BUILDS),
            ..PageQuery::default()
        },
    )
}

/// `GET /v2/actors/{id}/runs/last?status=SUCCEEDED`.
pub fn last_succeeded_run(id: &str) -> Result<ApifyPath, Refusal> {
    paths::last_run(id, Some(JobStatus::Succeeded))
}

/// Every page of `/v2/actors?my=1`.
pub async fn list_actors(f: &Fetcher) -> Result<Result<Vec<ActorShort>, ApiError>, Cancelled> {
    let mut out = Vec::new();
    let mut offset = 0u64;
    loop {
        let page: PaginationList<ActorShort> = match f.data(&own_actors(offset)).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let next = next_offset(&page);
        out.extend(page.items);
        match next {
            Some(n) => offset = n,
            None => return Ok(Ok(out)),
        }
    }
}

/// One Actor's detail, runs in the window and recent builds.
pub async fn load_actor(
    f: &Fetcher,
    mut input: ActorInput,
    started_after: &str,
) -> Result<Result<ActorInput, ActorProblem>, Cancelled> {
    let id = input.actor.id.clone();
    let Ok(detail) = paths::actor(&id) else {
        return Ok(Err(ActorProblem::Failed("Not a valid Actor ID.".into())));
    };
    // Detail: tagged builds and default memory. Without it the list item still identifies it.
    match f.data::<Actor>(&detail).await? {
        Ok(actor) => input.actor = actor,
        Err(e) if e.status() == Some(404) => return Ok(Err(ActorProblem::of(&detail, e))),
        Err(_) => {}
    }
    // Runs in the window, newest first; offsets shift when a run starts while we page, so
    // dedupe by id.
    let mut seen = BTreeSet::new();
    let mut runs = Vec::new();
    let mut offset = 0u64;
    loop {
        let Ok(request) = runs_since(&id, started_after, offset) else {
            return Ok(Err(ActorProblem::Failed("Not a valid Actor ID.".into())));
        };
        let page: PaginationList<RunShort> = match f.data(&request).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(ActorProblem::of(&request, e))),
        };
        let next = next_offset(&page);
        for r in page.items {
            if seen.insert(r.id.clone()) {
                runs.push(r);
            }
        }
        match next {
            Some(n) => offset = n,
            None => break,
        }
    }
    input.runs = runs;
    let Ok(request) = recent_builds(&id) else {
        return Ok(Err(ActorProblem::Failed("Not a valid Actor ID.".into())));
    };
    match f.data::<PaginationList<BuildShort>>(&request).await? {
        Ok(b) => input.builds = b.items,
        Err(e) => return Ok(Err(ActorProblem::of(&request, e))),
    }
    Ok(Ok(input))
}

/// One enrichment request: a run's detail (memory, status message) or its default dataset's
/// metadata (item count). Dataset items are never read.
#[derive(Debug, Clone)]
struct Enrich {
    actor: usize,
    run: String,
    request: ApifyPath,
    dataset: bool,
}

/// What one enrichment request brought.
enum Enriched {
    Detail(Box<Run>),
    Items(String, u64),
}

impl Enrich {
    async fn fetch(&self, f: &Fetcher) -> Result<Result<Enriched, ApiError>, Cancelled> {
        Ok(if self.dataset {
            f.data::<Dataset>(&self.request)
                .await?
                .map(|d| Enriched::Items(self.run.clone(), d.item_count))
        } else {
            // `Run` as everywhere else: `Box<Run>` would be a second copy of its deserializer.
            f.data::<Run>(&self.request)
                .await?
                .map(|run| Enriched::Detail(Box::new(run)))
        })
    }
}

fn plan_enrichment(actor: usize, input: &ActorInput, n: usize) -> Vec<Enrich> {
    let mut jobs = Vec::new();
    for r in enrichment_targets(&input.runs, n) {
        if !input.run_details.contains_key(&r.id) {
            if let Ok(request) = paths::run(&r.id) {
                jobs.push(Enrich {
                    actor,
                    run: r.id.clone(),
                    request,
                    dataset: false,
                });
            }
        }
        if let Some(ds) = r.default_dataset_id.as_ref() {
            if !input.item_counts.contains_key(&r.id) {
                if let Ok(request) = paths::dataset(ds) {
                    jobs.push(Enrich {
                        actor,
                        run: r.id.clone(),
                        request,
                        dataset: true,
                    });
                }
            }
        }
    }
    jobs
}

/// Run detail and dataset metadata for the chosen runs of one Actor (already loaded).
pub async fn enrich_one(f: &Fetcher, input: &mut ActorInput, n: usize) -> Result<(), Cancelled> {
    for job in plan_enrichment(0, input, n) {
        match job.fetch(f).await? {
            Ok(Enriched::Detail(run)) => {
                input.run_details.insert(run.id.clone(), *run);
            }
            Ok(Enriched::Items(run, count)) => {
                input.item_counts.insert(run, count);
            }
            Err(_) => {}
        }
    }
    Ok(())
}

/// Loads the whole fleet, reporting through `emit`. Returns what was sent, or `None` when
/// cancelled.
pub async fn load_fleet(
    client: Client,
    opts: LoadOptions,
    abort: Abort,
    now_ms: i64,
    emit: impl Fn(Event),
) -> Option<RequestStats> {
    let f = Fetcher::new(client, opts, abort);
    let started_after = forge_fleet::Window::new(opts.days, now_ms).started_after();
    let list = match list_actors(&f).await.ok()? {
        Ok(l) => l,
        Err(e) => {
            emit(Event::ListFailed(e));
            return Some(f.stats.get());
        }
    };
    let inputs: Vec<ActorInput> = list
        .into_iter()
        .map(|a| ActorInput::new(Actor::from(a)))
        .collect();
    emit(Event::Listed(inputs.clone()));
    let loaded: RefCell<Vec<Option<ActorInput>>> = RefCell::new(vec![None; inputs.len()]);
    let cancelled = Cell::new(false);
    pool(opts.concurrency, inputs.len(), |i| {
        let (f, inputs, emit, loaded, started_after, cancelled) =
            (&f, &inputs, &emit, &loaded, &started_after, &cancelled);
        async move {
            match load_actor(f, inputs[i].clone(), started_after).await {
                Ok(result) => {
                    if let Ok(input) = &result {
                        loaded.borrow_mut()[i] = Some(input.clone());
                    }
                    emit(Event::Actor(i, result.map(Box::new)));
                }
                Err(Cancelled) => cancelled.set(true),
            }
        }
    })
    .await;
    if cancelled.get() {
        return None;
    }

    // Enrichment, request by request across the fleet, newest runs first.
    let loaded = loaded.into_inner();
    let jobs: Vec<Enrich> = loaded
        .iter()
        .enumerate()
        .filter_map(|(i, x)| x.as_ref().map(|x| plan_enrichment(i, x, opts.enrich_runs)))
        .flatten()
        .collect();
    // Results per Actor; an Actor is reported when its last request is back.
    let mut left: BTreeMap<usize, usize> = BTreeMap::new();
    for j in &jobs {
        *left.entry(j.actor).or_default() += 1;
    }
    emit(Event::EnrichStart {
        requests: jobs.len(),
        actors: left.len(),
    });
    type Acc = (Vec<Run>, Vec<(String, u64)>, Option<&'static str>);
    let acc: RefCell<BTreeMap<usize, Acc>> = RefCell::new(BTreeMap::new());
    let left = RefCell::new(left);
    pool(opts.concurrency, jobs.len(), |k| {
        let (f, jobs, emit, acc, left, cancelled) = (&f, &jobs, &emit, &acc, &left, &cancelled);
        async move {
            let job = &jobs[k];
            match job.fetch(f).await {
                Err(Cancelled) => {
                    cancelled.set(true);
                    return;
                }
                Ok(Ok(got)) => {
                    let mut acc = acc.borrow_mut();
                    let slot = acc.entry(job.actor).or_default();
                    match got {
                        Enriched::Detail(run) => slot.0.push(*run),
                        Enriched::Items(run, count) => slot.1.push((run, count)),
                    }
                }
                Ok(Err(e)) => {
                    if let Some(p) = denied_permission(&job.request, &e) {
                        acc.borrow_mut().entry(job.actor).or_default().2 = Some(p);
                    }
                }
            }
            let finished = {
                let mut l = left.borrow_mut();
                let n = l.entry(job.actor).or_insert(1);
                *n -= 1;
                *n == 0
            };
            if finished {
                let (details, items, denied) =
                    acc.borrow_mut().remove(&job.actor).unwrap_or_default();
                emit(Event::Enriched {
                    index: job.actor,
                    details,
                    items,
                    denied,
                });
            }
        }
    })
    .await;
    if cancelled.get() {
        return None;
    }
    emit(Event::Done);
    Some(f.stats.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::models::JobStatus;

    fn run(id: &str, status: JobStatus, started: &str) -> RunShort {
        RunShort {
            id: id.into(),
            act_id: "a".into(),
            status,
            started_at: started.into(),
            finished_at: None,
            build_id: None,
            build_number: None,
            meta: None,
            usage_total_usd: None,
            default_dataset_id: Some(format!("ds-{id}")),
            default_key_value_store_id: None,
        }
    }

    #[test]
    fn pagination_stops_at_total() {
        let page = |offset, count, total| PaginationList::<u8> {
            total,
            offset,
            limit: 1000,
            count,
            desc: true,
            items: vec![0; count as usize],
        };
        assert_eq!(next_offset(&page(0, 1000, 2500)), Some(1000));
        assert_eq!(next_offset(&page(2000, 500, 2500)), None);
        assert_eq!(next_offset(&page(0, 3, 3)), None);
        assert_eq!(next_offset(&page(0, 0, 10)), None);
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        assert_eq!(backoff_ms(1, 1.0), 500.0);
        assert_eq!(backoff_ms(2, 1.0), 1000.0);
        assert_eq!(backoff_ms(3, 2.0), 4000.0);
        assert_eq!(backoff_ms(1, 5.0), 1000.0);
    }

    #[test]
    fn a_refusal_names_the_grant_of_the_allow_list_row() {
        let denied = ApiError::from_answer(
            403,
            r#"{"error":{"type":"insufficient-permissions","message":"x"}}"#,
        );
        let runs = runs_since("a", "2026-01-01T00:00:00.000Z", 0).unwrap();
        let builds = recent_builds("a").unwrap();
        let dataset = paths::dataset("d").unwrap();
        let cases = [
            ("runs", &runs, Some("Actor runs: Read")),
            ("builds", &builds, Some("Actor builds: Read")),
            ("dataset", &dataset, Some("Datasets: Read")),
        ];
        for (case, request, want) in cases {
            assert_eq!(denied_permission(request, &denied), want, "{case}");
        }
        let not_found = ApiError::from_answer(404, "");
        assert_eq!(denied_permission(&runs, &not_found), None);
        let relay_refused = ApiError::from_answer(
            403,
            r#"{"error":{"type":"forge-not-allowed","message":"x"}}"#,
        );
        assert_eq!(denied_permission(&runs, &relay_refused), None);
        assert_eq!(
            ActorProblem::Denied("Actor runs: Read").text(),
            "Your token lacks Actor runs: Read"
        );
    }

    #[test]
    fn enriches_the_newest_finished_runs() {
        let runs = vec![
            run("r1", JobStatus::Succeeded, "2026-01-01T00:00:00.000Z"),
            run("r2", JobStatus::Running, "2026-01-05T00:00:00.000Z"),
            run("r3", JobStatus::Failed, "2026-01-03T00:00:00.000Z"),
            run("r4", JobStatus::Succeeded, "2026-01-04T00:00:00.000Z"),
        ];
        let ids: Vec<&str> = enrichment_targets(&runs, 2)
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, ["r4", "r3"]);
    }
}
