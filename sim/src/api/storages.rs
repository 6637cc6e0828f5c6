//! What the three storage kinds (datasets, key-value stores, request queues) share: a
//! reference resolves the same way (an id, `~name` or `username~name`), and getting, deleting
//! and "find by name or create" (`POST /v2/{kind}?name=…`) work alike. Each kind implements
//! [`Storage`] in its own module; the handlers here serve all three.

use super::ctx::Ctx;
use super::error::{not_found, ApiError, Res};
use super::lookup::{split_ref, valid_name};
use super::reply::Reply;
use crate::entities::StorageHead;
use crate::state::State;
use axum::http::{header, StatusCode};
use forge_apify::ErrorKind;
use serde_json::Value;

/// A kind of storage, as the generic handlers see it.
pub trait Storage: Sized {
    /// Its collection under `/v2/` (`datasets`, `key-value-stores`, `request-queues`).
    const COLLECTION: &'static str;
    /// What a missing one is called in its 404 (`Dataset was not found`).
    const WHAT: &'static str;

    fn all(st: &State) -> &[Self];
    fn all_mut(st: &mut State) -> &mut Vec<Self>;
    fn head(&self) -> &StorageHead;
    /// A new, empty storage with `head`.
    fn create(head: StorageHead) -> Self;
    /// The full object, as a get or a create answers it.
    fn render(st: &State, s: &Self, c: &Ctx) -> Value;
}

/// Resolves a storage reference: an id, `~name` (the token owner's) or `username~name`.
fn storage_match(st: &State, r: &str, id: &str, name: Option<&str>) -> bool {
    match split_ref(r) {
        Some((user, wanted)) => {
            (user.is_empty() || user == st.user.username) && name == Some(wanted)
        }
        None => id == r,
    }
}

/// Index of the storage `r` refers to.
pub fn find<S: Storage>(st: &State, r: &str) -> Result<usize, ApiError> {
    S::all(st)
        .iter()
        .position(|s| storage_match(st, r, &s.head().id, s.head().name.as_deref()))
        .ok_or_else(|| not_found(ErrorKind::RecordNotFound, S::WHAT))
}

/// `GET /v2/{kind}/{id}`.
pub fn get<S: Storage>(st: &State, c: &Ctx) -> Res {
    let i = find::<S>(st, &c.params[0])?;
    Ok(Reply::data(
        StatusCode::OK,
        S::render(st, &S::all(st)[i], c),
    ))
}

/// `DELETE /v2/{kind}/{id}`.
pub fn delete<S: Storage>(st: &mut State, c: &Ctx) -> Res {
    let i = find::<S>(st, &c.params[0])?;
    S::all_mut(st).remove(i);
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

/// `POST /v2/{kind}?name=…`: the account's storage of that name (200) if there is one,
/// otherwise a new one (201, with its `Location`); without a name, always a new unnamed one.
pub fn find_or_create<S: Storage>(st: &mut State, c: &Ctx) -> Res {
    let name = c
        .query
        .get("name")
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if let Some(n) = &name {
        valid_name(n)?;
        if let Some(s) = S::all(st).iter().find(|s| {
            s.head().name.as_deref() == Some(n.as_str()) && s.head().user_id == st.user.id
        }) {
            return Ok(Reply::data(StatusCode::OK, S::render(st, s, c)));
        }
    }
    let now = st.now_ms();
    let id = st.new_id();
    let s = S::create(StorageHead::new(
        id.clone(),
        name,
        &st.user.id,
        &st.user.username,
        now,
    ));
    let body = S::render(st, &s, c);
    S::all_mut(st).push(s);
    Ok(Reply::data(StatusCode::CREATED, body).with_header(
        header::LOCATION,
        format!("{}/v2/{}/{id}", c.base(), S::COLLECTION),
    ))
}
