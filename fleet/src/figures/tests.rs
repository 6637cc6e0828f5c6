//! Every figure on hand-computed fixtures, with the edges: no runs, all running, null cost, one
//! run for percentiles, equal timestamps, runs crossing the window edge, builds, staleness and
//! the cost spike. The score and the placement of the same fixtures are asserted in the tests of
//! `health` and `plan`.

use super::*;
use crate::testkit::scenario;
use crate::testkit::{close, days_ago, two_builds, Fx, MIN, NOW};
use forge_apify::models::RunShort;
use forge_apify::time::parse_iso_millis;
use JobStatus::*;

// ------------------------------------------------------------------------------ edges

#[test]
fn no_runs() {
    let r = scenario::idle().figures();
    assert_eq!(r.runs.total(), 0);
    assert_eq!((r.success_rate, r.failure_rate), (None, None));
    assert_eq!(r.duration.runs, 0);
    assert_eq!(
        (r.duration.p50_ms, r.duration.p95_ms, r.duration.max_ms),
        (None, None, None)
    );
    assert_eq!(r.cost.total_usd, None);
    assert_eq!(r.cost.per_run_usd, None);
    assert_eq!(r.cost.per_1000_results_usd, None);
    assert_eq!(r.memory.sampled_runs, 0);
    assert_eq!(r.output.empty_share, None);
    assert!(r.staleness.no_runs_in_window && r.staleness.stale);
    assert!(!r.staleness.old_build);
    // Zero-filled: 30 days ending at midnight, a day without runs cost nothing.
    assert_eq!(r.daily.len(), 30);
    assert_eq!(r.daily[0].day_ms, NOW - 30 * MS_PER_DAY);
    assert!(r
        .daily
        .iter()
        .all(|d| d.runs.total() == 0 && d.cost_usd == Some(0.0)));
}

#[test]
fn all_running() {
    let r = scenario::busy().figures();
    assert_eq!(r.runs.total(), 4);
    assert_eq!(r.runs.in_progress(), 4);
    assert_eq!(r.runs.terminal(), 0);
    assert_eq!((r.success_rate, r.failure_rate), (None, None));
    assert_eq!(r.duration.runs, 0);
    assert_eq!(r.duration.p50_ms, None);
    // Spent so far is known; a per-run cost needs a finished run.
    assert!(close(r.cost.total_usd, 0.06));
    assert_eq!(r.cost.runs_with_cost, 3);
    assert_eq!(r.cost.per_run_usd, None);
    assert!(!r.staleness.stale);
}

#[test]
fn null_cost_is_unknown_never_zero() {
    let none = Fx::new("free?")
        .runs(3, Succeeded, days_ago(2.5), None)
        .figures();
    assert_eq!(none.cost.total_usd, None);
    assert_eq!(none.cost.runs_with_cost, 0);
    assert_eq!(none.cost.per_run_usd, None);
    let day = none.daily.iter().find(|d| d.runs.total() > 0).unwrap();
    assert_eq!(day.cost_usd, None, "a day with runs and no cost is n/a");
    assert!(none
        .daily
        .iter()
        .filter(|d| d.runs.total() == 0)
        .all(|d| d.cost_usd == Some(0.0)));
    let json = serde_json::to_value(&none.cost).unwrap();
    assert!(json["totalUsd"].is_null() && json["perRunUsd"].is_null());

    // Mixed: only the runs that report a cost are summed and averaged.
    let mixed = Fx::new("mixed")
        .run(Succeeded, days_ago(3.0), Some(MIN), Some(0.25))
        .run(Succeeded, days_ago(3.0), Some(MIN), None)
        .run(Failed, days_ago(3.0), Some(MIN), Some(0.75))
        .figures();
    assert!(close(mixed.cost.total_usd, 1.0));
    assert_eq!(mixed.cost.runs_with_cost, 2);
    assert!(close(mixed.cost.per_run_usd, 0.5));
}

#[test]
fn one_run_percentiles() {
    let r = Fx::new("once")
        .run(Succeeded, days_ago(1.0), Some(42_000), Some(0.1))
        .figures();
    assert_eq!(r.duration.runs, 1);
    assert_eq!(r.duration.p50_ms, Some(42_000));
    assert_eq!(r.duration.p95_ms, Some(42_000));
    assert_eq!(r.duration.max_ms, Some(42_000));
    assert_eq!(r.success_rate, Some(1.0));
}

#[test]
fn equal_timestamps_all_count() {
    let t = days_ago(4.0);
    let r = Fx::new("burst")
        .runs(5, Succeeded, t, Some(0.02))
        .runs(2, Failed, t, Some(0.01))
        .figures();
    assert_eq!(r.runs.total(), 7);
    assert_eq!((r.runs.succeeded, r.runs.failed), (5, 2));
    assert_eq!(r.duration.runs, 7);
    assert_eq!(
        (r.duration.p50_ms, r.duration.p95_ms, r.duration.max_ms),
        (Some(MIN as u64), Some(MIN as u64), Some(MIN as u64))
    );
    let day = &r.daily[Window::new(30, NOW).day_index(t)];
    assert_eq!(day.runs.total(), 7);
    assert!(close(day.cost_usd, 0.12));
}

#[test]
fn runs_crossing_the_window_edge() {
    let w = Window::new(30, NOW);
    let start = w.start_ms();
    let r = Fx::new("edge")
        // Started 1 ms before the window, finished inside: not counted.
        .run(Failed, start - 1, Some(10 * MIN), Some(1.0))
        // Started exactly at the start: counted.
        .run(Succeeded, start, Some(MIN), Some(0.1))
        // Last millisecond of the window: counted.
        .run(Running, NOW - 1, None, None)
        // Exactly at the end: the next window's.
        .run(Failed, NOW, Some(MIN), Some(1.0))
        .figures();
    assert_eq!(r.runs.total(), 2);
    assert_eq!((r.runs.succeeded, r.runs.running, r.runs.failed), (1, 1, 0));
    assert!(close(r.cost.total_usd, 0.1));
    assert_eq!(r.daily[0].runs.succeeded, 1);
    assert_eq!(r.daily[29].runs.running, 1);
    // The run before the window still says when the Actor last ran.
    assert_eq!(r.staleness.last_run_ms, Some(NOW));
    // A 7-day window sees only the running one.
    assert_eq!(
        Fx::new("edge")
            .run(Succeeded, start, Some(MIN), None)
            .figures_days(7)
            .runs
            .total(),
        0
    );
}

#[test]
fn window_mid_day_has_a_partial_first_and_last_day() {
    let end = NOW + 12 * 60 * MIN; // 2026-11-30T12:00Z
    let fx = Fx::new("noon")
        .run(Succeeded, end - 7 * MS_PER_DAY, Some(MIN), Some(0.1)) // 23rd 12:00
        .run(Succeeded, end - 1, Some(MIN), Some(0.2)); // 30th 11:59:59.999
    let r = actor_figures(&fx.prepared(), Window::new(7, end));
    assert_eq!(r.daily.len(), 8);
    assert_eq!(r.daily[0].runs.succeeded, 1);
    assert_eq!(r.daily[7].runs.succeeded, 1);
    assert_eq!(r.daily[7].day_ms, NOW);
}

#[test]
fn unreadable_and_unknown_runs() {
    let mut fx = Fx::new("odd").run(Succeeded, days_ago(1.0), Some(MIN), None);
    fx.input.runs[0].finished_at = Some("garbage".into());
    fx = fx.run(Unknown, days_ago(1.0), None, None);
    fx.input.runs.push(RunShort {
        started_at: "yesterday".into(),
        ..fx.input.runs[0].clone()
    });
    let r = fx.figures();
    assert_eq!(r.unreadable_runs, 1);
    assert_eq!(r.runs.total(), 2);
    assert_eq!(r.runs.unknown, 1);
    // A finished run whose end cannot be read has no duration.
    assert_eq!(r.duration.runs, 0);
    assert_eq!(r.success_rate, Some(1.0));
}

// ------------------------------------------------------------------------------ metrics

#[test]
fn rates_count_aborted_apart() {
    let t = days_ago(2.0);
    let r = Fx::new("rates")
        .runs(6, Succeeded, t, None)
        .runs(2, Failed, t, None)
        .runs(1, TimedOut, t, None)
        .runs(1, Aborted, t, None)
        .runs(2, Running, t, None)
        .figures();
    assert_eq!(r.runs.terminal(), 10);
    assert_eq!(r.runs.in_progress(), 2);
    assert_eq!(r.success_rate, Some(0.6));
    assert_eq!(r.failure_rate, Some(0.3));
    assert_eq!(r.aborted_rate, Some(0.1));
}

#[test]
fn duration_percentiles_by_hand() {
    // Durations 1 s … 20 s, added in a scrambled order.
    let mut fx = Fx::new("durations");
    for s in [
        7, 3, 20, 1, 15, 9, 11, 2, 19, 4, 13, 5, 18, 6, 17, 8, 16, 10, 14, 12,
    ] {
        fx = fx.run(Succeeded, days_ago(1.0), Some(s * 1000), None);
    }
    // Failed and aborted runs are finished runs too; running ones are not.
    fx = fx.run(Running, days_ago(0.5), None, None);
    let r = fx.figures();
    assert_eq!(r.duration.runs, 20);
    // Nearest rank: p50 → rank ⌈10⌉ = 10 → 10 s; p95 → rank ⌈19⌉ = 19 → 19 s.
    assert_eq!(r.duration.p50_ms, Some(10_000));
    assert_eq!(r.duration.p95_ms, Some(19_000));
    assert_eq!(r.duration.max_ms, Some(20_000));
    // <10 s: 1..9; <30 s: 10..20.
    assert_eq!(r.duration.histogram, [9, 11, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn cost_per_1000_results() {
    let t = days_ago(5.0);
    let r = Fx::new("results")
        .run(Succeeded, t, Some(MIN), Some(0.1))
        .items(100)
        .run(Succeeded, t, Some(MIN), Some(0.2))
        .items(200)
        .run(Failed, t, Some(MIN), Some(0.3))
        .items(0)
        // Item count known but no cost: left out of cost per result.
        .run(Succeeded, t, Some(MIN), None)
        .items(1000)
        // Cost known but no item count: left out too.
        .run(Succeeded, t, Some(MIN), Some(5.0))
        .figures();
    // 1000 × (0.1 + 0.2 + 0.3) / (100 + 200 + 0) = 2.0
    assert!(close(r.cost.per_1000_results_usd, 2.0));
    assert_eq!((r.cost.results_runs, r.cost.results_items), (3, 300));
    // No items at all: n/a rather than infinite.
    let empty = Fx::new("nothing")
        .run(Succeeded, t, Some(MIN), Some(0.1))
        .items(0)
        .figures();
    assert_eq!(empty.cost.per_1000_results_usd, None);
}

#[test]
fn where_the_money_goes_and_where_the_month_is_heading() {
    use crate::spend::CostKind;
    // NOW is 2026-11-30 00:00 UTC: 29 days of November done, 1 left.
    let f = Fx::new("spend")
        .run(Succeeded, days_ago(2.0), Some(MIN), Some(1.0))
        .items(100)
        .usage_usd(&[
            ("ACTOR_COMPUTE_UNITS", 0.2),
            ("PROXY_RESIDENTIAL_TRANSFER_GBYTES", 0.8),
        ])
        .run(Succeeded, days_ago(3.0), Some(MIN), Some(1.0))
        .items(400)
        .usage_usd(&[("ACTOR_COMPUTE_UNITS", 1.0)])
        // Still running: its cost so far counts in the totals, its split is not sampled.
        .run(Running, days_ago(4.0), None, Some(0.5))
        .usage_usd(&[("PROXY_SERPS", 0.5)])
        // An older build, 1,000 results for $2, no usageUsd read.
        .run_on(
            Succeeded,
            days_ago(10.0),
            Some(MIN),
            Some(2.0),
            "b1",
            "0.1.1",
        )
        .items(1000)
        // Before the window and the month.
        .run(Succeeded, days_ago(40.0), Some(MIN), Some(100.0));
    let r = f.figures();
    let by_kind = &r.cost.by_kind;
    assert_eq!(by_kind.sampled_runs, 2);
    assert!((by_kind.sampled_usd - 2.0).abs() < 1e-12);
    let kinds: Vec<_> = by_kind
        .kinds
        .iter()
        .map(|k| (k.kind, k.share, k.usd))
        .collect();
    // Compute 1.2 of 2.0 = 60 %, proxy 40 %; applied to the window's $4.50.
    assert_eq!(kinds.len(), 2);
    assert_eq!(kinds[0].0, CostKind::Compute);
    assert!((kinds[0].1 - 0.6).abs() < 1e-12 && (kinds[0].2 - 2.7).abs() < 1e-9);
    assert_eq!(kinds[1].0, CostKind::ResidentialProxy);
    assert!((kinds[1].2 - 1.8).abs() < 1e-9);
    assert_eq!(
        by_kind.sentence().as_deref(),
        Some("Compute units is 60% of the cost (sampled from 2 runs).")
    );
    // Cost per 1,000 results per build: 0.1.2 is $2 for 500, 0.1.1 $2 for 1,000.
    let per_build: Vec<_> = r
        .builds
        .used
        .iter()
        .map(|b| {
            (
                b.number.clone().unwrap(),
                b.per_1000_results_usd,
                b.results_runs,
            )
        })
        .collect();
    assert_eq!(per_build.len(), 2);
    assert_eq!(per_build[0].0, "0.1.2");
    assert!(close(per_build[0].1, 4.0) && per_build[0].2 == 2);
    assert_eq!(per_build[1].0, "0.1.1");
    assert!(close(per_build[1].1, 2.0) && per_build[1].2 == 1);
    // The release check's rows carry no per-result cost (its period is not the window).
    if let Some(c) = &r.builds.release {
        assert_eq!(c.newest.per_1000_results_usd, None);
    }
    // Month: $4.50 so far; $2.50 in the last 7 days is $0.357 a day, for the 1 day left.
    let m = &r.cost.month;
    assert_eq!(m.to_date_usd, 4.5);
    assert!((m.daily_rate_usd - 2.5 / 7.0).abs() < 1e-12);
    assert_eq!(m.days_left, 1.0);
    assert!(close(m.projected_usd, 4.5 + 2.5 / 7.0));
    // The projection does not depend on the window shown.
    assert_eq!(f.figures_days(7).cost.month, r.cost.month);
    assert_eq!(f.figures_days(90).cost.month, r.cost.month);
}

#[test]
fn missing_usage_usd_is_no_split_not_a_free_one() {
    let r = Fx::new("no-usage")
        .run(Succeeded, days_ago(2.0), Some(MIN), Some(1.0))
        .memory(100.0, 1024)
        .figures();
    assert_eq!(r.cost.by_kind.sampled_runs, 0);
    assert!(r.cost.by_kind.kinds.is_empty());
    assert!(r.cost.by_kind.sentence().is_none());
    // No cost at all: no projection.
    let unknown = Fx::new("unknown")
        .run(Succeeded, days_ago(2.0), Some(MIN), None)
        .figures();
    assert_eq!(unknown.cost.month.projected_usd, None);
}

// ------------------------------------------------------------------------------ memory

#[test]
fn memory_efficiency_and_suggestion() {
    let hog = scenario::hog().figures();
    let m = &hog.memory;
    assert_eq!(m.sampled_runs, 3);
    assert_eq!(m.allocated_mb, Some(4096));
    assert!(close(m.peak_max_mb, 400.0));
    assert!(close(m.peak_share_max, 400.0 / 4096.0));
    assert!(close(m.peak_share_avg, 350.0 / 4096.0));
    // 1.5 × 400 = 600 → next power of two 1024 ≤ 4096 / 2.
    let s = m.suggestion.as_ref().unwrap();
    assert_eq!((s.from_mb, s.to_mb), (4096, 1024));
    // Up to 4.00 × (1 − 1024/4096) = 3.00.
    assert!(close(s.est_savings_usd, 3.0));
    assert_eq!(
        s.text,
        "you could cut memory to 1/4: 4096 → 1024 MB (peak 400 MB in 3 sampled runs, 1.5× headroom kept), up to $3.00 less in this window"
    );

    // Halving: 1.5 × 600 = 900 → 1024 = 2048 / 2.
    let t = days_ago(3.0);
    let half = Fx::new("half")
        .runs(1, Succeeded, t, None)
        .memory(600.0, 2048)
        .runs(1, Succeeded, t, None)
        .memory(500.0, 2048)
        .runs(1, Succeeded, t, None)
        .memory(550.0, 2048)
        .figures();
    let s = half.memory.suggestion.unwrap();
    assert!(s.text.starts_with("you could halve memory: 2048 → 1024 MB"));
    assert_eq!(s.est_savings_usd, None, "no cost known, no savings claimed");
}

#[test]
fn no_memory_suggestion() {
    let t = days_ago(3.0);
    let cases = [
        (
            "two samples are not enough",
            Fx::new("few")
                .runs(1, Succeeded, t, None)
                .memory(100.0, 4096)
                .runs(1, Succeeded, t, None)
                .memory(100.0, 4096),
        ),
        (
            "1.5 × 700 = 1050 → 2048, not a halving of 2048",
            Fx::new("tight")
                .runs(3, Succeeded, t, None)
                .memory(700.0, 2048),
        ),
        ("one run near its limit: no cut", scenario::oom()),
    ];
    for (case, fx) in cases {
        assert!(fx.figures().memory.suggestion.is_none(), "{case}");
    }
    // The run near its limit is counted (the plan warns of it).
    assert_eq!(scenario::oom().figures().memory.near_limit_runs, 1);

    // Runs in progress are not sampled.
    let live = Fx::new("live")
        .runs(3, Running, t, None)
        .memory(10.0, 4096)
        .figures();
    assert_eq!(live.memory.sampled_runs, 0);
}

#[test]
fn allowed_memory_sizes() {
    let cases = [
        ("below the smallest", 1.0, 128),
        ("exactly the smallest", 128.0, 128),
        ("just above a power of two", 128.1, 256),
        ("1.5 × 400 MB", 600.0, 1024),
        ("above the largest", 1e9, 32_768),
    ];
    for (case, need, want) in cases {
        assert_eq!(allowed_memory_mb(need), want, "{case}");
    }
}

// ------------------------------------------------------------------------------ output

#[test]
fn empty_results() {
    let r = scenario::empty().figures();
    assert_eq!(r.output.sampled_succeeded, 5);
    assert_eq!(r.output.empty_succeeded, 2);
    assert_eq!(r.output.empty_share, Some(0.4));
}

// ------------------------------------------------------------------------------ builds

#[test]
fn release_regression_flagged() {
    let r = scenario::regression().figures();
    let b = &r.builds;
    assert_eq!(b.in_use.as_ref().unwrap().number.as_deref(), Some("0.1.2"));
    assert_eq!(b.in_use.as_ref().unwrap().age_days, Some(10));
    assert_eq!(b.builds_in_window, 1);
    assert_eq!(
        b.used
            .iter()
            .map(|u| u.number.clone().unwrap())
            .collect::<Vec<_>>(),
        vec!["0.1.2", "0.1.1"]
    );
    // Each build is dated by when it finished.
    assert_eq!(
        b.used.iter().map(|u| u.built_ms).collect::<Vec<_>>(),
        [Some(days_ago(10.0)), Some(days_ago(40.0) + 2 * MIN)]
    );
    let check = b.release.as_ref().unwrap();
    assert!(check.regression);
    assert_eq!(check.newest.failure_rate, Some(0.3));
    assert_eq!(check.previous.failure_rate, Some(0.05));
    assert_eq!(
        check.note,
        "regression: 30% of runs fail on 0.1.2 vs 5% on 0.1.1"
    );
}

#[test]
fn the_release_check_says_what_the_newest_build_changed_once_both_details_are_read() {
    use forge_apify::definition::BuildDetail;
    let detail = |id: &str, schema: &str| BuildDetail {
        id: id.into(),
        input_schema: Some(schema.into()),
        ..BuildDetail::default()
    };
    let mut fx = scenario::regression();
    // Before the details: nothing to say, and both builds are to be read.
    let before = fx.figures();
    let check = before.builds.release.as_ref().unwrap();
    assert_eq!(check.changes, None);
    assert_eq!(
        crate::figures::builds_to_describe(&fx.prepared(), Some(check)),
        ["b2", "b1"]
    );
    fx.input.build_details = vec![
        detail(
            "b1",
            r#"{"properties":{"maxPages":{"type":"integer","default":50},"q":{"type":"string"}}}"#,
        ),
        detail("b2", r#"{"properties":{"q":{"type":"string"}}}"#),
        // A build the Actor does not have is ignored.
        detail("b9", r#"{"properties":{}}"#),
    ];
    let after = fx.figures();
    let check = after.builds.release.as_ref().unwrap();
    assert_eq!(check.changes.as_ref().unwrap().input_removed, ["maxPages"]);
    assert_eq!(
        check.note,
        "regression: 30% of runs fail on 0.1.2 vs 5% on 0.1.1 — 0.1.2 removed the input field `maxPages`"
    );
    assert!(crate::figures::builds_to_describe(&fx.prepared(), Some(check)).is_empty());
    // One detail only: still nothing to compare.
    fx.input.build_details.remove(0);
    assert_eq!(fx.figures().builds.release.unwrap().changes, None);
}

#[test]
fn release_regression_needs_enough_runs_and_a_real_jump() {
    // (case, runs on 0.1.1, failed there, runs on 0.1.2, timed out there, flagged)
    let cases = [
        (
            "9 finished runs on the newest build: too early",
            20,
            0,
            9,
            5,
            false,
        ),
        ("+10 points only", 20, 2, 10, 2, false),
        ("+16 points but only 1.8×: 20% → 36%", 25, 5, 25, 9, false),
        (
            "exactly +15 points and 2×, 15% → 30%: both inclusive",
            20,
            3,
            20,
            6,
            true,
        ),
        ("+25 points and 6×", 20, 1, 10, 3, true),
    ];
    for (case, old, old_failed, new, new_failed, flagged) in cases {
        let check = two_builds(old, old_failed, new, new_failed)
            .figures()
            .builds
            .release
            .unwrap();
        assert_eq!(check.regression, flagged, "{case}");
    }
    let early = two_builds(20, 0, 9, 5).figures().builds.release.unwrap();
    assert_eq!(
        early.note,
        "too early to compare: 9 finished runs on 0.1.2 (needs 10)"
    );
    // One build only: nothing to compare.
    assert!(two_builds(0, 0, 20, 10).figures().builds.release.is_none());
}

#[test]
fn newest_build_in_use_without_runs_is_too_early() {
    let mut fx = two_builds(20, 0, 0, 0);
    // Runs on 0.1.0 and 0.1.1, then 0.1.2 deployed and not run yet.
    for _ in 0..20 {
        fx = fx.run_on(Succeeded, days_ago(25.0), Some(MIN), None, "b0", "0.1.0");
    }
    let check = fx.figures().builds.release.unwrap();
    assert_eq!(check.newest.number.as_deref(), Some("0.1.2"));
    assert_eq!(check.newest.runs, 0);
    assert_eq!(check.previous.number.as_deref(), Some("0.1.1"));
    assert!(!check.regression);
}

// ------------------------------------------------------------------------------ staleness

#[test]
fn stale_by_old_build() {
    let r = scenario::old_build().figures();
    assert!(r.staleness.old_build && r.staleness.stale);
    assert!(!r.staleness.no_runs_in_window);
    assert_eq!(r.staleness.build_age_days, Some(120));
    let cases = [
        ("90 days exactly is not older than 90", 90, false),
        ("91 days is", 91, true),
        ("120 days is", 120, true),
    ];
    for (case, age, old) in cases {
        let r = Fx::aged("aged", age)
            .runs(1, Succeeded, days_ago(1.0), None)
            .figures();
        assert_eq!(r.staleness.old_build, old, "{case}");
    }
}

#[test]
fn stale_without_runs_names_the_last_run() {
    let r = scenario::monitor().figures();
    assert!(r.staleness.no_runs_in_window && r.staleness.old_build);
    assert_eq!(
        r.staleness.last_run_ms,
        parse_iso_millis("2026-09-10T06:00:00Z")
    );
}

// ------------------------------------------------------------------------- failing right now

#[test]
fn failing_right_now_counts_the_failures_since_the_last_success() {
    let run = |fx: Fx, status, d: f64| fx.run(status, days_ago(d), Some(MIN), None);
    // (case, runs oldest first as (status, days ago), streak as (runs, since days ago))
    type Case<'a> = (&'a str, &'a [(JobStatus, f64)], Option<(u32, f64)>);
    let cases: [Case; 6] = [
        ("no runs", &[], None),
        (
            "two failures are not yet a streak",
            &[(Succeeded, 3.0), (Failed, 2.0), (TimedOut, 1.0)],
            None,
        ),
        (
            "three after a success",
            &[
                (Failed, 9.0),
                (Succeeded, 3.0),
                (Failed, 2.0),
                (TimedOut, 1.5),
                (Failed, 1.0),
            ],
            Some((3, 2.0)),
        ),
        (
            "an aborted run neither breaks nor counts",
            &[
                (Succeeded, 3.0),
                (Failed, 2.0),
                (Aborted, 1.8),
                (Failed, 1.5),
                (Failed, 1.0),
            ],
            Some((3, 2.0)),
        ),
        (
            "a run still going does not break it",
            &[
                (Succeeded, 3.0),
                (Failed, 2.0),
                (Failed, 1.5),
                (Failed, 1.0),
                (Running, 0.1),
            ],
            Some((3, 2.0)),
        ),
        (
            "never succeeded",
            &[(Failed, 40.0), (Failed, 20.0), (Failed, 1.0)],
            Some((3, 40.0)),
        ),
    ];
    for (case, runs, want) in cases {
        let fx = runs.iter().fold(Fx::new("a"), |fx, (s, d)| run(fx, *s, *d));
        let got = fx.figures().failing.map(|f| (f.runs, f.since_ms));
        assert_eq!(got, want.map(|(n, d)| (n, days_ago(d))), "{case}");
        // The same in a 7-day window.
        if case != "never succeeded" {
            assert_eq!(fx.figures_days(7).failing, fx.figures().failing, "{case}");
        }
    }
}

// ------------------------------------------------------------------------------ cost spike

#[test]
fn cost_spike_recent_vs_earlier() {
    let r = scenario::spike().figures();
    let t = &r.cost.trend;
    assert_eq!(t.recent_days, 7);
    assert_eq!((t.recent_runs, t.earlier_runs), (4, 5));
    assert!(close(t.recent_per_run_usd, 0.12));
    assert!(close(t.earlier_per_run_usd, 0.04));
    assert!(close(t.ratio, 3.0));
    assert!(t.spike);
}

#[test]
fn change_detection_is_the_same_in_every_window() {
    // The spike: every window sees the last 7 days against days 8–28 back, even a 7-day window
    // that shows none of the baseline; a run 29 days back (a cheap one here) is in no baseline.
    let spike = scenario::spike().run(Succeeded, days_ago(29.0), Some(MIN), Some(0.001));
    for days in [7, 30, 90] {
        let t = spike.figures_days(days).cost.trend;
        assert_eq!((t.recent_runs, t.earlier_runs), (4, 5), "{days} days");
        assert!(close(t.ratio, 3.0) && t.spike, "{days} days: {t:?}");
        assert_eq!((t.recent_days, t.baseline_days), (7, 21));
    }
    // The regression: the previous build ran 20 days ago, outside a 7-day window, and the
    // verdict is the same there as at 30 and 90 days.
    let regression = scenario::regression();
    for days in [7, 30, 90] {
        let check = regression.figures_days(days).builds.release.unwrap();
        assert!(check.regression, "{days} days: {check:?}");
        assert_eq!(check.previous.finished, 20, "{days} days");
    }
    // …while the builds table is the window's: at 7 days only the new build ran.
    let used = regression.figures_days(7).builds.used;
    assert_eq!(used.len(), 1);
    // A release compared over runs older than 30 days is no longer judged: the old build's runs
    // 35 days back are outside the period, so at 90 days there is nothing to compare with.
    let mut old = two_builds(0, 0, 10, 3);
    for _ in 0..20 {
        old = old.run_on(Succeeded, days_ago(35.0), Some(MIN), None, "b1", "0.1.1");
    }
    assert!(old.figures_days(90).builds.release.is_none());
    assert_eq!(old.figures_days(90).builds.used.len(), 2);
}

#[test]
fn no_cost_spike() {
    // (case, days ago of each run, cost in the last 7 days, cost before)
    let cases = [
        (
            "×1.4 is not a spike",
            &[25.0, 20.0, 15.0, 6.0, 4.0, 2.0][..],
            0.056,
            0.04,
        ),
        (
            "nor is ×3 on two recent runs",
            &[25.0, 20.0, 15.0, 2.0, 1.0][..],
            0.12,
            0.04,
        ),
    ];
    for (case, days, recent, earlier) in cases {
        let mut fx = Fx::new("calm");
        for &d in days {
            let c = if d < 7.0 { recent } else { earlier };
            fx = fx.run(Succeeded, days_ago(d), Some(MIN), Some(c));
        }
        assert!(!fx.figures().cost.trend.spike, "{case}");
    }
}

#[test]
fn the_builds_a_run_may_start_on_are_the_newest_listed_first() {
    let p = two_builds(1, 0, 1, 0).prepared();
    assert_eq!(
        p.newest_listed_builds(5),
        [("0.1.2".to_string(), true), ("0.1.1".to_string(), false)]
    );
    assert_eq!(p.newest_listed_builds(1).len(), 1);
}

// ------------------------------------------------------------------------------ runaway runs

/// Ten finished 4-minute runs, then one run still in progress, started `ago` before the end.
fn with_open_run(status: JobStatus, ago: i64, finished: usize) -> Fx {
    let mut fx = Fx::new("hung");
    for i in 0..finished {
        fx = fx.run(
            Succeeded,
            days_ago(2.0) + i as i64 * MIN,
            Some(4 * MIN),
            Some(0.01),
        );
    }
    fx.run(status, NOW - ago, None, Some(0.84))
}

#[test]
fn a_run_far_beyond_its_p95_has_run_away() {
    // p95 4 min: 3 × p95 = 12 min, and at least 10 min.
    let r = with_open_run(Running, 9 * 60 * MIN + 12 * MIN, 10).figures();
    let run = r.runaway.expect("runaway");
    assert_eq!(run.running_ms, 33_120_000);
    assert_eq!(run.p95_ms, Some(240_000));
    assert_eq!(run.timeout_ms, Some(3_600_000));
    // 9 h is also past the Actor's 1-hour default timeout, which the reason says first.
    assert!(run.past_timeout);
    assert_eq!(run.run_id.as_deref(), Some("r11"));
    assert_eq!(
        run.reason(),
        "running for 9h 12m, past the Actor's default timeout of 1h 0m, $0.840 so far"
    );

    // 13 min: beyond 12 min and 10 min; 11 min: not yet.
    let at_13 = with_open_run(Running, 13 * MIN, 10)
        .figures()
        .runaway
        .unwrap();
    assert!(!at_13.past_timeout);
    assert_eq!(
        at_13.reason(),
        "running for 13m 0s (p95 4m 0s), $0.840 so far"
    );
    assert_eq!(with_open_run(Running, 11 * MIN, 10).figures().runaway, None);
    // READY counts as in progress too.
    let waiting = with_open_run(Ready, 20 * MIN, 10)
        .figures()
        .runaway
        .unwrap();
    assert!(waiting.reason().starts_with("waiting to start for 20m 0s"));
}

#[test]
fn without_enough_finished_runs_only_the_timeout_tells() {
    // Four finished runs: no p95 to compare with; 50 min is under the 1-hour timeout.
    assert_eq!(with_open_run(Running, 50 * MIN, 4).figures().runaway, None);
    let past = with_open_run(Running, 61 * MIN, 4)
        .figures()
        .runaway
        .unwrap();
    assert!(past.past_timeout && past.p95_ms.is_none());
    // Finished runs never count, and the 10-minute floor holds for tiny p95s.
    let mut quick = Fx::new("quick");
    for i in 0..10 {
        quick = quick.run(Succeeded, days_ago(1.0) + i * MIN, Some(2_000), None);
    }
    let quick = quick.run(Running, NOW - 9 * MIN, None, None);
    assert_eq!(quick.figures().runaway, None);
}
