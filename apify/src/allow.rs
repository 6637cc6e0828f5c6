//! The relay's allow-list (DESIGN §4): one const table and the matcher that is the **only**
//! constructor of an [`AllowedRequest`].
//!
//! Review [`ALLOW_LIST`] like security configuration: every row widens what a sealed token can
//! do through Forge. The matcher works on the **raw** request target and refuses — never
//! normalises — anything ambiguous: percent-encoding in the path, `\`, `;`, `#`, empty or dot
//! segments, characters outside the segment charset, unknown/repeated/dangerous query keys. What
//! it returns is rebuilt from validated parts, so the forwarder never sees client bytes it did
//! not check.

use crate::limits;
use crate::project::Reply;
use crate::scope::Grant;
use std::fmt;

mod fields;
use fields::*;

/// HTTP methods the table uses. Anything else is refused before a route is even looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    /// Exact, case-sensitive parse (HTTP methods are case-sensitive: `get` is not `GET`).
    pub fn parse(raw: &str) -> Option<Method> {
        match raw {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }

    /// Whether a request body is forwarded for this method.
    pub const fn carries_body(self) -> bool {
        !matches!(self, Method::Get)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the allow-list.
#[derive(Debug, PartialEq, Eq)]
pub struct Route {
    pub grant: Grant,
    pub method: Method,
    /// Canonical path template. `{name}` is a parameter; a segment starting with `~` is a pinned
    /// store name that must match literally.
    pub template: &'static str,
    /// Query keys this route may carry; any other key is refused.
    pub query: &'static [&'static str],
    /// Query keys that must be present.
    pub required_query: &'static [&'static str],
    /// What a successful answer may carry back (the response rule, DESIGN §4).
    pub reply: Reply,
}

const PAGE: &[&str] = &["offset", "limit", "desc"];
const RUN_FILTERS: &[&str] = &[
    "offset",
    "limit",
    "desc",
    "status",
    "startedAfter",
    "startedBefore",
];
const STORAGE_LIST: &[&str] = &["offset", "limit", "desc", "unnamed", "ownership"];

/// Forge's own store: the only place writes may go.
pub const FORGE_STORE_NAME: &str = "forge-trends";

/// The allow-list. DESIGN §4, row for row. `/v2/acts/…` is accepted as an alias of
/// `/v2/actors/…` and forwarded in canonical form.
pub const ALLOW_LIST: &[Route] = &[
    // Actors: Read
    route(
        Grant::ActorsRead,
        Method::Get,
        "/v2/actors",
        &["my", "offset", "limit", "desc", "sortBy"],
        Reply::Json(ACTOR_LIST_REPLY),
    ),
    route(
        Grant::ActorsRead,
        Method::Get,
        "/v2/actors/{actorId}",
        &[],
        Reply::Json(ACTOR_REPLY),
    ),
    // Actors: Run
    route(
        Grant::ActorsRun,
        Method::Post,
        "/v2/actors/{actorId}/runs",
        &[
            "timeout",
            "memory",
            "build",
            "maxItems",
            "maxTotalChargeUsd",
        ],
        Reply::Json(RUN_REPLY),
    ),
    // Actor runs: Read
    route(
        Grant::ActorRunsRead,
        Method::Get,
        "/v2/actors/{actorId}/runs",
        RUN_FILTERS,
        Reply::Json(RUN_LIST_REPLY),
    ),
    route(
        Grant::ActorRunsRead,
        Method::Get,
        "/v2/actors/{actorId}/runs/last",
        &["status", "origin"],
        Reply::Json(RUN_REPLY),
    ),
    route(
        Grant::ActorRunsRead,
        Method::Get,
        "/v2/actor-runs",
        RUN_FILTERS,
        Reply::Json(RUN_LIST_REPLY),
    ),
    route(
        Grant::ActorRunsRead,
        Method::Get,
        "/v2/actor-runs/{runId}",
        // Apify's official clients wait for a run with it (`call()`, `waitForFinish()`).
        &["waitForFinish"],
        Reply::Json(RUN_REPLY),
    ),
    // Actor builds: Read
    route(
        Grant::ActorBuildsRead,
        Method::Get,
        "/v2/actors/{actorId}/builds",
        PAGE,
        Reply::Json(BUILD_LIST_REPLY),
    ),
    route(
        Grant::ActorBuildsRead,
        Method::Get,
        "/v2/actor-builds",
        PAGE,
        Reply::Json(BUILD_LIST_REPLY),
    ),
    route(
        Grant::ActorBuildsRead,
        Method::Get,
        "/v2/actor-builds/{buildId}",
        &[],
        Reply::Json(BUILD_REPLY),
    ),
    // Datasets: Read — metadata only, never items.
    route(
        Grant::DatasetsRead,
        Method::Get,
        "/v2/datasets",
        STORAGE_LIST,
        Reply::Json(DATASET_LIST_REPLY),
    ),
    route(
        Grant::DatasetsRead,
        Method::Get,
        "/v2/datasets/{datasetId}",
        &[],
        Reply::Json(DATASET_REPLY),
    ),
    // Per-field null and empty counts (datasets with a fields schema): counts, never values.
    route(
        Grant::DatasetsRead,
        Method::Get,
        "/v2/datasets/{datasetId}/statistics",
        &[],
        Reply::Json(DATASET_STATISTICS_REPLY),
    ),
    // Key-value stores: Read
    route(
        Grant::KeyValueStoresRead,
        Method::Get,
        "/v2/key-value-stores",
        STORAGE_LIST,
        Reply::Json(STORE_LIST_REPLY),
    ),
    route(
        Grant::KeyValueStoresRead,
        Method::Get,
        "/v2/key-value-stores/{storeId}",
        &[],
        Reply::Json(STORE_REPLY),
    ),
    route(
        Grant::KeyValueStoresRead,
        Method::Get,
        "/v2/key-value-stores/{storeId}/keys",
        &["exclusiveStartKey", "limit", "prefix"],
        Reply::Json(KEY_LIST_REPLY),
    ),
    // Record reads are confined to what Forge reads: the `SIGNALS` record (in a run's default
    // store) and the records of Forge's own store. `INPUT` (where people keep logins and API keys
    // for their scrapers), `OUTPUT` and every other record are refused. `attachment` is sent by
    // Apify's official client on every record read; it only sets Content-Disposition.
    route(
        Grant::KeyValueStoresRead,
        Method::Get,
        "/v2/key-value-stores/{storeId}/records/SIGNALS",
        &["attachment"],
        Reply::Record,
    ),
    route(
        Grant::KeyValueStoresRead,
        Method::Get,
        "/v2/key-value-stores/~forge-trends/records/{key}",
        &["attachment"],
        Reply::Record,
    ),
    // Key-value stores: Write — confined to Forge's own named store.
    Route {
        grant: Grant::KeyValueStoresWrite,
        method: Method::Post,
        template: "/v2/key-value-stores",
        query: &["name"],
        required_query: &["name"],
        reply: Reply::Json(STORE_REPLY),
    },
    route(
        Grant::KeyValueStoresWrite,
        Method::Put,
        "/v2/key-value-stores/~forge-trends/records/{key}",
        &[],
        Reply::Empty,
    ),
];

const fn route(
    grant: Grant,
    method: Method,
    template: &'static str,
    query: &'static [&'static str],
    reply: Reply,
) -> Route {
    Route {
        grant,
        method,
        template,
        query,
        required_query: &[],
        reply,
    }
}

/// Query keys refused on every route that does not list them, named as such in the refusal:
/// Apify's method override, token-in-URL authentication, run-start parameters that reach
/// outside the five scopes, and `waitForFinish` (only a run read may wait).
pub const DANGEROUS_QUERY_KEYS: &[&str] = &[
    "method",
    "token",
    "webhooks",
    "forcePermissionLevel",
    "waitForFinish",
];

/// Largest page size forwarded; larger `limit` values are clamped ([`limits::MAX_PAGE_LIMIT`]).
pub const MAX_LIMIT: u64 = limits::MAX_PAGE_LIMIT;
/// Longest `waitForFinish` forwarded, in seconds (Apify's own maximum); larger values are clamped.
pub use crate::limits::MAX_WAIT_FOR_FINISH_SECS;
/// The one record key Forge reads outside its own store.
pub const SIGNALS_KEY: &str = "SIGNALS";
/// Longest path segment accepted (Apify record keys are at most 256 characters).
pub const MAX_SEGMENT_LEN: usize = 256;
/// Longest request target accepted at all.
pub const MAX_TARGET_LEN: usize = 2048;

/// Why a request was refused. Each has a stable [`Refusal::code`] for logs and metrics, and a
/// message that never echoes client input that could hold a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The path matches no row.
    UnknownRoute,
    /// `GET /v2/users/me` holds the e-mail and proxy password; the relay reads it itself.
    UsersMe,
    /// The path is a known route, but not with this method.
    MethodNotAllowed {
        method: String,
        template: &'static str,
        allowed: Vec<Method>,
    },
    /// Writes go only to the `forge-trends` store.
    WriteOutsideForgeStore,
    /// Records other than `SIGNALS` are read only from the `forge-trends` store.
    RecordNotRead,
    /// The raw path holds something the matcher refuses rather than normalises.
    BadPath(PathProblem),
    /// A parameter segment does not have the shape of its kind (id, `user~name`, record key).
    BadSegment {
        param: &'static str,
    },
    /// A query key from [`DANGEROUS_QUERY_KEYS`] (any letter case).
    DangerousQueryKey(&'static str),
    /// A query key not allowed on this route.
    ForbiddenQueryKey {
        key: Option<String>,
        template: &'static str,
    },
    RepeatedQueryKey(&'static str),
    MissingQueryKey(&'static str),
    BadQueryValue(&'static str),
    /// The query string itself is malformed (empty pair, bad key, bad escape).
    MalformedQuery,
}

/// What is wrong with a raw path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathProblem {
    NotAbsolute,
    TooLong,
    PercentEncoding,
    Backslash,
    Semicolon,
    Fragment,
    EmptySegment,
    DotSegment,
    BadCharacter,
}

impl PathProblem {
    const fn describe(self) -> &'static str {
        match self {
            PathProblem::NotAbsolute => "the path must start with /v2/",
            PathProblem::TooLong => "the request target is too long",
            PathProblem::PercentEncoding => "percent-encoding is not accepted in the path",
            PathProblem::Backslash => "backslashes are not accepted in the path",
            PathProblem::Semicolon => "';' parameters are not accepted in the path",
            PathProblem::Fragment => "'#' is not accepted in a request target",
            PathProblem::EmptySegment => {
                "empty path segments (// or a trailing /) are not accepted"
            }
            PathProblem::DotSegment => "'.' and '..' segments are not accepted",
            PathProblem::BadCharacter => "a path segment holds a character outside [A-Za-z0-9._~-]",
        }
    }
}

impl Refusal {
    /// Stable reason code, for logs and the `/metrics` refusal counter.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownRoute => "unknown-route",
            Refusal::UsersMe => "users-me",
            Refusal::MethodNotAllowed { .. } => "method-not-allowed",
            Refusal::WriteOutsideForgeStore => "write-outside-forge-store",
            Refusal::RecordNotRead => "record-not-read",
            Refusal::BadPath(_) => "bad-path",
            Refusal::BadSegment { .. } => "bad-segment",
            Refusal::DangerousQueryKey(_) => "dangerous-query-key",
            Refusal::ForbiddenQueryKey { .. } => "forbidden-query-key",
            Refusal::RepeatedQueryKey(_) => "repeated-query-key",
            Refusal::MissingQueryKey(_) => "missing-query-key",
            Refusal::BadQueryValue(_) => "bad-query-value",
            Refusal::MalformedQuery => "malformed-query",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UnknownRoute => write!(
                f,
                "this path is not one of the Apify routes Forge forwards; it is outside the five scopes (Actors, Actor runs, Actor builds, Datasets, Key-value stores)"
            ),
            Refusal::UsersMe => write!(
                f,
                "GET /v2/users/me is never forwarded: it holds your e-mail and proxy password; Forge reads only your user id and username when you connect"
            ),
            Refusal::MethodNotAllowed { method, template, allowed } => {
                let allowed: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
                let method = if method.len() <= 10 && method.bytes().all(|b| b.is_ascii_alphabetic()) {
                    method.as_str()
                } else {
                    "this method"
                };
                write!(
                    f,
                    "{method} {template} is outside the five scopes Forge uses; only {} is forwarded on this route",
                    allowed.join(", ")
                )
            }
            Refusal::WriteOutsideForgeStore => write!(
                f,
                "writes are confined to Forge's own key-value store '{FORGE_STORE_NAME}'; Forge never writes elsewhere or deletes anything"
            ),
            Refusal::RecordNotRead => write!(
                f,
                "Forge reads only the {SIGNALS_KEY} record of a run's store and the records of its own '{FORGE_STORE_NAME}' store; INPUT, OUTPUT and every other record are never forwarded"
            ),
            Refusal::BadPath(p) => write!(f, "the request path was refused: {}", p.describe()),
            Refusal::BadSegment { param } => {
                write!(f, "the {{{param}}} segment does not have the shape Apify uses for it")
            }
            Refusal::DangerousQueryKey(k) => write!(
                f,
                "the query parameter '{k}' is never forwarded: it would reach outside the five scopes"
            ),
            Refusal::ForbiddenQueryKey { key: Some(k), template } => {
                write!(f, "the query parameter '{k}' is not forwarded on {template}")
            }
            Refusal::ForbiddenQueryKey { key: None, template } => {
                write!(f, "a query parameter is not forwarded on {template}")
            }
            Refusal::RepeatedQueryKey(k) => {
                write!(f, "the query parameter '{k}' was given more than once")
            }
            Refusal::MissingQueryKey(k) => write!(f, "the query parameter '{k}' is required"),
            Refusal::BadQueryValue(k) => {
                write!(f, "the value of the query parameter '{k}' has the wrong shape")
            }
            Refusal::MalformedQuery => write!(f, "the query string is malformed"),
        }
    }
}

/// A request that matched a row of [`ALLOW_LIST`]. Its fields are private and the matcher is the
/// only constructor, so holding one proves the check ran; the forwarder accepts nothing else.
#[derive(Debug, PartialEq, Eq)]
pub struct AllowedRequest {
    route: &'static Route,
    path: String,
    query: Vec<(&'static str, String)>,
}

impl AllowedRequest {
    pub fn route(&self) -> &'static Route {
        self.route
    }

    pub fn method(&self) -> Method {
        self.route.method
    }

    pub fn grant(&self) -> Grant {
        self.route.grant
    }

    /// The canonical upstream path, rebuilt from the template and validated segments.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Validated query pairs in canonical (decoded) form, in the order received.
    pub fn query(&self) -> &[(&'static str, String)] {
        &self.query
    }

    /// The query string to send upstream: validated values, percent-encoded.
    pub fn query_string(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.query.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(k);
            out.push('=');
            percent_encode_into(v, &mut out);
        }
        out
    }

    /// What a successful answer may carry back.
    pub fn reply(&self) -> &'static Reply {
        &self.route.reply
    }

    /// How long Apify is asked to hold the answer (`waitForFinish`, already clamped), if at all.
    pub fn wait_secs(&self) -> Option<u64> {
        self.query
            .iter()
            .find(|(k, _)| *k == "waitForFinish")
            .and_then(|(_, v)| v.parse().ok())
    }

    /// `path?query` (or just `path`) for the upstream request line.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query_string())
        }
    }
}

/// Matches a raw request against the allow-list.
///
/// `raw_path` is the path *after* the relay's `/api/apify` prefix, exactly as received (still
/// percent-encoded, if it was); `raw_query` is the query string without `?`.
pub fn match_request(
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
) -> Result<AllowedRequest, Refusal> {
    let segments = split_raw_path(raw_path, raw_query)?;
    let method_parsed = Method::parse(method);

    if segments == ["v2", "users", "me"] {
        return Err(Refusal::UsersMe);
    }

    // Fast path: the row for this path and method. Diagnostics only when there is none.
    let route = ALLOW_LIST
        .iter()
        .find(|r| {
            Some(r.method) == method_parsed
                && matches!(match_template(r.template, &segments), TemplateMatch::Yes)
        })
        .ok_or_else(|| explain_miss(method, method_parsed, &segments))?;

    // Parameters: validate each against its kind and rebuild the canonical path.
    let mut path = String::with_capacity(raw_path.len());
    for (tpl, seg) in route.template.split('/').skip(1).zip(&segments) {
        path.push('/');
        if let Some(param) = tpl.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            if !param_kind(param).accepts(seg) {
                return Err(Refusal::BadSegment { param });
            }
            path.push_str(seg);
        } else {
            path.push_str(tpl);
        }
    }

    let query = match_query(route, raw_query)?;
    Ok(AllowedRequest { route, path, query })
}

/// Why no row matched: a pinned store miss, a known path with another method, or nothing.
fn explain_miss(method: &str, method_parsed: Option<Method>, segments: &[&str]) -> Refusal {
    let mut same_path = ALLOW_LIST
        .iter()
        .filter(|r| matches!(match_template(r.template, segments), TemplateMatch::Yes))
        .peekable();
    let pinned_miss = ALLOW_LIST.iter().any(|r| {
        Some(r.method) == method_parsed
            && matches!(
                match_template(r.template, segments),
                TemplateMatch::PinnedMiss
            )
    });
    if pinned_miss {
        return match method_parsed {
            Some(Method::Get) => Refusal::RecordNotRead,
            _ => Refusal::WriteOutsideForgeStore,
        };
    }
    match same_path.peek() {
        None => Refusal::UnknownRoute,
        Some(first) => Refusal::MethodNotAllowed {
            method: method.to_string(),
            template: first.template,
            allowed: same_path.map(|r| r.method).collect(),
        },
    }
}

/// Splits and checks a raw path. Refuses rather than normalises.
fn split_raw_path<'a>(raw_path: &'a str, raw_query: Option<&str>) -> Result<Vec<&'a str>, Refusal> {
    let bad = |p| Err(Refusal::BadPath(p));
    if raw_path.len() + raw_query.map_or(0, str::len) > MAX_TARGET_LEN {
        return bad(PathProblem::TooLong);
    }
    if raw_path.contains('#') || raw_query.is_some_and(|q| q.contains('#')) {
        return bad(PathProblem::Fragment);
    }
    let Some(rest) = raw_path.strip_prefix('/') else {
        return bad(PathProblem::NotAbsolute);
    };
    // Order: the specific ambiguity first, so the refusal names what the client did.
    if raw_path.contains('%') {
        return bad(PathProblem::PercentEncoding);
    }
    if raw_path.contains('\\') {
        return bad(PathProblem::Backslash);
    }
    if raw_path.contains(';') {
        return bad(PathProblem::Semicolon);
    }
    let segments: Vec<&str> = rest.split('/').collect();
    for seg in &segments {
        if seg.is_empty() {
            return bad(PathProblem::EmptySegment);
        }
        if *seg == "." || *seg == ".." {
            return bad(PathProblem::DotSegment);
        }
        if seg.len() > MAX_SEGMENT_LEN || !seg.bytes().all(is_path_byte) {
            return bad(PathProblem::BadCharacter);
        }
    }
    if segments.first() != Some(&"v2") {
        return Err(Refusal::UnknownRoute);
    }
    Ok(segments)
}

/// Bytes a raw path segment may hold: the id charset plus the extra characters of Apify's
/// record-key charset (`!'()`), which only the `{key}` parameter accepts.
fn is_path_byte(b: u8) -> bool {
    is_id_byte(b) || matches!(b, b'!' | b'\'' | b'(' | b')')
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-')
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'!' | b'-' | b'_' | b'.' | b'\'' | b'(' | b')')
}

enum TemplateMatch {
    Yes,
    /// Matches except for a pinned `~name` segment (e.g. a write to another store).
    PinnedMiss,
    No,
}

fn match_template(template: &str, segments: &[&str]) -> TemplateMatch {
    let mut tpl = template.split('/').skip(1);
    let mut pinned_miss = false;
    for (i, s) in segments.iter().enumerate() {
        let Some(t) = tpl.next() else {
            return TemplateMatch::No;
        };
        if t.starts_with('{') {
            continue;
        }
        let same = t == *s || (i == 1 && t == "actors" && *s == "acts");
        if !same {
            if t.starts_with('~') {
                pinned_miss = true;
            } else {
                return TemplateMatch::No;
            }
        }
    }
    match (tpl.next(), pinned_miss) {
        (Some(_), _) => TemplateMatch::No,
        (None, true) => TemplateMatch::PinnedMiss,
        (None, false) => TemplateMatch::Yes,
    }
}

#[derive(Clone, Copy)]
enum ParamKind {
    /// An Apify object id (alphanumeric).
    Id,
    /// An id, or `username~name`.
    ActorRef,
    /// An id, `~name` (the token owner's), or `username~name`.
    StorageRef,
    /// A record key in Apify's key charset.
    RecordKey,
}

fn param_kind(param: &str) -> ParamKind {
    match param {
        "actorId" => ParamKind::ActorRef,
        "datasetId" | "storeId" => ParamKind::StorageRef,
        "key" => ParamKind::RecordKey,
        _ => ParamKind::Id,
    }
}

impl ParamKind {
    fn accepts(self, seg: &str) -> bool {
        let name_part = |s: &str| {
            !s.is_empty()
                && s.len() <= 128
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                && s.as_bytes()[0].is_ascii_alphanumeric()
        };
        let id = |s: &str| {
            !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric())
        };
        match self {
            ParamKind::Id => id(seg),
            ParamKind::ActorRef => match seg.split_once('~') {
                None => id(seg),
                Some((user, name)) => name_part(user) && name_part(name),
            },
            ParamKind::StorageRef => match seg.split_once('~') {
                None => id(seg),
                Some(("", name)) => name_part(name),
                Some((user, name)) => name_part(user) && name_part(name),
            },
            ParamKind::RecordKey => {
                !seg.is_empty() && seg.len() <= MAX_SEGMENT_LEN && seg.bytes().all(is_key_byte)
            }
        }
    }
}

fn match_query(
    route: &'static Route,
    raw_query: Option<&str>,
) -> Result<Vec<(&'static str, String)>, Refusal> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let raw = raw_query.unwrap_or("");
    if !raw.is_empty() {
        for pair in raw.split('&') {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            if raw_key.is_empty()
                || raw_key.len() > 64
                || !raw_key.bytes().all(|b| b.is_ascii_alphabetic())
            {
                // Dangerous keys hidden behind escapes or odd characters are still malformed.
                return Err(Refusal::MalformedQuery);
            }
            let listed = route.query.iter().copied().find(|k| *k == raw_key);
            if let Some(d) = DANGEROUS_QUERY_KEYS
                .iter()
                .find(|d| listed.is_none() && d.eq_ignore_ascii_case(raw_key))
            {
                return Err(Refusal::DangerousQueryKey(d));
            }
            let Some(key) = listed else {
                let shown = (raw_key.len() <= 32).then(|| raw_key.to_string());
                return Err(Refusal::ForbiddenQueryKey {
                    key: shown,
                    template: route.template,
                });
            };
            if out.iter().any(|(k, _)| *k == key) {
                return Err(Refusal::RepeatedQueryKey(key));
            }
            let decoded = percent_decode(raw_value).ok_or(Refusal::MalformedQuery)?;
            let value = canonical_value(key, &decoded)?;
            out.push((key, value));
        }
    }
    for required in route.required_query {
        if !out.iter().any(|(k, _)| k == required) {
            return Err(Refusal::MissingQueryKey(required));
        }
    }
    Ok(out)
}

/// Apify's run statuses, as the `status` filter accepts them.
pub const RUN_STATUSES: &[&str] = &[
    "READY",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "TIMING-OUT",
    "TIMED-OUT",
    "ABORTING",
    "ABORTED",
];
const RUN_ORIGINS: &[&str] = &[
    "DEVELOPMENT",
    "WEB",
    "API",
    "SCHEDULER",
    "TEST",
    "WEBHOOK",
    "ACTOR",
    "CLI",
    "STANDBY",
    "CI",
    "MCP",
];

/// Validates a decoded query value for its key and returns its canonical form.
fn canonical_value(key: &'static str, v: &str) -> Result<String, Refusal> {
    let bad = Err(Refusal::BadQueryValue(key));
    let uint = |v: &str| -> Option<u64> {
        if v.is_empty() || v.len() > 12 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        v.parse().ok()
    };
    match key {
        "limit" => match uint(v) {
            Some(n) => Ok(n.min(limits::MAX_PAGE_LIMIT).to_string()),
            None => bad,
        },
        "waitForFinish" => match uint(v) {
            Some(n) => Ok(n.min(MAX_WAIT_FOR_FINISH_SECS).to_string()),
            None => bad,
        },
        "offset" | "timeout" | "memory" | "maxItems" => match uint(v) {
            Some(n) => Ok(n.to_string()),
            None => bad,
        },
        "desc" | "my" | "unnamed" | "attachment" => match v {
            "1" | "true" => Ok("1".into()),
            "0" | "false" => Ok("0".into()),
            _ => bad,
        },
        "sortBy" => {
            one_of(v, &["createdAt", "stats.lastRunStartedAt"]).ok_or(Refusal::BadQueryValue(key))
        }
        "ownership" => one_of(v, &["ownedByMe", "sharedWithMe"]).ok_or(Refusal::BadQueryValue(key)),
        "status" => comma_list_of(v, RUN_STATUSES).ok_or(Refusal::BadQueryValue(key)),
        "origin" => one_of(v, RUN_ORIGINS).ok_or(Refusal::BadQueryValue(key)),
        "startedAfter" | "startedBefore" => {
            let ok = (4..=40).contains(&v.len())
                && v.as_bytes()[..4].iter().all(u8::is_ascii_digit)
                && v.bytes().all(|b| {
                    b.is_ascii_digit() || matches!(b, b'-' | b':' | b'.' | b'T' | b'Z' | b'+')
                });
            if ok {
                Ok(v.to_string())
            } else {
                bad
            }
        }
        "maxTotalChargeUsd" => {
            let ok = !v.is_empty()
                && v.len() <= 16
                && v.split_once('.').map_or(uint(v).is_some(), |(a, b)| {
                    uint(a).is_some() && !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit())
                });
            if ok {
                Ok(v.to_string())
            } else {
                bad
            }
        }
        "build" => {
            if crate::limits::is_build_ref(v) {
                Ok(v.to_string())
            } else {
                bad
            }
        }
        "exclusiveStartKey" | "prefix" => {
            if !v.is_empty() && v.len() <= MAX_SEGMENT_LEN && v.bytes().all(is_key_byte) {
                Ok(v.to_string())
            } else {
                bad
            }
        }
        "name" => {
            if v == FORGE_STORE_NAME {
                Ok(v.to_string())
            } else {
                Err(Refusal::WriteOutsideForgeStore)
            }
        }
        // Every key in the table has a rule above; a key without one is refused, never passed.
        _ => bad,
    }
}

fn one_of(v: &str, set: &[&str]) -> Option<String> {
    set.contains(&v).then(|| v.to_string())
}

fn comma_list_of(v: &str, set: &[&str]) -> Option<String> {
    let items: Vec<&str> = v.split(',').collect();
    (items.len() <= set.len() && items.iter().all(|i| set.contains(i))).then(|| v.to_string())
}

/// Strict percent-decoding: `%XX` with hex digits only, `+` stays `+` (it is validated per key,
/// never turned into a space), and the result must be printable ASCII.
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let s = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(s, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    if !out.iter().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    String::from_utf8(out).ok()
}

pub(crate) fn percent_encode_into(v: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in v.bytes() {
        if is_id_byte(b) {
            out.push(b as char);
        } else {
            out.extend([
                '%',
                HEX[(b >> 4) as usize] as char,
                HEX[(b & 15) as usize] as char,
            ]);
        }
    }
}

#[cfg(test)]
mod tests;
