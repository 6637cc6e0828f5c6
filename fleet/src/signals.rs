//! `SIGNALS`: a record an Actor may leave in its run's default key-value store — a JSON object
//! of names to numbers, strings or booleans ("itemsScraped": 1234, "proxyGroup": "RESIDENTIAL")
//! — that Forge shows beside the run figures.
//!
//! The record is written by the user's code, so it is untrusted input: parsing keeps only flat
//! scalar values, bounds every size, strips control characters, and turns anything else into a
//! named problem ("unreadable SIGNALS") rather than a broken page.

use serde::{Deserialize, Serialize};

/// The record key.
pub const SIGNALS_KEY: &str = "SIGNALS";
/// Largest record read at all.
pub const MAX_SIGNALS_BYTES: usize = 64 * 1024;
/// Entries kept (in the record's order).
pub const MAX_ENTRIES: usize = 50;
pub const MAX_NAME_CHARS: usize = 64;
pub const MAX_TEXT_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SignalValue {
    Flag(bool),
    Number(f64),
    Text(String),
}

impl std::fmt::Display for SignalValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignalValue::Flag(b) => write!(f, "{}", if *b { "yes" } else { "no" }),
            SignalValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                write!(f, "{}", *n as i64)
            }
            SignalValue::Number(n) => write!(f, "{}", (n * 1000.0).round() / 1000.0),
            SignalValue::Text(s) => f.write_str(s),
        }
    }
}

/// The parsed record: entries sorted by name (JSON objects have no order to trust), and how many
/// were left out.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Signals {
    pub entries: Vec<(String, SignalValue)>,
    /// Nested, null or over-limit entries that were not shown.
    pub skipped: usize,
}

/// Why a `SIGNALS` record could not be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignalsProblem {
    TooLarge,
    NotJson,
    NotAnObject,
}

impl std::fmt::Display for SignalsProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignalsProblem::TooLarge => "unreadable SIGNALS: larger than 64 KiB",
            SignalsProblem::NotJson => "unreadable SIGNALS: not valid JSON",
            SignalsProblem::NotAnObject => {
                "unreadable SIGNALS: not a JSON object of names to values"
            }
        })
    }
}

fn clean(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// Parses a `SIGNALS` record's bytes.
pub fn parse_signals(bytes: &[u8]) -> Result<Signals, SignalsProblem> {
    if bytes.len() > MAX_SIGNALS_BYTES {
        return Err(SignalsProblem::TooLarge);
    }
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| SignalsProblem::NotJson)?;
    let serde_json::Value::Object(map) = value else {
        return Err(SignalsProblem::NotAnObject);
    };
    let mut out = Signals::default();
    for (name, value) in map {
        let name = clean(&name, MAX_NAME_CHARS);
        let value = match value {
            serde_json::Value::Bool(b) => SignalValue::Flag(b),
            serde_json::Value::Number(n) => match n.as_f64() {
                Some(x) if x.is_finite() => SignalValue::Number(x),
                _ => {
                    out.skipped += 1;
                    continue;
                }
            },
            serde_json::Value::String(s) => SignalValue::Text(clean(&s, MAX_TEXT_CHARS)),
            _ => {
                out.skipped += 1;
                continue;
            }
        };
        if name.is_empty() {
            out.skipped += 1;
            continue;
        }
        out.entries.push((name, value));
    }
    forge_apify::sort::sort_by(&mut out.entries, |a, b| a.0.cmp(&b.0));
    out.skipped += out.entries.len().saturating_sub(MAX_ENTRIES);
    out.entries.truncate(MAX_ENTRIES);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_signals_keep_their_types_sorted_by_name() {
        let s = parse_signals(br#"{"itemsScraped":1234,"blockedRate":0.0213,"proxyGroup":"RESIDENTIAL","healthy":true}"#).unwrap();
        let shown: Vec<String> = s.entries.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            shown,
            [
                "blockedRate=0.021",
                "healthy=yes",
                "itemsScraped=1234",
                "proxyGroup=RESIDENTIAL"
            ]
        );
        assert_eq!(s.skipped, 0);
    }

    #[test]
    fn empty_object_is_no_signals_not_an_error() {
        assert_eq!(parse_signals(b"{}").unwrap(), Signals::default());
        assert_eq!(parse_signals(b" { } ").unwrap().entries.len(), 0);
    }

    #[test]
    fn hostile_input_is_bounded_or_refused() {
        assert_eq!(parse_signals(b""), Err(SignalsProblem::NotJson));
        assert_eq!(parse_signals(b"{\"a\":"), Err(SignalsProblem::NotJson));
        assert_eq!(parse_signals(b"<html>"), Err(SignalsProblem::NotJson));
        for not_object in [&b"[1,2]"[..], b"42", b"\"text\"", b"null", b"true"] {
            assert_eq!(parse_signals(not_object), Err(SignalsProblem::NotAnObject));
        }
        assert_eq!(
            parse_signals(&vec![b' '; MAX_SIGNALS_BYTES + 1]),
            Err(SignalsProblem::TooLarge)
        );
        // Deeply nested JSON is refused by the parser's recursion limit, not a stack overflow.
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse_signals(deep.as_bytes()).is_err());
        // Nested and null values are skipped and counted; names and text are cleaned and cut.
        let long = "x".repeat(1000);
        let raw = format!(
            r#"{{"nested":{{"a":1}},"list":[1],"none":null,"":1,"bell\u0007name":"line\nbreak","{long}":"{long}"}}"#
        );
        let s = parse_signals(raw.as_bytes()).unwrap();
        assert_eq!(s.skipped, 4);
        assert_eq!(
            s.entries[0],
            (
                "bellname".to_string(),
                SignalValue::Text("linebreak".into())
            )
        );
        assert_eq!(s.entries[1].0.chars().count(), MAX_NAME_CHARS);
        assert_eq!(s.entries[1].1.to_string().chars().count(), MAX_TEXT_CHARS);
        // At most MAX_ENTRIES entries are kept.
        let many = format!(
            "{{{}}}",
            (0..80)
                .map(|i| format!("\"k{i}\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let s = parse_signals(many.as_bytes()).unwrap();
        assert_eq!((s.entries.len(), s.skipped), (MAX_ENTRIES, 30));
    }
}
