//! The published health formula and the action plan's rules, in words — written from
//! `forge_fleet::rules`, so the page can never disagree with what the engine computes. The
//! README carries the same text; the test below pins it.

use forge_fleet::rules::*;
use forge_fleet::Bucket;

/// `0.15` → `15` (to a tenth: `0.15 * 100.0` is not exactly 15 in floating point).
fn points(share: f64) -> String {
    format!("{}", (share * 1000.0).round() / 10.0)
}

/// (driver, deduction, when) for every deduction of the health score.
pub fn deductions() -> [(&'static str, String, String); 8] {
    let finished = "≥ 1 finished run".to_string();
    [
        (
            "reliability",
            format!("{RELIABILITY_POINTS_PER_PCT} points per % of finished runs that FAILED, at most {RELIABILITY_MAX}"),
            finished.clone(),
        ),
        (
            "timeouts",
            format!("{TIMEOUT_POINTS_PER_PCT} points per % of finished runs that TIMED-OUT, at most {TIMEOUT_MAX}"),
            finished,
        ),
        (
            "release regression",
            REGRESSION_POINTS.to_string(),
            format!(
                "the newest build's failure rate is ≥ {} points higher and ≥ {REGRESSION_MIN_RATIO}× the previous build's, with ≥ {REGRESSION_MIN_RUNS} finished runs on each in the last {REGRESSION_PERIOD_DAYS} days",
                points(REGRESSION_MIN_DELTA)
            ),
        ),
        (
            "empty results",
            format!("{EMPTY_RESULTS_POINTS} × the share of successful runs whose dataset was empty"),
            format!("≥ {MIN_OUTPUT_SAMPLES} successful runs with a known item count"),
        ),
        (
            "no recent runs",
            NO_RUNS_POINTS.to_string(),
            "no run started in the window".to_string(),
        ),
        (
            "old build",
            OLD_BUILD_POINTS.to_string(),
            format!("the latest build finished more than {STALE_BUILD_DAYS} days before the window end"),
        ),
        (
            "memory over-allocation",
            MEMORY_POINTS.to_string(),
            format!("≥ {MIN_MEMORY_SAMPLES} sampled runs, and the memory suggestion applies"),
        ),
        (
            "cost spike",
            COST_SPIKE_POINTS.to_string(),
            format!(
                "cost per run in the last {COST_SPIKE_RECENT_DAYS} days ≥ {COST_SPIKE_RATIO}× the {COST_SPIKE_BASELINE_DAYS} days before, ≥ {MIN_COST_SPIKE_RUNS} costed runs on each side"
            ),
        ),
    ]
}

/// Each bucket with the rule that puts an Actor there, in the order the rules are tried.
pub fn plan_rules() -> [(Bucket, String); 5] {
    [
        (
            Bucket::FixNow,
            format!(
                "a release regression; failure rate ≥ {} % with ≥ {MIN_RATE_RUNS} finished runs; or health < {FIX_NOW_HEALTH}",
                points(FIX_NOW_FAILURE_RATE)
            ),
        ),
        (
            Bucket::Watch,
            format!(
                "failure rate ≥ {} %; ≥ {} % empty successful runs; a run peaked at ≥ {} % of its memory; or health < {WATCH_HEALTH}",
                points(WATCH_FAILURE_RATE),
                points(WATCH_EMPTY_SHARE),
                points(MEMORY_NEAR_LIMIT_SHARE)
            ),
        ),
        (
            Bucket::Stale,
            format!("no run in the window, or the latest build is older than {STALE_BUILD_DAYS} days"),
        ),
        (Bucket::SaveMoney, "a memory suggestion or a cost spike".to_string()),
        (Bucket::Healthy, "none of the above".to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_text() {
        let rows: Vec<String> = deductions()
            .iter()
            .map(|(d, p, w)| format!("{d} | {p} | {w}"))
            .collect();
        assert_eq!(
            rows,
            [
                "reliability | 2 points per % of finished runs that FAILED, at most 60 | ≥ 1 finished run",
                "timeouts | 2 points per % of finished runs that TIMED-OUT, at most 40 | ≥ 1 finished run",
                "release regression | 10 | the newest build's failure rate is ≥ 15 points higher and ≥ 2× the previous build's, with ≥ 10 finished runs on each in the last 30 days",
                "empty results | 40 × the share of successful runs whose dataset was empty | ≥ 3 successful runs with a known item count",
                "no recent runs | 30 | no run started in the window",
                "old build | 5 | the latest build finished more than 90 days before the window end",
                "memory over-allocation | 5 | ≥ 3 sampled runs, and the memory suggestion applies",
                "cost spike | 10 | cost per run in the last 7 days ≥ 1.5× the 21 days before, ≥ 3 costed runs on each side",
            ]
        );
        let plan: Vec<String> = plan_rules()
            .iter()
            .map(|(b, r)| format!("{} ({r})", b.label()))
            .collect();
        assert_eq!(
            plan,
            [
                "Fix now (a release regression; failure rate ≥ 15 % with ≥ 5 finished runs; or health < 50)",
                "Watch (failure rate ≥ 5 %; ≥ 20 % empty successful runs; a run peaked at ≥ 95 % of its memory; or health < 75)",
                "Stale (no run in the window, or the latest build is older than 90 days)",
                "Save money (a memory suggestion or a cost spike)",
                "Healthy (none of the above)",
            ]
        );
    }
}
