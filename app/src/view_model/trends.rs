//! Week-over-week changes in words: `▲ +3 (91)`, `▼ −2.1 pt (95%)`.

use crate::view_model::fleet_table::{arrow, signed};
use crate::view_model::format::{duration, pct, usd};
use forge_fleet::trends::{Delta, FigureDeltas};

/// How one figure's change and its current value read.
#[derive(Debug, Clone, Copy)]
pub struct DeltaFigure {
    pub label: &'static str,
    /// `data-figure` (tests read it).
    pub code: &'static str,
    pub delta: Delta,
    pub change: fn(f64) -> String,
    pub value: fn(f64) -> String,
}

impl DeltaFigure {
    /// `▲ +3 (91)`, or "no comparison" when a side is missing.
    pub fn text(&self) -> String {
        match (self.delta.change, self.delta.current) {
            (Some(c), Some(now)) => format!(
                "{} {} ({})",
                arrow(&self.delta),
                signed(c, self.change),
                (self.value)(now)
            ),
            _ => "no comparison".to_string(),
        }
    }
}

pub fn count(v: f64) -> String {
    format!("{v:.0}")
}
pub fn points(v: f64) -> String {
    format!("{v:.1} pt")
}
/// A rate already in percent (`93.7` → `94%`), as every table prints it.
pub fn percent(v: f64) -> String {
    pct(v / 100.0)
}
/// Seconds as a run's length (`1298.0` → `21m 38s`), as every table prints it.
pub fn secs(v: f64) -> String {
    duration((v * 1000.0).round().max(0.0) as u64)
}
pub fn money(v: f64) -> String {
    usd(v)
}

/// The five deltas of one set of figures, in the order the cards show them. Rates become
/// percentage points.
pub fn delta_figures(d: FigureDeltas) -> [DeltaFigure; 5] {
    let rate = |x: Delta| Delta {
        previous: x.previous.map(|v| v * 100.0),
        current: x.current.map(|v| v * 100.0),
        change: x.change.map(|v| v * 100.0),
        direction: x.direction,
    };
    let figure = |label, code, delta, change, value| DeltaFigure {
        label,
        code,
        delta,
        change,
        value,
    };
    [
        figure("Health", "health", d.health, count, count),
        figure(
            "Success rate",
            "success",
            rate(d.success_rate),
            points,
            percent,
        ),
        figure("Cost", "cost", d.cost_usd, money, money),
        figure("p95 duration", "p95", d.p95_duration_secs, secs, secs),
        figure("Runs", "runs", d.runs, count, count),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_fleet::trends::Direction;

    #[test]
    fn a_change_reads_with_its_arrow_and_current_value() {
        let d = |previous: Option<f64>, current: Option<f64>, direction| Delta {
            previous,
            current,
            change: previous.zip(current).map(|(p, c)| c - p),
            direction,
        };
        let health = DeltaFigure {
            label: "Health",
            code: "health",
            delta: d(Some(88.0), Some(91.0), Direction::Better),
            change: count,
            value: count,
        };
        assert_eq!(health.text(), "▲ +3 (91)");
        let missing = DeltaFigure {
            delta: d(None, Some(91.0), Direction::Unknown),
            ..health
        };
        assert_eq!(missing.text(), "no comparison");
    }
}
