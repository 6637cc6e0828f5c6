//! The simulator's clock and its `u64` view of time. The calendar — Apify's ISO-8601
//! timestamps (`2026-01-02T03:04:05.678Z`), `startedAfter`/`startedBefore` parsing, ISO weeks
//! for the weekly `forge-trends` snapshot keys — is `forge_apify::time`; these are thin
//! wrappers over it for the simulator's unsigned unix milliseconds (UTC).

use forge_apify::time as apify_time;
use std::time::{SystemTime, UNIX_EPOCH};

pub const SEC: u64 = apify_time::MS_PER_SEC as u64;
pub const MIN: u64 = apify_time::MS_PER_MIN as u64;
pub const HOUR: u64 = apify_time::MS_PER_HOUR as u64;
pub const DAY: u64 = apify_time::MS_PER_DAY as u64;

pub fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn signed(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// `2026-01-02T03:04:05.678Z`
pub fn iso(ms: u64) -> String {
    apify_time::format_iso_millis(signed(ms))
}

/// Parses an ISO-8601 date or date-time (see `forge_apify::time::parse_iso_millis`); `None`
/// before 1970, which the simulator's clock never reaches.
pub fn parse_iso(s: &str) -> Option<u64> {
    apify_time::parse_iso_millis(s).and_then(|ms| u64::try_from(ms).ok())
}

/// ISO-8601 week of the day containing `ms`: (ISO year, week number 1..=53).
pub fn iso_week(ms: u64) -> (i64, u32) {
    apify_time::iso_week(signed(ms))
}

/// Start (Monday 00:00 UTC) of the ISO week containing `ms` (0 for the days of 1970 before its
/// first Monday, whose week began in 1969).
pub fn week_start(ms: u64) -> u64 {
    u64::try_from(apify_time::week_start(signed(ms))).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_millis_and_z() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_767_323_045_678), "2026-01-02T03:04:05.678Z");
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn parses_what_it_formats_and_common_variants() {
        for ms in [0, 1_767_323_045_678, 951_782_400_000, 1_700_000_000_001] {
            assert_eq!(parse_iso(&iso(ms)), Some(ms));
        }
        assert_eq!(parse_iso("2026-01-02"), Some(1_767_312_000_000));
        assert_eq!(parse_iso("2026-01-02T03:04:05Z"), Some(1_767_323_045_000));
        assert_eq!(parse_iso("2026-01-02T03:04:05.5Z"), Some(1_767_323_045_500));
        assert_eq!(
            parse_iso("2026-01-02T04:04:05+01:00"),
            Some(1_767_323_045_000)
        );
        assert_eq!(parse_iso("2026-13-02"), None);
        assert_eq!(parse_iso("yesterday"), None);
        assert_eq!(parse_iso("2026-01-02T03:04:05Zjunk"), None);
        assert_eq!(parse_iso("1969-12-31T23:59:59Z"), None);
    }

    #[test]
    fn iso_weeks() {
        // 2026-01-01 is a Thursday → week 1 of 2026.
        assert_eq!(iso_week(parse_iso("2026-01-01").unwrap()), (2026, 1));
        // 2024-12-30 (Monday) belongs to 2025-W01.
        assert_eq!(iso_week(parse_iso("2024-12-30").unwrap()), (2025, 1));
        // 2021-01-03 (Sunday) belongs to 2020-W53.
        assert_eq!(iso_week(parse_iso("2021-01-03").unwrap()), (2020, 53));
        let wed = parse_iso("2026-01-07T12:00:00Z").unwrap();
        assert_eq!(iso(week_start(wed)), "2026-01-05T00:00:00.000Z");
        // The first days of unix time belong to a week that began in 1969: clamped.
        assert_eq!(week_start(DAY), 0);
    }
}
