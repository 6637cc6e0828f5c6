//! Datasets: the list (`unnamed=1` for runs' default datasets), one dataset, its items (read
//! and — dangerous — pushed), its field statistics (also through a run and an Actor's last
//! run: `DatasetStatisticsResponse`), and how a dataset renders (`Dataset`,
//! `DatasetListItem`). Listing, get, delete and create are the generic ones in
//! `super::storages`; a run's default dataset renders from its run (`crate::fleet::run_dataset`)
//! until items are pushed to it.

use super::ctx::{Ctx, View};
use super::error::{bad, Res};
use super::lookup::find_run;
use super::query::Query;
use super::reply::Reply;
use super::runs;
use super::storages::{self, Storage};
use crate::entities::{Dataset, RunStorages, StorageHead};
use crate::fleet::stories::{self, Measure, SyntheticItem};
use crate::fleet::{self, hash_str};
use crate::ids::IdKind;
use crate::source;
use crate::state::State;
use crate::time::iso;
use axum::http::{header, HeaderName, StatusCode};
use forge_apify::ErrorKind;
use serde::Serialize;
use serde_json::{json, Value};

impl Storage for Dataset {
    const COLLECTION: &'static str = "datasets";
    const WHAT: &'static str = "Dataset";
    const ID_KIND: IdKind = IdKind::Dataset;

    fn all(st: &State) -> &[Dataset] {
        &st.datasets
    }

    fn all_mut(st: &mut State) -> &mut Vec<Dataset> {
        &mut st.datasets
    }

    fn of_runs(st: &State) -> &RunStorages<Dataset> {
        &st.run_datasets
    }

    fn of_runs_mut(st: &mut State) -> &mut RunStorages<Dataset> {
        &mut st.run_datasets
    }

    fn generated(st: &State, pos: u32) -> Dataset {
        let run = st.run(pos);
        let n = st.numbers.number(pos);
        fleet::run_dataset(
            st.opts.seed,
            &st.user,
            &st.actors[run.actor as usize],
            n,
            run,
        )
    }

    fn head(&self) -> &StorageHead {
        &self.head
    }

    fn create(head: StorageHead) -> Dataset {
        Dataset {
            head,
            synthetic_items: 0,
            pushed: Vec::new(),
            null_price_share: 0.0,
        }
    }

    fn render(st: &State, d: &Dataset, c: &Ctx) -> Value {
        dataset_json(st, d, &c.view())
    }
}

/// `GET /v2/datasets` (`unnamed=1` includes runs' default datasets).
pub fn list(st: &State, c: &Ctx) -> Res {
    let view = c.view();
    storages::list::<Dataset, _>(st, c, |d| dataset_item(d, &view), true)
}

/// `GET /v2/datasets/{datasetId}/items` (JSON only).
pub fn items(st: &State, c: &Ctx) -> Res {
    let loc = storages::find::<Dataset>(st, &c.params[0])?;
    match c.query.get("format") {
        None | Some("" | "json") => {}
        Some(other) => {
            return Err(bad(
                ErrorKind::InvalidParameter,
                format!("Format '{other}' is not supported by the simulator; use json"),
            ))
        }
    }
    items_reply(&storages::at::<Dataset>(st, loc), c.query, StatusCode::OK)
}

/// The items of dataset `d` as a paginated JSON array (also what `run-sync-get-dataset-items`
/// answers).
pub fn items_reply(d: &Dataset, q: &Query, status: StatusCode) -> Res {
    let total = d.item_count();
    let offset = q.uint("offset")?.unwrap_or(0);
    let limit = q
        .uint("limit")?
        .filter(|l| *l > 0)
        .unwrap_or(250_000)
        .min(250_000);
    let desc = q.flag("desc");
    let first = offset.min(total);
    let count = limit.min(total - first);
    let (id_hash, scraped_at) = (hash_str(&d.id), iso(d.created_at));
    let items: Vec<Value> = (first..first + count)
        .map(|k| if desc { total - 1 - k } else { k })
        .map(|n| {
            if n < d.synthetic_items {
                SyntheticItem::new(id_hash, n, d.null_price_share).to_json(&scraped_at)
            } else {
                d.pushed[(n - d.synthetic_items) as usize].clone()
            }
        })
        .collect();
    let count = items.len();
    Ok(Reply::json(status, &Value::Array(items))
        .with_header(
            HeaderName::from_static("x-apify-pagination-offset"),
            offset.to_string(),
        )
        .with_header(
            HeaderName::from_static("x-apify-pagination-limit"),
            limit.to_string(),
        )
        .with_header(
            HeaderName::from_static("x-apify-pagination-count"),
            count.to_string(),
        )
        .with_header(
            HeaderName::from_static("x-apify-pagination-total"),
            total.to_string(),
        ))
}

/// `POST`/`PUT /v2/datasets/{datasetId}/items`.
pub fn push(st: &mut State, c: &Ctx) -> Res {
    let loc = storages::find::<Dataset>(st, &c.params[0])?;
    let items = match c.json_body()? {
        Value::Object(o) => vec![Value::Object(o)],
        Value::Array(a) if a.iter().all(Value::is_object) => a,
        _ => {
            return Err(bad(
                ErrorKind::InvalidInput,
                "The request body must be a JSON object or an array of objects",
            ))
        }
    };
    let now = st.now_ms();
    let d = storages::at_mut::<Dataset>(st, loc);
    d.pushed.extend(items);
    d.modified_at = now;
    let id = d.id.clone();
    Ok(Reply::json(StatusCode::CREATED, &json!({})).with_header(
        header::LOCATION,
        format!("{}/v2/datasets/{id}/items", c.base()),
    ))
}

// ------------------------------------------------------------------------- rendering

/// `DatasetListItem`, serialised as it is (the list of runs' datasets is as long as the list of
/// runs). Fields in alphabetical order, as a `Value` map has them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetItem {
    accessed_at: String,
    act_id: Option<String>,
    act_run_id: Option<String>,
    clean_item_count: u64,
    created_at: String,
    general_access: &'static str,
    id: String,
    item_count: u64,
    items_public_url: String,
    modified_at: String,
    /// DatasetListItem requires `name` to be a string; an unnamed dataset has none, so it is
    /// the empty string here (falsy for clients that test `name`).
    name: String,
    stats: DatasetStats,
    /// The spec's `DatasetListItem.title`; datasets here have none.
    title: Option<String>,
    /// Apify gives the signing key only to tokens that may write the dataset.
    url_signing_secret_key: Option<String>,
    user_id: String,
    username: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DatasetStats {
    inflated_bytes: u64,
    read_count: u64,
    storage_bytes: u64,
    write_count: u64,
}

/// `DatasetListItem` of `d`.
pub fn dataset_item(d: &Dataset, view: &View) -> DatasetItem {
    let count = d.item_count();
    DatasetItem {
        accessed_at: iso(d.accessed_at),
        act_id: d.act_id.clone(),
        act_run_id: d.act_run_id.clone(),
        clean_item_count: count,
        created_at: iso(d.created_at),
        general_access: "FOLLOW_USER_SETTING",
        id: d.id.clone(),
        item_count: count,
        items_public_url: format!(
            "{}/v2/datasets/{}/items?signature={}",
            view.base,
            d.id,
            source::signature(&d.id, "items")
        ),
        modified_at: iso(d.modified_at),
        name: d.name.clone().unwrap_or_default(),
        stats: DatasetStats {
            inflated_bytes: count * 1_140,
            read_count: 0,
            storage_bytes: count * 412,
            write_count: count,
        },
        title: None,
        url_signing_secret_key: view.can_write.then(|| source::signing_key(&d.id)),
        user_id: d.user_id.clone(),
        username: d.username.clone(),
    }
}

/// `Dataset` (full): the list item's fields (with `name` as it is, `null` if unnamed) and its
/// console URL, fields and schema.
pub fn dataset_json(st: &State, d: &Dataset, view: &View) -> Value {
    let mut v = serde_json::to_value(dataset_item(d, view)).unwrap_or_default();
    if let Value::Object(m) = &mut v {
        // Not in `Dataset`, only in its list item.
        m.remove("username");
        m.remove("title");
    }
    v["name"] = json!(d.name);
    v["consoleUrl"] = json!(format!(
        "https://console.apify.com/storage/datasets/{}",
        d.id
    ));
    v["fields"] = json!(stories::dataset_fields(d));
    v["schema"] = if has_schema(st, d) {
        source::dataset_schema()
    } else {
        Value::Null
    };
    v
}

/// Whether `d` has a schema (`source::dataset_schema`): the default datasets of Actors that
/// declare one (all but legacy Actors), and the `product-catalog` dataset.
fn has_schema(st: &State, d: &Dataset) -> bool {
    match &d.act_id {
        Some(act) => st.actor_of(act).is_some_and(|a| !a.legacy),
        None => d.name.as_deref() == Some("product-catalog"),
    }
}

// ------------------------------------------------------------------------- statistics

/// `GET /v2/datasets/{datasetId}/statistics`.
pub fn statistics(st: &State, c: &Ctx) -> Res {
    let loc = storages::find::<Dataset>(st, &c.params[0])?;
    Ok(statistics_reply(st, &storages::at::<Dataset>(st, loc)))
}

/// `GET /v2/actor-runs/{runId}/dataset/statistics`.
pub fn run_statistics(st: &State, c: &Ctx) -> Res {
    let n = find_run(st, &c.params[0])?;
    default_statistics(st, n)
}

/// `GET /v2/actors/{actorId}/runs/last/dataset/statistics` (`status`, `origin` as for the last
/// run).
pub fn last_run_statistics(st: &State, c: &Ctx) -> Res {
    let n = runs::last_of(st, c)?;
    default_statistics(st, n)
}

/// The statistics of the default dataset of the run at `n` (404 if it was deleted).
fn default_statistics(st: &State, n: u32) -> Res {
    let id = st.id_of(IdKind::Dataset, n);
    let loc = storages::find::<Dataset>(st, id.as_str())?;
    Ok(statistics_reply(st, &storages::at::<Dataset>(st, loc)))
}

fn statistics_reply(st: &State, d: &Dataset) -> Reply {
    Reply::data(
        StatusCode::OK,
        json!({"fieldStatistics": field_statistics(st, d)}),
    )
}

/// `DatasetStatistics.fieldStatistics` of `d`: for each field of its schema's
/// `fields.properties`, what its items hold (see [`Measure`]); `null` without a schema, as
/// Apify measures only fields a schema declares. One pass over the items, rendering none of the
/// synthetic ones.
pub fn field_statistics(st: &State, d: &Dataset) -> Value {
    if !has_schema(st, d) {
        return Value::Null;
    }
    let schema = source::dataset_schema();
    let fields: Vec<&str> = schema["fields"]["properties"]
        .as_object()
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut stats = vec![FieldStats::default(); fields.len()];
    let id_hash = hash_str(&d.id);
    let scraped_at_len = iso(d.created_at).len() as u64;
    for n in 0..d.synthetic_items {
        let item = SyntheticItem::new(id_hash, n, d.null_price_share);
        for (s, f) in stats.iter_mut().zip(&fields) {
            s.add(item.measure(f, scraped_at_len));
        }
    }
    for item in &d.pushed {
        for (s, f) in stats.iter_mut().zip(&fields) {
            s.add(Measure::of(item.get(*f)));
        }
    }
    let out: serde_json::Map<String, Value> = fields
        .iter()
        .zip(&stats)
        .map(|(f, s)| (f.to_string(), s.to_json()))
        .collect();
    Value::Object(out)
}

/// One field's `DatasetFieldStatistics`, as it is counted.
#[derive(Debug, Clone, Default)]
struct FieldStats {
    min: Option<f64>,
    max: Option<f64>,
    nulls: u64,
    empty: u64,
}

impl FieldStats {
    fn add(&mut self, m: Measure) {
        match m {
            Measure::Absent => self.empty += 1,
            Measure::Null => self.nulls += 1,
            Measure::Value(x) => {
                self.min = Some(self.min.map_or(x, |m| m.min(x)));
                self.max = Some(self.max.map_or(x, |m| m.max(x)));
            }
            Measure::Unmeasured => {}
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "min": self.min.map(number),
            "max": self.max.map(number),
            "nullCount": self.nulls,
            "emptyCount": self.empty,
        })
    }
}

/// `x` as JavaScript writes it: a whole number without a fraction (`35`, not `35.0`).
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        json!(x as i64)
    } else {
        json!(x)
    }
}
