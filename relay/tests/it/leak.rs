//! The leak test: the real `forge-relay` binary at `RUST_LOG=trace`, through connect, forwarded
//! calls and errors. The plaintext token appears in no log line and no response; the sealed
//! value appears only where designed (the Set-Cookie header and the `deliver: body` answer).

use crate::common::*;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

struct Running {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

async fn start_binary(upstream: &str, log_format: &str) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_forge-relay"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--upstream",
            upstream,
            "--log-format",
            log_format,
        ])
        .env("FORGE_SEAL_KEYS", KEYS)
        .env("RUST_LOG", "trace")
        .env_remove("APIFY_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let log = log.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                log.lock().unwrap().push(line);
            }
        });
    }
    let addr = listening_addr(&log).await;
    Running { child, addr, log }
}

#[tokio::test]
async fn no_secret_in_logs_or_responses_at_trace_level() {
    let stub = Stub::start().await;
    for format in ["pretty", "json"] {
        let mut relay = start_binary(&stub.base(), format).await;
        let host = relay.addr.to_string();
        let mut responses: Vec<RawResponse> = Vec::new();
        let send = |req: RawRequest<'static>| {
            let bytes = req.render(&host);
            async move { send_raw(relay.addr, &bytes).await }
        };

        // Connect: cookie delivery, then body delivery.
        let cookie_res = send(
            RawRequest::new("POST", "/api/session")
                .client()
                .body(serde_json::json!({"token": TOKEN}).to_string()),
        )
        .await;
        assert_eq!(cookie_res.status, 201, "{}", cookie_res.body);
        let sealed = cookie_res
            .header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()["forge_session=".len()..]
            .to_string();
        let body_res = send(
            RawRequest::new("POST", "/api/session")
                .client()
                .body(serde_json::json!({"token": TOKEN, "deliver": "body"}).to_string()),
        )
        .await;
        let sealed2 = serde_json::from_str::<serde_json::Value>(&body_res.body).unwrap()["sealed"]
            .as_str()
            .unwrap()
            .to_string();

        // A full-access token: its /v2/users/me shows an e-mail and the proxy password, which
        // the relay reads (for the scope check) and must never repeat.
        let full_token = forge_sim::DEMO_TOKENS[4].token;
        let me = stub.get_json_as(full_token, "/v2/users/me").await;
        let email = me["data"]["email"].as_str().unwrap().to_string();
        let proxy_password = me["data"]["proxy"]["password"]
            .as_str()
            .unwrap()
            .to_string();
        let full_res = send(
            RawRequest::new("POST", "/api/session")
                .client()
                .body(serde_json::json!({"token": full_token, "deliver": "body"}).to_string()),
        )
        .await;
        assert_eq!(full_res.status, 201, "{}", full_res.body);
        let sealed_full = serde_json::from_str::<serde_json::Value>(&full_res.body).unwrap()
            ["sealed"]
            .as_str()
            .unwrap()
            .to_string();
        let audit = send(
            RawRequest::new("GET", "/api/audit")
                .header("Authorization", format!("Bearer {sealed_full}")),
        )
        .await;
        assert!(
            audit.body.contains(r#""fullAccess":true"#),
            "{}",
            audit.body
        );
        responses.push(audit);

        let cookie = format!("forge_session={sealed}");
        let bearer = format!("Bearer {sealed2}");
        let requests: Vec<RawRequest<'static>> = vec![
            RawRequest::new("GET", "/api/session")
                .client()
                .header("Cookie", cookie.clone()),
            RawRequest::new("GET", "/api/apify/v2/actors?my=1")
                .client()
                .header("Cookie", cookie.clone()),
            RawRequest::new("GET", "/api/apify/v2/actor-runs/R1")
                .header("Authorization", bearer.clone()),
            RawRequest::new(
                "PUT",
                "/api/apify/v2/key-value-stores/~forge-trends/records/snap",
            )
            .header("Authorization", bearer.clone())
            .body("{}"),
            RawRequest::new(
                "GET",
                "/api/apify/v2/key-value-stores/~forge-trends/records/big",
            )
            .header("Authorization", bearer.clone()),
            RawRequest::new("GET", "/api/audit")
                .client()
                .header("Cookie", cookie.clone()),
            // Errors of every kind.
            RawRequest::new("GET", "/api/apify/v2/users/me")
                .header("Authorization", bearer.clone()),
            RawRequest::new("GET", format!("/api/apify/v2/actors?token={TOKEN}"))
                .header("Authorization", bearer.clone()),
            RawRequest::new("GET", format!("/api/apify/v2/{TOKEN}"))
                .header("Authorization", bearer.clone()),
            RawRequest::new("GET", "/api/apify/v2/actors")
                .header("Authorization", format!("Bearer {TOKEN}")),
            RawRequest::new("GET", "/api/apify/v2/actors").header(
                "Authorization",
                format!("Bearer {}x", &sealed2[..sealed2.len() - 1]),
            ),
            RawRequest::new("GET", "/api/apify/v2/actors")
                .client()
                .header("Cookie", format!("{cookie}; forge_session=forge1.AAAA")),
            RawRequest::new("POST", "/api/session")
                .client()
                .body(serde_json::json!({"token": format!("{TOKEN} ")}).to_string()),
            RawRequest::new("POST", "/api/session")
                .client()
                .body(serde_json::json!({"token": UNKNOWN_TOKEN}).to_string()),
            RawRequest::new("POST", "/api/session")
                .client()
                .body(format!("{{\"token\":\"{TOKEN}\",")),
            RawRequest::new("GET", "/api/apify/v2/actor-runs/LIMITED")
                .header("Authorization", bearer.clone()),
            RawRequest::new("GET", "/metrics"),
        ];
        for req in requests {
            responses.push(send(req).await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        relay.child.kill().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;

        let log = relay.log.lock().unwrap().join("\n");
        assert!(
            log.contains("session sealed"),
            "the log is not being captured:\n{log}"
        );
        assert!(
            log.lines().count() > 20,
            "too few log lines at trace:\n{log}"
        );
        let token_body = &TOKEN["apify_api_".len()..];
        let unknown_body = &UNKNOWN_TOKEN["apify_api_".len()..];
        for secret in [
            token_body,
            unknown_body,
            &token_body[..12],
            &sealed["forge1.".len()..],
            &sealed2["forge1.".len()..],
            &KEYS[2..],
            &full_token["apify_api_".len()..],
            &sealed_full["forge1.".len()..],
            &email,
            &proxy_password,
        ] {
            assert!(
                !log.contains(secret),
                "[{format}] a secret reached the log: {secret}\n{log}"
            );
        }
        responses.push(cookie_res);
        for res in &responses {
            assert!(
                !res.body.contains(&email) && !res.body.contains(&proxy_password),
                "private account data in a response: {}",
                res.body
            );
            assert!(
                !res.body.contains(token_body) && !res.body.contains(unknown_body),
                "token in a response body: {}",
                res.body
            );
            for (name, v) in &res.headers {
                assert!(!v.contains(token_body), "token in response header {name}");
                if v.contains(&sealed["forge1.".len()..]) {
                    assert_eq!(name, "set-cookie", "sealed value outside Set-Cookie");
                }
            }
            assert!(!res.body.contains(&sealed["forge1.".len()..]));
        }
        // The body-delivered sealed value appears in exactly that one response.
        assert!(body_res.body.contains(&sealed2));
        assert!(responses.iter().all(|r| !r.body.contains(&sealed2)));
    }
}
