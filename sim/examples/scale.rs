//! Measures the simulator at fleet scale: how long generating an account takes, how much memory
//! it holds afterwards, and how long one page of the account-wide lists takes to answer.
//!
//! `cargo run --release -p forge-sim --example scale -- 1000 90 [retention_days]` (one size per
//! process, so the resident-set figures are that size's alone). Numbers go to stdout; nothing is
//! asserted (the machine timing it is noisy; the tests never look at the clock).

use axum::body::Body;
use axum::http::Request;
use forge_sim::{Sim, SimOptions, DEFAULT_DEMO_TOKEN};
use std::io::Write;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// 2026-01-06T11:46:40Z, as the tests use.
const NOW: u64 = 1_767_700_000;

/// `VmRSS` and `VmHWM` (peak) of this process, in MiB.
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn fetch(sim: &Sim, uri: &str) -> (Duration, Vec<u8>) {
    let req = Request::get(uri)
        .header("authorization", format!("Bearer {DEFAULT_DEMO_TOKEN}"))
        .header("host", "sim.test")
        .body(Body::empty())
        .unwrap();
    let t = Instant::now();
    let resp = sim.router().oneshot(req).await.unwrap();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (t.elapsed(), body)
}

/// Best of `n` tries (the least disturbed by the other work on the machine).
async fn best(sim: &Sim, uri: &str, n: usize) -> (Duration, usize) {
    let mut out = (Duration::MAX, 0);
    for _ in 0..n {
        let (d, body) = fetch(sim, uri).await;
        out = (out.0.min(d), body.len());
    }
    out
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: u64| {
        args.get(i)
            .and_then(|a| a.parse::<u64>().ok())
            .unwrap_or(default)
    };
    let (actors, days) = (num(0, 24) as usize, num(1, 45) as u32);
    let before = rss_mib().0;
    let t = Instant::now();
    let opts = SimOptions {
        actors,
        days,
        now: Some(NOW),
        rate_limit_per_sec: 0,
        ..SimOptions::default()
    };
    let opts = match args.get(2).and_then(|a| a.parse::<u32>().ok()) {
        Some(r) => SimOptions {
            retention_days: r,
            ..opts
        },
        None => opts,
    };
    let sim = Sim::new(opts);
    let took = t.elapsed();
    let (rss, peak) = rss_mib();
    let (_, body) = fetch(&sim, "/v2/actor-runs?limit=1").await;
    let total: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let runs = total["data"]["total"].as_u64().unwrap_or(0);
    let after = "2025-12-07T11:46:40.000Z"; // now − 30 days
    let (_, body) = fetch(
        &sim,
        &format!("/v2/actor-runs?limit=1&startedAfter={after}"),
    )
    .await;
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let in_window = v["data"]["total"].as_u64().unwrap_or(0);
    let mut lines = vec![format!(
        "{actors} actors x {days} days: {runs} runs ({in_window} in the last 30 days), generated \
         in {:.3} s, RSS {:.0} MiB (+{:.0}, peak {:.0}), {:.0} bytes/run",
        took.as_secs_f64(),
        rss,
        rss - before,
        peak,
        (rss - before) * 1024.0 * 1024.0 / runs.max(1) as f64
    )];
    let mid = in_window / 2;
    for uri in [
        format!("/v2/actor-runs?desc=1&limit=1000&startedAfter={after}&offset=0"),
        format!("/v2/actor-runs?desc=1&limit=1000&startedAfter={after}&offset={mid}"),
        format!("/v2/actor-runs?desc=1&limit=1000&startedAfter={after}&status=FAILED,TIMED-OUT&offset=100"),
        format!("/v2/datasets?unnamed=1&desc=1&limit=1000&offset={mid}"),
        "/v2/actor-builds?desc=1&limit=1000".to_string(),
        "/v2/actors?my=1&limit=1000".to_string(),
    ] {
        let (d, len) = best(&sim, &uri, 5).await;
        lines.push(format!(
            "  {:>8.2} ms  {len:>8} bytes  GET {uri}",
            d.as_secs_f64() * 1000.0
        ));
    }
    let (_, body) = fetch(&sim, "/v2/actor-runs?desc=1&limit=1").await;
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Some(run) = v["data"]["items"].get(0) {
        for (what, uri) in [
            (
                "run",
                format!("/v2/actor-runs/{}", run["id"].as_str().unwrap_or("")),
            ),
            (
                "dataset",
                format!(
                    "/v2/datasets/{}",
                    run["defaultDatasetId"].as_str().unwrap_or("")
                ),
            ),
        ] {
            let (d, _) = best(&sim, &uri, 5).await;
            lines.push(format!(
                "  {:>8.2} ms  GET one {what}",
                d.as_secs_f64() * 1000.0
            ));
        }
    }
    // A closed pipe (`| head`) is not worth a panic.
    let mut out = std::io::stdout().lock();
    for line in lines {
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
}
