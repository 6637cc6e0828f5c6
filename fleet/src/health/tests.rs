//! The published formula pinned with worked examples: each driver's points and text on the
//! fixtures whose figures `figures`' tests check, the caps, the clamp, the rounding, and the
//! run-weighted fleet score.

use super::*;
use crate::testkit::scenario;
use crate::testkit::{days_ago, Fx};
use forge_apify::models::JobStatus::*;

/// The drivers' texts, in order.
fn texts(h: &Health) -> Vec<String> {
    h.drivers.iter().map(Driver::text).collect()
}

/// The worked example in `score`'s documentation and the README.
#[test]
fn documented_example() {
    let fx = scenario::documented_example();
    let f = fx.figures();
    assert_eq!(f.runs.terminal(), 200);
    let h = score(&f);
    // reliability 2 × 19 = 38; timeouts 2 × 2 = 4; empty 40 × 3/20 = 6.
    assert_eq!(h.score, 52);
    assert_eq!(
        texts(&h),
        vec![
            "−38 reliability: 79% success, 19% failed (38 of 200 finished runs)",
            "−4 timeouts: 2% of finished runs timed out (4 of 200)",
            "−6 empty results: 15% of successful runs returned an empty dataset (3 of 20 sampled)",
        ]
    );
}

#[test]
fn each_driver_on_its_fixture() {
    // (case, fixture, score, driver texts)
    let cases: [(&str, Fx, u8, &[&str]); 8] = [
        (
            "no runs: 100 − 30",
            scenario::idle(),
            70,
            &["−30 no recent runs: no run in the last 30 days (no run known)"],
        ),
        ("all running: nothing finished, nothing lost", scenario::busy(), 100, &[]),
        (
            "memory over-allocation: 100 − 5",
            scenario::hog(),
            95,
            &["−5 memory over-allocation: peak 400 MB of 4096 MB allocated; 1024 MB would do"],
        ),
        (
            "empty results: 100 − round(2 × 100 × 1/6 = 33.3) − round(40 × 0.4 = 16)",
            scenario::empty(),
            51,
            &[
                "−33 reliability: 83% success, 17% failed (1 of 6 finished runs)",
                "−16 empty results: 40% of successful runs returned an empty dataset (2 of 5 sampled)",
            ],
        ),
        (
            "release regression: 100 − round(6.7) − round(20) − 10",
            scenario::regression(),
            63,
            &[
                "−7 reliability: 87% success, 3.3% failed (1 of 30 finished runs)",
                "−20 timeouts: 10% of finished runs timed out (3 of 30)",
                "−10 release regression: build 0.1.2 fails 30% of runs vs 5% on 0.1.1",
            ],
        ),
        (
            "old build: 100 − 5",
            scenario::old_build(),
            95,
            &["−5 old build: build 0.1.2 is 120 days old (over 90)"],
        ),
        (
            "no runs and an old build: 100 − 30 − 5",
            scenario::monitor(),
            65,
            &[
                "−30 no recent runs: no run in the last 30 days (last run 2026-09-10)",
                "−5 old build: build 0.1.2 is 130 days old (over 90)",
            ],
        ),
        (
            "cost spike: 100 − 10",
            scenario::spike(),
            90,
            &["−10 cost spike: $0.120/run in the last 7 days vs $0.040 in the 21 days before (×3.0)"],
        ),
    ];
    for (case, fx, want, want_texts) in cases {
        let h = fx.health();
        assert_eq!(h.score, want, "{case}");
        assert_eq!(texts(&h), want_texts, "{case}");
    }
}

#[test]
fn driver_kinds_and_points() {
    let h = scenario::idle().health();
    assert_eq!(h.drivers.len(), 1);
    assert_eq!(h.drivers[0].kind, DriverKind::NoRecentRuns);
    let kinds: Vec<_> = scenario::empty()
        .health()
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
    assert!(scenario::busy().health().drivers.is_empty());
}

#[test]
fn caps_and_clamp() {
    let t = days_ago(3.0);
    // 50% failed → 100 points, capped at 60; 50% timed out → 100, capped at 40 → 0.
    let h = Fx::new("down")
        .runs(5, Failed, t, None)
        .runs(5, TimedOut, t, None)
        .health();
    assert_eq!(
        h.drivers.iter().map(|d| d.points).collect::<Vec<_>>(),
        vec![-60, -40]
    );
    assert_eq!(h.score, 0);
    // Plus staleness: the sum passes 100 and the score stays at 0.
    let worse = Fx::aged("down", 200)
        .runs(5, Failed, t, None)
        .runs(5, TimedOut, t, None)
        .health();
    assert_eq!(worse.score, 0);
    assert_eq!(worse.drivers.len(), 3);
}

#[test]
fn rounds_each_driver_half_away_from_zero() {
    let t = days_ago(3.0);
    // (case, succeeded, failed, aborted, score)
    let cases = [
        ("1 of 8 failed = 12.5% → 25 points exactly", 7, 1, 0, 75),
        ("1 of 40 failed = 2.5% → 5 points", 39, 1, 0, 95),
        ("1 of 400 = 0.25% → 0.5 → 1 point", 399, 1, 0, 99),
        ("1 of 401 → 0.499 → 0 points", 400, 1, 0, 100),
        ("aborted runs cost nothing", 5, 0, 5, 100),
    ];
    for (case, succeeded, failed, aborted, want) in cases {
        let fx = Fx::new("r")
            .runs(succeeded, Succeeded, t, None)
            .runs(failed, Failed, t, None)
            .runs(aborted, Aborted, t, None);
        assert_eq!(fx.health().score, want, "{case}");
    }
    // No points, no driver.
    let r = Fx::new("r")
        .runs(400, Succeeded, t, None)
        .runs(1, Failed, t, None)
        .health();
    assert!(r.drivers.is_empty());
    // Aborted runs are finished runs all the same.
    let r = Fx::new("r")
        .runs(5, Succeeded, t, None)
        .runs(5, Aborted, t, None)
        .figures();
    assert_eq!(r.success_rate, Some(0.5));
}

#[test]
fn fleet_health_is_run_weighted() {
    let h = |score: u8, reliability: i32| Health {
        score,
        drivers: (reliability > 0)
            .then(|| Driver::new(DriverKind::Reliability, reliability, String::new()))
            .into_iter()
            .collect(),
    };
    let (a, b, c, d, e) = (h(80, 20), h(100, 0), h(70, 0), h(60, 40), h(90, 10));
    fn at<'a>(name: &'a str, runs: u32, health: &'a Health) -> Weighted<'a> {
        Weighted {
            name,
            runs,
            health,
            fix_now: false,
        }
    }
    // Nobody ran: no score.
    assert_eq!(fleet_health([at("c", 0, &c)]), (None, vec![]));
    assert_eq!(fleet_health(std::iter::empty()), (None, vec![]));
    // (80 × 10 + 100 × 30 + 70 × 0) / 40 = 95; reliability 20 × 10 / 40 = 5.
    let (score, drivers) = fleet_health([at("a", 10, &a), at("b", 30, &b), at("c", 0, &c)]);
    assert_eq!(score, Some(95));
    assert_eq!(
        drivers.iter().map(Driver::text).collect::<Vec<_>>(),
        ["−5 reliability: a"]
    );
    // The three Actors contributing most are named, most first, then how many more.
    let (_, drivers) = fleet_health([
        at("a", 10, &a),
        at("d", 10, &d),
        at("e", 10, &e),
        at("a2", 10, &a),
        at("b", 10, &b),
    ]);
    assert_eq!(drivers[0].detail, "d, a, a2 and 1 more");
}

#[test]
fn actors_in_fix_now_cap_the_fleet_score_below_the_watch_line() {
    let h = |score: u8| Health {
        score,
        drivers: Vec::new(),
    };
    let (healthy, broken, worse) = (h(100), h(40), h(30));
    let at = |name, runs, health, fix_now| Weighted {
        name,
        runs,
        health,
        fix_now,
    };
    // One busy healthy Actor and two quiet broken ones: the mean is
    // (100 × 98 + 40 × 1 + 30 × 1) / 100 = 98.7 → 99, capped at 74; the cut names the broken
    // Actors, lowest score first.
    let (score, drivers) = fleet_health([
        at("busy", 98, &healthy, false),
        at("broken", 1, &broken, true),
        at("worse", 1, &worse, true),
    ]);
    assert_eq!(score, Some(74));
    assert_eq!(
        drivers.iter().map(Driver::text).collect::<Vec<_>>(),
        ["−25 needs fixing: 2 Actors in Fix now: worse, broken"]
    );
    // A mean already below the cap is not raised or explained twice.
    let (score, drivers) = fleet_health([at("broken", 1, &broken, true)]);
    assert_eq!(score, Some(40));
    assert!(drivers.iter().all(|d| d.kind != DriverKind::NeedsFixing));
    // Nothing in Fix now: the plain mean, even when it is low.
    let (score, _) = fleet_health([at("busy", 1, &healthy, false), at("w", 1, &worse, false)]);
    assert_eq!(score, Some(65));
    // Exactly at the cap: nothing to explain.
    let (score, drivers) = fleet_health([at("c", 1, &h(74), true)]);
    assert_eq!((score, drivers.len()), (Some(74), 0));
}

/// Field drift: 38% null on the newest build against 1% before takes the 10 points, with the
/// sentence; the same runs with the statistics unread or without a schema take nothing.
#[test]
fn field_drift_takes_ten_points() {
    use crate::figures::actor_figures;
    use crate::testkit::NOW;
    use crate::window::Window;
    let p = scenario::field_drift();
    let f = actor_figures(&p, Window::new(30, NOW));
    let h = score(&f);
    assert_eq!(h.score, 90);
    assert_eq!(
        texts(&h),
        ["−10 field drift: price null in 38% of items since 0.1.2, was 1%"]
    );
    let mut unread = p.clone();
    unread.field_samples.clear();
    assert_eq!(
        score(&actor_figures(&unread, Window::new(30, NOW))).score,
        100
    );
    let mut no_schema = p;
    for s in &mut no_schema.field_samples {
        s.measured = crate::quality::Measured::NoSchema;
    }
    let f = actor_figures(&no_schema, Window::new(30, NOW));
    assert_eq!(f.fields, crate::quality::FieldQuality::NoSchema);
    assert_eq!(score(&f).score, 100);
}

/// Which runs' statistics are read: the newest successful runs with items, per side, unread.
#[test]
fn field_runs_to_read() {
    let p = scenario::field_drift();
    assert!(p.unread_field_runs(3).is_empty(), "all six read");
    let mut fresh = p.clone();
    fresh.field_samples.clear();
    let ids = |p: &crate::PreparedActor, n| -> Vec<String> {
        p.unread_field_runs(n)
            .iter()
            .map(|r| r.as_str().to_string())
            .collect()
    };
    // Newest build 0.1.2 (r4–r6), then before it (r1–r3); same start, so by index, newest first.
    assert_eq!(ids(&fresh, 2), ["r6", "r5", "r3", "r2"]);
    fresh.field_samples.push(p.field_samples[5].clone());
    assert_eq!(ids(&fresh, 2), ["r5", "r3", "r2"]);
}
