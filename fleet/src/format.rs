//! How figures read in sentences: the drivers, the plan's reasons and the notes all format
//! shares and dollars the same way. Depends on nothing else in the crate.

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

/// `$12.34`, `$0.123`, `$0.0012`: cents from a dollar up, more digits below.
///
/// ```
/// use forge_fleet::format::usd;
/// assert_eq!(usd(12.345), "$12.35");
/// assert_eq!(usd(0.12), "$0.120");
/// assert_eq!(usd(0.0012), "$0.0012");
/// ```
pub fn usd(v: f64) -> String {
    if v >= 1.0 {
        format!("${v:.2}")
    } else if v >= 0.01 {
        format!("${v:.3}")
    } else {
        format!("${v:.4}")
    }
}
