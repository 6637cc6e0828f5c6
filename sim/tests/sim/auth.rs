//! Authentication and grants: missing and unknown tokens, `?token=`, and what each demo token
//! may do on representative routes (403 `insufficient-permissions` where a grant is missing).

use crate::common::*;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn missing_token_is_401_token_not_provided() {
    let sim = sim();
    let r = req("GET", "/v2/actors").send(&sim).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_type(), "token-not-provided");
}

#[tokio::test]
async fn unknown_token_is_401_invalid_token() {
    let sim = sim();
    for t in [
        token("unknown"),
        "apify_api_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "garbage",
    ] {
        let r = req("GET", "/v2/actors").token(t).send(&sim).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{t}");
        assert_eq!(r.error_type(), "invalid-token");
        assert!(
            !String::from_utf8_lossy(&r.body).contains(t),
            "never echo the token"
        );
    }
    let r = req("GET", "/v2/actors")
        .header("authorization", &format!("Basic {}", scoped()))
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn query_token_authenticates_like_the_header() {
    let sim = sim();
    let r = req("GET", &format!("/v2/actors?token={}", scoped()))
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.data()["total"].as_u64().unwrap() >= 24);
    // The header wins over the query parameter.
    let r = req("GET", &format!("/v2/webhooks?token={}", full()))
        .token(scoped())
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let log = sim.requests();
    assert_eq!(log[0].token().as_deref(), Some(scoped()));
}

#[tokio::test]
async fn grants_per_demo_token() {
    let sim = sim();
    let hw = actor_id(&sim, "healthy-workhorse");
    let ds = get(&sim, "/v2/datasets?limit=1").await.data()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // (method, uri, body?) and the expected status for
    // [scoped, missing-run, missing-kv-write, too-broad, full-access]
    let cases: Vec<(&str, String, Option<serde_json::Value>, [u16; 5])> = vec![
        (
            "GET",
            "/v2/actors?my=1".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/v2/actors/{hw}/runs?limit=1"),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/v2/actor-builds?limit=1".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            "POST",
            format!("/v2/actors/{hw}/runs"),
            Some(json!({})),
            [201, 403, 201, 201, 201],
        ),
        (
            "PUT",
            "/v2/key-value-stores/~forge-trends/records/probe".into(),
            Some(json!({"x": 1})),
            [201, 201, 403, 201, 201],
        ),
        (
            "POST",
            "/v2/key-value-stores?name=forge-trends".into(),
            None,
            [200, 200, 403, 200, 200],
        ),
        (
            "GET",
            "/v2/key-value-stores?limit=1".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/v2/webhooks".into(),
            None,
            [403, 403, 403, 200, 200],
        ),
        (
            "GET",
            "/v2/schedules".into(),
            None,
            [403, 403, 403, 200, 200],
        ),
        (
            "GET",
            "/v2/actor-tasks".into(),
            None,
            [403, 403, 403, 403, 200],
        ),
        (
            "PUT",
            format!("/v2/actors/{hw}"),
            Some(json!({"title": "x"})),
            [403, 403, 403, 403, 200],
        ),
        (
            "GET",
            "/v2/users/me".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            "DELETE",
            format!("/v2/datasets/{ds}"),
            None,
            [204, 404, 403, 404, 404],
        ),
    ];
    let labels = [
        "scoped",
        "missing-run",
        "missing-kv-write",
        "too-broad",
        "full-access",
    ];
    for (method, uri, body, want) in cases {
        for (label, want) in labels.iter().zip(want) {
            let mut r = req(method, &uri).token(token(label));
            if let Some(b) = &body {
                r = r.json(b);
            }
            let resp = r.send(&sim).await;
            assert_eq!(
                resp.status.as_u16(),
                want,
                "{method} {uri} with {label}: {}",
                String::from_utf8_lossy(&resp.body)
            );
            if want == 403 {
                assert_eq!(resp.error_type(), "insufficient-permissions");
                let msg = resp.json()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .to_string();
                assert!(msg.contains("permission"), "{msg}");
            }
        }
    }
}

#[tokio::test]
async fn users_me_private_fields_only_for_full_access() {
    let sim = sim();
    let scoped_me = get(&sim, "/v2/users/me").await.data();
    assert_eq!(scoped_me["username"], "forge-demo");
    assert!(scoped_me["id"].is_string() && scoped_me["plan"].is_object());
    assert!(scoped_me.get("email").is_none() && scoped_me.get("proxy").is_none());
    let full_me = req("GET", "/v2/users/me")
        .token(full())
        .send(&sim)
        .await
        .data();
    assert!(full_me["email"].as_str().unwrap().contains('@'));
    assert!(full_me["proxy"]["password"].as_str().unwrap().len() >= 20);
    assert_eq!(full_me["id"], scoped_me["id"]);
}

#[tokio::test]
async fn unknown_routes_and_methods_use_apify_errors() {
    let sim = sim();
    let r = get(&sim, "/v2/nothing-here").await;
    assert_eq!(
        (r.status.as_u16(), r.error_type().as_str()),
        (404, "page-not-found")
    );
    let r = req("DELETE", "/v2/actors").token(scoped()).send(&sim).await;
    assert_eq!(
        (r.status.as_u16(), r.error_type().as_str()),
        (405, "method-not-allowed")
    );
    let r = get(&sim, "/v2/actors/nOsUcHaCtOr123456").await;
    assert_eq!(
        (r.status.as_u16(), r.error_type().as_str()),
        (404, "actor-not-found")
    );
    let r = get(&sim, "/v2/actor-runs/nOsUcHrUn12345678").await;
    assert_eq!(
        (r.status.as_u16(), r.error_type().as_str()),
        (404, "record-not-found")
    );
    let r = get(&sim, "/v2/actor-builds/nOsUcHbUiLd123456").await;
    assert_eq!(
        (r.status.as_u16(), r.error_type().as_str()),
        (404, "build-not-found")
    );
    let r = get(&sim, "/v2/key-value-stores/~forge-trends/records/nope").await;
    assert_eq!(
        (r.status.as_u16(), r.error_type().as_str()),
        (404, "record-not-found")
    );
    let r = get(&sim, "/v2/datasets/~no-such-dataset").await;
    assert_eq!(
        (r.status.as_u16(), r.error_type().as_str()),
        (404, "record-not-found")
    );
}

#[tokio::test]
async fn request_log_records_everything_including_refusals() {
    let sim = sim();
    req("GET", "/v2/actors").send(&sim).await; // 401
    req("GET", "/v2/webhooks").token(scoped()).send(&sim).await; // 403
    get(&sim, "/v2/nothing").await; // 404
    req("POST", "/v2/key-value-stores/~forge-trends/records/k?x=1")
        .token(scoped())
        .body("text/plain", b"hello".to_vec())
        .send(&sim)
        .await;
    let log = sim.requests();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0].header("authorization"), None);
    assert_eq!(
        log[1].header("authorization"),
        Some(format!("Bearer {}", scoped()).as_str())
    );
    assert_eq!(log[3].method, "POST");
    assert_eq!(log[3].path, "/v2/key-value-stores/~forge-trends/records/k");
    assert_eq!(log[3].query.as_deref(), Some("x=1"));
    assert_eq!(log[3].body_len, 5);
    assert!(log[3].timestamp_ms >= NOW * 1000);

    // The same log over HTTP; the control routes are not logged themselves.
    let r = req("GET", "/__sim/requests").send(&sim).await;
    let json = r.json();
    assert_eq!(json.as_array().unwrap().len(), 4);
    assert_eq!(json[3]["bodyLen"], 5);
    assert_eq!(
        json[3]["path"],
        "/v2/key-value-stores/~forge-trends/records/k"
    );
    let r = req("DELETE", "/__sim/requests").send(&sim).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(sim.requests().is_empty());
    sim.clear_requests();
}
