//! Times in words: "3 h ago", "30 Nov 2026", a token's age. Every time is unix milliseconds,
//! parsed and computed by `forge_apify::time` (the one calendar of every crate); this module
//! only says them.

use forge_apify::time::{civil_from_days, parse_iso_millis, MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN};

/// A token is due for rotation from this many days after it was connected (the 90-day practice).
pub const ROTATE_FROM_DAY: i64 = 80;
/// The header turns amber when the session expires within this many days.
pub const EXPIRY_WARNING_DAYS: i64 = 10;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `29 Nov 2026` — unambiguous in every locale (UTC).
pub fn day_month_year(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    format!("{d} {} {y}", MONTHS[(m - 1) as usize])
}

/// A run's start in the reader's time zone, short: `today 18:41`, `yesterday 09:12`,
/// `28 Nov 09:12`, `28 Nov 2025 09:12` (another year). `offset_min` is minutes to add to UTC for
/// local time (east positive: CET is +60; JavaScript's `getTimezoneOffset()` is its negative).
pub fn short_local(ms: i64, now_ms: i64, offset_min: i64) -> String {
    let local = ms + offset_min * MS_PER_MIN;
    let day = local.div_euclid(MS_PER_DAY);
    let today = (now_ms + offset_min * MS_PER_MIN).div_euclid(MS_PER_DAY);
    let minutes = local.rem_euclid(MS_PER_DAY) / MS_PER_MIN;
    let clock = format!("{:02}:{:02}", minutes / 60, minutes % 60);
    let (y, m, d) = civil_from_days(day);
    let (this_year, _, _) = civil_from_days(today);
    let month = MONTHS[(m - 1) as usize];
    match today - day {
        0 => format!("today {clock}"),
        1 => format!("yesterday {clock}"),
        _ if y == this_year => format!("{d} {month} {clock}"),
        _ => format!("{d} {month} {y} {clock}"),
    }
}

/// `29.11.` — a chart's day label.
pub fn day_dot_month(ms: i64) -> String {
    let (_, m, d) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    format!("{d}.{m}.")
}

/// The date of an ISO timestamp, in words; the raw string when it does not parse.
pub fn date_of(iso: &str) -> String {
    parse_iso_millis(iso).map_or_else(|| iso.to_string(), day_month_year)
}

/// Whole days from `earlier` to `later` (never negative).
pub fn whole_days(earlier_ms: i64, later_ms: i64) -> i64 {
    (later_ms - earlier_ms).max(0) / MS_PER_DAY
}

/// "today", "yesterday", "12 days ago".
pub fn days_ago(days: i64) -> String {
    match days {
        i64::MIN..=0 => "today".to_string(),
        1 => "yesterday".to_string(),
        n => format!("{n} days ago"),
    }
}

/// "just now", "5 min ago", "3 h ago", "yesterday", "12 days ago" — for run times in tables.
pub fn relative(then_ms: i64, now_ms: i64) -> String {
    let ms = (now_ms - then_ms).max(0);
    match ms {
        _ if ms < MS_PER_MIN => "just now".to_string(),
        _ if ms < MS_PER_HOUR => format!("{} min ago", ms / MS_PER_MIN),
        _ if ms < MS_PER_DAY => format!("{} h ago", ms / MS_PER_HOUR),
        _ => days_ago(ms / MS_PER_DAY),
    }
}

/// An ISO timestamp relative to `now_ms`, or `—`.
pub fn relative_iso(iso: Option<&str>, now_ms: i64) -> String {
    iso.and_then(parse_iso_millis)
        .map_or_else(|| super::format::DASH.to_string(), |t| relative(t, now_ms))
}

/// Where a sealed session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAge {
    /// Fewer than [`ROTATE_FROM_DAY`] days old.
    Fresh { days: i64 },
    /// Time to rotate: from day 80, or when the session ends within [`EXPIRY_WARNING_DAYS`].
    RotateSoon { days: i64, days_left: Option<i64> },
    /// Past `expiresAt`: the relay will no longer open it.
    Expired,
}

impl TokenAge {
    /// `sealed_ms` and `expires_ms` as unix ms (either may be unknown).
    pub fn of(sealed_ms: Option<i64>, expires_ms: Option<i64>, now_ms: i64) -> Option<TokenAge> {
        if expires_ms.is_some_and(|e| now_ms >= e) {
            return Some(TokenAge::Expired);
        }
        let days_left = expires_ms.map(|e| whole_days(now_ms, e));
        let days = sealed_ms.map(|s| whole_days(s, now_ms));
        let rotate = days.is_some_and(|d| d >= ROTATE_FROM_DAY)
            || days_left.is_some_and(|d| d < EXPIRY_WARNING_DAYS);
        match (days, rotate) {
            (Some(days), true) => Some(TokenAge::RotateSoon { days, days_left }),
            (None, true) => Some(TokenAge::RotateSoon { days: 0, days_left }),
            (Some(days), false) => Some(TokenAge::Fresh { days }),
            (None, false) => None,
        }
    }

    pub fn needs_attention(self) -> bool {
        !matches!(self, TokenAge::Fresh { .. })
    }
}

/// "connected 12 days ago", "connected today".
pub fn connected_text(days: i64) -> String {
    format!("connected {}", days_ago(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = MS_PER_DAY;

    #[test]
    fn starts_read_in_local_time() {
        let at = |iso| parse_iso_millis(iso).unwrap();
        let now = at("2026-12-01T20:00:00Z");
        let cases = [
            // (case, start, offset, text)
            ("today, UTC", "2026-12-01T18:41:20.716Z", 0, "today 18:41"),
            ("yesterday", "2026-11-30T09:12:00Z", 0, "yesterday 09:12"),
            ("this year", "2026-11-28T09:12:00Z", 0, "28 Nov 09:12"),
            ("last year", "2025-11-28T09:12:00Z", 0, "28 Nov 2025 09:12"),
            // CET: 18:41 UTC is 19:41 local.
            ("east", "2026-12-01T18:41:00Z", 60, "today 19:41"),
            // New York (−5 h): 03:00 UTC on the 1st is 22:00 on the 30th, and "now" (20:00
            // UTC) is 15:00 on the 1st, so that run was yesterday.
            ("west", "2026-12-01T03:00:00Z", -300, "yesterday 22:00"),
            // Just after local midnight in Tokyo (+9 h): already tomorrow's "today".
            ("tokyo", "2026-12-01T15:30:00Z", 540, "today 00:30"),
        ];
        for (case, iso, offset, text) in cases {
            assert_eq!(short_local(at(iso), now, offset), text, "{case}");
        }
    }

    #[test]
    fn dates_in_words() {
        assert_eq!(day_month_year(1_796_002_205_000), "30 Nov 2026");
        assert_eq!(date_of("2000-02-29T00:00:00Z"), "29 Feb 2000");
        assert_eq!(date_of("2026-11-30T01:30:05.123Z"), "30 Nov 2026");
        assert_eq!(date_of("soon"), "soon");
        assert_eq!(day_dot_month(1_796_002_205_000), "30.11.");
    }

    #[test]
    fn age_words() {
        let cases = [
            ("same day", connected_text(0), "connected today"),
            ("one day", connected_text(1), "connected yesterday"),
            ("days", connected_text(12), "connected 12 days ago"),
            ("now", relative(100_000, 100_000), "just now"),
            ("minutes", relative(0, 600_000), "10 min ago"),
            ("hours", relative(0, 7_200_000), "2 h ago"),
            ("days ago", relative(0, 3 * DAY + 5), "3 days ago"),
            ("unknown", relative_iso(None, 0), "—"),
        ];
        for (case, got, want) in cases {
            assert_eq!(got, want, "{case}");
        }
    }

    #[test]
    fn rotation_from_day_80_and_expiry() {
        let sealed = 1_000_000_000_000;
        let expires = sealed + 90 * DAY;
        let at = |day: i64| TokenAge::of(Some(sealed), Some(expires), sealed + day * DAY + 60_000);
        assert_eq!(at(12), Some(TokenAge::Fresh { days: 12 }));
        assert!(!at(79).unwrap().needs_attention());
        assert_eq!(
            at(80),
            Some(TokenAge::RotateSoon {
                days: 80,
                days_left: Some(9)
            })
        );
        assert_eq!(at(90), Some(TokenAge::Expired));
        assert!(at(95).unwrap().needs_attention());
        // A short session (e.g. a 7-day TTL) is flagged when it ends within ten days.
        let short = TokenAge::of(Some(sealed), Some(sealed + 7 * DAY), sealed + DAY);
        assert!(matches!(short, Some(TokenAge::RotateSoon { days: 1, .. })));
        assert_eq!(TokenAge::of(None, None, sealed), None);
    }
}

/// What the account's data retention means for a window of `window_days`: Apify keeps runs
/// for `retention_days` (and each Actor's ten newest), so a longer window shows less than it
/// says. `None` when it does not limit the window (or the plan did not say).
pub fn retention_note(retention_days: Option<u32>, window_days: u32) -> Option<String> {
    let kept = retention_days.filter(|d| *d < window_days)?;
    Some(format!(
        "Your Apify plan keeps runs for {kept} days: this {window_days}-day window shows the \
         last {kept} days, plus each Actor's ten newest runs."
    ))
}

#[cfg(test)]
mod retention_tests {
    use super::retention_note;

    #[test]
    fn retention_is_named_only_where_it_limits_the_window() {
        assert_eq!(retention_note(None, 90), None);
        assert_eq!(retention_note(Some(90), 90), None);
        assert_eq!(retention_note(Some(30), 7), None);
        assert_eq!(
            retention_note(Some(14), 30).as_deref(),
            Some(
                "Your Apify plan keeps runs for 14 days: this 30-day window shows the last 14 \
                 days, plus each Actor's ten newest runs."
            )
        );
    }
}
