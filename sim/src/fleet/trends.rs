//! The `forge-trends` store's six weekly snapshots, computed from the generated runs the way
//! Forge computes them: runs, success rate, p95 duration, cost and health per Actor and fleet.

use crate::entities::{Actor, Record, Run, Status};
use crate::time::{iso, iso_week, week_start, DAY, MIN};
use crate::usage::run_cost_usd;
use serde_json::{json, Map};
use std::collections::BTreeMap;

fn p95_secs(mut durations: Vec<u64>) -> f64 {
    if durations.is_empty() {
        return 0.0;
    }
    durations.sort_unstable();
    let rank = ((durations.len() as f64) * 0.95).ceil() as usize;
    let v = durations[rank.clamp(1, durations.len()) - 1];
    (v as f64 / 100.0).round() / 10.0
}

fn round_to(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The six weekly snapshots in `forge-trends`: one per ISO week before the current one.
/// `fleet` pairs each Actor with its runs, oldest first.
pub fn trend_snapshots(fleet: &[(&Actor, &[Run])], now: u64) -> Vec<(String, Record, u64)> {
    let by_actor: BTreeMap<&str, (&Actor, &[Run])> = fleet
        .iter()
        .filter(|(a, _)| a.own)
        .map(|(a, runs)| (a.id.as_str(), (*a, *runs)))
        .collect();
    // Each Actor's usual cost per run, for the health score's cost penalty.
    let baseline: BTreeMap<&str, f64> = by_actor
        .iter()
        .filter(|(_, (_, runs))| !runs.is_empty())
        .map(|(id, (_, runs))| {
            let mut v: Vec<f64> = runs.iter().map(run_cost_usd).collect();
            v.sort_by(f64::total_cmp);
            (*id, v[v.len() / 2])
        })
        .collect();
    let this_week = week_start(now);
    let mut out = Vec::new();
    for k in (1..=6u64).rev() {
        let from = this_week - k * 7 * DAY;
        let to = from + 7 * DAY;
        let (year, week) = iso_week(from);
        let week_label = format!("{year}-W{week:02}");
        let mut actors = Map::new();
        let (mut f_runs, mut f_ok, mut f_cost, mut f_health_w) = (0u64, 0u64, 0.0f64, 0.0f64);
        let mut f_durations = Vec::new();
        for (id, (actor, runs)) in &by_actor {
            // Oldest first: the week is one slice.
            let lo = runs.partition_point(|r| r.started_at < from);
            let hi = runs.partition_point(|r| r.started_at < to);
            let runs = &runs[lo..hi];
            if runs.is_empty() {
                continue;
            }
            let ok = runs
                .iter()
                .filter(|r| r.outcome.status == Status::Succeeded)
                .count() as u64;
            let n = runs.len() as u64;
            let cost: f64 = runs.iter().map(run_cost_usd).sum();
            let durations: Vec<u64> = runs.iter().map(|r| r.outcome.duration_ms).collect();
            f_durations.extend(durations.iter().copied());
            let rate = ok as f64 / n as f64;
            let per_run = cost / n as f64;
            let base = baseline.get(id).copied().unwrap_or(per_run).max(1e-9);
            let penalty = (10.0 * (per_run / base - 1.0).max(0.0)).min(20.0);
            let health = (100.0 * rate.powf(1.5) - penalty).round().clamp(0.0, 100.0);
            actors.insert(
                id.to_string(),
                json!({
                    "name": actor.name,
                    "runs": n,
                    "successRate": round_to(rate, 4),
                    "p95DurationSecs": p95_secs(durations),
                    "costUsd": round_to(cost, 4),
                    "health": health as u64,
                }),
            );
            f_runs += n;
            f_ok += ok;
            f_cost += cost;
            f_health_w += health * n as f64;
        }
        let generated_at = (to + 5 * MIN).min(now);
        let snapshot = json!({
            "version": 1,
            "week": week_label,
            "generatedAt": iso(generated_at),
            "fleet": {
                "runs": f_runs,
                "successRate": if f_runs > 0 { round_to(f_ok as f64 / f_runs as f64, 4) } else { 0.0 },
                "p95DurationSecs": p95_secs(f_durations),
                "costUsd": round_to(f_cost, 4),
                "health": if f_runs > 0 { (f_health_w / f_runs as f64).round() as u64 } else { 0 },
            },
            "actors": actors,
        });
        out.push((
            format!("snapshot-{week_label}"),
            Record {
                content_type: "application/json; charset=utf-8".into(),
                value: serde_json::to_vec_pretty(&snapshot)
                    .unwrap_or_default()
                    .into(),
            },
            generated_at,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_nearest_rank() {
        assert_eq!(p95_secs((1..=100).map(|s| s * 1000).collect()), 95.0);
        assert_eq!(p95_secs(vec![]), 0.0);
    }
}
