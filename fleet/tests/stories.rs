//! Each story of the demo fleet, detected from data the simulator generates.
//!
//! The test loads the simulated account in-process the way the app's loader does — through the
//! Apify API routes Forge is allowed to call, as JSON, parsed with the forge-apify models — and
//! runs the engine on it. Nothing here knows how the simulator builds its stories; if the engine
//! stops telling one of them, this fails.

#![cfg(not(target_arch = "wasm32"))]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use forge_apify::models::{
    Actor, ActorShort, BuildShort, Data, Dataset, PaginationList, Run, RunShort,
};
use forge_fleet::spend::CostKind;
use forge_fleet::{analyze, ActorInput, Bucket, DriverKind, FleetReport, Window};
use forge_sim::{Sim, SimOptions, DEFAULT_DEMO_TOKEN};
use serde::de::DeserializeOwned;
use tower::ServiceExt;

/// 2026-11-30T00:00:00Z
const NOW_S: u64 = 1_795_996_800;
const NOW_MS: i64 = NOW_S as i64 * 1000;
/// Finished runs per Actor the loader enriches with run detail and dataset metadata.
const ENRICHED: usize = 10;

async fn get<T: DeserializeOwned>(router: &Router, path: &str) -> T {
    let req = Request::get(path)
        .header(
            header::AUTHORIZATION,
            format!("Bearer {DEFAULT_DEMO_TOKEN}"),
        )
        .body(Body::empty())
        .unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    match serde_json::from_slice::<Data<T>>(&bytes) {
        Ok(d) => d.data,
        Err(e) => panic!("GET {path}: {e}: {}", String::from_utf8_lossy(&bytes)),
    }
}

/// Every page of a list route (`path` already has a query string).
async fn all<T: DeserializeOwned>(router: &Router, path: &str) -> Vec<T> {
    let mut items = Vec::new();
    loop {
        let page: PaginationList<T> = get(router, &format!("{path}&offset={}", items.len())).await;
        let more = page.has_more();
        let empty = page.items.is_empty();
        items.extend(page.items);
        if !more || empty {
            return items;
        }
    }
}

/// What the app's loader gathers for a window.
async fn load(sim: &Sim, window: Window) -> Vec<ActorInput> {
    let router = sim.router();
    let after = window.started_after();
    let actors: Vec<ActorShort> = all(&router, "/v2/actors?my=1&limit=1000").await;
    assert!(!actors.is_empty());
    let mut inputs = Vec::new();
    for short in actors {
        let id = short.id.clone();
        let actor: Actor = get(&router, &format!("/v2/actors/{id}")).await;
        let mut input = ActorInput::new(actor);
        input.runs = all::<RunShort>(
            &router,
            &format!("/v2/actors/{id}/runs?limit=1000&desc=1&startedAfter={after}"),
        )
        .await;
        input.builds = all::<BuildShort>(
            &router,
            &format!("/v2/actors/{id}/builds?limit=1000&desc=1"),
        )
        .await;
        let recent: Vec<RunShort> = input
            .runs
            .iter()
            .filter(|r| r.status.is_terminal())
            .take(ENRICHED)
            .cloned()
            .collect();
        for run in recent {
            let detail: Run = get(&router, &format!("/v2/actor-runs/{}", run.id)).await;
            input.run_details.insert(run.id.clone(), detail);
            if let Some(ds) = &run.default_dataset_id {
                let dataset: Dataset = get(&router, &format!("/v2/datasets/{ds}")).await;
                input.item_counts.insert(run.id.clone(), dataset.item_count);
            }
        }
        // The two builds the release check compares, as the loader reads them.
        let prepared = forge_fleet::prepare(&input);
        let figures = forge_fleet::actor_figures(&prepared, window);
        for build in
            forge_fleet::figures::builds_to_describe(&prepared, figures.builds.release.as_ref())
        {
            let detail: forge_apify::definition::BuildDetail =
                get(&router, &format!("/v2/actor-builds/{build}")).await;
            input.build_details.push(detail);
        }
        inputs.push(input);
    }
    inputs
}

fn sim(seed: u64) -> Sim {
    Sim::new(SimOptions {
        seed,
        now: Some(NOW_S),
        rate_limit_per_sec: 0,
        ..SimOptions::default()
    })
}

async fn report(seed: u64, days: u32) -> FleetReport {
    let sim = sim(seed);
    let inputs = load(&sim, Window::new(days, NOW_MS)).await;
    analyze(&inputs, NOW_MS, days)
}

fn actor<'a>(r: &'a FleetReport, name: &str) -> &'a forge_fleet::ActorReport {
    r.actor_named(name)
        .unwrap_or_else(|| panic!("{name} is not in the fleet"))
}

fn has_driver(a: &forge_fleet::ActorReport, kind: DriverKind) -> bool {
    a.health.drivers.iter().any(|d| d.kind == kind)
}

fn check_stories(r: &FleetReport) {
    let worst = Bucket::ALL[0];
    assert_eq!(worst, Bucket::FixNow);

    for name in ["flaky-scraper", "timeout-prone"] {
        let a = actor(r, name);
        assert_eq!(a.placement.bucket, worst, "{name}: {:?}", a.placement);
        assert!(a.failure_rate.unwrap() >= 0.15, "{name}");
    }
    let flaky = actor(r, "flaky-scraper");
    assert!(has_driver(flaky, DriverKind::Reliability));
    let timeouts = actor(r, "timeout-prone");
    assert!(has_driver(timeouts, DriverKind::Timeouts));
    assert!(timeouts.runs.timed_out > timeouts.runs.failed);

    // runaway-run: one run RUNNING for 9 h 12 min while its runs take about 4 minutes — the
    // only runaway of the fleet, listed first for attention.
    let hung = actor(r, "runaway-run");
    let run = hung
        .runaway
        .as_ref()
        .expect("runaway-run has a runaway run");
    assert!(
        (33_000_000..33_300_000).contains(&run.running_ms),
        "{run:?}"
    );
    let p95 = run.p95_ms.unwrap();
    assert!(
        (180_000..330_000).contains(&p95),
        "p95 about 4 minutes: {p95}"
    );
    assert!(
        !run.past_timeout && run.cost_so_far_usd.is_some_and(|c| c > 0.5),
        "{run:?}"
    );
    let runaways: Vec<&str> = r
        .actors
        .iter()
        .filter(|a| a.runaway.is_some())
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(runaways, ["runaway-run"]);
    let first = forge_fleet::needs_attention(&r.digest(), None);
    assert_eq!(
        (first[0].name.as_str(), first[0].kind),
        ("runaway-run", forge_fleet::AttentionKind::Runaway)
    );

    let reg = actor(r, "regressed-crawler");
    // …and for the last hours every one of its runs fails: failing right now, the only one.
    let failing = reg.failing.expect("regressed-crawler is failing right now");
    assert!(
        failing.runs >= forge_fleet::rules::FAILING_NOW_RUNS,
        "{failing:?}"
    );
    assert!(NOW_MS - failing.since_ms <= 8 * 3_600_000, "{failing:?}");
    let others: Vec<&str> = r
        .actors
        .iter()
        .filter(|a| a.failing.is_some() && a.name != "regressed-crawler")
        .map(|a| a.name.as_str())
        .collect();
    assert!(others.is_empty(), "{others:?}");
    let check = reg.builds.release.as_ref().expect("a release check");
    assert!(check.regression, "{}", check.note);
    // …explained by what its newest build changed: it dropped the input field `maxPages`.
    let changes = check.changes.as_ref().expect("both builds' details read");
    assert_eq!(changes.input_removed, ["maxPages"], "{changes:?}");
    assert!(
        reg.placement
            .reason
            .ends_with("which removed the input field `maxPages`"),
        "{}",
        reg.placement.reason
    );
    // No other Actor's builds differ in what they declare.
    for a in r.actors.iter().filter(|a| a.name != "regressed-crawler") {
        let changed = a.builds.release.as_ref().and_then(|c| c.changes.as_ref());
        assert!(
            changed.is_none_or(|c| c.is_empty()),
            "{}: {changed:?}",
            a.name
        );
    }
    let newest = check.newest.number.clone().unwrap();
    assert_eq!(
        reg.builds.in_use.as_ref().unwrap().number.as_deref(),
        Some(newest.as_str())
    );
    assert_eq!(reg.placement.bucket, Bucket::FixNow);
    assert!(
        reg.placement.reason.contains(&format!("build {newest}")),
        "{}",
        reg.placement.reason
    );
    assert!(has_driver(reg, DriverKind::ReleaseRegression));

    let empty = actor(r, "empty-success-api");
    assert!(
        empty.output.empty_share.unwrap() >= 0.3,
        "{:?}",
        empty.output
    );
    assert!(has_driver(empty, DriverKind::EmptyResults));
    assert_eq!(
        empty.placement.bucket,
        Bucket::Watch,
        "{:?}",
        empty.placement
    );
    assert!(empty.placement.reason.contains("empty dataset"));

    let stale = actor(r, "stale-monitor");
    assert!(stale.staleness.stale);
    assert!(stale.staleness.old_build);
    assert_eq!(
        stale.placement.bucket,
        Bucket::Stale,
        "{:?}",
        stale.placement
    );

    let hog = actor(r, "memory-hog");
    let s = hog.memory.suggestion.as_ref().expect("a memory suggestion");
    assert_eq!(s.from_mb, 4096);
    assert!(s.to_mb <= 1024, "{}", s.text);
    assert!(s.text.contains("4096 → "), "{}", s.text);
    assert_eq!(
        hog.placement.bucket,
        Bucket::SaveMoney,
        "{:?}",
        hog.placement
    );

    let spike = actor(r, "cost-spike");
    let t = &spike.cost.trend;
    assert!(t.spike, "{t:?}");
    assert!(t.ratio.unwrap() >= 2.0, "{t:?}");
    assert!(t.recent_per_run_usd.unwrap() > 2.0 * t.earlier_per_run_usd.unwrap());
    assert!(has_driver(spike, DriverKind::CostSpike));
    assert_eq!(
        spike.placement.bucket,
        Bucket::SaveMoney,
        "{:?}",
        spike.placement
    );

    // proxy-heavy: most of its cost is residential proxy, from the sampled run details; an
    // ordinary Actor's is compute.
    let proxy = actor(r, "proxy-heavy");
    let biggest = proxy.cost.by_kind.biggest().expect("a sampled split");
    assert_eq!(
        biggest.kind,
        CostKind::ResidentialProxy,
        "{:?}",
        proxy.cost.by_kind
    );
    assert!(biggest.share > 0.5, "{:?}", proxy.cost.by_kind);
    assert!(proxy.cost.by_kind.sampled_runs >= 3);
    let workhorse = &actor(r, "healthy-workhorse").cost.by_kind;
    assert_eq!(
        workhorse.biggest().map(|k| k.kind),
        Some(CostKind::Compute),
        "{workhorse:?}"
    );
    assert_eq!(
        r.summary.cost_by_kind.kinds.len(),
        r.summary
            .cost_by_kind
            .kinds
            .iter()
            .filter(|k| k.usd > 0.0)
            .count()
    );
    assert!(r.summary.cost_month.projected_usd.unwrap() >= r.summary.cost_month.to_date_usd);

    // What `forge check` fails on: each rule names its story.
    use forge_fleet::alerts::{problems, Rule};
    let named = |rule: Rule| -> Vec<String> {
        problems(r, &[rule])
            .into_iter()
            .map(|p| p.actor_name)
            .collect()
    };
    assert!(named(Rule::FixNow).contains(&"flaky-scraper".to_string()));
    assert_eq!(named(Rule::Regression), ["regressed-crawler"]);
    assert_eq!(named(Rule::Runaway), ["runaway-run"]);
    assert!(named(Rule::HealthBelow(101)).len() >= 20);
    let regression = &problems(r, &[Rule::Regression])[0];
    assert!(regression.key.ends_with(":0.3.14"), "{}", regression.key);

    let good = actor(r, "healthy-workhorse");
    assert_eq!(
        good.placement.bucket,
        Bucket::Healthy,
        "{:?}",
        good.placement
    );
    assert!(good.health.score >= 90, "{:?}", good.health);
    assert!(good.success_rate.unwrap() >= 0.98);

    // Only stories that should be in the worst bucket are there among the story Actors.
    for name in [
        "healthy-workhorse",
        "empty-success-api",
        "stale-monitor",
        "memory-hog",
        "cost-spike",
        "signal-emitter",
    ] {
        assert_ne!(actor(r, name).placement.bucket, worst, "{name}");
    }
}

#[tokio::test]
async fn demo_stories_over_the_default_window() {
    let r = report(1, 30).await;
    check_stories(&r);

    // The fleet as a whole.
    let s = &r.summary;
    assert_eq!(s.actors, 24);
    assert_eq!(s.actors_with_runs, 23, "all but stale-monitor ran");
    assert!(s.runs.total() > 3000);
    assert!(s.cost_usd.unwrap() > 0.0);
    assert!(s.p95_duration_ms.unwrap() > s.p50_duration_ms.unwrap());
    // Three Actors are in Fix now, so the fleet reads below the Watch line however healthy the
    // busy rest is, and the cut is the first driver, naming them.
    let health = s.health.unwrap();
    assert_eq!(
        health,
        forge_fleet::rules::FLEET_FIX_NOW_CAP,
        "{:?}",
        r.drivers
    );
    assert_eq!(r.drivers[0].kind, DriverKind::NeedsFixing);
    assert!(
        r.drivers[0].detail.starts_with("3 Actors in Fix now: "),
        "{:?}",
        r.drivers[0]
    );
    assert!(r.drivers.iter().any(|d| d.kind == DriverKind::Reliability
        && d.detail.contains("flaky-scraper")
        || d.detail.contains("timeout-prone")));
    assert_eq!(r.daily.len(), 30);
    assert_eq!(
        r.daily.iter().map(|d| d.runs.total()).sum::<u32>(),
        s.runs.total()
    );
    assert!(r.daily.iter().all(|d| d.cost_usd.is_some()));
    let placed: usize = r.plan.iter().map(|b| b.entries.len()).sum();
    assert_eq!(placed, 24);
}

#[tokio::test]
async fn demo_stories_hold_for_other_seeds() {
    for seed in [2, 3] {
        check_stories(&report(seed, 30).await);
    }
}

#[tokio::test]
async fn demo_over_other_windows() {
    // 90 days reach stale-monitor's last runs (2–3 months ago): still stale, by its old build.
    let r = report(1, 90).await;
    let stale = actor(&r, "stale-monitor");
    assert!(!stale.staleness.no_runs_in_window);
    assert!(stale.staleness.old_build);
    assert_eq!(stale.placement.bucket, Bucket::Stale);
    assert_eq!(r.daily.len(), 90);

    let r = report(1, 7).await;
    for name in ["flaky-scraper", "timeout-prone"] {
        assert_eq!(actor(&r, name).placement.bucket, Bucket::FixNow, "{name}");
    }
    let stale = actor(&r, "stale-monitor");
    assert!(stale.staleness.no_runs_in_window);
    assert_eq!(
        actor(&r, "healthy-workhorse").placement.bucket,
        Bucket::Healthy
    );
    assert_eq!(r.daily.len(), 7);

    // Change detection is judged over fixed periods: the cost spike and the release regression
    // read the same at 7, 30 and 90 days.
    for days in [7, 30, 90] {
        let r = report(1, days).await;
        let spike = actor(&r, "cost-spike");
        assert!(
            spike.cost.trend.spike,
            "{days} days: {:?}",
            spike.cost.trend
        );
        let reg = actor(&r, "regressed-crawler");
        let check = reg.builds.release.as_ref().unwrap();
        assert!(check.regression, "{days} days: {check:?}");
        assert_eq!(reg.placement.bucket, Bucket::FixNow, "{days} days");
    }
}

/// The demo's six stored weeks decode, and this week's live snapshot against the newest stored
/// week shows `cost-spike` and `regressed-crawler` getting worse.
#[tokio::test]
async fn demo_week_over_week_shows_the_two_stories_getting_worse() {
    use forge_fleet::trends::{self, Direction};
    let sim = sim(1);
    let router = sim.router();
    let keys: serde_json::Value = get(
        &router,
        "/v2/key-value-stores/~forge-trends/keys?prefix=snapshot-",
    )
    .await;
    let mut stored = Vec::new();
    for item in keys["items"].as_array().unwrap() {
        let key = item["key"].as_str().unwrap();
        if trends::week_of_key(key).is_none() {
            continue;
        }
        let (_, bytes) = sim.store_record("forge-trends", key).unwrap();
        stored.push(trends::decode(&bytes).unwrap_or_else(|p| panic!("{key}: {p}")));
    }
    assert_eq!(stored.len(), 6);

    let window = Window::new(trends::SNAPSHOT_DAYS, NOW_MS);
    let inputs = load(&sim, window).await;
    let now = trends::snapshot_of(
        &forge_fleet::fleet_report_from_inputs(&inputs, window),
        NOW_MS,
    );
    // The stored weeks are schema 1 (written before schema 2): still read, and compared with
    // this week's schema-2 snapshot, which keeps the fleet's cost by kind and its runaway runs.
    assert!(stored.iter().all(|s| s.version == 1));
    assert_eq!(now.version, trends::SNAPSHOT_VERSION);
    assert!(
        now.cost_by_kind.contains_key(&CostKind::ResidentialProxy)
            && now.cost_by_kind.contains_key(&CostKind::Compute),
        "{:?}",
        now.cost_by_kind
    );
    assert!(now.cost_sampled_runs > 0);
    assert_eq!(now.runaway_actors, 1, "runaway-run");
    let wow = trends::week_over_week(&now, &stored).expect("a previous week");
    let by_name = |name: &str| {
        wow.actors
            .values()
            .find(|(n, _)| n == name)
            .map(|(_, d)| *d)
            .unwrap()
    };
    let cost_spike = by_name("cost-spike");
    assert_eq!(
        cost_spike.cost_usd.direction,
        Direction::Worse,
        "{cost_spike:?}"
    );
    let regressed = by_name("regressed-crawler");
    assert_eq!(
        regressed.success_rate.direction,
        Direction::Worse,
        "{regressed:?}"
    );
    assert_ne!(
        by_name("healthy-workhorse").success_rate.direction,
        Direction::Worse
    );
    let mut worst: Vec<(&str, f64)> = wow
        .actors
        .values()
        .map(|(n, d)| (n.as_str(), d.worsening()))
        .collect();
    worst.sort_by(|a, b| b.1.total_cmp(&a.1));
    // "What got worse this week" puts both near the top. (The stored weeks' health comes from
    // the simulator's own simpler formula, so health deltas of other Actors are noisier.)
    let top5: Vec<&str> = worst.iter().take(5).map(|w| w.0).collect();
    assert!(
        top5.contains(&"regressed-crawler") && top5.contains(&"cost-spike"),
        "{worst:?}"
    );
    assert!(cost_spike.any_worse() && regressed.any_worse());
}
