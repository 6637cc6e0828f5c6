//! One Actor's report: its [figures](crate::figures), the [health score](crate::health)
//! computed from them, and its [place in the plan](crate::plan) — assembled, nothing computed
//! here.

use crate::figures::{figures_with, ActorFigures, Scratch};
use crate::health::{self, Health};
use crate::input::PreparedActor;
use crate::plan::{self, Bucket, Placement};
use crate::window::Window;
use serde::{Deserialize, Serialize};

// Where these lived before `figures` was split out; the paths keep working.
pub use crate::figures::{allowed_memory_mb, memory_suggestion, release_check};

/// Everything the dashboard shows about one Actor: its figures (read through `Deref`, so
/// `report.runs` is `report.figures.runs`), the health score computed from them and its place
/// in the plan. Serialised flat, as one object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActorReport {
    #[serde(flatten)]
    pub figures: ActorFigures,
    pub health: Health,
    pub placement: Placement,
}

impl std::ops::Deref for ActorReport {
    type Target = ActorFigures;

    fn deref(&self) -> &ActorFigures {
        &self.figures
    }
}

impl std::ops::DerefMut for ActorReport {
    fn deref_mut(&mut self) -> &mut ActorFigures {
        &mut self.figures
    }
}

/// The figures a weekly trend snapshot keeps of an Actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorSummary {
    pub id: String,
    pub name: String,
    pub runs: u32,
    pub finished_runs: u32,
    pub success_rate: Option<f64>,
    pub failure_rate: Option<f64>,
    pub p50_duration_ms: Option<u64>,
    pub p95_duration_ms: Option<u64>,
    pub cost_usd: Option<f64>,
    pub cost_per_run_usd: Option<f64>,
    pub cost_per_1000_results_usd: Option<f64>,
    pub health: u8,
    pub bucket: Bucket,
}

impl ActorReport {
    /// The compact figures for a snapshot or a CSV row.
    pub fn summary(&self) -> ActorSummary {
        ActorSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            runs: self.runs.total(),
            finished_runs: self.runs.terminal(),
            success_rate: self.success_rate,
            failure_rate: self.failure_rate,
            p50_duration_ms: self.duration.p50_ms,
            p95_duration_ms: self.duration.p95_ms,
            cost_usd: self.cost.total_usd,
            cost_per_run_usd: self.cost.per_run_usd,
            cost_per_1000_results_usd: self.cost.per_1000_results_usd,
            health: self.health.score,
            bucket: self.placement.bucket,
        }
    }

    /// `title`, or the name.
    pub fn display_name(&self) -> &str {
        self.title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(&self.name)
    }

    /// The report of figures already computed: scores them and places them.
    pub fn from_figures(figures: ActorFigures) -> ActorReport {
        let health = health::score(&figures);
        let placement = plan::place(&figures, &health);
        ActorReport {
            figures,
            health,
            placement,
        }
    }
}

/// The report of one Actor over `window`.
pub fn actor_report(actor: &PreparedActor, window: Window) -> ActorReport {
    report_with(actor, window, &mut Scratch::default())
}

/// [`actor_report`] with reusable buffers; leaves the window's durations sorted in
/// `scratch.durations`.
pub(crate) fn report_with(a: &PreparedActor, w: Window, s: &mut Scratch) -> ActorReport {
    ActorReport::from_figures(figures_with(a, w, s))
}

#[cfg(test)]
mod tests;
