//! Apify's official JavaScript client (`apify-client`, pinned in `tests/contract`) against the
//! real relay binary in front of the simulated account, with a sealed token as its token and
//! the relay's `/api/apify` as its base URL. Everything Forge needs works — `call()` and
//! `waitForFinish()` included, which wait with `waitForFinish` — and everything outside the five
//! scopes (a run's `INPUT` record among them) fails with 403 `forge-not-allowed` and never
//! reaches the simulator.

use forge_e2e::{npm_ci, workspace_root, RelayProcess, SimServer};
use forge_sim::{Sim, SimOptions};
use serde_json::Value;

const ACTOR: &str = "forge-demo~healthy-workhorse";

#[tokio::test]
async fn official_client_through_the_relay() {
    let contract = workspace_root().join("tests/contract");
    npm_ci(&contract);
    let sim = SimServer::start(SimOptions {
        run_speed: 600.0,
        ..SimOptions::default()
    })
    .await;
    let keys = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let relay = RelayProcess::start(
        &["serve", "--upstream", &sim.base()],
        &[("FORGE_SEAL_KEYS", keys)],
    )
    .await;

    // Seal the correctly-scoped demo token, delivered in the body for a command-line client.
    let sealed = forge_e2e::sealed_session(&relay, forge_sim::DEFAULT_DEMO_TOKEN).await;
    sim.sim.clear_requests();

    let out = tokio::process::Command::new("node")
        .arg("client.mjs")
        .current_dir(&contract)
        .env("FORGE_API", relay.url("/api/apify"))
        .env("FORGE_SEALED", &sealed)
        .env("FORGE_ACTOR", ACTOR)
        .output()
        .await
        .expect("node is required for the official-client test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "client.mjs failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), 25, "{stdout}");
    for r in &results {
        let op = r["op"].as_str().unwrap();
        if op.starts_with("x-") {
            assert_eq!(
                (r["ok"].as_bool(), r["status"].as_u64(), r["type"].as_str()),
                (Some(false), Some(403), Some("forge-not-allowed")),
                "{op}: {r}"
            );
        } else {
            assert_eq!(r["ok"], true, "{op} failed: {r}");
        }
    }
    let by_op = |op: &str| results.iter().find(|r| r["op"] == op).unwrap()["detail"].clone();
    assert!(by_op("list-actors").as_u64().unwrap() >= 20);
    assert_eq!(by_op("get-actor"), "healthy-workhorse");
    assert_eq!(by_op("get-or-create-forge-trends"), "forge-trends");
    assert_eq!(by_op("start-run"), "READY");
    // Waiting through the relay works: the runs had ended when the client got its answer.
    for op in ["call-and-wait", "wait-for-finish"] {
        let status = by_op(op);
        assert!(
            ["SUCCEEDED", "FAILED", "TIMED-OUT", "ABORTED"].contains(&status.as_str().unwrap()),
            "{op}: {status}"
        );
    }
    // SIGNALS is readable (this Actor may have written none); INPUT and OUTPUT are refused.
    assert!(["SIGNALS", "none"].contains(&by_op("get-record-signals").as_str().unwrap()));

    // The refused calls never arrived; the allowed write did.
    let log = sim.sim.requests();
    for r in &log {
        let forbidden = r.method == "DELETE"
            || r.path.contains("/webhooks")
            || r.path.ends_with("/items")
            || r.path.starts_with("/v2/users")
            || r.query.as_deref().unwrap_or("").contains("webhooks")
            || r.path.ends_with("/records/INPUT")
            || r.path.ends_with("/records/OUTPUT");
        assert!(
            !forbidden,
            "a refused request reached the simulator: {} {}",
            r.method, r.path
        );
    }
    let puts: Vec<_> = log.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 2, "{puts:?}");
    assert_eq!(
        puts[0].path,
        "/v2/key-value-stores/~forge-trends/records/contract-check"
    );
    assert!(Sim::store_record(&sim.sim, "forge-trends", "contract-check").is_some());
    // The large record went up brotli-compressed, through the relay, and was stored decoded.
    assert_eq!(puts[1].header("content-encoding"), Some("br"));
    let (_, large) = Sim::store_record(&sim.sim, "forge-trends", "contract-large").unwrap();
    let large: Value = serde_json::from_slice(&large).unwrap();
    assert_eq!(large["rows"].as_array().unwrap().len(), 200);
}
