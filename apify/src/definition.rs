//! What a build declares, read from its detail (`GET /v2/actor-builds/{buildId}`): the input
//! fields of its input schema, the fields of its dataset schema and its memory defaults.
//!
//! Two uses: the fleet engine compares the build in use with the one before it ("0.3.14 removed
//! the input field `maxPages`"), and the Run dialog starts from the input the schema suggests —
//! each field's `prefill`, else its `default`, and never a field marked `isSecret`.
//!
//! The definition is kept small and flat (it is cached with the fleet): values stay as compact
//! JSON text, so two builds compare by text and nothing has to model every schema keyword.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One property of an input schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputField {
    pub name: String,
    /// `type` (`string`, `integer`, `array`…), empty when the schema gives none.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: Option<String>,
    /// `default` as compact JSON.
    #[serde(default)]
    pub default: Option<String>,
    /// `prefill` as compact JSON.
    #[serde(default)]
    pub prefill: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// `isSecret`: never prefilled.
    #[serde(default)]
    pub secret: bool,
}

/// One field of a dataset schema (`storages.dataset.fields.properties`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputField {
    pub name: String,
    /// `type`, or the types joined with `|` when it lists several (`["string","null"]`).
    pub kind: String,
}

/// What one build declares. Fields are sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildDefinition {
    /// The build has an input schema (`inputSchema` or `actorDefinition.input`).
    #[serde(default)]
    pub has_input_schema: bool,
    #[serde(default)]
    pub input: Vec<InputField>,
    /// The build declares a dataset schema with fields.
    #[serde(default)]
    pub has_dataset_schema: bool,
    #[serde(default)]
    pub output: Vec<OutputField>,
    /// `actorDefinition.defaultMemoryMbytes`, else the build's `options.memoryMbytes`.
    #[serde(default)]
    pub default_memory_mbytes: Option<u32>,
}

/// The part of a build detail the definition is read from (what the relay's projection keeps).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildDetail {
    pub id: String,
    #[serde(default)]
    pub act_id: Option<String>,
    #[serde(default)]
    pub build_number: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
    /// The input schema as text (`.actor/input_schema.json`).
    #[serde(default)]
    pub input_schema: Option<String>,
    #[serde(default)]
    pub actor_definition: Option<Value>,
    #[serde(default)]
    pub options: Option<Value>,
}

impl BuildDetail {
    /// What the build declares. A schema that is not an object reads as no schema.
    pub fn definition(&self) -> BuildDefinition {
        let def = self.actor_definition.as_ref();
        let text_schema = self
            .input_schema
            .as_deref()
            .and_then(|t| serde_json::from_str::<Value>(t).ok());
        let input_schema = text_schema
            .as_ref()
            .filter(|v| v.is_object())
            .or_else(|| def.and_then(|d| d.get("input")).filter(|v| v.is_object()));
        let dataset_fields = def
            .and_then(|d| d.pointer("/storages/dataset"))
            .and_then(|d| d.get("fields"))
            .and_then(|f| f.get("properties"))
            .and_then(Value::as_object);
        let memory = def
            .and_then(|d| d.get("defaultMemoryMbytes"))
            .and_then(as_u32)
            .or_else(|| {
                self.options
                    .as_ref()
                    .and_then(|o| o.get("memoryMbytes"))
                    .and_then(as_u32)
            });
        BuildDefinition {
            has_input_schema: input_schema.is_some(),
            input: input_schema.map(input_fields).unwrap_or_default(),
            has_dataset_schema: dataset_fields.is_some_and(|f| !f.is_empty()),
            output: dataset_fields.map(output_fields).unwrap_or_default(),
            default_memory_mbytes: memory,
        }
    }
}

impl BuildDefinition {
    /// The input a run starts from: each field's `prefill`, else its `default`; secret fields
    /// and fields with neither are left out (Apify applies defaults to missing fields itself).
    pub fn starting_input(&self) -> Map<String, Value> {
        self.input
            .iter()
            .filter(|f| !f.secret)
            .filter_map(|f| {
                let text = f.prefill.as_deref().or(f.default.as_deref())?;
                Some((f.name.clone(), serde_json::from_str(text).ok()?))
            })
            .collect()
    }

    pub fn input_field(&self, name: &str) -> Option<&InputField> {
        self.input.iter().find(|f| f.name == name)
    }

    pub fn output_field(&self, name: &str) -> Option<&OutputField> {
        self.output.iter().find(|f| f.name == name)
    }
}

fn as_u32(v: &Value) -> Option<u32> {
    v.as_u64()
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
        .and_then(|n| u32::try_from(n).ok())
}

fn compact(v: &Value) -> String {
    v.to_string()
}

fn kind_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("|"),
        _ => String::new(),
    }
}

fn input_fields(schema: &Value) -> Vec<InputField> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut fields: Vec<InputField> = properties
        .iter()
        .map(|(name, p)| InputField {
            name: name.clone(),
            kind: kind_of(p.get("type")),
            title: p.get("title").and_then(Value::as_str).map(str::to_owned),
            default: p.get("default").map(compact),
            prefill: p.get("prefill").map(compact),
            required: required.contains(&name.as_str()),
            secret: p.get("isSecret").and_then(Value::as_bool).unwrap_or(false),
        })
        .collect();
    crate::sort::sort_by(&mut fields, |a, b| a.name.cmp(&b.name));
    fields
}

fn output_fields(properties: &Map<String, Value>) -> Vec<OutputField> {
    let mut fields: Vec<OutputField> = properties
        .iter()
        .map(|(name, p)| OutputField {
            name: name.clone(),
            kind: kind_of(p.get("type")),
        })
        .collect();
    crate::sort::sort_by(&mut fields, |a, b| a.name.cmp(&b.name));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn detail(input_schema: Option<&str>, definition: Value) -> BuildDetail {
        BuildDetail {
            id: "b1".into(),
            input_schema: input_schema.map(str::to_owned),
            actor_definition: Some(definition),
            ..BuildDetail::default()
        }
    }

    const SCHEMA: &str = r#"{"title":"In","type":"object","schemaVersion":1,
        "properties":{
          "startUrls":{"title":"Start URLs","type":"array","prefill":[{"url":"https://a.example"}]},
          "maxPages":{"title":"Max pages","type":"integer","default":50},
          "apiKey":{"title":"API key","type":"string","isSecret":true,"prefill":"sk-123"},
          "login":{"type":"object"}
        },
        "required":["startUrls"]}"#;

    #[test]
    fn reads_the_input_fields_sorted_with_their_defaults_and_prefills() {
        let d = detail(Some(SCHEMA), json!({"defaultMemoryMbytes": 2048})).definition();
        assert!(d.has_input_schema);
        let names: Vec<&str> = d.input.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["apiKey", "login", "maxPages", "startUrls"]);
        let max = d.input_field("maxPages").unwrap();
        assert_eq!(
            (max.kind.as_str(), max.default.as_deref(), max.required),
            ("integer", Some("50"), false)
        );
        assert!(d.input_field("startUrls").unwrap().required);
        assert!(d.input_field("apiKey").unwrap().secret);
        assert_eq!(d.input_field("login").unwrap().title, None);
        assert_eq!(d.default_memory_mbytes, Some(2048));
        assert!(!d.has_dataset_schema);
    }

    #[test]
    fn the_starting_input_is_prefill_then_default_and_never_a_secret() {
        let d = detail(Some(SCHEMA), json!({})).definition();
        assert_eq!(
            Value::Object(d.starting_input()),
            json!({"startUrls": [{"url": "https://a.example"}], "maxPages": 50})
        );
    }

    #[test]
    fn the_definitions_input_stands_in_for_a_missing_schema_text() {
        let d = detail(
            None,
            json!({"input": {"properties": {"q": {"type": "string", "default": "x"}}}}),
        )
        .definition();
        assert!(d.has_input_schema);
        assert_eq!(
            d.input_field("q").unwrap().default.as_deref(),
            Some("\"x\"")
        );
    }

    #[test]
    fn no_schema_no_fields_and_garbage_is_no_schema() {
        let none = BuildDetail::default().definition();
        assert_eq!(none, BuildDefinition::default());
        let garbage = detail(Some("not json"), json!({"input": "./input_schema.json"}));
        assert!(!garbage.definition().has_input_schema);
        assert!(garbage.definition().starting_input().is_empty());
    }

    #[test]
    fn reads_the_dataset_schema_fields_and_memory_from_the_options() {
        let mut d = detail(
            None,
            json!({"storages": {"dataset": {"actorSpecification": 1, "fields": {
                "type": "object",
                "properties": {"price": {"type": ["number", "null"]}, "title": {"type": "string"}}
            }}}}),
        );
        d.options = Some(json!({"memoryMbytes": 1024.0}));
        let def = d.definition();
        assert!(def.has_dataset_schema);
        assert_eq!(
            def.output,
            [
                OutputField {
                    name: "price".into(),
                    kind: "number|null".into()
                },
                OutputField {
                    name: "title".into(),
                    kind: "string".into()
                }
            ]
        );
        assert_eq!(def.default_memory_mbytes, Some(1024));
    }

    #[test]
    fn reads_a_build_detail_as_the_relay_returns_it() {
        let body = r#"{"data":{"id":"b2","actId":"a1","buildNumber":"0.3.14",
            "finishedAt":"2026-11-30T10:00:00.000Z","inputSchema":null,
            "actorDefinition":null,"options":{"memoryMbytes":4096},"stats":{"durationMillis":1}}}"#;
        let d: crate::models::Data<BuildDetail> = serde_json::from_str(body).unwrap();
        assert_eq!(d.data.build_number.as_deref(), Some("0.3.14"));
        assert_eq!(d.data.definition().default_memory_mbytes, Some(4096));
    }
}
