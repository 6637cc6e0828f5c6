//! Every published threshold and constant of the health formula and the action plan — the
//! single place they are written down.
//!
//! The engine ([`crate::figures`], [`crate::health`], [`crate::plan`]) reads them from here, and
//! so should every view that colours, filters or explains a figure by the same rule: a view that
//! re-types `0.2` or `75` drifts the day a weight changes here. The README's "Fleet analytics:
//! what the numbers mean" cites them by value, and the tests of each module pin them with
//! hand-computed examples, so a change here is a change to the published formula.
//!
//! This module depends on nothing else in the crate.
//!
//! Shares are fractions (`0.15` = 15 %); a threshold written "≥" is inclusive, compared with
//! [`reaches`] so that a computed ratio that lands on it (3 of 20 = 0.15) counts.

// ------------------------------------------------------------------------- health: the score

/// The score every Actor starts from, and the highest it can be; deductions are subtracted from
/// it and the result is clamped to `0..=HEALTH_START`.
pub const HEALTH_START: u8 = 100;

/// Reliability driver: points per percentage point of finished runs that FAILED…
pub const RELIABILITY_POINTS_PER_PCT: f64 = 2.0;
/// …and the most it can take.
pub const RELIABILITY_MAX: i32 = 60;
/// Timeouts driver: points per percentage point of finished runs that TIMED-OUT…
pub const TIMEOUT_POINTS_PER_PCT: f64 = 2.0;
/// …and the most it can take.
pub const TIMEOUT_MAX: i32 = 40;
/// Release-regression driver: points for a flagged release regression.
pub const REGRESSION_POINTS: i32 = 10;
/// Empty-results driver: points for 100 % empty successful runs (scaled by the share, rounded).
pub const EMPTY_RESULTS_POINTS: f64 = 40.0;
/// No-recent-runs driver: points for no run started in the window.
pub const NO_RUNS_POINTS: i32 = 30;
/// Old-build driver: points for a latest build older than [`STALE_BUILD_DAYS`].
pub const OLD_BUILD_POINTS: i32 = 5;
/// Memory-over-allocation driver: points when a memory suggestion exists.
pub const MEMORY_POINTS: i32 = 5;
/// Cost-spike driver: points for a cost spike.
pub const COST_SPIKE_POINTS: i32 = 10;
/// Field-drift driver: points when one or more output fields got worse with the newest build
/// ([`crate::quality`]).
pub const FIELD_DRIFT_POINTS: i32 = 10;

// ------------------------------------------------------------------- figures behind the score

/// Release regression: builds are compared over the runs of the last this many days before the
/// window's end, whatever window is shown.
pub const REGRESSION_PERIOD_DAYS: u32 = 30;
/// Release regression: finished runs needed on *each* of the two builds compared.
pub const REGRESSION_MIN_RUNS: u32 = 10;
/// Release regression: the newest build's failure rate must exceed the previous one's by at
/// least this much (absolute: 0.15 = 15 percentage points)…
pub const REGRESSION_MIN_DELTA: f64 = 0.15;
/// …**and** be at least this many times it.
pub const REGRESSION_MIN_RATIO: f64 = 2.0;

/// A latest build that finished more than this many days before the window end is "old"
/// (health driver) and makes the Actor *Stale* (plan). Exactly 90 days is not old.
pub const STALE_BUILD_DAYS: u32 = 90;

/// Empty results: successful runs with a known item count needed before empty results count
/// (health driver and the *Watch* rule).
pub const MIN_OUTPUT_SAMPLES: u32 = 3;

/// Memory: sampled runs (run details) needed before a memory suggestion is made.
pub const MIN_MEMORY_SAMPLES: u32 = 3;
/// Memory: a suggested allocation keeps this much room above the highest sampled peak
/// (the suggestion is the smallest allowed allocation ≥ `MEMORY_HEADROOM × peak`).
pub const MEMORY_HEADROOM: f64 = 1.5;
/// Memory: a suggestion is made only when it cuts the allocation at least this many times
/// (2 = the suggested allocation is at most half the current one).
pub const MEMORY_MIN_CUT_FACTOR: u32 = 2;
/// Memory: a sample that peaks at this share of its allocation or more is "near the limit" —
/// an out-of-memory risk (*Watch*), and no cut is suggested.
pub const MEMORY_NEAR_LIMIT_SHARE: f64 = 0.95;
/// Memory: Apify's smallest allocation, MB (allocations are powers of two in between).
pub const MIN_MEMORY_MB: u32 = forge_apify::limits::MIN_MEMORY_MBYTES;
/// Memory: Apify's largest allocation, MB.
pub const MAX_MEMORY_MB: u32 = forge_apify::limits::MAX_MEMORY_MBYTES;
/// Memory: bytes in the MB of `options.memoryMbytes` (`stats.memMaxBytes` is in bytes).
pub const BYTES_PER_MB: f64 = 1_048_576.0;

// Change detection — the cost spike and the release regression — looks at fixed periods that end
// with the window, whatever window is shown: a spike or a regression is the same verdict at 7,
// 30 and 90 days (it was "the last 7 days against the rest of the window", so a 7-day window
// could not see a spike and a 90-day one diluted it).

/// Cost spike: the recent period, the last this many days before the window's end…
pub const COST_SPIKE_RECENT_DAYS: u32 = 7;
/// …compared with the baseline, the this many days before it (days 8–28 back).
pub const COST_SPIKE_BASELINE_DAYS: u32 = 21;
/// Cost spike: recent cost per run at least this many times the baseline's…
pub const COST_SPIKE_RATIO: f64 = 1.5;
/// …with at least this many costed finished runs on each side.
pub const MIN_COST_SPIKE_RUNS: u32 = 3;

/// Month-end projection: the current daily rate is the cost of the last this many days before
/// the window's end, per day ([`crate::spend`]).
pub const PROJECTION_RATE_DAYS: u32 = 7;

/// Field quality: items (summed over the measured runs) needed on *each* side — the newest
/// build's runs and the runs before it — before a field can count as worse.
pub const FIELD_MIN_ITEMS: u64 = 100;
/// Field quality: a field is worse on the newest build when its null (or missing) share rose by
/// at least this much (absolute: 0.10 = 10 percentage points)…
pub const FIELD_DRIFT_MIN_DELTA: f64 = 0.10;
/// …**and** to at least this many times the share before.
pub const FIELD_DRIFT_MIN_RATIO: f64 = 2.0;
/// Field quality: the newest successful runs whose dataset statistics are read, per side.
pub const FIELD_SAMPLES_PER_SIDE: usize = 2;

// ---------------------------------------------------------------------- the action plan

/// *Fix now*: failure rate ((FAILED + TIMED-OUT) / finished) at or above this.
pub const FIX_NOW_FAILURE_RATE: f64 = 0.15;
/// *Watch*: failure rate at or above this.
pub const WATCH_FAILURE_RATE: f64 = 0.05;
/// Finished runs needed before a failure rate places an Actor (either bucket).
pub const MIN_RATE_RUNS: u32 = 5;
/// *Watch*: share of sampled successful runs (at least [`MIN_OUTPUT_SAMPLES`]) with an empty
/// dataset, at or above this.
pub const WATCH_EMPTY_SHARE: f64 = 0.2;
/// *Fix now*: health below this (with runs in the window). Also the lower edge of the "warn"
/// band of a health badge: `score < FIX_NOW_HEALTH` is bad.
pub const FIX_NOW_HEALTH: u8 = 50;
/// *Watch*: health below this (with runs in the window). Also the lower edge of the "good" band
/// of a health badge: `FIX_NOW_HEALTH <= score < WATCH_HEALTH` is a warning.
pub const WATCH_HEALTH: u8 = 75;

// ---------------------------------------------------------------------- health: the fleet

/// The fleet score is at most this while any Actor is in *Fix now*: one below the Watch line,
/// so a run-weighted mean of many healthy Actors cannot make a fleet with broken Actors read as
/// healthy (with 200 Actors and three broken the mean alone reads 95).
pub const FLEET_FIX_NOW_CAP: u8 = WATCH_HEALTH - 1;

// ---------------------------------------------------------------------- needs attention

/// *Needs attention*: an Actor whose newest this many finished runs (or more) all FAILED or
/// TIMED-OUT is "failing right now", whatever its bucket — the window's rates may still look
/// fine when the breakage began this morning.
pub const FAILING_NOW_RUNS: u32 = 3;

/// *Needs attention*: a run still READY or RUNNING for more than this many times the Actor's
/// own p95 duration (over at least [`RUNAWAY_MIN_FINISHED`] finished runs) **and** longer than
/// [`RUNAWAY_MIN_MS`] — or past the Actor's default timeout — has run away or hung.
pub const RUNAWAY_P95_FACTOR: f64 = 3.0;
/// A run is never called runaway before this long (10 minutes), however short the p95.
pub const RUNAWAY_MIN_MS: u64 = 10 * 60 * 1000;
/// Finished runs with a duration that make a p95 worth comparing with.
pub const RUNAWAY_MIN_FINISHED: u32 = 5;

/// *Needs attention*: a week-over-week health drop of at least this many points (the 7-day
/// health against the previous stored week's) lists the Actor at the top of the dashboard,
/// whatever its bucket: a fifth of the scale in one week, beyond the weekly noise of a
/// healthy Actor.
pub const ATTENTION_DROP_POINTS: f64 = 20.0;

// ------------------------------------------------------------------------------ alerts

/// `forge check --notify`: a problem already told is told again (on a later day) once its
/// Actor's health fell by at least this many points since ([`crate::alerts`]).
pub const ALERT_WORSE_POINTS: u8 = 5;

// ------------------------------------------------------------------------------ comparing

/// Tolerance for the inclusive thresholds above when they are compared with computed ratios
/// (15 % − 30 % is exactly +15 points, but not in floating point).
pub const THRESHOLD_EPS: f64 = 1e-9;

/// Whether a computed share or ratio reaches an inclusive threshold ("≥ 20 %"), with
/// [`THRESHOLD_EPS`] of room for floating-point error — how the engine compares, and how a view
/// should.
///
/// ```
/// use forge_fleet::rules::{reaches, FIX_NOW_FAILURE_RATE, WATCH_EMPTY_SHARE};
/// assert!(reaches(3.0 / 20.0, FIX_NOW_FAILURE_RATE));
/// assert!(reaches(0.2, WATCH_EMPTY_SHARE));
/// assert!(!reaches(0.19, WATCH_EMPTY_SHARE));
/// ```
#[inline]
pub fn reaches(value: f64, threshold: f64) -> bool {
    value >= threshold - THRESHOLD_EPS
}
