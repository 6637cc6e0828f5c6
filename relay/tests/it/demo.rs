//! Demo mode and the scope check: `GET /api/session` says "demo", the demo tokens are offered,
//! each can be sealed and audited, and the audit's statuses judge each token as designed.

use crate::common::*;
use forge_apify::audit::{assess, AuditReport, Verdict};
use forge_apify::Grant;
use forge_relay::config::Mode;
use forge_sim::DEMO_TOKENS;

fn token(label: &str) -> &'static str {
    DEMO_TOKENS.iter().find(|t| t.label == label).unwrap().token
}

async fn audit_as(relay: &Relay, cookie: Option<&str>) -> AuditReport {
    let mut req = RawRequest::new("GET", "/api/audit").client();
    if let Some(c) = cookie {
        req = req.header("Cookie", format!("forge_session={c}"));
    }
    let res = relay.send(req).await;
    assert_eq!(res.status, 200, "{}", res.body);
    serde_json::from_str(&res.body).unwrap()
}

async fn seal(relay: &Relay, token: &str) -> RawResponse {
    relay
        .send(
            RawRequest::new("POST", "/api/session")
                .client()
                .body(serde_json::json!({ "token": token }).to_string()),
        )
        .await
}

fn cookie_of(res: &RawResponse) -> String {
    res.header("set-cookie").unwrap().split(';').next().unwrap()["forge_session=".len()..]
        .to_string()
}

#[tokio::test]
async fn demo_mode_is_connected_offers_tokens_and_seals_them() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Demo, &stub, |_| {}).await;
    let res = relay
        .send(RawRequest::new("GET", "/api/session").client())
        .await;
    let v: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(
        (v["mode"].as_str(), v["username"].as_str()),
        (Some("demo"), Some("forge-demo"))
    );
    // The session names the demo token it uses (the relay's own: the scoped one)…
    assert_eq!(v["demoToken"], "scoped", "{v}");

    let res = relay
        .send(RawRequest::new("GET", "/api/demo-tokens").client())
        .await;
    let offered: Vec<serde_json::Value> = serde_json::from_str(&res.body).unwrap();
    assert_eq!(offered.len(), DEMO_TOKENS.len());
    assert_eq!(offered[0]["token"], forge_sim::DEFAULT_DEMO_TOKEN);

    // A sealed demo session replaces the default token until it is ended.
    let res = seal(&relay, token("missing-run")).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let cookie = cookie_of(&res);
    // …and a sealed one names its own, when sealed and when asked again.
    let sealed: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(sealed["demoToken"], "missing-run", "{sealed}");
    let res = relay
        .send(
            RawRequest::new("GET", "/api/session")
                .client()
                .header("Cookie", format!("forge_session={cookie}")),
        )
        .await;
    let again: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(again["demoToken"], "missing-run", "{again}");
    stub.clear();
    let res = relay
        .send(
            RawRequest::new("GET", "/api/apify/v2/actors?my=1")
                .client()
                .header("Cookie", format!("forge_session={cookie}")),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        stub.requests()[0].header("authorization"),
        Some(format!("Bearer {}", token("missing-run")).as_str())
    );
    let res = relay
        .send(
            RawRequest::new("DELETE", "/api/session")
                .client()
                .header("Origin", "http://{HOST}"),
        )
        .await;
    assert_eq!(res.status, 204);

    // Demo mode, like local mode, is for this machine only.
    let res = relay
        .send(
            RawRequest::new("GET", "/api/session")
                .client()
                .header("Host", "forge.evil.example"),
        )
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (403, "forge-host-not-allowed")
    );
    let res = relay.send(RawRequest::new("GET", "/api/session")).await;
    assert_eq!(res.status, 403);
}

#[tokio::test]
async fn the_scope_check_tells_each_demo_token_apart() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Demo, &stub, |_| {}).await;

    let default = assess(&audit_as(&relay, None).await, None);
    assert!(default.is_exact(), "{default:?}");
    assert_eq!(default.verdict(Grant::ActorsRun), Verdict::Untestable);

    for (label, check) in [
        (
            "scoped",
            (|c: &forge_apify::audit::ScopeCheck| c.is_exact())
                as fn(&forge_apify::audit::ScopeCheck) -> bool,
        ),
        ("missing-run", |c| {
            c.is_exact() && c.verdict(Grant::ActorsRun) == Verdict::Untestable
        }),
        ("missing-kv-write", |c| {
            c.missing().collect::<Vec<_>>() == [Grant::KeyValueStoresWrite] && !c.too_broad()
        }),
        ("too-broad", |c| {
            c.extra == ["Schedules", "Webhooks"] && !c.full_access
        }),
        ("full-access", |c| {
            c.full_access && c.too_broad() && c.missing().count() == 0
        }),
    ] {
        let res = seal(&relay, token(label)).await;
        assert_eq!(res.status, 201, "{label}: {}", res.body);
        let report = audit_as(&relay, Some(&cookie_of(&res))).await;
        let c = assess(&report, None);
        assert!(check(&c), "{label}: {c:?} from {report:?}");
    }
    // The write probe created Forge's store and put its check record there.
    assert!(stub
        .sim
        .store_record("forge-trends", "forge-connection-check")
        .is_some());
    // Apify does not know this one.
    let res = seal(&relay, token("unknown")).await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (401, "forge-token-rejected")
    );
}

#[tokio::test]
async fn the_audit_reads_statuses_only_and_serve_mode_has_no_demo_tokens() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let res = relay
        .send(RawRequest::new("GET", "/api/demo-tokens").client())
        .await;
    assert_eq!(res.status, 404);
    // Outside demo mode no session is named after a demo token, even one made with it.
    let res = seal(&relay, token("scoped")).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert!(!res.body.contains("demoToken"), "{}", res.body);
    stub.clear();
    let res = relay
        .send(RawRequest::new("GET", "/api/audit").bearer())
        .await;
    assert_eq!(res.status, 200);
    // Exactly the fixed probes (plus users/me) went upstream, and no probe body came back.
    let mut targets: Vec<String> = stub
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    targets.sort();
    let mut want: Vec<String> = forge_apify::audit::PROBES
        .iter()
        .map(|p| format!("{} {}", p.method, p.path))
        .collect();
    want.push("GET /v2/users/me".into());
    want.sort();
    assert_eq!(targets, want);
    assert!(
        !res.body.contains("items") && !res.body.contains("forge-demo"),
        "{}",
        res.body
    );
    let res = relay
        .send(RawRequest::new("GET", "/api/audit").client())
        .await;
    assert_eq!(res.status, 401, "no session, no audit");
}
