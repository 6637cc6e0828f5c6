//! Output quality per field: from the dataset statistics Apify measures for Actors that declare
//! a dataset fields schema (`nullCount` and `emptyCount` per field), the share of items where
//! each field is null or missing — on the runs of the newest build and on the runs before it —
//! and the fields that got worse with the newest build ("price null in 38% of items since
//! 0.4.2, was 1%").
//!
//! Only counts are read (`GET /v2/datasets/{id}/statistics`, Datasets: Read), never an item.
//! The thresholds are in [`crate::rules`] (`FIELD_*`); the tests below pin them with
//! hand-computed examples.

use crate::format::pct;
use crate::rules::{reaches, FIELD_DRIFT_MIN_DELTA, FIELD_DRIFT_MIN_RATIO, FIELD_MIN_ITEMS};
use forge_apify::models::DatasetStatistics;
use serde::{Deserialize, Serialize};

/// One field's counts in one run's dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldCount {
    pub name: String,
    /// Items holding `null`.
    pub null: u64,
    /// Items without the field at all (Apify's `emptyCount`: an empty string is not empty).
    pub empty: u64,
}

/// What the statistics of one run's dataset said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measured {
    /// `fieldStatistics: null`: the Actor declares no dataset fields schema.
    NoSchema,
    /// Per field of the schema, sorted by name.
    Fields(Vec<FieldCount>),
}

impl Measured {
    /// The statistics as Apify returns them. Fields with neither count are left out.
    pub fn from_statistics(s: &DatasetStatistics) -> Measured {
        let Some(map) = &s.field_statistics else {
            return Measured::NoSchema;
        };
        Measured::Fields(
            map.iter()
                .filter_map(|(name, f)| {
                    let f = f.as_ref()?;
                    (f.null_count.is_some() || f.empty_count.is_some()).then(|| FieldCount {
                        name: name.clone(),
                        null: f.null_count.unwrap_or(0),
                        empty: f.empty_count.unwrap_or(0),
                    })
                })
                .collect(),
        )
    }
}

/// One measured run, as [`field_quality`] reads it.
#[derive(Debug, Clone, Copy)]
pub struct MeasuredRun<'a> {
    /// The run is on the newest build (else on one before it).
    pub on_newest_build: bool,
    /// Its dataset's item count: what the counts are shares of.
    pub items: u64,
    pub measured: &'a Measured,
}

/// A share of items, with the counts behind it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Side {
    pub runs: u32,
    pub items: u64,
    pub null: u64,
    pub empty: u64,
}

impl Side {
    pub fn null_share(&self) -> Option<f64> {
        (self.items > 0).then(|| self.null as f64 / self.items as f64)
    }

    pub fn empty_share(&self) -> Option<f64> {
        (self.items > 0).then(|| self.empty as f64 / self.items as f64)
    }
}

/// Which count got worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Drift {
    Null,
    Missing,
}

/// One field over the measured runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldFigure {
    pub name: String,
    /// On the newest build's measured runs.
    pub newest: Side,
    /// On the measured runs of the builds before it.
    pub before: Side,
    /// Worse on the newest build ([`FieldQuality::drifted`]'s rule), by which count.
    pub drift: Option<Drift>,
}

impl FieldFigure {
    /// "price null in 38% of items since 0.4.2, was 1%".
    pub fn drift_text(&self, build: &str) -> Option<String> {
        let (word, now, was) = match self.drift? {
            Drift::Null => ("null", self.newest.null_share(), self.before.null_share()),
            Drift::Missing => (
                "missing",
                self.newest.empty_share(),
                self.before.empty_share(),
            ),
        };
        Some(format!(
            "{} {word} in {} of items since {build}, was {}",
            self.name,
            pct(now.unwrap_or(0.0)),
            pct(was.unwrap_or(0.0))
        ))
    }
}

/// What is known about an Actor's fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "state"
)]
pub enum FieldQuality {
    /// No successful run's statistics were read.
    #[default]
    NotRead,
    /// "No field statistics: this Actor declares no dataset schema."
    NoSchema,
    /// Per field, worst first: drifted fields, then by null-or-missing share on the newest
    /// build, then by name.
    Measured {
        /// The newest build's number (what "since" names).
        newest_build: Option<String>,
        fields: Vec<FieldFigure>,
    },
}

impl FieldQuality {
    /// The fields worse on the newest build.
    pub fn drifted(&self) -> impl Iterator<Item = &FieldFigure> {
        let fields: &[FieldFigure] = match self {
            FieldQuality::Measured { fields, .. } => fields,
            _ => &[],
        };
        fields.iter().filter(|f| f.drift.is_some())
    }

    /// One sentence per drifted field, worst first ("price null in 38% of items since 0.4.2,
    /// was 1%").
    pub fn drift_texts(&self) -> Vec<String> {
        let build = match self {
            FieldQuality::Measured { newest_build, .. } => newest_build.as_deref(),
            _ => None,
        };
        self.drifted()
            .filter_map(|f| f.drift_text(build.unwrap_or("the newest build")))
            .collect()
    }
}

/// The field figures of one Actor from its measured runs.
///
/// **Rule.** Per field, the counts and item counts of the measured runs are summed on each
/// side (the newest build's runs; the runs before it). A field is worse on the newest build
/// when, with at least [`FIELD_MIN_ITEMS`] items on each side, its null share (or its missing
/// share) rose by at least [`FIELD_DRIFT_MIN_DELTA`] **and** to at least
/// [`FIELD_DRIFT_MIN_RATIO`]× the share before. Runs with no items say nothing and are skipped.
/// A run measured `NoSchema` makes the Actor `NoSchema` unless another run has fields (a schema
/// added by the newest build still counts).
pub fn field_quality(newest_build: Option<&str>, runs: &[MeasuredRun<'_>]) -> FieldQuality {
    let mut any_no_schema = false;
    let mut fields: Vec<FieldFigure> = Vec::new();
    let mut measured_any = false;
    for r in runs {
        let list = match r.measured {
            Measured::NoSchema => {
                any_no_schema = true;
                continue;
            }
            Measured::Fields(list) => list,
        };
        measured_any = true;
        if r.items == 0 {
            continue;
        }
        for c in list {
            let at = match fields.iter().position(|f| f.name == c.name) {
                Some(at) => at,
                None => {
                    fields.push(FieldFigure {
                        name: c.name.clone(),
                        newest: Side::default(),
                        before: Side::default(),
                        drift: None,
                    });
                    fields.len() - 1
                }
            };
            let f = &mut fields[at];
            let side = if r.on_newest_build {
                &mut f.newest
            } else {
                &mut f.before
            };
            side.runs += 1;
            side.items += r.items;
            side.null += c.null.min(r.items);
            side.empty += c.empty.min(r.items);
        }
    }
    if !measured_any {
        return if any_no_schema {
            FieldQuality::NoSchema
        } else {
            FieldQuality::NotRead
        };
    }
    for f in &mut fields {
        let enough = f.newest.items >= FIELD_MIN_ITEMS && f.before.items >= FIELD_MIN_ITEMS;
        let worse = |now: Option<f64>, was: Option<f64>| match (now, was) {
            (Some(now), Some(was)) => {
                reaches(now - was, FIELD_DRIFT_MIN_DELTA)
                    && reaches(now, FIELD_DRIFT_MIN_RATIO * was)
            }
            _ => false,
        };
        f.drift = if !enough {
            None
        } else if worse(f.newest.null_share(), f.before.null_share()) {
            Some(Drift::Null)
        } else if worse(f.newest.empty_share(), f.before.empty_share()) {
            Some(Drift::Missing)
        } else {
            None
        };
    }
    let bad = |f: &FieldFigure| {
        f.newest.null_share().unwrap_or(0.0) + f.newest.empty_share().unwrap_or(0.0)
    };
    fields.sort_by(|a, b| {
        b.drift
            .is_some()
            .cmp(&a.drift.is_some())
            .then(bad(b).total_cmp(&bad(a)))
            .then_with(|| a.name.cmp(&b.name))
    });
    FieldQuality::Measured {
        newest_build: newest_build.map(str::to_string),
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::models::FieldStatistics;
    use std::collections::BTreeMap;

    fn counts(list: &[(&str, u64, u64)]) -> Measured {
        Measured::Fields(
            list.iter()
                .map(|&(name, null, empty)| FieldCount {
                    name: name.into(),
                    null,
                    empty,
                })
                .collect(),
        )
    }

    fn run(on_newest_build: bool, items: u64, measured: &Measured) -> MeasuredRun<'_> {
        MeasuredRun {
            on_newest_build,
            items,
            measured,
        }
    }

    fn field<'a>(q: &'a FieldQuality, name: &str) -> &'a FieldFigure {
        match q {
            FieldQuality::Measured { fields, .. } => {
                fields.iter().find(|f| f.name == name).unwrap()
            }
            other => panic!("not measured: {other:?}"),
        }
    }

    #[test]
    fn price_null_since_the_newest_build_is_a_drift_with_its_sentence() {
        // Newest build: 2 runs, 500 + 300 items, price null in 200 + 104 = 304 of 800 (38%).
        // Before: 3 runs, 400 items each, price null in 4 + 4 + 4 = 12 of 1,200 (1%).
        let new_a = counts(&[("price", 200, 0), ("url", 0, 0)]);
        let new_b = counts(&[("price", 104, 0), ("url", 0, 0)]);
        let old = counts(&[("price", 4, 0), ("url", 0, 0)]);
        let runs = [
            run(true, 500, &new_a),
            run(true, 300, &new_b),
            run(false, 400, &old),
            run(false, 400, &old),
            run(false, 400, &old),
        ];
        let q = field_quality(Some("0.4.2"), &runs);
        let price = field(&q, "price");
        assert_eq!(
            price.newest,
            Side {
                runs: 2,
                items: 800,
                null: 304,
                empty: 0
            }
        );
        assert_eq!(price.before.items, 1200);
        assert_eq!(price.drift, Some(Drift::Null));
        assert_eq!(
            price.drift_text("0.4.2").unwrap(),
            "price null in 38% of items since 0.4.2, was 1%"
        );
        assert_eq!(field(&q, "url").drift, None);
        let drifted: Vec<&str> = q.drifted().map(|f| f.name.as_str()).collect();
        assert_eq!(drifted, ["price"], "drifted fields first");
        assert_eq!(
            q.drift_texts(),
            ["price null in 38% of items since 0.4.2, was 1%"]
        );
    }

    #[test]
    fn the_rule_needs_the_delta_the_ratio_and_the_items_on_both_sides() {
        let check = |now: (u64, u64), was: (u64, u64)| {
            let (n, b) = (counts(&[("f", now.0, 0)]), counts(&[("f", was.0, 0)]));
            let q = field_quality(
                Some("0.4.2"),
                &[run(true, now.1, &n), run(false, was.1, &b)],
            );
            field(&q, "f").drift
        };
        // +10 points and 2×: 20% vs 10% — exactly on both thresholds counts.
        assert_eq!(check((20, 100), (10, 100)), Some(Drift::Null));
        // +9 points: no.
        assert_eq!(check((19, 100), (10, 100)), None);
        // +15 points but only 1.6×: 40% vs 25%.
        assert_eq!(check((40, 100), (25, 100)), None);
        // From 0% to 10%: the ratio holds (10% ≥ 2 × 0%).
        assert_eq!(check((10, 100), (0, 100)), Some(Drift::Null));
        // 99 items before: not enough to say.
        assert_eq!(check((50, 100), (0, 99)), None);
    }

    #[test]
    fn a_field_that_went_missing_is_a_missing_drift() {
        let (n, b) = (counts(&[("sku", 0, 60)]), counts(&[("sku", 0, 1)]));
        let q = field_quality(Some("0.4.2"), &[run(true, 200, &n), run(false, 200, &b)]);
        let sku = field(&q, "sku");
        assert_eq!(sku.drift, Some(Drift::Missing));
        assert_eq!(
            sku.drift_text("1.2.0").unwrap(),
            "sku missing in 30% of items since 1.2.0, was 0.5%"
        );
    }

    #[test]
    fn all_null_fields_and_a_build_with_no_predecessor() {
        // Every item null, but no run before the newest build: shares, no drift.
        let m = counts(&[("price", 300, 0)]);
        let q = field_quality(Some("0.4.2"), &[run(true, 300, &m)]);
        let price = field(&q, "price");
        assert_eq!(price.newest.null_share(), Some(1.0));
        assert_eq!(price.before.null_share(), None);
        assert_eq!(price.drift, None);
        assert_eq!(q.drifted().count(), 0);
    }

    #[test]
    fn no_schema_not_read_and_empty_datasets() {
        assert_eq!(field_quality(Some("0.4.2"), &[]), FieldQuality::NotRead);
        let none = Measured::NoSchema;
        assert_eq!(
            field_quality(
                Some("0.4.2"),
                &[run(true, 100, &none), run(false, 50, &none)]
            ),
            FieldQuality::NoSchema
        );
        // A run with fields makes it measured even next to one without (a schema added).
        let m = counts(&[("url", 0, 0)]);
        let q = field_quality(Some("0.4.2"), &[run(true, 10, &m), run(false, 10, &none)]);
        assert_eq!(field(&q, "url").newest.items, 10);
        // Zero items: measured, but no shares.
        let q = field_quality(Some("0.4.2"), &[run(true, 0, &m)]);
        assert_eq!(
            q,
            FieldQuality::Measured {
                newest_build: Some("0.4.2".into()),
                fields: vec![]
            }
        );
        // Counts above the item count are capped at it.
        let wild = counts(&[("url", 500, 0)]);
        let q = field_quality(Some("0.4.2"), &[run(true, 100, &wild)]);
        assert_eq!(field(&q, "url").newest.null_share(), Some(1.0));
    }

    #[test]
    fn reads_apify_statistics() {
        let s: DatasetStatistics = serde_json::from_value(serde_json::json!({
            "fieldStatistics": {
                "name": {"nullCount": 122},
                "price": {"min": 59, "max": 89},
                "url": {"nullCount": 0, "emptyCount": 3}
            }
        }))
        .unwrap();
        assert_eq!(
            Measured::from_statistics(&s),
            counts(&[("name", 122, 0), ("url", 0, 3)])
        );
        let none: DatasetStatistics =
            serde_json::from_value(serde_json::json!({"fieldStatistics": null})).unwrap();
        assert_eq!(Measured::from_statistics(&none), Measured::NoSchema);
        let s = DatasetStatistics {
            field_statistics: Some(BTreeMap::from([(
                "x".to_string(),
                Some(FieldStatistics::default()),
            )])),
        };
        assert_eq!(Measured::from_statistics(&s), Measured::Fields(vec![]));
    }
}
