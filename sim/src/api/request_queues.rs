//! Request queues (a dangerous neighbour: "Storages: Read" shows them, Forge never asks): the
//! list and how a queue renders (`RequestQueue`, `RequestQueueShort`). Get, delete and create
//! are the generic ones in `super::storages`.

use super::ctx::Ctx;
use super::error::Res;
use super::pagination::paginate;
use super::storages::Storage;
use crate::entities::{RequestQueue, StorageHead};
use crate::state::State;
use crate::time::iso;
use serde_json::{json, Value};

impl Storage for RequestQueue {
    const COLLECTION: &'static str = "request-queues";
    const WHAT: &'static str = "Request queue";

    fn all(st: &State) -> &[RequestQueue] {
        &st.queues
    }

    fn all_mut(st: &mut State) -> &mut Vec<RequestQueue> {
        &mut st.queues
    }

    fn head(&self) -> &StorageHead {
        &self.head
    }

    fn create(head: StorageHead) -> RequestQueue {
        RequestQueue {
            head,
            total: 0,
            handled: 0,
        }
    }

    fn render(_st: &State, q: &RequestQueue, _c: &Ctx) -> Value {
        queue_json(q, false)
    }
}

/// `GET /v2/request-queues` (`unnamed=1` includes runs' default queues).
pub fn list(st: &State, c: &Ctx) -> Res {
    let all = c.query.flag("unnamed");
    let uid = st.user.id.clone();
    let items: Vec<&RequestQueue> = st
        .queues
        .iter()
        .filter(|q| q.user_id == uid && (all || q.name.is_some()))
        .collect();
    paginate(c.query, items, |q| queue_json(q, true))
}

// ------------------------------------------------------------------------- rendering

/// `RequestQueue` (full) or `RequestQueueShort`.
pub fn queue_json(q: &RequestQueue, list_item: bool) -> Value {
    let mut v = json!({
        "id": q.id,
        "name": q.name,
        "userId": q.user_id,
        "createdAt": iso(q.created_at),
        "modifiedAt": iso(q.modified_at),
        "accessedAt": iso(q.accessed_at),
        "totalRequestCount": q.total,
        "handledRequestCount": q.handled,
        "pendingRequestCount": q.total - q.handled,
        "actId": q.act_id,
        "actRunId": q.act_run_id,
        "hadMultipleClients": false,
        "generalAccess": "FOLLOW_USER_SETTING",
    });
    if list_item {
        // RequestQueueShort requires a string `name` (see `dataset_json`).
        v["name"] = json!(q.name.clone().unwrap_or_default());
        v["username"] = json!(q.username);
    } else {
        v["consoleUrl"] = json!(format!(
            "https://console.apify.com/storage/request-queues/{}",
            q.id
        ));
    }
    v
}
