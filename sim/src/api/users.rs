//! `GET /v2/users/me`: never forwarded by the relay (it holds the e-mail and the proxy
//! password); any valid token may read it here, as on Apify.

use super::ctx::Ctx;
use super::error::Res;
use super::reply::Reply;
use crate::state::State;
use crate::time::iso;
use crate::tokens::DemoToken;
use axum::http::StatusCode;
use serde_json::{json, Value};

/// `GET /v2/users/me`.
pub fn me(st: &State, c: &Ctx) -> Res {
    Ok(Reply::data(StatusCode::OK, me_json(st, c.token)))
}

/// What `GET /v2/users/me` answers for `token`.
///
/// ASSUMPTION (not documented by Apify): a full-access token sees the private view — `email`,
/// `profile` and `proxy` (with the proxy **password**) — while a scoped token sees only the
/// public part: `id`, `username` and `plan`, plus `isPaying` and `effectivePlatformFeatures`,
/// which the OpenAPI schema (`UserPrivateInfo`) marks as required and which hold no secret.
/// The relay must never forward this route either way (DESIGN §4).
fn me_json(st: &State, token: &DemoToken) -> Value {
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
        "dataRetentionDays": st.opts.retention_days,
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
