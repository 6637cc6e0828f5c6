//! Every metric on hand-computed fixtures, with the edges: no runs, all running, null cost, one
//! run for percentiles, equal timestamps, runs crossing the window edge — and the health formula
//! and bucket rules pinned with worked examples.

use crate::fleet::{analyze, fleet_report, fleet_report_from_inputs};
use crate::health::DriverKind;
use crate::input::{prepare, ActorInput};
use crate::plan::Bucket;
use crate::report::{actor_report, allowed_memory_mb, ActorReport};
use crate::window::Window;
use forge_apify::models::{
    Actor, BuildShort, DefaultRunOptions, JobStatus, Run, RunOptions, RunShort, RunStats,
    TaggedBuild,
};
use forge_apify::time::{format_iso_millis, parse_iso_millis, MS_PER_DAY, MS_PER_SEC};
use std::collections::BTreeMap;
use JobStatus::*;

/// 2026-11-30T00:00:00Z — the end of every fixture window.
const NOW: i64 = 1_795_996_800_000;
const MIN: i64 = 60 * MS_PER_SEC;
const MB: u64 = 1_048_576;

fn days_ago(d: f64) -> i64 {
    NOW - (d * MS_PER_DAY as f64) as i64
}

/// An Actor whose `latest` build 0.1.2 finished `build_age_days` before NOW.
fn actor_aged(name: &str, build_age_days: i64) -> Actor {
    let finished = format_iso_millis(NOW - build_age_days * MS_PER_DAY);
    Actor {
        id: format!("id-{name}"),
        name: name.into(),
        username: "me".into(),
        user_id: None,
        title: None,
        description: None,
        is_public: Some(false),
        created_at: None,
        modified_at: None,
        stats: None,
        default_run_options: Some(DefaultRunOptions {
            memory_mbytes: Some(1024),
            timeout_secs: Some(3600),
            build: Some("latest".into()),
        }),
        tagged_builds: Some(BTreeMap::from([(
            "latest".to_string(),
            Some(TaggedBuild {
                build_id: Some("b2".into()),
                build_number: Some("0.1.2".into()),
                finished_at: Some(finished),
            }),
        )])),
    }
}

struct Fx {
    input: ActorInput,
    next: usize,
}

impl Fx {
    fn new(name: &str) -> Fx {
        Fx::aged(name, 10)
    }

    fn aged(name: &str, build_age_days: i64) -> Fx {
        Fx {
            input: ActorInput::new(actor_aged(name, build_age_days)),
            next: 0,
        }
    }

    /// A run on build `b2` (0.1.2); `dur_ms` None = no `finishedAt`.
    fn run(self, status: JobStatus, started: i64, dur_ms: Option<i64>, cost: Option<f64>) -> Fx {
        self.run_on(status, started, dur_ms, cost, "b2", "0.1.2")
    }

    fn run_on(
        mut self,
        status: JobStatus,
        started: i64,
        dur_ms: Option<i64>,
        cost: Option<f64>,
        build_id: &str,
        build_number: &str,
    ) -> Fx {
        self.next += 1;
        self.input.runs.push(RunShort {
            id: format!("r{}", self.next),
            act_id: self.input.actor.id.clone(),
            status,
            started_at: format_iso_millis(started),
            finished_at: dur_ms.map(|d| format_iso_millis(started + d)),
            build_id: Some(build_id.into()),
            build_number: Some(build_number.into()),
            meta: None,
            usage_total_usd: cost,
            default_dataset_id: Some(format!("d{}", self.next)),
            default_key_value_store_id: None,
        });
        self
    }

    /// `n` identical runs.
    fn runs(mut self, n: usize, status: JobStatus, started: i64, cost: Option<f64>) -> Fx {
        let dur = status.is_terminal().then_some(MIN);
        for _ in 0..n {
            self = self.run(status, started, dur, cost);
        }
        self
    }

    /// Item count for the most recent run added.
    fn items(mut self, n: u64) -> Fx {
        self.input.item_counts.insert(format!("r{}", self.next), n);
        self
    }

    /// Memory figures for the most recent run added.
    fn memory(mut self, peak_mb: f64, alloc_mb: u32) -> Fx {
        let short = self.input.runs.last().unwrap().clone();
        let detail = Run {
            id: short.id.clone(),
            act_id: short.act_id,
            status: short.status,
            started_at: short.started_at,
            finished_at: short.finished_at,
            status_message: None,
            exit_code: None,
            build_id: short.build_id,
            build_number: short.build_number,
            meta: None,
            stats: Some(RunStats {
                mem_max_bytes: Some((peak_mb * MB as f64) as u64),
                ..RunStats::default()
            }),
            options: Some(RunOptions {
                memory_mbytes: Some(alloc_mb),
                ..RunOptions::default()
            }),
            usage_total_usd: short.usage_total_usd,
            default_dataset_id: None,
            default_key_value_store_id: None,
        };
        self.input.run_details.insert(short.id, detail);
        self
    }

    fn report(&self) -> ActorReport {
        self.report_days(30)
    }

    fn report_days(&self, days: u32) -> ActorReport {
        actor_report(&prepare(&self.input), Window::new(days, NOW))
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

// ------------------------------------------------------------------------------ edges

#[test]
fn no_runs() {
    let r = Fx::new("idle").report();
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
    // 100 − 30 (no recent runs).
    assert_eq!(r.health.score, 70);
    assert_eq!(r.health.drivers.len(), 1);
    assert_eq!(r.health.drivers[0].kind, DriverKind::NoRecentRuns);
    assert_eq!(
        r.health.drivers[0].text(),
        "−30 no recent runs: no run in the last 30 days (no run known)"
    );
    assert_eq!(r.placement.bucket, Bucket::Stale);
    assert_eq!(r.placement.reason, "no run in the last 30 days (never ran)");
}

#[test]
fn all_running() {
    let r = Fx::new("busy")
        .run(Running, days_ago(0.1), None, Some(0.01))
        .run(Ready, days_ago(0.05), None, None)
        .run(TimingOut, days_ago(0.2), None, Some(0.02))
        .run(Aborting, days_ago(0.3), None, Some(0.03))
        .report();
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
    assert_eq!(r.health.score, 100);
    assert!(r.health.drivers.is_empty());
    assert_eq!(r.placement.bucket, Bucket::Healthy);
    assert_eq!(
        r.placement.reason,
        "health 100: runs in progress, none finished yet"
    );
}

#[test]
fn null_cost_is_unknown_never_zero() {
    let none = Fx::new("free?")
        .runs(3, Succeeded, days_ago(2.5), None)
        .report();
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
        .report();
    assert!(close(mixed.cost.total_usd, 1.0));
    assert_eq!(mixed.cost.runs_with_cost, 2);
    assert!(close(mixed.cost.per_run_usd, 0.5));
}

#[test]
fn one_run_percentiles() {
    let r = Fx::new("once")
        .run(Succeeded, days_ago(1.0), Some(42_000), Some(0.1))
        .report();
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
        .report();
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
        .report();
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
            .report_days(7)
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
    let r = actor_report(&prepare(&fx.input), Window::new(7, end));
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
    let r = fx.report();
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
        .report();
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
    let r = fx.report();
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
        .report();
    // 1000 × (0.1 + 0.2 + 0.3) / (100 + 200 + 0) = 2.0
    assert!(close(r.cost.per_1000_results_usd, 2.0));
    assert_eq!((r.cost.results_runs, r.cost.results_items), (3, 300));
    // No items at all: n/a rather than infinite.
    let empty = Fx::new("nothing")
        .run(Succeeded, t, Some(MIN), Some(0.1))
        .items(0)
        .report();
    assert_eq!(empty.cost.per_1000_results_usd, None);
}

#[test]
fn memory_efficiency_and_suggestion() {
    let t = days_ago(3.0);
    let hog = Fx::new("hog")
        .run(Succeeded, t, Some(MIN), Some(1.0))
        .memory(300.0, 4096)
        .run(Succeeded, t + 1, Some(MIN), Some(1.0))
        .memory(350.0, 4096)
        .run(Succeeded, t + 2, Some(MIN), Some(2.0))
        .memory(400.0, 4096)
        .report();
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
    assert_eq!(hog.placement.bucket, Bucket::SaveMoney);
    assert_eq!(hog.placement.reason, s.text);
    // 100 − 5 (memory over-allocation).
    assert_eq!(hog.health.score, 95);
    assert_eq!(
        hog.health.drivers[0].text(),
        "−5 memory over-allocation: peak 400 MB of 4096 MB allocated; 1024 MB would do"
    );

    // Halving: 1.5 × 600 = 900 → 1024 = 2048 / 2.
    let half = Fx::new("half")
        .runs(1, Succeeded, t, None)
        .memory(600.0, 2048)
        .runs(1, Succeeded, t, None)
        .memory(500.0, 2048)
        .runs(1, Succeeded, t, None)
        .memory(550.0, 2048)
        .report();
    let s = half.memory.suggestion.unwrap();
    assert!(s.text.starts_with("you could halve memory: 2048 → 1024 MB"));
    assert_eq!(s.est_savings_usd, None, "no cost known, no savings claimed");

    // Two samples are not enough; 1.5 × 700 = 1050 → 2048, not a halving of 2048.
    let few = Fx::new("few")
        .runs(1, Succeeded, t, None)
        .memory(100.0, 4096)
        .runs(1, Succeeded, t, None)
        .memory(100.0, 4096)
        .report();
    assert!(few.memory.suggestion.is_none());
    let tight = Fx::new("tight")
        .runs(3, Succeeded, t, None)
        .memory(700.0, 2048)
        .report();
    assert!(tight.memory.suggestion.is_none());

    // One run near its limit: no cut, and an out-of-memory warning.
    let oom = Fx::new("oom")
        .runs(1, Succeeded, t, None)
        .memory(100.0, 4096)
        .runs(1, Succeeded, t, None)
        .memory(100.0, 4096)
        .runs(1, Succeeded, t, None)
        .memory(4090.0, 4096)
        .report();
    assert_eq!(oom.memory.near_limit_runs, 1);
    assert!(oom.memory.suggestion.is_none());
    assert_eq!(oom.placement.bucket, Bucket::Watch);

    // Runs in progress are not sampled.
    let live = Fx::new("live")
        .runs(3, Running, t, None)
        .memory(10.0, 4096)
        .report();
    assert_eq!(live.memory.sampled_runs, 0);
}

#[test]
fn allowed_memory_sizes() {
    assert_eq!(allowed_memory_mb(1.0), 128);
    assert_eq!(allowed_memory_mb(128.0), 128);
    assert_eq!(allowed_memory_mb(128.1), 256);
    assert_eq!(allowed_memory_mb(600.0), 1024);
    assert_eq!(allowed_memory_mb(1e9), 32_768);
}

#[test]
fn empty_results() {
    let t = days_ago(6.0);
    let r = Fx::new("empty")
        .run(Succeeded, t, Some(MIN), None)
        .items(0)
        .run(Succeeded, t, Some(MIN), None)
        .items(0)
        .run(Succeeded, t, Some(MIN), None)
        .items(12)
        .run(Succeeded, t, Some(MIN), None)
        .items(40)
        .run(Succeeded, t, Some(MIN), None)
        .items(3)
        // A failed run with nothing is a failure, not an empty success.
        .run(Failed, t, Some(MIN), None)
        .items(0)
        .report();
    assert_eq!(r.output.sampled_succeeded, 5);
    assert_eq!(r.output.empty_succeeded, 2);
    assert_eq!(r.output.empty_share, Some(0.4));
    // 100 − round(2 × 100 × 1/6 = 33.3) − round(40 × 0.4 = 16) = 51
    assert_eq!(r.health.score, 51);
    let kinds: Vec<_> = r
        .health
        .drivers
        .iter()
        .map(|d| (d.kind, d.points))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (DriverKind::Reliability, -33),
            (DriverKind::EmptyResults, -16)
        ]
    );
    assert_eq!(
        r.health.drivers[1].text(),
        "−16 empty results: 40% of successful runs returned an empty dataset (2 of 5 sampled)"
    );
}

// ------------------------------------------------------------------------------ builds

/// `old` finished runs on 0.1.1 (build b1) with `old_failed` failures, then `new` on 0.1.2.
fn two_builds(old: usize, old_failed: usize, new: usize, new_failed: usize) -> Fx {
    let mut fx = Fx::new("crawler");
    fx.input.builds = vec![
        BuildShort {
            id: "b1".into(),
            act_id: None,
            status: Succeeded,
            started_at: Some(format_iso_millis(days_ago(40.0))),
            finished_at: Some(format_iso_millis(days_ago(40.0) + 2 * MIN)),
            build_number: Some("0.1.1".into()),
            usage_total_usd: None,
        },
        BuildShort {
            id: "b2".into(),
            act_id: None,
            status: Succeeded,
            started_at: Some(format_iso_millis(days_ago(10.0) - 2 * MIN)),
            finished_at: Some(format_iso_millis(days_ago(10.0))),
            build_number: Some("0.1.2".into()),
            usage_total_usd: None,
        },
    ];
    for i in 0..old {
        let status = if i < old_failed { Failed } else { Succeeded };
        fx = fx.run_on(status, days_ago(20.0), Some(MIN), None, "b1", "0.1.1");
    }
    for i in 0..new {
        let status = if i < new_failed { TimedOut } else { Succeeded };
        fx = fx.run_on(status, days_ago(5.0), Some(MIN), None, "b2", "0.1.2");
    }
    fx
}

#[test]
fn release_regression_flagged() {
    // 0.1.1: 1 of 20 fail (5%); 0.1.2: 3 of 10 time out (30%): +25 points and 6× → flagged.
    let r = two_builds(20, 1, 10, 3).report();
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
    let check = b.release.as_ref().unwrap();
    assert!(check.regression);
    assert_eq!(check.newest.failure_rate, Some(0.3));
    assert_eq!(check.previous.failure_rate, Some(0.05));
    assert_eq!(
        check.note,
        "regression: 30% of runs fail on 0.1.2 vs 5% on 0.1.1"
    );
    // 100 − round(2 × 100 × 1/30 = 6.7) − round(2 × 100 × 3/30 = 20) − 10 = 63
    assert_eq!(r.health.score, 63);
    let texts: Vec<String> = r.health.drivers.iter().map(|d| d.text()).collect();
    assert_eq!(
        texts,
        vec![
            "−7 reliability: 87% success, 3.3% failed (1 of 30 finished runs)",
            "−20 timeouts: 10% of finished runs timed out (3 of 30)",
            "−10 release regression: build 0.1.2 fails 30% of runs vs 5% on 0.1.1",
        ]
    );
    assert_eq!(r.placement.bucket, Bucket::FixNow);
    assert_eq!(
        r.placement.reason,
        "release regression on build 0.1.2: 30% of runs fail vs 5% on 0.1.1"
    );
}

#[test]
fn release_regression_needs_enough_runs_and_a_real_jump() {
    // 9 finished runs on the newest build: too early.
    let early = two_builds(20, 0, 9, 5).report();
    let check = early.builds.release.unwrap();
    assert!(!check.regression);
    assert_eq!(
        check.note,
        "too early to compare: 9 finished runs on 0.1.2 (needs 10)"
    );
    // +10 points only.
    assert!(
        !two_builds(20, 2, 10, 2)
            .report()
            .builds
            .release
            .unwrap()
            .regression
    );
    // +16 points but only 1.8×: 20% → 36%  (5 of 25 → 9 of 25).
    assert!(
        !two_builds(25, 5, 25, 9)
            .report()
            .builds
            .release
            .unwrap()
            .regression
    );
    // Exactly +15 points and 2×… 15% → 30%: flagged (both thresholds are inclusive).
    let edge = two_builds(20, 3, 20, 6).report();
    assert!(edge.builds.release.unwrap().regression);
    // One build only: nothing to compare.
    assert!(two_builds(0, 0, 20, 10).report().builds.release.is_none());
}

#[test]
fn newest_build_in_use_without_runs_is_too_early() {
    let mut fx = two_builds(20, 0, 0, 0);
    // Runs on 0.1.0 and 0.1.1, then 0.1.2 deployed and not run yet.
    for _ in 0..20 {
        fx = fx.run_on(Succeeded, days_ago(25.0), Some(MIN), None, "b0", "0.1.0");
    }
    let check = fx.report().builds.release.unwrap();
    assert_eq!(check.newest.number.as_deref(), Some("0.1.2"));
    assert_eq!(check.newest.runs, 0);
    assert_eq!(check.previous.number.as_deref(), Some("0.1.1"));
    assert!(!check.regression);
}

#[test]
fn stale_by_old_build() {
    let r = Fx::aged("old", 120)
        .runs(10, Succeeded, days_ago(1.0), None)
        .report();
    assert!(r.staleness.old_build && r.staleness.stale);
    assert!(!r.staleness.no_runs_in_window);
    assert_eq!(r.staleness.build_age_days, Some(120));
    assert_eq!(r.health.score, 95);
    assert_eq!(
        r.health.drivers[0].text(),
        "−5 old build: build 0.1.2 is 120 days old (over 90)"
    );
    assert_eq!(r.placement.bucket, Bucket::Stale);
    // 90 days exactly is not "older than 90".
    assert!(
        !Fx::aged("ninety", 90)
            .runs(1, Succeeded, days_ago(1.0), None)
            .report()
            .staleness
            .old_build
    );
}

#[test]
fn stale_without_runs_names_the_last_run() {
    let mut fx = Fx::aged("monitor", 130);
    fx.input.actor.stats = Some(forge_apify::models::ActorStats {
        last_run_started_at: Some("2026-09-10T06:00:00.000Z".into()),
        ..Default::default()
    });
    let r = fx.report();
    // 100 − 30 − 5
    assert_eq!(r.health.score, 65);
    assert_eq!(r.placement.bucket, Bucket::Stale);
    assert_eq!(
        r.placement.reason,
        "no run in the last 30 days (last run 2026-09-10)"
    );
    assert_eq!(
        r.staleness.last_run_ms,
        parse_iso_millis("2026-09-10T06:00:00Z")
    );
}

// ------------------------------------------------------------------------------ cost spike

#[test]
fn cost_spike_recent_vs_earlier() {
    let mut fx = Fx::new("spike");
    for d in [25.0, 20.0, 15.0, 12.0, 9.0] {
        fx = fx.run(Succeeded, days_ago(d), Some(MIN), Some(0.04));
    }
    for d in [6.0, 4.0, 2.0, 1.0] {
        fx = fx.run(Succeeded, days_ago(d), Some(MIN), Some(0.12));
    }
    let r = fx.report();
    let t = &r.cost.trend;
    assert_eq!(t.recent_days, 7);
    assert_eq!((t.recent_runs, t.earlier_runs), (4, 5));
    assert!(close(t.recent_per_run_usd, 0.12));
    assert!(close(t.earlier_per_run_usd, 0.04));
    assert!(close(t.ratio, 3.0));
    assert!(t.spike);
    assert_eq!(r.health.score, 90);
    assert_eq!(
        r.health.drivers[0].text(),
        "−10 cost spike: $0.120/run in the last 7 days vs $0.040 before (×3.0)"
    );
    assert_eq!(r.placement.bucket, Bucket::SaveMoney);
    assert_eq!(
        r.placement.reason,
        "cost per run ×3.0 in the last 7 days: $0.120 vs $0.040 before"
    );
    // ×1.4 is not a spike; nor is ×3 on two recent runs.
    let mut calm = Fx::new("calm");
    for d in [25.0, 20.0, 15.0, 6.0, 4.0, 2.0] {
        let c = if d < 7.0 { 0.056 } else { 0.04 };
        calm = calm.run(Succeeded, days_ago(d), Some(MIN), Some(c));
    }
    assert!(!calm.report().cost.trend.spike);
    let mut thin = Fx::new("thin");
    for d in [25.0, 20.0, 15.0, 2.0, 1.0] {
        let c = if d < 7.0 { 0.12 } else { 0.04 };
        thin = thin.run(Succeeded, days_ago(d), Some(MIN), Some(c));
    }
    assert!(!thin.report().cost.trend.spike);
}

// ------------------------------------------------------------------------------ health

/// The worked example in `health::score`'s documentation.
#[test]
fn health_formula_documented_example() {
    let t = days_ago(3.0);
    let mut fx = Fx::new("example")
        .runs(138, Succeeded, t, None)
        .runs(38, Failed, t, None)
        .runs(4, TimedOut, t, None);
    for i in 0..20 {
        fx = fx
            .run(Succeeded, t, Some(MIN), None)
            .items(if i < 3 { 0 } else { 10 });
    }
    let r = fx.report();
    assert_eq!(r.runs.terminal(), 200);
    // reliability 2 × 19 = 38; timeouts 2 × 2 = 4; empty 40 × 3/20 = 6.
    assert_eq!(r.health.score, 52);
    let texts: Vec<String> = r.health.drivers.iter().map(|d| d.text()).collect();
    assert_eq!(
        texts,
        vec![
            "−38 reliability: 79% success, 19% failed (38 of 200 finished runs)",
            "−4 timeouts: 2% of finished runs timed out (4 of 200)",
            "−6 empty results: 15% of successful runs returned an empty dataset (3 of 20 sampled)",
        ]
    );
    // 21% failed or timed out → Fix now.
    assert_eq!(r.placement.bucket, Bucket::FixNow);
    assert_eq!(
        r.placement.reason,
        "21% of 200 finished runs failed or timed out (38 failed, 4 timed out)"
    );
}

#[test]
fn health_caps_and_clamp() {
    let t = days_ago(3.0);
    // 50% failed → 100 points, capped at 60; 50% timed out → 100, capped at 40 → 0.
    let r = Fx::new("down")
        .runs(5, Failed, t, None)
        .runs(5, TimedOut, t, None)
        .report();
    assert_eq!(
        r.health
            .drivers
            .iter()
            .map(|d| d.points)
            .collect::<Vec<_>>(),
        vec![-60, -40]
    );
    assert_eq!(r.health.score, 0);
    // Plus staleness: the sum passes 100 and the score stays at 0.
    let worse = Fx::aged("down", 200)
        .runs(5, Failed, t, None)
        .runs(5, TimedOut, t, None)
        .report();
    assert_eq!(worse.health.score, 0);
    assert_eq!(worse.health.drivers.len(), 3);
}

#[test]
fn health_rounds_each_driver_half_away_from_zero() {
    let t = days_ago(3.0);
    // 1 of 8 failed = 12.5% → 25 points exactly; 1 of 40 failed = 2.5% → 5.
    let r = Fx::new("r")
        .runs(7, Succeeded, t, None)
        .runs(1, Failed, t, None)
        .report();
    assert_eq!(r.health.score, 75);
    let r = Fx::new("r")
        .runs(39, Succeeded, t, None)
        .runs(1, Failed, t, None)
        .report();
    assert_eq!(r.health.score, 95);
    // 1 of 400 = 0.25% → 0.5 → 1 point; 1 of 401 → 0.499 → 0 points, no driver.
    let r = Fx::new("r")
        .runs(399, Succeeded, t, None)
        .runs(1, Failed, t, None)
        .report();
    assert_eq!(r.health.score, 99);
    let r = Fx::new("r")
        .runs(400, Succeeded, t, None)
        .runs(1, Failed, t, None)
        .report();
    assert_eq!(r.health.score, 100);
    assert!(r.health.drivers.is_empty());
    // Aborted runs cost nothing (but are finished runs).
    let r = Fx::new("r")
        .runs(5, Succeeded, t, None)
        .runs(5, Aborted, t, None)
        .report();
    assert_eq!(r.health.score, 100);
    assert_eq!(r.success_rate, Some(0.5));
}

// ------------------------------------------------------------------------------ plan

#[test]
fn bucket_rules_in_order() {
    let t = days_ago(3.0);
    // 5 finished runs needed before a rate places an Actor: 1 of 4 failed is only "health".
    let few = Fx::new("few")
        .runs(3, Succeeded, t, None)
        .runs(1, Failed, t, None)
        .report();
    // 2 × 25 = 50 → health 50: not < 50, but < 75 → Watch by health.
    assert_eq!(few.health.score, 50);
    assert_eq!(few.placement.bucket, Bucket::Watch);
    assert_eq!(few.placement.reason, "health 50 (below 75)");
    // 1 of 10 failed: Watch by failure rate.
    let watch = Fx::new("w")
        .runs(9, Succeeded, t, None)
        .runs(1, Failed, t, None)
        .report();
    assert_eq!(watch.placement.bucket, Bucket::Watch);
    assert_eq!(
        watch.placement.reason,
        "10% of 10 finished runs failed or timed out"
    );
    // 3 of 20 timed out = 15%: Fix now.
    let fix = Fx::new("f")
        .runs(17, Succeeded, t, None)
        .runs(3, TimedOut, t, None)
        .report();
    assert_eq!(fix.placement.bucket, Bucket::FixNow);
    assert_eq!(
        fix.placement.reason,
        "15% of 20 finished runs failed or timed out (all timeouts)"
    );
    // Failing *and* over-allocated: the failure wins.
    let both = Fx::new("both")
        .runs(6, Failed, t, None)
        .runs(4, Succeeded, t, None)
        .memory(100.0, 4096)
        .runs(1, Succeeded, t, None)
        .memory(100.0, 4096)
        .runs(1, Succeeded, t, None)
        .memory(100.0, 4096)
        .report();
    assert!(both.memory.suggestion.is_some());
    assert_eq!(both.placement.bucket, Bucket::FixNow);
    // Clean: Healthy.
    let ok = Fx::new("ok").runs(10, Succeeded, t, Some(0.01)).report();
    assert_eq!(ok.placement.bucket, Bucket::Healthy);
    assert_eq!(
        ok.placement.reason,
        "health 100: 100% success over 10 finished runs"
    );
}

// ------------------------------------------------------------------------------ fleet

#[test]
fn fleet_totals_weighted_health_and_plan() {
    let t = days_ago(2.0);
    let a = Fx::new("a")
        .runs(9, Succeeded, t, Some(0.1))
        .runs(1, Failed, t, Some(0.1)); // 10 runs, 10% failed → 80
    let b = Fx::new("b").runs(30, Succeeded, days_ago(1.0), Some(0.2)); // 30 runs → 100
    let c = Fx::new("c"); // no runs → 70, weight 0
    let inputs = vec![a.input, b.input, c.input];
    let report = analyze(&inputs, NOW, 30);
    let s = &report.summary;
    assert_eq!((s.actors, s.actors_with_runs), (3, 2));
    assert_eq!(s.runs.total(), 40);
    assert_eq!(s.success_rate, Some(39.0 / 40.0));
    assert_eq!(s.failure_rate, Some(1.0 / 40.0));
    assert!(close(s.cost_usd, 7.0));
    assert_eq!(s.runs_with_cost, 40);
    assert!(close(s.cost_per_run_usd, 7.0 / 40.0));
    // (80 × 10 + 100 × 30) / 40 = 95
    assert_eq!(s.health, Some(95));
    // reliability 20 × 10 / 40 = 5
    assert_eq!(report.drivers.len(), 1);
    assert_eq!(report.drivers[0].text(), "−5 reliability: a");
    assert_eq!(s.p50_duration_ms, Some(MIN as u64));
    assert_eq!(
        (s.buckets.watch, s.buckets.stale, s.buckets.healthy),
        (1, 1, 1)
    );
    // Daily: fleet sums per day.
    let w = report.window;
    assert_eq!(report.daily.len(), 30);
    assert_eq!(report.daily[w.day_index(t)].runs.total(), 10);
    assert!(close(report.daily[w.day_index(t)].cost_usd, 1.0));
    assert!(close(
        report.daily[w.day_index(days_ago(1.0))].cost_usd,
        6.0
    ));
    // Plan: every bucket listed, each Actor once.
    let names: Vec<(Bucket, Vec<&str>)> = report
        .plan
        .iter()
        .map(|p| {
            (
                p.bucket,
                p.entries.iter().map(|e| e.name.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            (Bucket::FixNow, vec![]),
            (Bucket::Watch, vec!["a"]),
            (Bucket::SaveMoney, vec![]),
            (Bucket::Stale, vec!["c"]),
            (Bucket::Healthy, vec!["b"]),
        ]
    );
    // Snapshot summaries.
    let sums = report.actor_summaries();
    assert_eq!(sums[0].health, 80);
    assert_eq!(sums[0].runs, 10);
    assert_eq!(sums[2].cost_usd, None);
    // Same answer from prepared Actors.
    let prepared: Vec<_> = inputs.iter().map(prepare).collect();
    assert_eq!(fleet_report(&prepared, Window::new(30, NOW)), report);
}

#[test]
fn empty_fleet() {
    let report = fleet_report_from_inputs(&[], Window::new(7, NOW));
    assert_eq!(report.summary.health, None);
    assert_eq!(report.summary.cost_usd, None);
    assert_eq!(report.summary.p95_duration_ms, None);
    assert_eq!(report.daily.len(), 7);
    assert_eq!(report.plan.len(), 5);
}

#[test]
fn fleet_day_cost_is_na_only_when_nobody_reported_one() {
    let t = days_ago(2.0);
    let with = Fx::new("with").runs(1, Succeeded, t, Some(0.5));
    let without = Fx::new("without").runs(1, Succeeded, t, None);
    let both = analyze(&[with.input, without.input.clone()], NOW, 30);
    let i = both.window.day_index(t);
    assert!(close(both.daily[i].cost_usd, 0.5));
    let only = analyze(&[without.input], NOW, 30);
    assert_eq!(only.daily[i].cost_usd, None);
    assert_eq!(only.summary.cost_usd, None);
}

#[test]
fn reports_round_trip_through_json_and_are_deterministic() {
    let fleet = crate::synthetic::synthetic_fleet(12, 150, 3);
    let a = analyze(&fleet.actors, fleet.now_ms, 30);
    let b = analyze(&fleet.actors, fleet.now_ms, 30);
    assert_eq!(a, b);
    let json = serde_json::to_string(&a).unwrap();
    let back: crate::FleetReport = serde_json::from_str(&json).unwrap();
    // serde_json parses floats to within one unit in the last place; everything else is exact.
    same_json(
        &serde_json::to_value(&back).unwrap(),
        &serde_json::to_value(&a).unwrap(),
        "$",
    );
    // Inputs round-trip too (the app may cache them).
    let json = serde_json::to_string(&fleet.actors[0]).unwrap();
    let back: ActorInput = serde_json::from_str(&json).unwrap();
    assert_eq!(back, fleet.actors[0]);
}

fn same_json(a: &serde_json::Value, b: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                "{path}: {x} vs {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                same_json(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{path}"
            );
            for (k, v) in x {
                same_json(v, &y[k], &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

#[test]
fn a_window_read_from_json_is_clamped() {
    let w: Window = serde_json::from_str(r#"{"days":4000000000,"endMs":1795996800000}"#).unwrap();
    let r = fleet_report_from_inputs(&[Fx::new("x").input], w);
    assert_eq!(r.window.days, 366);
    assert_eq!(r.actors[0].daily.len(), 366);
    let zero: Window = serde_json::from_str(r#"{"days":0,"endMs":1795996800000}"#).unwrap();
    assert_eq!(fleet_report_from_inputs(&[], zero).window.days, 1);
}
