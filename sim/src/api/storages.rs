//! What the three storage kinds (datasets, key-value stores, request queues) share: a
//! reference resolves the same way (an id, `~name` or `username~name`), and listing, getting,
//! deleting and "find by name or create" (`POST /v2/{kind}?name=…`) work alike. Each kind
//! implements [`Storage`] in its own module; the handlers here serve all three.
//!
//! A storage is one of two things ([`Loc`]): one of the account's own (named ones, ones created
//! through the API: a short list in `State`), or the default storage of a run. The latter are a
//! million in a big account and are not kept: a run's id-derived storage id leads straight to
//! the run, and the storage renders from it ([`Storage::generated`]) unless it was written to or
//! deleted (`crate::entities::RunStorages`). Lists merge the runs' storages (in run order, which
//! is `createdAt` order: a default storage is created when its run starts) with the account's
//! own, and render only the page.

use super::ctx::Ctx;
use super::error::{not_found, ApiError, Res};
use super::lookup::{split_ref, valid_name};
use super::pagination::{sorted_page, PageAsk};
use super::reply::Reply;
use crate::entities::{RunStorages, StorageHead};
use crate::ids::IdKind;
use crate::state::State;
use axum::http::{header, StatusCode};
use forge_apify::ErrorKind;
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;

/// A kind of storage, as the generic handlers see it.
pub trait Storage: Sized + Clone {
    /// Its collection under `/v2/` (`datasets`, `key-value-stores`, `request-queues`).
    const COLLECTION: &'static str;
    /// What a missing one is called in its 404 (`Dataset was not found`).
    const WHAT: &'static str;
    /// The kind of id a run's default storage of this kind has.
    const ID_KIND: IdKind;

    /// The account's own storages of this kind, by `createdAt`.
    fn all(st: &State) -> &[Self];
    fn all_mut(st: &mut State) -> &mut Vec<Self>;
    /// Runs' default storages of this kind that are not rendered from their run.
    fn of_runs(st: &State) -> &RunStorages<Self>;
    fn of_runs_mut(st: &mut State) -> &mut RunStorages<Self>;
    /// The default storage of the run at `pos` as its run left it.
    fn generated(st: &State, pos: u32) -> Self;
    fn head(&self) -> &StorageHead;
    /// A new, empty storage with `head`.
    fn create(head: StorageHead) -> Self;
    /// The full object, as a get or a create answers it.
    fn render(st: &State, s: &Self, c: &Ctx) -> Value;
}

/// Where a storage is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    /// The account's own, by index in [`Storage::all`].
    Own(usize),
    /// The default storage of the run at this position in `State::runs`.
    Run(u32),
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

/// Where the storage `r` refers to is.
pub fn find<S: Storage>(st: &State, r: &str) -> Result<Loc, ApiError> {
    if let Some(n) = st.run_at(r, S::ID_KIND) {
        if !S::of_runs(st).deleted.contains(&n) {
            return Ok(Loc::Run(n));
        }
    }
    S::all(st)
        .iter()
        .position(|s| storage_match(st, r, &s.head().id, s.head().name.as_deref()))
        .map(Loc::Own)
        .ok_or_else(|| not_found(ErrorKind::RecordNotFound, S::WHAT))
}

/// The storage at `loc`.
pub fn at<S: Storage>(st: &State, loc: Loc) -> Cow<'_, S> {
    match loc {
        Loc::Own(i) => Cow::Borrowed(&S::all(st)[i]),
        Loc::Run(n) => match S::of_runs(st).held.get(&n) {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(S::generated(st, n)),
        },
    }
}

/// The storage at `loc`, to change it (a run's is held in full from then on).
pub fn at_mut<S: Storage>(st: &mut State, loc: Loc) -> &mut S {
    match loc {
        Loc::Own(i) => &mut S::all_mut(st)[i],
        Loc::Run(n) => {
            if !S::of_runs(st).held.contains_key(&n) {
                let s = S::generated(st, n);
                S::of_runs_mut(st).held.insert(n, s);
            }
            S::of_runs_mut(st)
                .held
                .get_mut(&n)
                .unwrap_or_else(|| unreachable!("inserted above"))
        }
    }
}

/// `GET /v2/{kind}/{id}`.
pub fn get<S: Storage>(st: &State, c: &Ctx) -> Res {
    let loc = find::<S>(st, &c.params[0])?;
    Ok(Reply::data(
        StatusCode::OK,
        S::render(st, &at::<S>(st, loc), c),
    ))
}

/// `DELETE /v2/{kind}/{id}`.
pub fn delete<S: Storage>(st: &mut State, c: &Ctx) -> Res {
    match find::<S>(st, &c.params[0])? {
        Loc::Own(i) => {
            S::all_mut(st).remove(i);
        }
        Loc::Run(n) => {
            let runs = S::of_runs_mut(st);
            runs.held.remove(&n);
            runs.deleted.insert(n);
        }
    }
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

/// `GET /v2/{kind}` (`unnamed=1` includes runs' default storages and other unnamed ones), by
/// `createdAt`, rendering each item with `render`. The `data` also says `unnamed` when `with_flag`
/// (datasets and key-value stores answer it; request queues do not). `ownership=sharedWithMe`
/// lists what other users share with the account: nothing here (`ownedByMe`, like no filter,
/// lists the account's own).
pub fn list<S: Storage, T: Serialize>(
    st: &State,
    c: &Ctx,
    render: impl Fn(&S) -> T,
    with_flag: bool,
) -> Res {
    let ask = PageAsk::of(c.query)?;
    let unnamed = c.query.flag("unnamed");
    let shared_only = c.query.get("ownership") == Some("sharedWithMe");
    // The account's own, tagged to tell them from run positions in the merge.
    const OWN: u32 = 1 << 31;
    let own: Vec<u32> = S::all(st)
        .iter()
        .enumerate()
        .filter(|(_, s)| !shared_only && s.head().user_id == st.user.id)
        .filter(|(_, s)| unnamed || s.head().name.is_some())
        .map(|(i, _)| OWN | i as u32)
        .collect();
    // Runs' storages: every run in start order, less the deleted ones (each cuts a gap).
    let order = &st.index.order[..];
    let mut lists: Vec<&[u32]> = Vec::new();
    if unnamed && !shared_only {
        let deleted = &S::of_runs(st).deleted;
        let mut gaps: Vec<usize> = deleted
            .iter()
            .map(|&n| {
                let k = crate::run_index::key(&st.runs, n);
                order.partition_point(|&m| crate::run_index::key(&st.runs, m) < k)
            })
            .collect();
        gaps.sort_unstable();
        let mut from = 0;
        for g in gaps {
            lists.push(&order[from..g]);
            from = g + 1;
        }
        lists.push(&order[from.min(order.len())..]);
    }
    lists.push(&own);
    let key = |x: u32| {
        if x & OWN != 0 {
            (S::all(st)[(x & !OWN) as usize].head().created_at, 1, x)
        } else {
            (st.runs[x as usize].started_at, 0, x)
        }
    };
    let item = |x: u32| {
        let loc = if x & OWN != 0 {
            Loc::Own((x & !OWN) as usize)
        } else {
            Loc::Run(x)
        };
        render(&at::<S>(st, loc))
    };
    let mut page = sorted_page(ask, &lists, key, item);
    if with_flag {
        page.unnamed = Some(unnamed);
    }
    Ok(Reply::data_of(StatusCode::OK, &page))
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
