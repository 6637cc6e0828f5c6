//! How figures read, everywhere: the drivers, the plan's reasons and notes, and — through the
//! app's `view_model::format` — every table, card, chart axis, tooltip and export label. One
//! formatter per kind of figure, so "$2,348.00" never stands beside "37501" or "1298.0 s"
//! beside "21m 38s". Depends on nothing else in the crate.

/// `81%`, `8.3%`, `0.4%`, `0%`: whole percent from 10 % up, one decimal below (without a
/// trailing `.0`).
///
/// ```
/// use forge_fleet::format::pct;
/// assert_eq!(pct(0.81), "81%");
/// assert_eq!(pct(1.0 / 12.0), "8.3%");
/// assert_eq!(pct(0.02), "2%");
/// assert_eq!(pct(0.0), "0%");
/// ```
pub fn pct(share: f64) -> String {
    let p = share * 100.0;
    if p == 0.0 || p >= 10.0 {
        format!("{p:.0}%")
    } else {
        let s = format!("{p:.1}");
        format!("{}%", s.strip_suffix(".0").unwrap_or(&s))
    }
}

/// The placeholder for an unknown figure.
pub const DASH: &str = "—";
/// The placeholder for a cost Apify did not report.
pub const NOT_AVAILABLE: &str = "n/a";

/// `value` formatted, or [`DASH`].
pub fn or_dash<T>(value: Option<T>, fmt: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| DASH.to_string(), fmt)
}

/// A cost formatted, or [`NOT_AVAILABLE`].
pub fn usd_or_na(value: Option<f64>) -> String {
    value.map_or_else(|| NOT_AVAILABLE.to_string(), usd)
}

/// One CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break.
///
/// ```
/// use forge_fleet::format::csv_field;
/// assert_eq!(csv_field("plain"), "plain");
/// assert_eq!(csv_field("Shop, \"big\""), "\"Shop, \"\"big\"\"\"");
/// ```
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `x` to `digits` decimals, for figures stored compactly (snapshots, the cached digest).
///
/// ```
/// assert_eq!(forge_fleet::format::rounded(0.123456789, 4), 0.1235);
/// ```
pub fn rounded(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// `residential proxy` → `Residential proxy`: a phrase that starts a sentence or a row.
///
/// ```
/// use forge_fleet::format::capitalised;
/// assert_eq!(capitalised("residential proxy"), "Residential proxy");
/// assert_eq!(capitalised(""), "");
/// ```
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `$2,348.00`, `$12.35`, `$0.120`, `$0.0012`, `$0`: cents from a dollar up (thousands
/// grouped), more digits below, and a plain `$0` for nothing at all.
///
/// ```
/// use forge_fleet::format::usd;
/// assert_eq!(usd(2348.0), "$2,348.00");
/// assert_eq!(usd(12.345), "$12.35");
/// assert_eq!(usd(0.12), "$0.120");
/// assert_eq!(usd(0.0012), "$0.0012");
/// assert_eq!(usd(0.0), "$0");
/// ```
pub fn usd(v: f64) -> String {
    if v == 0.0 {
        "$0".to_string()
    } else if v >= 1.0 {
        let cents = (v * 100.0).round() as u64;
        format!("${}.{:02}", group_thousands(cents / 100), cents % 100)
    } else if v >= 0.01 {
        format!("${v:.3}")
    } else {
        format!("${v:.4}")
    }
}

/// `12345` → `12,345`.
///
/// ```
/// use forge_fleet::format::group_thousands;
/// assert_eq!(group_thousands(48_211_907), "48,211,907");
/// assert_eq!(group_thousands(999), "999");
/// ```
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A run's length: `1.2 s`, `45 s`, `1m 35s`, `2h 05m` — compact, for tables and sentences.
///
/// ```
/// use forge_fleet::format::duration;
/// assert_eq!(duration(1234), "1.2 s");
/// assert_eq!(duration(45_000), "45 s");
/// assert_eq!(duration(1_298_000), "21m 38s");
/// assert_eq!(duration(7_500_000), "2h 5m");
/// ```
pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    if ms < 10_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{}m {}s", s / 60, s % 60)
    } else {
        format!("{}h {}m", s / 3600, s % 3600 / 60)
    }
}
