//! Chart geometry and series that are worth testing: round axis maxima, which days are partial,
//! the daily failure rate and where releases fall.

use forge_apify::time::MS_PER_DAY;
use forge_fleet::{DayPoint, Window};

/// Whether the first and the last daily bucket of `window` cover only part of their day (a
/// window ending mid-day touches `days + 1` calendar days, the first and last partial).
pub fn partial_ends(window: Window) -> (bool, bool) {
    let cut = |ms: i64| ms.rem_euclid(MS_PER_DAY) != 0;
    (cut(window.start_ms()), cut(window.end_ms))
}

/// The share of a day's finished runs that FAILED or TIMED-OUT, 0..=1; `None` on a day with no
/// finished run (no point on the line).
pub fn failure_rate(day: &DayPoint) -> Option<f64> {
    let r = &day.runs;
    let finished = r.terminal();
    (finished > 0).then(|| f64::from(r.failed + r.timed_out) / f64::from(finished))
}

/// Each release (build time, label) that falls on one of `days`, as (day index, label), in
/// the order given.
pub fn release_markers(days: &[DayPoint], releases: &[(i64, String)]) -> Vec<(usize, String)> {
    let first = days.first().map(|d| d.day_ms);
    releases
        .iter()
        .filter_map(|(ms, label)| {
            let i = (ms.div_euclid(MS_PER_DAY) * MS_PER_DAY - first?) / MS_PER_DAY;
            (0..days.len() as i64)
                .contains(&i)
                .then(|| (i as usize, label.clone()))
        })
        .collect()
}

/// The smallest "round" number (1, 2, 2.5 or 5 × 10ⁿ) at or above `v`: the top of an axis.
pub fn nice_max(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if v <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_fleet::StatusCounts;

    fn day(i: i64, succeeded: u32, failed: u32, timed_out: u32, running: u32) -> DayPoint {
        DayPoint {
            day_ms: i * MS_PER_DAY,
            runs: StatusCounts {
                succeeded,
                failed,
                timed_out,
                running,
                ..Default::default()
            },
            cost_usd: None,
        }
    }

    #[test]
    fn partial_days_failure_rates_and_releases() {
        // A window ending at midnight covers whole days; one ending at noon does not.
        assert_eq!(
            partial_ends(Window::new(7, 30 * MS_PER_DAY)),
            (false, false)
        );
        assert_eq!(
            partial_ends(Window::new(7, 30 * MS_PER_DAY + MS_PER_DAY / 2)),
            (true, true)
        );
        // 1 failed + 1 timed out of 4 finished; a running run is not finished.
        assert_eq!(failure_rate(&day(0, 2, 1, 1, 5)), Some(0.5));
        assert_eq!(failure_rate(&day(0, 0, 0, 0, 3)), None);
        // Releases on the days shown, by day; one before and one after are not marked.
        let days: Vec<DayPoint> = (10..13).map(|i| day(i, 1, 0, 0, 0)).collect();
        let at = |d: i64, h: i64, l: &str| (d * MS_PER_DAY + h * 3_600_000, l.to_string());
        assert_eq!(
            release_markers(
                &days,
                &[
                    at(9, 23, "0.1.0"),
                    at(10, 0, "0.1.1"),
                    at(12, 18, "0.1.2"),
                    at(13, 0, "0.1.3")
                ]
            ),
            [(0, "0.1.1".to_string()), (2, "0.1.2".to_string())]
        );
        assert!(release_markers(&[], &[at(1, 0, "x")]).is_empty());
    }

    #[test]
    fn axis_maxima_are_round() {
        let cases = [
            ("empty", 0.0, 1.0),
            ("units", 7.0, 10.0),
            ("quarter", 23.0, 25.0),
            ("fractions", 0.13, 0.2),
        ];
        for (case, v, want) in cases {
            assert_eq!(nice_max(v), want, "{case}");
        }
    }
}
