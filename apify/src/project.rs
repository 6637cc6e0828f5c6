//! Response projection (DESIGN §4): what may come back from an allow-listed route.
//!
//! Every row of [`crate::allow::ALLOW_LIST`] carries a [`Reply`] beside its request rule. For
//! JSON routes that is a [`Shape`]: an allow-list of fields, never a deny-list, so a field Apify
//! adds tomorrow — or one Forge promises never to touch (source files, env vars, signing keys,
//! signed URLs) — is dropped without anyone having to name it.
//!
//! [`project`] is one pass from the upstream bytes to the projected bytes: a scanner checks the
//! JSON grammar as it goes, skips fields outside the shape, and copies what is kept — keys,
//! strings and numbers byte for byte as upstream wrote them (no decoding, no re-escaping, no
//! allocation per value; whitespace is dropped). Key order is preserved. A value whose
//! type does not fit its shape (an object where a scalar is declared, say) is dropped, not
//! coerced; `null` always fits, because Apify sends it for absent objects (`"stats": null`).
//!
//! [`error_body`] does the same for error answers: Apify's envelope, `type` and `message` only.

use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// The shape of a JSON value that may come back.
#[derive(Debug, PartialEq, Eq)]
pub enum Shape {
    /// A string, number, boolean or `null`. Objects and arrays are dropped.
    Scalar,
    /// A number or `null` (usage amounts, counts in free-keyed maps): strings are dropped too.
    Number,
    /// An object; only the listed fields are kept, each with its own shape.
    Object(&'static [Field]),
    /// An array; each item is projected with the shape (items that do not fit are dropped).
    List(&'static Shape),
    /// An object with free keys (usage by kind, tagged builds); each value has the shape.
    Map(&'static Shape),
    /// Any JSON, kept whole — only for schema documents Forge compares (input and dataset
    /// schemas of a build), never for anything that can hold a credential.
    Json,
}

/// One allowed field of an [`Shape::Object`].
#[derive(Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub shape: Shape,
}

/// A kept field: `f("id", Shape::Scalar)`.
pub const fn f(name: &'static str, shape: Shape) -> Field {
    Field { name, shape }
}

/// A kept scalar field: `s("id")`.
pub const fn s(name: &'static str) -> Field {
    Field {
        name,
        shape: Shape::Scalar,
    }
}

/// What a route's successful (2xx) answer may carry.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// A JSON body, projected to the shape. Anything that is not JSON is refused (502).
    Json(Shape),
    /// A key-value-store record, passed through as stored (any content type). Only the record
    /// rows use it, and they are confined to the keys Forge reads.
    Record,
    /// Nothing comes back (a record write answers 201 with no body); what upstream sends is dropped.
    Empty,
}

/// Why an upstream body could not be projected. The relay answers 502 for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectError {
    /// Not one well-formed JSON value (or nested deeper than serde_json's limit of 128).
    NotJson,
    /// Well-formed JSON whose top level does not fit the shape (e.g. an array for an object).
    Shape,
}

impl fmt::Display for ProjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProjectError::NotJson => "the upstream answer is not JSON",
            ProjectError::Shape => "the upstream answer does not have the documented shape",
        })
    }
}

impl std::error::Error for ProjectError {}

/// Longest error message passed on from Apify.
pub const MAX_ERROR_MESSAGE_CHARS: usize = 1000;

/// An upstream error answer as Apify's envelope with `type` and `message` only. A body that is
/// not such an envelope (an HTML page from a proxy, say) becomes one that names the status.
pub fn error_body(status: u16, body: &[u8]) -> Vec<u8> {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        error: Inner<'a>,
    }
    #[derive(Deserialize)]
    struct Inner<'a> {
        #[serde(borrow, rename = "type")]
        kind: Cow<'a, str>,
        #[serde(borrow, default)]
        message: Option<Cow<'a, str>>,
    }
    let (kind, message) = match serde_json::from_slice::<Envelope>(body) {
        Ok(e) if is_error_type(&e.error.kind) => {
            let message = e.error.message.map_or_else(String::new, |m| {
                m.chars().take(MAX_ERROR_MESSAGE_CHARS).collect()
            });
            (e.error.kind.into_owned(), message)
        }
        _ => (
            "upstream-error".to_string(),
            format!("Apify answered with HTTP status {status}."),
        ),
    };
    serde_json::to_vec(&crate::envelope::ErrorEnvelope::new(kind, message)).unwrap_or_default()
}

/// Apify's error types are short kebab-case words (`record-not-found`, `rate-limit-exceeded`).
fn is_error_type(kind: &str) -> bool {
    !kind.is_empty()
        && kind.len() <= 64
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'))
}

/// Projects a JSON body to `shape`, in one pass.
pub fn project(shape: &Shape, body: &[u8]) -> Result<Vec<u8>, ProjectError> {
    // JSON is UTF-8; checked once here, so the scanner only has to find quotes and escapes.
    std::str::from_utf8(body).map_err(|_| ProjectError::NotJson)?;
    let mut scan = Scanner {
        input: body,
        at: 0,
        // The projection never outgrows its input: everything it writes is copied from it.
        out: Vec::with_capacity(body.len()),
        pending: 0..0,
    };
    scan.skip_whitespace();
    scan.pending = scan.at..scan.at;
    let kept = fits(shape, scan.peek().ok_or(ProjectError::NotJson)?);
    scan.value(kept.then_some(shape), 0)?;
    scan.skip_whitespace();
    if scan.at != body.len() {
        return Err(ProjectError::NotJson);
    }
    if !kept {
        return Err(ProjectError::Shape);
    }
    scan.flush();
    Ok(scan.out)
}

/// Deepest nesting accepted (serde_json's limit too).
const MAX_DEPTH: usize = 128;

/// Whether a value that starts with `first` fits `shape`. The first byte decides, so nothing
/// is ever written and then taken back.
fn fits(shape: &Shape, first: u8) -> bool {
    match first {
        // `null` fits every shape: Apify sends it for absent objects and lists.
        b'n' => true,
        b'{' => matches!(shape, Shape::Object(_) | Shape::Map(_) | Shape::Json),
        b'[' => matches!(shape, Shape::List(_) | Shape::Json),
        b'"' | b't' | b'f' => matches!(shape, Shape::Scalar | Shape::Json),
        // A number (or a byte no value starts with, which the scanner then refuses).
        _ => matches!(shape, Shape::Scalar | Shape::Number | Shape::Json),
    }
}

/// The one-pass projector. It checks the JSON grammar byte by byte and keeps what the shape
/// allows by reference to the input: kept bytes that follow each other there (a run of kept
/// fields, a whole kept subtree) are copied in one go, and nothing is decoded, re-escaped or
/// allocated per value. `shape: None` means "check and drop".
struct Scanner<'a> {
    input: &'a [u8],
    at: usize,
    out: Vec<u8>,
    /// Kept input bytes not yet copied to `out`.
    pending: std::ops::Range<usize>,
}

fn is_whitespace(b: &u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        // Every whitespace byte is at most a space: one comparison settles the usual case.
        while let Some(b) = self.input.get(self.at).filter(|b| **b <= b' ') {
            if !is_whitespace(b) {
                break;
            }
            self.at += 1;
        }
    }

    /// Keeps `input[from..to]`. It joins the pending run when only whitespace lies between.
    fn keep(&mut self, from: usize, to: usize) {
        let joins = from == self.pending.end
            || self.input[self.pending.end..from].iter().all(is_whitespace);
        if !joins {
            self.flush();
            self.pending.start = from;
        }
        self.pending.end = to;
    }

    fn flush(&mut self) {
        self.out
            .extend_from_slice(&self.input[self.pending.clone()]);
        self.pending.start = self.pending.end;
    }

    /// The value at `at` (whitespace before it skipped); kept whole when `shape` is given,
    /// which the caller has checked [`fits`].
    fn value(&mut self, shape: Option<&Shape>, depth: usize) -> Result<(), ProjectError> {
        let from = self.at;
        match self.peek().ok_or(ProjectError::NotJson)? {
            b'{' => return self.object(shape, depth + 1),
            b'[' => return self.array(shape, depth + 1),
            b'"' => {
                self.string()?;
            }
            b'-' | b'0'..=b'9' => self.number()?,
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            _ => return Err(ProjectError::NotJson),
        }
        if shape.is_some() {
            self.keep(from, self.at);
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), ProjectError> {
        if self.input[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(ProjectError::NotJson)
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - from
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, and within f64's range: serde_json
    /// (the app's parser) refuses a number that overflows it, so the relay does too.
    fn number(&mut self) -> Result<(), ProjectError> {
        let from = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let mut digits = match self.peek() {
            Some(b'0') => {
                self.at += 1;
                1
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(ProjectError::NotJson),
        };
        if self.peek() == Some(b'.') {
            self.at += 1;
            match self.digits() {
                0 => return Err(ProjectError::NotJson),
                n => digits += n,
            }
        }
        let mut exponent = false;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            exponent = true;
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(ProjectError::NotJson);
            }
        }
        // Only an exponent or a few hundred digits can leave f64's range.
        if exponent || digits > 300 {
            let text = std::str::from_utf8(&self.input[from..self.at]).unwrap_or("x");
            if !text.parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(ProjectError::NotJson);
            }
        }
        Ok(())
    }

    /// A string from its opening quote; returns whether it held an escape. The input is known
    /// to be UTF-8, so only quotes, escapes and control characters need a look.
    fn string(&mut self) -> Result<bool, ProjectError> {
        let input = self.input;
        let mut at = self.at + 1;
        let mut escaped = false;
        loop {
            at += plain_bytes(&input[at..]);
            match input.get(at) {
                Some(b'"') => {
                    self.at = at + 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    self.at = at + 1;
                    self.escape()?;
                    at = self.at;
                }
                None | Some(0..=0x1f) => return Err(ProjectError::NotJson),
                // The last few bytes of the input, which `plain_bytes` does not look at.
                Some(_) => at += 1,
            }
        }
    }

    /// The rest of an escape after its backslash. A `\u` surrogate must come in a valid pair,
    /// as serde_json (and so the app) requires.
    fn escape(&mut self) -> Result<(), ProjectError> {
        let byte = self.peek().ok_or(ProjectError::NotJson)?;
        self.at += 1;
        match byte {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
            b'u' => match self.hex4()? {
                0xD800..=0xDBFF => {
                    self.literal(b"\\u")?;
                    match self.hex4()? {
                        0xDC00..=0xDFFF => Ok(()),
                        _ => Err(ProjectError::NotJson),
                    }
                }
                0xDC00..=0xDFFF => Err(ProjectError::NotJson),
                _ => Ok(()),
            },
            _ => Err(ProjectError::NotJson),
        }
    }

    fn hex4(&mut self) -> Result<u16, ProjectError> {
        let digits = self
            .input
            .get(self.at..self.at + 4)
            .ok_or(ProjectError::NotJson)?;
        let mut v = 0u16;
        for &d in digits {
            let d = (d as char).to_digit(16).ok_or(ProjectError::NotJson)?;
            v = v << 4 | d as u16;
        }
        self.at += 4;
        Ok(v)
    }

    fn enter(depth: usize) -> Result<(), ProjectError> {
        if depth > MAX_DEPTH {
            Err(ProjectError::NotJson)
        } else {
            Ok(())
        }
    }

    /// Keeps the one byte at `at` when `keep`, and steps over it.
    fn step(&mut self, keep: bool) {
        if keep {
            self.keep(self.at, self.at + 1);
        }
        self.at += 1;
    }

    fn array(&mut self, shape: Option<&Shape>, depth: usize) -> Result<(), ProjectError> {
        Self::enter(depth)?;
        let keep = shape.is_some();
        let item = match shape {
            Some(Shape::List(item)) => Some(*item),
            Some(_) => Some(&Shape::Json),
            None => None,
        };
        self.step(keep);
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.step(keep);
            return Ok(());
        }
        let mut kept_any = false;
        let mut comma = 0;
        loop {
            self.skip_whitespace();
            let first = self.peek().ok_or(ProjectError::NotJson)?;
            let child = item.filter(|s| fits(s, first));
            if child.is_some() {
                self.keep_separator(&mut kept_any, comma);
            }
            self.value(child, depth)?;
            if self.end_of_member(b']', keep, &mut comma)? {
                return Ok(());
            }
        }
    }

    /// Before a kept item or member: the comma that precedes it, unless it is the first kept.
    #[inline(always)]
    fn keep_separator(&mut self, kept_any: &mut bool, comma: usize) {
        if *kept_any {
            self.keep(comma, comma + 1);
        }
        *kept_any = true;
    }

    /// After an item or member: a comma (remembered in `comma` for the next kept one) or the
    /// container's `close`, kept with it; returns whether the container ended. (Inlined: as a
    /// call it costs 4 % more instructions per page.)
    #[inline(always)]
    fn end_of_member(
        &mut self,
        close: u8,
        keep: bool,
        comma: &mut usize,
    ) -> Result<bool, ProjectError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b',') => {
                *comma = self.at;
                self.at += 1;
                Ok(false)
            }
            Some(b) if b == close => {
                self.step(keep);
                Ok(true)
            }
            _ => Err(ProjectError::NotJson),
        }
    }

    fn object(&mut self, shape: Option<&Shape>, depth: usize) -> Result<(), ProjectError> {
        Self::enter(depth)?;
        let keep = shape.is_some();
        self.step(keep);
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.step(keep);
            return Ok(());
        }
        let mut kept_any = false;
        let mut comma = 0;
        // Apify writes an object's fields in the same order every time: the search for the
        // next key starts after the last one found.
        let mut hint = 0;
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(ProjectError::NotJson);
            }
            let key_from = self.at;
            let escaped = self.string()?;
            let key_to = self.at;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(ProjectError::NotJson);
            }
            let colon = self.at;
            self.at += 1;
            self.skip_whitespace();
            let first = self.peek().ok_or(ProjectError::NotJson)?;
            let child = match shape {
                Some(Shape::Object(fields)) => {
                    field_shape(fields, &self.input[key_from..key_to], escaped, &mut hint)
                }
                Some(Shape::Map(value)) => Some(*value),
                Some(_) => Some(&Shape::Json),
                None => None,
            }
            .filter(|s| fits(s, first));
            if child.is_some() {
                self.keep_separator(&mut kept_any, comma);
                self.keep(key_from, key_to);
                self.keep(colon, colon + 1);
            }
            self.value(child, depth)?;
            if self.end_of_member(b'}', keep, &mut comma)? {
                return Ok(());
            }
        }
    }
}

/// How many bytes at the start of `s` need no look inside a string: not a quote, a backslash
/// or a control character. Eight at a time (the SWAR test for a byte below a bound).
fn plain_bytes(s: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let mut at = 0;
    while let Some(chunk) = s.get(at..at + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let special = below(x ^ (ONES * u64::from(b'"')), 1)
            | below(x ^ (ONES * u64::from(b'\\')), 1)
            | below(x, 0x20);
        if special != 0 {
            return at + (special.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at
}

/// The shape of the field a raw key (quotes included) names, if it is listed, searching from
/// `hint` on (and moving it past a match). A key written with escapes is decoded first, so
/// `"\u0069d"` is `id` too.
fn field_shape<'s>(
    fields: &'s [Field],
    raw_key: &[u8],
    escaped: bool,
    hint: &mut usize,
) -> Option<&'s Shape> {
    let decoded;
    let name = if escaped {
        decoded = serde_json::from_slice::<String>(raw_key).ok()?;
        decoded.as_bytes()
    } else {
        &raw_key[1..raw_key.len() - 1]
    };
    let start = (*hint).min(fields.len());
    let (before, after) = fields.split_at(start);
    // Length and first byte first: most names differ there, without a call to memcmp.
    let named = |f: &Field| {
        let candidate = f.name.as_bytes();
        candidate.len() == name.len() && candidate.first() == name.first() && candidate == name
    };
    let found = after
        .iter()
        .position(named)
        .map(|i| start + i)
        .or_else(|| before.iter().position(named))?;
    *hint = found + 1;
    Some(&fields[found].shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const ITEM: Shape = Shape::Object(&[s("id"), f("tags", Shape::List(&Shape::Scalar))]);
    const SHAPE: Shape = Shape::Object(&[f(
        "data",
        Shape::Object(&[
            s("id"),
            f(
                "stats",
                Shape::Object(&[s("totalRuns"), s("lastRunStartedAt")]),
            ),
            f("items", Shape::List(&ITEM)),
            f("usage", Shape::Map(&Shape::Number)),
            f("schema", Shape::Json),
        ]),
    )]);

    fn run(shape: &Shape, v: Value) -> Value {
        let bytes = project(shape, &serde_json::to_vec(&v).unwrap()).unwrap();
        serde_json::from_slice(&bytes).expect("the projection is valid JSON")
    }

    #[test]
    fn keeps_listed_fields_and_drops_everything_else() {
        let got = run(
            &SHAPE,
            json!({"data": {
                "id": "a", "secret": "x", "stats": {"totalRuns": 3, "extra": {"deep": 1}},
                "items": [{"id": 1, "sourceFiles": [{"content": "x"}], "tags": ["a", {"o": 1}, 2]}],
                "usage": {"CU": 0.5, "NEW_KIND": 1, "NOTE": "text", "NESTED": {"x": 1}},
                "schema": {"type": "object", "properties": {"p": {"default": [1, {"a": null}]}}},
                "future": {"id": "b"}
            }, "top": 1}),
        );
        assert_eq!(
            got,
            json!({"data": {
                "id": "a", "stats": {"totalRuns": 3},
                "items": [{"id": 1, "tags": ["a", 2]}],
                "usage": {"CU": 0.5, "NEW_KIND": 1},
                "schema": {"type": "object", "properties": {"p": {"default": [1, {"a": null}]}}}
            }})
        );
    }

    #[test]
    fn null_fits_every_shape_and_wrong_types_are_dropped_not_coerced() {
        let got = run(
            &SHAPE,
            json!({"data": {"id": {"nested": "secret"}, "stats": null, "items": "oops", "usage": [1]}}),
        );
        assert_eq!(got, json!({"data": {"stats": null}}));
        let got = run(&SHAPE, json!({"data": {"items": [null, "x", {"id": 2}]}}));
        assert_eq!(got, json!({"data": {"items": [null, {"id": 2}]}}));
    }

    #[test]
    fn preserves_key_order_escapes_and_numbers() {
        let body = br#"{"data":{"usage":{"z":1,"a":-2,"m":0.1,"big":18446744073709551615,"e":1e300},"id":"q\"\u0001\u00e9"}}"#;
        let out = project(&SHAPE, body).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"{"data":{"usage":{"z":1,"a":-2,"m":0.1,"big":18446744073709551615,"e":1e300},"id":"q\"\u0001\u00e9"}}"#
        );
    }

    #[test]
    fn malformed_or_misshapen_bodies_are_errors() {
        assert_eq!(project(&SHAPE, b""), Err(ProjectError::NotJson));
        assert_eq!(project(&SHAPE, b"<html>"), Err(ProjectError::NotJson));
        assert_eq!(
            project(&SHAPE, b"{\"data\":{}} x"),
            Err(ProjectError::NotJson)
        );
        assert_eq!(project(&SHAPE, b"{\"data\":"), Err(ProjectError::NotJson));
        assert_eq!(project(&SHAPE, b"[1]"), Err(ProjectError::Shape));
        assert_eq!(project(&SHAPE, b"\"x\""), Err(ProjectError::Shape));
        let deep = "[".repeat(200) + &"]".repeat(200);
        let json = format!("{{\"data\":{{\"schema\":{deep}}}}}");
        assert_eq!(project(&SHAPE, json.as_bytes()), Err(ProjectError::NotJson));
        // Top-level null fits (and says nothing).
        assert_eq!(project(&SHAPE, b"null").unwrap(), b"null");
    }

    #[test]
    fn copies_what_it_keeps_as_written_and_checks_strings_like_serde_json() {
        // Kept runs are copied as written, whitespace and escapes included; a dropped field
        // takes its comma along; an escaped key still names its field.
        let out = project(
            &SHAPE,
            b" {\n \"data\" : { \"\\u0069d\" : \"a\\/b\" , \"secret\" : [1, 2] , \"usage\":{ \"CU\" : 1.5e-3 } } } ",
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n \"data\" : { \"\\u0069d\" : \"a\\/b\", \"usage\":{ \"CU\" : 1.5e-3 } } }"
        );
        for bad in [
            &b"{\"data\":{\"id\":\"\xff\"}}"[..],
            br#"{"data":{"id":"\ud800"}}"#,
            br#"{"data":{"id":"\udc00\ud800"}}"#,
            br#"{"data":{"id":"\ud800\u0041"}}"#,
            br#"{"data":{"id":"\x"}}"#,
            br#"{"data":{"id":"\u12"}}"#,
            b"{\"data\":{\"id\":\"tab\there\"}}",
            br#"{"data":{"id":01}}"#,
            br#"{"data":{"id":1.}}"#,
            br#"{"data":{"id":1e400}}"#,
            br#"{"data":{"id":tru}}"#,
            br#"{"data":{"id":1,}}"#,
            br#"{"data":{,"id":1}}"#,
            br#"{"data":{"id" 1}}"#,
        ] {
            assert_eq!(
                project(&SHAPE, bad),
                Err(ProjectError::NotJson),
                "{}",
                String::from_utf8_lossy(bad)
            );
            assert!(serde_json::from_slice::<Value>(bad).is_err());
        }
        let pair = br#"{"data":{"id":"\ud83d\ude00"}}"#;
        assert_eq!(project(&SHAPE, pair).unwrap(), pair);
    }

    #[test]
    fn duplicate_keys_are_each_projected() {
        let out = project(&SHAPE, br#"{"data":{"id":"a","id":{"x":1},"id":"b"}}"#).unwrap();
        assert_eq!(out, br#"{"data":{"id":"a","id":"b"}}"#);
    }

    #[test]
    fn error_bodies_keep_type_and_message_only() {
        let body = br#"{"error":{"type":"record-not-found","message":"Record was not found","data":{"secret":1}},"x":2}"#;
        let v: Value = serde_json::from_slice(&error_body(404, body)).unwrap();
        assert_eq!(
            v,
            json!({"error": {"type": "record-not-found", "message": "Record was not found"}})
        );
        for junk in [
            &b"<html>502</html>"[..],
            b"",
            br#"{"error":{"type":"<script>"}}"#,
        ] {
            let v: Value = serde_json::from_slice(&error_body(502, junk)).unwrap();
            assert_eq!(v["error"]["type"], "upstream-error");
            assert_eq!(
                v["error"]["message"],
                "Apify answered with HTTP status 502."
            );
        }
        let long = format!(
            r#"{{"error":{{"type":"x","message":"{}"}}}}"#,
            "m".repeat(5000)
        );
        let v: Value = serde_json::from_slice(&error_body(400, long.as_bytes())).unwrap();
        assert_eq!(
            v["error"]["message"].as_str().unwrap().len(),
            MAX_ERROR_MESSAGE_CHARS
        );
    }
}
