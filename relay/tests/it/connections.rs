//! Connections that cannot be held hostage (`relay/src/server.rs`): idle and half-sent
//! connections are closed, caps keep one client from taking every socket, a request with both
//! `Content-Length` and `Transfer-Encoding` is refused, HTTP/2 clients can use `/api`, and
//! shutdown drains.
//!
//! Timing: every timeout here is set short or very long, and tests only ever wait for something
//! to happen within a generous bound ([`BOUND`]) — never assert how fast it happened.

use crate::common::*;
use axum::extract::ConnectInfo;
use axum::routing::get;
use forge_relay::config::{Config, Mode, RelayArgs, Secrets};
use forge_relay::metrics::Metrics;
use forge_relay::server::{self, Limits};
use forge_relay::AppState;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::process::{Child, Command};

/// How long "eventually" may take.
const BOUND: Duration = Duration::from_secs(20);
const LONG: &str = "10m";
const PUT_RECORD: &str = "/api/apify/v2/key-value-stores/~forge-trends/records/snap";

/// An in-process relay served by `forge_relay::server` (the accept loop under test) in front of
/// the recording stub.
async fn serve_relay(mode: Mode, stub: &Stub, tweak: impl FnOnce(&mut RelayArgs)) -> Relay {
    let mut args = RelayArgs::defaults();
    args.bind = "127.0.0.1:0".parse().unwrap();
    args.upstream = stub.base();
    args.upstream_timeout = Duration::from_secs(2);
    tweak(&mut args);
    let secrets = Secrets {
        seal_keys: Some(KEYS.into()),
        apify_token: Some(TOKEN.into()),
    };
    let state = AppState::new(Config::new(mode, args, secrets).unwrap()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = Limits::from_config(&state.config);
    let metrics = state.metrics.clone();
    let app = forge_relay::router(state);
    tokio::spawn(server::serve(
        listener,
        app,
        limits,
        metrics,
        std::future::pending(),
    ));
    Relay { addr }
}

fn duration(s: &str) -> Duration {
    forge_relay::config::parse_duration(s).unwrap()
}

/// A connection from the loopback address `src` (all of 127/8 reaches `lo` on Linux).
async fn connect_from(src: &str, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(src.parse().unwrap(), 0))
        .unwrap();
    // A relay that stopped accepting lets the backlog fill: connecting then hangs.
    tokio::time::timeout(BOUND, socket.connect(addr))
        .await
        .unwrap_or_else(|_| {
            panic!("connecting from {src} to {addr} hangs: the relay stopped accepting")
        })
        .unwrap()
}

/// Reads until the relay closes the connection (end of stream or reset); false if it is still
/// open after `bound`.
async fn closed_within(stream: &mut TcpStream, bound: Duration) -> bool {
    let mut buf = [0u8; 4096];
    tokio::time::timeout(bound, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

/// Reads one response with a `Content-Length` body from a connection that stays open.
async fn read_response(stream: &mut TcpStream) -> (String, String) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(BOUND, stream.read(&mut byte))
            .await
            .expect("no response")
            .unwrap();
        assert_eq!(n, 1, "closed before the response head ended: {buf:?}");
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("no content-length");
    let mut body = vec![0u8; length];
    tokio::time::timeout(BOUND, stream.read_exact(&mut body))
        .await
        .expect("no body")
        .unwrap();
    (head, String::from_utf8(body).unwrap())
}

const HEALTHZ_KEEP_ALIVE: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

async fn metrics_text(addr: SocketAddr) -> String {
    let res = send_raw(
        addr,
        &RawRequest::new("GET", "/metrics").render(&addr.to_string()),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body
}

/// The value of a metric line such as `forge_connections_open` or
/// `forge_connections_closed_total{reason="idle-timeout"}`; 0 when absent.
fn metric(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0, |v| v.trim().parse().unwrap())
}

/// `/metrics` from a relay at its connection cap, asked again until a place frees up (each
/// refused attempt counts as a refusal too).
async fn metrics_once_a_place_frees_up(addr: SocketAddr) -> String {
    let deadline = tokio::time::Instant::now() + BOUND;
    loop {
        let res = send_raw(
            addr,
            &RawRequest::new("GET", "/metrics").render(&addr.to_string()),
        )
        .await;
        if res.status == 200 {
            return res.body;
        }
        assert!(tokio::time::Instant::now() < deadline, "no place freed up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls `/metrics` until `series` satisfies `ok`.
async fn wait_for_metric(addr: SocketAddr, series: &str, ok: impl Fn(u64) -> bool) -> u64 {
    let deadline = tokio::time::Instant::now() + BOUND;
    loop {
        let v = metric(&metrics_text(addr).await, series);
        if ok(v) {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{series} stayed at {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn healthz(addr: SocketAddr) -> RawResponse {
    send_raw(
        addr,
        &RawRequest::new("GET", "/healthz").render(&addr.to_string()),
    )
    .await
}

/// The real binary, started through `sh` with a soft open-file limit of `soft_nofile`.
struct Binary {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

async fn start_binary(args: &[&str], soft_nofile: u64) -> Binary {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(r#"ulimit -S -n {soft_nofile} && exec "$0" "$@""#))
        .arg(env!("CARGO_BIN_EXE_forge-relay"))
        .args(args)
        .args(["--log-format", "json"])
        .env("RUST_LOG", "info")
        .env("FORGE_SEAL_KEYS", KEYS)
        .env_remove("APIFY_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            sink.lock().unwrap().push(line);
        }
    });
    let addr = listening_addr(&log).await;
    Binary { child, addr, log }
}

/// (a) Two thousand idle connections from one client, on a relay started with the usual soft
/// limit of 1,024 open files: other clients are still answered, `/healthz` and `/api` alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_connections_do_not_lock_others_out() {
    let limit = server::raise_fd_limit().unwrap();
    assert!(
        limit >= 4_500,
        "this test holds 2,000 sockets at a time and needs an open-file hard limit of about 4,500, not {limit}"
    );
    // Without a per-IP cap: the relay raises its own limit and holds them all.
    let relay = start_binary(
        &[
            "demo",
            "--bind",
            "127.0.0.1:0",
            "--max-connections-per-ip",
            "0",
            "--header-read-timeout",
            LONG,
            "--idle-timeout",
            LONG,
        ],
        1024,
    )
    .await;
    let starting = relay
        .log
        .lock()
        .unwrap()
        .iter()
        .find(|l| l.contains("starting"))
        .cloned()
        .unwrap();
    assert!(
        starting.contains("max_connections: 4096")
            && starting.contains("max_connections_per_ip: 0"),
        "{starting}"
    );
    assert!(
        !starting.contains("fd_limit\":\"Some(1024)"),
        "the relay did not raise its open-file limit: {starting}"
    );
    let mut idle = Vec::with_capacity(2000);
    for i in 0..2000 {
        let mut s = connect_from("127.0.0.2", relay.addr).await;
        if i % 2 == 0 {
            // Half of them send half a request head and stop.
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await
                .unwrap();
        }
        idle.push(s);
    }
    wait_for_metric(relay.addr, "forge_connections_open", |n| n >= 2000).await;
    let res = healthz(relay.addr).await;
    assert_eq!((res.status, res.body.as_str()), (200, "ok\n"));
    let res = send_raw(
        relay.addr,
        &RawRequest::new("GET", "/api/session")
            .client()
            .render(&relay.addr.to_string()),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains(r#""mode":"demo""#), "{}", res.body);
    // They were held, not dropped.
    for s in idle.iter_mut().take(20) {
        assert!(!closed_within(s, Duration::from_millis(20)).await);
    }
    drop(idle);
    drop(relay);

    // With the default per-IP cap (256): the rest are accepted and closed at once, counted.
    let relay = start_binary(
        &[
            "demo",
            "--bind",
            "127.0.0.1:0",
            "--header-read-timeout",
            LONG,
        ],
        1024,
    )
    .await;
    let mut idle = Vec::with_capacity(2000);
    for _ in 0..2000 {
        idle.push(connect_from("127.0.0.2", relay.addr).await);
    }
    wait_for_metric(
        relay.addr,
        "forge_connections_refused_total{reason=\"max-connections-per-ip\"}",
        |n| n == 2000 - 256,
    )
    .await;
    let res = healthz(relay.addr).await;
    assert_eq!((res.status, res.body.as_str()), (200, "ok\n"));
    let res = send_raw(
        relay.addr,
        &RawRequest::new("GET", "/api/session")
            .client()
            .render(&relay.addr.to_string()),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(closed_within(&mut idle[1999], BOUND).await);
    assert!(!closed_within(&mut idle[0], Duration::from_millis(20)).await);
}

/// (b) A request head not complete within the header-read timeout: the connection is closed,
/// whether the client sends nothing, stops half-way, or keeps trickling bytes.
#[tokio::test]
async fn a_late_request_head_is_cut_off() {
    let stub = Stub::start().await;
    let relay = serve_relay(Mode::Serve, &stub, |a| {
        a.header_read_timeout = Duration::from_secs(1);
        a.idle_timeout = duration(LONG);
    })
    .await;

    let mut silent = connect_from("127.0.0.1", relay.addr).await;
    let mut half = connect_from("127.0.0.1", relay.addr).await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    // Keeps sending a byte every 200 ms: a whole-head deadline, not an inactivity one.
    let trickle = connect_from("127.0.0.1", relay.addr).await;
    let (mut trickle_read, mut trickle_write) = trickle.into_split();
    let writer = tokio::spawn(async move {
        trickle_write
            .write_all(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
            .await
            .unwrap();
        for _ in 0..200 {
            if trickle_write.write_all(b"a").await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    });
    // A keep-alive connection whose *second* head is late (the idle timeout is long).
    let mut second = connect_from("127.0.0.1", relay.addr).await;
    second.write_all(HEALTHZ_KEEP_ALIVE).await.unwrap();
    let (head, body) = read_response(&mut second).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(body, "ok\n");
    second
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .unwrap();

    assert!(closed_within(&mut silent, BOUND).await, "silent connection");
    assert!(closed_within(&mut half, BOUND).await, "half a head");
    assert!(closed_within(&mut second, BOUND).await, "late second head");
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(BOUND, async {
        loop {
            match trickle_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "trickling head");
    assert!(writer.await.unwrap(), "the trickle was never refused");

    let text = metrics_text(relay.addr).await;
    assert_eq!(
        metric(
            &text,
            "forge_connections_closed_total{reason=\"header-read-timeout\"}"
        ),
        4,
        "{text}"
    );
    // Nothing of it reached the upstream, and complete requests are still answered.
    assert_eq!(stub.count(), 0);
    assert_eq!(healthz(relay.addr).await.status, 200);
}

/// (c) A keep-alive connection with no request for the idle timeout is closed: HTTP/1.1, and
/// HTTP/2 (GOAWAY, then closed).
#[tokio::test]
async fn idle_keep_alive_connections_are_closed() {
    let stub = Stub::start().await;
    let relay = serve_relay(Mode::Serve, &stub, |a| {
        a.header_read_timeout = duration(LONG);
        a.idle_timeout = Duration::from_secs(1);
    })
    .await;

    let mut h1 = connect_from("127.0.0.1", relay.addr).await;
    h1.write_all(HEALTHZ_KEEP_ALIVE).await.unwrap();
    let (head, _) = read_response(&mut h1).await;
    assert!(
        head.starts_with("HTTP/1.1 200")
            && !head.to_ascii_lowercase().contains("connection: close"),
        "{head}"
    );
    assert!(closed_within(&mut h1, BOUND).await, "idle HTTP/1.1");

    // HTTP/2 with prior knowledge: hyper's client connection ends when the relay closes it.
    let stream = connect_from("127.0.0.1", relay.addr).await;
    let (mut sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    let conn = tokio::spawn(conn);
    let req = axum::http::Request::get(format!("http://{}/healthz", relay.addr))
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.version(), axum::http::Version::HTTP_2);
    drop(res);
    let ended = tokio::time::timeout(BOUND, conn).await;
    assert!(ended.is_ok(), "idle HTTP/2 connection still open");
    drop(sender);

    // Only the connection asking for the metrics is left.
    wait_for_metric(relay.addr, "forge_connections_open", |n| n == 1).await;
    let text = metrics_text(relay.addr).await;
    assert_eq!(
        metric(
            &text,
            "forge_connections_closed_total{reason=\"idle-timeout\"}"
        ),
        2,
        "{text}"
    );
}

/// A request in progress for longer than the idle timeout is not idle: it completes and its
/// connection stays usable. Handlers also still get `ConnectInfo<SocketAddr>`.
#[tokio::test]
async fn a_long_request_is_not_idle() {
    let app = axum::Router::new().route(
        "/slow",
        get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            peer.ip().to_string()
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = Limits {
        header_read_timeout: duration(LONG),
        idle_timeout: Duration::from_millis(300),
        max_connections: 16,
        max_connections_per_ip: 0,
    };
    tokio::spawn(server::serve(
        listener,
        app,
        limits,
        Arc::new(Metrics::default()),
        std::future::pending(),
    ));
    let mut conn = connect_from("127.0.0.2", addr).await;
    for _ in 0..2 {
        conn.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let (head, body) = read_response(&mut conn).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            !head.to_ascii_lowercase().contains("connection: close"),
            "the idle timeout began a shutdown during the request: {head}"
        );
        assert_eq!(body, "127.0.0.2");
    }
    assert!(closed_within(&mut conn, BOUND).await);
}

/// (d) Over the per-IP cap, or the total cap, a new connection is accepted and closed at once;
/// the connections already open, and other clients, keep working.
#[tokio::test]
async fn connections_over_a_cap_are_closed_at_once() {
    let stub = Stub::start().await;
    let relay = serve_relay(Mode::Serve, &stub, |a| {
        a.header_read_timeout = duration(LONG);
        a.idle_timeout = duration(LONG);
        a.max_connections = 6;
        a.max_connections_per_ip = 3;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from("127.0.0.2", relay.addr).await);
    }
    // Three, and the one asking for the metrics.
    wait_for_metric(relay.addr, "forge_connections_open", |n| n == 4).await;
    let mut extra = connect_from("127.0.0.2", relay.addr).await;
    assert!(
        closed_within(&mut extra, BOUND).await,
        "the 4th connection from 127.0.0.2 was kept"
    );
    // The three still work, and so do other clients.
    for s in &mut held {
        assert!(!closed_within(s, Duration::from_millis(20)).await);
    }
    held[0].write_all(HEALTHZ_KEEP_ALIVE).await.unwrap();
    let (head, body) = read_response(&mut held[0]).await;
    assert!(head.starts_with("HTTP/1.1 200") && body == "ok\n", "{head}");
    assert_eq!(healthz(relay.addr).await.status, 200);
    let text = metrics_text(relay.addr).await;
    assert_eq!(
        metric(
            &text,
            "forge_connections_refused_total{reason=\"max-connections-per-ip\"}"
        ),
        1,
        "{text}"
    );

    // The total cap: 3 + 3 open, a 7th from anywhere is closed.
    for _ in 0..3 {
        held.push(connect_from("127.0.0.3", relay.addr).await);
    }
    let mut seventh = connect_from("127.0.0.4", relay.addr).await;
    assert!(
        closed_within(&mut seventh, BOUND).await,
        "the 7th connection was kept"
    );
    held[5].write_all(HEALTHZ_KEEP_ALIVE).await.unwrap();
    let (head, _) = read_response(&mut held[5]).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    // A place frees up when a connection ends.
    drop(held.pop());
    let text = metrics_once_a_place_frees_up(relay.addr).await;
    assert!(
        metric(
            &text,
            "forge_connections_refused_total{reason=\"max-connections\"}"
        ) >= 1,
        "{text}"
    );
}

/// (e) `Content-Length` and `Transfer-Encoding` together: 400 in the relay's envelope, in
/// either order, alone or behind another request on the same connection, and nothing goes
/// upstream. Each header alone is forwarded as usual.
#[tokio::test]
async fn content_length_with_transfer_encoding_is_refused() {
    let stub = Stub::start().await;
    let relay = serve_relay(Mode::Serve, &stub, |_| {}).await;
    let host = relay.host();
    let chunked = b"2\r\n{}\r\n0\r\n\r\n".to_vec();
    for headers in [
        [("Content-Length", "2"), ("Transfer-Encoding", "chunked")],
        [("Transfer-Encoding", "chunked"), ("Content-Length", "13")],
    ] {
        let mut req = RawRequest::new("PUT", PUT_RECORD)
            .bearer()
            .header("Content-Type", "application/json")
            .body(chunked.clone());
        for (n, v) in headers {
            req = req.header(n, v);
        }
        let res = relay.send(req).await;
        assert_eq!(res.status, 400, "{headers:?}: {}", res.body);
        assert_eq!(res.error_type(), "forge-bad-request");
        assert!(res.body.contains("Content-Length and Transfer-Encoding"));
        assert_eq!(
            res.header("content-type"),
            Some("application/json; charset=utf-8")
        );
    }
    // Outside /api too.
    let res = relay
        .send(
            RawRequest::new("POST", "/healthz")
                .header("Transfer-Encoding", "chunked")
                .header("Content-Length", "5")
                .body(chunked.clone()),
        )
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (400, "forge-bad-request")
    );
    // Pipelined behind an ordinary request on one connection.
    let mut stream = connect_from("127.0.0.1", relay.addr).await;
    let mut bytes = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes();
    bytes.extend_from_slice(
        format!(
            "PUT {PUT_RECORD} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
            sealed()
        )
        .as_bytes(),
    );
    bytes.extend_from_slice(&chunked);
    stream.write_all(&bytes).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(BOUND, stream.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 200")
            && answer.contains("HTTP/1.1 400")
            && answer.contains("forge-bad-request"),
        "{answer}"
    );
    assert_eq!(stub.count(), 0, "{:?}", stub.requests());

    // Either header alone goes through.
    let mut te_only = RawRequest::new("PUT", PUT_RECORD)
        .bearer()
        .header("Content-Type", "application/json")
        .header("Transfer-Encoding", "chunked")
        .body(chunked);
    te_only.content_length = false;
    let res = relay.send(te_only).await;
    assert!(res.status < 300, "{} {}", res.status, res.body);
    let res = relay
        .send(
            RawRequest::new("PUT", PUT_RECORD)
                .bearer()
                .header("Content-Type", "application/json")
                .body("{}"),
        )
        .await;
    assert!(res.status < 300, "{} {}", res.status, res.body);
    let sent = stub.requests();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|r| r.body == b"{}"), "{sent:?}");
    let text = metrics_text(relay.addr).await;
    assert_eq!(
        metric(
            &text,
            "forge_connections_closed_total{reason=\"conflicting-framing\"}"
        ),
        4,
        "{text}"
    );
}

/// (f) HTTP/2 with prior knowledge reaches `/api` in demo mode; `:authority` is the host, so the
/// loopback-host rule still holds.
#[tokio::test]
async fn http2_clients_can_use_the_api() {
    let relay = start_binary(&["demo", "--bind", "127.0.0.1:0"], 1024).await;
    let client = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let base = format!("http://{}", relay.addr);
    let res = client
        .get(format!("{base}/api/session"))
        .header("X-Forge-Client", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(v["mode"], "demo", "{v}");
    let res = client
        .get(format!("{base}/api/apify/v2/actors?my=1"))
        .header("X-Forge-Client", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert!(
        v["data"]["items"].as_array().is_some_and(|a| !a.is_empty()),
        "{v}"
    );

    // A Host header beside :authority must agree with it.
    for (host, status) in [
        (relay.addr.to_string(), 200),
        ("localhost".to_string(), 400),
    ] {
        let res = client
            .get(format!("{base}/api/session"))
            .header("X-Forge-Client", "1")
            .header("Host", host.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "Host: {host}");
    }

    // A name that is not loopback, though it resolves to the relay: refused as over HTTP/1.
    let rebound = reqwest::Client::builder()
        .http2_prior_knowledge()
        .resolve("rebound.example", relay.addr)
        .build()
        .unwrap();
    let res = rebound
        .get(format!(
            "http://rebound.example:{}/api/session",
            relay.addr.port()
        ))
        .header("X-Forge-Client", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert_eq!(res.status(), 403);
    let v: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(v["error"]["type"], "forge-host-not-allowed", "{v}");
}

/// On shutdown the relay stops accepting, closes idle connections, lets the request in flight
/// finish, and returns only then.
#[tokio::test]
async fn shutdown_drains_in_flight_requests_and_closes_idle_connections() {
    let (entered_tx, entered_rx) = tokio::sync::oneshot::channel::<()>();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
    let slow = Arc::new(Mutex::new(Some((entered_tx, release_rx))));
    let app = axum::Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/slow",
            get(move || {
                let slow = slow.lock().unwrap().take();
                async move {
                    if let Some((entered, release)) = slow {
                        let _ = entered.send(());
                        let _ = release.await;
                    }
                    "done"
                }
            }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = Limits {
        header_read_timeout: duration(LONG),
        idle_timeout: duration(LONG),
        max_connections: 16,
        max_connections_per_ip: 0,
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(
        listener,
        app,
        limits,
        Arc::new(Metrics::default()),
        async {
            let _ = stop_rx.await;
        },
    ));
    let mut fresh = connect_from("127.0.0.1", addr).await;
    let mut kept = connect_from("127.0.0.1", addr).await;
    kept.write_all(HEALTHZ_KEEP_ALIVE).await.unwrap();
    read_response(&mut kept).await;
    let mut slow = connect_from("127.0.0.1", addr).await;
    slow.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    entered_rx.await.unwrap();

    stop_tx.send(()).unwrap();
    assert!(closed_within(&mut fresh, BOUND).await, "a fresh connection");
    assert!(
        closed_within(&mut kept, BOUND).await,
        "an idle keep-alive connection"
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown began"
    );
    // The request in flight holds the shutdown up until it is answered.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !server.is_finished(),
        "serve returned with a request in flight"
    );
    release_tx.send(()).unwrap();
    let (head, body) = read_response(&mut slow).await;
    assert!(head.starts_with("HTTP/1.1 200") && body == "done", "{head}");
    assert!(
        closed_within(&mut slow, BOUND).await,
        "the drained connection"
    );
    let served = tokio::time::timeout(BOUND, server).await;
    assert!(matches!(served, Ok(Ok(Ok(())))), "{served:?}");
}

/// The binary with four shards (four accept loops on one listener): the connection cap is the
/// process's, not each shard's; `/metrics` counts what every shard answered; SIGTERM drains
/// all of them and the process exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_share_one_cap_one_set_of_metrics_and_one_shutdown() {
    let mut relay = start_binary(
        &[
            "demo",
            "--bind",
            "127.0.0.1:0",
            "--shards",
            "4",
            "--max-connections",
            "4",
            "--max-connections-per-ip",
            "0",
            "--header-read-timeout",
            LONG,
            "--idle-timeout",
            LONG,
        ],
        1024,
    )
    .await;
    assert!(
        relay
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("\"shards\":4")),
        "{:?}",
        relay.log.lock().unwrap()
    );
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut s = connect_from("127.0.0.2", relay.addr).await;
        s.write_all(HEALTHZ_KEEP_ALIVE).await.unwrap();
        let (head, _) = read_response(&mut s).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        held.push(s);
    }
    // Per-shard caps would let up to 16 in; the process cap lets none of these.
    for i in 0..8 {
        let mut extra = connect_from("127.0.0.3", relay.addr).await;
        assert!(
            closed_within(&mut extra, BOUND).await,
            "connection {} over the cap was kept",
            5 + i
        );
    }
    // A place frees up once the relay sees a held connection end.
    drop(held.pop());
    let text = metrics_once_a_place_frees_up(relay.addr).await;
    // (A /metrics attempt before the place freed up is refused too.)
    assert!(
        metric(
            &text,
            "forge_connections_refused_total{reason=\"max-connections\"}"
        ) >= 8,
        "{text}"
    );
    assert_eq!(
        metric(
            &text,
            "forge_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"
        ),
        4,
        "{text}"
    );

    let pid = relay.child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = tokio::time::timeout(BOUND, relay.child.wait())
        .await
        .expect("the relay did not exit after SIGTERM")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    for s in &mut held {
        assert!(
            closed_within(s, BOUND).await,
            "a held connection stayed open"
        );
    }
}
