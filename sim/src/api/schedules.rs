//! Schedules (a dangerous neighbour: a schedule runs Actors unattended): the list, creating
//! one, and how a schedule renders.

use super::ctx::Ctx;
use super::error::{bad, Res};
use super::lookup::{actor_idx, valid_name};
use super::pagination::paginate;
use super::reply::Reply;
use crate::entities::Schedule;
use crate::state::State;
use crate::time::iso;
use axum::http::{header, StatusCode};
use forge_apify::ErrorKind;
use serde_json::{json, Value};

/// `GET /v2/schedules`.
pub fn list(st: &State, c: &Ctx) -> Res {
    let items: Vec<&Schedule> = st.schedules.iter().collect();
    paginate(c.query, items, |s| schedule_json(s, true))
}

/// `POST /v2/schedules`.
pub fn create(st: &mut State, c: &Ctx) -> Res {
    let body = c.json_object_body()?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(ErrorKind::InvalidInput, "name is required"))?
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
            .ok_or_else(|| bad(ErrorKind::InvalidInput, "Each action needs an actorId"))?;
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
    let json = schedule_json(&s, false);
    st.schedules.push(s);
    Ok(Reply::data(StatusCode::CREATED, json)
        .with_header(header::LOCATION, format!("{}/v2/schedules/{id}", c.base())))
}

// ------------------------------------------------------------------------- rendering

pub fn schedule_json(s: &Schedule, list_item: bool) -> Value {
    let actions: Vec<Value> = s
        .actions
        .iter()
        .map(|(id, actor)| {
            if list_item {
                json!({"id": id, "type": "RUN_ACTOR", "actorId": actor})
            } else {
                json!({"id": id, "type": "RUN_ACTOR", "actorId": actor, "runInput": null, "runOptions": null})
            }
        })
        .collect();
    let mut v = json!({
        "id": s.id,
        "userId": s.user_id,
        "name": s.name,
        "cronExpression": s.cron,
        "timezone": "UTC",
        "isEnabled": s.is_enabled,
        "isExclusive": false,
        "createdAt": iso(s.created_at),
        "modifiedAt": iso(s.modified_at),
        "nextRunAt": s.next_run_at.map(iso),
        "lastRunAt": s.last_run_at.map(iso),
        "actions": actions,
    });
    if !list_item {
        v["description"] = json!(s.description);
        v["title"] = json!(null);
        v["notifications"] = json!({"email": false});
    }
    v
}
