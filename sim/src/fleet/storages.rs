//! The account's named storages, beside the default storages of every run: two datasets, the
//! `forge-trends` store (its snapshots are written by `super::trends`), a crawler's state with
//! a large record (its GET answers `302`), an app config store, and a request queue.

use crate::entities::{Dataset, KvStore, Record, RequestQueue, StorageHead, User};
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
