//! What changed between two builds, from what each declares
//! ([`forge_apify::definition::BuildDefinition`]): input fields added, removed, renamed, or with
//! another type or default; dataset fields added, removed or retyped; the memory default.
//!
//! A rename is a removed field and an added field with the same title and type (Apify has no
//! rename marker; this is how a reader of the two schemas would pair them). Source code and
//! environment are never compared: the relay never returns them.

use forge_apify::definition::BuildDefinition;
use serde::{Deserialize, Serialize};

/// One field whose value moved: `(field, before, after)`.
pub type Moved = (String, Option<String>, Option<String>);

/// The changes from the build `from` to the build `to` (their labels).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildChanges {
    pub from: String,
    pub to: String,
    pub input_added: Vec<String>,
    pub input_removed: Vec<String>,
    /// `(old name, new name)`.
    pub input_renamed: Vec<(String, String)>,
    /// Type changes: `(field, old type, new type)`.
    pub input_retyped: Vec<Moved>,
    /// Default changes (compact JSON): `(field, old, new)`.
    pub input_defaults: Vec<Moved>,
    pub output_added: Vec<String>,
    pub output_removed: Vec<String>,
    pub output_retyped: Vec<Moved>,
    /// `(before, after)` when the memory default moved.
    pub memory_default: Option<(Option<u32>, Option<u32>)>,
    /// The input schema appeared (`Some(true)`) or went away (`Some(false)`).
    pub input_schema: Option<bool>,
}

/// Compares `before` (build `from`) with `after` (build `to`).
pub fn build_changes(
    from: &str,
    before: &BuildDefinition,
    to: &str,
    after: &BuildDefinition,
) -> BuildChanges {
    let mut c = BuildChanges {
        from: from.to_owned(),
        to: to.to_owned(),
        ..BuildChanges::default()
    };
    if before.has_input_schema != after.has_input_schema {
        c.input_schema = Some(after.has_input_schema);
    }
    let mut removed: Vec<&forge_apify::definition::InputField> = Vec::new();
    for old in &before.input {
        match after.input_field(&old.name) {
            None => removed.push(old),
            Some(new) => {
                if old.kind != new.kind {
                    c.input_retyped
                        .push((old.name.clone(), some(&old.kind), some(&new.kind)));
                }
                if old.default != new.default {
                    c.input_defaults.push((
                        old.name.clone(),
                        old.default.clone(),
                        new.default.clone(),
                    ));
                }
            }
        }
    }
    let mut added: Vec<&forge_apify::definition::InputField> = after
        .input
        .iter()
        .filter(|f| before.input_field(&f.name).is_none())
        .collect();
    for old in removed {
        let twin = added
            .iter()
            .position(|new| old.title.is_some() && new.title == old.title && new.kind == old.kind);
        match twin {
            Some(k) => {
                let new = added.remove(k);
                c.input_renamed.push((old.name.clone(), new.name.clone()));
            }
            None => c.input_removed.push(old.name.clone()),
        }
    }
    c.input_added = added.into_iter().map(|f| f.name.clone()).collect();
    for old in &before.output {
        match after.output_field(&old.name) {
            None => c.output_removed.push(old.name.clone()),
            Some(new) if new.kind != old.kind => {
                c.output_retyped
                    .push((old.name.clone(), some(&old.kind), some(&new.kind)))
            }
            Some(_) => {}
        }
    }
    c.output_added = after
        .output
        .iter()
        .filter(|f| before.output_field(&f.name).is_none())
        .map(|f| f.name.clone())
        .collect();
    if before.default_memory_mbytes != after.default_memory_mbytes {
        c.memory_default = Some((before.default_memory_mbytes, after.default_memory_mbytes));
    }
    c
}

fn some(kind: &str) -> Option<String> {
    (!kind.is_empty()).then(|| kind.to_owned())
}

fn fields(kind: &str, names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let noun = if names.len() == 1 { "field" } else { "fields" };
    format!("{kind} {noun} {}", and_list(&quoted))
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn moved(v: &Option<String>) -> String {
    v.as_deref()
        .map_or_else(|| "none".to_owned(), |s| format!("`{s}`"))
}

/// "changed `what` from `old` to `new`".
fn changed(what: &str, old: &Option<String>, new: &Option<String>) -> String {
    format!("changed {what} from {} to {}", moved(old), moved(new))
}

impl BuildChanges {
    pub fn is_empty(&self) -> bool {
        self.input_schema.is_none()
            && self.memory_default.is_none()
            && [
                &self.input_added,
                &self.input_removed,
                &self.output_added,
                &self.output_removed,
            ]
            .iter()
            .all(|v| v.is_empty())
            && self.input_renamed.is_empty()
            && [
                &self.input_retyped,
                &self.input_defaults,
                &self.output_retyped,
            ]
            .iter()
            .all(|v| v.is_empty())
    }

    /// Every change, one clause each, most disruptive first ("removed the input field
    /// `maxPages`").
    pub fn sentences(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self.input_schema {
            Some(false) => out.push("dropped its input schema".to_owned()),
            Some(true) => out.push("added an input schema".to_owned()),
            None => {}
        }
        if !self.input_removed.is_empty() {
            out.push(format!(
                "removed the {}",
                fields("input", &self.input_removed)
            ));
        }
        for (old, new) in &self.input_renamed {
            out.push(format!("renamed the input field `{old}` to `{new}`"));
        }
        for (f, old, new) in &self.input_retyped {
            out.push(changed(&format!("the input field `{f}`"), old, new));
        }
        for (f, old, new) in &self.input_defaults {
            out.push(changed(&format!("the default of `{f}`"), old, new));
        }
        if !self.input_added.is_empty() {
            out.push(format!("added the {}", fields("input", &self.input_added)));
        }
        if !self.output_removed.is_empty() {
            out.push(format!(
                "removed the {}",
                fields("output", &self.output_removed)
            ));
        }
        for (f, old, new) in &self.output_retyped {
            out.push(changed(&format!("the output field `{f}`"), old, new));
        }
        if !self.output_added.is_empty() {
            out.push(format!(
                "added the {}",
                fields("output", &self.output_added)
            ));
        }
        if let Some((old, new)) = self.memory_default {
            let mb = |m: Option<u32>| m.map_or_else(|| "none".to_owned(), |m| format!("{m} MB"));
            out.push(format!(
                "changed the memory default from {} to {}",
                mb(old),
                mb(new)
            ));
        }
        out
    }

    /// The first change in a clause that follows the build's name ("removed the input field
    /// `maxPages`"), with "and N more changes" when there are more; `None` when nothing
    /// changed.
    pub fn headline(&self) -> Option<String> {
        let all = self.sentences();
        let first = all.first()?.clone();
        Some(match all.len() - 1 {
            0 => first,
            1 => format!("{first} and made 1 more change"),
            n => format!("{first} and made {n} more changes"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::definition::{InputField, OutputField};

    fn input(name: &str, kind: &str, title: Option<&str>, default: Option<&str>) -> InputField {
        InputField {
            name: name.into(),
            kind: kind.into(),
            title: title.map(str::to_owned),
            default: default.map(str::to_owned),
            prefill: None,
            required: false,
            secret: false,
        }
    }

    fn def(
        input: Vec<InputField>,
        output: &[(&str, &str)],
        memory: Option<u32>,
    ) -> BuildDefinition {
        BuildDefinition {
            has_input_schema: !input.is_empty(),
            input,
            has_dataset_schema: !output.is_empty(),
            output: output
                .iter()
                .map(|(n, k)| OutputField {
                    name: (*n).into(),
                    kind: (*k).into(),
                })
                .collect(),
            default_memory_mbytes: memory,
        }
    }

    #[test]
    fn a_removed_input_field_is_the_headline() {
        let before = def(
            vec![
                input("maxPages", "integer", Some("Max pages"), Some("50")),
                input("startUrls", "array", Some("Start URLs"), None),
            ],
            &[],
            Some(1024),
        );
        let after = def(
            vec![input("startUrls", "array", Some("Start URLs"), None)],
            &[],
            Some(1024),
        );
        let c = build_changes("0.3.13", &before, "0.3.14", &after);
        assert_eq!(c.input_removed, ["maxPages"]);
        assert_eq!(
            c.headline().as_deref(),
            Some("removed the input field `maxPages`")
        );
        assert_eq!(c.sentences().len(), 1);
    }

    #[test]
    fn same_title_and_type_is_a_rename_and_the_rest_is_worded_in_order() {
        let before = def(
            vec![
                input("maxItems", "integer", Some("Max items"), Some("100")),
                input("query", "string", Some("Query"), None),
                input("depth", "integer", Some("Depth"), Some("2")),
            ],
            &[("price", "number"), ("title", "string")],
            Some(1024),
        );
        let after = def(
            vec![
                input("maxResults", "integer", Some("Max items"), Some("100")),
                input("query", "array", Some("Query"), None),
                input("depth", "integer", Some("Depth"), Some("3")),
                input("country", "string", Some("Country"), None),
            ],
            &[("price", "string"), ("url", "string")],
            Some(2048),
        );
        let c = build_changes("1.0.1", &before, "1.0.2", &after);
        assert_eq!(
            c.input_renamed,
            [("maxItems".to_string(), "maxResults".to_string())]
        );
        assert!(c.input_removed.is_empty());
        assert_eq!(c.input_added, ["country"]);
        assert_eq!(
            c.sentences(),
            [
                "renamed the input field `maxItems` to `maxResults`",
                "changed the input field `query` from `string` to `array`",
                "changed the default of `depth` from `2` to `3`",
                "added the input field `country`",
                "removed the output field `title`",
                "changed the output field `price` from `number` to `string`",
                "added the output field `url`",
                "changed the memory default from 1024 MB to 2048 MB",
            ]
        );
        assert_eq!(
            c.headline().as_deref(),
            Some("renamed the input field `maxItems` to `maxResults` and made 7 more changes")
        );
    }

    #[test]
    fn identical_builds_and_a_schema_that_appears() {
        let a = def(vec![input("q", "string", None, None)], &[], None);
        assert!(build_changes("1", &a, "2", &a).is_empty());
        assert_eq!(build_changes("1", &a, "2", &a).headline(), None);
        let none = BuildDefinition::default();
        let c = build_changes("1", &none, "2", &a);
        assert_eq!(
            c.sentences(),
            ["added an input schema", "added the input field `q`"]
        );
        // Without a title, a removed and an added field are not paired.
        let b = def(vec![input("query", "string", None, None)], &[], None);
        let c = build_changes("1", &a, "2", &b);
        assert_eq!((c.input_removed.len(), c.input_added.len()), (1, 1));
    }
}
