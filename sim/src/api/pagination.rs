//! Offset pagination (`offset`, `limit` clamped to 1000, `desc`) of the account's lists.
//!
//! Small lists (Actors, webhooks, schedules…) are collected and sliced ([`paginate`]). The big
//! ones — runs and runs' default storages, up to a million items — are never collected: their
//! handlers pick the sorted slices a request selects and [`sorted_page`] renders only the page
//! (see `crate::seq`). Both answer the same `PaginationList` shape: `total` counts every item
//! the filters keep, `offset`/`limit`/`count`/`desc` describe the page. As on Apify, the list is
//! read as it is at the time of each request, so a run started while a client pages through
//! `desc=1` shifts the later pages by one.

use super::error::{ApiError, Res};
use super::query::Query;
use super::reply::Reply;
use crate::seq;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{json, Value};

/// Largest page Apify returns from offset-paginated lists.
pub const MAX_LIMIT: usize = forge_apify::limits::MAX_PAGE_LIMIT as usize;

/// `limit`: absent or 0 means the largest page, more is clamped to it.
pub fn limit(q: &Query) -> Result<usize, ApiError> {
    Ok(match q.uint("limit")? {
        None | Some(0) => MAX_LIMIT,
        Some(n) => (n as usize).min(MAX_LIMIT),
    })
}

/// What a request asks of an offset-paginated list.
#[derive(Debug, Clone, Copy)]
pub struct PageAsk {
    pub offset: usize,
    pub limit: usize,
    pub desc: bool,
}

impl PageAsk {
    pub fn of(q: &Query) -> Result<PageAsk, ApiError> {
        Ok(PageAsk {
            offset: q.uint("offset")?.unwrap_or(0).min(usize::MAX as u64) as usize,
            limit: limit(q)?,
            desc: q.flag("desc"),
        })
    }

    /// The `data` of a page holding `items` of `total`.
    pub fn body(&self, total: usize, items: Vec<Value>) -> Value {
        json!({
            "total": total,
            "offset": self.offset,
            "limit": self.limit,
            "count": items.len(),
            "desc": self.desc,
            "items": items,
        })
    }
}

/// Offset pagination: `offset`, `limit` (clamped to 1000), `desc`.
pub fn paginate<T>(q: &Query, items: Vec<T>, render: impl Fn(&T) -> Value) -> Res {
    Ok(Reply::data(StatusCode::OK, page_json(q, items, render)?))
}

/// The `data` of an offset-paginated list of collected `items`.
pub fn page_json<T>(
    q: &Query,
    mut items: Vec<T>,
    render: impl Fn(&T) -> Value,
) -> Result<Value, ApiError> {
    let ask = PageAsk::of(q)?;
    let total = items.len();
    if ask.desc {
        items.reverse();
    }
    let page: Vec<Value> = items
        .iter()
        .skip(ask.offset)
        .take(ask.limit)
        .map(render)
        .collect();
    Ok(ask.body(total, page))
}

/// The `data` of a page (`PaginationList`), serialised as it is. Fields in the order a `Value`
/// map has them (alphabetical), so both kinds of page read byte for byte alike.
#[derive(Debug, Serialize)]
pub struct PageBody<T> {
    pub count: usize,
    pub desc: bool,
    pub items: Vec<T>,
    pub limit: usize,
    pub offset: usize,
    pub total: usize,
    /// Storage lists say whether they include unnamed storages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unnamed: Option<bool>,
}

/// The page `ask` selects from the merge of `lists` (each sorted by `key`, disjoint; see
/// `crate::seq::page`), rendering only the page's items.
pub fn sorted_page<K: Ord, T>(
    ask: PageAsk,
    lists: &[&[u32]],
    key: impl Fn(u32) -> K,
    render: impl Fn(u32) -> T,
) -> PageBody<T> {
    let page = seq::page(lists, key, ask.offset, ask.limit, ask.desc);
    let items: Vec<T> = page.items.into_iter().map(render).collect();
    PageBody {
        count: items.len(),
        desc: ask.desc,
        items,
        limit: ask.limit,
        offset: ask.offset,
        total: page.total,
        unnamed: None,
    }
}
