//! Every JSON row of the allow-list against Apify's own OpenAPI description: an answer that
//! carries **every** property the spec declares for the row's response schema, plus a field
//! Apify might add tomorrow at every level, comes back as exactly the row's projection.
//!
//! "Exactly" is checked against an independent oracle (a plain recursive filter over
//! `serde_json::Value`), and two more properties are checked per row: every field a rule keeps
//! is one the spec declares (a typo would silently drop what the dashboard needs), and none of
//! the fields Forge promises never to return survives.

use forge_apify::allow::ALLOW_LIST;
use forge_apify::project::{project, Reply, Shape};
use serde_json::{json, Map, Value};

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../sim/openapi/apify-v2.openapi.json"
);
const UNKNOWN: &str = "forgeFieldApifyAddsTomorrow";

/// Field names that must never come back from any route (DESIGN §4).
const NEVER: &[&str] = &[
    "sourceFiles",
    "envVars",
    "gitRepoUrl",
    "tarballUrl",
    "gitHubGistUrl",
    "exampleRunInput",
    "deploymentKey",
    "environmentVariables",
    "dockerfile",
    "readme",
    "changelog",
    "urlSigningSecretKey",
    "itemsPublicUrl",
    "keysPublicUrl",
    "recordsPublicUrl",
    "recordPublicUrl",
    "containerUrl",
    "clientIp",
    "userAgent",
    "pricingInfo",
    "pricingInfos",
    UNKNOWN,
];

fn spec() -> Value {
    let text = std::fs::read_to_string(SPEC)
        .unwrap_or_else(|e| panic!("the vendored OpenAPI file {SPEC} is missing: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.strip_prefix('#').expect("local reference");
            resolve(spec, spec.pointer(pointer).expect("reference resolves"))
        }
        None => schema,
    }
}

/// An instance with every declared property (first non-null alternative of each type), and the
/// unknown field added to every object.
fn full_instance(spec: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(spec, schema);
    if depth > 12 {
        return Value::Null;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            if let Value::Object(o) = full_instance(spec, part, depth + 1) {
                merged.extend(o);
            }
        }
        return Value::Object(merged);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let pick = options
                .iter()
                .find(|o| resolve(spec, o).get("type") != Some(&json!("null")))
                .unwrap_or(&options[0]);
            return full_instance(spec, pick, depth + 1);
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if let Some(first) = e.iter().find(|v| !v.is_null()) {
            return first.clone();
        }
    }
    let ty = match schema.get("type") {
        Some(Value::Array(types)) => types
            .iter()
            .find(|t| *t != "null")
            .and_then(Value::as_str)
            .unwrap_or("null"),
        Some(Value::String(t)) => t.as_str(),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    match ty {
        "object" => {
            let mut o = Map::new();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, v) in props {
                    o.insert(k.clone(), full_instance(spec, v, depth + 1));
                }
            }
            if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                o.insert("someKey".into(), full_instance(spec, extra, depth + 1));
            }
            o.insert(UNKNOWN.into(), json!({"secret": "x", "list": [1]}));
            Value::Object(o)
        }
        "array" => {
            let item = schema.get("items").cloned().unwrap_or(json!({}));
            json!([full_instance(spec, &item, depth + 1)])
        }
        "integer" => json!(7),
        "number" => json!(1.25),
        "boolean" => json!(true),
        "null" => Value::Null,
        _ => json!("text"),
    }
}

/// The oracle: what a shape keeps of a value, written as plainly as possible.
fn oracle(shape: &Shape, v: &Value) -> Option<Value> {
    match (shape, v) {
        (_, Value::Null) => Some(Value::Null),
        (Shape::Json, v) => Some(v.clone()),
        (Shape::Scalar, Value::Bool(_) | Value::Number(_) | Value::String(_)) => Some(v.clone()),
        (Shape::Number, Value::Number(_)) => Some(v.clone()),
        (Shape::List(item), Value::Array(a)) => Some(Value::Array(
            a.iter().filter_map(|i| oracle(item, i)).collect(),
        )),
        (Shape::Map(value), Value::Object(o)) => Some(Value::Object(
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), oracle(value, v)?)))
                .collect(),
        )),
        (Shape::Object(fields), Value::Object(o)) => Some(Value::Object(
            o.iter()
                .filter_map(|(k, v)| {
                    let field = fields.iter().find(|f| f.name == k)?;
                    Some((k.clone(), oracle(&field.shape, v)?))
                })
                .collect(),
        )),
        _ => None,
    }
}

/// Fields a shape keeps that the spec instance does not have (outside `Json` subtrees).
fn undeclared(shape: &Shape, v: &Value, at: &str, out: &mut Vec<String>) {
    match (shape, v) {
        (Shape::Object(fields), Value::Object(o)) => {
            for f in *fields {
                let path = format!("{at}.{}", f.name);
                match o.get(f.name) {
                    Some(child) => undeclared(&f.shape, child, &path, out),
                    None => out.push(path),
                }
            }
        }
        (Shape::List(item), Value::Array(a)) => {
            for i in a {
                undeclared(item, i, &format!("{at}[]"), out);
            }
        }
        (Shape::Map(value), Value::Object(o)) => {
            for (k, child) in o.iter().filter(|(k, _)| *k != UNKNOWN) {
                undeclared(value, child, &format!("{at}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// Field names anywhere in a value, outside `Json` subtrees and map keys.
fn keys_outside_json(shape: &Shape, v: &Value, out: &mut Vec<String>) {
    match (shape, v) {
        (Shape::Json, _) => {}
        (Shape::Object(fields), Value::Object(o)) => {
            for (k, child) in o {
                out.push(k.clone());
                if let Some(f) = fields.iter().find(|f| f.name == k) {
                    keys_outside_json(&f.shape, child, out);
                }
            }
        }
        // A map's keys are free by design (usage kinds, build tags); its values are not.
        (Shape::Map(value), Value::Object(o)) => {
            for child in o.values() {
                keys_outside_json(value, child, out);
            }
        }
        (Shape::List(item), Value::Array(a)) => {
            for i in a {
                keys_outside_json(item, i, out);
            }
        }
        _ => {}
    }
}

/// Fields of the spec a rule keeps that are not declared in these schemas, but Apify sends.
const KNOWN_UNDECLARED: &[&str] = &[];

#[test]
fn every_json_row_returns_exactly_its_projection_of_a_full_spec_answer() {
    let spec = spec();
    let mut checked = 0;
    for route in ALLOW_LIST {
        let Reply::Json(shape) = &route.reply else {
            continue;
        };
        let method = route.method.as_str().to_ascii_lowercase();
        let op = &spec["paths"][route.template][&method];
        assert!(
            op.is_object(),
            "{method} {} is not in the spec",
            route.template
        );
        let responses = &op["responses"];
        let ok = ["200", "201"]
            .iter()
            .find_map(|c| responses.get(*c))
            .unwrap_or_else(|| panic!("{method} {} has no 2xx answer", route.template));
        let schema = &resolve(&spec, ok)["content"]["application/json"]["schema"];
        let answer = full_instance(&spec, schema, 0);
        let label = format!("{} {}", route.method, route.template);

        let bytes = project(shape, &serde_json::to_vec(&answer).unwrap())
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        let got: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(Some(&got), oracle(shape, &answer).as_ref(), "{label}");

        let mut missing = Vec::new();
        undeclared(shape, &answer, "", &mut missing);
        missing.retain(|m| !KNOWN_UNDECLARED.contains(&m.as_str()));
        assert!(
            missing.is_empty(),
            "{label} keeps fields the spec does not declare: {missing:?}"
        );

        let mut keys = Vec::new();
        keys_outside_json(shape, &got, &mut keys);
        for never in NEVER {
            assert!(!keys.iter().any(|k| k == never), "{label} returned {never}");
        }
        assert!(
            keys.len() > 3,
            "{label}: the projection kept almost nothing: {got}"
        );
        checked += 1;
    }
    assert_eq!(checked, 17, "JSON rows checked");
}

#[test]
fn the_data_forge_needs_survives() {
    // A few fields the dashboard cannot do without, spelled as the spec spells them.
    let spec = spec();
    let need = [
        ("/v2/actors", "GET", "/data/items/0/stats/lastRunStartedAt"),
        (
            "/v2/actors/{actorId}",
            "GET",
            "/data/defaultRunOptions/memoryMbytes",
        ),
        (
            "/v2/actors/{actorId}",
            "GET",
            "/data/taggedBuilds/latest/buildNumber",
        ),
        ("/v2/actor-runs", "GET", "/data/items/0/usageTotalUsd"),
        ("/v2/actor-runs", "GET", "/data/items/0/defaultDatasetId"),
        ("/v2/actor-runs/{runId}", "GET", "/data/stats/memMaxBytes"),
        (
            "/v2/actor-runs/{runId}",
            "GET",
            "/data/options/memoryMbytes",
        ),
        (
            "/v2/actor-runs/{runId}",
            "GET",
            "/data/usageUsd/ACTOR_COMPUTE_UNITS",
        ),
        (
            "/v2/actor-builds/{buildId}",
            "GET",
            "/data/actorDefinition/input",
        ),
        (
            "/v2/actor-builds/{buildId}",
            "GET",
            "/data/actorDefinition/storages/dataset",
        ),
        ("/v2/datasets", "GET", "/data/items/0/itemCount"),
        ("/v2/datasets", "GET", "/data/items/0/actRunId"),
        (
            "/v2/key-value-stores/{storeId}/keys",
            "GET",
            "/data/items/0/size",
        ),
    ];
    for (template, method, pointer) in need {
        let route = ALLOW_LIST
            .iter()
            .find(|r| r.template == template && r.method.as_str() == method)
            .unwrap();
        let Reply::Json(shape) = &route.reply else {
            panic!("{template} is not a JSON row")
        };
        let op = &spec["paths"][template][method.to_ascii_lowercase()];
        let ok = resolve(&spec, &op["responses"]["200"]);
        let mut answer = full_instance(&spec, &ok["content"]["application/json"]["schema"], 0);
        // Examples of free-keyed maps use Apify's real keys.
        if let Some(m) = answer.pointer_mut("/data/taggedBuilds") {
            *m = json!({"latest": {"buildId": "B1", "buildNumber": "0.1.2", "finishedAt": null}});
        }
        if let Some(m) = answer.pointer_mut("/data/usageUsd") {
            *m = json!({"ACTOR_COMPUTE_UNITS": 0.2});
        }
        let bytes = project(shape, &serde_json::to_vec(&answer).unwrap()).unwrap();
        let got: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(
            got.pointer(pointer).is_some_and(|v| !v.is_null()),
            "{method} {template}: {pointer} was dropped"
        );
    }
}

/// Random JSON whose keys are drawn mostly from the names the allow-list keeps, so the
/// projection has something to keep at every level.
fn arb_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let key = prop_oneof![
        Just("data".to_string()),
        Just("items".to_string()),
        Just("id".to_string()),
        Just("stats".to_string()),
        Just("status".to_string()),
        Just("usage".to_string()),
        Just("inputSchema".to_string()),
        "[a-zA-Z\\\\\"\u{e9}\u{1}]{0,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|n| json!(n)),
        "[a-z\"\\\\/\u{0}-\u{1f}\u{e9}\u{1F600}]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn json_rows() -> Vec<&'static Shape> {
    ALLOW_LIST
        .iter()
        .filter_map(|r| match &r.reply {
            Reply::Json(shape) => Some(shape),
            _ => None,
        })
        .collect()
}

proptest::proptest! {
    /// Any document, through any row's shape, projects to what the oracle keeps (compact or
    /// pretty-printed input alike).
    #[test]
    fn any_document_projects_as_the_oracle_says(v in arb_value(), row in 0usize..64, pretty: bool) {
        let rows = json_rows();
        let shape = rows[row % rows.len()];
        let bytes = if pretty { serde_json::to_vec_pretty(&v) } else { serde_json::to_vec(&v) }.unwrap();
        // The oracle sees the document as serde_json reads it back: its float parsing is not
        // exact to the last digit, and the projection copies the digits as written.
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        match oracle(shape, &v) {
            Some(want) => {
                let got = project(shape, &bytes).unwrap();
                let got: Value = serde_json::from_slice(&got).expect("the projection is JSON");
                proptest::prop_assert_eq!(got, want);
            }
            None => proptest::prop_assert!(project(shape, &bytes).is_err()),
        }
    }

    /// A damaged document (a byte inserted, replaced or cut anywhere) is refused exactly when
    /// serde_json refuses it: the scanner's grammar is JSON's, no looser and no stricter.
    #[test]
    fn damaged_documents_are_refused_exactly_when_serde_json_refuses_them(
        v in arb_value(),
        at in 0usize..4096,
        edit in 0u8..3,
        byte in proptest::sample::select(&b"{}[],:\"\\ u0123456789abcdefABCDEF-+.eEtrnl\x01\x7f"[..]),
    ) {
        let mut bytes = serde_json::to_vec(&v).unwrap();
        let at = at % (bytes.len() + 1);
        match edit {
            0 => bytes.insert(at, byte),
            1 if at < bytes.len() => bytes[at] = byte,
            _ => bytes.truncate(at),
        }
        let valid = serde_json::from_slice::<Value>(&bytes).is_ok();
        let projected = project(&Shape::Json, &bytes);
        proptest::prop_assert_eq!(projected.is_ok(), valid, "{}", String::from_utf8_lossy(&bytes));
        if let Ok(out) = projected {
            let want: Value = serde_json::from_slice(&bytes).unwrap();
            let got: Value = serde_json::from_slice(&out).unwrap();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
