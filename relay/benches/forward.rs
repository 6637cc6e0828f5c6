//! Forwarding throughput: requests per second through the relay vs straight to the same
//! upstream stub, measured in one run on the same machine, reported as a ratio (absolute
//! numbers on a shared 2-core machine mean little; the ratio is what to compare over time).
//!
//! Run with `cargo xtask bench` or `cargo bench -p forge-relay --bench forward`.
//! Bounded: a fixed number of requests per phase, loopback only.

use axum::response::IntoResponse;
use forge_relay::config::{Config, Mode, RelayArgs, Secrets};
use forge_relay::seal::{Keyring, SessionSecret};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const KEYS: &str = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const TOKEN: &str = "apify_api_abcdefghijklmnopqrstuvwxyz0123456789";
const REQUESTS: usize = 20_000;
const CONCURRENCY: usize = 32;
const BODY: &str = r#"{"data":{"total":1,"offset":0,"limit":1,"count":1,"desc":false,"items":[{"id":"Hb8mCXq2sW9kLp3Zt","status":"SUCCEEDED"}]}}"#;

async fn stub() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .fallback(|| async { ([("content-type", "application/json")], BODY).into_response() });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn relay(upstream: SocketAddr) -> SocketAddr {
    let mut args = RelayArgs::defaults();
    args.upstream = format!("http://{upstream}");
    args.rate_per_sec = 1_000_000;
    args.rate_burst = 1_000_000;
    args.max_in_flight = 10_000;
    let secrets = Secrets {
        seal_keys: Some(KEYS.into()),
        apify_token: None,
    };
    let state =
        forge_relay::AppState::new(Config::new(Mode::Serve, args, secrets).unwrap()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, forge_relay::router(state))
            .await
            .unwrap()
    });
    addr
}

/// Fires `REQUESTS` GETs with `CONCURRENCY` workers; returns requests per second.
async fn load(url: String, bearer: Option<String>) -> f64 {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    // Warm-up.
    for _ in 0..200 {
        let mut r = client.get(&url);
        if let Some(b) = &bearer {
            r = r.header("authorization", b);
        }
        assert!(r.send().await.unwrap().status().is_success());
    }
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..CONCURRENCY {
        let (client, url, bearer) = (client.clone(), url.clone(), bearer.clone());
        workers.push(tokio::spawn(async move {
            for _ in (w..REQUESTS).step_by(CONCURRENCY) {
                let mut r = client.get(&url);
                if let Some(b) = &bearer {
                    r = r.header("authorization", b);
                }
                let res = r.send().await.unwrap();
                assert!(res.status().is_success());
                res.bytes().await.unwrap();
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    REQUESTS as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing we need.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let upstream = stub().await;
        let relay = relay(upstream).await;
        let now = forge_relay::now_unix();
        let session = SessionSecret { token: TOKEN.to_string().into(), user_id: "u1".into(), username: "ana".into(), retention_days: None };
        let sealed = Keyring::parse(KEYS).unwrap().seal(&session, now, now + 3600).unwrap();
        let path = "/v2/actor-runs?limit=1&desc=1";
        let direct = load(format!("http://{upstream}{path}"), None).await;
        let through = load(format!("http://{relay}/api/apify{path}"), Some(format!("Bearer {sealed}"))).await;
        let direct_again = load(format!("http://{upstream}{path}"), None).await;
        let reference = (direct + direct_again) / 2.0;
        println!("forward: {REQUESTS} GETs per phase, {CONCURRENCY} concurrent, loopback, same process");
        println!("  direct to stub : {direct:>9.0} req/s, again {direct_again:>9.0} req/s");
        println!("  through relay  : {through:>9.0} req/s");
        println!("  ratio relay/direct = {:.2} (the relay adds a second HTTP hop, unseal, match, and a fresh upstream request)", through / reference);
        tokio::time::sleep(Duration::from_millis(10)).await;
    });
}
