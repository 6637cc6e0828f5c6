//! Response projection (DESIGN §4): what may come back from an allow-listed route.
//!
//! Every row of [`crate::allow::ALLOW_LIST`] carries a [`Reply`] beside its request rule. For
//! JSON routes that is a [`Shape`]: an allow-list of fields, never a deny-list, so a field Apify
//! adds tomorrow — or one Forge promises never to touch (source files, env vars, signing keys,
//! signed URLs) — is dropped without anyone having to name it.
//!
//! [`project`] is one streaming pass from the upstream bytes to the projected bytes: serde_json
//! reads the body, fields outside the shape are skipped with [`IgnoredAny`] (never materialised),
//! and what is kept is written straight to the output. Key order is preserved. A value whose
//! type does not fit its shape (an object where a scalar is declared, say) is dropped, not
//! coerced; `null` always fits, because Apify sends it for absent objects (`"stats": null`).
//!
//! [`error_body`] does the same for error answers: Apify's envelope, `type` and `message` only.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
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

/// Projects a JSON body to `shape`, in one pass.
pub fn project(shape: &Shape, body: &[u8]) -> Result<Vec<u8>, ProjectError> {
    let mut out = Vec::with_capacity(body.len() / 2 + 16);
    let mut de = serde_json::Deserializer::from_slice(body);
    let kept = Projector {
        shape,
        out: &mut out,
    }
    .deserialize(&mut de)
    .map_err(|_| ProjectError::NotJson)?;
    de.end().map_err(|_| ProjectError::NotJson)?;
    if kept {
        Ok(out)
    } else {
        Err(ProjectError::Shape)
    }
}

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

/// Writes the projection of one value; returns whether anything was written.
struct Projector<'a> {
    shape: &'a Shape,
    out: &'a mut Vec<u8>,
}

impl Projector<'_> {
    fn scalar(self, write: impl FnOnce(&mut Vec<u8>)) -> bool {
        let fits = matches!(self.shape, Shape::Scalar | Shape::Json);
        self.keep_if(fits, write)
    }

    fn number(self, write: impl FnOnce(&mut Vec<u8>)) -> bool {
        let fits = matches!(self.shape, Shape::Scalar | Shape::Number | Shape::Json);
        self.keep_if(fits, write)
    }

    fn keep_if(self, fits: bool, write: impl FnOnce(&mut Vec<u8>)) -> bool {
        if fits {
            write(self.out);
        }
        fits
    }
}

fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Serialising a string, number or bool into a Vec cannot fail.
    let _ = serde_json::to_writer(out, v);
}

impl<'de> DeserializeSeed<'de> for Projector<'_> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Projector<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(self.scalar(|o| write_json(o, &v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        Ok(self.number(|o| write_json(o, &v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        Ok(self.number(|o| write_json(o, &v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<bool, E> {
        Ok(self.number(|o| write_json(o, &v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(self.scalar(|o| write_json(o, v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        // `null` fits every shape: Apify sends it for absent objects and lists.
        self.out.extend_from_slice(b"null");
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let item = match self.shape {
            Shape::List(item) => *item,
            Shape::Json => &Shape::Json,
            _ => {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(false);
            }
        };
        self.out.push(b'[');
        let mut first = true;
        loop {
            let mark = self.out.len();
            if !first {
                self.out.push(b',');
            }
            let seed = Projector {
                shape: item,
                out: self.out,
            };
            match seq.next_element_seed(seed)? {
                None => {
                    self.out.truncate(mark);
                    break;
                }
                Some(true) => first = false,
                Some(false) => self.out.truncate(mark),
            }
        }
        self.out.push(b']');
        Ok(true)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        enum Keys<'s> {
            Fields(&'s [Field]),
            Free(&'s Shape),
        }
        let keys = match self.shape {
            Shape::Object(fields) => Keys::Fields(fields),
            Shape::Map(value) => Keys::Free(value),
            Shape::Json => Keys::Free(&Shape::Json),
            _ => {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(false);
            }
        };
        self.out.push(b'{');
        let mut first = true;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let shape = match &keys {
                Keys::Fields(fields) => fields.iter().find(|f| f.name == key).map(|f| &f.shape),
                Keys::Free(shape) => Some(*shape),
            };
            let Some(shape) = shape else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let mark = self.out.len();
            if !first {
                self.out.push(b',');
            }
            write_json(self.out, key.as_ref());
            self.out.push(b':');
            if map.next_value_seed(Projector {
                shape,
                out: self.out,
            })? {
                first = false;
            } else {
                self.out.truncate(mark);
            }
        }
        self.out.push(b'}');
        Ok(true)
    }
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
            r#"{"data":{"usage":{"z":1,"a":-2,"m":0.1,"big":18446744073709551615,"e":1e+300},"id":"q\"\u0001é"}}"#
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
