//! The account-wide loader against the simulator, through a transport that counts every
//! request and keeps a virtual clock (so pacing and back-off cost no real time).

use axum::body::Body;
use forge_apify::models::JobStatus;
use forge_apify::paths::ApifyPath;
use forge_fleet::rules::FIELD_SAMPLES_PER_SIDE;
use forge_fleet::PreparedActor;
use forge_load::account::{load_fleet, Event, FleetPlan};
use forge_load::actor::{load_fleet_per_actor, Milestone};
use forge_load::refresh::Known;
use forge_load::{Answer, ApiError, Fetcher, LoadOptions, Transport};
use forge_sim::{Fault, FaultKind, Sim, SimOptions, DEFAULT_DEMO_TOKEN};
use http_body_util::BodyExt;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use tower::ServiceExt;

/// "Now" of every simulated account here: 2026-11-30T12:00:00Z.
const NOW_SECS: u64 = 1_795_003_200;

fn sim(actors: usize, days: u32) -> Sim {
    Sim::new(SimOptions {
        actors,
        days,
        now: Some(NOW_SECS),
        // The virtual clock runs far ahead of the real one: the simulator's own per-second
        // limits would see thousands of requests a second. Pacing is tested on the clock.
        rate_limit_per_sec: 0,
        ..SimOptions::default()
    })
}

/// Something done to the account before the n-th request.
type Hook = Box<dyn Fn(&Sim)>;

/// Sends to the simulator's router in-process; counts requests; time is virtual.
struct Counting {
    sim: Sim,
    token: &'static str,
    clock_ms: Cell<f64>,
    log: RefCell<Vec<String>>,
    /// Cancel once this many requests went out.
    cancel_after: Option<usize>,
    /// Run before the n-th request (a run starts while the loader pages).
    before: RefCell<BTreeMap<usize, Hook>>,
    /// The relay goes away once this many requests went out: every later one gets no answer.
    down_after: Option<usize>,
}

impl Counting {
    fn new(sim: Sim) -> Counting {
        Counting {
            sim,
            token: DEFAULT_DEMO_TOKEN,
            clock_ms: Cell::new(NOW_SECS as f64 * 1000.0),
            log: RefCell::new(Vec::new()),
            cancel_after: None,
            before: RefCell::new(BTreeMap::new()),
            down_after: None,
        }
    }

    fn sent(&self) -> Vec<String> {
        self.log.borrow().clone()
    }
}

impl Transport for &Counting {
    async fn send(&self, request: &ApifyPath, body: Option<String>) -> Result<Answer, ApiError> {
        let n = self.log.borrow().len();
        if let Some(hook) = self.before.borrow_mut().remove(&n) {
            hook(&self.sim);
        }
        self.log
            .borrow_mut()
            .push(request.path_and_query().to_string());
        if self.down_after.is_some_and(|d| n >= d) {
            self.clock_ms.set(self.clock_ms.get() + 5.0);
            return Err(ApiError::Unreachable);
        }
        let req = axum::http::Request::builder()
            .method(request.method().as_str())
            .uri(request.path_and_query())
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(Body::from(body.unwrap_or_default()))
            .unwrap();
        let resp = self.sim.router().oneshot(req).await.unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        // Every answer takes 50 ms of virtual time.
        self.clock_ms.set(self.clock_ms.get() + 50.0);
        Ok(Answer {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    fn cancelled(&self) -> bool {
        self.cancel_after
            .is_some_and(|n| self.log.borrow().len() >= n)
    }

    fn now_ms(&self) -> f64 {
        self.clock_ms.get()
    }

    async fn sleep(&self, ms: f64) {
        self.clock_ms.set(self.clock_ms.get() + ms);
    }

    fn random(&self) -> f64 {
        0.5
    }
}

/// What a load reported, for the assertions.
#[derive(Default)]
struct Seen {
    events: Vec<&'static str>,
    sent_at_table: usize,
    table: Option<Vec<PreparedActor>>,
    problems: Option<forge_load::ListProblems>,
    enriched: BTreeMap<usize, (bool, usize)>,
    stopped: Option<ApiError>,
}

fn run_new(t: &Counting, plan: FleetPlan) -> (Option<()>, Seen) {
    run_with(t, plan, None)
}

fn run_with(t: &Counting, plan: FleetPlan, known: Option<Known>) -> (Option<()>, Seen) {
    let seen = RefCell::new(Seen::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let f = Fetcher::new(t, LoadOptions::default());
    let result = rt.block_on(load_fleet(&f, plan, known, |ev| {
        let mut s = seen.borrow_mut();
        let name = match ev {
            Event::Listed(_) => "listed",
            Event::ListFailed(_) => "list-failed",
            Event::Paging { .. } => "paging",
            Event::Table {
                actors, problems, ..
            } => {
                s.sent_at_table = t.log.borrow().len();
                s.table = Some(actors);
                s.problems = Some(problems);
                "table"
            }
            Event::EnrichStart { .. } => "enrich-start",
            Event::Enriched { index, got } => {
                s.enriched
                    .insert(index, (got.detail.is_some(), got.runs.len()));
                // What the app keeps: the table with the background reads applied.
                if let Some(a) = s.table.as_mut().and_then(|t| t.get_mut(index)) {
                    got.apply(a);
                }
                "enriched"
            }
            Event::Done => "done",
            Event::Stopped(e) => {
                s.stopped = Some(e);
                "stopped"
            }
        };
        if s.events.last() != Some(&name) {
            s.events.push(name);
        }
    }));
    (result, seen.into_inner())
}

fn plan() -> FleetPlan {
    FleetPlan::new(NOW_SECS as i64 * 1000)
}

fn pages(n: usize) -> usize {
    n.div_ceil(1000)
}

#[test]
fn two_hundred_actors_load_through_the_account_wide_lists() {
    // The demo's `--actors 200`: 45 days of history, about 54,000 runs.
    let t = Counting::new(sim(200, 45));
    let (result, seen) = run_new(&t, plan());
    assert_eq!(result, Some(()));
    assert_eq!(
        seen.events,
        [
            "listed",
            "paging",
            "table",
            "enrich-start",
            "enriched",
            "done"
        ]
    );
    let table = seen.table.unwrap();
    assert_eq!(table.len(), 200);
    assert_eq!(seen.problems.unwrap(), Default::default());

    // Requests before the table is complete, against the least the lists allow.
    let sent = t.sent();
    let before = &sent[..seen.sent_at_table];
    let runs: usize = table.iter().map(|a| a.runs.len()).sum();
    let count = |prefix: &str| before.iter().filter(|p| p.starts_with(prefix)).count();
    let builds_pages = count("/v2/actor-builds");
    let minimum = 1 + pages(runs) + pages(runs) + builds_pages;
    assert!(
        before.len() as f64 <= 1.1 * minimum as f64,
        "{} requests before the table, minimum {minimum}",
        before.len()
    );
    assert_eq!(count("/v2/actors?"), 1);
    assert_eq!(count("/v2/actor-runs?"), pages(runs));
    // No request was sent twice.
    let unique: BTreeSet<&String> = sent.iter().collect();
    assert_eq!(unique.len(), sent.len(), "a request went twice");

    // Every run in the table has its item count, from the dataset list.
    for a in &table {
        let counted: BTreeSet<u32> = a
            .samples
            .iter()
            .filter(|s| s.items.is_some())
            .map(|s| s.run)
            .collect();
        assert_eq!(counted.len(), a.runs.len(), "{} lacks item counts", a.name);
    }
    // Background: one detail and up to three run details per Actor, and the two builds'
    // details behind each release regression — nothing else.
    let after = &sent[seen.sent_at_table..];
    let regressions = table
        .iter()
        .filter(|a| {
            forge_fleet::actor_figures(a, forge_fleet::Window::new(30, plan().now_ms))
                .builds
                .release
                .is_some_and(|r| r.regression)
        })
        .count();
    let build_reads = after
        .iter()
        .filter(|p| p.starts_with("/v2/actor-builds/"))
        .count();
    assert!(
        regressions >= 1 && build_reads == 2 * regressions,
        "{build_reads} build reads for {regressions} regressions"
    );
    // …and the dataset statistics of up to FIELD_SAMPLES_PER_SIDE successful runs on each
    // side of each Actor's newest build.
    let field_reads = after.iter().filter(|p| p.ends_with("/statistics")).count();
    assert!(
        field_reads > 0 && field_reads <= 200 * 2 * FIELD_SAMPLES_PER_SIDE,
        "{field_reads} statistics reads"
    );
    assert!(
        after.len() <= 200 * 4 + build_reads + field_reads,
        "{}",
        after.len()
    );
    // An Actor without a dataset schema (the simulator's legacy Actors) costs one statistics
    // read, the probe: its answer says the same for every run.
    let no_schema: Vec<&PreparedActor> = table
        .iter()
        .filter(|a| {
            a.field_samples
                .iter()
                .any(|s| s.measured == forge_fleet::quality::Measured::NoSchema)
        })
        .collect();
    assert!(
        !no_schema.is_empty(),
        "the 200-Actor demo has legacy Actors"
    );
    for a in &no_schema {
        assert_eq!(a.field_samples.len(), 1, "{}", a.name);
    }
    let with_schema = table.len() - no_schema.len();
    assert!(
        field_reads <= with_schema * 2 * FIELD_SAMPLES_PER_SIDE + no_schema.len(),
        "{field_reads} statistics reads, {} Actors without a schema",
        no_schema.len()
    );
    // field-drift's price, measured on both sides of its newest build.
    let drift = table.iter().find(|a| a.name == "field-drift").unwrap();
    let figures = forge_fleet::actor_figures(drift, forge_fleet::Window::new(30, plan().now_ms));
    let texts = figures.fields.drift_texts();
    assert!(
        texts.len() == 1 && texts[0].starts_with("price null in "),
        "{texts:?}"
    );
    assert_eq!(seen.enriched.len(), 200);
    assert!(seen
        .enriched
        .values()
        .all(|(detail, runs)| *detail && *runs <= 3));
    assert!(
        sent.len() - field_reads <= 1000,
        "{} requests in all",
        sent.len()
    );
}

#[test]
fn the_account_wide_lists_give_what_the_per_actor_reads_give() {
    let s = sim(30, 45);
    let new = Counting::new(s.clone());
    let (_, seen) = run_new(&new, plan());
    let table = seen.table.unwrap();

    let old = Counting::new(s);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let f = Fetcher::new(&old, LoadOptions::default());
    let window = forge_fleet::Window::new(plan().days, plan().now_ms);
    let milestones = RefCell::new(Vec::new());
    let reference = rt
        .block_on(load_fleet_per_actor(&f, &window.started_after(), 5, |m| {
            milestones.borrow_mut().push(m)
        }))
        .unwrap();
    assert_eq!(
        milestones.into_inner(),
        [Milestone::FirstRows, Milestone::Table, Milestone::Done]
    );
    assert_eq!(reference.len(), table.len());
    for (a, b) in table.iter().zip(&reference) {
        assert_eq!(a.id, b.actor.id);
        let ids: BTreeSet<String> = b.runs.iter().map(|r| r.id.clone()).collect();
        assert_eq!(
            run_ids(a).into_keys().collect::<BTreeSet<_>>(),
            ids,
            "runs of {}",
            a.name
        );
        let items = items_by_run(a);
        for (run, n) in &b.item_counts {
            assert_eq!(items.get(run), Some(n), "items of {run}");
        }
        let listed: BTreeSet<String> = a
            .builds
            .iter()
            .filter(|b| b.listed)
            .filter_map(|b| b.id.clone())
            .collect();
        let reference: BTreeSet<String> = b.builds.iter().map(|b| b.id.clone()).collect();
        assert!(listed.is_subset(&reference), "builds of {}", a.name);
    }
    // The old strategy read no dataset statistics: compare like with like.
    let new_sent = new
        .sent()
        .iter()
        .filter(|p| !p.ends_with("/statistics"))
        .count();
    assert!(
        new_sent * 2 < old.sent().len(),
        "new {new_sent} vs old {}",
        old.sent().len()
    );
}

#[test]
fn a_run_that_starts_while_paging_is_kept_once() {
    let s = sim(60, 45);
    let t = Counting::new(s);
    let actor = t.sim.actor_id(&first_actor_name(&t.sim)).unwrap();
    // After the first pages went out, start a run: later pages shift by one.
    t.before.borrow_mut().insert(
        6,
        Box::new(move |sim: &Sim| {
            // The loader's runtime is busy on this thread: start it from another.
            std::thread::scope(|s| s.spawn(|| start_run(sim, &actor)).join().unwrap());
        }),
    );
    let (_, seen) = run_new(&t, plan());
    let table = seen.table.unwrap();
    let mut ids = BTreeSet::new();
    for a in &table {
        for r in &a.run_ids {
            assert!(ids.insert(r.as_str()), "{r:?} twice");
        }
    }
}

fn first_actor_name(sim: &Sim) -> String {
    let t = Counting::new(sim.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let f = Fetcher::new(&t, LoadOptions::default());
    let list = rt
        .block_on(forge_load::actor::list_actors(&f))
        .unwrap()
        .unwrap();
    list[0].name.clone()
}

#[test]
fn a_429_pauses_the_load_and_it_still_completes() {
    let s = sim(24, 45);
    s.set_faults(vec![Fault::new(
        "/v2/actor-runs*",
        FaultKind::RateLimitBurst { count: 3 },
    )]);
    let t = Counting::new(s);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let f = Fetcher::new(&t, LoadOptions::default());
    let table = RefCell::new(None);
    let result = rt.block_on(load_fleet(&f, plan(), None, |ev| {
        if let Event::Table { actors, .. } = ev {
            *table.borrow_mut() = Some(actors);
        }
    }));
    assert_eq!(result, Some(()));
    assert_eq!(f.stats().throttled, 3);
    let runs: usize = table
        .into_inner()
        .unwrap()
        .iter()
        .map(|a| a.runs.len())
        .sum();
    assert!(runs > 1000, "{runs}");
}

#[test]
fn a_token_without_run_read_gets_every_row_refused_by_name() {
    let mut t = Counting::new(sim(24, 45));
    t.token = forge_sim::DEMO_TOKENS
        .iter()
        .find(|d| d.label == "missing-runs-read")
        .unwrap()
        .token;
    let (result, seen) = run_new(&t, plan());
    assert_eq!(result, Some(()));
    assert_eq!(
        seen.problems.unwrap().runs,
        Some(forge_load::ActorProblem::Denied("Actor runs: Read"))
    );
    assert!(!seen.events.contains(&"enrich-start"));
}

#[test]
fn a_cancelled_load_stops_sending() {
    let mut t = Counting::new(sim(60, 45));
    t.cancel_after = Some(20);
    let (result, seen) = run_new(&t, plan());
    assert_eq!(result, None);
    assert!(seen.table.is_none());
    // What was in flight when the cancel came may finish; nothing new goes out.
    assert!(
        t.sent().len() <= 20 + LoadOptions::default().concurrency,
        "{}",
        t.sent().len()
    );
}

/// The relay stopped while the lists come in, and while the details do: either way the load
/// ends with `Stopped` and the reason, soon, and sends little once the relay is gone.
#[test]
fn a_relay_that_goes_away_mid_load_stops_it_with_the_reason() {
    let opts = LoadOptions::default();
    // Out of what the pool already had in flight, each request gives up after its tries.
    let most_after_down = opts.concurrency * opts.tries as usize;
    for (down_after, before_stop) in [(6, ["listed", "paging"]), (40, ["table", "enrich-start"])] {
        let mut t = Counting::new(sim(60, 45));
        t.down_after = Some(down_after);
        let started = t.clock_ms.get();
        let (result, seen) = run_new(&t, plan());
        assert_eq!(result, Some(()), "down after {down_after}");
        assert_eq!(seen.stopped, Some(ApiError::Unreachable));
        assert_eq!(seen.events.last(), Some(&"stopped"));
        assert!(!seen.events.contains(&"done"), "{:?}", seen.events);
        for e in before_stop {
            assert!(seen.events.contains(&e), "{e} in {:?}", seen.events);
        }
        let after = t.sent().len() - down_after;
        assert!(
            after <= most_after_down,
            "{after} requests after the relay went"
        );
        // The back-off of one request's tries, and no more: 0.5 + 1 + 2 + 4 + 8 s × jitter.
        let waited_s = (t.clock_ms.get() - started) / 1000.0;
        assert!(waited_s < 60.0, "{waited_s} s of virtual time");
    }
}

/// Starts a run of `actor` through the API, as the dashboard's Run button does.
fn start_run(sim: &Sim, actor: &str) {
    let req = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/v2/acts/{actor}/runs"))
        .header("authorization", format!("Bearer {DEFAULT_DEMO_TOKEN}"))
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let status = rt.block_on(sim.router().oneshot(req)).unwrap().status();
    assert!(status.is_success(), "{status}");
}

#[test]
fn a_later_visit_reads_only_what_changed_and_merges_it() {
    let s = sim(200, 45);
    let first = Counting::new(s.clone());
    let (_, seen) = run_new(&first, plan());
    let known = Known {
        actors: seen.table.unwrap(),
    };
    let before: usize = known.actors.iter().map(|a| a.runs.len()).sum();
    let name = first_actor_name(&s);
    start_run(&s, &s.actor_id(&name).unwrap());

    let later = Counting::new(s.clone());
    let (result, seen) = run_with(&later, plan(), Some(known));
    assert_eq!(result, Some(()));
    let sent = later.sent();
    let before_table = &sent[..seen.sent_at_table];
    // One page of each list: the Actors, the runs since the newest known, the newest
    // datasets, the newest builds.
    assert_eq!(before_table.len(), 4, "{before_table:#?}");
    let table = seen.table.unwrap();
    let after: usize = table.iter().map(|a| a.runs.len()).sum();
    assert_eq!(after, before + 1, "the new run is merged in, nothing twice");
    // Background: no Actor detail is read again unless it changed; no memory sample twice.
    let details = sent[seen.sent_at_table..]
        .iter()
        .filter(|p| p.starts_with("/v2/actors/"))
        .count();
    assert!(details < 20, "{details} details read again");

    // The merged table is what a full load sees now.
    let fresh = Counting::new(s);
    let (_, full) = run_new(&fresh, plan());
    let full = full.table.unwrap();
    for (a, b) in table.iter().zip(&full) {
        // A run in progress may have moved on between the two loads.
        let settled = |m: BTreeMap<String, JobStatus>| -> BTreeMap<String, Option<JobStatus>> {
            m.into_iter()
                .map(|(id, s)| (id, s.is_terminal().then_some(s)))
                .collect()
        };
        let (x, y) = (settled(run_ids(a)), settled(run_ids(b)));
        assert_eq!(
            x.keys().collect::<Vec<_>>(),
            y.keys().collect::<Vec<_>>(),
            "runs of {}",
            a.name
        );
        for (id, s) in &x {
            assert!(
                s.is_none() || y[id].is_none() || *s == y[id],
                "{id}: {s:?} / {:?}",
                y[id]
            );
        }
        assert_eq!(items_by_run(a), items_by_run(b), "items of {}", a.name);
    }
}

/// Each run's id with its status.
fn run_ids(a: &PreparedActor) -> BTreeMap<String, JobStatus> {
    a.run_ids
        .iter()
        .zip(&a.runs)
        .map(|(id, r)| (id.as_str().to_string(), r.status))
        .collect()
}

/// Each run's id with its dataset's item count.
fn items_by_run(a: &PreparedActor) -> BTreeMap<String, u64> {
    a.samples
        .iter()
        .filter_map(|s| Some((a.run_ids[s.run as usize].as_str().to_string(), s.items?)))
        .collect()
}
