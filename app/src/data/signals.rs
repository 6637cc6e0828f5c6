//! `SIGNALS` records: what an Actor's latest successful run left in its default key-value store
//! for the dashboard.
//!
//! ```text
//! GET /v2/actors/{id}/runs/last?status=SUCCEEDED           (only when no loaded run has it)
//! GET /v2/key-value-stores/{defaultKeyValueStoreId}/keys?prefix=SIGNALS&limit=10
//! GET /v2/key-value-stores/{defaultKeyValueStoreId}/records/SIGNALS   (only when listed)
//! ```
//!
//! The record is read only where the store's key list names it: most runs write none, and a
//! record read that answers 404 is an error line in the browser's console for every Actor.
//! A store gone with the run's retention (404) means none; content `parse_signals` refuses
//! shows "unreadable SIGNALS".

use crate::data::loader::{last_succeeded_run, Fetcher};
use forge_apify::allow::SIGNALS_KEY;
use forge_apify::models::{KeyList, Run};
use forge_apify::paths;
use forge_fleet::{parse_signals, Signals};

/// One Actor's signals.
#[derive(Debug, Clone, PartialEq)]
pub enum SignalsState {
    /// No successful run, or it wrote no `SIGNALS`.
    None,
    Read(Signals),
    /// The record is there but not readable (the problem's sentence).
    Unreadable(String),
    /// The request failed.
    Failed(String),
}

/// Reads the `SIGNALS` of store `store_id`.
pub async fn read_signals(f: &Fetcher, store_id: &str) -> SignalsState {
    let (Ok(keys), Ok(record)) = (
        paths::signals_keys(store_id),
        paths::signals_record(store_id),
    ) else {
        return SignalsState::None;
    };
    match f.data::<KeyList>(&keys).await {
        Err(_) => return SignalsState::Failed("cancelled".into()),
        Ok(Err(e)) if e.status() == Some(404) => return SignalsState::None,
        Ok(Err(e)) => return SignalsState::Failed(e.message()),
        Ok(Ok(list)) if !list.has(SIGNALS_KEY) => return SignalsState::None,
        Ok(Ok(_)) => {}
    }
    match f.send(&record, None).await {
        Err(_) => SignalsState::Failed("cancelled".into()),
        Ok(Err(e)) => SignalsState::Failed(e.message()),
        Ok(Ok(a)) if a.status == 404 => SignalsState::None,
        Ok(Ok(a)) if a.ok() => match parse_signals(a.body.as_bytes()) {
            Ok(sig) => SignalsState::Read(sig),
            Err(p) => SignalsState::Unreadable(p.to_string()),
        },
        Ok(Ok(a)) => SignalsState::Failed(a.error().message()),
    }
}

/// The `SIGNALS` of Actor `id`'s latest successful run (asking Apify which run that is).
pub async fn actor_signals(f: &Fetcher, id: &str) -> SignalsState {
    let Ok(request) = last_succeeded_run(id) else {
        return SignalsState::None;
    };
    match f.data::<Run>(&request).await {
        Err(_) => SignalsState::Failed("cancelled".into()),
        Ok(Err(e)) if e.status() == Some(404) => SignalsState::None,
        Ok(Err(e)) => SignalsState::Failed(e.message()),
        Ok(Ok(run)) => match run.default_key_value_store_id {
            Some(store) => read_signals(f, &store).await,
            None => SignalsState::None,
        },
    }
}
