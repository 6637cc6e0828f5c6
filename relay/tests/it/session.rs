//! Connecting, reading and ending a session; opaque failures; CSRF and CORS.

use crate::common::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use forge_relay::config::Mode;

fn connect_body(token: &str) -> String {
    serde_json::json!({ "token": token }).to_string()
}

#[tokio::test]
async fn connect_seals_sets_the_cookie_and_reads_back() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let res = relay
        .send(
            RawRequest::new("POST", "/api/session")
                .client()
                .header("Content-Type", "application/json")
                .body(connect_body(TOKEN)),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let v: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(
        (v["mode"].as_str(), v["username"].as_str()),
        (Some("sealed"), Some("forge-demo"))
    );
    assert!(v["userId"].as_str().is_some_and(|id| id.len() == 17), "{v}");
    assert!(v["sealedAt"].as_str().unwrap().ends_with('Z') && v["expiresAt"].is_string());
    assert!(
        v.get("sealed").is_none(),
        "sealed value in the body without deliver=body"
    );
    assert!(!res.body.contains("@") && !res.body.contains("password"));
    let cookie = res.header("set-cookie").unwrap().to_string();
    for attr in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api",
        "Max-Age=7776000",
    ] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let sealed = cookie
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("forge_session=")
        .unwrap()
        .to_string();
    assert!(sealed.starts_with("forge1.") && !sealed.contains(TOKEN));
    // The relay asked Apify who this is, with the token, once.
    let seen = stub.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("GET", "/v2/users/me")
    );

    let res = relay
        .send(
            RawRequest::new("GET", "/api/session")
                .client()
                .header("Cookie", format!("forge_session={sealed}")),
        )
        .await;
    assert_eq!(res.status, 200);
    let back: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(back["username"], "forge-demo");
    assert_eq!(back["expiresAt"], v["expiresAt"]);

    let res = relay
        .send(
            RawRequest::new("DELETE", "/api/session")
                .client()
                .header("Origin", "http://{HOST}"),
        )
        .await;
    assert_eq!(res.status, 204);
    assert!(res.header("set-cookie").unwrap().contains("Max-Age=0"));
}

#[tokio::test]
async fn deliver_body_returns_a_sealed_value_for_command_line_clients() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let body = serde_json::json!({"token": TOKEN, "deliver": "body"}).to_string();
    let res = relay
        .send(RawRequest::new("POST", "/api/session").client().body(body))
        .await;
    assert_eq!(res.status, 201);
    let v: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let sealed = v["sealed"].as_str().unwrap();
    let res = relay
        .send(
            RawRequest::new("GET", "/api/apify/v2/actors")
                .header("Authorization", format!("Bearer {sealed}")),
        )
        .await;
    assert_eq!(res.status, 200);
}

#[tokio::test]
async fn bad_tokens_get_a_reason_and_send_nothing() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    for (token, phrase) in [
        (format!("{TOKEN} "), "Remove the trailing space"),
        (format!(" {TOKEN}"), "Remove the space at the start"),
        (
            "apify_xyz_TESTtokenABCDEFGHIJKLMNOPQRSTUVWXYZ0".to_string(),
            "Tokens start with apify_api_",
        ),
        (TOKEN[..40].to_string(), "this one has 40"),
        (
            "apify_api_TESTtokenABCDEFGHIJKLMNOPQRSTUVWXYZ$".to_string(),
            "characters",
        ),
        (String::new(), "Paste your Apify API token"),
    ] {
        let res = relay
            .send(
                RawRequest::new("POST", "/api/session")
                    .client()
                    .body(connect_body(&token)),
            )
            .await;
        assert_eq!(
            (res.status, res.error_type().as_str()),
            (400, "forge-bad-token"),
            "{token:?}"
        );
        assert!(res.body.contains(phrase), "{}", res.body);
        assert!(
            !res.body.contains("TESTtoken") && !res.body.contains(&TOKEN[10..30]),
            "the token was echoed: {}",
            res.body
        );
    }
    for body in [
        "not json",
        r#"{"tok":"x"}"#,
        r#"{"token":"x","extra":1}"#,
        r#"{"token":1}"#,
    ] {
        let res = relay
            .send(RawRequest::new("POST", "/api/session").client().body(body))
            .await;
        assert_eq!(res.status, 400, "{body}");
    }
    let res = relay
        .send(
            RawRequest::new("POST", "/api/session")
                .client()
                .body(vec![b' '; 5000]),
        )
        .await;
    assert_eq!(res.status, 413);
    assert_eq!(stub.count(), 0);
}

#[tokio::test]
async fn apify_rejection_and_unreachable_upstream() {
    let stub = Stub::start().await;
    let relay_ = relay(Mode::Serve, &stub, |_| {}).await;
    let res = relay_
        .send(
            RawRequest::new("POST", "/api/session")
                .client()
                .body(connect_body(UNKNOWN_TOKEN)),
        )
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (401, "forge-token-rejected")
    );
    assert!(res.body.contains("copy the whole token again"));
    assert!(res.header("set-cookie").is_none());

    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = dead.local_addr().unwrap();
    drop(dead);
    let relay_ = relay(Mode::Serve, &stub, |a| {
        a.upstream = format!("http://{addr}")
    })
    .await;
    let res = relay_
        .send(
            RawRequest::new("POST", "/api/session")
                .client()
                .body(connect_body(TOKEN)),
        )
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (502, "forge-upstream-unreachable")
    );
}

/// Every way a sealed value can be wrong gets the same status and byte-identical body.
#[tokio::test]
async fn every_unseal_failure_is_one_opaque_401() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let good = sealed();
    let raw = URL_SAFE_NO_PAD.decode(&good["forge1.".len()..]).unwrap();
    let mut bad: Vec<String> = Vec::new();
    for byte in 0..raw.len() {
        for bit in 0..8 {
            let mut flipped = raw.clone();
            flipped[byte] ^= 1 << bit;
            bad.push(format!("forge1.{}", URL_SAFE_NO_PAD.encode(&flipped)));
        }
    }
    let mut wrong_version = raw.clone();
    wrong_version[0] = 9;
    bad.push(format!("forge1.{}", URL_SAFE_NO_PAD.encode(&wrong_version)));
    bad.push(good[..good.len() / 2].to_string()); // truncated
    bad.push(sealed_with(TOKEN, -7200, 3600)); // expired
    bad.push(format!("forge2.{}", &good["forge1.".len()..]));
    bad.push("forge1.".to_string());
    bad.push("forge1.!!!!".to_string());
    // Sealed under a key this relay does not have (removed from the keyring).
    let other = forge_relay::seal::Keyring::parse("7:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=")
        .unwrap();
    let session = forge_relay::seal::SessionSecret {
        token: TOKEN.to_string().into(),
        user_id: "u1".into(),
        username: "ana".into(),
        retention_days: None,
    };
    let now = forge_relay::now_unix();
    bad.push(other.seal(&session, now, now + 60).unwrap());

    let mut bodies = std::collections::HashSet::new();
    for (i, value) in bad.iter().enumerate() {
        let (target, req) = if i % 2 == 0 {
            (
                "/api/apify/v2/actors",
                RawRequest::new("GET", "/api/apify/v2/actors")
                    .header("Authorization", format!("Bearer {value}")),
            )
        } else {
            (
                "/api/session",
                RawRequest::new("GET", "/api/session")
                    .client()
                    .header("Cookie", format!("forge_session={value}")),
            )
        };
        let res = relay.send(req).await;
        assert_eq!(res.status, 401, "{target} case {i}");
        bodies.insert(res.body);
    }
    assert_eq!(
        bodies.len(),
        1,
        "unseal failures are distinguishable: {bodies:?}"
    );
    assert!(bodies
        .iter()
        .next()
        .unwrap()
        .contains("forge-session-invalid"));
    assert_eq!(stub.count(), 0);
}

#[tokio::test]
async fn no_session_is_missing_and_raw_tokens_are_refused() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let res = relay
        .send(RawRequest::new("GET", "/api/session").client())
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (401, "forge-session-missing")
    );
    let res = relay
        .send(
            RawRequest::new("GET", "/api/apify/v2/actors")
                .header("Authorization", format!("Bearer {TOKEN}")),
        )
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (401, "forge-raw-token-refused")
    );
    assert!(!res.body.contains(TOKEN));
    assert_eq!(stub.count(), 0);
}

#[tokio::test]
async fn csrf_cookie_requests_need_the_client_header_and_a_good_origin() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |a| {
        a.allowed_origins = vec!["https://app.forge.example".into()]
    })
    .await;
    let cookie = format!("forge_session={}", sealed());
    // No custom header: refused, even for a GET.
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actors").header("Cookie", cookie.clone()))
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (403, "forge-client-header-missing")
    );
    // Unsafe method from another origin, or with no origin at all: refused.
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let mut req = RawRequest::new(
            "POST",
            "/api/apify/v2/actors/forge-demo~healthy-workhorse/runs",
        )
        .client()
        .header("Cookie", cookie.clone())
        .body("{}");
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        let res = relay.send(req).await;
        assert_eq!(
            (res.status, res.error_type().as_str()),
            (403, "forge-origin-not-allowed"),
            "{origin:?}"
        );
    }
    // A GET that a cross-site page managed to send with the header is refused by its Origin.
    let res = relay
        .send(
            RawRequest::new("GET", "/api/apify/v2/actors")
                .client()
                .header("Origin", "https://evil.example")
                .header("Cookie", cookie.clone()),
        )
        .await;
    assert_eq!(res.status, 403);
    // Connecting from another site is refused too (login CSRF).
    let res = relay
        .send(
            RawRequest::new("POST", "/api/session")
                .client()
                .header("Origin", "https://evil.example")
                .body(connect_body(TOKEN)),
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(stub.count(), 0);

    // Preflights: the allowed origin gets CORS headers, any other a 403.
    let res = relay
        .send(
            RawRequest::new(
                "OPTIONS",
                "/api/apify/v2/actors/forge-demo~healthy-workhorse/runs",
            )
            .header("Origin", "https://app.forge.example")
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "x-forge-client, content-type",
            ),
        )
        .await;
    assert_eq!(res.status, 204);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.forge.example")
    );
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
    let res = relay
        .send(
            RawRequest::new("OPTIONS", "/api/apify/v2/actors")
                .header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "GET"),
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(res.header("access-control-allow-origin"), None);
    // The allowed origin's real request works and is labelled for the browser.
    let res = relay
        .send(
            RawRequest::new(
                "POST",
                "/api/apify/v2/actors/forge-demo~healthy-workhorse/runs",
            )
            .client()
            .header("Origin", "https://app.forge.example")
            .header("Cookie", cookie)
            .header("Content-Type", "application/json")
            .body("{}"),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.forge.example")
    );
    assert_eq!(stub.count(), 1);
}

#[tokio::test]
async fn unknown_api_paths_answer_in_the_envelope() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let res = relay
        .send(RawRequest::new("GET", "/api/nope").client())
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (404, "forge-not-found")
    );
    assert_eq!(res.header("cache-control"), Some("no-store"));
}
