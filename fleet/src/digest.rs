//! The fleet report as the dashboard's table needs it: per Actor the figures one row shows and
//! the flags the plan's rules raise, without the daily series, build lists and samples that
//! only the Actor page uses. A few hundred bytes per Actor, so the app can keep the last result
//! of every window for the next visit even for a thousand Actors (the full report is kilobytes
//! per Actor).
//!
//! The flags are decided here, by the rules of [`crate::rules`] — never by a view.

use crate::fleet::{FleetReport, FleetSummary};
use crate::format::rounded;
use crate::health::Driver;
use crate::metrics::{DayPoint, FailingStreak, Runaway};
use crate::plan::{Bucket, PlanBucket};
use crate::report::ActorReport;
use crate::rules;
use crate::spend::KindCost;
use crate::window::Window;
use serde::{Deserialize, Serialize};

/// One Actor's row of the fleet table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorDigest {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub health: u8,
    pub bucket: Bucket,
    pub reason: String,
    pub runs: u32,
    pub success_rate: Option<f64>,
    pub p50_ms: Option<u64>,
    pub p95_ms: Option<u64>,
    pub cost_per_run_usd: Option<f64>,
    pub cost_per_1000_results_usd: Option<f64>,
    /// Average peak memory / allocated, over sampled runs.
    pub memory_use: Option<f64>,
    pub memory_suggestion: Option<String>,
    /// The number of the build in use.
    pub build: Option<String>,
    /// The build a release regression was flagged on.
    pub regression: Option<String>,
    pub stale: bool,
    /// At least [`rules::WATCH_EMPTY_SHARE`] of successful runs returned nothing, over at least
    /// [`rules::MIN_OUTPUT_SAMPLES`] of them.
    pub empty_results: bool,
    pub cost_spike: bool,
    pub last_run_ms: Option<i64>,
    /// Failing right now (see [`FailingStreak`]).
    #[serde(default)]
    pub failing: Option<FailingStreak>,
    /// A run that ran away or hung (see [`Runaway`]); left out of the cached JSON when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runaway: Option<Runaway>,
    /// Output fields worse since the newest build (`price`, …; see [`crate::quality`]); left
    /// out of the cached JSON when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub field_drift: Vec<String>,
    /// Σ `usageTotalUsd` in the window; `None` when no run reported a cost.
    #[serde(default)]
    pub cost_usd: Option<f64>,
    /// The kind that cost most in the sampled runs (see [`crate::spend`]); left out of the
    /// cached JSON when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biggest_cost: Option<KindCost>,
    /// Where this Actor's cost for the month is heading (`MonthProjection::projected_usd`).
    #[serde(default)]
    pub month_end_usd: Option<f64>,
}

impl ActorReport {
    /// This report's row of the fleet table.
    pub fn digest(&self) -> ActorDigest {
        ActorDigest {
            id: self.id.clone(),
            name: self.name.clone(),
            title: self.title.clone(),
            health: self.health.score,
            bucket: self.placement.bucket,
            reason: self.placement.reason.clone(),
            runs: self.runs.total(),
            success_rate: self.success_rate,
            p50_ms: self.duration.p50_ms,
            p95_ms: self.duration.p95_ms,
            cost_per_run_usd: self.cost.per_run_usd,
            cost_per_1000_results_usd: self.cost.per_1000_results_usd,
            memory_use: self.memory.peak_share_avg,
            memory_suggestion: self.memory.suggestion.as_ref().map(|s| s.text.clone()),
            build: self.builds.in_use.as_ref().and_then(|b| b.number.clone()),
            regression: self
                .builds
                .release
                .as_ref()
                .filter(|r| r.regression)
                .map(|r| r.newest.number.clone().unwrap_or_else(|| "?".into())),
            stale: self.staleness.stale,
            empty_results: self
                .output
                .empty_share
                .is_some_and(|s| rules::reaches(s, rules::WATCH_EMPTY_SHARE))
                && self.output.sampled_succeeded >= rules::MIN_OUTPUT_SAMPLES,
            cost_spike: self.cost.trend.spike,
            failing: self.failing,
            runaway: self.runaway.clone(),
            field_drift: self.fields.drifted().map(|f| f.name.clone()).collect(),
            // Rounded: a thousand Actors' digests for three windows live in localStorage.
            cost_usd: self.cost.total_usd.map(|c| rounded(c, 6)),
            biggest_cost: self.cost.by_kind.biggest().map(|k| KindCost {
                kind: k.kind,
                share: rounded(k.share, 4),
                usd: rounded(k.usd, 6),
            }),
            month_end_usd: self.cost.month.projected_usd.map(|c| rounded(c, 4)),
            last_run_ms: self.staleness.last_run_ms,
        }
    }
}

/// The dashboard of one window: the fleet's summary, drivers, daily series and plan, and one
/// [`ActorDigest`] per Actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetDigest {
    pub window: Window,
    pub summary: FleetSummary,
    pub drivers: Vec<Driver>,
    pub daily: Vec<DayPoint>,
    pub plan: Vec<PlanBucket>,
    pub actors: Vec<ActorDigest>,
}

impl FleetDigest {
    /// The digest of one Actor by id.
    pub fn actor(&self, id: &str) -> Option<&ActorDigest> {
        self.actors.iter().find(|a| a.id == id)
    }
}

impl FleetReport {
    /// The report without what only the Actor page uses.
    pub fn digest(&self) -> FleetDigest {
        FleetDigest {
            window: self.window,
            summary: self.summary.clone(),
            drivers: self.drivers.clone(),
            daily: self.daily.clone(),
            plan: self.plan.clone(),
            actors: self.actors.iter().map(ActorReport::digest).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::window::WINDOW_CHOICES;
    use crate::{fleet_report, prepare, synthetic_fleet, Window};

    #[test]
    fn digests_carry_the_reports_figures_and_stay_small() {
        let fleet = synthetic_fleet(1000, 60, 1);
        let prepared: Vec<_> = fleet.actors.iter().map(prepare).collect();
        let mut bytes = 0;
        for days in WINDOW_CHOICES {
            let report = fleet_report(prepared.iter(), Window::new(days, fleet.now_ms));
            let digest = report.digest();
            for (a, d) in report.actors.iter().zip(&digest.actors) {
                assert_eq!(
                    (a.health.score, a.placement.bucket, a.runs.total()),
                    (d.health, d.bucket, d.runs)
                );
            }
            let json = serde_json::to_string(&digest).unwrap();
            bytes += json.len();
            // (serde_json reads some floats back one ulp off, so compare what is exact.)
            let back: super::FleetDigest = serde_json::from_str(&json).unwrap();
            let key = |d: &super::FleetDigest| {
                d.actors
                    .iter()
                    .map(|a| (a.id.clone(), a.health, a.bucket, a.runs, a.empty_results))
                    .collect::<Vec<_>>()
            };
            assert!(key(&back) == key(&digest), "{days} days");
            assert!(back.plan == digest.plan && back.drivers == digest.drivers);
        }
        // localStorage holds about 5 million UTF-16 characters per origin: the three windows of
        // a thousand Actors must leave most of it free.
        assert!(bytes < 2_500_000, "{bytes} bytes for 1,000 Actors");
        println!("digest of 1,000 Actors, three windows: {bytes} bytes");
    }
}
