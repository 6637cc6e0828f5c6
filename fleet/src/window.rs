//! The time window a report covers.
//!
//! Every figure on the dashboard is "over the last N days", so the edge rule has to be exact and
//! the same everywhere — in the engine, in the loader's `startedAfter`, and in a test that puts a
//! run one millisecond either side of it.
//!
//! **Edge rule.** A window is the half-open interval `[start, end)` with
//! `start = end − days × 86 400 000 ms`. A run belongs to the window when its `startedAt` is in
//! that interval: a run started exactly at `start` counts, one started exactly at `end` does not
//! (it belongs to the next window), and a run that started before `start` does not count even if
//! it finished inside — a run is counted once, where it began. This matches Apify's
//! `startedAfter` filter (inclusive), so `startedAfter = start` loads exactly the window's runs;
//! [`Window::started_after`] reaches further back when the change-detection periods (fixed: the
//! cost spike's 28 days, the release check's 30) are longer than the window.
//!
//! **Days.** Daily series have one bucket per UTC calendar day that the window touches: from the
//! day containing `start` to the day containing `end − 1 ms`. A window ending at midnight has
//! exactly `days` buckets; one ending mid-day has `days + 1`, the first and last partial.

use forge_apify::time::{format_iso_millis, MS_PER_DAY};
use serde::{Deserialize, Serialize};

/// The window the dashboard uses unless the user picks another.
pub const DEFAULT_WINDOW_DAYS: u32 = 30;
/// The windows the dashboard offers.
pub const WINDOW_CHOICES: [u32; 3] = [7, 30, 90];
/// Longest window the engine accepts (longer requests are clamped).
pub const MAX_WINDOW_DAYS: u32 = 366;
use crate::rules::{COST_SPIKE_BASELINE_DAYS, COST_SPIKE_RECENT_DAYS, REGRESSION_PERIOD_DAYS};

/// `[end − days, end)` in unix milliseconds; see the module docs for the edge rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    /// Length in days, 1..=366 (the dashboard offers 7, 30 and 90).
    pub days: u32,
    /// Exclusive end, unix ms — normally "now" when the report is computed. Ages (of builds, of
    /// the last run) are measured from here too.
    pub end_ms: i64,
}

impl Window {
    /// A window of `days` (clamped to 1..=366) ending at `end_ms`.
    pub fn new(days: u32, end_ms: i64) -> Window {
        Window {
            days: days.clamp(1, MAX_WINDOW_DAYS),
            end_ms,
        }
    }

    /// The default 30-day window ending at `now_ms`.
    pub fn default_at(now_ms: i64) -> Window {
        Window::new(DEFAULT_WINDOW_DAYS, now_ms)
    }

    /// Inclusive start, unix ms.
    pub fn start_ms(&self) -> i64 {
        self.end_ms - i64::from(self.days) * MS_PER_DAY
    }

    /// Whether a run started at `started_ms` belongs to the window.
    #[inline]
    pub fn contains(&self, started_ms: i64) -> bool {
        started_ms >= self.start_ms() && started_ms < self.end_ms
    }

    /// The earliest start of a run that any figure of this window reads: the window's start,
    /// or the change-detection periods' when they reach further back (a 7-day window's cost
    /// spike compares with days 8–28).
    pub fn data_start_ms(&self) -> i64 {
        let (baseline, _) = self.cost_spike_starts_ms();
        self.start_ms()
            .min(baseline)
            .min(self.regression_start_ms())
    }

    /// The `startedAfter` value that loads every run this window's figures read
    /// ([`Window::data_start_ms`]): for 30 days and more, exactly the window's runs.
    pub fn started_after(&self) -> String {
        format_iso_millis(self.data_start_ms())
    }

    /// The cost-spike check's periods, the same whatever the window's length:
    /// `(baseline start, recent start)`; the baseline is `[baseline start, recent start)`, the
    /// recent period `[recent start, end)` (see `rules::COST_SPIKE_*`).
    pub fn cost_spike_starts_ms(&self) -> (i64, i64) {
        let recent = self.end_ms - i64::from(COST_SPIKE_RECENT_DAYS) * MS_PER_DAY;
        (
            recent - i64::from(COST_SPIKE_BASELINE_DAYS) * MS_PER_DAY,
            recent,
        )
    }

    /// Start of the release-regression check's period `[start, end)`, the same whatever the
    /// window's length (`rules::REGRESSION_PERIOD_DAYS`).
    pub fn regression_start_ms(&self) -> i64 {
        self.end_ms - i64::from(REGRESSION_PERIOD_DAYS) * MS_PER_DAY
    }

    /// Day number (days since 1970-01-01, UTC) of the first daily bucket.
    pub fn first_day(&self) -> i64 {
        self.start_ms().div_euclid(MS_PER_DAY)
    }

    /// Number of daily buckets (`days` or `days + 1`, see the module docs).
    pub fn day_count(&self) -> usize {
        let last = (self.end_ms - 1).div_euclid(MS_PER_DAY);
        (last - self.first_day() + 1).max(1) as usize
    }

    /// Index of the daily bucket of a time inside the window.
    #[inline]
    pub fn day_index(&self, ms: i64) -> usize {
        (ms.div_euclid(MS_PER_DAY) - self.first_day()) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::time::parse_iso_millis;

    fn at(s: &str) -> i64 {
        parse_iso_millis(s).unwrap()
    }

    #[test]
    fn half_open_edges() {
        let w = Window::new(30, at("2026-11-30T00:00:00Z"));
        assert_eq!(w.start_ms(), at("2026-10-31T00:00:00Z"));
        assert!(w.contains(w.start_ms()));
        assert!(!w.contains(w.start_ms() - 1));
        assert!(w.contains(w.end_ms - 1));
        assert!(!w.contains(w.end_ms));
        assert_eq!(w.started_after(), "2026-10-31T00:00:00.000Z");
    }

    #[test]
    fn daily_buckets() {
        let midnight = Window::new(7, at("2026-11-30T00:00:00Z"));
        assert_eq!(midnight.day_count(), 7);
        assert_eq!(midnight.day_index(at("2026-11-23T00:00:00Z")), 0);
        assert_eq!(midnight.day_index(at("2026-11-29T23:59:59.999Z")), 6);
        let midday = Window::new(7, at("2026-11-30T12:00:00Z"));
        assert_eq!(midday.day_count(), 8);
        assert_eq!(midday.day_index(midday.start_ms()), 0);
        assert_eq!(midday.day_index(midday.end_ms - 1), 7);
    }

    #[test]
    fn clamps_and_fixed_change_periods() {
        assert_eq!(Window::new(0, 0).days, 1);
        assert_eq!(Window::new(10_000, 0).days, MAX_WINDOW_DAYS);
        assert_eq!(Window::default_at(0).days, 30);
        // The cost spike's baseline (days 8–28 back) and recent week, and the release check's
        // 30 days, end with the window and do not depend on its length.
        for days in [1, 7, 30, 90] {
            let w = Window::new(days, 0);
            assert_eq!(
                w.cost_spike_starts_ms(),
                (-28 * MS_PER_DAY, -7 * MS_PER_DAY),
                "{days}"
            );
            assert_eq!(w.regression_start_ms(), -30 * MS_PER_DAY, "{days}");
            // What a loader must read reaches back to both.
            assert_eq!(
                w.data_start_ms(),
                w.start_ms().min(-30 * MS_PER_DAY),
                "{days}"
            );
        }
    }
}
