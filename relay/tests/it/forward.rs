//! Every allowed route is forwarded exactly: upstream path and query, the Bearer header, and
//! nothing else from the client.

use crate::common::*;
use forge_relay::config::Mode;

/// (method, relay target, body, exact upstream target)
const ALLOWED: &[(&str, &str, &str, &str)] = &[
    (
        "GET",
        "/api/apify/v2/actors?my=1&limit=5000",
        "",
        "/v2/actors?my=1&limit=1000",
    ),
    (
        "GET",
        "/api/apify/v2/actors/ana~crawler",
        "",
        "/v2/actors/ana~crawler",
    ),
    (
        "POST",
        "/api/apify/v2/actors/X1/runs?memory=1024&timeout=60",
        r#"{"url":"https://example.com"}"#,
        "/v2/actors/X1/runs?memory=1024&timeout=60",
    ),
    (
        "GET",
        "/api/apify/v2/acts/X1/runs?status=FAILED,TIMED-OUT&desc=1&limit=10",
        "",
        "/v2/actors/X1/runs?status=FAILED%2CTIMED-OUT&desc=1&limit=10",
    ),
    (
        "GET",
        "/api/apify/v2/actors/X1/runs/last?status=SUCCEEDED",
        "",
        "/v2/actors/X1/runs/last?status=SUCCEEDED",
    ),
    (
        "GET",
        "/api/apify/v2/actor-runs?startedAfter=2026-11-01T00:00:00.000Z",
        "",
        "/v2/actor-runs?startedAfter=2026-11-01T00%3A00%3A00.000Z",
    ),
    (
        "GET",
        "/api/apify/v2/actor-runs/R1",
        "",
        "/v2/actor-runs/R1",
    ),
    (
        "GET",
        "/api/apify/v2/actors/X1/builds?desc=true",
        "",
        "/v2/actors/X1/builds?desc=1",
    ),
    (
        "GET",
        "/api/apify/v2/actor-builds?offset=10",
        "",
        "/v2/actor-builds?offset=10",
    ),
    (
        "GET",
        "/api/apify/v2/actor-builds/B1",
        "",
        "/v2/actor-builds/B1",
    ),
    (
        "GET",
        "/api/apify/v2/datasets?unnamed=1",
        "",
        "/v2/datasets?unnamed=1",
    ),
    ("GET", "/api/apify/v2/datasets/D1", "", "/v2/datasets/D1"),
    (
        "GET",
        "/api/apify/v2/key-value-stores?ownership=ownedByMe",
        "",
        "/v2/key-value-stores?ownership=ownedByMe",
    ),
    (
        "GET",
        "/api/apify/v2/key-value-stores/~forge-trends",
        "",
        "/v2/key-value-stores/~forge-trends",
    ),
    (
        "GET",
        "/api/apify/v2/key-value-stores/S1/keys?prefix=snap&limit=2",
        "",
        "/v2/key-value-stores/S1/keys?prefix=snap&limit=2",
    ),
    (
        "GET",
        "/api/apify/v2/key-value-stores/S1/records/SIGNALS?attachment=true",
        "",
        "/v2/key-value-stores/S1/records/SIGNALS?attachment=1",
    ),
    (
        "POST",
        "/api/apify/v2/key-value-stores?name=forge-trends",
        "",
        "/v2/key-value-stores?name=forge-trends",
    ),
    (
        "PUT",
        "/api/apify/v2/key-value-stores/~forge-trends/records/snapshot-2026-W48",
        r#"{"week":"2026-W48"}"#,
        "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W48",
    ),
];

const CLIENT_HEADERS: &[(&str, &str)] = &[
    ("Accept", "application/json"),
    ("Content-Type", "application/json"),
    ("X-Custom-Leak", "client-secret-header"),
    ("User-Agent", "leaky-client/1.0"),
    ("X-Apify-Internal", "1"),
    ("Proxy-Authorization", "Basic Zm9vOmJhcg=="),
    ("Accept-Encoding", "gzip, br"),
];

#[tokio::test]
async fn every_allowed_route_is_forwarded_exactly() {
    assert_eq!(ALLOWED.len(), forge_apify::allow::ALLOW_LIST.len());
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    for (method, target, body, upstream_target) in ALLOWED {
        stub.clear();
        let mut req = RawRequest::new(method, *target)
            .bearer()
            .body(body.as_bytes());
        for (n, v) in CLIENT_HEADERS {
            req = req.header(n, *v);
        }
        let res = relay.send(req).await;
        assert_eq!(res.status, 200, "{method} {target}: {}", res.body);
        assert_eq!(res.body, r#"{"data":{"echo":true}}"#);
        let seen = stub.requests();
        assert_eq!(seen.len(), 1, "{method} {target}");
        let up = &seen[0];
        assert_eq!(
            (up.method.as_str(), up.target.as_str()),
            (*method, *upstream_target)
        );
        assert_eq!(
            up.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert_eq!(up.body, body.as_bytes());
        for (name, _) in &up.headers {
            assert!(
                [
                    "authorization",
                    "accept",
                    "content-type",
                    "content-length",
                    "host",
                    "user-agent"
                ]
                .contains(&name.as_str()),
                "{target}: header {name} reached the upstream"
            );
        }
        assert_eq!(
            up.header("user-agent")
                .map(|u| u.starts_with("forge-relay/")),
            Some(true)
        );
        // Response headers are allow-listed too.
        assert_eq!(res.header("x-apify-pagination-total"), Some("5"));
        assert_eq!(res.header("x-ratelimit-limit"), Some("60"));
        assert_eq!(
            res.header("set-cookie"),
            None,
            "upstream Set-Cookie came back"
        );
        assert_eq!(res.header("x-internal-secret"), None);
        assert_eq!(res.header("cache-control"), Some("no-store"));
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(res.header("referrer-policy"), Some("no-referrer"));
    }
}

#[tokio::test]
async fn cookie_sessions_forward_from_the_app() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let res = relay
        .send(
            RawRequest::new("GET", "/api/apify/v2/actors?my=1")
                .client()
                .header("Cookie", format!("forge_session={}", sealed())),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(stub.count(), 1);
    let up = &stub.requests()[0];
    assert_eq!(up.header("cookie"), None);
    // An unsafe method from the app's own origin passes; see session.rs for the refusals.
    let res = relay
        .send(
            RawRequest::new("POST", "/api/apify/v2/actors/X1/runs")
                .client()
                .header("Origin", "http://{HOST}")
                .header("Cookie", format!("forge_session={}", sealed()))
                .body("{}"),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
}

#[tokio::test]
async fn upstream_errors_pass_through_unchanged() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actor-runs/LIMITED").bearer())
        .await;
    assert_eq!(res.status, 429);
    assert_eq!(res.error_type(), "rate-limit-exceeded");
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actors").header(
            "Authorization",
            format!("Bearer {}", sealed_with(UNKNOWN_TOKEN, 0, 3600)),
        ))
        .await;
    assert_eq!(res.status, 401);
    assert_eq!(res.error_type(), "token-not-provided");
}

#[tokio::test]
async fn record_redirects_are_followed_once_without_authorization() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/key-value-stores/S1/records/big").bearer())
        .await;
    assert_eq!((res.status, res.body.as_str()), (200, "stored-record"));
    let seen = stub.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].target, "/storage/big");
    assert_eq!(
        seen[1].header("authorization"),
        None,
        "the token followed the redirect"
    );
    // A redirect to plain http on another host is not followed.
    stub.clear();
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/key-value-stores/S1/records/offsite").bearer())
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (502, "forge-upstream-redirect")
    );
    assert_eq!(stub.count(), 1);
    // Redirects on any other route are not followed either.
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actors/X1/runs/last").bearer())
        .await;
    assert_eq!(res.status, 200);
}

#[tokio::test]
async fn a_stalled_upstream_is_a_504_and_a_dead_one_a_502() {
    let stub = Stub::start().await;
    let relay_ = relay(Mode::Serve, &stub, |a| {
        a.upstream_timeout = std::time::Duration::from_millis(300)
    })
    .await;
    let res = relay_
        .send(RawRequest::new("GET", "/api/apify/v2/actor-runs/STALL").bearer())
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (504, "forge-upstream-timeout"),
        "{}",
        res.body
    );

    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead);
    let relay_ = relay(Mode::Serve, &stub, |a| {
        a.upstream = format!("http://{dead_addr}")
    })
    .await;
    let res = relay_
        .send(RawRequest::new("GET", "/api/apify/v2/actors").bearer())
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (502, "forge-upstream-unreachable")
    );
    assert!(!res.body.contains(&dead_addr.to_string()));
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_whole() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |a| {
        a.max_body_bytes = 1000;
        a.max_run_input_bytes = 100;
    })
    .await;
    let put = "/api/apify/v2/key-value-stores/~forge-trends/records/snap";
    let res = relay
        .send(RawRequest::new("PUT", put).bearer().body(vec![b'a'; 1001]))
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (413, "forge-body-too-large")
    );
    let res = relay
        .send(RawRequest::new("PUT", put).bearer().body(vec![b'a'; 1000]))
        .await;
    assert_eq!(res.status, 200);
    let run = "/api/apify/v2/actors/X1/runs";
    let res = relay
        .send(RawRequest::new("POST", run).bearer().body(vec![b'a'; 101]))
        .await;
    assert_eq!(res.status, 413);
    let res = relay
        .send(
            RawRequest::new("GET", "/api/apify/v2/actors")
                .bearer()
                .body("x"),
        )
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (400, "forge-bad-request")
    );
    assert_eq!(
        stub.count(),
        1,
        "only the in-limit PUT reached the upstream"
    );
}

#[tokio::test]
async fn sessions_are_rate_limited_with_retry_after() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |a| {
        a.rate_per_sec = 1;
        a.rate_burst = 3;
    })
    .await;
    let session = sealed();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let res = relay
            .send(
                RawRequest::new("GET", "/api/apify/v2/actors")
                    .header("Authorization", format!("Bearer {session}")),
            )
            .await;
        statuses.push(res.status);
        if res.status == 429 {
            assert_eq!(res.error_type(), "forge-rate-limited");
            assert_eq!(res.header("retry-after"), Some("1"));
        }
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    // Another session has its own bucket.
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actors").bearer())
        .await;
    assert_eq!(res.status, 200);
}

#[tokio::test]
async fn local_mode_forwards_with_its_own_token() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Local, &stub, |_| {}).await;
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actors?my=1").client())
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        stub.requests()[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let res = relay
        .send(RawRequest::new("GET", "/api/session").client())
        .await;
    assert_eq!(res.status, 200);
    let v: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"mode":"local","userId":"u1","username":"ana"})
    );
    // No credential is accepted in local mode, and the header is required.
    let res = relay
        .send(
            RawRequest::new("GET", "/api/apify/v2/actors")
                .client()
                .bearer(),
        )
        .await;
    assert_eq!(res.status, 400);
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actors"))
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (403, "forge-client-header-missing")
    );
}

#[tokio::test]
async fn metrics_count_routes_refusals_and_unseal_failures() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    relay
        .send(RawRequest::new("GET", "/api/apify/v2/actors").bearer())
        .await;
    relay
        .send(RawRequest::new("GET", "/api/apify/v2/users/me").bearer())
        .await;
    relay
        .send(
            RawRequest::new("GET", "/api/apify/v2/actors")
                .header("Authorization", "Bearer forge1.AAAA"),
        )
        .await;
    let res = relay.send(RawRequest::new("GET", "/metrics")).await;
    assert_eq!(res.status, 200);
    assert!(
        res.body
            .contains("forge_requests_total{route=\"/v2/actors\",status=\"200\"} 1"),
        "{}",
        res.body
    );
    assert!(res
        .body
        .contains("forge_refusals_total{reason=\"users-me\"} 1"));
    assert!(res
        .body
        .contains("forge_unseal_failures_total{reason=\"truncated\"} 1"));
    assert!(res.body.contains("forge_upstream_latency_seconds_count 1"));
    let res = relay.send(RawRequest::new("GET", "/healthz")).await;
    assert_eq!((res.status, res.body.as_str()), (200, "ok\n"));
}
