//! Actor tasks (a dangerous neighbour: saved inputs and a way to run Actors): the list,
//! creating one, and how a task renders.

use super::ctx::Ctx;
use super::error::{bad, err, Res};
use super::lookup::{actor_idx, valid_name};
use super::pagination::paginate;
use super::reply::Reply;
use crate::entities::Task;
use crate::state::State;
use crate::time::iso;
use axum::http::{header, StatusCode};
use forge_apify::ErrorKind;
use serde_json::{json, Value};

/// `GET /v2/actor-tasks`.
pub fn list(st: &State, c: &Ctx) -> Res {
    let items: Vec<&Task> = st.tasks.iter().collect();
    paginate(c.query, items, |t| task_json(st, t, true))
}

/// `POST /v2/actor-tasks`.
pub fn create(st: &mut State, c: &Ctx) -> Res {
    let body = c.json_object_body()?;
    let act = body
        .get("actId")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(ErrorKind::InvalidInput, "actId is required"))?;
    let ai = actor_idx(st, act)?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(ErrorKind::InvalidInput, "name is required"))?
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
    let json = task_json(st, &t, false);
    st.tasks.push(t);
    Ok(Reply::data(StatusCode::CREATED, json).with_header(
        header::LOCATION,
        format!("{}/v2/actor-tasks/{id}", c.base()),
    ))
}

// ------------------------------------------------------------------------- rendering

pub fn task_json(st: &State, t: &Task, list_item: bool) -> Value {
    let actor = st.actors.iter().find(|a| a.id == t.act_id);
    let runs = 0;
    let mut v = json!({
        "id": t.id,
        "userId": t.user_id,
        "actId": t.act_id,
        "name": t.name,
        "username": st.user.username,
        "createdAt": iso(t.created_at),
        "modifiedAt": iso(t.modified_at),
        "stats": {"totalRuns": runs},
    });
    if list_item {
        v["actName"] = json!(actor.map(|a| a.name.clone()));
        v["actUsername"] = json!(actor.map(|a| a.username.clone()));
    } else {
        v["options"] = json!({
            "build": "latest",
            "memoryMbytes": t.memory_mb,
            "timeoutSecs": t.timeout_secs,
        });
        v["input"] = t.input.clone().unwrap_or(Value::Null);
    }
    v
}
