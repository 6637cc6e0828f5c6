//! Time without a date library: Apify's ISO-8601 timestamps (`2026-01-02T03:04:05.678Z`),
//! parsing of `startedAfter`/`startedBefore` values, and ISO week numbers for the weekly
//! `forge-trends` snapshot keys. All times are unix milliseconds (UTC).

use std::time::{SystemTime, UNIX_EPOCH};

pub const SEC: u64 = 1000;
pub const MIN: u64 = 60 * SEC;
pub const HOUR: u64 = 60 * MIN;
pub const DAY: u64 = 24 * HOUR;

pub fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 → (year, month, day). Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-01-02T03:04:05.678Z`
pub fn iso(ms: u64) -> String {
    let days = (ms / DAY) as i64;
    let rem = ms % DAY;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / HOUR,
        (rem % HOUR) / MIN,
        (rem % MIN) / SEC,
        rem % SEC
    )
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]` with an optional `Z` or `±HH:MM` offset.
pub fn parse_iso(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo as u32, d as u32) * DAY as i64;
    if b.len() > 10 {
        if b[10] != b'T' && b[10] != b' ' {
            return None;
        }
        let (h, mi) = (num(11, 2)?, num(14, 2)?);
        if b.get(13) != Some(&b':') || h > 23 || mi > 59 {
            return None;
        }
        ms += h * HOUR as i64 + mi * MIN as i64;
        let mut i = 16;
        if b.get(i) == Some(&b':') {
            let sec = num(17, 2)?;
            if sec > 60 {
                return None;
            }
            ms += sec * SEC as i64;
            i = 19;
            if b.get(i) == Some(&b'.') {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                if end == start {
                    return None;
                }
                let frac = &s[start..end.min(start + 3)];
                let mut v: i64 = frac.parse().ok()?;
                for _ in frac.len()..3 {
                    v *= 10;
                }
                ms += v;
                i = end;
            }
        }
        match b.get(i) {
            None => {}
            Some(b'Z') if i + 1 == b.len() => {}
            Some(&sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
                let off = num(i + 1, 2)? * HOUR as i64 + num(i + 4, 2)? * MIN as i64;
                ms += if sign == b'+' { -off } else { off };
            }
            _ => return None,
        }
    }
    u64::try_from(ms).ok()
}

/// ISO-8601 week of the day containing `ms`: (ISO year, week number 1..=53).
pub fn iso_week(ms: u64) -> (i64, u32) {
    let days = (ms / DAY) as i64;
    // 1970-01-01 was a Thursday; ISO weekday 1 = Monday.
    let weekday = (days + 3).rem_euclid(7) + 1;
    let thursday = days - weekday + 4;
    let (year, _, _) = civil_from_days(thursday);
    let jan1 = days_from_civil(year, 1, 1);
    (year, ((thursday - jan1) / 7 + 1) as u32)
}

/// Start (Monday 00:00 UTC) of the ISO week containing `ms`.
pub fn week_start(ms: u64) -> u64 {
    let days = (ms / DAY) as i64;
    let weekday = (days + 3).rem_euclid(7); // 0 = Monday
    ((days - weekday) as u64) * DAY
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
    }
}
