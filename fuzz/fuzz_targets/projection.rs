//! The response projector (`forge_apify::project::project`) and the error-body filter
//! (`forge_apify::project::error_body`) on arbitrary upstream bodies.
//!
//! Input: one selector byte, then the body. The selector picks a JSON row of
//! [`ALLOW_LIST`] — `(byte - b'a') mod n` over the rows whose reply is `Reply::Json`, in table
//! order, so `a` is the first such row (`GET /v2/actors`), `b` the second, … — and the HTTP status
//! given to `error_body` (`400 + byte mod 200`). Seeds are readable: `b{"data":{...}}`.
//!
//! Checked on every input:
//! - neither function panics;
//! - `project` → `Ok(out)`: `out` is JSON, fits its own shape, re-projects to itself, and equals
//!   an independent oracle (a plain recursive filter over `serde_json::Value`: Scalar keeps bool,
//!   number and string; Number keeps numbers; null fits every shape; Object keeps its fields,
//!   List its fitting items, Map every key with a fitting value; Json anything) applied to the
//!   input — skipped only when the input has a duplicate key (the projector writes each, `Value`
//!   keeps the last) or a float serde_json cannot round-trip exactly;
//! - `project` fails with `Shape` exactly when the oracle drops the top level, and never with
//!   `NotJson` on a body serde_json parses;
//! - `error_body` is always `{"error":{"type":…,"message":…}}` with two strings and nothing else.
#![no_main]

use forge_apify::allow::ALLOW_LIST;
use forge_apify::project::{
    error_body, project, ProjectError, Reply, Shape, MAX_ERROR_MESSAGE_CHARS,
};
use libfuzzer_sys::fuzz_target;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

fn json_rows() -> &'static [&'static Shape] {
    static ROWS: OnceLock<Vec<&'static Shape>> = OnceLock::new();
    ROWS.get_or_init(|| {
        ALLOW_LIST
            .iter()
            .filter_map(|r| match &r.reply {
                Reply::Json(shape) => Some(shape),
                _ => None,
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let rows = json_rows();
    let shape = rows[selector.wrapping_sub(b'a') as usize % rows.len()];
    check_error_body(400 + u16::from(selector) % 200, body);
    check_project(shape, body);
});

fn check_project(shape: &Shape, body: &[u8]) {
    let result = project(shape, body);

    if let Ok(out) = &result {
        let projected: Value = serde_json::from_slice(out).expect("the projection is not JSON");
        assert_eq!(
            oracle(shape, &projected).as_ref(),
            Some(&projected),
            "the projection does not fit its own shape"
        );
        let again = project(shape, out).expect("the projection does not project");
        if &again != out {
            // Only a float that serde_json's parser does not read back exactly may move.
            let again: Value = serde_json::from_slice(&again).expect("re-projection is JSON");
            assert!(
                scan(out).floats && same_up_to_floats(&again, &projected),
                "re-projecting the projection changed it"
            );
        }
    }

    let Ok(input) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let expected = oracle(shape, &input);
    match (&result, &expected) {
        (Ok(out), Some(expected)) => {
            if !scan(body).duplicate_keys && round_trips(&input) {
                let projected: Value = serde_json::from_slice(out).expect("checked above");
                assert_eq!(
                    &projected, expected,
                    "the projection differs from the oracle"
                );
            }
        }
        (Err(ProjectError::Shape), None) => {}
        (Ok(_), None) => panic!("a misshapen top level was projected"),
        (Err(ProjectError::Shape), Some(_)) => panic!("a fitting top level was refused"),
        (Err(ProjectError::NotJson), _) => {
            panic!("JSON that serde_json parses was refused as not JSON")
        }
    }
}

/// The reference projection: what the projector must keep of `v`, or `None` if `v` does not fit.
/// The match on the shape is exhaustive on purpose: a new `Shape` variant must be given its
/// meaning here before this target builds again.
fn oracle(shape: &Shape, v: &Value) -> Option<Value> {
    if v.is_null() {
        return Some(Value::Null);
    }
    match shape {
        Shape::Json => Some(v.clone()),
        Shape::Scalar => {
            matches!(v, Value::Bool(_) | Value::Number(_) | Value::String(_)).then(|| v.clone())
        }
        Shape::Number => v.is_number().then(|| v.clone()),
        Shape::Object(fields) => v.as_object().map(|map| {
            Value::Object(
                map.iter()
                    .filter_map(|(k, x)| {
                        let field = fields.iter().find(|f| f.name == k)?;
                        Some((k.clone(), oracle(&field.shape, x)?))
                    })
                    .collect::<Map<String, Value>>(),
            )
        }),
        Shape::List(item) => v
            .as_array()
            .map(|items| Value::Array(items.iter().filter_map(|x| oracle(item, x)).collect())),
        Shape::Map(value) => v.as_object().map(|map| {
            Value::Object(
                map.iter()
                    .filter_map(|(k, x)| Some((k.clone(), oracle(value, x)?)))
                    .collect::<Map<String, Value>>(),
            )
        }),
    }
}

fn check_error_body(status: u16, body: &[u8]) {
    let out = error_body(status, body);
    assert!(
        !scan(&out).duplicate_keys,
        "duplicate keys in an error body"
    );
    let v: Value = serde_json::from_slice(&out).expect("the error body is not JSON");
    let top = v.as_object().expect("the error body is not an object");
    assert_eq!(top.len(), 1, "the error body has more than `error`");
    let inner = top
        .get("error")
        .and_then(Value::as_object)
        .expect("`error` is not an object");
    assert_eq!(inner.len(), 2, "`error` has more than type and message");
    let kind = inner
        .get("type")
        .and_then(Value::as_str)
        .expect("no string `type`");
    let message = inner
        .get("message")
        .and_then(Value::as_str)
        .expect("no string `message`");
    if kind == "upstream-error" {
        // Either Apify's own `upstream-error` or the relay's stand-in naming the status.
        assert!(message.chars().count() <= MAX_ERROR_MESSAGE_CHARS);
    } else {
        assert!(
            kind.len() <= 64
                && kind.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'-'
                    || b == b'_'),
            "an error type outside Apify's charset"
        );
        assert!(
            message.chars().count() <= MAX_ERROR_MESSAGE_CHARS,
            "message not capped"
        );
    }
    // When the body is plainly Apify's envelope, type and (capped) message are passed on.
    if let Ok(input) = serde_json::from_slice::<Value>(body) {
        let upstream = &input["error"];
        if input.is_object() && !scan(body).duplicate_keys {
            let t = upstream.get("type").and_then(Value::as_str);
            let m = upstream.get("message");
            let plausible = t.is_some_and(|t| {
                !t.is_empty()
                    && t.len() <= 64
                    && t.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                    })
            });
            if plausible && upstream.is_object() && m.is_none_or(|m| m.is_string() || m.is_null()) {
                assert_eq!(Some(kind), t, "Apify's error type was not passed on");
                let want: String = m
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .chars()
                    .take(MAX_ERROR_MESSAGE_CHARS)
                    .collect();
                assert_eq!(message, want, "Apify's error message was not passed on");
            } else if !plausible && !upstream.is_array() {
                assert_eq!(kind, "upstream-error");
                assert_eq!(
                    message,
                    format!("Apify answered with HTTP status {status}.")
                );
            }
        }
    }
}

/// Whether serde_json reads back exactly what it writes for `v` (floats may not: without the
/// `float_roundtrip` feature its parser can be one ulp off).
fn round_trips(v: &Value) -> bool {
    serde_json::to_vec(v)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .is_some_and(|back| &back == v)
}

fn same_up_to_floats(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() && y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= f64::EPSILON * 4.0 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_up_to_floats(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_up_to_floats(v, w)))
        }
        _ => a == b,
    }
}

/// What a walk over the raw JSON finds — unlike a `Value`, it sees every duplicate too.
#[derive(Default, Clone, Copy)]
struct Scan {
    /// Some object repeats a key.
    duplicate_keys: bool,
    /// Some number is a float (which serde_json may not read back exactly).
    floats: bool,
}

impl Scan {
    fn or(self, other: Scan) -> Scan {
        Scan {
            duplicate_keys: self.duplicate_keys || other.duplicate_keys,
            floats: self.floats || other.floats,
        }
    }
}

/// Scans `body` (all false when it is not JSON at all).
fn scan(body: &[u8]) -> Scan {
    let mut de = serde_json::Deserializer::from_slice(body);
    Scanner.deserialize(&mut de).unwrap_or_default()
}

struct Scanner;

impl<'de> DeserializeSeed<'de> for Scanner {
    type Value = Scan;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Scan, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scanner {
    type Value = Scan;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Scan, E> {
        Ok(Scan::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Scan, E> {
        Ok(Scan::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Scan, E> {
        Ok(Scan::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Scan, E> {
        Ok(Scan {
            floats: true,
            ..Scan::default()
        })
    }
    fn visit_str<E>(self, _: &str) -> Result<Scan, E> {
        Ok(Scan::default())
    }
    fn visit_unit<E>(self) -> Result<Scan, E> {
        Ok(Scan::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scan, A::Error> {
        let mut found = Scan::default();
        while let Some(item) = seq.next_element_seed(Scanner)? {
            found = found.or(item);
        }
        Ok(found)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scan, A::Error> {
        let mut keys = HashSet::new();
        let mut found = Scan::default();
        while let Some(key) = map.next_key::<String>()? {
            found.duplicate_keys |= !keys.insert(key);
            found = found.or(map.next_value_seed(Scanner)?);
        }
        Ok(found)
    }
}
