//! Records of key-value stores: read (large ones through a `302` to the storage host), written
//! and — dangerous — deleted; and the simulated storage host itself
//! (`/__sim/storage/{storeId}/{key}`), which serves a record's bytes without a token.

use super::ctx::Ctx;
use super::error::{err, not_found, Res};
use super::lookup::valid_key;
use super::query::percent_decode;
use super::reply::Reply;
use super::storages;
use crate::entities::{KvStore, Record};
use crate::state::State;
use axum::http::{header, StatusCode};
use forge_apify::ErrorKind;
use serde_json::json;

/// Records larger than this are served through a `302` to the storage route.
pub const REDIRECT_RECORD_BYTES: usize = 64 * 1024;
/// Largest record Apify accepts (9 MiB).
pub const MAX_RECORD_BYTES: usize = 9 * 1024 * 1024;

/// `GET /v2/key-value-stores/{storeId}/records/{key}`.
pub fn get(st: &State, c: &Ctx) -> Res {
    let loc = storages::find::<KvStore>(st, &c.params[0])?;
    let key = valid_key(&c.params[1])?;
    let base = c.base();
    let s = storages::at::<KvStore>(st, loc);
    let r = s
        .records
        .get(key)
        .ok_or_else(|| not_found(ErrorKind::RecordNotFound, "Record"))?;
    if r.value.len() > REDIRECT_RECORD_BYTES || key.starts_with("large-") {
        return Ok(Reply::empty(StatusCode::FOUND).with_header(
            header::LOCATION,
            format!("{base}/__sim/storage/{}/{key}", s.id),
        ));
    }
    Ok(Reply::raw(StatusCode::OK, &r.content_type, r.value.clone()))
}

/// `PUT`/`POST /v2/key-value-stores/{storeId}/records/{key}` (up to 9 MiB, any encoding the
/// official clients use).
pub fn put(st: &mut State, c: &Ctx) -> Res {
    let loc = storages::find::<KvStore>(st, &c.params[0])?;
    let key = valid_key(&c.params[1])?.to_string();
    let value = c.decoded_body()?;
    if value.len() > MAX_RECORD_BYTES {
        return Err(err(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::RecordTooLarge,
            format!(
                "The record is too large (limit: {MAX_RECORD_BYTES} bytes, actual length: {} bytes)",
                value.len()
            ),
        ));
    }
    let content_type = c
        .header("content-type")
        .unwrap_or("application/octet-stream")
        .to_string();
    let now = st.now_ms();
    let s = storages::at_mut::<KvStore>(st, loc);
    s.records.insert(
        key.clone(),
        Record {
            content_type,
            value: value.into(),
        },
    );
    s.modified_at = now;
    let id = s.id.clone();
    Ok(Reply::json(StatusCode::CREATED, &json!({})).with_header(
        header::LOCATION,
        format!("{}/v2/key-value-stores/{id}/records/{key}", c.base()),
    ))
}

/// `DELETE /v2/key-value-stores/{storeId}/records/{key}`.
pub fn delete(st: &mut State, c: &Ctx) -> Res {
    let loc = storages::find::<KvStore>(st, &c.params[0])?;
    let key = valid_key(&c.params[1])?;
    if !storages::at::<KvStore>(st, loc).records.contains_key(key) {
        return Err(not_found(ErrorKind::RecordNotFound, "Record"));
    }
    let now = st.now_ms();
    let store = storages::at_mut::<KvStore>(st, loc);
    store
        .records
        .remove(key)
        .ok_or_else(|| not_found(ErrorKind::RecordNotFound, "Record"))?;
    store.modified_at = now;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

/// The simulated storage host: serves a record's bytes without authentication.
pub fn storage_host(st: &State, rest: &str) -> Reply {
    let Some((store, key)) = rest.split_once('/') else {
        return err(
            StatusCode::NOT_FOUND,
            ErrorKind::RecordNotFound,
            "Record was not found",
        )
        .into();
    };
    let key = percent_decode(key, false).unwrap_or_default();
    let found = storages::find::<KvStore>(st, store)
        .ok()
        .filter(|_| !store.contains('~'))
        .map(|loc| storages::at::<KvStore>(st, loc));
    match found.as_ref().and_then(|s| s.records.get(&key)) {
        Some(r) => Reply::raw(StatusCode::OK, &r.content_type, r.value.clone()),
        None => err(
            StatusCode::NOT_FOUND,
            ErrorKind::RecordNotFound,
            "Record was not found",
        )
        .into(),
    }
}
