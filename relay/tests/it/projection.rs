//! What comes back: each allow-list row's response rule, applied by the real forwarding path to
//! the simulated account's answers — which carry every field the OpenAPI file declares, with the
//! simulator's sentinel in every field Forge must never return, and (with `Stub::plant`) a field
//! Apify might add tomorrow in every object. Also: record reads narrowed to `SIGNALS` and Forge's
//! own store, `waitForFinish`, and upstream answers the relay refuses to pass on.

use crate::common::*;
use crate::forward::{allowed, ids};
use forge_apify::allow::match_request;
use forge_apify::project::Shape;
use forge_apify::project::{project, Reply};
use forge_relay::config::Mode;
use forge_sim::{Fault, FaultKind, SENTINEL};
use serde_json::Value;
use std::sync::atomic::Ordering;

/// Whether the planted field survived anywhere but inside a `Json` subtree (the schema
/// documents a build keeps whole).
fn planted_outside_schemas(shape: &Shape, v: &Value) -> bool {
    match (shape, v) {
        (Shape::Json, _) => false,
        (Shape::Object(fields), Value::Object(o)) => o.iter().any(|(k, child)| {
            k == PLANTED
                || fields
                    .iter()
                    .find(|f| f.name == k)
                    .is_some_and(|f| planted_outside_schemas(&f.shape, child))
        }),
        (Shape::Map(value), Value::Object(o)) => o
            .iter()
            .any(|(k, child)| k == PLANTED || planted_outside_schemas(value, child)),
        (Shape::List(item), Value::Array(a)) => a.iter().any(|i| planted_outside_schemas(item, i)),
        _ => false,
    }
}
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn every_json_row_returns_exactly_its_projection() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let ids = ids(&stub).await;
    stub.plant.store(true, Ordering::Relaxed);
    let mut json_rows = 0;
    let mut with_sentinel = 0;
    for (method, path, body, upstream_target, status) in allowed(&ids) {
        let (p, q) = path
            .split_once('?')
            .map_or((path.as_str(), None), |(p, q)| (p, Some(q)));
        let row = match_request(method, p, q).unwrap();
        let Reply::Json(shape) = row.reply() else {
            continue;
        };
        json_rows += 1;
        let res = relay
            .send(
                RawRequest::new(method, format!("/api/apify{path}"))
                    .bearer()
                    .body(body),
            )
            .await;
        assert_eq!(res.status, status, "{method} {path}: {}", res.body);
        assert!(
            !res.body.contains(SENTINEL),
            "{method} {path} leaked: {}",
            res.body
        );
        let v: Value = serde_json::from_str(&res.body).unwrap();
        assert!(
            !planted_outside_schemas(shape, &v),
            "{method} {path}: an unknown field came back: {v}"
        );
        assert_eq!(
            res.header("content-type"),
            Some("application/json; charset=utf-8")
        );

        // Exactly the projection of what the upstream sent, and the upstream did send the
        // fields that were dropped (so this test fails if the projection stops working).
        if method == "GET" {
            let direct = send_raw(
                stub.addr,
                &RawRequest::new("GET", format!("/__sim/raw{upstream_target}"))
                    .header("Authorization", format!("Bearer {TOKEN}"))
                    .render(&stub.addr.to_string()),
            )
            .await;
            assert!(direct.body.contains(PLANTED), "{path}: nothing to drop");
            with_sentinel += usize::from(direct.body.contains(SENTINEL));
            let want = project(shape, direct.body.as_bytes()).unwrap();
            let want: Value = serde_json::from_slice(&want).unwrap();
            assert_eq!(v, want, "{method} {path}");
        }
    }
    assert_eq!(json_rows, 17);
    // Actor, build, dataset and store details and lists, key listings, the store create.
    assert!(
        with_sentinel >= 7,
        "only {with_sentinel} answers carried forbidden fields"
    );
}

#[tokio::test]
async fn error_bodies_come_back_as_type_and_message_only() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    stub.plant.store(true, Ordering::Relaxed);
    stub.sim.set_faults(vec![Fault::new(
        "/v2/actor-runs*",
        FaultKind::RateLimitBurst { count: 1 },
    )]);
    for (target, status) in [
        ("/api/apify/v2/actor-runs", 429),
        ("/api/apify/v2/actor-runs/NoSuchRun000000", 404),
        (
            "/api/apify/v2/key-value-stores/~forge-trends/records/absent",
            404,
        ),
    ] {
        let res = relay.send(RawRequest::new("GET", target).bearer()).await;
        assert_eq!(res.status, status, "{target}");
        let v: serde_json::Value = serde_json::from_str(&res.body).unwrap();
        let error = v["error"].as_object().expect("an error envelope");
        assert_eq!(v.as_object().unwrap().len(), 1, "{target}: {v}");
        assert_eq!(
            error.keys().collect::<Vec<_>>(),
            ["message", "type"],
            "{target}: {v}"
        );
        assert!(!res.body.contains(SENTINEL));
    }
}

#[tokio::test]
async fn record_reads_are_signals_and_forge_trends_only() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |_| {}).await;
    let ids = ids(&stub).await;
    let store = &ids.store;
    // The run's store really holds an INPUT with credentials: refusing it is what matters.
    let (_, input) = stub
        .sim
        .store_record(store, "INPUT")
        .expect("the run has an INPUT record");
    assert!(String::from_utf8_lossy(&input).contains(SENTINEL));
    for key in ["INPUT", "OUTPUT", "CRAWLEE_STATE", "signals", "SIGNALS2"] {
        for store in [store.as_str(), "~other-store", "forge-demo~forge-trends"] {
            stub.clear();
            let target = format!("/api/apify/v2/key-value-stores/{store}/records/{key}");
            let res = relay.send(RawRequest::new("GET", &*target).bearer()).await;
            assert_eq!(
                (res.status, res.error_type().as_str()),
                (403, "forge-not-allowed"),
                "{target}"
            );
            assert_eq!(res.header("x-forge-refusal"), Some("record-not-read"));
            assert!(res.body.contains("SIGNALS"), "{}", res.body);
            assert_eq!(stub.count(), 0, "{target} reached the upstream");
        }
    }
    // What Forge reads passes: a run's SIGNALS, and any record of its own store.
    let res = relay
        .send(
            RawRequest::new(
                "GET",
                format!("/api/apify/v2/key-value-stores/{store}/records/SIGNALS"),
            )
            .bearer(),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let put = relay
        .send(
            RawRequest::new(
                "PUT",
                "/api/apify/v2/key-value-stores/~forge-trends/records/INPUT",
            )
            .bearer()
            .header("Content-Type", "application/json")
            .body(r#"{"mine":true}"#),
        )
        .await;
    assert_eq!(put.status, 201, "{}", put.body);
    let res = relay
        .send(
            RawRequest::new(
                "GET",
                "/api/apify/v2/key-value-stores/~forge-trends/records/INPUT",
            )
            .bearer(),
        )
        .await;
    assert_eq!((res.status, res.body.as_str()), (200, r#"{"mine":true}"#));
    // Key listings: names and sizes, never signed record URLs.
    let res = relay
        .send(
            RawRequest::new(
                "GET",
                format!("/api/apify/v2/key-value-stores/{store}/keys"),
            )
            .bearer(),
        )
        .await;
    assert_eq!(res.status, 200);
    let v: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let items = v["data"]["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["key"] == "SIGNALS"), "{v}");
    for item in items {
        let mut keys: Vec<_> = item.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["key", "size"], "{item}");
    }
}

#[tokio::test]
async fn wait_for_finish_is_clamped_forwarded_and_waited_for() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |a| {
        // Shorter than the wait: a waiting read gets its wait on top of the upstream timeout.
        a.upstream_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let started = relay
        .send(
            RawRequest::new(
                "POST",
                "/api/apify/v2/actors/forge-demo~healthy-workhorse/runs",
            )
            .bearer()
            .header("Content-Type", "application/json")
            .body("{}"),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.body);
    let run: serde_json::Value = serde_json::from_str(&started.body).unwrap();
    let run_id = run["data"]["id"].as_str().unwrap();
    stub.clear();
    let res = relay
        .send(
            RawRequest::new(
                "GET",
                format!("/api/apify/v2/actor-runs/{run_id}?waitForFinish=600"),
            )
            .bearer(),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let seen = stub.requests();
    assert_eq!(
        seen[0].target,
        format!("/v2/actor-runs/{run_id}?waitForFinish=60")
    );
    let v: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let status = v["data"]["status"].as_str().unwrap();
    assert!(
        ["SUCCEEDED", "FAILED", "TIMED-OUT", "ABORTED"].contains(&status),
        "the relay answered before the run ended: {status}"
    );
    // Anywhere else it is refused before the upstream.
    stub.clear();
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actor-runs?waitForFinish=5").bearer())
        .await;
    assert_eq!(
        (res.status, res.header("x-forge-refusal")),
        (403, Some("dangerous-query-key"))
    );
    assert_eq!(stub.count(), 0);
}

/// A one-answer-per-connection upstream that says whatever `answer` returns for a request line.
async fn canned_upstream(answer: fn(&str) -> Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut got = 0;
                while !buf[..got].windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf[got..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got += n,
                    }
                }
                let head = String::from_utf8_lossy(&buf[..got]).into_owned();
                let line = head.lines().next().unwrap_or("").to_string();
                let _ = sock.write_all(&answer(&line)).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

fn http(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn odd_answers(line: &str) -> Vec<u8> {
    let path = line.split(' ').nth(1).unwrap_or("");
    match path {
        "/v2/users/me" => {
            let big = format!(
                r#"{{"data":{{"id":"u1","username":"ana","pad":"{}"}}}}"#,
                "x".repeat(200_000)
            );
            http("200 OK", "application/json", big.as_bytes())
        }
        "/v2/actors" => http("200 OK", "text/html", b"<html>maintenance</html>"),
        "/v2/actor-builds" => http("200 OK", "application/json", b"[1,2,3]"),
        "/v2/datasets" => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40000000\r\n\r\n{\"data\":";
            head.as_bytes().to_vec()
        }
        "/v2/actor-runs" => {
            // An interim 103 then the real answer: the client consumes the 1xx itself.
            let mut out = b"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n".to_vec();
            out.extend(http(
                "200 OK",
                "application/json",
                br#"{"data":{"total":0,"items":[]}}"#,
            ));
            out
        }
        "/v2/actor-runs/R1" => {
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n"
                .to_vec()
        }
        "/v2/key-value-stores" => http("502 Bad Gateway", "text/html", b"<html>proxy error</html>"),
        _ => http(
            "404 Not Found",
            "application/json",
            br#"{"error":{"type":"page-not-found","message":"no"}}"#,
        ),
    }
}

#[tokio::test]
async fn answers_the_relay_will_not_pass_on_are_clear_502s() {
    let base = canned_upstream(odd_answers).await;
    let stub = Stub::start().await;
    let relay = relay(Mode::Serve, &stub, |a| a.upstream = base.clone()).await;
    for (target, status, kind) in [
        ("/api/apify/v2/actors", 502, "forge-upstream-malformed"),
        (
            "/api/apify/v2/actor-builds",
            502,
            "forge-upstream-malformed",
        ),
        ("/api/apify/v2/datasets", 502, "forge-upstream-too-large"),
        ("/api/apify/v2/actor-runs/R1", 502, "forge-upstream-error"),
        ("/api/apify/v2/key-value-stores", 502, "upstream-error"),
    ] {
        let res = relay.send(RawRequest::new("GET", target).bearer()).await;
        assert_eq!(
            (res.status, res.error_type().as_str()),
            (status, kind),
            "{target}: {}",
            res.body
        );
    }
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actor-runs").bearer())
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    // An oversized users/me when sealing: a 502 that says so, not a 500.
    let res = relay
        .send(
            RawRequest::new("POST", "/api/session")
                .client()
                .header("Content-Type", "application/json")
                .body(format!(r#"{{"token":"{TOKEN}"}}"#)),
        )
        .await;
    assert_eq!(
        (res.status, res.error_type().as_str()),
        (502, "forge-upstream-too-large"),
        "{}",
        res.body
    );
}
