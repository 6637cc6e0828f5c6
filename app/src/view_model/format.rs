//! Numbers as the tables, cards, charts and exports print them: shares, dollars, counts and
//! durations are the engine's formatters (`forge_fleet::format`), so a driver's text, a table
//! cell and a chart axis agree.

pub use forge_fleet::format::{or_dash, usd_or_na, DASH, NOT_AVAILABLE};

/// `0.8123` → `81%`.
pub fn pct(v: f64) -> String {
    forge_fleet::format::pct(v)
}

/// `0.12` → `$0.120`.
pub fn usd(v: f64) -> String {
    forge_fleet::format::usd(v)
}

/// `s` in lower case, for matching and ordering without regard to case: Unicode's default
/// mapping (`"ÉCLAIR"` → `"éclair"`). In the wasm it is the browser's `toLowerCase`, which
/// keeps Rust's case tables (about 12 KB) out of the download; natively `str::to_lowercase`.
pub fn fold_case(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(s).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_lowercase()
    }
}

pub use forge_fleet::format::{duration, group_thousands};

/// `3600` → `1 h`, `300` → `5 min`, `45` → `45 s` (a timeout setting).
pub fn format_secs(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 if secs.is_multiple_of(60) => format!("{} min", secs / 60),
        60..=3599 => format!("{} min {} s", secs / 60, secs % 60),
        _ if secs.is_multiple_of(3600) => format!("{} h", secs / 3600),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let cases: [(&str, String, &str); 12] = [
            ("zero", group_thousands(0), "0"),
            ("three digits", group_thousands(999), "999"),
            ("a thousand", group_thousands(1000), "1,000"),
            ("millions", group_thousands(48_211_907), "48,211,907"),
            ("an hour", format_secs(3600), "1 h"),
            ("minutes", format_secs(300), "5 min"),
            ("minutes and seconds", format_secs(90), "1 min 30 s"),
            ("hours and minutes", format_secs(5400), "1 h 30 min"),
            ("short run", duration(1234), "1.2 s"),
            ("run in minutes", duration(95_000), "1m 35s"),
            ("unknown", or_dash(None::<u64>, group_thousands), "—"),
            ("no cost", usd_or_na(None), "n/a"),
        ];
        for (case, got, want) in cases {
            assert_eq!(got, want, "{case}");
        }
    }
}
