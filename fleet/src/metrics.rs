//! The figures of a report and their exact definitions.
//!
//! Definitions used throughout (also in the README and the app's "how is this computed"):
//!
//! - **Finished (terminal) runs**: SUCCEEDED + FAILED + TIMED-OUT + ABORTED.
//!   **In progress**: READY + RUNNING + TIMING-OUT + ABORTING — shown, never failures.
//! - **Success rate** = SUCCEEDED / finished. **Failure rate** = (FAILED + TIMED-OUT) / finished.
//!   ABORTED runs are counted apart (someone stopped them); they are in the denominator but in
//!   neither numerator. With no finished run both rates are `None`, not 0 % or 100 %.
//! - **Durations** are `finishedAt − startedAt` of finished runs, in ms. Percentiles are
//!   **nearest-rank**: the p-th percentile of n sorted values is the value at rank
//!   `⌈p × n / 100⌉` (1-based) — the smallest observed value with at least p % of values ≤ it.
//!   Always an observed duration, never interpolated; p50 of one run is that run.
//! - **Cost** comes only from `usageTotalUsd`. Runs without it are unknown, not free: totals sum
//!   the runs that have it (`runs_with_cost` says how many), and with none it is `None` ("n/a").
//!   Cost per run averages finished runs that have a cost (a run in progress has only spent
//!   part of its cost). Cost per 1,000 results = 1000 × Σ cost / Σ items over finished runs whose
//!   item count (enrichment) and cost are both known.
//! - **Memory** figures come from sampled run details (`stats.memMaxBytes` vs
//!   `options.memoryMbytes`, 1 MB = 1,048,576 bytes), finished runs only.

use crate::format::{duration, usd};
use crate::spend::{CostBreakdown, MonthProjection};
use forge_apify::models::JobStatus;
use serde::{Deserialize, Serialize};

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// Runs by status. Zero counts are left out of the JSON (the daily series stay small).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusCounts {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ready: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub running: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub succeeded: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timing_out: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timed_out: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub aborting: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub aborted: u32,
    /// Statuses this version of Forge does not know.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unknown: u32,
}

impl StatusCounts {
    #[inline]
    pub fn add(&mut self, status: JobStatus) {
        *self.slot(status) += 1;
    }

    #[inline]
    fn slot(&mut self, status: JobStatus) -> &mut u32 {
        match status {
            JobStatus::Ready => &mut self.ready,
            JobStatus::Running => &mut self.running,
            JobStatus::Succeeded => &mut self.succeeded,
            JobStatus::Failed => &mut self.failed,
            JobStatus::TimingOut => &mut self.timing_out,
            JobStatus::TimedOut => &mut self.timed_out,
            JobStatus::Aborting => &mut self.aborting,
            JobStatus::Aborted => &mut self.aborted,
            JobStatus::Unknown => &mut self.unknown,
        }
    }

    pub fn get(&self, status: JobStatus) -> u32 {
        let mut copy = *self;
        *copy.slot(status)
    }

    /// Adds another set of counts.
    pub fn merge(&mut self, o: &StatusCounts) {
        self.ready += o.ready;
        self.running += o.running;
        self.succeeded += o.succeeded;
        self.failed += o.failed;
        self.timing_out += o.timing_out;
        self.timed_out += o.timed_out;
        self.aborting += o.aborting;
        self.aborted += o.aborted;
        self.unknown += o.unknown;
    }

    /// Every run.
    pub fn total(&self) -> u32 {
        self.in_progress() + self.terminal() + self.unknown
    }

    /// SUCCEEDED + FAILED + TIMED-OUT + ABORTED.
    pub fn terminal(&self) -> u32 {
        self.succeeded + self.failed + self.timed_out + self.aborted
    }

    /// READY + RUNNING + TIMING-OUT + ABORTING.
    pub fn in_progress(&self) -> u32 {
        self.ready + self.running + self.timing_out + self.aborting
    }

    /// SUCCEEDED / finished; `None` with no finished run.
    pub fn success_rate(&self) -> Option<f64> {
        ratio(self.succeeded, self.terminal())
    }

    /// (FAILED + TIMED-OUT) / finished; `None` with no finished run.
    pub fn failure_rate(&self) -> Option<f64> {
        ratio(self.failed + self.timed_out, self.terminal())
    }

    /// ABORTED / finished.
    pub fn aborted_rate(&self) -> Option<f64> {
        ratio(self.aborted, self.terminal())
    }
}

/// `num / den`, `None` when `den` is 0.
pub fn ratio(num: u32, den: u32) -> Option<f64> {
    (den > 0).then(|| f64::from(num) / f64::from(den))
}

/// Nearest-rank percentile of an ascending slice: the value at 1-based rank `⌈p·n/100⌉`
/// (at least 1). `None` for an empty slice. `p` is clamped to 1..=100.
///
/// ```
/// use forge_fleet::metrics::percentile;
/// assert_eq!(percentile(&[10, 20, 30, 40], 50), Some(20)); // rank ⌈2⌉ = 2
/// assert_eq!(percentile(&[10, 20, 30, 40], 95), Some(40)); // rank ⌈3.8⌉ = 4
/// assert_eq!(percentile(&[7], 95), Some(7));
/// assert_eq!(percentile(&[], 50), None);
/// ```
pub fn percentile(sorted: &[u64], p: u32) -> Option<u64> {
    let n = sorted.len() as u64;
    if n == 0 {
        return None;
    }
    let rank = (u64::from(p.clamp(1, 100)) * n).div_ceil(100).max(1);
    sorted.get((rank - 1) as usize).copied()
}

/// The 0-based index [`percentile`] reads, for `n ≥ 1` values.
pub(crate) fn percentile_index(n: usize, p: u32) -> usize {
    let rank = (u64::from(p.clamp(1, 100)) * n as u64).div_ceil(100).max(1);
    (rank - 1) as usize
}

/// Upper edges (exclusive) of the duration histogram buckets, ms: <10 s, <30 s, <1 min, <5 min,
/// <15 min, <1 h, <4 h, and ≥4 h.
pub const DURATION_BUCKET_EDGES_MS: [u64; 7] = [
    10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 14_400_000,
];

/// Durations of the finished runs in the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DurationStats {
    /// Finished runs with a readable duration.
    pub runs: u32,
    pub p50_ms: Option<u64>,
    pub p95_ms: Option<u64>,
    pub max_ms: Option<u64>,
    /// Counts per [`DURATION_BUCKET_EDGES_MS`] bucket (8 buckets).
    pub histogram: [u32; 8],
}

impl DurationStats {
    /// From an ascending slice of durations.
    pub fn from_sorted(sorted: &[u64]) -> DurationStats {
        let mut histogram = [0u32; 8];
        let mut from = 0usize;
        for (i, edge) in DURATION_BUCKET_EDGES_MS.iter().enumerate() {
            let to = from + sorted[from..].partition_point(|&d| d < *edge);
            histogram[i] = (to - from) as u32;
            from = to;
        }
        histogram[7] = (sorted.len() - from) as u32;
        DurationStats {
            runs: sorted.len() as u32,
            p50_ms: percentile(sorted, 50),
            p95_ms: percentile(sorted, 95),
            max_ms: sorted.last().copied(),
            histogram,
        }
    }
}

/// Cost in the window, from `usageTotalUsd` — and, for the split by kind, the sampled run
/// details' `usageUsd` ([`crate::spend`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CostStats {
    /// Σ `usageTotalUsd` over runs that have it; `None` ("n/a") when no run has it.
    pub total_usd: Option<f64>,
    /// Runs that reported a cost (of `runs` in the window).
    pub runs_with_cost: u32,
    /// Mean cost of a finished run that reported one.
    pub per_run_usd: Option<f64>,
    /// Finished runs behind `per_run_usd`.
    pub finished_runs_with_cost: u32,
    /// 1000 × Σ cost / Σ items over finished runs with both known; `None` without such runs or
    /// when they produced no items at all.
    pub per_1000_results_usd: Option<f64>,
    /// Runs behind `per_1000_results_usd`, and their items.
    pub results_runs: u32,
    pub results_items: u64,
    /// Recent cost per run against the rest of the window.
    pub trend: CostTrend,
    /// Where the money goes: the sampled runs' cost by kind, applied to `total_usd`.
    #[serde(default)]
    pub by_kind: CostBreakdown,
    /// Where the UTC month the window ends in is heading (whatever the window's length).
    #[serde(default)]
    pub month: MonthProjection,
}

/// Cost per run in the last 7 days vs the 21 days before, whatever the window — the cost-spike
/// check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CostTrend {
    /// Length of the recent period, days (`rules::COST_SPIKE_RECENT_DAYS`)…
    pub recent_days: u32,
    /// …and of the baseline before it (`rules::COST_SPIKE_BASELINE_DAYS`).
    #[serde(default)]
    pub baseline_days: u32,
    pub recent_runs: u32,
    pub recent_per_run_usd: Option<f64>,
    pub earlier_runs: u32,
    pub earlier_per_run_usd: Option<f64>,
    /// recent / earlier, when both are known and earlier > 0.
    pub ratio: Option<f64>,
    /// `ratio ≥ COST_SPIKE_RATIO` with at least `MIN_COST_SPIKE_RUNS` costed finished runs on
    /// each side.
    pub spike: bool,
}

/// Peak memory used vs memory allocated, over sampled run details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryStats {
    /// Finished runs in the window with both a peak and an allocation.
    pub sampled_runs: u32,
    /// Allocation of the most recent sampled run, MB.
    pub allocated_mb: Option<u32>,
    /// Highest peak across the samples, MB.
    pub peak_max_mb: Option<f64>,
    /// Mean of peak / allocation across the samples (0..=1).
    pub peak_share_avg: Option<f64>,
    /// Highest peak / allocation across the samples.
    pub peak_share_max: Option<f64>,
    /// Samples that peaked at ≥ 95 % of their allocation (out-of-memory risk).
    pub near_limit_runs: u32,
    pub suggestion: Option<MemorySuggestion>,
}

/// "You could lower memory: 4096 → 1024 MB".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemorySuggestion {
    pub from_mb: u32,
    pub to_mb: u32,
    /// Upper bound of what the window's runs would have cost less: total cost × (1 − to/from).
    /// An upper bound because part of a run's cost is not memory-bound compute (storage,
    /// transfer, proxies).
    pub est_savings_usd: Option<f64>,
    pub text: String,
}

/// Output completeness: successful runs that produced nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputStats {
    /// SUCCEEDED runs in the window with a known item count.
    pub sampled_succeeded: u32,
    /// …of which the default dataset was empty.
    pub empty_succeeded: u32,
    /// `empty_succeeded / sampled_succeeded`.
    pub empty_share: Option<f64>,
}

/// A build, as referred to in a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildRef {
    pub id: Option<String>,
    pub number: Option<String>,
    pub finished_ms: Option<i64>,
    /// Whole days from `finished_ms` to the window end.
    pub age_days: Option<u32>,
}

/// Runs of one build in the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildUsage {
    pub id: Option<String>,
    pub number: Option<String>,
    pub runs: u32,
    pub finished: u32,
    /// FAILED + TIMED-OUT.
    pub failed: u32,
    pub failure_rate: Option<f64>,
    pub first_run_ms: i64,
    pub last_run_ms: i64,
    /// When the build finished (else started), from the builds list; `None` for a build the
    /// list did not include.
    #[serde(default)]
    pub built_ms: Option<i64>,
    /// 1000 × Σ cost / Σ items over this build's finished runs in the window with both known
    /// (the Actor's [`CostStats::per_1000_results_usd`], per build); `None` without such runs
    /// or items.
    #[serde(default)]
    pub per_1000_results_usd: Option<f64>,
    /// Runs behind `per_1000_results_usd`.
    #[serde(default)]
    pub results_runs: u32,
}

/// The newest build against the one before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseCheck {
    pub newest: BuildUsage,
    pub previous: BuildUsage,
    /// Flagged by the release-regression rule (`rules::REGRESSION_*`).
    pub regression: bool,
    /// One sentence: the verdict, or why there is none ("only 4 finished runs on 0.3.13"),
    /// and what the newest build changed when both builds' details are known.
    pub note: String,
    /// What changed from `previous` to `newest`, when both builds' details were read.
    #[serde(default)]
    pub changes: Option<crate::changes::BuildChanges>,
}

/// Builds: the one in use, how many were made, and the release check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildReport {
    /// The build tagged `latest`.
    pub in_use: Option<BuildRef>,
    /// Builds (from the loaded builds list) started in the window.
    pub builds_in_window: u32,
    /// Builds with runs in the window, newest first.
    pub used: Vec<BuildUsage>,
    /// Present when two builds can be compared (the newest has runs or is in use, and an older
    /// one has runs).
    pub release: Option<ReleaseCheck>,
}

/// A run still READY or RUNNING far beyond the Actor's normal duration, or past its default
/// timeout ([`rules::RUNAWAY_P95_FACTOR`]): the longest-running such run of the Actor.
///
/// [`rules::RUNAWAY_P95_FACTOR`]: crate::rules::RUNAWAY_P95_FACTOR
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Runaway {
    /// Its Apify id, for the link to Apify Console (where it can be aborted).
    pub run_id: Option<String>,
    pub status: JobStatus,
    pub started_ms: i64,
    /// From its start to the window's end.
    pub running_ms: u64,
    /// The Actor's p95 duration it is compared with.
    pub p95_ms: Option<u64>,
    /// The Actor's default timeout, when known.
    pub timeout_ms: Option<u64>,
    pub past_timeout: bool,
    /// `usageTotalUsd` as last listed.
    pub cost_so_far_usd: Option<f64>,
}

impl Runaway {
    /// "running for 9h 12m (p95 4m 2s), $0.840 so far".
    pub fn reason(&self) -> String {
        let verb = if self.status == JobStatus::Ready {
            "waiting to start for"
        } else {
            "running for"
        };
        let mut out = format!("{verb} {}", duration(self.running_ms));
        match (self.past_timeout, self.timeout_ms, self.p95_ms) {
            (true, Some(t), _) => out.push_str(&format!(
                ", past the Actor's default timeout of {}",
                duration(t)
            )),
            (_, _, Some(p)) => out.push_str(&format!(" (p95 {})", duration(p))),
            _ => {}
        }
        if let Some(c) = self.cost_so_far_usd {
            out.push_str(&format!(", {} so far", usd(c)));
        }
        out
    }
}

/// The newest finished runs, all FAILED or TIMED-OUT: at least [`rules::FAILING_NOW_RUNS`] of
/// them since the last SUCCEEDED run (ABORTED runs neither break nor extend it).
///
/// [`rules::FAILING_NOW_RUNS`]: crate::rules::FAILING_NOW_RUNS
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailingStreak {
    /// Failed or timed-out runs since the last success.
    pub runs: u32,
    /// Start of the first of them, unix ms.
    pub since_ms: i64,
}

/// Is the Actor still alive and maintained?
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Staleness {
    /// No run started in the window.
    pub no_runs_in_window: bool,
    /// The latest build is older than `rules::STALE_BUILD_DAYS`.
    pub old_build: bool,
    /// Age of the latest build (tagged `latest`, else the newest listed), whole days.
    pub build_age_days: Option<u32>,
    /// Most recent run start known (also before the window).
    pub last_run_ms: Option<i64>,
    /// `no_runs_in_window || old_build`.
    pub stale: bool,
}

/// One UTC day of a daily series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayPoint {
    /// 00:00 UTC of the day, unix ms.
    pub day_ms: i64,
    /// Runs started that day, by status.
    pub runs: StatusCounts,
    /// Σ `usageTotalUsd` of the runs started that day. `Some(0.0)` on a day without runs;
    /// `None` when the day had runs and none of them reported a cost.
    pub cost_usd: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let one = [42];
        assert_eq!(percentile(&one, 50), Some(42));
        assert_eq!(percentile(&one, 95), Some(42));
        let two = [1, 2];
        assert_eq!(percentile(&two, 50), Some(1));
        assert_eq!(percentile(&two, 95), Some(2));
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&hundred, 50), Some(50));
        assert_eq!(percentile(&hundred, 95), Some(95));
        assert_eq!(percentile(&hundred, 100), Some(100));
        let twenty: Vec<u64> = (1..=20).collect();
        // ⌈0.95 × 20⌉ = 19.
        assert_eq!(percentile(&twenty, 95), Some(19));
        let twentyone: Vec<u64> = (1..=21).collect();
        // ⌈0.95 × 21⌉ = ⌈19.95⌉ = 20; ⌈0.5 × 21⌉ = 11.
        assert_eq!(percentile(&twentyone, 95), Some(20));
        assert_eq!(percentile(&twentyone, 50), Some(11));
        // Equal values.
        assert_eq!(percentile(&[5, 5, 5], 50), Some(5));
        for n in 1..300 {
            for p in [50, 95] {
                assert_eq!(
                    percentile_index(n, p),
                    percentile(&(0..n as u64).collect::<Vec<_>>(), p).unwrap() as usize
                );
            }
        }
    }

    #[test]
    fn status_counts() {
        let mut c = StatusCounts::default();
        assert_eq!(c.success_rate(), None);
        assert_eq!(c.failure_rate(), None);
        for s in JobStatus::ALL {
            c.add(s);
        }
        c.add(JobStatus::Succeeded);
        c.add(JobStatus::Unknown);
        assert_eq!(c.total(), 10);
        assert_eq!(c.terminal(), 5);
        assert_eq!(c.in_progress(), 4);
        assert_eq!(c.get(JobStatus::Succeeded), 2);
        assert_eq!(c.success_rate(), Some(0.4));
        assert_eq!(c.failure_rate(), Some(0.4));
        assert_eq!(c.aborted_rate(), Some(0.2));
        let json = serde_json::to_string(&StatusCounts {
            succeeded: 3,
            timed_out: 1,
            ..StatusCounts::default()
        })
        .unwrap();
        assert_eq!(json, r#"{"succeeded":3,"timedOut":1}"#);
        let back: StatusCounts = serde_json::from_str(&json).unwrap();
        assert_eq!(back.terminal(), 4);
    }

    #[test]
    fn duration_histogram() {
        let d = DurationStats::from_sorted(&[1_000, 10_000, 59_999, 60_000, 20_000_000]);
        assert_eq!(d.histogram, [1, 1, 1, 1, 0, 0, 0, 1]);
        assert_eq!(d.p50_ms, Some(59_999));
        assert_eq!(d.max_ms, Some(20_000_000));
        assert_eq!(DurationStats::from_sorted(&[]), DurationStats::default());
    }
}
