//! Who a request acts as: its token (`Authorization: Bearer …` or `?token=`), whether the
//! token's grants cover the route, a signed public URL standing in for a token, and the
//! per-resource rate limit.

use super::error::{err, ApiError};
use super::query::Query;
use super::routes::{Need, Op, RouteDef};
use crate::source;
use crate::state::State;
use crate::tokens::{self, ConsoleGrant, DemoToken, DEMO_TOKENS};
use axum::http::{header, HeaderMap, StatusCode};
use forge_apify::ErrorKind;
use std::collections::HashMap;

/// Extracts the token: `Authorization: Bearer …` first, then `?token=`.
pub fn token_of(headers: &HeaderMap, query: &Query) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let v = v.to_str().unwrap_or("").trim();
        let token = match v.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
            _ => v,
        };
        return Some(token.to_string());
    }
    query.get("token").map(str::to_string)
}

/// Whether `token` has what `need` asks for; the (first) missing grant if not.
fn allowed(token: &DemoToken, need: Need) -> Result<(), ConsoleGrant> {
    match need {
        Need::Token => Ok(()),
        Need::Grant(g) => {
            if token.has(g) {
                Ok(())
            } else {
                Err(g)
            }
        }
        Need::AnyOf(gs) => {
            if gs.iter().any(|g| token.has(*g)) {
                Ok(())
            } else {
                Err(gs[0])
            }
        }
    }
}

/// The token a request for `def` acts with, or the 401/403 it gets. `token` is what it sent.
pub fn authenticate(
    st: &State,
    def: &RouteDef,
    params: &[String],
    query: &Query,
    token: Option<String>,
) -> Result<&'static DemoToken, ApiError> {
    let token = token.filter(|t| !t.is_empty());
    if token.is_none() && signed_read(st, def.op, params, query) {
        // A signed public URL (`itemsPublicUrl`, `keysPublicUrl`, `recordsPublicUrl`,
        // `recordPublicUrl`) reads without a token, on the owner's behalf: that is what makes
        // leaking one dangerous.
        if let Some(owner) = DEMO_TOKENS.iter().find(|t| t.is_full_access()) {
            return Ok(owner);
        }
    }
    let Some(token) = token else {
        return Err(err(
            StatusCode::UNAUTHORIZED,
            ErrorKind::TokenNotProvided,
            "Authentication token was not provided",
        ));
    };
    let Some(token) = tokens::lookup(&token) else {
        return Err(err(
            StatusCode::UNAUTHORIZED,
            ErrorKind::InvalidToken,
            "Authentication token is not valid.",
        ));
    };
    if let Err(missing) = allowed(token, def.need) {
        return Err(err(
            StatusCode::FORBIDDEN,
            ErrorKind::InsufficientPermissions,
            format!(
                "Insufficient permissions: this API token does not have the \"{}\" permission needed for {} /v2/{}.",
                missing.label(),
                def.method,
                def.pattern
            ),
        ));
    }
    Ok(token)
}

/// Whether `?signature=` signs this read of a storage given by id: its dataset items, its keys,
/// or one of its records (a store's `recordsPublicUrl` signs them all).
fn signed_read(st: &State, op: Op, params: &[String], query: &Query) -> bool {
    let Some(sig) = query.get("signature").filter(|s| !s.is_empty()) else {
        return false;
    };
    let Some(id) = params.first().filter(|p| !p.contains('~')) else {
        return false;
    };
    let signs = |resource: &str| sig == source::signature(id, resource);
    match op {
        Op::DatasetItems => st.datasets.iter().any(|d| &d.id == id) && signs("items"),
        Op::StoreKeys => st.stores.iter().any(|s| &s.id == id) && signs("keys"),
        Op::RecordGet => {
            st.stores.iter().any(|s| &s.id == id)
                && (signs("records") || signs(&format!("records/{}", params[1])))
        }
        _ => false,
    }
}

/// Requests per (token, method, path) in the current second.
#[derive(Debug, Default)]
pub struct RateLimits {
    /// key → (second, count)
    counts: HashMap<String, (u64, u32)>,
}

impl RateLimits {
    /// Counts one request for `key` in second `sec`; true if it is over `limit`.
    pub fn exceeded(&mut self, sec: u64, key: String, limit: u32) -> bool {
        if self.counts.len() > 10_000 {
            self.counts.retain(|_, (s, _)| *s == sec);
        }
        let entry = self.counts.entry(key).or_insert((sec, 0));
        if entry.0 != sec {
            *entry = (sec, 0);
        }
        entry.1 += 1;
        entry.1 > limit
    }
}
