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
//! Dataset items are never read. Every request goes through [`Fetcher::get`], which paces
//! requests with a token bucket below the relay's per-session limit (so a fleet loads without a
//! single 429), retries 429 and 5xx with Apify's back-off (500 ms, × random 1–2, doubling, 4
//! tries) and checks a cancellation flag before each request. What arrives is reported through
//! [`Event`]s, so the caller (the fleet store) can feed the engine incrementally.

use crate::client::{ApiError, Client};
use forge_apify::models::{
    Actor, ActorShort, BuildShort, Data, Dataset, PaginationList, Run, RunShort,
};
use forge_apify::scope::Grant;
use forge_fleet::ActorInput;
use serde::de::DeserializeOwned;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
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
            days: 90,
            rate_per_sec: 19.0,
            burst: 110.0,
            tries: 4,
        }
    }
}

/// Why one Actor has no figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorProblem {
    /// A 403 for a grant: the permission's name, e.g. "Actor runs: Read".
    Denied(String),
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
        denied: Option<String>,
    },
    /// Everything is in.
    Done,
}

/// Cancellation: set by the page when the user navigates away.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Counts of what the loader sent, for the speed notes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestStats {
    pub sent: u32,
    pub retried: u32,
    pub throttled: u32,
}

/// The permission a 403 on `path` names, when Apify says `insufficient-permissions`.
pub fn denied_permission(path: &str, e: &ApiError) -> Option<String> {
    if e.status() != Some(403) || e.kind() == Some("forge-not-allowed") {
        return None;
    }
    let grant = if path.contains("/runs") || path.starts_with("/v2/actor-runs") {
        Grant::ActorRunsRead
    } else if path.contains("/builds") {
        Grant::ActorBuildsRead
    } else if path.starts_with("/v2/datasets") {
        Grant::DatasetsRead
    } else {
        Grant::ActorsRead
    };
    Some(grant.label().to_string())
}

/// Whether a failed request is worth another try.
pub fn retryable(e: &ApiError) -> bool {
    match e {
        ApiError::Unreachable => true,
        ApiError::Status { status, .. } => *status == 429 || *status >= 500,
        ApiError::BadAnswer(_) => false,
    }
}

/// Wait before try `attempt` (1 = the first retry): 500 ms × 2^(attempt−1) × `jitter` (1–2).
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

/// Pacing and retries around [`Client::send`].
#[derive(Debug)]
pub struct Fetcher {
    client: Client,
    opts: LoadOptions,
    cancel: Cancel,
    bucket: RefCell<(f64, f64)>,
    pub stats: Cell<RequestStats>,
}

/// The request was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl Fetcher {
    pub fn new(client: Client, opts: LoadOptions, cancel: Cancel) -> Fetcher {
        Fetcher {
            client,
            opts,
            cancel,
            bucket: RefCell::new((opts.burst, now_ms())),
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
            let wait = {
                let mut b = self.bucket.borrow_mut();
                let now = now_ms();
                b.0 = (b.0 + (now - b.1) / 1000.0 * self.opts.rate_per_sec).min(self.opts.burst);
                b.1 = now;
                if b.0 >= 1.0 {
                    b.0 -= 1.0;
                    return;
                }
                (1.0 - b.0) / self.opts.rate_per_sec * 1000.0
            };
            sleep_ms(wait.ceil() as i32 + 1).await;
        }
    }

    /// `GET /api/apify{path}` as JSON, paced and retried.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Result<T, ApiError>, Cancelled> {
        let mut attempt = 0;
        loop {
            if self.cancel.is_cancelled() {
                return Err(Cancelled);
            }
            self.take_token().await;
            if self.cancel.is_cancelled() {
                return Err(Cancelled);
            }
            self.bump(|s| s.sent += 1);
            let result = match self
                .client
                .send("GET", &format!("/api/apify{path}"), None)
                .await
            {
                Ok(answer) if (200..300).contains(&answer.status) => {
                    return Ok(serde_json::from_str(&answer.body)
                        .map_err(|e| ApiError::BadAnswer(e.to_string())));
                }
                Ok(answer) => ApiError::from_answer(answer.status, &answer.body),
                Err(e) => e,
            };
            attempt += 1;
            if !retryable(&result) || attempt >= self.opts.tries {
                return Ok(Err(result));
            }
            if result.status() == Some(429) {
                self.bump(|s| s.throttled += 1);
            }
            self.bump(|s| s.retried += 1);
            sleep_ms(backoff_ms(attempt, 1.0 + js_sys::Math::random()) as i32).await;
        }
    }
}

impl Fetcher {
    /// Any allowed request (`/api/apify{path}`), paced and retried like [`Fetcher::get`]
    /// (429, 5xx and an unreachable relay); the last answer's status and body. Used for the
    /// idempotent trend writes (a PUT of a record, a POST of a named store) too.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<Result<(u16, String), ApiError>, Cancelled> {
        let mut attempt = 0;
        loop {
            if self.cancel.is_cancelled() {
                return Err(Cancelled);
            }
            self.take_token().await;
            self.bump(|s| s.sent += 1);
            let failure = match self
                .client
                .send(method, &format!("/api/apify{path}"), body.clone())
                .await
            {
                Ok(a) if a.status == 429 || a.status >= 500 => {
                    ApiError::from_answer(a.status, &a.body)
                }
                Ok(a) => return Ok(Ok((a.status, a.body))),
                Err(e) => e,
            };
            attempt += 1;
            if attempt >= self.opts.tries {
                return Ok(match failure {
                    ApiError::Status { status, .. } => Ok((status, String::new())),
                    e => Err(e),
                });
            }
            self.bump(|s| s.retried += 1);
            sleep_ms(backoff_ms(attempt, 1.0 + js_sys::Math::random()) as i32).await;
        }
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

/// Every page of `/v2/actors?my=1`.
async fn list_actors(f: &Fetcher) -> Result<Result<Vec<ActorShort>, ApiError>, Cancelled> {
    let mut out = Vec::new();
    let mut offset = 0u64;
    loop {
        let path = if offset == 0 {
            "/v2/actors?my=1&limit=1000".to_string()
        } else {
            format!("/v2/actors?my=1&limit=1000&offset={offset}")
        };
        let page: Data<PaginationList<ActorShort>> = match f.get(&path).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let next = next_offset(&page.data);
        out.extend(page.data.items);
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
    if !crate::client::is_actor_id(&id) {
        return Ok(Err(ActorProblem::Failed("Not a valid Actor ID.".into())));
    }
    let problem = |path: &str, e: ApiError| match denied_permission(path, &e) {
        Some(p) => ActorProblem::Denied(p),
        None => ActorProblem::Failed(e.message()),
    };
    // Detail: tagged builds and default memory. Without it the list item still identifies it.
    let path = format!("/v2/actors/{id}");
    match f.get::<Data<Actor>>(&path).await? {
        Ok(d) => input.actor = d.data,
        Err(e) if e.status() == Some(404) => return Ok(Err(problem(&path, e))),
        Err(_) => {}
    }
    // Runs in the window, newest first; offsets shift when a run starts while we page, so
    // dedupe by id.
    let mut seen = BTreeSet::new();
    let mut runs = Vec::new();
    let mut offset = 0u64;
    loop {
        let mut path =
            format!("/v2/actors/{id}/runs?desc=1&limit=1000&startedAfter={started_after}");
        if offset > 0 {
            path.push_str(&format!("&offset={offset}"));
        }
        let page: Data<PaginationList<RunShort>> = match f.get(&path).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(problem(&path, e))),
        };
        let next = next_offset(&page.data);
        for r in page.data.items {
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
    let path = format!("/v2/actors/{id}/builds?desc=1&limit=10");
    match f.get::<Data<PaginationList<BuildShort>>>(&path).await? {
        Ok(b) => input.builds = b.data.items,
        Err(e) => return Ok(Err(problem(&path, e))),
    }
    Ok(Ok(input))
}

/// One enrichment request.
#[derive(Debug, Clone)]
enum Enrich {
    Run {
        actor: usize,
        run: String,
    },
    Dataset {
        actor: usize,
        run: String,
        dataset: String,
    },
}

/// Run detail and dataset metadata for the chosen runs of one Actor (already loaded).
pub async fn enrich_one(f: &Fetcher, input: &mut ActorInput, n: usize) -> Result<(), Cancelled> {
    let jobs = plan_enrichment(0, input, n);
    for job in jobs {
        match job {
            Enrich::Run { run, .. } => {
                if let Ok(d) = f.get::<Data<Run>>(&format!("/v2/actor-runs/{run}")).await? {
                    input.run_details.insert(run, d.data);
                }
            }
            Enrich::Dataset { run, dataset, .. } => {
                if let Ok(d) = f
                    .get::<Data<Dataset>>(&format!("/v2/datasets/{dataset}"))
                    .await?
                {
                    input.item_counts.insert(run, d.data.item_count);
                }
            }
        }
    }
    Ok(())
}

fn plan_enrichment(actor: usize, input: &ActorInput, n: usize) -> Vec<Enrich> {
    let mut jobs = Vec::new();
    for r in enrichment_targets(&input.runs, n) {
        if !input.run_details.contains_key(&r.id) && crate::client::is_actor_id(&r.id) {
            jobs.push(Enrich::Run {
                actor,
                run: r.id.clone(),
            });
        }
        if let Some(ds) = r.default_dataset_id.as_ref() {
            if !input.item_counts.contains_key(&r.id) && crate::client::is_actor_id(ds) {
                jobs.push(Enrich::Dataset {
                    actor,
                    run: r.id.clone(),
                    dataset: ds.clone(),
                });
            }
        }
    }
    jobs
}

/// Loads the whole fleet, reporting through `emit`. Returns what was sent, or `None` when
/// cancelled.
pub async fn load_fleet(
    client: Client,
    opts: LoadOptions,
    cancel: Cancel,
    now_ms: i64,
    emit: impl Fn(Event),
) -> Option<RequestStats> {
    let f = Fetcher::new(client, opts, cancel);
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
        let a = match j {
            Enrich::Run { actor, .. } | Enrich::Dataset { actor, .. } => *actor,
        };
        *left.entry(a).or_default() += 1;
    }
    emit(Event::EnrichStart {
        requests: jobs.len(),
        actors: left.len(),
    });
    type Acc = (Vec<Run>, Vec<(String, u64)>, Option<String>);
    let acc: RefCell<BTreeMap<usize, Acc>> = RefCell::new(BTreeMap::new());
    let left = RefCell::new(left);
    pool(opts.concurrency, jobs.len(), |k| {
        let (f, jobs, emit, acc, left, cancelled) = (&f, &jobs, &emit, &acc, &left, &cancelled);
        async move {
            let (actor, denied) = match &jobs[k] {
                Enrich::Run { actor, run } => {
                    let path = format!("/v2/actor-runs/{run}");
                    match f.get::<Data<Run>>(&path).await {
                        Err(Cancelled) => {
                            cancelled.set(true);
                            return;
                        }
                        Ok(Ok(d)) => {
                            acc.borrow_mut().entry(*actor).or_default().0.push(d.data);
                            (*actor, None)
                        }
                        Ok(Err(e)) => (*actor, denied_permission(&path, &e)),
                    }
                }
                Enrich::Dataset {
                    actor,
                    run,
                    dataset,
                } => {
                    let path = format!("/v2/datasets/{dataset}");
                    match f.get::<Data<Dataset>>(&path).await {
                        Err(Cancelled) => {
                            cancelled.set(true);
                            return;
                        }
                        Ok(Ok(d)) => {
                            acc.borrow_mut()
                                .entry(*actor)
                                .or_default()
                                .1
                                .push((run.clone(), d.data.item_count));
                            (*actor, None)
                        }
                        Ok(Err(e)) => (*actor, denied_permission(&path, &e)),
                    }
                }
            };
            if denied.is_some() {
                acc.borrow_mut().entry(actor).or_default().2 = denied;
            }
            let finished = {
                let mut l = left.borrow_mut();
                let n = l.entry(actor).or_insert(1);
                *n -= 1;
                *n == 0
            };
            if finished {
                let (details, items, denied) = acc.borrow_mut().remove(&actor).unwrap_or_default();
                emit(Event::Enriched {
                    index: actor,
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

/// Unix ms from the browser's clock (0 outside a browser).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// Resolves after `ms` milliseconds (`setTimeout`).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms.max(0));
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
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
    fn retries_and_permissions() {
        let e = |status, kind: &str| ApiError::Status {
            status,
            kind: Some(kind.into()),
            message: None,
        };
        assert!(retryable(&e(429, "rate-limit-exceeded")));
        assert!(retryable(&e(503, "x")));
        assert!(!retryable(&e(403, "insufficient-permissions")));
        assert!(!retryable(&e(404, "record-not-found")));
        let denied = e(403, "insufficient-permissions");
        assert_eq!(
            denied_permission("/v2/actors/a/runs?desc=1", &denied).as_deref(),
            Some("Actor runs: Read")
        );
        assert_eq!(
            denied_permission("/v2/actors/a/builds?desc=1", &denied).as_deref(),
            Some("Actor builds: Read")
        );
        assert_eq!(
            denied_permission("/v2/datasets/d", &denied).as_deref(),
            Some("Datasets: Read")
        );
        assert_eq!(denied_permission("/v2/actors/a/runs", &e(404, "x")), None);
        assert_eq!(
            ActorProblem::Denied("Actor runs: Read".into()).text(),
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
