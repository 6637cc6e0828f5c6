//! IndexedDB: the fleet cache, per username — analytics only, never credentials.
//!
//! `localStorage` holds about 5 MB, which a fleet of a thousand Actors outgrows; IndexedDB
//! holds hundreds. Values are JSON text: serde_json is in the app already, and a second
//! (structured-clone) serialiser would add to every download what only the cache would use.
//! Every failure (private mode, quota, a blocked upgrade) reads as "nothing cached".

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransactionMode};

const DB_NAME: &str = "forge";
const DB_VERSION: u32 = 1;
const STORE: &str = "fleets";

/// Resolves when `req` succeeds (with its result) or fails.
async fn settle(req: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |e: web_sys::Event| {
            let result = e
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok())
                .unwrap_or(JsValue::UNDEFINED);
            let _ = resolve.call1(&JsValue::NULL, &result);
        });
        let failed = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call0(&JsValue::NULL);
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(failed.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

async fn open() -> Option<IdbDatabase> {
    let factory = web_sys::window()?.indexed_db().ok()??;
    let req = factory.open_with_u32(DB_NAME, DB_VERSION).ok()?;
    let upgrade = Closure::once_into_js(move |e: web_sys::Event| {
        let db = e
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
        if let Some(db) = db {
            if !db.object_store_names().contains(STORE) {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    settle(&req).await.ok()?.dyn_into::<IdbDatabase>().ok()
}

fn store(db: &IdbDatabase, mode: IdbTransactionMode) -> Option<IdbObjectStore> {
    db.transaction_with_str_and_mode(STORE, mode)
        .ok()?
        .object_store(STORE)
        .ok()
}

/// The text under `key`.
pub async fn get(key: &str) -> Option<String> {
    let db = open().await?;
    let req = store(&db, IdbTransactionMode::Readonly)?
        .get(&JsValue::from_str(key))
        .ok()?;
    let value = settle(&req).await.ok()?;
    db.close();
    value.as_string()
}

/// The value of `key` read as JSON: `None` if absent or not a `T`.
pub async fn get_json<T: serde::de::DeserializeOwned>(key: &str) -> Option<T> {
    serde_json::from_str(&get(key).await?).ok()
}

/// Stores `text` under `key`. `false` when the browser refused (quota, private mode).
pub async fn put(key: &str, text: &str) -> bool {
    let Some(db) = open().await else {
        return false;
    };
    let ok = match store(&db, IdbTransactionMode::Readwrite).and_then(|s| {
        s.put_with_key(&JsValue::from_str(text), &JsValue::from_str(key))
            .ok()
    }) {
        Some(req) => settle(&req).await.is_ok(),
        None => false,
    };
    db.close();
    ok
}

/// Removes `key`.
pub async fn delete(key: &str) {
    let Some(db) = open().await else {
        return;
    };
    if let Some(req) = store(&db, IdbTransactionMode::Readwrite)
        .and_then(|s| s.delete(&JsValue::from_str(key)).ok())
    {
        let _ = settle(&req).await;
    }
    db.close();
}
