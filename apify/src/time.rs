//! Apify's timestamps without a date library.
//!
//! Apify writes every time as ISO-8601 in UTC with milliseconds (`2026-11-29T19:30:05.123Z`).
//! Forge keeps them as strings in the models (so nothing is lost or reformatted on the way
//! through) and converts them to unix milliseconds exactly once, where it computes. This module
//! is that conversion: small, allocation-free, `no_std`-simple and wasm-safe, so forge-apify
//! stays dependency-light (serde only) and the fleet engine can parse a million timestamps fast.
//!
//! All times are unix milliseconds (`i64`, UTC). Dates use the proleptic Gregorian calendar
//! (Howard Hinnant's `days_from_civil` / `civil_from_days`).

/// Milliseconds per second.
pub const MS_PER_SEC: i64 = 1_000;
/// Milliseconds per minute.
pub const MS_PER_MIN: i64 = 60 * MS_PER_SEC;
/// Milliseconds per hour.
pub const MS_PER_HOUR: i64 = 60 * MS_PER_MIN;
/// Milliseconds per (UTC) day. Leap seconds do not exist in unix time.
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// Parses an ISO-8601 date-time as Apify writes it into unix milliseconds.
///
/// Accepted: `YYYY-MM-DD`, then optionally `T` (or a space) `HH:MM`, optionally `:SS`,
/// optionally a fraction of any length (`.1`, `.123`, `.123456` — digits past milliseconds are
/// truncated), then optionally `Z`/`z` or an offset `±HH:MM` / `±HHMM` / `±HH`. Without a zone
/// the time is taken as UTC (Apify never omits it). A second of `60` (leap second) is accepted
/// and counts as the next second, as unix time does. Anything else — out-of-range fields,
/// trailing junk, a non-ASCII byte — is `None`, never a guess.
///
/// ```
/// use forge_apify::time::parse_iso_millis;
/// assert_eq!(parse_iso_millis("2026-11-29T19:30:05.123Z"), Some(1_795_980_605_123));
/// assert_eq!(parse_iso_millis("2026-11-29T19:30:05Z"), Some(1_795_980_605_000));
/// assert_eq!(parse_iso_millis("not a date"), None);
/// ```
pub fn parse_iso_millis(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    time_of_day(b, date_ms(b)?)
}

/// The `YYYY-MM-DD` at the start of `b`, as unix ms of its midnight (UTC).
fn date_ms(b: &[u8]) -> Option<i64> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month as u32) {
        return None;
    }
    Some(days_from_civil(year, month as u32, day as u32) * MS_PER_DAY)
}

/// [`parse_iso_millis`] for many timestamps that share their dates, as one Actor's runs do: the
/// last date is remembered, so its calendar arithmetic runs once per day rather than once per
/// timestamp. Same answers as [`parse_iso_millis`].
#[derive(Debug, Clone, Default)]
pub struct IsoParser {
    last: Option<([u8; 10], i64)>,
}

impl IsoParser {
    pub fn parse(&mut self, s: &str) -> Option<i64> {
        let b = s.as_bytes();
        let head: [u8; 10] = b.get(..10)?.try_into().ok()?;
        let day = match self.last {
            Some((d, ms)) if d == head => ms,
            _ => {
                let ms = date_ms(b)?;
                self.last = Some((head, ms));
                ms
            }
        };
        time_of_day(b, day)
    }
}

/// The rest of an ISO 8601 timestamp after its date (`b[10..]`), added to the date's `ms`.
fn time_of_day(b: &[u8], mut ms: i64) -> Option<i64> {
    if b.len() == 10 {
        return Some(ms);
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return None;
    }
    if b.len() < 16 || b[13] != b':' {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    if hour > 23 || minute > 59 {
        return None;
    }
    ms += hour * MS_PER_HOUR + minute * MS_PER_MIN;
    let mut i = 16;
    if b.get(i) == Some(&b':') {
        let second = digits(b, 17, 2)?;
        if second > 60 {
            return None;
        }
        ms += second * MS_PER_SEC;
        i = 19;
        if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
            i += 1;
            let start = i;
            let mut frac = 0i64;
            while let Some(&c) = b.get(i) {
                if !c.is_ascii_digit() {
                    break;
                }
                if i - start < 3 {
                    frac = frac * 10 + i64::from(c - b'0');
                }
                i += 1;
            }
            let n = i - start;
            if n == 0 {
                return None;
            }
            for _ in n..3 {
                frac *= 10;
            }
            ms += frac;
        }
    }
    match b.get(i) {
        None => Some(ms),
        Some(b'Z' | b'z') if i + 1 == b.len() => Some(ms),
        Some(&sign @ (b'+' | b'-')) => {
            let rest = &b[i + 1..];
            let (oh, om) = match rest.len() {
                2 => (digits(rest, 0, 2)?, 0),
                4 => (digits(rest, 0, 2)?, digits(rest, 2, 2)?),
                5 if rest[2] == b':' => (digits(rest, 0, 2)?, digits(rest, 3, 2)?),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let offset = oh * MS_PER_HOUR + om * MS_PER_MIN;
            Some(if sign == b'+' {
                ms - offset
            } else {
                ms + offset
            })
        }
        _ => None,
    }
}

/// Formats unix milliseconds the way Apify does: `2026-11-29T19:30:05.123Z`.
///
/// Use it for `startedAfter`/`startedBefore` query values and in tests; it round-trips with
/// [`parse_iso_millis`] for every year 0..=9999.
pub fn format_iso_millis(ms: i64) -> String {
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / MS_PER_HOUR,
        (rem % MS_PER_HOUR) / MS_PER_MIN,
        (rem % MS_PER_MIN) / MS_PER_SEC,
        rem % MS_PER_SEC
    )
}

/// Formats unix **seconds** as RFC 3339 in UTC without a fraction: `2026-11-29T19:30:05Z`.
///
/// This is the relay's own timestamp format (`sealedAt`, `expiresAt` of
/// [`crate::wire::SessionInfo`]); [`parse_rfc3339_secs`] reads it back.
///
/// ```
/// use forge_apify::time::format_rfc3339_secs;
/// assert_eq!(format_rfc3339_secs(0), "1970-01-01T00:00:00Z");
/// assert_eq!(format_rfc3339_secs(1_796_002_205), "2026-11-30T01:30:05Z");
/// ```
pub fn format_rfc3339_secs(secs: i64) -> String {
    const SECS_PER_DAY: i64 = MS_PER_DAY / MS_PER_SEC;
    let (y, m, d) = civil_from_days(secs.div_euclid(SECS_PER_DAY));
    let rem = secs.rem_euclid(SECS_PER_DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Parses a full RFC 3339 date-time — seconds and a zone (`Z` or an offset) required, a
/// fraction optional and truncated — into unix **seconds** (rounded down). What
/// [`format_rfc3339_secs`] writes, and what Apify writes, both parse; a bare date, a time
/// without seconds or without a zone is `None`.
///
/// ```
/// use forge_apify::time::parse_rfc3339_secs;
/// assert_eq!(parse_rfc3339_secs("2026-11-30T01:30:05Z"), Some(1_796_002_205));
/// assert_eq!(parse_rfc3339_secs("2026-11-30T02:30:05.999+01:00"), Some(1_796_002_205));
/// assert_eq!(parse_rfc3339_secs("2026-11-30"), None);
/// ```
pub fn parse_rfc3339_secs(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let has_seconds = b.len() >= 20 && b.get(16) == Some(&b':');
    let has_zone = matches!(b.last(), Some(b'Z' | b'z'))
        || b.get(19..)
            .is_some_and(|rest| rest.iter().any(|&c| c == b'+' || c == b'-'));
    if !has_seconds || !has_zone {
        return None;
    }
    parse_iso_millis(s).map(|ms| ms.div_euclid(MS_PER_SEC))
}

/// The UTC calendar date of `ms` as `YYYY-MM-DD` (the label of a daily bucket).
pub fn format_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Start (00:00:00.000 UTC) of the day containing `ms`.
pub fn day_start(ms: i64) -> i64 {
    ms.div_euclid(MS_PER_DAY) * MS_PER_DAY
}

/// Start (Monday 00:00:00.000 UTC) of the ISO-8601 week containing `ms`.
pub fn week_start(ms: i64) -> i64 {
    let days = ms.div_euclid(MS_PER_DAY);
    // 1970-01-01 was a Thursday; 0 = Monday … 6 = Sunday.
    let weekday = (days + 3).rem_euclid(7);
    (days - weekday) * MS_PER_DAY
}

/// ISO-8601 week of the UTC day containing `ms`: (ISO week-year, week 1..=53). This names the
/// weekly trend snapshots (`snapshot-2026-W48`).
pub fn iso_week(ms: i64) -> (i64, u32) {
    let days = ms.div_euclid(MS_PER_DAY);
    // 1970-01-01 was a Thursday; ISO weekday 1 = Monday … 7 = Sunday.
    let weekday = (days + 3).rem_euclid(7) + 1;
    let thursday = days - weekday + 4;
    let (year, _, _) = civil_from_days(thursday);
    let jan1 = days_from_civil(year, 1, 1);
    (year, ((thursday - jan1) / 7 + 1) as u32)
}

/// (year, month 1..=12, day 1..=31) → days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 → (year, month 1..=12, day 1..=31).
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

fn days_in_month(y: i64, m: u32) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `len` ASCII digits at `from` as a number; `None` if any byte is not a digit.
#[inline]
fn digits(b: &[u8], from: usize, len: usize) -> Option<i64> {
    let part = b.get(from..from + len)?;
    let mut v = 0i64;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remembering_parser_answers_as_the_plain_one() {
        let stamps = [
            "2026-11-29T19:30:05.123Z",
            "2026-11-29T23:59:59Z",
            "2026-11-29T10:00:00+02:00",
            "2026-11-30T00:00:00.000Z",
            "2026-11-30",
            "2026-02-30T00:00:00Z",
            "2026-11-30Tjunk",
            "short",
            "2024-02-29T12:00:00Z",
        ];
        let mut p = IsoParser::default();
        for s in stamps.iter().chain(stamps.iter().rev()) {
            assert_eq!(p.parse(s), parse_iso_millis(s), "{s}");
        }
    }

    #[test]
    fn parses_apify_timestamps() {
        assert_eq!(parse_iso_millis("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            parse_iso_millis("2026-11-29T19:30:05.123Z"),
            Some(1_795_980_605_123)
        );
        assert_eq!(
            parse_iso_millis("2026-11-29T19:30:05Z"),
            Some(1_795_980_605_000)
        );
        assert_eq!(
            parse_iso_millis("2026-11-29T19:30Z"),
            Some(1_795_980_600_000)
        );
        assert_eq!(parse_iso_millis("2026-11-29"), Some(1_795_910_400_000));
        // Fractions: shorter ones are scaled, longer ones truncated to milliseconds.
        assert_eq!(
            parse_iso_millis("2026-11-29T19:30:05.5Z"),
            Some(1_795_980_605_500)
        );
        assert_eq!(
            parse_iso_millis("2026-11-29T19:30:05.123999Z"),
            Some(1_795_980_605_123)
        );
        // Offsets and no zone.
        assert_eq!(
            parse_iso_millis("2026-11-29T20:30:05.123+01:00"),
            Some(1_795_980_605_123)
        );
        assert_eq!(
            parse_iso_millis("2026-11-29T14:30:05.123-0500"),
            Some(1_795_980_605_123)
        );
        assert_eq!(
            parse_iso_millis("2026-11-29T19:30:05.123"),
            Some(1_795_980_605_123)
        );
        // Before 1970.
        assert_eq!(parse_iso_millis("1969-12-31T23:59:59.999Z"), Some(-1));
        // Leap day.
        assert_eq!(
            parse_iso_millis("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000)
        );
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "2025-02-29",
            "2026-11-29T24:00:00Z",
            "2026-11-29T19:60:00Z",
            "2026-11-29T19:30:61Z",
            "2026-11-29T19:30:05.Z",
            "2026-11-29T19:30:05ZZ",
            "2026-11-29T19:30:05.123Zjunk",
            "2026-11-29X19:30:05Z",
            "2026-11-29T19:30:05+1",
            "2026-11-29T19:30:05+25:00",
            "2026-1a-29",
            "２026-11-29",
        ] {
            assert_eq!(parse_iso_millis(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn format_round_trips() {
        for ms in [
            0,
            -1,
            1,
            1_795_980_605_123,
            951_782_400_000,
            253_402_300_799_999, // 9999-12-31T23:59:59.999Z
            -62_167_219_200_000, // 0000-01-01
        ] {
            let s = format_iso_millis(ms);
            assert_eq!(parse_iso_millis(&s), Some(ms), "{s}");
        }
        assert_eq!(
            format_iso_millis(1_795_980_605_123),
            "2026-11-29T19:30:05.123Z"
        );
        assert_eq!(format_date(1_795_980_605_123), "2026-11-29");
        assert_eq!(day_start(1_795_980_605_123), 1_795_910_400_000);
        assert_eq!(day_start(-1), -MS_PER_DAY);
    }

    #[test]
    fn rfc3339_seconds() {
        // The relay's `sealedAt` / `expiresAt` format (these were the relay's own tests).
        assert_eq!(format_rfc3339_secs(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339_secs(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_rfc3339_secs(1_796_002_205), "2026-11-30T01:30:05Z");
        assert_eq!(format_rfc3339_secs(-1), "1969-12-31T23:59:59Z");
        for secs in [0, -1, 951_782_400, 1_796_002_205, 253_402_300_799] {
            let s = format_rfc3339_secs(secs);
            assert_eq!(parse_rfc3339_secs(&s), Some(secs), "{s}");
            assert_eq!(parse_iso_millis(&s), Some(secs * MS_PER_SEC), "{s}");
        }
        assert_eq!(
            parse_rfc3339_secs("2026-11-30T01:30:05.123Z"),
            Some(1_796_002_205)
        );
        assert_eq!(
            parse_rfc3339_secs("2026-11-30T02:30:05+01:00"),
            Some(1_796_002_205)
        );
        assert_eq!(parse_rfc3339_secs("1969-12-31T23:59:59.5Z"), Some(-1));
        for bad in [
            "",
            "2026-11-30",
            "2026-11-30T01:30Z",
            "2026-13-01T00:00:00Z",
            "2026-11-30T01:30:05",
            "2026-11-30T01:30:05.123",
            "x026-11-30T01:30:05Z",
        ] {
            assert_eq!(parse_rfc3339_secs(bad), None, "{bad}");
        }
    }

    #[test]
    fn week_starts_on_monday() {
        let at = |s: &str| parse_iso_millis(s).unwrap();
        assert_eq!(
            format_iso_millis(week_start(at("2026-01-07T12:00:00Z"))),
            "2026-01-05T00:00:00.000Z"
        );
        assert_eq!(week_start(at("2026-01-05")), at("2026-01-05"));
        assert_eq!(week_start(at("2026-01-11T23:59:59.999Z")), at("2026-01-05"));
        assert_eq!(week_start(0), at("1969-12-29"));
        for ms in [0, 1_795_980_605_123, -1, 951_782_400_000] {
            assert_eq!(iso_week(week_start(ms)), iso_week(ms));
        }
    }

    #[test]
    fn iso_weeks() {
        let at = |s: &str| parse_iso_millis(s).unwrap();
        assert_eq!(iso_week(at("2026-01-01")), (2026, 1)); // a Thursday
        assert_eq!(iso_week(at("2024-12-30")), (2025, 1)); // Monday of 2025-W01
        assert_eq!(iso_week(at("2021-01-03")), (2020, 53)); // Sunday of 2020-W53
        assert_eq!(iso_week(at("2026-11-29T23:59:59Z")), (2026, 48));
    }
}
