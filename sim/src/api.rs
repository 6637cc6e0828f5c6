//! The simulated Apify API v2: routing, authentication, grants, rate limits and every handler.
//!
//! One fallback handler takes every `/v2/…` request, because Apify's own quirks do not fit a
//! static router: the `?method=` override turns a GET into a DELETE on any route, `?token=`
//! authenticates like the Bearer header, `/v2/acts/…` is an alias of `/v2/actors/…`, and ids
//! may be `username~name` or `~name`. [`ROUTES`] is the table of what is implemented and which
//! Console grant each route needs. Order of checks for a request: route (404
//! `page-not-found` / 405 `method-not-allowed`) → per-resource rate limit (429) → token (401;
//! a valid `?signature=` of a signed public URL stands in for it on dataset items, key listings
//! and records) → grant (403 `insufficient-permissions`) → handler (404 with Apify's types,
//! 400 …). Every error body carries Apify's envelope plus an extra `data` object (see
//! `From<ApiError> for Reply`).

use crate::fleet::{self, RunCtx};
use crate::source;
use crate::state::{
    Dataset, KvStore, Live, Meta, Phase, Record, RequestQueue, Run, Schedule, State, Task, View,
    Webhook,
};
use crate::time::{iso, parse_iso};
use crate::tokens::{self, ConsoleGrant, DemoToken, DEMO_TOKENS};
use axum::http::{header, HeaderMap, HeaderName, StatusCode};
use base64::Engine;
use bytes::Bytes;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Read;
use std::time::{Duration, Instant};

/// Largest page Apify returns from offset-paginated lists.
pub const MAX_LIMIT: usize = 1000;
/// Records larger than this are served through a `302` to the storage route.
pub const REDIRECT_RECORD_BYTES: usize = 64 * 1024;
/// Largest record Apify accepts (9 MiB).
pub const MAX_RECORD_BYTES: usize = 9 * 1024 * 1024;
/// Longest a synchronous run may take before `408` (Apify: 300 s).
const SYNC_WAIT_MS: u64 = 300_000;

/// An error in Apify's envelope.
#[derive(Debug, thiserror::Error)]
#[error("{status} {kind}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
}

pub fn err(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        kind,
        message: message.into(),
    }
}

fn not_found(kind: &'static str, what: &str) -> ApiError {
    err(StatusCode::NOT_FOUND, kind, format!("{what} was not found"))
}

fn bad(kind: &'static str, message: impl Into<String>) -> ApiError {
    err(StatusCode::BAD_REQUEST, kind, message)
}

/// A response before it becomes an HTTP response (built under the state lock).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, String)>,
    pub body: Bytes,
    /// `waitForFinish`: poll this run for up to this long before answering.
    pub wait_for: Option<(String, Duration)>,
}

impl Reply {
    pub fn json(status: StatusCode, v: &Value) -> Reply {
        Reply {
            status,
            headers: vec![(
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".into(),
            )],
            body: Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
            wait_for: None,
        }
    }

    pub fn data(status: StatusCode, v: Value) -> Reply {
        Reply::json(status, &json!({ "data": v }))
    }

    pub fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            wait_for: None,
        }
    }

    pub fn raw(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            headers: vec![(header::CONTENT_TYPE, content_type.to_string())],
            body: body.into(),
            wait_for: None,
        }
    }

    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

impl From<ApiError> for Reply {
    /// Apify's envelope, `{"error": {"type", "message"}}`, plus the internal `data` Apify
    /// attaches to some errors (here to every one, as a debugging reference that embeds the
    /// [`crate::SENTINEL`]): the relay must answer with `type` and `message` only.
    fn from(e: ApiError) -> Reply {
        let reference = source::secret("", e.kind, &e.message);
        Reply::json(
            e.status,
            &json!({"error": {
                "type": e.kind,
                "message": e.message,
                "data": {
                    "requestId": format!("{:016x}", fleet::hash_str(&reference)),
                    "debugReference": reference,
                },
            }}),
        )
    }
}

type Res = Result<Reply, ApiError>;

/// What an implemented operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    ActorsList,
    ActorGet,
    ActorUpdate,
    ActorBuilds,
    ActorRuns,
    ActorRunLast,
    ActorRunGet,
    ActorRunStart,
    ActorRunSync,
    ActorRunSyncItems,
    RunsList,
    RunGet,
    RunAbort,
    BuildsList,
    BuildGet,
    DatasetsList,
    DatasetCreate,
    DatasetGet,
    DatasetDelete,
    DatasetItems,
    DatasetPush,
    StoresList,
    StoreCreate,
    StoreGet,
    StoreDelete,
    StoreKeys,
    RecordGet,
    RecordPut,
    RecordDelete,
    QueuesList,
    QueueCreate,
    QueueGet,
    QueueDelete,
    WebhooksList,
    WebhookCreate,
    SchedulesList,
    ScheduleCreate,
    TasksList,
    TaskCreate,
    UsersMe,
}

/// What a route requires of the token.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    Grant(ConsoleGrant),
    /// Any one of these grants.
    AnyOf(&'static [ConsoleGrant]),
    /// Any valid token.
    Token,
}

#[derive(Debug)]
pub struct RouteDef {
    pub method: &'static str,
    /// Path after `/v2/`; `{x}` matches one segment. `acts` is accepted for `actors`.
    pub pattern: &'static str,
    pub op: Op,
    pub need: Need,
}

const fn r(method: &'static str, pattern: &'static str, op: Op, need: Need) -> RouteDef {
    RouteDef {
        method,
        pattern,
        op,
        need,
    }
}

use ConsoleGrant::*;
const READ_ACTORS: Need = Need::Grant(ActorsRead);
const LIST_RUNS: Need = Need::Grant(ActorsListRuns);
const RUN: Need = Need::Grant(ActorsRun);
const STORAGE_READ: Need = Need::Grant(StoragesRead);
const STORAGE_WRITE: Need = Need::Grant(StoragesWrite);
/// Creating a storage: Console "Storages: Create", which "Storages: Write" includes.
const STORAGE_CREATE: Need = Need::AnyOf(&[StoragesCreate, StoragesWrite]);

/// Every implemented route and the Console grant it needs. More specific patterns come first.
#[rustfmt::skip]
pub const ROUTES: &[RouteDef] = &[
    // Actors: Read — the fleet, an Actor, its builds
    r("GET",  "actors",                                       Op::ActorsList,        READ_ACTORS),
    r("GET",  "actors/{actorId}",                             Op::ActorGet,          READ_ACTORS),
    r("GET",  "actors/{actorId}/builds",                      Op::ActorBuilds,       READ_ACTORS),
    r("GET",  "actor-builds",                                 Op::BuildsList,        READ_ACTORS),
    r("GET",  "actor-builds/{buildId}",                       Op::BuildGet,          READ_ACTORS),
    // Actors: Write — changing an Actor (Forge never does)
    r("PUT",  "actors/{actorId}",                             Op::ActorUpdate,       Need::Grant(ActorsWrite)),
    // Actors: List runs — run history and run details
    r("GET",  "actors/{actorId}/runs",                        Op::ActorRuns,         LIST_RUNS),
    r("GET",  "actors/{actorId}/runs/last",                   Op::ActorRunLast,      LIST_RUNS),
    r("GET",  "actors/{actorId}/runs/{runId}",                Op::ActorRunGet,       LIST_RUNS),
    r("GET",  "actor-runs",                                   Op::RunsList,          LIST_RUNS),
    r("GET",  "actor-runs/{runId}",                           Op::RunGet,            LIST_RUNS),
    // Actors: Run — start (async or sync) and abort
    r("POST", "actors/{actorId}/runs",                        Op::ActorRunStart,     RUN),
    r("POST", "actors/{actorId}/run-sync",                    Op::ActorRunSync,      RUN),
    r("GET",  "actors/{actorId}/run-sync",                    Op::ActorRunSync,      RUN),
    r("POST", "actors/{actorId}/run-sync-get-dataset-items",  Op::ActorRunSyncItems, RUN),
    r("GET",  "actors/{actorId}/run-sync-get-dataset-items",  Op::ActorRunSyncItems, RUN),
    r("POST", "actor-runs/{runId}/abort",                     Op::RunAbort,          RUN),
    // Storages: Read / Write / Create — datasets
    r("GET",  "datasets",                                     Op::DatasetsList,      STORAGE_READ),
    r("POST", "datasets",                                     Op::DatasetCreate,     STORAGE_CREATE),
    r("GET",  "datasets/{datasetId}",                         Op::DatasetGet,        STORAGE_READ),
    r("DELETE","datasets/{datasetId}",                         Op::DatasetDelete,     STORAGE_WRITE),
    r("GET",  "datasets/{datasetId}/items",                   Op::DatasetItems,      STORAGE_READ),
    r("POST", "datasets/{datasetId}/items",                   Op::DatasetPush,       STORAGE_WRITE),
    r("PUT",  "datasets/{datasetId}/items",                   Op::DatasetPush,       STORAGE_WRITE),
    // Storages — key-value stores
    r("GET",  "key-value-stores",                             Op::StoresList,        STORAGE_READ),
    r("POST", "key-value-stores",                             Op::StoreCreate,       STORAGE_CREATE),
    r("GET",  "key-value-stores/{storeId}",                   Op::StoreGet,          STORAGE_READ),
    r("DELETE","key-value-stores/{storeId}",                   Op::StoreDelete,       STORAGE_WRITE),
    r("GET",  "key-value-stores/{storeId}/keys",              Op::StoreKeys,         STORAGE_READ),
    r("GET",  "key-value-stores/{storeId}/records/{key}",     Op::RecordGet,         STORAGE_READ),
    r("PUT",  "key-value-stores/{storeId}/records/{key}",     Op::RecordPut,         STORAGE_WRITE),
    r("POST", "key-value-stores/{storeId}/records/{key}",     Op::RecordPut,         STORAGE_WRITE),
    r("DELETE","key-value-stores/{storeId}/records/{key}",     Op::RecordDelete,      STORAGE_WRITE),
    // Storages — request queues
    r("GET",  "request-queues",                               Op::QueuesList,        STORAGE_READ),
    r("POST", "request-queues",                               Op::QueueCreate,       STORAGE_CREATE),
    r("GET",  "request-queues/{queueId}",                     Op::QueueGet,          STORAGE_READ),
    r("DELETE","request-queues/{queueId}",                     Op::QueueDelete,       STORAGE_WRITE),
    // Webhooks
    r("GET",  "webhooks",                                     Op::WebhooksList,      Need::Grant(Webhooks)),
    r("POST", "webhooks",                                     Op::WebhookCreate,     Need::Grant(Webhooks)),
    // Schedules
    r("GET",  "schedules",                                    Op::SchedulesList,     Need::Grant(Schedules)),
    r("POST", "schedules",                                    Op::ScheduleCreate,    Need::Grant(Schedules)),
    // Tasks
    r("GET",  "actor-tasks",                                  Op::TasksList,         Need::Grant(Tasks)),
    r("POST", "actor-tasks",                                  Op::TaskCreate,        Need::Grant(Tasks)),
    // Any valid token; what it shows depends on the token (see `users_me`).
    r("GET",  "users/me",                                     Op::UsersMe,           Need::Token),
];

/// Why no route matched.
#[derive(Debug, PartialEq, Eq)]
pub enum NoRoute {
    NotFound,
    MethodNotAllowed(Vec<&'static str>),
}

/// Splits and percent-decodes the path after `/v2/`, mapping the legacy `acts` prefix.
pub fn segments(path: &str) -> Option<Vec<String>> {
    let rest = path.strip_prefix("/v2/")?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut out = Vec::new();
    for (i, seg) in rest.split('/').enumerate() {
        if seg.is_empty() {
            return None;
        }
        let decoded = percent_decode(seg, false)?;
        out.push(if i == 0 && decoded == "acts" {
            "actors".to_string()
        } else {
            decoded
        });
    }
    Some(out)
}

pub fn find_route(
    method: &str,
    segs: &[String],
) -> Result<(&'static RouteDef, Vec<String>), NoRoute> {
    let mut allowed = Vec::new();
    for def in ROUTES {
        let pat: Vec<&str> = def.pattern.split('/').collect();
        if pat.len() != segs.len() {
            continue;
        }
        let mut params = Vec::new();
        let ok = pat.iter().zip(segs).all(|(p, s)| {
            if p.starts_with('{') {
                params.push(s.clone());
                true
            } else {
                p == s
            }
        });
        if !ok {
            continue;
        }
        if def.method == method {
            return Ok((def, params));
        }
        if !allowed.contains(&def.method) {
            allowed.push(def.method);
        }
    }
    if allowed.is_empty() {
        Err(NoRoute::NotFound)
    } else {
        Err(NoRoute::MethodNotAllowed(allowed))
    }
}

/// `application/x-www-form-urlencoded`-style decoding. `plus_is_space` for query strings.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Parsed query string: decoded pairs in order.
#[derive(Debug, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let mut out = Vec::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if let (Some(k), Some(v)) = (percent_decode(k, true), percent_decode(v, true)) {
                out.push((k, v));
            }
        }
        Query(out)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "true" | "TRUE" | "True"))
    }

    pub fn uint(&self, key: &str) -> Result<Option<u64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(|n| Some(n as u64))
                .ok_or_else(|| {
                    bad(
                        "invalid-parameter",
                        format!("Parameter '{key}' must be a non-negative number"),
                    )
                }),
        }
    }

    pub fn float(&self, key: &str) -> Result<Option<f64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(Some)
                .ok_or_else(|| {
                    bad(
                        "invalid-parameter",
                        format!("Parameter '{key}' must be a non-negative number"),
                    )
                }),
        }
    }
}

/// Everything a handler may need from the request.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub params: Vec<String>,
    pub query: &'a Query,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
    pub host: String,
    pub token: &'static DemoToken,
    pub method: String,
}

impl Ctx<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn base(&self) -> String {
        format!("http://{}", self.host)
    }

    /// How storages render for this request (public URL base, signing key or not).
    fn view(&self) -> View {
        View {
            base: self.base(),
            can_write: self.token.has(StoragesWrite),
        }
    }

    /// The request body with any `Content-Encoding` undone.
    fn decoded_body(&self) -> Result<Vec<u8>, ApiError> {
        let enc = self
            .header("content-encoding")
            .unwrap_or("identity")
            .trim()
            .to_ascii_lowercase();
        let mut out = Vec::new();
        let res = match enc.as_str() {
            "" | "identity" => return Ok(self.body.to_vec()),
            "gzip" | "x-gzip" => flate2::read::GzDecoder::new(&self.body[..]).read_to_end(&mut out),
            "deflate" => flate2::read::ZlibDecoder::new(&self.body[..]).read_to_end(&mut out),
            // Apify's official client compresses larger bodies with brotli.
            "br" => {
                brotli_decompressor::Decompressor::new(&self.body[..], 4096).read_to_end(&mut out)
            }
            other => {
                return Err(err(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-content-encoding",
                    format!("Content-Encoding \"{other}\" is not supported."),
                ))
            }
        };
        res.map_err(|_| {
            bad(
                "invalid-request",
                format!("The request body could not be decoded as {enc}"),
            )
        })?;
        Ok(out)
    }

    fn json_body(&self) -> Result<Value, ApiError> {
        let body = self.decoded_body()?;
        serde_json::from_slice(&body)
            .map_err(|_| bad("invalid-input", "The request body must be valid JSON"))
    }

    fn json_object_body(&self) -> Result<serde_json::Map<String, Value>, ApiError> {
        match self.json_body()? {
            Value::Object(m) => Ok(m),
            _ => Err(bad(
                "invalid-input",
                "The request body must be a JSON object",
            )),
        }
    }
}

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

/// Handles one API request under the state lock. `method` is the effective method (after
/// `?method=`), `path` the raw path.
pub fn handle(
    st: &mut State,
    method: &str,
    path: &str,
    query: &Query,
    headers: &HeaderMap,
    body: Bytes,
) -> Reply {
    st.advance();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost")
        .to_string();
    let Some(segs) = segments(path) else {
        return page_not_found(path);
    };
    let (def, params) = match find_route(method, &segs) {
        Ok(found) => found,
        Err(NoRoute::NotFound) => return page_not_found(path),
        Err(NoRoute::MethodNotAllowed(methods)) => {
            return err(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                format!(
                    "This API end-point can only be accessed using the following HTTP methods: OPTIONS,{}",
                    methods.join(",")
                ),
            )
            .into()
        }
    };
    let token = token_of(headers, query);
    let limit = st.opts.rate_limit_per_sec;
    if limit > 0 {
        let key = format!(
            "{}|{}|{}",
            token.as_deref().unwrap_or("-"),
            method,
            segs.join("/")
        );
        if rate_limited(st, key, limit) {
            return err(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limit-exceeded",
                format!("You have exceeded the rate limit of {limit} requests per second"),
            )
            .into();
        }
    }
    let token = token.filter(|t| !t.is_empty());
    if token.is_none() && signed_read(st, def.op, &params, query) {
        // A signed public URL (`itemsPublicUrl`, `keysPublicUrl`, `recordsPublicUrl`,
        // `recordPublicUrl`) reads without a token, on the owner's behalf: that is what makes
        // leaking one dangerous.
        if let Some(owner) = DEMO_TOKENS.iter().find(|t| t.is_full_access()) {
            let ctx = Ctx {
                params,
                query,
                headers,
                body,
                host,
                token: owner,
                method: method.to_string(),
            };
            return dispatch(st, def.op, &ctx).unwrap_or_else(Reply::from);
        }
    }
    let Some(token) = token else {
        return err(
            StatusCode::UNAUTHORIZED,
            "token-not-provided",
            "Authentication token was not provided",
        )
        .into();
    };
    let Some(token) = tokens::lookup(&token) else {
        return err(
            StatusCode::UNAUTHORIZED,
            "invalid-token",
            "Authentication token is not valid.",
        )
        .into();
    };
    if let Err(missing) = allowed(token, def.need) {
        return err(
            StatusCode::FORBIDDEN,
            "insufficient-permissions",
            format!(
                "Insufficient permissions: this API token does not have the \"{}\" permission needed for {} /v2/{}.",
                missing.label(),
                def.method,
                def.pattern
            ),
        )
        .into();
    }
    let ctx = Ctx {
        params,
        query,
        headers,
        body,
        host,
        token,
        method: method.to_string(),
    };
    let res = dispatch(st, def.op, &ctx);
    res.unwrap_or_else(Reply::from)
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

fn page_not_found(path: &str) -> Reply {
    let shown: String = path.chars().take(200).collect();
    err(
        StatusCode::NOT_FOUND,
        "page-not-found",
        format!("We have bad news: there is no API endpoint at URL {shown}"),
    )
    .into()
}

fn rate_limited(st: &mut State, key: String, limit: u32) -> bool {
    let sec = st.epoch.elapsed().as_secs();
    if st.rate.len() > 10_000 {
        st.rate.retain(|_, (s, _)| *s == sec);
    }
    let entry = st.rate.entry(key).or_insert((sec, 0));
    if entry.0 != sec {
        *entry = (sec, 0);
    }
    entry.1 += 1;
    entry.1 > limit
}

fn dispatch(st: &mut State, op: Op, c: &Ctx) -> Res {
    let view = c.view();
    match op {
        Op::ActorsList => actors_list(st, c),
        Op::ActorGet => {
            let i = actor_idx(st, &c.params[0])?;
            Ok(Reply::data(StatusCode::OK, st.actor_json(&st.actors[i])))
        }
        Op::ActorUpdate => actor_update(st, c),
        Op::ActorBuilds => {
            let i = actor_idx(st, &c.params[0])?;
            let id = st.actors[i].id.clone();
            let items: Vec<&crate::state::Build> =
                st.builds.iter().filter(|b| b.act_id == id).collect();
            paginate(c.query, items, |b| st.build_short_json(b))
        }
        Op::BuildsList => {
            let uid = st.user.id.clone();
            let items: Vec<&crate::state::Build> =
                st.builds.iter().filter(|b| b.user_id == uid).collect();
            paginate(c.query, items, |b| st.build_short_json(b))
        }
        Op::BuildGet => {
            let b = st
                .builds
                .iter()
                .find(|b| b.id == c.params[0])
                .ok_or_else(|| not_found("build-not-found", "Actor build"))?;
            Ok(Reply::data(StatusCode::OK, st.build_json(b)))
        }
        Op::ActorRuns => {
            let i = actor_idx(st, &c.params[0])?;
            let id = st.actors[i].id.clone();
            runs_list(st, c, Some(&id))
        }
        Op::RunsList => runs_list(st, c, None),
        Op::ActorRunLast => run_last(st, c),
        Op::ActorRunGet => {
            let i = actor_idx(st, &c.params[0])?;
            let run = st
                .runs
                .iter()
                .find(|r| r.id == c.params[1] && r.act_id == st.actors[i].id)
                .ok_or_else(|| not_found("record-not-found", "Actor run"))?;
            Ok(Reply::data(StatusCode::OK, st.run_json(run)))
        }
        Op::RunGet => {
            let run = find_run(st, &c.params[0])?;
            let reply = Reply::data(StatusCode::OK, st.run_json(run));
            Ok(with_wait(reply, c, &run.id)?)
        }
        Op::ActorRunStart => run_start(st, c, Mode::Async),
        Op::ActorRunSync => run_start(st, c, Mode::SyncOutput),
        Op::ActorRunSyncItems => run_start(st, c, Mode::SyncItems),
        Op::RunAbort => run_abort(st, c),
        Op::DatasetsList => {
            let all = c.query.flag("unnamed");
            let uid = st.user.id.clone();
            let items: Vec<&Dataset> = st
                .datasets
                .iter()
                .filter(|d| d.user_id == uid && (all || d.name.is_some()))
                .collect();
            let mut page = page_json(c.query, items, |d| st.dataset_json(d, true, &view))?;
            page["unnamed"] = json!(all);
            Ok(Reply::data(StatusCode::OK, page))
        }
        Op::DatasetCreate => dataset_create(st, c),
        Op::DatasetGet => {
            let i = dataset_idx(st, &c.params[0])?;
            Ok(Reply::data(
                StatusCode::OK,
                st.dataset_json(&st.datasets[i], false, &view),
            ))
        }
        Op::DatasetDelete => {
            let i = dataset_idx(st, &c.params[0])?;
            st.datasets.remove(i);
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        Op::DatasetItems => dataset_items(st, c),
        Op::DatasetPush => dataset_push(st, c),
        Op::StoresList => {
            let all = c.query.flag("unnamed");
            let uid = st.user.id.clone();
            let items: Vec<&KvStore> = st
                .stores
                .iter()
                .filter(|s| s.user_id == uid && (all || s.name.is_some()))
                .collect();
            let mut page = page_json(c.query, items, |s| st.store_json(s, &view))?;
            page["unnamed"] = json!(all);
            Ok(Reply::data(StatusCode::OK, page))
        }
        Op::StoreCreate => store_create(st, c),
        Op::StoreGet => {
            let i = store_idx(st, &c.params[0])?;
            Ok(Reply::data(
                StatusCode::OK,
                st.store_json(&st.stores[i], &view),
            ))
        }
        Op::StoreDelete => {
            let i = store_idx(st, &c.params[0])?;
            st.stores.remove(i);
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        Op::StoreKeys => store_keys(st, c),
        Op::RecordGet => record_get(st, c),
        Op::RecordPut => record_put(st, c),
        Op::RecordDelete => {
            let i = store_idx(st, &c.params[0])?;
            let key = valid_key(&c.params[1])?;
            let now = st.now_ms();
            let store = &mut st.stores[i];
            store
                .records
                .remove(key)
                .ok_or_else(|| not_found("record-not-found", "Record"))?;
            store.modified_at = now;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        Op::QueuesList => {
            let all = c.query.flag("unnamed");
            let uid = st.user.id.clone();
            let items: Vec<&RequestQueue> = st
                .queues
                .iter()
                .filter(|q| q.user_id == uid && (all || q.name.is_some()))
                .collect();
            paginate(c.query, items, |q| st.queue_json(q, true))
        }
        Op::QueueCreate => queue_create(st, c),
        Op::QueueGet => {
            let i = queue_idx(st, &c.params[0])?;
            Ok(Reply::data(
                StatusCode::OK,
                st.queue_json(&st.queues[i], false),
            ))
        }
        Op::QueueDelete => {
            let i = queue_idx(st, &c.params[0])?;
            st.queues.remove(i);
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        Op::WebhooksList => {
            let items: Vec<&Webhook> = st.webhooks.iter().collect();
            paginate(c.query, items, |w| st.webhook_json(w, true))
        }
        Op::WebhookCreate => webhook_create(st, c),
        Op::SchedulesList => {
            let items: Vec<&Schedule> = st.schedules.iter().collect();
            paginate(c.query, items, |s| st.schedule_json(s, true))
        }
        Op::ScheduleCreate => schedule_create(st, c),
        Op::TasksList => {
            let items: Vec<&Task> = st.tasks.iter().collect();
            paginate(c.query, items, |t| st.task_json(t, true))
        }
        Op::TaskCreate => task_create(st, c),
        Op::UsersMe => Ok(Reply::data(StatusCode::OK, users_me(st, c.token))),
    }
}

// ------------------------------------------------------------------------- lookups

fn split_ref(r: &str) -> Option<(&str, &str)> {
    r.split_once('~')
}

fn actor_idx(st: &State, r: &str) -> Result<usize, ApiError> {
    let found = match split_ref(r) {
        Some((user, name)) => {
            let user = if user.is_empty() {
                st.user.username.as_str()
            } else {
                user
            };
            st.actors
                .iter()
                .position(|a| a.username == user && a.name == name)
        }
        None => st.actors.iter().position(|a| a.id == r),
    };
    found.ok_or_else(|| not_found("actor-not-found", "Actor"))
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

fn dataset_idx(st: &State, r: &str) -> Result<usize, ApiError> {
    st.datasets
        .iter()
        .position(|d| storage_match(st, r, &d.id, d.name.as_deref()))
        .ok_or_else(|| not_found("record-not-found", "Dataset"))
}

pub fn store_idx(st: &State, r: &str) -> Result<usize, ApiError> {
    st.stores
        .iter()
        .position(|s| storage_match(st, r, &s.id, s.name.as_deref()))
        .ok_or_else(|| not_found("record-not-found", "Key-value store"))
}

fn queue_idx(st: &State, r: &str) -> Result<usize, ApiError> {
    st.queues
        .iter()
        .position(|q| storage_match(st, r, &q.id, q.name.as_deref()))
        .ok_or_else(|| not_found("record-not-found", "Request queue"))
}

fn find_run<'s>(st: &'s State, id: &str) -> Result<&'s Run, ApiError> {
    st.runs
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| not_found("record-not-found", "Actor run"))
}

/// Apify's record key charset: `[a-zA-Z0-9!\-_.'()]{1,256}`.
fn valid_key(key: &str) -> Result<&str, ApiError> {
    let ok = !key.is_empty()
        && key.len() <= 256
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!-_.'()".contains(&b));
    if ok {
        Ok(key)
    } else {
        Err(bad(
            "invalid-record-key",
            "Record key contains invalid character",
        ))
    }
}

fn valid_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(bad(
            "invalid-value",
            "Name can only contain letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-') but only in the middle of the string (e.g. 'my-value-1')",
        ))
    }
}

// ------------------------------------------------------------------------- lists

/// Offset pagination: `offset`, `limit` (clamped to 1000), `desc`.
fn paginate<T>(q: &Query, items: Vec<T>, render: impl Fn(&T) -> Value) -> Res {
    Ok(Reply::data(StatusCode::OK, page_json(q, items, render)?))
}

/// The `data` of an offset-paginated list.
fn page_json<T>(
    q: &Query,
    mut items: Vec<T>,
    render: impl Fn(&T) -> Value,
) -> Result<Value, ApiError> {
    let offset = q.uint("offset")?.unwrap_or(0) as usize;
    let limit = match q.uint("limit")? {
        None | Some(0) => MAX_LIMIT,
        Some(n) => (n as usize).min(MAX_LIMIT),
    };
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

fn actors_list(st: &State, c: &Ctx) -> Res {
    let my = c.query.flag("my");
    let mut items: Vec<&crate::state::Actor> = st.actors.iter().filter(|a| !my || a.own).collect();
    match c.query.get("sortBy") {
        None | Some("createdAt") => {}
        Some("stats.lastRunStartedAt") => {
            items.sort_by_key(|a| (a.last_run_started_at.unwrap_or(0), a.created_at))
        }
        Some(_) => {
            return Err(bad(
                "invalid-parameter",
                "sortBy must be one of: createdAt, stats.lastRunStartedAt",
            ))
        }
    }
    paginate(c.query, items, |a| st.actor_short_json(a))
}

use forge_apify::allow::RUN_STATUSES as STATUSES;

fn status_filter(q: &Query) -> Result<Option<Vec<String>>, ApiError> {
    let Some(raw) = q.get("status").filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let list: Vec<String> = raw
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    for s in &list {
        if !STATUSES.contains(&s.as_str()) {
            return Err(bad(
                "invalid-parameter",
                format!("Invalid status '{s}'; use one of {}", STATUSES.join(", ")),
            ));
        }
    }
    Ok(Some(list))
}

fn time_param(q: &Query, key: &str) -> Result<Option<u64>, ApiError> {
    match q.get(key) {
        None | Some("") => Ok(None),
        Some(v) => parse_iso(v).map(Some).ok_or_else(|| {
            bad(
                "invalid-parameter",
                format!("Parameter '{key}' must be a valid ISO 8601 date-time"),
            )
        }),
    }
}

fn runs_list(st: &State, c: &Ctx, act_id: Option<&str>) -> Res {
    let statuses = status_filter(c.query)?;
    let after = time_param(c.query, "startedAfter")?;
    let before = time_param(c.query, "startedBefore")?;
    let uid = &st.user.id;
    let items: Vec<&Run> = st
        .runs
        .iter()
        .filter(|r| act_id.is_none_or(|a| r.act_id == a))
        .filter(|r| act_id.is_some() || &r.user_id == uid)
        .filter(|r| after.is_none_or(|t| r.started_at >= t))
        .filter(|r| before.is_none_or(|t| r.started_at <= t))
        .filter(|r| {
            statuses.as_ref().is_none_or(|list| {
                let s = st.run_status(r).status;
                list.iter().any(|w| w == s)
            })
        })
        .collect();
    paginate(c.query, items, |r| st.run_short_json(r))
}

fn run_last(st: &State, c: &Ctx) -> Res {
    let i = actor_idx(st, &c.params[0])?;
    let statuses = status_filter(c.query)?;
    let origin = c.query.get("origin").filter(|o| !o.is_empty());
    let id = &st.actors[i].id;
    let run = st
        .runs
        .iter()
        .rev()
        .filter(|r| &r.act_id == id)
        .filter(|r| origin.is_none_or(|o| r.origin == o))
        .find(|r| {
            statuses.as_ref().is_none_or(|list| {
                let s = st.run_status(r).status;
                list.iter().any(|w| w == s)
            })
        })
        .ok_or_else(|| not_found("record-not-found", "Actor run"))?;
    let reply = Reply::data(StatusCode::OK, st.run_json(run));
    with_wait(reply, c, &run.id)
}

fn with_wait(reply: Reply, c: &Ctx, run_id: &str) -> Res {
    let mut reply = reply;
    if let Some(secs) = c.query.uint("waitForFinish")? {
        if secs > 0 {
            reply.wait_for = Some((run_id.to_string(), Duration::from_secs(secs.min(60))));
        }
    }
    Ok(reply)
}

// ------------------------------------------------------------------------- actors & runs

fn actor_update(st: &mut State, c: &Ctx) -> Res {
    let i = actor_idx(st, &c.params[0])?;
    if !st.actors[i].own {
        return Err(err(
            StatusCode::FORBIDDEN,
            "insufficient-permissions",
            "You do not have permission to update this Actor",
        ));
    }
    let body = c.json_object_body()?;
    let now = st.now_ms();
    if let Some(name) = body.get("name") {
        let name = name
            .as_str()
            .ok_or_else(|| bad("invalid-value", "name must be a string"))?;
        valid_name(name)?;
        if st
            .actors
            .iter()
            .enumerate()
            .any(|(j, a)| j != i && a.own && a.name == name)
        {
            return Err(bad(
                "actor-name-not-unique",
                "An Actor with this name already exists",
            ));
        }
    }
    let a = &mut st.actors[i];
    for (key, v) in &body {
        match (key.as_str(), v) {
            ("name", Value::String(s)) => a.name = s.clone(),
            ("title", Value::String(s)) => a.title = s.clone(),
            ("description", Value::String(s)) => a.description = s.clone(),
            ("isPublic", Value::Bool(b)) => a.is_public = *b,
            ("restartOnError", Value::Bool(b)) => a.restart_on_error = *b,
            ("defaultRunOptions", Value::Object(o)) => {
                if let Some(m) = o.get("memoryMbytes").and_then(Value::as_u64) {
                    a.memory_mb = valid_memory(m)?;
                }
                if let Some(t) = o.get("timeoutSecs").and_then(Value::as_u64) {
                    a.timeout_secs = t as u32;
                }
            }
            _ => {}
        }
    }
    a.modified_at = now;
    Ok(Reply::data(StatusCode::OK, st.actor_json(&st.actors[i])))
}

fn valid_memory(m: u64) -> Result<u32, ApiError> {
    if (128..=32_768).contains(&m) && m.is_power_of_two() {
        Ok(m as u32)
    } else {
        Err(bad(
            "invalid-value",
            "Memory must be a power of 2 between 128 and 32768 megabytes",
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Async,
    SyncOutput,
    SyncItems,
}

fn run_start(st: &mut State, c: &Ctx, mode: Mode) -> Res {
    let ai = actor_idx(st, &c.params[0])?;
    let actor = st.actors[ai].clone();
    let memory_mb = match c.query.uint("memory")? {
        Some(m) => valid_memory(m)?,
        None => actor.memory_mb,
    };
    let timeout_secs = match c.query.uint("timeout")? {
        Some(t) => t.min(u32::MAX as u64) as u32,
        None => actor.timeout_secs,
    };
    let max_items = c.query.uint("maxItems")?;
    let max_total_charge_usd = c.query.float("maxTotalChargeUsd")?;
    let wait = c.query.uint("waitForFinish")?;
    let latest = st
        .latest_build(&actor.id)
        .cloned()
        .ok_or_else(|| not_found("build-not-found", "Actor build"))?;
    let build = match c.query.get("build").filter(|b| !b.is_empty()) {
        None | Some("latest") => latest.clone(),
        Some(tag) => st
            .builds
            .iter()
            .find(|b| b.act_id == actor.id && b.number == tag)
            .cloned()
            .ok_or_else(|| {
                not_found(
                    "build-not-found",
                    &format!("Actor build with tag or number \"{tag}\""),
                )
            })?,
    };
    let adhoc_hooks = match c.query.get("webhooks").filter(|w| !w.is_empty()) {
        None => Vec::new(),
        Some(raw) => parse_adhoc_webhooks(raw)?,
    };
    // The POST body (with its Content-Type) is the run's INPUT.
    let input = if c.method == "POST" {
        c.decoded_body()?
    } else {
        Vec::new()
    };
    let input_type = c
        .header("content-type")
        .unwrap_or("application/json; charset=utf-8")
        .to_string();

    let ctx = RunCtx {
        on_newest_build: build.id == latest.id,
        age_ms: 0,
        timeout_secs: if timeout_secs == 0 {
            u32::MAX
        } else {
            timeout_secs
        },
        memory_mb,
        max_items,
    };
    let outcome = fleet::outcome(&actor.spec, ctx, &mut st.rng);
    let now = st.now_ms();
    // A synchronous run "waits": it is created as already elapsed, up to Apify's 300 s.
    let base_elapsed_ms = match mode {
        Mode::Async => 0,
        _ => outcome.duration_ms.min(SYNC_WAIT_MS),
    };
    let started_at = now.saturating_sub(base_elapsed_ms);
    let run_id = st.new_id();
    let dataset_id = st.new_id();
    let kv_id = st.new_id();
    let rq_id = st.new_id();
    let uid = st.user.id.clone();
    let username = st.user.username.clone();
    st.datasets.push(Dataset {
        id: dataset_id.clone(),
        name: None,
        user_id: uid.clone(),
        username: username.clone(),
        created_at: started_at,
        modified_at: started_at,
        accessed_at: started_at,
        act_id: Some(actor.id.clone()),
        act_run_id: Some(run_id.clone()),
        synthetic_items: 0,
        pushed: Vec::new(),
    });
    // ASSUMPTION: a run started without a body gets the Actor's saved example input as its
    // INPUT (what the Console's Start button sends), credentials and all.
    let (input_type, input) = if input.is_empty() {
        (
            "application/json; charset=utf-8".to_string(),
            actor.example_input.clone().into_bytes(),
        )
    } else {
        (input_type, input)
    };
    let mut records = BTreeMap::new();
    records.insert(
        "INPUT".to_string(),
        Record {
            content_type: input_type,
            value: Bytes::from(input.clone()),
        },
    );
    st.stores.push(KvStore {
        id: kv_id.clone(),
        name: None,
        user_id: uid.clone(),
        username: username.clone(),
        created_at: started_at,
        modified_at: started_at,
        accessed_at: started_at,
        act_id: Some(actor.id.clone()),
        act_run_id: Some(run_id.clone()),
        records,
    });
    st.queues.push(RequestQueue {
        id: rq_id.clone(),
        name: None,
        user_id: uid.clone(),
        username,
        created_at: started_at,
        modified_at: started_at,
        act_id: Some(actor.id.clone()),
        act_run_id: Some(run_id.clone()),
        total: outcome.requests,
        handled: 0,
    });
    for (events, url) in adhoc_hooks {
        let id = st.new_id();
        st.webhooks.push(Webhook {
            id,
            user_id: uid.clone(),
            created_at: now,
            modified_at: now,
            is_ad_hoc: true,
            event_types: events,
            condition: json!({"actorRunId": run_id}),
            request_url: url,
            payload_template: None,
            description: None,
            ignore_ssl_errors: false,
            do_not_retry: false,
        });
    }
    let run = Run {
        id: run_id.clone(),
        act_id: actor.id.clone(),
        user_id: uid,
        build_id: build.id.clone(),
        build_number: build.number.clone(),
        started_at,
        origin: "API",
        meta: Meta {
            client_ip: Some("127.0.0.1".into()),
            user_agent: c
                .header("user-agent")
                .map(|s| s.chars().take(200).collect()),
            ..Meta::default()
        },
        outcome,
        memory_mb,
        timeout_secs,
        disk_mb: memory_mb * 2,
        max_items,
        max_total_charge_usd,
        input_len: input.len() as u64,
        dataset_id: dataset_id.clone(),
        kv_id: kv_id.clone(),
        rq_id,
        live: Some(Live {
            started: Instant::now(),
            base_elapsed_ms,
            aborted_after_ms: None,
            settled: false,
        }),
    };
    let pos = st.runs.partition_point(|r| r.started_at <= started_at);
    st.runs.insert(pos, run);
    let a = &mut st.actors[ai];
    a.total_runs += 1;
    a.last_run_started_at = Some(a.last_run_started_at.unwrap_or(0).max(started_at));
    st.advance();

    let run = &st.runs[pos];
    match mode {
        Mode::Async => {
            let mut reply = Reply::data(StatusCode::CREATED, st.run_json(run)).with_header(
                header::LOCATION,
                format!("{}/v2/actor-runs/{run_id}", c.base()),
            );
            if let Some(secs) = wait.filter(|s| *s > 0) {
                reply.wait_for = Some((run_id, Duration::from_secs(secs.min(60))));
            }
            Ok(reply)
        }
        Mode::SyncOutput | Mode::SyncItems => {
            let now = st.run_status(run);
            if !now.phase.is_terminal() {
                return Err(err(
                    StatusCode::REQUEST_TIMEOUT,
                    "run-timeout-exceeded",
                    format!(
                        "Actor run exceeded the timeout of {} seconds for this API endpoint (run ID: {run_id})",
                        SYNC_WAIT_MS / 1000
                    ),
                ));
            }
            if now.status != "SUCCEEDED" {
                return Err(bad(
                    "actor-run-failed",
                    format!(
                        "Actor run did not succeed (run ID: {run_id}, status: {})",
                        now.status
                    ),
                ));
            }
            if mode == Mode::SyncItems {
                let di = st
                    .datasets
                    .iter()
                    .position(|d| d.id == dataset_id)
                    .ok_or_else(|| not_found("record-not-found", "Dataset"))?;
                return items_reply(st, di, c.query, StatusCode::CREATED);
            }
            let key = c.query.get("outputRecordKey").unwrap_or("OUTPUT");
            let record = st
                .stores
                .iter()
                .find(|s| s.id == kv_id)
                .and_then(|s| s.records.get(key))
                .cloned();
            Ok(match record {
                Some(r) => Reply::raw(StatusCode::CREATED, &r.content_type, r.value),
                None => Reply::raw(
                    StatusCode::CREATED,
                    "application/json; charset=utf-8",
                    b"{}".to_vec(),
                ),
            })
        }
    }
}

fn parse_adhoc_webhooks(raw: &str) -> Result<Vec<(Vec<String>, String)>, ApiError> {
    let invalid = || {
        bad(
            "invalid-parameter",
            "The 'webhooks' parameter must be a base64-encoded JSON array of webhooks",
        )
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(raw.trim()))
        .map_err(|_| invalid())?;
    let Value::Array(list) = serde_json::from_slice::<Value>(&bytes).map_err(|_| invalid())? else {
        return Err(invalid());
    };
    let mut out = Vec::new();
    for w in list {
        let events: Vec<String> = w
            .get("eventTypes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.as_str().map(String::from))
                    .collect()
            })
            .ok_or_else(invalid)?;
        let url = w
            .get("requestUrl")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        out.push((events, url.to_string()));
    }
    Ok(out)
}

fn run_abort(st: &mut State, c: &Ctx) -> Res {
    let i = st
        .runs
        .iter()
        .position(|r| r.id == c.params[0])
        .ok_or_else(|| not_found("record-not-found", "Actor run"))?;
    let phase = st.phase(&st.runs[i]);
    if !phase.is_terminal() {
        let elapsed = match phase {
            Phase::Running { elapsed_ms } => elapsed_ms,
            _ => 0,
        };
        if let Some(live) = st.runs[i].live.as_mut() {
            live.aborted_after_ms = Some(elapsed);
        }
        st.advance();
    }
    Ok(Reply::data(StatusCode::OK, st.run_json(&st.runs[i])))
}

// ------------------------------------------------------------------------- storages

fn dataset_create(st: &mut State, c: &Ctx) -> Res {
    let name = c
        .query
        .get("name")
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if let Some(n) = &name {
        valid_name(n)?;
        if let Some(d) = st
            .datasets
            .iter()
            .find(|d| d.name.as_deref() == Some(n) && d.user_id == st.user.id)
        {
            return Ok(Reply::data(
                StatusCode::OK,
                st.dataset_json(d, false, &c.view()),
            ));
        }
    }
    let now = st.now_ms();
    let id = st.new_id();
    let ds = Dataset {
        id: id.clone(),
        name,
        user_id: st.user.id.clone(),
        username: st.user.username.clone(),
        created_at: now,
        modified_at: now,
        accessed_at: now,
        act_id: None,
        act_run_id: None,
        synthetic_items: 0,
        pushed: Vec::new(),
    };
    let body = st.dataset_json(&ds, false, &c.view());
    st.datasets.push(ds);
    Ok(Reply::data(StatusCode::CREATED, body)
        .with_header(header::LOCATION, format!("{}/v2/datasets/{id}", c.base())))
}

fn dataset_items(st: &State, c: &Ctx) -> Res {
    let i = dataset_idx(st, &c.params[0])?;
    match c.query.get("format") {
        None | Some("" | "json") => {}
        Some(other) => {
            return Err(bad(
                "invalid-parameter",
                format!("Format '{other}' is not supported by the simulator; use json"),
            ))
        }
    }
    items_reply(st, i, c.query, StatusCode::OK)
}

fn items_reply(st: &State, i: usize, q: &Query, status: StatusCode) -> Res {
    let d = &st.datasets[i];
    let total = d.item_count();
    let offset = q.uint("offset")?.unwrap_or(0);
    let limit = q
        .uint("limit")?
        .filter(|l| *l > 0)
        .unwrap_or(250_000)
        .min(250_000);
    let desc = q.flag("desc");
    let mut idx: Vec<u64> = (0..total).collect();
    if desc {
        idx.reverse();
    }
    let items: Vec<Value> = idx
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|n| {
            if n < d.synthetic_items {
                fleet::synthetic_item(&d.id, n, d.created_at)
            } else {
                d.pushed[(n - d.synthetic_items) as usize].clone()
            }
        })
        .collect();
    let count = items.len();
    Ok(Reply::json(status, &Value::Array(items))
        .with_header(
            HeaderName::from_static("x-apify-pagination-offset"),
            offset.to_string(),
        )
        .with_header(
            HeaderName::from_static("x-apify-pagination-limit"),
            limit.to_string(),
        )
        .with_header(
            HeaderName::from_static("x-apify-pagination-count"),
            count.to_string(),
        )
        .with_header(
            HeaderName::from_static("x-apify-pagination-total"),
            total.to_string(),
        ))
}

fn dataset_push(st: &mut State, c: &Ctx) -> Res {
    let i = dataset_idx(st, &c.params[0])?;
    let items = match c.json_body()? {
        Value::Object(o) => vec![Value::Object(o)],
        Value::Array(a) if a.iter().all(Value::is_object) => a,
        _ => {
            return Err(bad(
                "invalid-input",
                "The request body must be a JSON object or an array of objects",
            ))
        }
    };
    let now = st.now_ms();
    let d = &mut st.datasets[i];
    d.pushed.extend(items);
    d.modified_at = now;
    let id = d.id.clone();
    Ok(Reply::json(StatusCode::CREATED, &json!({})).with_header(
        header::LOCATION,
        format!("{}/v2/datasets/{id}/items", c.base()),
    ))
}

fn store_create(st: &mut State, c: &Ctx) -> Res {
    let name = c
        .query
        .get("name")
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if let Some(n) = &name {
        valid_name(n)?;
        if let Some(s) = st
            .stores
            .iter()
            .find(|s| s.name.as_deref() == Some(n) && s.user_id == st.user.id)
        {
            return Ok(Reply::data(StatusCode::OK, st.store_json(s, &c.view())));
        }
    }
    let now = st.now_ms();
    let id = st.new_id();
    let store = KvStore {
        id: id.clone(),
        name,
        user_id: st.user.id.clone(),
        username: st.user.username.clone(),
        created_at: now,
        modified_at: now,
        accessed_at: now,
        act_id: None,
        act_run_id: None,
        records: BTreeMap::new(),
    };
    let body = st.store_json(&store, &c.view());
    st.stores.push(store);
    Ok(Reply::data(StatusCode::CREATED, body).with_header(
        header::LOCATION,
        format!("{}/v2/key-value-stores/{id}", c.base()),
    ))
}

fn store_keys(st: &mut State, c: &Ctx) -> Res {
    let i = store_idx(st, &c.params[0])?;
    let limit = match c.query.uint("limit")? {
        None | Some(0) => MAX_LIMIT,
        Some(n) => (n as usize).min(MAX_LIMIT),
    };
    let start = c.query.get("exclusiveStartKey").filter(|k| !k.is_empty());
    let prefix = c.query.get("prefix").unwrap_or("");
    let view = c.view();
    let s = &st.stores[i];
    let mut matching = s
        .records
        .iter()
        .filter(|(k, _)| start.is_none_or(|st| k.as_str() > st))
        .filter(|(k, _)| k.starts_with(prefix));
    let page: Vec<(&String, &Record)> = matching.by_ref().take(limit).collect();
    let truncated = matching.next().is_some();
    let next = if truncated {
        page.last().map(|(k, _)| k.to_string())
    } else {
        None
    };
    let items: Vec<Value> = page
        .iter()
        .map(|(k, r)| {
            json!({
                "key": k,
                "size": r.value.len(),
                "recordPublicUrl": st.record_public_url(s, k, &view),
            })
        })
        .collect();
    Ok(Reply::data(
        StatusCode::OK,
        json!({
            "items": items,
            "count": items.len(),
            "limit": limit,
            "exclusiveStartKey": start,
            "isTruncated": truncated,
            "nextExclusiveStartKey": next,
        }),
    ))
}

fn record_get(st: &State, c: &Ctx) -> Res {
    let i = store_idx(st, &c.params[0])?;
    let key = valid_key(&c.params[1])?;
    let base = c.base();
    let s = &st.stores[i];
    let r = s
        .records
        .get(key)
        .ok_or_else(|| not_found("record-not-found", "Record"))?;
    if r.value.len() > REDIRECT_RECORD_BYTES || key.starts_with("large-") {
        return Ok(Reply::empty(StatusCode::FOUND).with_header(
            header::LOCATION,
            format!("{base}/__sim/storage/{}/{key}", s.id),
        ));
    }
    Ok(Reply::raw(StatusCode::OK, &r.content_type, r.value.clone()))
}

fn record_put(st: &mut State, c: &Ctx) -> Res {
    let i = store_idx(st, &c.params[0])?;
    let key = valid_key(&c.params[1])?.to_string();
    let value = c.decoded_body()?;
    if value.len() > MAX_RECORD_BYTES {
        return Err(err(
            StatusCode::PAYLOAD_TOO_LARGE,
            "record-too-large",
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
    let s = &mut st.stores[i];
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

fn queue_create(st: &mut State, c: &Ctx) -> Res {
    let name = c
        .query
        .get("name")
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if let Some(n) = &name {
        valid_name(n)?;
        if let Some(q) = st
            .queues
            .iter()
            .find(|q| q.name.as_deref() == Some(n) && q.user_id == st.user.id)
        {
            return Ok(Reply::data(StatusCode::OK, st.queue_json(q, false)));
        }
    }
    let now = st.now_ms();
    let id = st.new_id();
    let q = RequestQueue {
        id: id.clone(),
        name,
        user_id: st.user.id.clone(),
        username: st.user.username.clone(),
        created_at: now,
        modified_at: now,
        act_id: None,
        act_run_id: None,
        total: 0,
        handled: 0,
    };
    let body = st.queue_json(&q, false);
    st.queues.push(q);
    Ok(Reply::data(StatusCode::CREATED, body).with_header(
        header::LOCATION,
        format!("{}/v2/request-queues/{id}", c.base()),
    ))
}

// ------------------------------------------------------------------------- integrations

const EVENT_TYPES: &[&str] = &[
    "ACTOR.BUILD.ABORTED",
    "ACTOR.BUILD.CREATED",
    "ACTOR.BUILD.FAILED",
    "ACTOR.BUILD.SUCCEEDED",
    "ACTOR.BUILD.TIMED_OUT",
    "ACTOR.RUN.ABORTED",
    "ACTOR.RUN.CREATED",
    "ACTOR.RUN.FAILED",
    "ACTOR.RUN.RESURRECTED",
    "ACTOR.RUN.SUCCEEDED",
    "ACTOR.RUN.TIMED_OUT",
    "TEST",
];

fn webhook_create(st: &mut State, c: &Ctx) -> Res {
    let body = c.json_object_body()?;
    let events: Vec<String> = body
        .get("eventTypes")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str().map(String::from))
                .collect()
        })
        .ok_or_else(|| bad("invalid-input", "eventTypes must be a non-empty array"))?;
    if let Some(e) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
        return Err(bad("invalid-input", format!("Unknown event type '{e}'")));
    }
    let condition = body
        .get("condition")
        .filter(|v| v.is_object())
        .cloned()
        .ok_or_else(|| bad("invalid-input", "condition must be an object"))?;
    let url = body
        .get("requestUrl")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .ok_or_else(|| bad("invalid-input", "requestUrl must be an http(s) URL"))?;
    let now = st.now_ms();
    let id = st.new_id();
    let w = Webhook {
        id: id.clone(),
        user_id: st.user.id.clone(),
        created_at: now,
        modified_at: now,
        is_ad_hoc: body
            .get("isAdHoc")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        event_types: events,
        condition,
        request_url: url.to_string(),
        payload_template: body
            .get("payloadTemplate")
            .and_then(Value::as_str)
            .map(String::from),
        description: body
            .get("description")
            .and_then(Value::as_str)
            .map(String::from),
        ignore_ssl_errors: body
            .get("ignoreSslErrors")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        do_not_retry: body
            .get("doNotRetry")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    let json = st.webhook_json(&w, false);
    st.webhooks.push(w);
    Ok(Reply::data(StatusCode::CREATED, json)
        .with_header(header::LOCATION, format!("{}/v2/webhooks/{id}", c.base())))
}

fn schedule_create(st: &mut State, c: &Ctx) -> Res {
    let body = c.json_object_body()?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("invalid-input", "name is required"))?
        .to_string();
    valid_name(&name)?;
    let cron = body
        .get("cronExpression")
        .and_then(Value::as_str)
        .filter(|c| c.split_whitespace().count() >= 5 || c.starts_with('@'))
        .ok_or_else(|| {
            bad(
                "cron-expression-invalid",
                "cronExpression is not a valid cron expression",
            )
        })?
        .to_string();
    let mut actions = Vec::new();
    for a in body
        .get("actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let actor = a
            .get("actorId")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("invalid-input", "Each action needs an actorId"))?;
        let ai = actor_idx(st, actor)?;
        let action_id = st.new_id();
        actions.push((action_id, st.actors[ai].id.clone()));
    }
    let now = st.now_ms();
    let id = st.new_id();
    let s = Schedule {
        id: id.clone(),
        user_id: st.user.id.clone(),
        name,
        cron,
        is_enabled: body
            .get("isEnabled")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        created_at: now,
        modified_at: now,
        last_run_at: None,
        next_run_at: None,
        description: body
            .get("description")
            .and_then(Value::as_str)
            .map(String::from),
        actions,
    };
    let json = st.schedule_json(&s, false);
    st.schedules.push(s);
    Ok(Reply::data(StatusCode::CREATED, json)
        .with_header(header::LOCATION, format!("{}/v2/schedules/{id}", c.base())))
}

fn task_create(st: &mut State, c: &Ctx) -> Res {
    let body = c.json_object_body()?;
    let act = body
        .get("actId")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("invalid-input", "actId is required"))?;
    let ai = actor_idx(st, act)?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("invalid-input", "name is required"))?
        .to_string();
    valid_name(&name)?;
    if st.tasks.iter().any(|t| t.name == name) {
        return Err(err(
            StatusCode::CONFLICT,
            "actor-task-name-not-unique",
            "A task with this name already exists",
        ));
    }
    let options = body.get("options");
    let now = st.now_ms();
    let id = st.new_id();
    let t = Task {
        id: id.clone(),
        user_id: st.user.id.clone(),
        act_id: st.actors[ai].id.clone(),
        name,
        created_at: now,
        modified_at: now,
        input: body.get("input").filter(|v| v.is_object()).cloned(),
        memory_mb: options
            .and_then(|o| o.get("memoryMbytes"))
            .and_then(Value::as_u64)
            .map(|m| m as u32),
        timeout_secs: options
            .and_then(|o| o.get("timeoutSecs"))
            .and_then(Value::as_u64)
            .map(|m| m as u32),
    };
    let json = st.task_json(&t, false);
    st.tasks.push(t);
    Ok(Reply::data(StatusCode::CREATED, json).with_header(
        header::LOCATION,
        format!("{}/v2/actor-tasks/{id}", c.base()),
    ))
}

/// `GET /v2/users/me`.
///
/// ASSUMPTION (not documented by Apify): a full-access token sees the private view — `email`,
/// `profile` and `proxy` (with the proxy **password**) — while a scoped token sees only the
/// public part: `id`, `username` and `plan`, plus `isPaying` and `effectivePlatformFeatures`,
/// which the OpenAPI schema (`UserPrivateInfo`) marks as required and which hold no secret.
/// The relay must never forward this route either way (DESIGN §4).
fn users_me(st: &State, token: &DemoToken) -> Value {
    let feature = json!({
        "isEnabled": true,
        "disabledReason": null,
        "disabledReasonType": null,
        "isTrial": false,
        "trialExpirationAt": null,
    });
    let features: serde_json::Map<String, Value> = [
        "ACTORS",
        "STORAGE",
        "SCHEDULER",
        "PROXY",
        "PROXY_EXTERNAL_ACCESS",
        "PROXY_RESIDENTIAL",
        "PROXY_SERPS",
        "WEBHOOKS",
        "ACTORS_PUBLIC_ALL",
        "ACTORS_PUBLIC_DEVELOPER",
    ]
    .iter()
    .map(|f| (f.to_string(), feature.clone()))
    .collect();
    let plan = json!({
        "id": "SCALE",
        "description": "Scale plan",
        "isEnabled": true,
        "monthlyBasePriceUsd": 199,
        "monthlyUsageCreditsUsd": 199,
        "usageDiscountPercent": 0,
        "enabledPlatformFeatures": ["ACTORS", "STORAGE", "PROXY", "SCHEDULER", "WEBHOOKS"],
        "maxMonthlyUsageUsd": 9999,
        "maxActorMemoryGbytes": 128,
        "maxMonthlyActorComputeUnits": 100000,
        "maxMonthlyResidentialProxyGbytes": 100,
        "maxMonthlyProxySerps": 100000,
        "maxMonthlyExternalDataTransferGbytes": 1000,
        "maxActorCount": 500,
        "maxActorTaskCount": 5000,
        "dataRetentionDays": 14,
        "availableProxyGroups": {"RESIDENTIAL": 100, "SHADER": 30, "GOOGLE_SERP": 10},
        "teamAccountSeatCount": 9,
        "supportLevel": "PRIORITY",
        "availableAddOns": [],
    });
    let mut me = json!({
        "id": st.user.id,
        "username": st.user.username,
        "plan": plan,
        "isPaying": true,
        "effectivePlatformFeatures": features,
    });
    if token.is_full_access() {
        me["email"] = json!(st.user.email);
        me["createdAt"] = json!(iso(st.user.created_at));
        me["profile"] = json!({"name": "Forge Demo", "bio": null, "pictureUrl": null});
        me["proxy"] = json!({
            "password": st.user.proxy_password,
            "groups": [
                {"name": "RESIDENTIAL", "description": "Residential proxies", "availableCount": 100},
                {"name": "SHADER", "description": "Datacenter proxies", "availableCount": 30},
            ],
        });
    }
    me
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_with_alias_and_method_not_allowed() {
        let segs = segments("/v2/acts/forge-demo~x/runs/last").unwrap();
        let (def, params) = find_route("GET", &segs).unwrap();
        assert_eq!(def.op, Op::ActorRunLast);
        assert_eq!(params, ["forge-demo~x"]);
        let (def, params) = find_route("GET", &segments("/v2/actors/a/runs/r1").unwrap()).unwrap();
        assert_eq!(
            (def.op, params),
            (Op::ActorRunGet, vec!["a".into(), "r1".into()])
        );
        assert_eq!(
            find_route("DELETE", &segments("/v2/actors").unwrap()).unwrap_err(),
            NoRoute::MethodNotAllowed(vec!["GET"])
        );
        assert_eq!(
            find_route("GET", &segments("/v2/nope").unwrap()).unwrap_err(),
            NoRoute::NotFound
        );
        assert!(segments("/v2//actors").is_none());
        assert_eq!(segments("/v2/actors/").unwrap(), ["actors"]);
    }

    #[test]
    fn query_parsing() {
        let q = Query::parse(Some("a=1&b=x%20y&c=p+q&flag=true&n=12"));
        assert_eq!(q.get("b"), Some("x y"));
        assert_eq!(q.get("c"), Some("p q"));
        assert!(q.flag("flag") && !q.flag("a2"));
        assert_eq!(q.uint("n").unwrap(), Some(12));
        assert!(Query::parse(Some("n=-1")).uint("n").is_err());
    }

    #[test]
    fn record_keys_and_names() {
        assert!(valid_key("snapshot-2026-W03").is_ok());
        assert!(valid_key("a b").is_err());
        assert!(valid_name("forge-trends").is_ok());
        assert!(valid_name("-x").is_err());
    }
}
