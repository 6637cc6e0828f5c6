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
//!      │ actor_report(…, Window): one pass per Actor                            [report]
//!      ▼
//!  ActorReport: runs by status, rates, p50/p95/max, cost, cost per 1,000 results,
//!               memory efficiency + suggestion, empty results, builds + release regression,
//!               staleness, daily series, health score + drivers, bucket + reason
//!      │ fleet_report(): totals, run-weighted health, daily series, action plan [fleet]
//!      ▼
//!  FleetReport (serde: cached by the app, summarised into weekly snapshots)
//! ```
//!
//! - [`window`]: the `[end − days, end)` window and its exact edge rule.
//! - [`input`]: what the engine reads ([`ActorInput`]) and its prepared form.
//! - [`metrics`]: the figures and their definitions (rates, nearest-rank percentiles, cost).
//! - [`report`]: one Actor's report.
//! - [`health`]: the published health formula, its drivers and every threshold.
//! - [`plan`]: the action plan's buckets and rules.
//! - [`fleet`]: the fleet report and the summaries a weekly snapshot keeps.
//! - [`synthetic`]: a deterministic fleet of any size for benchmarks (native and wasm).
//!
//! Determinism: the same inputs and window give the same report, field for field; "now" is an
//! input (`Window::end_ms`), never read from a clock.

pub mod fleet;
pub mod health;
pub mod input;
pub mod metrics;
pub mod plan;
pub mod report;
pub mod signals;
pub mod synthetic;
pub mod trends;
pub mod window;

pub use fleet::{
    analyze, fleet_report, fleet_report_from_inputs, BucketCounts, FleetReport, FleetSummary,
};
pub use health::{Driver, DriverKind, Health};
pub use input::{prepare, prepare_all, ActorInput, PreparedActor};
pub use metrics::{DayPoint, StatusCounts};
pub use plan::{Bucket, Placement, PlanBucket, PlanEntry};
pub use report::{actor_report, ActorReport, ActorSummary};
pub use signals::{parse_signals, SignalValue, Signals, SignalsProblem};
pub use synthetic::{synthetic_fleet, SyntheticFleet};
pub use trends::{Snapshot, SnapshotProblem, WeekOverWeek};
pub use window::Window;

#[cfg(test)]
mod tests;
