//! Webhooks (a dangerous neighbour: a webhook can send every run's data anywhere): the list,
//! creating one, and how a webhook renders.

use super::ctx::Ctx;
use super::error::{bad, Res};
use super::pagination::paginate;
use super::reply::Reply;
use crate::entities::Webhook;
use crate::state::State;
use crate::time::iso;
use axum::http::{header, StatusCode};
use forge_apify::ErrorKind;
use serde_json::{json, Value};

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

/// `GET /v2/webhooks`.
pub fn list(st: &State, c: &Ctx) -> Res {
    let items: Vec<&Webhook> = st.webhooks.iter().collect();
    paginate(c.query, items, |w| webhook_json(w, true))
}

/// `POST /v2/webhooks`.
pub fn create(st: &mut State, c: &Ctx) -> Res {
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
        .ok_or_else(|| {
            bad(
                ErrorKind::InvalidInput,
                "eventTypes must be a non-empty array",
            )
        })?;
    if let Some(e) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
        return Err(bad(
            ErrorKind::InvalidInput,
            format!("Unknown event type '{e}'"),
        ));
    }
    let condition = body
        .get("condition")
        .filter(|v| v.is_object())
        .cloned()
        .ok_or_else(|| bad(ErrorKind::InvalidInput, "condition must be an object"))?;
    let url = body
        .get("requestUrl")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .ok_or_else(|| bad(ErrorKind::InvalidInput, "requestUrl must be an http(s) URL"))?;
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
    let json = webhook_json(&w, false);
    st.webhooks.push(w);
    Ok(Reply::data(StatusCode::CREATED, json)
        .with_header(header::LOCATION, format!("{}/v2/webhooks/{id}", c.base())))
}

// ------------------------------------------------------------------------- rendering

pub fn webhook_json(w: &Webhook, list_item: bool) -> Value {
    let mut v = json!({
        "id": w.id,
        "createdAt": iso(w.created_at),
        "modifiedAt": iso(w.modified_at),
        "userId": w.user_id,
        "isAdHoc": w.is_ad_hoc,
        "shouldInterpolateStrings": false,
        "eventTypes": w.event_types,
        "condition": w.condition,
        "ignoreSslErrors": w.ignore_ssl_errors,
        "doNotRetry": w.do_not_retry,
        "requestUrl": w.request_url,
        "lastDispatch": null,
        "stats": {"totalDispatches": 0},
    });
    if list_item {
        v["isApifyIntegration"] = json!(false);
        v["isEnabled"] = json!(true);
        v["actionType"] = json!("HTTP_REQUEST");
    } else {
        v["payloadTemplate"] = json!(w.payload_template);
        v["headersTemplate"] = json!(null);
        v["description"] = json!(w.description);
    }
    v
}
