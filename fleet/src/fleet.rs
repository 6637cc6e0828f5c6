//! The whole fleet: every Actor's report, totals, the fleet health and the action plan.
//!
//! Fleet figures are computed from the Actor reports, never from a second pass over runs —
//! except the fleet's duration percentiles, which need every duration: each Actor's sorted
//! durations are appended to one buffer and the two percentiles are picked with
//! `select_nth_unstable` (linear time, no second sort).

use crate::figures::Scratch;
use crate::health::{fleet_health, Driver, Weighted};
use crate::input::{prepare, ActorInput, PreparedActor};
use crate::metrics::{percentile_index, DayPoint, StatusCounts};
use crate::plan::{action_plan, Bucket, PlanBucket, Planned};
use crate::report::{report_with, ActorReport, ActorSummary};
use crate::spend::{CostBreakdown, MonthProjection, ProjectionAcc, ProjectionPeriods};
use crate::window::Window;
use serde::{Deserialize, Serialize};

/// Actors per bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketCounts {
    pub fix_now: u32,
    pub watch: u32,
    pub save_money: u32,
    pub stale: u32,
    pub healthy: u32,
}

impl BucketCounts {
    pub fn get(&self, b: Bucket) -> u32 {
        match b {
            Bucket::FixNow => self.fix_now,
            Bucket::Watch => self.watch,
            Bucket::SaveMoney => self.save_money,
            Bucket::Stale => self.stale,
            Bucket::Healthy => self.healthy,
        }
    }

    fn add(&mut self, b: Bucket) {
        match b {
            Bucket::FixNow => self.fix_now += 1,
            Bucket::Watch => self.watch += 1,
            Bucket::SaveMoney => self.save_money += 1,
            Bucket::Stale => self.stale += 1,
            Bucket::Healthy => self.healthy += 1,
        }
    }
}

/// The fleet's headline figures — what the summary shows and a weekly snapshot keeps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetSummary {
    pub actors: u32,
    /// Actors with at least one run started in the window.
    pub actors_with_runs: u32,
    /// Runs started in the window, by status.
    pub runs: StatusCounts,
    pub success_rate: Option<f64>,
    pub failure_rate: Option<f64>,
    /// Nearest-rank percentiles over every finished run of the fleet.
    pub p50_duration_ms: Option<u64>,
    pub p95_duration_ms: Option<u64>,
    /// Σ `usageTotalUsd`; `None` when no run reported a cost.
    pub cost_usd: Option<f64>,
    pub runs_with_cost: u32,
    /// Mean cost of a finished run that reported one.
    pub cost_per_run_usd: Option<f64>,
    /// Run-weighted health, at most 74 while an Actor is in Fix now (see
    /// `health::fleet_health`); `None` when nothing ran.
    pub health: Option<u8>,
    pub buckets: BucketCounts,
    /// Where the fleet's money goes: each Actor's sampled split applied to its window cost,
    /// summed ([`CostBreakdown::fleet`]).
    #[serde(default)]
    pub cost_by_kind: CostBreakdown,
    /// Where the month is heading for the whole fleet.
    #[serde(default)]
    pub cost_month: MonthProjection,
}

/// Everything the dashboard shows, for one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetReport {
    pub window: Window,
    pub summary: FleetSummary,
    /// The fleet health's drivers (run-weighted), worst Actors named.
    pub drivers: Vec<Driver>,
    /// Runs by status and cost, per UTC day, summed over the fleet. A day's cost is `None` only
    /// when the fleet had runs that day and none reported a cost.
    pub daily: Vec<DayPoint>,
    /// Every bucket in display order, each with its Actors.
    pub plan: Vec<PlanBucket>,
    /// One report per Actor, in input order.
    pub actors: Vec<ActorReport>,
}

impl FleetReport {
    /// The per-Actor figures a weekly snapshot keeps.
    pub fn actor_summaries(&self) -> Vec<ActorSummary> {
        self.actors.iter().map(ActorReport::summary).collect()
    }

    /// The report of one Actor by id.
    pub fn actor(&self, id: &str) -> Option<&ActorReport> {
        self.actors.iter().find(|a| a.id == id)
    }

    /// The report of one Actor by name.
    pub fn actor_named(&self, name: &str) -> Option<&ActorReport> {
        self.actors.iter().find(|a| a.name == name)
    }
}

/// Accumulates Actor reports into a fleet report.
struct FleetAcc {
    window: Window,
    scratch: Scratch,
    durations: Vec<u64>,
    daily: Vec<DayPoint>,
    day_cost_known: Vec<bool>,
    actors: Vec<ActorReport>,
}

impl FleetAcc {
    fn new(window: Window, actors: usize) -> FleetAcc {
        let window = Window::new(window.days, window.end_ms);
        let days = window.day_count();
        let first = window.first_day() * forge_apify::time::MS_PER_DAY;
        FleetAcc {
            window,
            scratch: Scratch::default(),
            durations: Vec::new(),
            daily: (0..days)
                .map(|i| DayPoint {
                    day_ms: first + i as i64 * forge_apify::time::MS_PER_DAY,
                    runs: StatusCounts::default(),
                    cost_usd: Some(0.0),
                })
                .collect(),
            day_cost_known: vec![false; days],
            actors: Vec::with_capacity(actors),
        }
    }

    fn push(&mut self, actor: &PreparedActor) {
        let report = report_with(actor, self.window, &mut self.scratch);
        self.durations.extend_from_slice(&self.scratch.durations);
        for ((fleet, known), day) in self
            .daily
            .iter_mut()
            .zip(self.day_cost_known.iter_mut())
            .zip(&report.daily)
        {
            fleet.runs.merge(&day.runs);
            if day.runs.total() > 0 {
                if let Some(c) = day.cost_usd {
                    *known = true;
                    if let Some(f) = fleet.cost_usd.as_mut() {
                        *f += c;
                    }
                }
            }
        }
        self.actors.push(report);
    }

    fn finish(mut self) -> FleetReport {
        for (day, known) in self.daily.iter_mut().zip(&self.day_cost_known) {
            if !known && day.runs.total() > 0 {
                day.cost_usd = None;
            }
        }
        let mut runs = StatusCounts::default();
        let mut buckets = BucketCounts::default();
        let (mut cost, mut cost_runs, mut fin_cost, mut fin_runs) = (0.0, 0u32, 0.0, 0u32);
        let mut with_runs = 0u32;
        let mut month = ProjectionAcc::new(ProjectionPeriods::ending(self.window.end_ms));
        for a in &self.actors {
            month.merge(&a.cost.month);
            runs.merge(&a.runs);
            buckets.add(a.placement.bucket);
            if a.runs.total() > 0 {
                with_runs += 1;
            }
            if let Some(c) = a.cost.total_usd {
                cost += c;
                cost_runs += a.cost.runs_with_cost;
            }
            if let Some(p) = a.cost.per_run_usd {
                fin_cost += p * f64::from(a.cost.finished_runs_with_cost);
                fin_runs += a.cost.finished_runs_with_cost;
            }
        }
        let (p50, p95) = fleet_percentiles(&mut self.durations);
        let (health, drivers) = fleet_health(self.actors.iter().map(|a| Weighted {
            name: &a.name,
            runs: a.runs.total(),
            health: &a.health,
            fix_now: a.placement.bucket == Bucket::FixNow,
        }));
        let summary = FleetSummary {
            actors: self.actors.len() as u32,
            actors_with_runs: with_runs,
            runs,
            success_rate: runs.success_rate(),
            failure_rate: runs.failure_rate(),
            p50_duration_ms: p50,
            p95_duration_ms: p95,
            cost_usd: (cost_runs > 0).then_some(cost),
            runs_with_cost: cost_runs,
            cost_per_run_usd: (fin_runs > 0).then(|| fin_cost / f64::from(fin_runs)),
            health,
            buckets,
            cost_by_kind: CostBreakdown::fleet(
                self.actors
                    .iter()
                    .map(|a| (&a.cost.by_kind, a.cost.total_usd)),
            ),
            cost_month: month.finish(),
        };
        FleetReport {
            window: self.window,
            summary,
            drivers,
            daily: self.daily,
            plan: action_plan(self.actors.iter().map(|a| Planned {
                id: &a.id,
                name: &a.name,
                runs: a.runs.total(),
                health: a.health.score,
                placement: &a.placement,
            })),
            actors: self.actors,
        }
    }
}

/// p50 and p95 (nearest rank) of unsorted values, in linear time.
fn fleet_percentiles(v: &mut [u64]) -> (Option<u64>, Option<u64>) {
    if v.is_empty() {
        return (None, None);
    }
    let i95 = percentile_index(v.len(), 95);
    let i50 = percentile_index(v.len(), 50);
    let (left, p95, _) = v.select_nth_unstable(i95);
    let p95 = *p95;
    let p50 = if i50 == i95 {
        p95
    } else {
        *left.select_nth_unstable(i50).1
    };
    (Some(p50), Some(p95))
}

/// Room for the reports of the Actors an iterator says it holds (a hint only: capped, so that a
/// loose upper bound cannot reserve much).
fn capacity<I: Iterator>(it: &I) -> usize {
    const MOST: usize = 4096;
    let (low, high) = it.size_hint();
    high.unwrap_or(low).min(MOST)
}

/// The fleet report over `window` from prepared Actors, in the order given (recompute for
/// another window without parsing again).
///
/// Takes references, so a caller that keeps its prepared Actors in any collection lends them
/// without copying a run: `fleet_report(&prepared, w)` for a `Vec<PreparedActor>` or a slice,
/// `fleet_report(slots.iter().flatten(), w)` for a `Vec<Option<PreparedActor>>`.
pub fn fleet_report<'a>(
    actors: impl IntoIterator<Item = &'a PreparedActor>,
    window: Window,
) -> FleetReport {
    let actors = actors.into_iter();
    let mut acc = FleetAcc::new(window, capacity(&actors));
    for a in actors {
        acc.push(a);
    }
    acc.finish()
}

/// The fleet report straight from the loader's models: each Actor is prepared, reported and
/// its prepared form dropped before the next, so peak memory stays at one Actor's worth.
pub fn fleet_report_from_inputs<'a>(
    inputs: impl IntoIterator<Item = &'a ActorInput>,
    window: Window,
) -> FleetReport {
    let inputs = inputs.into_iter();
    let mut acc = FleetAcc::new(window, capacity(&inputs));
    for input in inputs {
        acc.push(&prepare(input));
    }
    acc.finish()
}

/// [`fleet_report_from_inputs`] over the `days` ending at `now_ms`.
pub fn analyze<'a>(
    inputs: impl IntoIterator<Item = &'a ActorInput>,
    now_ms: i64,
    days: u32,
) -> FleetReport {
    fleet_report_from_inputs(inputs, Window::new(days, now_ms))
}

#[cfg(test)]
mod tests;
