//! The account's storages. The named ones: two datasets, the `forge-trends` store (its snapshots
//! are written by `super::trends`), a crawler's state with a large record (its GET answers
//! `302`), an app config store, and a request queue. And what the default storages of a run
//! hold when nothing wrote to them since ([`run_dataset`], [`run_store`], [`run_queue`]): they
//! are not kept per run but rendered from it whenever asked for.

use super::stories;
use crate::entities::{Actor, Dataset, KvStore, Record, RequestQueue, Run, StorageHead, User};
use crate::ids::{self, IdKind};
use crate::rng::Rng;
use crate::time::{iso, DAY, HOUR};
use bytes::Bytes;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What [`named_storages`] creates.
#[derive(Debug)]
pub struct NamedStorages {
    pub datasets: Vec<Dataset>,
    pub stores: Vec<KvStore>,
    pub queues: Vec<RequestQueue>,
}

/// The named storages of `user`'s account as of `now`, with ids from `ids`.
pub fn named_storages(user: &User, ids: &mut Rng, now: u64) -> NamedStorages {
    let uid = user.id.clone();
    let mut out = NamedStorages {
        datasets: Vec::new(),
        stores: Vec::new(),
        queues: Vec::new(),
    };
    for (name, items, age_days) in [
        ("product-catalog", 12_480, 210),
        ("leads-archive", 3_211, 95),
    ] {
        let created = now - age_days * DAY;
        out.datasets.push(Dataset {
            head: StorageHead::new(
                ids.apify_id(),
                Some(name.into()),
                &uid,
                &user.username,
                created,
            )
            .touched(now - 2 * DAY, now - DAY),
            synthetic_items: items,
            pushed: Vec::new(),
            null_price_share: 0.0,
        });
    }
    let json_record = |v: Value| Record {
        content_type: "application/json; charset=utf-8".into(),
        value: serde_json::to_vec_pretty(&v).unwrap_or_default().into(),
    };
    // A large record (> 64 KiB): record GET answers 302 to the storage route.
    let urls: Vec<String> = (0..1800)
        .map(|i| format!("https://www.example.com/catalog/item-{i:05}"))
        .collect();
    let mut state_records = BTreeMap::new();
    state_records.insert(
        "STATE".to_string(),
        json_record(json!({"lastPage": 41, "cursor": "eyJwYWdlIjo0MX0", "retries": 0})),
    );
    state_records.insert(
        "large-sitemap-cache".to_string(),
        json_record(json!({"generatedAt": iso(now - DAY), "urls": urls})),
    );
    state_records.insert(
        "notes.txt".to_string(),
        Record {
            content_type: "text/plain; charset=utf-8".into(),
            value: Bytes::from_static(b"Rotate the residential proxy group before Black Friday.\n"),
        },
    );
    let mut config_records = BTreeMap::new();
    config_records.insert(
        "settings".to_string(),
        json_record(json!({"alertEmail": "ops@forge-demo.example", "currency": "USD"})),
    );
    for (name, records, age_days) in [
        (forge_apify::allow::FORGE_STORE_NAME, BTreeMap::new(), 60),
        ("crawler-state", state_records, 150),
        ("app-config", config_records, 300),
    ] {
        let created = now - age_days * DAY;
        out.stores.push(KvStore {
            head: StorageHead::new(
                ids.apify_id(),
                Some(name.into()),
                &uid,
                &user.username,
                created,
            )
            .touched(created + DAY, now - HOUR),
            records,
        });
    }
    let created = now - 120 * DAY;
    out.queues.push(RequestQueue {
        head: StorageHead::new(
            ids.apify_id(),
            Some("crawl-frontier".into()),
            &uid,
            &user.username,
            created,
        )
        .touched(now - 3 * DAY, now - 3 * DAY),
        total: 5_000,
        handled: 4_812,
    });
    out
}

/// The head of the default storage of `kind` of run number `n` (what ids derive from): created
/// when the run started, last written and read when it finished.
fn run_head(seed: u64, user: &User, actor: &Actor, n: u32, run: &Run, kind: IdKind) -> StorageHead {
    let finished = run.started_at + run.outcome.duration_ms;
    StorageHead::new(
        ids::derived(seed, kind, n).to_string(),
        None,
        &user.id,
        &user.username,
        run.started_at,
    )
    .of_run(&actor.id, ids::derived(seed, IdKind::Run, n).as_str())
    .touched(finished, finished)
}

/// The default dataset of finished run number `n` (of `actor`): the items it produced, with
/// as many `null` prices as its build leaves (`stories::null_price_share`).
pub fn run_dataset(seed: u64, user: &User, actor: &Actor, n: u32, run: &Run) -> Dataset {
    // An Actor's builds are oldest first, and builds are not added after generation.
    let on_newest_build = actor.builds.last() == Some(&run.build);
    Dataset {
        head: run_head(seed, user, actor, n, run, IdKind::Dataset),
        synthetic_items: run.outcome.items(),
        pushed: Vec::new(),
        null_price_share: stories::null_price_share(actor.spec.story, on_newest_build),
    }
}

/// The default key-value store of finished run number `n`: its `INPUT`, the Actor's saved input (one
/// buffer shared by all its runs), credentials and all.
pub fn run_store(seed: u64, user: &User, actor: &Actor, n: u32, run: &Run) -> KvStore {
    let mut records = BTreeMap::new();
    records.insert(
        "INPUT".to_string(),
        Record {
            content_type: "application/json; charset=utf-8".into(),
            value: actor.input.clone(),
        },
    );
    KvStore {
        head: run_head(seed, user, actor, n, run, IdKind::KeyValueStore),
        records,
    }
}

/// The default request queue of finished run number `n`: what it crawled.
pub fn run_queue(seed: u64, user: &User, actor: &Actor, n: u32, run: &Run) -> RequestQueue {
    let o = &run.outcome;
    RequestQueue {
        head: run_head(seed, user, actor, n, run, IdKind::RequestQueue),
        total: o.requests(),
        handled: o.requests() - o.failed_requests().min(o.requests()),
    }
}
