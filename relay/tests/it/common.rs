//! Test harness: a recording upstream stub on 127.0.0.1:0, an in-process relay on another free
//! port, and a raw HTTP/1.1 client (no URL normalisation, any bytes on the request line).

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use forge_relay::config::{Config, Mode, RelayArgs, Secrets};
use forge_relay::seal::{Keyring, SessionSecret};
use forge_relay::AppState;
use forge_sim::{Sim, SimOptions};
use secrecy::SecretString;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The correctly-scoped token of the simulated account (user `forge-demo`).
pub const TOKEN: &str = forge_sim::DEFAULT_DEMO_TOKEN;
/// A well-formed token the simulated Apify does not know.
pub const UNKNOWN_TOKEN: &str = "apify_api_forgeDemoUnknownToApifyxb23a6a8439c0";
pub const KEYS: &str = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The upstream of every relay test: the simulated Apify account, behind a thin recorder that
/// logs every request byte-for-byte (including the simulator's own `/__sim/storage` redirect
/// target), adds hostile response headers the relay must drop, and serves one redirect to an
/// off-site host, which the simulator has no reason to produce.
#[derive(Clone)]
pub struct Stub {
    pub addr: SocketAddr,
    pub sim: Sim,
    log: Arc<Mutex<Vec<Recorded>>>,
    /// When set, every JSON answer also carries [`PLANTED`] (a field Apify might add tomorrow)
    /// in every object, error bodies included.
    pub plant: Arc<std::sync::atomic::AtomicBool>,
}

/// The field [`Stub::plant`] adds to every object of every JSON answer, and its value.
pub const PLANTED: &str = "forgeFieldApifyAddsTomorrow";
pub const PLANTED_VALUE: &str = "forge-planted-value";

fn plant_everywhere(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            o.values_mut().for_each(plant_everywhere);
            o.insert(PLANTED.into(), PLANTED_VALUE.into());
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(plant_everywhere),
        _ => {}
    }
}

impl Stub {
    pub async fn start() -> Stub {
        let sim = Sim::new(SimOptions {
            run_speed: 600.0,
            rate_limit_per_sec: 100_000,
            ..SimOptions::default()
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stub = Stub {
            addr,
            sim: sim.clone(),
            log: Arc::default(),
            plant: Arc::default(),
        };
        let app = axum::Router::new()
            .route(
                "/v2/key-value-stores/{store}/records/offsite",
                axum::routing::get(offsite),
            )
            .fallback_service(sim.router())
            .layer(axum::middleware::from_fn_with_state(stub.clone(), record));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        stub
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    pub fn clear(&self) {
        self.log.lock().unwrap().clear();
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A JSON GET straight to the simulator (not through the relay, not recorded), to find ids.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.get_json_as(TOKEN, path).await
    }

    pub async fn get_json_as(&self, token: &str, path: &str) -> serde_json::Value {
        let res = send_raw(
            self.addr,
            &RawRequest::new("GET", format!("/__sim/raw{path}"))
                .header("Authorization", format!("Bearer {token}"))
                .render(&self.addr.to_string()),
        )
        .await;
        serde_json::from_str(&res.body).unwrap_or_else(|e| panic!("{path}: {e}: {}", res.body))
    }
}

async fn record(State(stub): State<Stub>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    // `/__sim/raw/…` is the tests' own side door to the simulator: not recorded.
    if let Some(rest) = target.strip_prefix("/__sim/raw") {
        parts.uri = rest.parse().unwrap();
    } else {
        let headers = parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        stub.log.lock().unwrap().push(Recorded {
            method: parts.method.to_string(),
            target,
            headers,
            body: bytes.to_vec(),
        });
    }
    let mut res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let json = res
        .headers()
        .get("content-type")
        .is_some_and(|c| c.as_bytes().starts_with(b"application/json"));
    if json && stub.plant.load(std::sync::atomic::Ordering::Relaxed) {
        let (mut parts, body) = res.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        plant_everywhere(&mut v);
        parts.headers.remove("content-length");
        res = Response::from_parts(parts, Body::from(serde_json::to_vec(&v).unwrap()));
    }
    let h = res.headers_mut();
    h.insert("set-cookie", "upstream=1".parse().unwrap());
    h.insert("x-internal-secret", "do-not-leak".parse().unwrap());
    res
}

async fn offsite() -> Response {
    (
        StatusCode::FOUND,
        [("location", "http://storage.example.com/x")],
    )
        .into_response()
}

pub struct Relay {
    pub addr: SocketAddr,
}

impl Relay {
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub async fn send(&self, req: RawRequest<'_>) -> RawResponse {
        send_raw(self.addr, &req.render(&self.host())).await
    }
}

/// Starts a relay in `mode` in front of `stub`, after `tweak` adjusts its arguments.
pub async fn relay(mode: Mode, stub: &Stub, tweak: impl FnOnce(&mut RelayArgs)) -> Relay {
    let mut args = RelayArgs::defaults();
    args.bind = "127.0.0.1:0".parse().unwrap();
    args.upstream = stub.base();
    args.upstream_timeout = Duration::from_secs(2);
    tweak(&mut args);
    let secrets = Secrets {
        seal_keys: Some(KEYS.into()),
        apify_token: Some(TOKEN.into()),
    };
    let config = Config::new(mode, args, secrets).unwrap();
    let state = AppState::new(config).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The production accept loop (connection limits and all), not `axum::serve`.
    tokio::spawn(async move { forge_relay::serve(listener, state).await.unwrap() });
    Relay { addr }
}

/// A valid sealed session for `TOKEN`, sealed with the test key.
pub fn sealed() -> String {
    sealed_with(TOKEN, 0, 3600)
}

pub fn sealed_with(token: &str, issued_offset: i64, ttl: u64) -> String {
    let now = forge_relay::now_unix() as i64 + issued_offset;
    let session = SessionSecret {
        token: SecretString::from(token),
        user_id: "u1".into(),
        username: "ana".into(),
        retention_days: None,
    };
    Keyring::parse(KEYS)
        .unwrap()
        .seal(&session, now as u64, now as u64 + ttl)
        .unwrap()
}

/// A request as bytes on the wire. `{HOST}` in headers is replaced by the relay's address.
#[derive(Debug, Clone)]
pub struct RawRequest<'a> {
    pub method: &'a str,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Send `Host: <relay>` unless a Host header is given.
    pub default_host: bool,
    pub content_length: bool,
}

impl<'a> RawRequest<'a> {
    pub fn new(method: &'a str, target: impl Into<String>) -> Self {
        RawRequest {
            method,
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
            default_host: true,
            content_length: true,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn bearer(self) -> Self {
        self.header("Authorization", format!("Bearer {}", sealed()))
    }

    pub fn client(self) -> Self {
        self.header("X-Forge-Client", "1")
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn render(&self, host: &str) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.target).into_bytes();
        let has_host = self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("host"));
        if self.default_host && !has_host {
            out.extend_from_slice(format!("Host: {host}\r\n").as_bytes());
        }
        for (n, v) in &self.headers {
            out.extend_from_slice(format!("{n}: {}\r\n", v.replace("{HOST}", host)).as_bytes());
        }
        let has_length = self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
        if self.content_length && !has_length && (!self.body.is_empty() || self.method != "GET") {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn error_type(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v["error"]["type"].as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// Writes raw bytes, reads the whole answer (the request says `Connection: close`). A connection
/// the server closes without an answer is reported as status 0.
pub async fn send_raw(addr: SocketAddr, bytes: &[u8]) -> RawResponse {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The server may answer (413, 400) and close before the whole body is written.
    let _ = stream.write_all(bytes).await;
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "no answer within 20 s");
    parse_response(&buf)
}

fn parse_response(buf: &[u8]) -> RawResponse {
    let text = String::from_utf8_lossy(buf);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return RawResponse {
            status: 0,
            headers: vec![],
            body: text.into_owned(),
        };
    };
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        // A binary (gzipped) body read as lossy text has no reliable byte lengths: stop there.
        let (Some(chunk), Some(next)) = (rest.get(..n), rest.get(n..)) else {
            break;
        };
        if n == 0 {
            break;
        }
        out.push_str(chunk);
        s = next.trim_start_matches("\r\n");
    }
    out
}

/// Waits (up to 30 s) for the relay binary's `listening on http://ADDR` log line and returns ADDR.
pub async fn listening_addr(log: &std::sync::Mutex<Vec<String>>) -> SocketAddr {
    const MARK: &str = "listening on http://";
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let found = log.lock().unwrap().iter().find_map(|l| {
                let rest = &l[l.find(MARK)? + MARK.len()..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ':'))
                    .unwrap_or(rest.len());
                rest[..end].parse::<SocketAddr>().ok()
            });
            if let Some(a) = found {
                return a;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("the relay did not start: {:?}", log.lock().unwrap()))
}
