//! Actors: the fleet (`GET /v2/actors`), one Actor, and changing one (`PUT`, which Forge never
//! does) — and how an Actor renders (`Actor`, `ActorShort`, its stats and pricing).

use super::ctx::Ctx;
use super::error::{bad, err, Res};
use super::lookup::{actor_idx, valid_memory, valid_name};
use super::pagination::paginate;
use super::reply::Reply;
use crate::entities::{Actor, Kind};
use crate::source;
use crate::state::State;
use crate::time::iso;
use axum::http::StatusCode;
use forge_apify::ErrorKind;
use serde_json::{json, Map, Value};

/// `GET /v2/actors` (`my=1` keeps the account's own; `sortBy`).
pub fn list(st: &State, c: &Ctx) -> Res {
    let my = c.query.flag("my");
    let mut items: Vec<&Actor> = st.actors.iter().filter(|a| !my || a.own).collect();
    match c.query.get("sortBy") {
        None | Some("createdAt") => {}
        Some("stats.lastRunStartedAt") => {
            items.sort_by_key(|a| (a.last_run_started_at.unwrap_or(0), a.created_at))
        }
        Some(_) => {
            return Err(bad(
                ErrorKind::InvalidParameter,
                "sortBy must be one of: createdAt, stats.lastRunStartedAt",
            ))
        }
    }
    paginate(c.query, items, |a| actor_short_json(a))
}

/// `GET /v2/actors/{actorId}`.
pub fn get(st: &State, c: &Ctx) -> Res {
    let i = actor_idx(st, &c.params[0])?;
    Ok(Reply::data(StatusCode::OK, actor_json(st, i)))
}

/// `PUT /v2/actors/{actorId}`.
pub fn update(st: &mut State, c: &Ctx) -> Res {
    let i = actor_idx(st, &c.params[0])?;
    if !st.actors[i].own {
        return Err(err(
            StatusCode::FORBIDDEN,
            ErrorKind::InsufficientPermissions,
            "You do not have permission to update this Actor",
        ));
    }
    let body = c.json_object_body()?;
    let now = st.now_ms();
    if let Some(name) = body.get("name") {
        let name = name
            .as_str()
            .ok_or_else(|| bad(ErrorKind::InvalidValue, "name must be a string"))?;
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
    Ok(Reply::data(StatusCode::OK, actor_json(st, i)))
}

// ------------------------------------------------------------------------- rendering

pub fn actor_stats(a: &Actor) -> Value {
    let mut stats = Map::new();
    let [aborted, failed, succeeded, timed_out, total] = a.runs_30d;
    if a.own {
        stats.insert("totalBuilds".into(), json!(a.builds.len()));
        stats.insert("totalRuns".into(), json!(a.total_runs));
        stats.insert("totalUsers".into(), json!(1));
        stats.insert("totalUsers7Days".into(), json!(1));
        stats.insert("totalUsers30Days".into(), json!(1));
        stats.insert("totalUsers90Days".into(), json!(1));
        stats.insert("actorReviewCount".into(), json!(0));
        stats.insert("actorReviewRating".into(), json!(0));
        stats.insert("bookmarkCount".into(), json!(0));
    } else {
        // A public Actor from the Store: its stats are global, not this account's.
        stats.insert("totalBuilds".into(), json!(412));
        stats.insert("totalRuns".into(), json!(48_211_907u64));
        stats.insert("totalUsers".into(), json!(91_544));
        stats.insert("totalUsers7Days".into(), json!(6_210));
        stats.insert("totalUsers30Days".into(), json!(18_077));
        stats.insert("totalUsers90Days".into(), json!(37_912));
        stats.insert("actorReviewCount".into(), json!(1_287));
        stats.insert("actorReviewRating".into(), json!(4.62));
        stats.insert("bookmarkCount".into(), json!(15_420));
    }
    stats.insert("totalMetamorphs".into(), json!(0));
    if let Some(t) = a.last_run_started_at {
        stats.insert("lastRunStartedAt".into(), json!(iso(t)));
    }
    stats.insert(
        "publicActorRunStats30Days".into(),
        json!({
            "ABORTED": aborted,
            "FAILED": failed,
            "SUCCEEDED": succeeded,
            "TIMED-OUT": timed_out,
            "TOTAL": total,
        }),
    );
    Value::Object(stats)
}

/// `ActorShort` (list item).
pub fn actor_short_json(a: &Actor) -> Value {
    json!({
        "id": a.id,
        "createdAt": iso(a.created_at),
        "modifiedAt": iso(a.modified_at),
        "name": a.name,
        "username": a.username,
        "title": a.title,
        "stats": if a.short_stats_null { Value::Null } else { actor_stats(a) },
    })
}

/// `Actor` (full object) of the Actor with index `i`.
pub fn actor_json(st: &State, i: usize) -> Value {
    let a = &st.actors[i];
    let tagged = st.latest_build(i).map(|b| {
        let mut tags = json!({"latest": {
            "buildId": b.id,
            "buildNumber": b.number,
            "buildNumberInt": b.number_int,
            "finishedAt": iso(b.finished_at()),
        }});
        if a.beta_tag_null {
            tags["beta"] = Value::Null;
        }
        tags
    });
    let example = json!({
        "body": a.example_input,
        "contentType": "application/json; charset=utf-8",
    });
    let standby = (a.own && a.spec.kind != Kind::Monitor).then(|| {
        json!({
            "isEnabled": a.standby,
            "desiredRequestsPerActorRun": 3,
            "maxRequestsPerActorRun": 5,
            "idleTimeoutSecs": 300,
            "build": "latest",
            "memoryMbytes": a.memory_mb.min(1024),
            "disableStandbyFieldsOverride": false,
            "shouldPassActorInput": false,
        })
    });
    json!({
        "id": a.id,
        "userId": a.user_id,
        "name": a.name,
        "username": a.username,
        "title": a.title,
        "description": a.description,
        "restartOnError": a.restart_on_error,
        "isPublic": a.is_public,
        "actorPermissionLevel": "LIMITED_PERMISSIONS",
        "createdAt": iso(a.created_at),
        "modifiedAt": iso(a.modified_at),
        "stats": actor_stats(a),
        "versions": [source::version_json(a)],
        "pricingInfos": pricing_info(a).into_iter().collect::<Vec<_>>(),
        "defaultRunOptions": {
            "build": "latest",
            "timeoutSecs": a.timeout_secs,
            "memoryMbytes": a.memory_mb,
            "restartOnError": a.restart_on_error,
            "maxItems": null,
            "forcePermissionLevel": if a.own { Value::Null } else { json!("LIMITED_PERMISSIONS") },
        },
        "exampleRunInput": example,
        "isDeprecated": a.is_deprecated,
        "deploymentKey": source::deployment_key(a),
        "taggedBuilds": tagged,
        "actorStandby": standby,
        "readmeSummary": a.description,
        "seoTitle": if a.own { Value::Null } else { json!(a.title) },
        "seoDescription": if a.own { Value::Null } else { json!(a.description) },
        "pictureUrl": if a.own {
            Value::Null
        } else {
            json!(format!("https://apify-image-uploads-prod.s3.us-east-1.amazonaws.com/{}/{}-icon.png", a.id, a.name))
        },
        "standbyUrl": a.standby.then(|| format!("https://{}--{}.apify.actor", a.username, a.name)),
        "notice": a.notice,
        "categories": a.categories,
        "isCritical": false,
        "isGeneric": a.name == "web-scraper",
        "isSourceCodeHidden": !a.own,
        "hasNoDataset": false,
    })
}

/// `pricingInfo` of a free Actor, in effect since `since`.
pub fn free_pricing(since: u64) -> Value {
    json!({
        "pricingModel": "FREE",
        "apifyMarginPercentage": 0,
        "createdAt": iso(since),
        "startedAt": iso(since),
        "notifiedAboutFutureChangeAt": null,
        "notifiedAboutChangeAt": null,
        "reasonForChange": null,
        "isPriceChangeNotificationSuppressed": false,
        "forceContainsSignificantPriceChange": false,
    })
}

/// The Actor's pricing (`pricingInfos[]`, and a run's `pricingInfo`): none for the account's
/// own Actors, free or pay-per-event for the Store Actors.
pub fn pricing_info(a: &Actor) -> Option<Value> {
    if a.own {
        return None;
    }
    let mut p = free_pricing(a.created_at);
    if a.name == "website-content-crawler" {
        p["pricingModel"] = json!("PAY_PER_EVENT");
        p["apifyMarginPercentage"] = json!(0.2);
        p["minimalMaxTotalChargeUsd"] = json!(0.5);
        p["pricingPerEvent"] = json!({"actorChargeEvents": {
            "apify-actor-start": {
                "eventTitle": "Actor start",
                "eventDescription": "Charged once when the run starts, per GB of memory.",
                "eventPriceUsd": 0.00005,
                "isPrimaryEvent": false,
                "isOneTimeEvent": true,
            },
            "page-crawled": {
                "eventTitle": "Page crawled",
                "eventDescription": "Charged for every page stored in the dataset.",
                "eventPriceUsd": 0.001,
                "eventTieredPricingUsd": {
                    "FREE": {"tieredEventPriceUsd": 0.001},
                    "BRONZE": {"tieredEventPriceUsd": 0.0009},
                    "GOLD": {"tieredEventPriceUsd": 0.0007},
                },
                "isPrimaryEvent": true,
                "isOneTimeEvent": false,
            },
        }});
    }
    Some(p)
}
