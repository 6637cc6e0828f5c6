//! Week-over-week trends: the weekly snapshot Forge writes into the user's own `forge-trends`
//! store, and the deltas between weeks.
//!
//! Apify keeps no history of "how was my fleet last week", so Forge writes one compact,
//! schema-versioned record per ISO week (`snapshot-2026-W48`) plus an index of the weeks stored
//! (`snapshot-index`). Decoding is strict about the schema version and tolerant of everything
//! else a hand-edited record may hold: a snapshot that cannot be read is reported, never fatal.
//!
//! A snapshot holds figures over the **7 days** before it was taken; the app makes it from a
//! 7-day [`FleetReport`] so that weeks compare like with like.
//!
//! Schema 2 adds fleet-level figures of the newer analytics — the week's cost by kind, the
//! Actors whose output fields got worse, the runs that ran away — beside the figures schema 1
//! kept. Records of schema 1 are still read (those figures are then empty).

use crate::fleet::FleetReport;
use crate::format::rounded;
use crate::spend::CostKind;
use forge_apify::time::{format_iso_millis, iso_week};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema this Forge writes…
pub const SNAPSHOT_VERSION: u32 = 2;
/// …and the oldest it still reads.
pub const OLDEST_READABLE_VERSION: u32 = 1;
/// Record keys are `snapshot-<ISO week>`, e.g. `snapshot-2026-W48`.
pub const SNAPSHOT_PREFIX: &str = "snapshot-";
/// The record listing the weeks stored.
pub const INDEX_KEY: &str = "snapshot-index";
/// Weeks kept in the index and shown in the trend chart.
pub const MAX_WEEKS: usize = 26;
/// The window a snapshot's figures cover.
pub const SNAPSHOT_DAYS: u32 = 7;

/// The figures compared week over week.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    pub runs: u64,
    /// SUCCEEDED / runs that finished, 0..=1.
    #[serde(default)]
    pub success_rate: Option<f64>,
    #[serde(default)]
    pub p95_duration_secs: Option<f64>,
    #[serde(default)]
    pub cost_usd: Option<f64>,
    #[serde(default)]
    pub health: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorFigures {
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// One week's record in `forge-trends`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub version: u32,
    /// ISO week, `2026-W48`.
    pub week: String,
    pub generated_at: String,
    pub fleet: Figures,
    /// By Actor id.
    pub actors: BTreeMap<String, ActorFigures>,
    /// Schema 2: the fleet's cost by kind over the week, estimated USD
    /// ([`CostBreakdown::fleet`](crate::spend::CostBreakdown::fleet)); kinds without a cost are
    /// left out.
    #[serde(default)]
    pub cost_by_kind: BTreeMap<CostKind, f64>,
    /// Schema 2: the sampled runs that split comes from.
    #[serde(default)]
    pub cost_sampled_runs: u32,
    /// Schema 2: Actors with an output field worse since their newest build.
    #[serde(default)]
    pub field_drift_actors: u32,
    /// Schema 2: Actors with a run that had run away or hung when the snapshot was taken.
    #[serde(default)]
    pub runaway_actors: u32,
}

/// The `snapshot-index` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotIndex {
    pub version: u32,
    pub weeks: Vec<String>,
}

/// Why a stored snapshot was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotProblem {
    /// Written by another version of Forge.
    UnknownVersion(u64),
    /// Not JSON, or not a snapshot's shape (corrupted or hand-edited).
    Unreadable,
}

impl std::fmt::Display for SnapshotProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotProblem::UnknownVersion(v) => {
                write!(
                    f,
                    "written by another version of Forge (schema {v}); skipped"
                )
            }
            SnapshotProblem::Unreadable => {
                write!(f, "unreadable (corrupted or edited by hand); skipped")
            }
        }
    }
}

/// `2026-W48` for a moment.
pub fn week_label(now_ms: i64) -> String {
    let (year, week) = iso_week(now_ms);
    format!("{year}-W{week:02}")
}

/// `snapshot-2026-W48`.
pub fn snapshot_key(week: &str) -> String {
    format!("{SNAPSHOT_PREFIX}{week}")
}

/// The week of a record key, if it is a snapshot key (`snapshot-index` is not).
pub fn week_of_key(key: &str) -> Option<&str> {
    let week = key.strip_prefix(SNAPSHOT_PREFIX)?;
    let (year, w) = week.split_once("-W")?;
    let ok = year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && w.len() == 2
        && w.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(week)
}

fn figures_of(
    runs: u64,
    success_rate: Option<f64>,
    p95_ms: Option<u64>,
    cost: Option<f64>,
    health: Option<u8>,
) -> Figures {
    Figures {
        runs,
        success_rate: success_rate.map(|r| rounded(r, 4)),
        p95_duration_secs: p95_ms.map(|ms| rounded(ms as f64 / 1000.0, 1)),
        cost_usd: cost.map(|c| rounded(c, 4)),
        health: health.map(f64::from),
    }
}

/// This week's snapshot from a report over the last [`SNAPSHOT_DAYS`] days.
pub fn snapshot_of(report: &FleetReport, now_ms: i64) -> Snapshot {
    let s = &report.summary;
    let actors = report
        .actors
        .iter()
        .filter(|a| a.runs.total() > 0)
        .map(|a| {
            let sum = a.summary();
            let figures = figures_of(
                u64::from(sum.runs),
                sum.success_rate,
                sum.p95_duration_ms,
                sum.cost_usd,
                Some(sum.health),
            );
            (
                sum.id,
                ActorFigures {
                    name: sum.name,
                    figures,
                },
            )
        })
        .collect();
    Snapshot {
        version: SNAPSHOT_VERSION,
        week: week_label(now_ms),
        generated_at: format_iso_millis(now_ms),
        fleet: figures_of(
            u64::from(s.runs.total()),
            s.success_rate,
            s.p95_duration_ms,
            s.cost_usd,
            s.health,
        ),
        actors,
        cost_by_kind: s
            .cost_by_kind
            .kinds
            .iter()
            .map(|k| (k.kind, rounded(k.usd, 4)))
            .collect(),
        cost_sampled_runs: s.cost_by_kind.sampled_runs,
        field_drift_actors: report
            .actors
            .iter()
            .filter(|a| a.fields.drifted().next().is_some())
            .count() as u32,
        runaway_actors: report.actors.iter().filter(|a| a.runaway.is_some()).count() as u32,
    }
}

/// Compact JSON for the record.
pub fn encode(snapshot: &Snapshot) -> String {
    serde_json::to_string(snapshot).unwrap_or_default()
}

/// Reads a stored record: the version first (so a future schema is named as such), then the
/// shape.
pub fn decode(bytes: &[u8]) -> Result<Snapshot, SnapshotProblem> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| SnapshotProblem::Unreadable)?;
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v)
            if (u64::from(OLDEST_READABLE_VERSION)..=u64::from(SNAPSHOT_VERSION)).contains(&v) => {}
        Some(v) => return Err(SnapshotProblem::UnknownVersion(v)),
        None => return Err(SnapshotProblem::Unreadable),
    }
    let snapshot: Snapshot =
        serde_json::from_value(value).map_err(|_| SnapshotProblem::Unreadable)?;
    if week_of_key(&snapshot_key(&snapshot.week)).is_none() {
        return Err(SnapshotProblem::Unreadable);
    }
    Ok(snapshot)
}

/// The index after storing `week`: sorted, without duplicates, the newest [`MAX_WEEKS`].
pub fn index_with(previous: Option<&SnapshotIndex>, week: &str) -> SnapshotIndex {
    let mut weeks: Vec<String> = previous.map(|i| i.weeks.clone()).unwrap_or_default();
    weeks.retain(|w| week_of_key(&snapshot_key(w)).is_some());
    weeks.push(week.to_string());
    forge_apify::sort::sort(&mut weeks);
    weeks.dedup();
    let excess = weeks.len().saturating_sub(MAX_WEEKS);
    weeks.drain(..excess);
    SnapshotIndex {
        version: SNAPSHOT_VERSION,
        weeks,
    }
}

/// Which way a change goes for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Better,
    Worse,
    /// Within the noise band (see [`deltas`]).
    Same,
    /// Neither better nor worse by itself (run volume).
    Neutral,
    /// One side is missing.
    Unknown,
}

impl Direction {
    /// The direction as a stable code (`worse`): its serde name, for data attributes and CSS.
    pub fn code(self) -> &'static str {
        match self {
            Direction::Better => "better",
            Direction::Worse => "worse",
            Direction::Same => "same",
            Direction::Neutral => "neutral",
            Direction::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub previous: Option<f64>,
    pub current: Option<f64>,
    /// `current − previous`.
    pub change: Option<f64>,
    pub direction: Direction,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FigureDeltas {
    pub runs: Delta,
    pub success_rate: Delta,
    pub p95_duration_secs: Delta,
    pub cost_usd: Delta,
    pub health: Delta,
}

impl FigureDeltas {
    /// How much worse the week got, for sorting "what got worse this week" (higher = worse):
    /// health points lost, then success-rate points lost, then relative cost growth.
    pub fn worsening(&self) -> f64 {
        let lost = |d: &Delta| -d.change.unwrap_or(0.0);
        let cost_growth = match (self.cost_usd.previous, self.cost_usd.current) {
            (Some(p), Some(c)) if p > 0.0 => (c - p) / p,
            _ => 0.0,
        };
        lost(&self.health) + 100.0 * lost(&self.success_rate) * 0.5 + cost_growth * 10.0
    }

    pub fn any_worse(&self) -> bool {
        [
            self.success_rate,
            self.p95_duration_secs,
            self.cost_usd,
            self.health,
        ]
        .iter()
        .any(|d| d.direction == Direction::Worse)
    }
}

/// How a metric's change is judged.
enum Polarity {
    HigherIsBetter,
    LowerIsBetter,
    Neutral,
}

/// Noise bands: changes smaller than these are [`Direction::Same`] — half a percentage point
/// of success rate, one health point, 5 % of p95 duration or of cost.
fn delta(
    previous: Option<f64>,
    current: Option<f64>,
    polarity: Polarity,
    band: impl Fn(f64) -> f64,
) -> Delta {
    let (Some(p), Some(c)) = (previous, current) else {
        return Delta {
            previous,
            current,
            change: None,
            direction: Direction::Unknown,
        };
    };
    let change = c - p;
    let direction = match polarity {
        Polarity::Neutral => Direction::Neutral,
        _ if change.abs() < band(p) => Direction::Same,
        Polarity::HigherIsBetter if change > 0.0 => Direction::Better,
        Polarity::LowerIsBetter if change < 0.0 => Direction::Better,
        _ => Direction::Worse,
    };
    Delta {
        previous,
        current,
        change: Some(change),
        direction,
    }
}

/// Week-over-week deltas of one set of figures.
pub fn deltas(current: &Figures, previous: &Figures) -> FigureDeltas {
    let relative = |p: f64| (p.abs() * 0.05).max(1e-9);
    FigureDeltas {
        runs: delta(
            Some(previous.runs as f64),
            Some(current.runs as f64),
            Polarity::Neutral,
            |_| 0.0,
        ),
        success_rate: delta(
            previous.success_rate,
            current.success_rate,
            Polarity::HigherIsBetter,
            |_| 0.005,
        ),
        p95_duration_secs: delta(
            previous.p95_duration_secs,
            current.p95_duration_secs,
            Polarity::LowerIsBetter,
            relative,
        ),
        cost_usd: delta(
            previous.cost_usd,
            current.cost_usd,
            Polarity::LowerIsBetter,
            relative,
        ),
        health: delta(
            previous.health,
            current.health,
            Polarity::HigherIsBetter,
            |_| 1.0,
        ),
    }
}

/// This week against the previous stored week, for the fleet and each Actor present in both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekOverWeek {
    pub week: String,
    pub previous_week: String,
    pub fleet: FigureDeltas,
    /// By Actor id: (name, deltas).
    pub actors: BTreeMap<String, (String, FigureDeltas)>,
}

/// Compares `current` with the stored snapshot it should be compared with: the newest one taken
/// at least six days before it (so the two 7-day periods do not overlap, with a day's slack for
/// when in the week each was written), else the newest of an earlier week.
pub fn week_over_week(current: &Snapshot, stored: &[Snapshot]) -> Option<WeekOverWeek> {
    use forge_apify::time::{parse_iso_millis, MS_PER_DAY};
    let taken = |s: &Snapshot| parse_iso_millis(&s.generated_at);
    let earlier: Vec<&Snapshot> = stored.iter().filter(|s| s.week < current.week).collect();
    let apart = taken(current).map(|now| now - 6 * MS_PER_DAY);
    let previous = earlier
        .iter()
        .filter(|s| matches!((taken(s), apart), (Some(t), Some(limit)) if t <= limit))
        .max_by_key(|s| taken(s))
        .or_else(|| earlier.iter().max_by(|a, b| a.week.cmp(&b.week)))
        .copied()?;
    let actors = current
        .actors
        .iter()
        .filter_map(|(id, now)| {
            let before = previous.actors.get(id)?;
            Some((
                id.clone(),
                (now.name.clone(), deltas(&now.figures, &before.figures)),
            ))
        })
        .collect();
    Some(WeekOverWeek {
        week: current.week.clone(),
        previous_week: previous.week.clone(),
        fleet: deltas(&current.fleet, &previous.fleet),
        actors,
    })
}

/// The trend chart's series: one point per stored week (newest [`MAX_WEEKS`]), oldest first,
/// with `current` replacing a stored snapshot of the same week.
pub fn series<'a>(stored: &'a [Snapshot], current: Option<&'a Snapshot>) -> Vec<&'a Snapshot> {
    let mut by_week: BTreeMap<&str, &Snapshot> =
        stored.iter().map(|s| (s.week.as_str(), s)).collect();
    if let Some(c) = current {
        by_week.insert(c.week.as_str(), c);
    }
    let all: Vec<&Snapshot> = by_week.into_values().collect();
    let skip = all.len().saturating_sub(MAX_WEEKS);
    all.into_iter().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(runs: u64, rate: f64, p95: f64, cost: f64, health: f64) -> Figures {
        Figures {
            runs,
            success_rate: Some(rate),
            p95_duration_secs: Some(p95),
            cost_usd: Some(cost),
            health: Some(health),
        }
    }

    fn snapshot(week: &str, fleet: Figures, actors: &[(&str, &str, Figures)]) -> Snapshot {
        Snapshot {
            version: SNAPSHOT_VERSION,
            cost_by_kind: BTreeMap::new(),
            cost_sampled_runs: 0,
            field_drift_actors: 0,
            runaway_actors: 0,
            week: week.into(),
            generated_at: "2026-11-23T00:05:00.000Z".into(),
            fleet,
            actors: actors
                .iter()
                .map(|(id, name, f)| {
                    (
                        id.to_string(),
                        ActorFigures {
                            name: name.to_string(),
                            figures: *f,
                        },
                    )
                })
                .collect(),
        }
    }

    /// Frozen wire format of schema 1: the records already in users' stores must stay readable.
    const FROZEN: &str = r#"{"version":1,"week":"2026-W47","generatedAt":"2026-11-23T00:05:00.000Z","fleet":{"runs":120,"successRate":0.95,"p95DurationSecs":61.5,"costUsd":3.25,"health":91.0},"actors":{"A1":{"name":"healthy-workhorse","runs":100,"successRate":0.99,"p95DurationSecs":30.0,"costUsd":1.0,"health":99.0},"A2":{"name":"cost-spike","runs":20,"successRate":0.75,"p95DurationSecs":80.0,"costUsd":2.25,"health":70.0}}}"#;

    fn frozen() -> Snapshot {
        let mut s = snapshot(
            "2026-W47",
            figures(120, 0.95, 61.5, 3.25, 91.0),
            &[
                (
                    "A1",
                    "healthy-workhorse",
                    figures(100, 0.99, 30.0, 1.0, 99.0),
                ),
                ("A2", "cost-spike", figures(20, 0.75, 80.0, 2.25, 70.0)),
            ],
        );
        s.version = 1;
        s
    }

    /// Frozen wire format of schema 2, what this Forge writes.
    const FROZEN_V2: &str = r#"{"version":2,"week":"2026-W47","generatedAt":"2026-11-23T00:05:00.000Z","fleet":{"runs":120,"successRate":0.95,"p95DurationSecs":61.5,"costUsd":3.25,"health":91.0},"actors":{"A1":{"name":"healthy-workhorse","runs":100,"successRate":0.99,"p95DurationSecs":30.0,"costUsd":1.0,"health":99.0},"A2":{"name":"cost-spike","runs":20,"successRate":0.75,"p95DurationSecs":80.0,"costUsd":2.25,"health":70.0}},"costByKind":{"compute":2.5,"residential-proxy":0.75},"costSampledRuns":6,"fieldDriftActors":1,"runawayActors":0}"#;

    #[test]
    fn encode_decode_frozen_example() {
        let mut v2 = frozen();
        v2.version = 2;
        v2.cost_by_kind = [(CostKind::Compute, 2.5), (CostKind::ResidentialProxy, 0.75)].into();
        v2.cost_sampled_runs = 6;
        v2.field_drift_actors = 1;
        assert_eq!(encode(&v2), FROZEN_V2);
        assert_eq!(decode(FROZEN_V2.as_bytes()).unwrap(), v2);
        // Schema 1 still reads, without the figures schema 2 added.
        let v1 = decode(FROZEN.as_bytes()).unwrap();
        assert_eq!(v1, frozen());
        assert!(v1.cost_by_kind.is_empty() && v1.field_drift_actors == 0);
        // And compares with a schema-2 week like any other.
        let mut earlier = v1;
        earlier.week = "2026-W46".into();
        earlier.generated_at = "2026-11-16T00:05:00.000Z".into();
        let wow = week_over_week(&v2, std::slice::from_ref(&earlier)).expect("a week to compare");
        assert_eq!(wow.previous_week, "2026-W46");
        assert_eq!(wow.fleet.health.direction, Direction::Same);
    }

    #[test]
    fn reads_the_simulators_pretty_records_with_integer_health_and_nulls() {
        let pretty = r#"{
          "version": 1, "week": "2026-W43", "generatedAt": "2026-10-26T00:05:00.000Z",
          "fleet": {"runs": 0, "successRate": 0.0, "p95DurationSecs": null, "costUsd": 0.0, "health": 0},
          "actors": {"X": {"name": "n", "runs": 3, "successRate": 1.0, "p95DurationSecs": 12.5, "costUsd": 0.01, "health": 97, "extra": true}}
        }"#;
        let s = decode(pretty.as_bytes()).unwrap();
        assert_eq!(s.fleet.p95_duration_secs, None);
        assert_eq!(s.actors["X"].figures.health, Some(97.0));
    }

    #[test]
    fn unreadable_snapshots_are_named_not_fatal() {
        assert_eq!(decode(b"not json"), Err(SnapshotProblem::Unreadable));
        assert_eq!(decode(b"[]"), Err(SnapshotProblem::Unreadable));
        assert_eq!(
            decode(br#"{"version":3,"week":"2026-W47"}"#),
            Err(SnapshotProblem::UnknownVersion(3))
        );
        assert_eq!(
            decode(br#"{"version":0,"week":"2026-W47"}"#),
            Err(SnapshotProblem::UnknownVersion(0))
        );
        assert_eq!(
            decode(br#"{"version":1,"week":"2026-W47"}"#),
            Err(SnapshotProblem::Unreadable)
        );
        let edited = FROZEN.replace("\"week\":\"2026-W47\"", "\"week\":\"last week\"");
        assert_eq!(decode(edited.as_bytes()), Err(SnapshotProblem::Unreadable));
        let edited = FROZEN.replace("\"runs\":120", "\"runs\":\"many\"");
        assert_eq!(decode(edited.as_bytes()), Err(SnapshotProblem::Unreadable));
        assert!(SnapshotProblem::UnknownVersion(2)
            .to_string()
            .contains("another version"));
    }

    #[test]
    fn keys_weeks_and_index() {
        // 2026-11-29 is a Sunday, the last day of ISO week 48.
        let now = forge_apify::time::parse_iso_millis("2026-11-29T20:00:00Z").unwrap();
        assert_eq!(week_label(now), "2026-W48");
        assert_eq!(snapshot_key("2026-W48"), "snapshot-2026-W48");
        assert_eq!(week_of_key("snapshot-2026-W48"), Some("2026-W48"));
        assert_eq!(week_of_key(INDEX_KEY), None);
        assert_eq!(week_of_key("snapshot-2026-W4"), None);
        let i = index_with(None, "2026-W48");
        assert_eq!(i.weeks, ["2026-W48"]);
        let i = index_with(
            Some(&SnapshotIndex {
                version: 1,
                weeks: vec!["2026-W48".into(), "2026-W46".into(), "junk".into()],
            }),
            "2026-W47",
        );
        assert_eq!(
            i.weeks,
            ["2026-W46", "2026-W47", "2026-W48"],
            "sorted, deduplicated, junk dropped"
        );
        let many = SnapshotIndex {
            version: 1,
            weeks: (1..=30).map(|w| format!("2026-W{w:02}")).collect(),
        };
        let i = index_with(Some(&many), "2026-W31");
        assert_eq!(i.weeks.len(), MAX_WEEKS);
        assert_eq!(i.weeks.last().unwrap(), "2026-W31");
    }

    #[test]
    fn deltas_judge_each_metric_in_its_own_direction() {
        let before = figures(100, 0.95, 60.0, 10.0, 90.0);
        let after = figures(130, 0.80, 90.0, 30.0, 70.0);
        let d = deltas(&after, &before);
        assert_eq!(d.runs.direction, Direction::Neutral);
        assert_eq!(d.runs.change, Some(30.0));
        assert_eq!(d.success_rate.direction, Direction::Worse);
        assert!((d.success_rate.change.unwrap() + 0.15).abs() < 1e-12);
        assert_eq!(d.p95_duration_secs.direction, Direction::Worse);
        assert_eq!(d.cost_usd.direction, Direction::Worse);
        assert_eq!(d.health.direction, Direction::Worse);
        assert!(d.any_worse());
        let better = deltas(&before, &after);
        assert_eq!(better.health.direction, Direction::Better);
        assert_eq!(better.cost_usd.direction, Direction::Better);
        // Inside the noise bands: the same.
        let d = deltas(&figures(100, 0.951, 61.0, 10.2, 90.5), &before);
        for x in [d.success_rate, d.p95_duration_secs, d.cost_usd, d.health] {
            assert_eq!(x.direction, Direction::Same, "{x:?}");
        }
        // A missing side is unknown, never a made-up zero.
        let no_cost = Figures {
            cost_usd: None,
            ..before
        };
        assert_eq!(
            deltas(&no_cost, &before).cost_usd.direction,
            Direction::Unknown
        );
        assert_eq!(deltas(&no_cost, &before).cost_usd.change, None);
    }

    #[test]
    fn week_over_week_uses_the_newest_earlier_week_and_sorts_by_worsening() {
        let w46 = snapshot(
            "2026-W46",
            figures(100, 0.9, 60.0, 3.0, 85.0),
            &[("A2", "cost-spike", figures(20, 0.9, 80.0, 1.0, 90.0))],
        );
        let w47 = frozen();
        let w48 = snapshot(
            "2026-W48",
            figures(125, 0.9, 70.0, 6.0, 84.0),
            &[
                (
                    "A1",
                    "healthy-workhorse",
                    figures(100, 0.99, 30.0, 1.0, 99.0),
                ),
                ("A2", "cost-spike", figures(25, 0.74, 80.0, 5.0, 60.0)),
                ("A3", "new-actor", figures(1, 1.0, 5.0, 0.01, 100.0)),
            ],
        );
        let wow = week_over_week(&w48, &[w46.clone(), w47.clone(), w48.clone()]).unwrap();
        assert_eq!(
            (wow.week.as_str(), wow.previous_week.as_str()),
            ("2026-W48", "2026-W47")
        );
        assert_eq!(wow.actors.len(), 2, "A3 has no previous week");
        let mut worst: Vec<(&String, f64)> = wow
            .actors
            .iter()
            .map(|(id, (_, d))| (id, d.worsening()))
            .collect();
        worst.sort_by(|a, b| b.1.total_cmp(&a.1));
        assert_eq!(worst[0].0, "A2");
        assert_eq!(wow.actors["A1"].1.health.direction, Direction::Same);
        assert!(
            week_over_week(&w46, &[w46.clone(), w47]).is_none(),
            "nothing earlier than W46"
        );
        let stored = [w46.clone(), frozen()];
        let series = series(&stored, Some(&w48));
        assert_eq!(
            series.iter().map(|s| s.week.as_str()).collect::<Vec<_>>(),
            ["2026-W46", "2026-W47", "2026-W48"]
        );
    }
}
