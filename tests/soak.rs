//! A soak of the real relay binary: a mixed workload for FORGE_SOAK_SECS seconds (default 60,
//! FORGE_SOAK_WORKERS clients, default 16; `cargo xtask bench` runs the 10-minute form on the
//! release relay with FORGE_SOAK_RELEASE) against an upstream that sometimes answers 503
//! or 429 and stalls on one route — allowed routes, allow-list refusals, unseal failures,
//! stalled upstream answers and clients that never finish their headers.
//!
//! Holds: every answer comes within its timeout (the relay's upstream timeout, its header-read
//! timeout), the relay itself produces no 5xx (only the upstream's, passed on or named
//! `forge-upstream-*`), its resident memory grows by less than 10 % and its open file
//! descriptors come back to where they were. Counts, not wall-clock speed, are asserted.

use forge_e2e::{relay_binary, release_relay_binary, sealed_session, RelayProcess, SimServer};
use forge_sim::{Fault, FaultKind, SimOptions, DEFAULT_DEMO_TOKEN};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

const KEYS: &str = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// The relay's upstream and header-read timeouts in this soak.
const UPSTREAM_TIMEOUT_S: u64 = 2;
const HEADER_TIMEOUT_S: u64 = 2;
/// How late an answer may be past its timeout on a busy 2-core machine.
const SLACK: Duration = Duration::from_secs(5);

/// VmRSS in kB and the open descriptors of process `pid`.
fn usage(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count();
    (rss, fds)
}

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    /// 5xx the relay produced itself (not the upstream's).
    own_5xx: AtomicU64,
    /// Answers (or closes) later than their timeout allows.
    late: AtomicU64,
    by_status: Mutex<std::collections::BTreeMap<u16, u64>>,
}

/// Runs the workload with `workers` tasks until `until`.
async fn workload(base: String, sealed: String, until: Instant, tally: Arc<Tally>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(UPSTREAM_TIMEOUT_S) + SLACK)
        .build()
        .unwrap();
    let mut k: u64 = 0;
    while Instant::now() < until {
        k += 1;
        let started = Instant::now();
        if k % 10 == 9 {
            // A client that never finishes its headers: the relay must close it.
            let addr = base.trim_start_matches("http://").to_string();
            if let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await {
                let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
                let mut buf = [0u8; 64];
                let closed = tokio::time::timeout(
                    Duration::from_secs(HEADER_TIMEOUT_S) + SLACK,
                    tokio::io::AsyncReadExt::read(&mut s, &mut buf),
                )
                .await;
                if closed.is_err() {
                    tally.late.fetch_add(1, Ordering::Relaxed);
                }
            }
            continue;
        }
        let (path, bearer) = match k % 10 {
            0..=3 => ("/api/apify/v2/actors?my=1&limit=10", sealed.as_str()),
            4 | 5 => ("/api/apify/v2/actor-runs?limit=10&desc=1", sealed.as_str()),
            6 => ("/api/apify/v2/users/me", sealed.as_str()),
            7 => (
                "/api/apify/v2/actors?my=1",
                "forge1.AAAAnot-a-sealed-session",
            ),
            _ => (
                "/api/apify/v2/key-value-stores/~forge-trends/keys?limit=10",
                sealed.as_str(),
            ),
        };
        tally.requests.fetch_add(1, Ordering::Relaxed);
        match client
            .get(format!("{base}{path}"))
            .bearer_auth(bearer)
            .send()
            .await
        {
            Ok(res) => {
                let status = res.status().as_u16();
                let body = res.text().await.unwrap_or_default();
                *tally.by_status.lock().unwrap().entry(status).or_default() += 1;
                let kind = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["error"]["type"].as_str().map(str::to_string))
                    .unwrap_or_default();
                let upstream = kind.starts_with("forge-upstream-") || !kind.starts_with("forge-");
                if status >= 500 && !upstream {
                    tally.own_5xx.fetch_add(1, Ordering::Relaxed);
                }
                if started.elapsed() > Duration::from_secs(UPSTREAM_TIMEOUT_S) + SLACK {
                    tally.late.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(_) => {
                tally.late.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

async fn phase(base: &str, sealed: &str, secs: u64, workers: usize, tally: &Arc<Tally>) {
    let until = Instant::now() + Duration::from_secs(secs);
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            tokio::spawn(workload(
                base.to_string(),
                sealed.to_string(),
                until,
                tally.clone(),
            ))
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    // Let the relay close what the clients left.
    tokio::time::sleep(Duration::from_secs(HEADER_TIMEOUT_S + 1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_holds_up_under_a_mixed_workload() {
    let secs: u64 = std::env::var("FORGE_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let sim = SimServer::start(SimOptions::default()).await;
    let timeout = format!("{UPSTREAM_TIMEOUT_S}s");
    let header = format!("{HEADER_TIMEOUT_S}s");
    let workers: usize = std::env::var("FORGE_SOAK_WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    // The debug relay in tests; the release one for the 10-minute bench.
    let binary = if std::env::var_os("FORGE_SOAK_RELEASE").is_some() {
        release_relay_binary()
    } else {
        relay_binary()
    };
    let mut cmd = tokio::process::Command::new(binary);
    let upstream = sim.base();
    cmd.args([
        "serve",
        "--upstream",
        upstream.as_str(),
        "--upstream-timeout",
        timeout.as_str(),
        "--header-read-timeout",
        header.as_str(),
        "--rate-per-sec",
        "100000",
        "--rate-burst",
        "100000",
        "--bind",
        "127.0.0.1:0",
    ])
    .env("FORGE_SEAL_KEYS", KEYS);
    let relay = RelayProcess::spawn(cmd).await;
    let sealed = sealed_session(&relay, DEFAULT_DEMO_TOKEN).await;
    sim.sim.set_faults(vec![
        Fault::new(
            "/v2/actor-runs*",
            FaultKind::ErrorRate {
                rate: 0.1,
                status: 503,
            },
        ),
        Fault::new(
            "/v2/actors*",
            FaultKind::ErrorRate {
                rate: 0.05,
                status: 429,
            },
        ),
        Fault::new("/v2/key-value-stores/*/keys*", FaultKind::Stall),
    ]);
    let pid = relay.child.id().unwrap();
    let base = relay.url("");
    let base = base.trim_end_matches('/').to_string();
    let tally = Arc::new(Tally::default());

    // Warm up (a sixth of the time), then the baseline with no client connected.
    phase(&base, &sealed, (secs / 6).max(5), workers, &tally).await;
    let (rss0, fds0) = usage(pid);
    phase(&base, &sealed, secs, workers, &tally).await;
    let (rss1, fds1) = usage(pid);

    let requests = tally.requests.load(Ordering::Relaxed);
    let statuses = tally.by_status.lock().unwrap().clone();
    println!(
        "soak {secs} s: {requests} requests, statuses {statuses:?}; RSS {rss0} → {rss1} kB, fds {fds0} → {fds1}"
    );
    assert!(requests > 500, "{requests} requests");
    assert_eq!(tally.own_5xx.load(Ordering::Relaxed), 0, "{statuses:?}");
    assert_eq!(
        tally.late.load(Ordering::Relaxed),
        0,
        "answers past their timeout"
    );
    for expected in [200, 401, 403, 504] {
        assert!(
            statuses.contains_key(&expected),
            "no {expected}: {statuses:?}"
        );
    }
    assert!(
        rss1 as f64 <= rss0 as f64 * 1.10,
        "RSS grew from {rss0} to {rss1} kB"
    );
    assert!(fds1 <= fds0 + 2, "descriptors {fds0} → {fds1}");
    // The relay's log holds neither the sealed value nor the token.
    let logs = relay.log.lock().unwrap().join("\n");
    assert!(!logs.contains(&sealed) && !logs.contains(DEFAULT_DEMO_TOKEN));
}
