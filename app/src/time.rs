//! Dates as the relay sends them (`2026-11-29T19:30:05Z`) and what the app says about a token's
//! age. Pure, so it is tested natively; the browser only supplies "now".

/// A token is due for rotation from this many days after it was connected (the 90-day practice).
pub const ROTATE_FROM_DAY: i64 = 80;
/// The header turns amber when the session expires within this many days.
pub const EXPIRY_WARNING_DAYS: i64 = 10;

const DAY: i64 = 86_400;

/// Unix seconds now, from the browser's clock (0 outside a browser).
pub fn now_unix() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        (js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }
}

/// Parses an RFC 3339 UTC timestamp (`YYYY-MM-DDTHH:MM:SS[.fff]Z`, or an explicit `±HH:MM`
/// offset) into unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || rb[3] != b':' || !matches!(rb[0], b'+' | b'-') {
                return None;
            }
            let h: i64 = rest.get(1..3)?.parse().ok()?;
            let m: i64 = rest.get(4..6)?.parse().ok()?;
            let sign = if rb[0] == b'-' { -1 } else { 1 };
            sign * (h * 3600 + m * 60)
        }
    };
    Some(days_from_civil(year, month, day) * DAY + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of unix seconds.
fn civil_from_unix(unix: i64) -> (i64, i64, i64) {
    let z = unix.div_euclid(DAY) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `29 Nov 2026` — unambiguous in every locale.
pub fn format_date(unix: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d) = civil_from_unix(unix);
    format!("{d} {} {y}", MONTHS[(m - 1) as usize])
}

/// The date part of an RFC 3339 string, formatted; the raw string when it does not parse.
pub fn format_date_str(s: &str) -> String {
    parse_rfc3339(s).map_or_else(|| s.to_string(), format_date)
}

/// Whole days from `earlier` to `later` (never negative).
pub fn whole_days(earlier: i64, later: i64) -> i64 {
    (later - earlier).max(0) / DAY
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
pub fn relative(then: i64, now: i64) -> String {
    let secs = (now - then).max(0);
    match secs {
        0..=59 => "just now".to_string(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => days_ago(secs / DAY),
    }
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
    /// `sealed_at` and `expires_at` as unix seconds (either may be unknown).
    pub fn of(sealed_at: Option<i64>, expires_at: Option<i64>, now: i64) -> Option<TokenAge> {
        if expires_at.is_some_and(|e| now >= e) {
            return Some(TokenAge::Expired);
        }
        let days_left = expires_at.map(|e| whole_days(now, e));
        let days = sealed_at.map(|s| whole_days(s, now));
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

    #[test]
    fn parses_what_the_relay_sends() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(parse_rfc3339("2026-11-30T01:30:05Z"), Some(1_796_002_205));
        assert_eq!(
            parse_rfc3339("2026-11-30T01:30:05.123Z"),
            Some(1_796_002_205)
        );
        assert_eq!(
            parse_rfc3339("2026-11-30T02:30:05+01:00"),
            Some(1_796_002_205)
        );
        for bad in [
            "",
            "2026-11-30",
            "2026-13-01T00:00:00Z",
            "2026-11-30T01:30:05",
            "x026-11-30T01:30:05Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_round_trip() {
        for unix in [0, 951_782_400, 1_796_002_205, 4_102_444_800] {
            let (y, m, d) = civil_from_unix(unix);
            assert_eq!(days_from_civil(y, m, d) * DAY, unix - unix.rem_euclid(DAY));
        }
        assert_eq!(format_date(1_796_002_205), "30 Nov 2026");
        assert_eq!(format_date_str("2000-02-29T00:00:00Z"), "29 Feb 2000");
        assert_eq!(format_date_str("soon"), "soon");
    }

    #[test]
    fn age_words() {
        assert_eq!(connected_text(0), "connected today");
        assert_eq!(connected_text(1), "connected yesterday");
        assert_eq!(connected_text(12), "connected 12 days ago");
        assert_eq!(relative(100, 100), "just now");
        assert_eq!(relative(0, 600), "10 min ago");
        assert_eq!(relative(0, 7200), "2 h ago");
        assert_eq!(relative(0, 3 * DAY + 5), "3 days ago");
    }

    #[test]
    fn rotation_from_day_80_and_expiry() {
        let sealed = 1_000_000_000;
        let expires = sealed + 90 * DAY;
        let at = |day: i64| TokenAge::of(Some(sealed), Some(expires), sealed + day * DAY + 60);
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
