//! Fault injection: each kind of fault, on the routes it is set for and no others.

use crate::common::*;
use axum::http::StatusCode;
use forge_sim::{Fault, FaultKind, Sim, SimOptions};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn latency_fixed_plus_jitter_only_on_matching_routes() {
    let sim = sim();
    sim.set_faults(vec![Fault::new(
        "/v2/actor-runs*",
        FaultKind::Latency {
            fixed: Duration::from_millis(150),
            jitter: Duration::from_millis(50),
        },
    )]);
    let t = Instant::now();
    assert_eq!(get(&sim, "/v2/actor-runs?limit=1").await.status, 200);
    let slow = t.elapsed();
    assert!(slow >= Duration::from_millis(150), "{slow:?}");
    let t = Instant::now();
    assert_eq!(get(&sim, "/v2/actors?limit=1").await.status, 200);
    assert!(t.elapsed() < Duration::from_millis(150));
}

#[tokio::test]
async fn global_latency_option() {
    let sim = Sim::new(SimOptions {
        latency: Duration::from_millis(120),
        ..opts()
    });
    let t = Instant::now();
    get(&sim, "/v2/actors?limit=1").await;
    assert!(t.elapsed() >= Duration::from_millis(120));
}

#[tokio::test]
async fn error_rate_is_seeded_and_roughly_right() {
    let sim = sim();
    sim.set_faults(vec![Fault::new(
        "/v2/actors*",
        FaultKind::ErrorRate {
            rate: 0.5,
            status: 503,
        },
    )]);
    let mut errors = 0;
    for _ in 0..100 {
        let r = get(&sim, "/v2/actors?limit=1").await;
        match r.status.as_u16() {
            503 => {
                errors += 1;
                assert_eq!(r.error_type(), "internal-server-error");
            }
            200 => {}
            other => panic!("{other}"),
        }
    }
    assert!((30..70).contains(&errors), "{errors}");
    sim.set_faults(vec![Fault::new(
        "*",
        FaultKind::ErrorRate {
            rate: 1.0,
            status: 502,
        },
    )]);
    assert_eq!(
        get(&sim, "/v2/datasets").await.status,
        StatusCode::BAD_GATEWAY
    );
    sim.set_faults(vec![]);
    assert_eq!(get(&sim, "/v2/datasets").await.status, StatusCode::OK);
}

#[tokio::test]
async fn rate_limit_burst_then_recovery() {
    let sim = sim();
    sim.set_faults(vec![Fault::new(
        "/v2/actors",
        FaultKind::RateLimitBurst { count: 3 },
    )]);
    for _ in 0..3 {
        let r = get(&sim, "/v2/actors").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.error_type(), "rate-limit-exceeded");
        assert!(r.header("retry-after").is_none());
    }
    assert_eq!(get(&sim, "/v2/actors").await.status, 200);
}

#[tokio::test]
async fn stall_never_answers_but_is_logged() {
    let sim = sim();
    sim.set_faults(vec![Fault::new("/v2/actor-builds*", FaultKind::Stall)]);
    let res = tokio::time::timeout(Duration::from_millis(300), get(&sim, "/v2/actor-builds")).await;
    assert!(res.is_err(), "a stalled request must not be answered");
    assert_eq!(sim.requests().last().unwrap().path, "/v2/actor-builds");
    assert_eq!(get(&sim, "/v2/actors?limit=1").await.status, 200);
}

#[tokio::test]
async fn slow_body_trickles() {
    let sim = sim();
    let fast = get(&sim, "/v2/actors?limit=3").await.body;
    assert!(fast.len() > 1000);
    sim.set_faults(vec![Fault::new(
        "/v2/actors",
        FaultKind::SlowBody {
            bytes_per_sec: (fast.len() * 2) as u32,
        },
    )]);
    let t = Instant::now();
    let slow = get(&sim, "/v2/actors?limit=3").await;
    let took = t.elapsed();
    assert_eq!(slow.body, fast, "same bytes, just slower");
    assert!(took >= Duration::from_millis(400), "{took:?}");
}

#[tokio::test]
async fn reset_cuts_the_connection() {
    let sim = sim();
    sim.set_faults(vec![Fault::new("/v2/actors*", FaultKind::Reset)]);
    // In process: the body fails.
    let resp = tower::ServiceExt::oneshot(
        sim.router(),
        req("GET", "/v2/actors").token(scoped()).build(),
    )
    .await
    .unwrap();
    assert!(axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .is_err());
    // Over a socket: the client never gets a complete answer.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(forge_sim::serve(listener, sim.clone()));
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!(
            "GET /v2/actors HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            scoped()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf);
    assert!(!text.contains("\"data\""), "no body may arrive: {text}");
    assert!(
        !text.ends_with("0\r\n\r\n"),
        "the chunked body must not complete: {text}"
    );
}

#[tokio::test]
async fn serve_on_a_socket_builds_redirects_from_the_host_header() {
    let sim = sim();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(forge_sim::serve(listener, sim.clone()));
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!(
            "GET /v2/key-value-stores/~crawler-state/records/large-sitemap-cache HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            scoped()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 302"), "{text}");
    assert!(
        text.contains(&format!("location: http://{addr}/__sim/storage/")),
        "{text}"
    );
}
