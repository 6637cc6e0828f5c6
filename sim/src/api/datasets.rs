//! Datasets: the list (`unnamed=1` for runs' default datasets), one dataset, its items (read
//! and — dangerous — pushed), and how a dataset renders (`Dataset`, `DatasetListItem`).
//! Get, delete and create are the generic ones in `super::storages`.

use super::ctx::{Ctx, View};
use super::error::{bad, Res};
use super::pagination::page_json;
use super::query::Query;
use super::reply::Reply;
use super::storages::{self, Storage};
use crate::entities::{Dataset, StorageHead};
use crate::fleet::stories;
use crate::source;
use crate::state::State;
use crate::time::iso;
use axum::http::{header, HeaderName, StatusCode};
use forge_apify::ErrorKind;
use serde_json::{json, Value};

impl Storage for Dataset {
    const COLLECTION: &'static str = "datasets";
    const WHAT: &'static str = "Dataset";

    fn all(st: &State) -> &[Dataset] {
        &st.datasets
    }

    fn all_mut(st: &mut State) -> &mut Vec<Dataset> {
        &mut st.datasets
    }

    fn head(&self) -> &StorageHead {
        &self.head
    }

    fn create(head: StorageHead) -> Dataset {
        Dataset {
            head,
            synthetic_items: 0,
            pushed: Vec::new(),
        }
    }

    fn render(st: &State, d: &Dataset, c: &Ctx) -> Value {
        dataset_json(st, d, false, &c.view())
    }
}

/// `GET /v2/datasets` (`unnamed=1` includes runs' default datasets).
pub fn list(st: &State, c: &Ctx) -> Res {
    let view = c.view();
    let all = c.query.flag("unnamed");
    let uid = st.user.id.clone();
    let items: Vec<&Dataset> = st
        .datasets
        .iter()
        .filter(|d| d.user_id == uid && (all || d.name.is_some()))
        .collect();
    let mut page = page_json(c.query, items, |d| dataset_json(st, d, true, &view))?;
    page["unnamed"] = json!(all);
    Ok(Reply::data(StatusCode::OK, page))
}

/// `GET /v2/datasets/{datasetId}/items` (JSON only).
pub fn items(st: &State, c: &Ctx) -> Res {
    let i = storages::find::<Dataset>(st, &c.params[0])?;
    match c.query.get("format") {
        None | Some("" | "json") => {}
        Some(other) => {
            return Err(bad(
                ErrorKind::InvalidParameter,
                format!("Format '{other}' is not supported by the simulator; use json"),
            ))
        }
    }
    items_reply(st, i, c.query, StatusCode::OK)
}

/// The items of dataset `i` as a paginated JSON array (also what `run-sync-get-dataset-items`
/// answers).
pub fn items_reply(st: &State, i: usize, q: &Query, status: StatusCode) -> Res {
    let d = &st.datasets[i];
    let total = d.item_count();
    let offset = q.uint("offset")?.unwrap_or(0);
    let limit = q
        .uint("limit")?
        .filter(|l| *l > 0)
        .unwrap_or(250_000)
        .min(250_000);
    let desc = q.flag("desc");
    let mut idx: Vec<u64> = (0..total).collect();
    if desc {
        idx.reverse();
    }
    let items: Vec<Value> = idx
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|n| {
            if n < d.synthetic_items {
                stories::synthetic_item(&d.id, n, d.created_at)
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
    let i = storages::find::<Dataset>(st, &c.params[0])?;
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
    let d = &mut st.datasets[i];
    d.pushed.extend(items);
    d.modified_at = now;
    let id = d.id.clone();
    Ok(Reply::json(StatusCode::CREATED, &json!({})).with_header(
        header::LOCATION,
        format!("{}/v2/datasets/{id}/items", c.base()),
    ))
}

// ------------------------------------------------------------------------- rendering

/// `Dataset` (full) or `DatasetListItem`.
pub fn dataset_json(st: &State, d: &Dataset, list_item: bool, view: &View) -> Value {
    let count = d.item_count();
    let items_url = format!(
        "{}/v2/datasets/{}/items?signature={}",
        view.base,
        d.id,
        source::signature(&d.id, "items")
    );
    let mut v = json!({
        "id": d.id,
        "name": d.name,
        "userId": d.user_id,
        "createdAt": iso(d.created_at),
        "modifiedAt": iso(d.modified_at),
        "accessedAt": iso(d.accessed_at),
        "itemCount": count,
        "cleanItemCount": count,
        "actId": d.act_id,
        "actRunId": d.act_run_id,
        "generalAccess": "FOLLOW_USER_SETTING",
        "stats": {
            "readCount": 0,
            "writeCount": count,
            "storageBytes": count * 412,
            "inflatedBytes": count * 1_140,
        },
        "itemsPublicUrl": items_url,
        // Apify gives the signing key only to tokens that may write the dataset.
        "urlSigningSecretKey": view.can_write.then(|| source::signing_key(&d.id)),
    });
    if list_item {
        // DatasetListItem requires `name` to be a string; an unnamed dataset has none, so
        // it is the empty string here (falsy for clients that test `name`).
        v["name"] = json!(d.name.clone().unwrap_or_default());
        v["username"] = json!(d.username);
    } else {
        v["consoleUrl"] = json!(format!(
            "https://console.apify.com/storage/datasets/{}",
            d.id
        ));
        v["fields"] = json!(stories::dataset_fields(d));
        let with_schema = match &d.act_id {
            Some(act) => st.actor_of(act).is_some_and(|a| !a.legacy),
            None => d.name.as_deref() == Some("product-catalog"),
        };
        v["schema"] = if with_schema {
            source::dataset_schema()
        } else {
            Value::Null
        };
    }
    v
}
