//! # forge-fleet — fleet analytics as pure functions
//!
//! This is the part of Forge that must be *right*: which Actors need attention today, and why,
//! with numbers a user can recompute by hand. So it is plain Rust over the forge-apify models —
//! no I/O, no clock, no randomness, no allocation per run — tested natively with hand-computed
//! fixtures and with the simulator's demo fleet, and compiled unchanged into the browser app.
//!
//! ```text
//!  ActorInput (models, as the loader fetched them)
//!      │ prepare(): parse every timestamp once, intern builds, fold enrichment   [input]
//!      ▼
//!  PreparedActor (48-byte runs, no strings)
//!      │ actor_figures(…, Window): one pass per Actor                           [figures]
//!      ▼
//!  ActorFigures: runs by status, rates, p50/p95/max, cost, cost per 1,000 results,
//!                memory efficiency + suggestion, empty results, builds + release regression,
//!                staleness, daily series
//!      │ score(): the published formula → Health (score + drivers)              [health]
//!      │ place(): figures + health → bucket + reason                           [plan]
//!      ▼
//!  ActorReport = figures + health + placement                                [report]
//!      │ fleet_report(): totals, run-weighted health, daily series, action plan [fleet]
//!      ▼
//!  FleetReport (serde: cached by the app, summarised into weekly snapshots)   [trends]
//! ```
//!
//! Modules, in dependency order — each uses only modules above it, so the graph is a DAG (a
//! test below checks it):
//!
//! - [`rules`]: every published threshold and constant of the health formula and the plan.
//! - [`format`](mod@format): how shares and dollars read in sentences (`81%`, `$0.120`).
//! - [`window`]: the `[end − days, end)` window and its exact edge rule.
//! - [`quality`]: output quality per field, from dataset statistics (null and missing shares,
//!   fields worse since the newest build).
//! - [`spend`]: where the money goes — cost by usage kind and the month-end projection.
//! - [`input`]: what the engine reads ([`ActorInput`]) and its prepared form.
//! - [`changes`]: what changed between two builds, from what each declares.
//! - [`metrics`]: the figures' types and definitions (rates, nearest-rank percentiles, cost).
//! - [`figures`]: one Actor's figures over a window.
//! - [`health`]: the published health formula and its drivers, from the figures.
//! - [`plan`]: the action plan's buckets and rules, from the figures and the health.
//! - [`report`]: one Actor's report — figures, health and placement together.
//! - [`runs`]: one Actor's run table and its failures grouped by status message.
//! - [`fleet`]: the fleet report and the summaries a weekly snapshot keeps.
//! - [`digest`]: the report as the dashboard's table shows (and the app caches) it.
//! - [`trends`]: weekly snapshots and week-over-week deltas.
//! - [`attention`]: what needs attention first — *Fix now*, then this week's sharp drops.
//! - [`alerts`]: the rules `forge check` fails on, the problems they match, which to tell.
//! - [`signals`]: the `SIGNALS` record an Actor may leave (no engine dependency).
//! - [`synthetic`]: a deterministic fleet of any size for benchmarks (native and wasm).
//!
//! Each module's tests sit beside it (`figures/tests.rs`, … or an inline `mod tests`), on the
//! shared fixtures of `testkit.rs`; `tests/stories.rs` runs the whole engine on the simulator's
//! demo fleet.
//!
//! Determinism: the same inputs and window give the same report, field for field; "now" is an
//! input (`Window::end_ms`), never read from a clock.

pub mod alerts;
pub mod attention;
pub mod changes;
pub mod digest;
pub mod figures;
pub mod fleet;
pub mod format;
pub mod health;
pub mod input;
pub mod metrics;
pub mod plan;
pub mod quality;
pub mod report;
pub mod rules;
pub mod runs;
pub mod signals;
pub mod spend;
pub mod synthetic;
pub mod trends;
pub mod window;

pub use attention::{needs_attention, Attention, AttentionKind};
pub use digest::{ActorDigest, FleetDigest};
pub use figures::{actor_figures, ActorFigures};
pub use fleet::{
    analyze, fleet_report, fleet_report_from_inputs, BucketCounts, FleetReport, FleetSummary,
};
pub use health::{Driver, DriverKind, Health};
pub use input::{prepare, prepare_all, ActorInput, PreparedActor};
pub use metrics::{DayPoint, StatusCounts};
pub use plan::{Bucket, Placement, PlanBucket, PlanEntry};
pub use report::{actor_report, ActorReport, ActorSummary};
pub use runs::{failure_groups, run_rows, FailureGroup, FailureGroups, RunRow};
pub use signals::{parse_signals, SignalValue, Signals, SignalsProblem};
pub use synthetic::{synthetic_fleet, SyntheticFleet};
pub use trends::{Snapshot, SnapshotProblem, WeekOverWeek};
pub use window::Window;

#[cfg(test)]
mod testkit;

#[cfg(test)]
mod tests {
    /// The modules in dependency order, with their sources.
    const MODULES: [(&str, &str); 20] = [
        ("rules", include_str!("rules.rs")),
        ("format", include_str!("format.rs")),
        ("window", include_str!("window.rs")),
        ("quality", include_str!("quality.rs")),
        ("spend", include_str!("spend.rs")),
        ("input", include_str!("input.rs")),
        ("changes", include_str!("changes.rs")),
        ("metrics", include_str!("metrics.rs")),
        ("figures", include_str!("figures.rs")),
        ("health", include_str!("health.rs")),
        ("plan", include_str!("plan.rs")),
        ("report", include_str!("report.rs")),
        ("runs", include_str!("runs.rs")),
        ("fleet", include_str!("fleet.rs")),
        ("digest", include_str!("digest.rs")),
        ("trends", include_str!("trends.rs")),
        ("attention", include_str!("attention.rs")),
        ("alerts", include_str!("alerts.rs")),
        ("signals", include_str!("signals.rs")),
        ("synthetic", include_str!("synthetic.rs")),
    ];

    /// The modules a module's code (not its comments, not its tests) names as `crate::module`.
    fn uses(src: &str) -> Vec<&str> {
        let code = src.split("#[cfg(test)]").next().unwrap_or(src);
        let mut used = Vec::new();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (_, rest) in line
                .match_indices("crate::")
                .map(|(i, _)| line.split_at(i + 7))
            {
                let name: &str = &rest[..rest
                    .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                    .unwrap_or(rest.len())];
                if MODULES.iter().any(|(m, _)| *m == name) && !used.contains(&name) {
                    used.push(name);
                }
            }
        }
        used
    }

    #[test]
    fn module_graph_is_a_dag_in_the_documented_order() {
        let rank = |m: &str| MODULES.iter().position(|(n, _)| *n == m).unwrap();
        for (i, (module, src)) in MODULES.iter().enumerate() {
            for dep in uses(src) {
                assert!(
                    rank(dep) < i,
                    "{module} uses {dep}, which comes after it in the dependency order"
                );
            }
        }
        // What the split is for: the score and the plan read figures, never a report.
        let source = |m: &str| MODULES[rank(m)].1;
        assert_eq!(
            uses(source("health")),
            ["figures", "metrics", "rules", "format"]
        );
        assert_eq!(
            uses(source("plan")),
            ["figures", "format", "health", "rules"]
        );
        assert_eq!(uses(source("rules")), Vec::<&str>::new());
    }
}
