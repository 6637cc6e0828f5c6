//! Builds: an Actor's builds, the account's builds, one build — and how a build renders
//! (`Build`, `BuildShort`).

use super::ctx::Ctx;
use super::error::{not_found, Res};
use super::lookup::actor_idx;
use super::pagination::{sorted_page, PageAsk};
use super::reply::Reply;
use crate::entities::{Build, MIB};
use crate::fleet::{API_CLIENT_UA, BROWSER_UA};
use crate::rng::hash_str;
use crate::source;
use crate::state::State;
use crate::time::iso;
use crate::usage::{r6, CU_USD};
use axum::http::StatusCode;
use forge_apify::ErrorKind;
use serde_json::{json, Value};

/// `GET /v2/actors/{actorId}/builds`.
pub fn of_actor(st: &State, c: &Ctx) -> Res {
    let i = actor_idx(st, &c.params[0])?;
    builds_page(st, c, &st.actors[i].builds)
}

/// `GET /v2/actor-builds`: the account's builds (those of its own Actors).
pub fn list(st: &State, c: &Ctx) -> Res {
    builds_page(st, c, &st.own_builds)
}

/// A page of `builds` (indices, by `startedAt`).
fn builds_page(st: &State, c: &Ctx, builds: &[u32]) -> Res {
    let ask = PageAsk::of(c.query)?;
    let key = |b: u32| (st.builds[b as usize].started_at, b);
    let page = sorted_page(ask, &[builds], key, |b| {
        build_short_json(&st.builds[b as usize])
    });
    Ok(Reply::data_of(StatusCode::OK, &page))
}

/// `GET /v2/actor-builds/{buildId}`.
pub fn get(st: &State, c: &Ctx) -> Res {
    let b = st
        .build_ids
        .get(&c.params[0])
        .map(|&i| &st.builds[i as usize])
        .ok_or_else(|| not_found(ErrorKind::BuildNotFound, "Actor build"))?;
    Ok(Reply::data(StatusCode::OK, build_json(st, b)))
}

// ------------------------------------------------------------------------- rendering

/// `meta` of a build (`BuildsMeta`): where it was started from.
fn build_meta(b: &Build) -> Value {
    let h = hash_str(&b.id);
    let (ip, ua) = match b.origin {
        "WEB" => (format!("198.51.100.{}", 2 + h % 248), BROWSER_UA),
        "CI" => (
            format!("192.0.2.{}", 2 + h % 248),
            "apify-cli/0.21.1 (linux; Node/v20.18.0); isCI/true",
        ),
        _ => (format!("203.0.113.{}", 2 + h % 248), API_CLIENT_UA),
    };
    json!({"origin": b.origin, "clientIp": ip, "userAgent": ua})
}

pub fn build_short_json(b: &Build) -> Value {
    let cu = b.memory_mb as f64 / 1024.0 * b.duration_ms as f64 / 3_600_000.0;
    json!({
        "id": b.id,
        "actId": b.act_id,
        "userId": b.user_id,
        "status": "SUCCEEDED",
        "startedAt": iso(b.started_at),
        "finishedAt": iso(b.finished_at()),
        "usageTotalUsd": r6(cu * CU_USD),
        "buildNumber": b.number,
        "buildNumberInt": b.number_int,
        "meta": build_meta(b),
    })
}

pub fn build_json(st: &State, b: &Build) -> Value {
    let cu = b.memory_mb as f64 / 1024.0 * b.duration_ms as f64 / 3_600_000.0;
    let version = b.number.rsplit_once('.').map_or("0.0", |(v, _)| v);
    let actor = st.actor_of(&b.act_id);
    let legacy = actor.is_none_or(|a| a.legacy);
    let of = actor.map_or(source::SchemaOf::Older, |a| source::schema_of(st, a, &b.id));
    let image_bytes = (!legacy).then(|| {
        let h = hash_str(&b.id);
        (180 + h % 700) * MIB + h % MIB
    });
    json!({
        "id": b.id,
        "actId": b.act_id,
        "userId": b.user_id,
        "startedAt": iso(b.started_at),
        "finishedAt": iso(b.finished_at()),
        "status": "SUCCEEDED",
        "meta": build_meta(b),
        "stats": {
            "durationMillis": b.duration_ms,
            "runTimeSecs": r6(b.duration_ms as f64 / 1000.0),
            "computeUnits": r6(cu),
            "imageSizeBytes": image_bytes,
        },
        "options": {
            "useCache": true,
            "betaPackages": false,
            "memoryMbytes": b.memory_mb,
            "diskMbytes": b.memory_mb * 2,
        },
        "usage": {"ACTOR_COMPUTE_UNITS": r6(cu)},
        "usageTotalUsd": r6(cu * CU_USD),
        "usageUsd": {"ACTOR_COMPUTE_UNITS": r6(cu * CU_USD)},
        "inputSchema": actor
            .filter(|a| !a.legacy)
            .and_then(|a| serde_json::to_string_pretty(&source::input_schema(a, of)).ok()),
        "readme": actor.map(source::readme),
        "buildNumber": b.number,
        "buildNumberInt": b.number_int,
        "actVersion": match actor {
            Some(a) => source::act_version_json(a, version),
            None => json!({"versionNumber": version, "sourceType": "SOURCE_FILES", "buildTag": "latest"}),
        },
        "actorDefinition": actor.map_or(Value::Null, |a| source::actor_definition(a, version, &b.number, of)),
    })
}

/// `buildNumberInt`: `x.y.n` as one integer (what the generator gives builds).
pub fn build_number_int(number: &str) -> u64 {
    let mut parts = number.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    let (major, minor, n) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    major * 1_000_000 + minor * 10_000 + n
}
