//! Request queues (a dangerous neighbour: "Storages: Read" shows them, Forge never asks): the
//! list and how a queue renders (`RequestQueue`, `RequestQueueShort`). Get, delete and create
//! are the generic ones in `super::storages`.

use super::ctx::Ctx;
use super::error::Res;
use super::storages::{self, Storage};
use crate::entities::{RequestQueue, RunStorages, StorageHead};
use crate::fleet;
use crate::ids::IdKind;
use crate::state::State;
use crate::time::iso;
use serde_json::{json, Value};

impl Storage for RequestQueue {
    const COLLECTION: &'static str = "request-queues";
    const WHAT: &'static str = "Request queue";
    const ID_KIND: IdKind = IdKind::RequestQueue;

    fn all(st: &State) -> &[RequestQueue] {
        &st.queues
    }

    fn all_mut(st: &mut State) -> &mut Vec<RequestQueue> {
        &mut st.queues
    }

    fn of_runs(st: &State) -> &RunStorages<RequestQueue> {
        &st.run_queues
    }

    fn of_runs_mut(st: &mut State) -> &mut RunStorages<RequestQueue> {
        &mut st.run_queues
    }

    fn generated(st: &State, pos: u32) -> RequestQueue {
        let run = st.run(pos);
        let n = st.numbers.number(pos);
        fleet::run_queue(
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
    storages::list::<RequestQueue, _>(st, c, |q| queue_json(q, true), false)
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
