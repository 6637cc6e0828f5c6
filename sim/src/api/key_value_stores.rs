//! Key-value stores: the list, one store, its keys (key-cursor pagination) — and how a store
//! renders (`KeyValueStore`) with its signed public URLs. Records are in `super::records`;
//! listing, get, delete and create are the generic ones in `super::storages`. A run's default
//! store renders from its run (its `INPUT` is the Actor's, shared) until a record is written.

use super::ctx::{Ctx, View};
use super::error::Res;
use super::pagination;
use super::reply::Reply;
use super::storages::{self, Storage};
use crate::entities::{Kind, KvStore, Record, RunStorages, StorageHead};
use crate::fleet;
use crate::ids::IdKind;
use crate::source;
use crate::state::State;
use crate::time::iso;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;

impl Storage for KvStore {
    const COLLECTION: &'static str = "key-value-stores";
    const WHAT: &'static str = "Key-value store";
    const ID_KIND: IdKind = IdKind::KeyValueStore;

    fn all(st: &State) -> &[KvStore] {
        &st.stores
    }

    fn all_mut(st: &mut State) -> &mut Vec<KvStore> {
        &mut st.stores
    }

    fn of_runs(st: &State) -> &RunStorages<KvStore> {
        &st.run_stores
    }

    fn of_runs_mut(st: &mut State) -> &mut RunStorages<KvStore> {
        &mut st.run_stores
    }

    fn generated(st: &State, pos: u32) -> KvStore {
        let run = st.run(pos);
        let n = st.numbers.number(pos);
        fleet::run_store(
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

    fn create(head: StorageHead) -> KvStore {
        KvStore {
            head,
            records: BTreeMap::new(),
        }
    }

    fn render(st: &State, s: &KvStore, c: &Ctx) -> Value {
        store_json(st, s, &c.view())
    }
}

/// `GET /v2/key-value-stores` (`unnamed=1` includes runs' default stores).
pub fn list(st: &State, c: &Ctx) -> Res {
    let view = c.view();
    storages::list::<KvStore, _>(st, c, |s| store_json(st, s, &view), true)
}

/// `GET /v2/key-value-stores/{storeId}/keys` (`exclusiveStartKey`, `limit`, `prefix`): names,
/// sizes and signed record URLs.
pub fn keys(st: &State, c: &Ctx) -> Res {
    let loc = storages::find::<KvStore>(st, &c.params[0])?;
    let limit = pagination::limit(c.query)?;
    let start = c.query.get("exclusiveStartKey").filter(|k| !k.is_empty());
    let prefix = c.query.get("prefix").unwrap_or("");
    let view = c.view();
    let s = storages::at::<KvStore>(st, loc);
    let mut matching = s
        .records
        .iter()
        .filter(|(k, _)| start.is_none_or(|st| k.as_str() > st))
        .filter(|(k, _)| k.starts_with(prefix));
    let page: Vec<(&String, &Record)> = matching.by_ref().take(limit).collect();
    let truncated = matching.next().is_some();
    let next = if truncated {
        page.last().map(|(k, _)| k.to_string())
    } else {
        None
    };
    let items: Vec<Value> = page
        .iter()
        .map(|(k, r)| {
            json!({
                "key": k,
                "size": r.value.len(),
                "recordPublicUrl": record_public_url(&s, k, &view),
            })
        })
        .collect();
    Ok(Reply::data(
        StatusCode::OK,
        json!({
            "items": items,
            "count": items.len(),
            "limit": limit,
            "exclusiveStartKey": start,
            "isTruncated": truncated,
            "nextExclusiveStartKey": next,
        }),
    ))
}

// ------------------------------------------------------------------------- rendering

/// `KeyValueStore` (detail, list item, and what creating one answers).
pub fn store_json(st: &State, s: &KvStore, view: &View) -> Value {
    let bytes: usize = s.records.values().map(|r| r.value.len()).sum();
    let s3: usize = s
        .records
        .values()
        .map(|r| r.value.len())
        .filter(|n| *n > 64 * 1024)
        .sum();
    let url = |what: &str| {
        format!(
            "{}/v2/key-value-stores/{}/{what}?signature={}",
            view.base,
            s.id,
            source::signature(&s.id, what)
        )
    };
    let with_schema = s
        .act_id
        .as_deref()
        .and_then(|a| st.actor_of(a))
        .is_some_and(|a| !a.legacy && a.spec.kind == Kind::Crawler);
    json!({
        "id": s.id,
        "name": s.name,
        "userId": s.user_id,
        "username": s.username,
        "createdAt": iso(s.created_at),
        "modifiedAt": iso(s.modified_at),
        "accessedAt": iso(s.accessed_at),
        "actId": s.act_id,
        "actRunId": s.act_run_id,
        "consoleUrl": format!("https://console.apify.com/storage/key-value-stores/{}", s.id),
        "keysPublicUrl": url("keys"),
        "recordsPublicUrl": url("records"),
        "schema": if with_schema { source::store_schema() } else { Value::Null },
        "urlSigningSecretKey": view.can_write.then(|| source::signing_key(&s.id)),
        "generalAccess": "FOLLOW_USER_SETTING",
        "stats": {
            "readCount": 0,
            "writeCount": s.records.len(),
            "deleteCount": 0,
            "listCount": 0,
            "s3StorageBytes": s3,
            "storageBytes": bytes,
        },
    })
}

/// The signed public URL of one record (`recordPublicUrl` in key listings).
pub fn record_public_url(s: &KvStore, key: &str, view: &View) -> String {
    format!(
        "{}/v2/key-value-stores/{}/records/{key}?signature={}",
        view.base,
        s.id,
        source::signature(&s.id, &format!("records/{key}"))
    )
}
