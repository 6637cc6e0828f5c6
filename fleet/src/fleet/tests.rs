//! The fleet report over hand-made Actors: totals, the run-weighted health and drivers, the
//! daily series, the plan, JSON round trips and determinism; and the linear-time percentiles.

use super::*;
use crate::testkit::{close, days_ago, Fx, MIN, NOW};
use forge_apify::models::JobStatus::*;
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
fn the_fleets_money_is_each_actors_split_of_its_cost_and_one_projection() {
    use crate::spend::CostKind;
    let t = days_ago(2.0);
    // Proxy: $8 in the window, sampled 75 % residential proxy. Plain: $2, all compute.
    // Unsampled: $1, no run detail read.
    let proxy = Fx::new("proxy")
        .run(Succeeded, t, Some(MIN), Some(4.0))
        .usage_usd(&[
            ("ACTOR_COMPUTE_UNITS", 1.0),
            ("PROXY_RESIDENTIAL_TRANSFER_GBYTES", 3.0),
        ])
        .run(Succeeded, t, Some(MIN), Some(4.0));
    let plain = Fx::new("plain")
        .run(Succeeded, t, Some(MIN), Some(2.0))
        .usage_usd(&[("ACTOR_COMPUTE_UNITS", 2.0)]);
    let unsampled = Fx::new("unsampled").run(Succeeded, t, Some(MIN), Some(1.0));
    let r = analyze(&[proxy.input, plain.input, unsampled.input], NOW, 30);
    let k = &r.summary.cost_by_kind;
    assert_eq!(k.sampled_runs, 2);
    assert!((k.unsampled_usd - 1.0).abs() < 1e-12);
    // Proxy 6 of 10 (the proxy Actor's 75 % of $8), compute 2 + 2 = 4.
    assert_eq!(
        k.biggest().map(|b| b.kind),
        Some(CostKind::ResidentialProxy)
    );
    assert!((k.kinds[0].usd - 6.0).abs() < 1e-9 && (k.kinds[0].share - 0.6).abs() < 1e-12);
    assert!((k.kinds[1].usd - 4.0).abs() < 1e-9);
    // Month: $11 so far, all in the last 7 days, 1 day left.
    let m = &r.summary.cost_month;
    assert!((m.to_date_usd - 11.0).abs() < 1e-12);
    assert!(close(m.projected_usd, 11.0 + 11.0 / 7.0));
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

#[test]
fn linear_percentiles_match_sorted_ones() {
    let mut x: u64 = 88_172_645_463_325_252;
    for n in [1usize, 2, 3, 19, 20, 21, 100, 1001] {
        let mut v: Vec<u64> = (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % 1000
            })
            .collect();
        let mut sorted = v.clone();
        sorted.sort_unstable();
        let want = (
            crate::metrics::percentile(&sorted, 50),
            crate::metrics::percentile(&sorted, 95),
        );
        assert_eq!(fleet_percentiles(&mut v), want, "n={n}");
    }
    assert_eq!(fleet_percentiles(&mut []), (None, None));
}

#[test]
fn reports_from_borrowed_actors_in_any_collection() {
    let fleet = crate::synthetic::synthetic_fleet(6, 80, 11);
    let window = Window::new(30, fleet.now_ms);
    let prepared = crate::input::prepare_all(&fleet.actors);
    let from_vec = fleet_report(&prepared, window);
    // A slice, an iterator of references, and the app's slots with holes all lend the same
    // Actors without copying them.
    assert_eq!(fleet_report(prepared.as_slice(), window), from_vec);
    assert_eq!(fleet_report(prepared.iter(), window), from_vec);
    let mut slots: Vec<Option<PreparedActor>> = prepared.iter().cloned().map(Some).collect();
    slots.insert(2, None);
    slots.push(None);
    assert_eq!(fleet_report(slots.iter().flatten(), window), from_vec);
    // The input-side functions borrow the same way.
    assert_eq!(fleet_report_from_inputs(&fleet.actors, window), from_vec);
    assert_eq!(
        fleet_report_from_inputs(fleet.actors.iter().rev().rev(), window),
        from_vec
    );
    assert_eq!(analyze(fleet.actors.as_slice(), fleet.now_ms, 30), from_vec);
    // Order is kept: the reports come in the order the Actors were given.
    let reversed = fleet_report(prepared.iter().rev(), window);
    let ids: Vec<&str> = reversed.actors.iter().map(|a| a.id.as_str()).collect();
    let mut want: Vec<&str> = from_vec.actors.iter().map(|a| a.id.as_str()).collect();
    want.reverse();
    assert_eq!(ids, want);
    // The same totals (sums of floats in another order may differ in the last place).
    let (r, f) = (&reversed.summary, &from_vec.summary);
    assert_eq!((r.runs, r.health, r.buckets), (f.runs, f.health, f.buckets));
    assert_eq!(
        (r.p50_duration_ms, r.p95_duration_ms),
        (f.p50_duration_ms, f.p95_duration_ms)
    );
}

#[test]
fn a_loose_size_hint_reserves_little() {
    assert_eq!(capacity(&[0u8; 3].iter()), 3);
    assert_eq!(capacity(&(0..usize::MAX)), 4096);
    assert_eq!(capacity(&[1, 2, 3].iter().filter(|x| **x > 1)), 3);
}
