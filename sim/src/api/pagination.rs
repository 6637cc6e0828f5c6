//! Offset pagination (`offset`, `limit` clamped to 1000, `desc`) of the account's lists.

use super::error::{ApiError, Res};
use super::query::Query;
use super::reply::Reply;
use axum::http::StatusCode;
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

/// Offset pagination: `offset`, `limit` (clamped to 1000), `desc`.
pub fn paginate<T>(q: &Query, items: Vec<T>, render: impl Fn(&T) -> Value) -> Res {
    Ok(Reply::data(StatusCode::OK, page_json(q, items, render)?))
}

/// The `data` of an offset-paginated list.
pub fn page_json<T>(
    q: &Query,
    mut items: Vec<T>,
    render: impl Fn(&T) -> Value,
) -> Result<Value, ApiError> {
    let offset = q.uint("offset")?.unwrap_or(0) as usize;
    let limit = limit(q)?;
    let desc = q.flag("desc");
    let total = items.len();
    if desc {
        items.reverse();
    }
    let page: Vec<Value> = items.iter().skip(offset).take(limit).map(render).collect();
    Ok(json!({
        "total": total,
        "offset": offset,
        "limit": limit,
        "count": page.len(),
        "desc": desc,
        "items": page,
    }))
}
