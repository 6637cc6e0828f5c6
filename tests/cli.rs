//! `forge check`, the real binary: against its built-in simulator (`--demo`), straight to a
//! simulated Apify with `APIFY_TOKEN`, and through the real relay with a sealed value and a
//! loopback webhook receiver. Exit codes, the JSON report, the permission that is missing, one
//! alert and not two, and neither the token nor the sealed value in any output or log.

use forge_e2e::{cli_binary, RelayProcess, SimServer};
use forge_sim::{SimOptions, DEFAULT_DEMO_TOKEN};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Exit code, stdout, stderr of `forge <args>` with exactly `envs` of the secrets.
async fn forge(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = tokio::process::Command::new(cli_binary());
    cmd.args(args);
    for secret in [
        "APIFY_TOKEN",
        "FORGE_SEALED",
        "FORGE_RELAY",
        "FORGE_NOTIFY_URL",
    ] {
        cmd.env_remove(secret);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("run forge");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const STORIES: [&str; 5] = [
    "flaky-scraper",
    "regressed-crawler",
    "runaway-run",
    "proxy-heavy",
    "field-drift",
];

#[tokio::test]
async fn the_demo_fails_on_fix_now_by_default_and_passes_with_none() {
    let (code, out, err) = forge(
        &["check", "--demo", "--format", "json", "--window", "30"],
        &[],
    )
    .await;
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(&out).expect("JSON on stdout");
    assert_eq!(report["windowDays"], 30);
    let names: Vec<&str> = report["actors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names.len(), 24);
    for story in STORIES {
        assert!(names.contains(&story), "{story} in {names:?}");
    }
    // Fix now first, in the plan's order; what matched names flaky-scraper.
    assert_eq!(report["actors"][0]["figures"]["bucket"], "fix-now");
    let matched: Vec<&str> = report["matched"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["actorName"].as_str())
        .collect();
    assert!(matched.contains(&"flaky-scraper"), "{matched:?}");
    assert_eq!(report["failOn"], serde_json::json!(["fix-now"]));

    let (code, out, _) = forge(&["check", "--demo", "--fail-on", "none"], &[]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No rule matched."), "{out}");
    // The runaway rule alone, in Markdown.
    let (code, out, _) = forge(
        &[
            "check",
            "--demo",
            "--fail-on",
            "runaway",
            "--format",
            "markdown",
        ],
        &[],
    )
    .await;
    assert_eq!(code, 1);
    assert!(out.starts_with("## Forge fleet check"), "{out}");
    assert!(
        out.contains("runaway runaway-run: a run has run away"),
        "{out}"
    );
    // CSV: a header and 24 rows.
    let (_, out, _) = forge(&["check", "--demo", "--format", "csv"], &[]).await;
    assert!(out.starts_with("id,name,health,bucket,"), "{out}");
    assert_eq!(out.lines().count(), 25);
}

#[tokio::test]
async fn usage_and_permission_problems_exit_2_and_say_which() {
    let (code, _, err) = forge(
        &["check", "--demo", "--demo-token", "missing-runs-read"],
        &[],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Actor runs: Read"), "{err}");

    let (code, _, err) = forge(&["check", "--demo", "--fail-on", "sometimes"], &[]).await;
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule `sometimes`"), "{err}");
    let (code, _, err) = forge(&["check", "--window", "14", "--demo"], &[]).await;
    assert_eq!(code, 2, "{err}");
    // No source at all.
    let (code, _, err) = forge(&["check"], &[]).await;
    assert_eq!(code, 2);
    assert!(err.contains("set APIFY_TOKEN"), "{err}");
    // A malformed token: refused before anything is sent, and not repeated back.
    let (code, out, err) = forge(&["check"], &[("APIFY_TOKEN", "apify_api_short")]).await;
    assert_eq!(code, 2);
    assert!(
        err.contains("does not look like an Apify API token"),
        "{err}"
    );
    assert!(!err.contains("apify_api_short") && !out.contains("apify_api_short"));
    // A relay that is not there.
    let (code, _, err) = forge(
        &["check", "--relay", "http://127.0.0.1:9", "--quiet"],
        &[("FORGE_SEALED", "forge1.x")],
    )
    .await;
    assert_eq!(code, 2);
    assert!(
        err.contains("could not reach the relay at http://127.0.0.1:9"),
        "{err}"
    );
}

#[tokio::test]
async fn straight_to_apify_the_token_is_sent_and_never_shown() {
    let sim = SimServer::start(SimOptions::default()).await;
    let (code, out, err) = forge(
        &["check", "--format", "csv"],
        &[
            ("APIFY_TOKEN", DEFAULT_DEMO_TOKEN),
            ("FORGE_APIFY_URL", &sim.base()),
        ],
    )
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(",flaky-scraper,"), "{out}");
    for text in [&out, &err] {
        assert!(!text.contains(DEFAULT_DEMO_TOKEN));
    }
    // Every request that reached Apify is one the relay would have let through, with the
    // token as its bearer.
    let requests = sim.sim.requests();
    assert!(requests.len() > 24);
    for r in &requests {
        assert!(
            forge_apify::allow::match_request(&r.method, &r.path, r.query.as_deref()).is_ok(),
            "{} {} is not allow-listed",
            r.method,
            r.path
        );
        assert!(r
            .headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == &format!("Bearer {DEFAULT_DEMO_TOKEN}")));
    }
}

/// A loopback webhook receiver: every POST body it got.
async fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/forge", listener.local_addr().unwrap());
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let bodies = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            // Read the head, then the body by Content-Length.
            loop {
                let n = stream.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf);
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        bodies.lock().unwrap().push(
                            String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned(),
                        );
                        break;
                    }
                }
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                .await;
        }
    });
    (url, got)
}

#[tokio::test]
async fn one_alert_names_flaky_scraper_and_a_second_check_the_same_day_sends_nothing() {
    let sim = SimServer::start(SimOptions::default()).await;
    let keys = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let relay = RelayProcess::start(
        &["serve", "--upstream", &sim.base()],
        &[("FORGE_SEAL_KEYS", keys)],
    )
    .await;
    let sealed = forge_e2e::sealed_session(&relay, DEFAULT_DEMO_TOKEN).await;
    let (hook, got) = receiver().await;
    let base = relay.url("");
    let args = [
        "check",
        "--relay",
        base.trim_end_matches('/'),
        "--notify",
        &hook,
        "--quiet",
    ];
    let envs = [("FORGE_SEALED", sealed.as_str())];

    // A dry run prints the payload and posts nothing.
    let mut dry: Vec<&str> = args.to_vec();
    dry.push("--notify-dry-run");
    let (code, out, err) = forge(&dry, &envs).await;
    assert_eq!(code, 1, "{err}");
    let payload: Value = serde_json::from_str(&out).expect("the payload");
    assert!(payload["text"].as_str().unwrap().starts_with("Forge: "));
    assert!(got.lock().unwrap().is_empty());

    let (code, out, err) = forge(&args, &envs).await;
    assert_eq!(code, 1, "{err}");
    let bodies = got.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let alert: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert!(alert["blocks"].is_array());
    let names: Vec<&str> = alert["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["actorName"].as_str())
        .collect();
    assert!(names.contains(&"flaky-scraper"), "{names:?}");
    // What was told is kept in the user's own forge-trends store, with this week's snapshot.
    let (_, state) = sim
        .sim
        .store_record("forge-trends", "check-state")
        .expect("check-state written");
    assert!(String::from_utf8_lossy(&state).contains("fix-now:"));

    // The same day again: nothing new, nothing sent; the check still fails.
    let (code, out2, err2) = forge(&args, &envs).await;
    assert_eq!(code, 1, "{err2}");
    assert_eq!(got.lock().unwrap().len(), 1);

    // Neither the sealed value nor the token shows anywhere.
    let logs = relay.log.lock().unwrap().join("\n");
    for text in [&out, &err, &out2, &err2, &logs, &bodies[0]] {
        assert!(!text.contains(&sealed) && !text.contains(DEFAULT_DEMO_TOKEN));
    }
}
