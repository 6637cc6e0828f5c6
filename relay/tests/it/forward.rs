//! Every allowed route is forwarded exactly: upstream path and query, the Bearer header, and
//! nothing else from the client.

use crate::common::*;
use forge_relay::config::Mode;
use forge_sim::{Fault, FaultKind};

/// Real ids of the simulated account, found through the simulator's side door.
pub struct Ids {
    pub actor: String,
    pub run: String,
    pub build: String,
    pub dataset: String,
    pub store: String,
}

pub async fn ids(stub: &Stub) -> Ids {
    let actor = stub.get_json("/v2/actors/forge-demo~signal-emitter").await;
    let actor = actor["data"]["id"].as_str().unwrap().to_string();
    let runs = stub
        .get_json(&format!(
            "/v2/actors/{actor}/runs?desc=1&limit=1&status=SUCCEEDED"
        ))
        .await;
    let run = runs["data"]["items"][0].clone();
    let s = |v: &serde_json::Value| v.as_str().unwrap().to_string();
    Ids {
        run: s(&run["id"]),
        build: s(&run["buildId"]),
        dataset: s(&run["defaultDatasetId"]),
        store: s(&run["defaultKeyValueStoreId"]),
        actor,
    }
}

/// (method, relay target, body, exact upstream target, status) for every allow-list row.
pub fn allowed(ids: &Ids) -> Vec<(&'static str, String, &'static str, String, u16)> {
    let Ids {
        actor,
        run,
        build,
        dataset,
        store,
    } = ids;
    vec![
        (
            "GET",
            "/v2/actors?my=1&limit=5000".into(),
            "",
            "/v2/actors?my=1&limit=1000".into(),
            200,
        ),
        (
            "GET",
            "/v2/actors/forge-demo~signal-emitter".into(),
            "",
            "/v2/actors/forge-demo~signal-emitter".into(),
            200,
        ),
        (
            "POST",
            format!("/v2/actors/{actor}/runs?memory=1024&timeout=60"),
            r#"{"url":"https://example.com"}"#,
            format!("/v2/actors/{actor}/runs?memory=1024&timeout=60"),
            201,
        ),
        (
            "GET",
            format!("/v2/acts/{actor}/runs?status=FAILED,TIMED-OUT&desc=1&limit=10"),
            "",
            format!("/v2/actors/{actor}/runs?status=FAILED%2CTIMED-OUT&desc=1&limit=10"),
            200,
        ),
        (
            "GET",
            format!("/v2/actors/{actor}/runs/last?status=SUCCEEDED"),
            "",
            format!("/v2/actors/{actor}/runs/last?status=SUCCEEDED"),
            200,
        ),
        (
            "GET",
            "/v2/actor-runs?startedAfter=2026-11-01T00:00:00.000Z".into(),
            "",
            "/v2/actor-runs?startedAfter=2026-11-01T00%3A00%3A00.000Z".into(),
            200,
        ),
        (
            "GET",
            format!("/v2/actor-runs/{run}"),
            "",
            format!("/v2/actor-runs/{run}"),
            200,
        ),
        (
            "GET",
            format!("/v2/actors/{actor}/builds?desc=true"),
            "",
            format!("/v2/actors/{actor}/builds?desc=1"),
            200,
        ),
        (
            "GET",
            "/v2/actor-builds?offset=1".into(),
            "",
            "/v2/actor-builds?offset=1".into(),
            200,
        ),
        (
            "GET",
            format!("/v2/actor-builds/{build}"),
            "",
            format!("/v2/actor-builds/{build}"),
            200,
        ),
        (
            "GET",
            "/v2/datasets?unnamed=1".into(),
            "",
            "/v2/datasets?unnamed=1".into(),
            200,
        ),
        (
            "GET",
            format!("/v2/datasets/{dataset}"),
            "",
            format!("/v2/datasets/{dataset}"),
            200,
        ),
        (
            "GET",
            format!("/v2/datasets/{dataset}/statistics"),
            "",
            format!("/v2/datasets/{dataset}/statistics"),
            200,
        ),
        (
            "GET",
            "/v2/key-value-stores?ownership=ownedByMe".into(),
            "",
            "/v2/key-value-stores?ownership=ownedByMe".into(),
            200,
        ),
        (
            "GET",
            "/v2/key-value-stores/~forge-trends".into(),
            "",
            "/v2/key-value-stores/~forge-trends".into(),
            200,
        ),
        (
            "GET",
            format!("/v2/key-value-stores/{store}/keys?prefix=SIG&limit=2"),
            "",
            format!("/v2/key-value-stores/{store}/keys?prefix=SIG&limit=2"),
            200,
        ),
        (
            "GET",
            format!("/v2/key-value-stores/{store}/records/SIGNALS?attachment=true"),
            "",
            format!("/v2/key-value-stores/{store}/records/SIGNALS?attachment=1"),
            200,
        ),
        (
            "GET",
            "/v2/key-value-stores/~forge-trends/records/no-such-record".into(),
            "",
            "/v2/key-value-stores/~forge-trends/records/no-such-record".into(),
            404,
        ),
        (
            "POST",
            "/v2/key-value-stores?name=forge-trends".into(),
            "",
            "/v2/key-value-stores?name=forge-trends".into(),
            200,
        ),
        (
            "PUT",
            "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W48".into(),
            r#"{"week":"2026-W48"}"#,
            "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W48".into(),
            201,
        ),
    ]
}

const CLIENT_HEADERS: &[(&str, &str)] = &[
    ("Accept", "application/json"),
    ("Content-Type", "application/json"),
    ("X-Custom-Leak", "client-secret-header"),
    ("User-Agent", "leaky-client/1.0"),
    ("X-Apify-Internal", "1"),
    ("Proxy-Authorization", "Basic Zm9vOmJhcg=="),
    // Never forwarded upstream. (`br` only: the relay gzips, so the answers stay plain text for
    // the checks below; gzip has its own test.)
    ("Accept-Encoding", "br"),
];

#[tokio::test]
async fn every_allowed_route_is_forwarded_exactly() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let cases = allowed(&ids(&stub).await);
    assert_eq!(cases.len(), forge_apify::allow::ALLOW_LIST.len());
    for (method, path, body, upstream_target, status) in &cases {
        stub.clear();
        let target = format!("/api/apify{path}");
        let mut req = RawRequest::new(method, target.clone())
            .bearer()
            .body(body.as_bytes());
        for (n, v) in CLIENT_HEADERS {
            req = req.header(n, *v);
        }
        let res = relay.send(req).await;
        assert_eq!(res.status, *status, "{method} {target}: {}", res.body);
        // Record reads answer the raw value; record writes answer 201 with no body.
        if !path.contains("/records/") {
            assert!(
                res.body.starts_with(r#"{"data":"#),
                "{target}: {}",
                res.body
            );
        }
        let seen = stub.requests();
        assert_eq!(seen.len(), 1, "{method} {target}");
        let up = &seen[0];
        assert_eq!(
            (up.method.as_str(), up.target.as_str()),
            (*method, upstream_target.as_str())
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
            RawRequest::new(
                "POST",
                "/api/apify/v2/actors/forge-demo~healthy-workhorse/runs",
            )
            .client()
            .header("Origin", "http://{HOST}")
            .header("Content-Type", "application/json")
            .header("Cookie", format!("forge_session={}", sealed()))
            .body("{}"),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
}

#[tokio::test]
async fn answers_are_gzipped_for_a_client_that_asks_and_plain_otherwise() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let get = |gzip: bool| {
        let req = RawRequest::new("GET", "/api/apify/v2/actors?my=1")
            .client()
            .header("Cookie", format!("forge_session={}", sealed()));
        if gzip {
            req.header("Accept-Encoding", "gzip")
        } else {
            req
        }
    };
    let plain = relay.send(get(false)).await;
    assert_eq!(plain.status, 200, "{}", plain.body);
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.body.starts_with(r#"{"data":"#), "{}", plain.body);
    let zipped = relay.send(get(true)).await;
    assert_eq!(zipped.status, 200);
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert!(
        zipped
            .header("vary")
            .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
        "{:?}",
        zipped.headers
    );
}

#[tokio::test]
async fn upstream_errors_pass_through_unchanged() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    stub.sim.set_faults(vec![Fault::new(
        "/v2/actor-runs*",
        FaultKind::RateLimitBurst { count: 1 },
    )]);
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actor-runs").bearer())
        .await;
    assert_eq!(res.status, 429);
    assert_eq!(res.error_type(), "rate-limit-exceeded");
    assert_eq!(
        res.header("retry-after"),
        None,
        "Apify sends none, the relay invents none"
    );
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actor-runs/NoSuchRun000000").bearer())
        .await;
    assert_eq!(res.status, 404);
    assert!(res.error_type().ends_with("not-found"), "{}", res.body);
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actors").header(
            "Authorization",
            format!(
                "Bearer {}",
                sealed_with(forge_sim::DEMO_TOKENS[1].token, 0, 3600)
            ),
        ))
        .await;
    assert_eq!(res.status, 200, "missing Actors: Run still lists Actors");
    let res = relay
        .send(
            RawRequest::new(
                "POST",
                "/api/apify/v2/actors/forge-demo~healthy-workhorse/runs",
            )
            .header(
                "Authorization",
                format!(
                    "Bearer {}",
                    sealed_with(forge_sim::DEMO_TOKENS[1].token, 0, 3600)
                ),
            )
            .body("{}"),
        )
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (403, "insufficient-permissions")
    );
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actors").header(
            "Authorization",
            format!("Bearer {}", sealed_with(UNKNOWN_TOKEN, 0, 3600)),
        ))
        .await;
    assert_eq!(res.status, 401);
    assert_eq!(res.error_type(), "invalid-token");
}

#[tokio::test]
async fn record_redirects_are_followed_once_without_authorization() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let put = "/api/apify/v2/key-value-stores/~forge-trends/records/large-blob";
    let res = relay
        .send(
            RawRequest::new("PUT", put)
                .bearer()
                .header("Content-Type", "text/plain")
                .body("a large record"),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    stub.clear();
    let res = relay
        .send(
            RawRequest::new(
                "GET",
                "/api/apify/v2/key-value-stores/~forge-trends/records/large-blob",
            )
            .bearer(),
        )
        .await;
    assert_eq!((res.status, res.body.as_str()), (200, "a large record"));
    assert_eq!(res.header("content-type"), Some("text/plain"));
    let seen = stub.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen[1].target.starts_with("/__sim/storage/"),
        "{}",
        seen[1].target
    );
    assert_eq!(
        seen[1].header("authorization"),
        None,
        "the token followed the redirect"
    );
    // A redirect to plain http on another host is not followed.
    stub.clear();
    let res = relay
        .send(
            RawRequest::new(
                "GET",
                "/api/apify/v2/key-value-stores/~forge-trends/records/offsite",
            )
            .bearer(),
        )
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (502, "forge-upstream-redirect")
    );
    assert_eq!(stub.count(), 1);
    // Redirects on any other route are not followed either.
    let res = relay
        .send(
            RawRequest::new(
                "GET",
                "/api/apify/v2/actors/forge-demo~healthy-workhorse/runs/last",
            )
            .bearer(),
        )
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
    stub.sim
        .set_faults(vec![Fault::new("/v2/actor-runs*", FaultKind::Stall)]);
    let res = relay_
        .send(RawRequest::new("GET", "/api/apify/v2/actor-runs").bearer())
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
async fn a_body_that_trickles_is_cut_at_the_upstream_timeout() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |a| {
        a.upstream_timeout = std::time::Duration::from_millis(500)
    })
    .await;
    let record = "/api/apify/v2/key-value-stores/~forge-trends/records/snapshot-2026-W48";
    let stored = format!(r#"{{"week":"2026-W48","pad":"{}"}}"#, "x".repeat(2000));
    let res = relay
        .send(RawRequest::new("PUT", record).bearer().body(stored.clone()))
        .await;
    assert_eq!(res.status, 201);
    stub.sim.set_faults(vec![Fault::new(
        "*",
        FaultKind::SlowBody { bytes_per_sec: 200 },
    )]);
    // A projected answer is read whole before anything goes back: 504.
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actor-runs").bearer())
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (504, "forge-upstream-timeout"),
        "{}",
        res.body
    );
    // A record streams through, and stops at the deadline: the client sees it end early (at
    // 200 bytes/s the whole record would take 10 s).
    let res = relay.send(RawRequest::new("GET", record).bearer()).await;
    assert_eq!(res.status, 200);
    assert!(
        !res.body.is_empty() && res.body.len() < stored.len(),
        "{} of {} bytes",
        res.body.len(),
        stored.len()
    );
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
    assert_eq!(res.status, 201);
    let run = "/api/apify/v2/actors/forge-demo~healthy-workhorse/runs";
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
        (v["mode"].as_str(), v["username"].as_str()),
        (Some("local"), Some("forge-demo"))
    );
    assert!(
        v["userId"].is_string() && v.get("sealedAt").is_none(),
        "{v}"
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
            .contains("forge_requests_total{method=\"GET\",route=\"/v2/actors\",status=\"200\"} 1"),
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
