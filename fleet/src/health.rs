//! The health score: one number per Actor, with a published formula and the drivers behind it.
//!
//! A score nobody can recompute is a score nobody trusts, so the formula is deliberately simple
//! — a start of 100 and a short list of named deductions, each tied to a figure the dashboard
//! already shows — and every score carries its deductions as [`Driver`]s ("−38 reliability:
//! 81% success, 19% failed"). The weights are chosen so that the bands read naturally: an Actor
//! that fails 5 % of its runs and has no other issue scores 90; one that fails 20 % scores 60.
//!
//! The score is computed from an Actor's [figures](crate::figures) alone; the weights and
//! thresholds are in [`crate::rules`], and this module's tests pin the formula with
//! hand-computed examples. Change a weight there and those tests say so.

use crate::figures::ActorFigures;
use crate::metrics::ratio;
use crate::rules::{FIELD_DRIFT_POINTS, FLEET_FIX_NOW_CAP, HEALTH_START};
use serde::{Deserialize, Serialize};

// Where the thresholds lived before `rules`; the paths (`health::MIN_OUTPUT_SAMPLES`) keep
// working, but read them from `rules`.
#[doc(no_inline)]
pub use crate::format::{pct, usd};
#[doc(no_inline)]
pub use crate::rules::{
    COST_SPIKE_POINTS, COST_SPIKE_RATIO, EMPTY_RESULTS_POINTS, MAX_MEMORY_MB, MEMORY_HEADROOM,
    MEMORY_NEAR_LIMIT_SHARE, MEMORY_POINTS, MIN_COST_SPIKE_RUNS, MIN_MEMORY_MB, MIN_MEMORY_SAMPLES,
    MIN_OUTPUT_SAMPLES, NO_RUNS_POINTS, OLD_BUILD_POINTS, REGRESSION_MIN_DELTA,
    REGRESSION_MIN_RATIO, REGRESSION_MIN_RUNS, REGRESSION_POINTS, RELIABILITY_MAX,
    RELIABILITY_POINTS_PER_PCT, STALE_BUILD_DAYS, TIMEOUT_MAX, TIMEOUT_POINTS_PER_PCT,
};

/// Actors named in the detail of a fleet driver.
const FLEET_DRIVER_NAMES: usize = 3;

/// What a deduction is about (stable, for code; `Driver::label` is for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriverKind {
    Reliability,
    Timeouts,
    ReleaseRegression,
    EmptyResults,
    NoRecentRuns,
    OldBuild,
    MemoryOverAllocation,
    CostSpike,
    FieldDrift,
    /// Fleet only: the fleet score is capped while Actors are in *Fix now*
    /// ([`FLEET_FIX_NOW_CAP`]); no Actor has this driver.
    NeedsFixing,
}

impl DriverKind {
    /// Every kind an Actor's score can have, in the order drivers are listed (a fleet lists
    /// [`DriverKind::NeedsFixing`] before them).
    pub const ALL: [DriverKind; 9] = [
        DriverKind::Reliability,
        DriverKind::Timeouts,
        DriverKind::ReleaseRegression,
        DriverKind::EmptyResults,
        DriverKind::NoRecentRuns,
        DriverKind::OldBuild,
        DriverKind::MemoryOverAllocation,
        DriverKind::CostSpike,
        DriverKind::FieldDrift,
    ];

    /// The label shown before the detail.
    pub fn label(self) -> &'static str {
        match self {
            DriverKind::Reliability => "reliability",
            DriverKind::Timeouts => "timeouts",
            DriverKind::ReleaseRegression => "release regression",
            DriverKind::EmptyResults => "empty results",
            DriverKind::NoRecentRuns => "no recent runs",
            DriverKind::OldBuild => "old build",
            DriverKind::MemoryOverAllocation => "memory over-allocation",
            DriverKind::CostSpike => "cost spike",
            DriverKind::FieldDrift => "field drift",
            DriverKind::NeedsFixing => "needs fixing",
        }
    }
}

/// One deduction: `points` (≤ 0) is what it adds to 100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    pub kind: DriverKind,
    pub label: String,
    /// Negative: the points this driver takes off.
    pub points: i32,
    pub detail: String,
}

impl Driver {
    fn new(kind: DriverKind, deduction: i32, detail: String) -> Driver {
        Driver {
            kind,
            label: kind.label().to_string(),
            points: -deduction,
            detail,
        }
    }

    /// `−38 reliability: 81% success, 19% failed (38 of 200 finished runs)`.
    pub fn text(&self) -> String {
        format!("−{} {}: {}", -self.points, self.label, self.detail)
    }
}

/// A score and its drivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// 0..=100.
    pub score: u8,
    /// Deductions, in [`DriverKind::ALL`] order; empty means a perfect 100.
    pub drivers: Vec<Driver>,
}

impl Default for Health {
    fn default() -> Health {
        Health {
            score: HEALTH_START,
            drivers: Vec::new(),
        }
    }
}

/// The health score of one Actor.
///
/// **Formula.** Start at 100 and subtract these deductions, each rounded to a whole number on its
/// own (half away from zero); clamp the result to 0..=100. "Finished" runs are SUCCEEDED +
/// FAILED + TIMED-OUT + ABORTED started in the window.
///
/// | driver | deduction | when |
/// |---|---|---|
/// | reliability | 2 points per % of finished runs that FAILED, at most 60 | ≥ 1 finished run |
/// | timeouts | 2 points per % of finished runs that TIMED-OUT, at most 40 | ≥ 1 finished run |
/// | release regression | 10 | the newest build's failure rate is ≥ 15 points higher **and** ≥ 2× the previous build's, with ≥ 10 finished runs on each |
/// | empty results | 40 × the share of successful runs whose dataset was empty | ≥ 3 successful runs with a known item count |
/// | no recent runs | 30 | no run started in the window |
/// | old build | 5 | the latest build finished more than 90 days before the window end |
/// | memory over-allocation | 5 | ≥ 3 sampled runs all peak so low that half the memory or less would do with 1.5× headroom (the memory suggestion) |
/// | cost spike | 10 | cost per run in the last 7 days is ≥ 1.5× that of the 21 days before, ≥ 3 costed runs on each side |
/// | field drift | 10 | an output field's null (or missing) share rose by ≥ 10 points **and** to ≥ 2× with the newest build, ≥ 100 items measured on each side ([`crate::quality`]) |
///
/// ABORTED runs (someone stopped them) and runs still in progress cost no points. Example: 200
/// finished runs of which 38 FAILED and 4 TIMED-OUT, 20 sampled successful runs of which 3
/// empty: 100 − 38 − 4 − 6 = **52**.
///
/// **Fleet.** The fleet score is the mean of the Actor scores weighted by runs started in the
/// window (Actors without runs weigh nothing), rounded, and at most 74 while any Actor is in
/// *Fix now*; see [`fleet_health`].
pub fn score(r: &ActorFigures) -> Health {
    let mut drivers = Vec::new();
    let c = &r.runs;
    let finished = c.terminal();
    if finished > 0 {
        let failed = share_points(
            c.failed,
            finished,
            RELIABILITY_POINTS_PER_PCT,
            RELIABILITY_MAX,
        );
        if failed > 0 {
            drivers.push(Driver::new(
                DriverKind::Reliability,
                failed,
                format!(
                    "{} success, {} failed ({} of {finished} finished runs)",
                    pct(c.success_rate().unwrap_or(0.0)),
                    pct(f64::from(c.failed) / f64::from(finished)),
                    c.failed
                ),
            ));
        }
        let timed_out = share_points(c.timed_out, finished, TIMEOUT_POINTS_PER_PCT, TIMEOUT_MAX);
        if timed_out > 0 {
            drivers.push(Driver::new(
                DriverKind::Timeouts,
                timed_out,
                format!(
                    "{} of finished runs timed out ({} of {finished})",
                    pct(f64::from(c.timed_out) / f64::from(finished)),
                    c.timed_out
                ),
            ));
        }
    }
    if let Some(check) = r.builds.release.as_ref().filter(|c| c.regression) {
        drivers.push(Driver::new(
            DriverKind::ReleaseRegression,
            REGRESSION_POINTS,
            format!(
                "build {} fails {} of runs vs {} on {}",
                check.newest.number.as_deref().unwrap_or("?"),
                pct(check.newest.failure_rate.unwrap_or(0.0)),
                pct(check.previous.failure_rate.unwrap_or(0.0)),
                check.previous.number.as_deref().unwrap_or("?"),
            ),
        ));
    }
    let out = &r.output;
    if out.sampled_succeeded >= MIN_OUTPUT_SAMPLES {
        let share = f64::from(out.empty_succeeded) / f64::from(out.sampled_succeeded);
        let points = (EMPTY_RESULTS_POINTS * share).round() as i32;
        if points > 0 {
            drivers.push(Driver::new(
                DriverKind::EmptyResults,
                points,
                format!(
                    "{} of successful runs returned an empty dataset ({} of {} sampled)",
                    pct(share),
                    out.empty_succeeded,
                    out.sampled_succeeded
                ),
            ));
        }
    }
    let st = &r.staleness;
    if st.no_runs_in_window {
        let last = st.last_run_ms.map_or_else(
            || "no run known".to_string(),
            |t| format!("last run {}", forge_apify::time::format_date(t)),
        );
        drivers.push(Driver::new(
            DriverKind::NoRecentRuns,
            NO_RUNS_POINTS,
            format!("no run in the last {} days ({last})", r.window_days),
        ));
    }
    if st.old_build {
        let name = r
            .builds
            .in_use
            .as_ref()
            .and_then(|b| b.number.clone())
            .map_or_else(|| "the latest build".to_string(), |n| format!("build {n}"));
        drivers.push(Driver::new(
            DriverKind::OldBuild,
            OLD_BUILD_POINTS,
            format!(
                "{name} is {} days old (over {STALE_BUILD_DAYS})",
                st.build_age_days.unwrap_or(0)
            ),
        ));
    }
    if let Some(s) = &r.memory.suggestion {
        drivers.push(Driver::new(
            DriverKind::MemoryOverAllocation,
            MEMORY_POINTS,
            format!(
                "peak {:.0} MB of {} MB allocated; {} MB would do",
                r.memory.peak_max_mb.unwrap_or(0.0),
                s.from_mb,
                s.to_mb
            ),
        ));
    }
    let trend = &r.cost.trend;
    if trend.spike {
        drivers.push(Driver::new(
            DriverKind::CostSpike,
            COST_SPIKE_POINTS,
            format!(
                "{}/run in the last {} days vs {} in the {} days before (×{:.1})",
                usd(trend.recent_per_run_usd.unwrap_or(0.0)),
                trend.recent_days,
                usd(trend.earlier_per_run_usd.unwrap_or(0.0)),
                trend.baseline_days,
                trend.ratio.unwrap_or(0.0)
            ),
        ));
    }
    let drifts = r.fields.drift_texts();
    if let Some(first) = drifts.first() {
        let more = match drifts.len() - 1 {
            0 => String::new(),
            1 => " (and 1 more field)".to_string(),
            n => format!(" (and {n} more fields)"),
        };
        drivers.push(Driver::new(
            DriverKind::FieldDrift,
            FIELD_DRIFT_POINTS,
            format!("{first}{more}"),
        ));
    }
    let total: i32 = drivers.iter().map(|d| -d.points).sum();
    let start = i32::from(HEALTH_START);
    Health {
        score: (start - total).clamp(0, start) as u8,
        drivers,
    }
}

/// `round(points_per_pct × 100 × num / den)`, at most `max`.
fn share_points(num: u32, den: u32, points_per_pct: f64, max: i32) -> i32 {
    let share = ratio(num, den).unwrap_or(0.0);
    ((points_per_pct * 100.0 * share).round() as i32).min(max)
}

/// One Actor's part in the fleet health: its name, its weight (runs started in the window), its
/// score, and whether the action plan puts it in *Fix now*.
#[derive(Debug, Clone, Copy)]
pub struct Weighted<'a> {
    pub name: &'a str,
    pub runs: u32,
    pub health: &'a Health,
    pub fix_now: bool,
}

/// The fleet's health: run-weighted mean of the Actor scores, capped while Actors need fixing,
/// and the drivers behind it.
///
/// `mean = round(Σ scoreᵢ × runsᵢ / Σ runsᵢ)` over Actors with runs in the window; `None` when
/// no Actor ran. While any Actor is in *Fix now* the score is `min(mean, 74)`
/// ([`FLEET_FIX_NOW_CAP`]), and the cut is the first driver ("−21 needs fixing: 3 Actors in
/// Fix now: timeout-prone, flaky-scraper, regressed-crawler"), lowest scores named first. Each
/// other fleet driver is the run-weighted mean of that kind of deduction, rounded (omitted when
/// it rounds to 0), with the Actors contributing most named in its detail. The drivers explain
/// the mean; because each is rounded on its own (and Actor scores are clamped at 0) they may
/// differ from `100 − mean` by a point or two.
///
/// `actors` is walked once per driver kind, so it must be cheap to clone (a mapped slice
/// iterator is).
pub fn fleet_health<'a, I>(actors: I) -> (Option<u8>, Vec<Driver>)
where
    I: IntoIterator<Item = Weighted<'a>>,
    I::IntoIter: Clone,
{
    let actors = actors.into_iter();
    let weight = |r: &Weighted| f64::from(r.runs);
    let total: f64 = actors.clone().map(|r| weight(&r)).sum();
    if total <= 0.0 {
        return (None, Vec::new());
    }
    let weighted: f64 = actors
        .clone()
        .map(|r| f64::from(r.health.score) * weight(&r))
        .sum();
    let mean = (weighted / total)
        .round()
        .clamp(0.0, f64::from(HEALTH_START)) as u8;
    let mut drivers = Vec::new();
    let mut broken: Vec<(u8, &str)> = actors
        .clone()
        .filter(|r| r.fix_now)
        .map(|r| (r.health.score, r.name))
        .collect();
    let score = if broken.is_empty() {
        mean
    } else {
        let score = mean.min(FLEET_FIX_NOW_CAP);
        if score < mean {
            forge_apify::sort::sort_by(&mut broken, |a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
            let count = broken.len();
            let noun = if count == 1 { "Actor" } else { "Actors" };
            let names: Vec<&str> = broken.iter().map(|b| b.1).collect();
            drivers.push(Driver::new(
                DriverKind::NeedsFixing,
                i32::from(mean - score),
                format!("{count} {noun} in Fix now: {}", named(&names)),
            ));
        }
        score
    };
    for kind in DriverKind::ALL {
        let mut sum = 0.0;
        let mut top: Vec<(f64, &str)> = Vec::new();
        for r in actors.clone() {
            if let Some(d) = r.health.drivers.iter().find(|d| d.kind == kind) {
                let contribution = f64::from(-d.points) * weight(&r);
                if contribution > 0.0 {
                    sum += contribution;
                    top.push((contribution, r.name));
                }
            }
        }
        let points = (sum / total).round() as i32;
        if points <= 0 {
            continue;
        }
        forge_apify::sort::sort_by(&mut top, |a, b| {
            b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1))
        });
        let names: Vec<&str> = top.iter().map(|t| t.1).collect();
        drivers.push(Driver::new(kind, points, named(&names)));
    }
    (Some(score), drivers)
}

/// The first [`FLEET_DRIVER_NAMES`] names, then how many more: `d, a, a2 and 1 more`.
fn named(names: &[&str]) -> String {
    let mut detail = names[..names.len().min(FLEET_DRIVER_NAMES)].join(", ");
    let more = names.len().saturating_sub(FLEET_DRIVER_NAMES);
    if more > 0 {
        detail.push_str(&format!(" and {more} more"));
    }
    detail
}

#[cfg(test)]
mod tests;
