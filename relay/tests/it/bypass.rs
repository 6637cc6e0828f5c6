//! The bypass corpus: hostile requests kept as data (`relay/tests/bypass_corpus.jsonl`) plus
//! every other method on every allowed path, generated from the allow-list. Every case must get
//! a 4xx **and** reach the upstream zero times.

use crate::common::*;
use forge_apify::allow::ALLOW_LIST;
use forge_relay::config::Mode;
use serde::Deserialize;

const CORPUS: &str = include_str!("../bypass_corpus.jsonl");

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    #[serde(default)]
    mode: Option<String>,
    method: String,
    target: String,
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_repeat: Option<(String, usize)>,
    #[allow(dead_code)]
    why: String,
}

fn corpus() -> Vec<Case> {
    CORPUS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("corpus line {}: {e}", i + 1))
        })
        .collect()
}

/// A concrete path for each allow-list template.
fn example_path(template: &str) -> String {
    template
        .replace("{actorId}", "ana~crawler")
        .replace("{runId}", "R1")
        .replace("{buildId}", "B1")
        .replace("{datasetId}", "D1")
        .replace("{storeId}", "~forge-trends")
        .replace("{key}", "snap")
}

fn generated() -> Vec<Case> {
    let mut out = Vec::new();
    for route in ALLOW_LIST {
        let path = example_path(route.template);
        for alias in [path.clone(), path.replacen("/v2/actors", "/v2/acts", 1)] {
            for method in [
                "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "TRACE", "get", "Post", "PROPFIND",
            ] {
                // Another row may allow this method here (PUT into ~forge-trends, say).
                if forge_apify::match_request(method, &alias, None).is_ok() {
                    continue;
                }
                out.push(Case {
                    name: format!("generated-{method}-{alias}"),
                    mode: None,
                    method: method.to_string(),
                    target: format!("/api/apify{alias}"),
                    auth: None,
                    headers: vec![],
                    body: (method != "GET" && method != "HEAD").then(|| "{}".to_string()),
                    body_repeat: None,
                    why: "a method the allow-list does not pair with this path".into(),
                });
            }
        }
    }
    // Deduplicate (paths without /actors produce the same alias twice).
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|a, b| a.name == b.name);
    out
}

fn substitute(s: &str, host: &str, sealed: &str) -> String {
    s.replace("{HOST}", host)
        .replace("{SEALED}", sealed)
        .replace("{RAW_TOKEN}", TOKEN)
}

fn build(case: &Case, host: &str, sealed: &str) -> RawRequest<'static> {
    let local = case.mode.as_deref() == Some("local");
    let auth = case
        .auth
        .as_deref()
        .unwrap_or(if local { "none" } else { "sealed-bearer" });
    let method: &'static str = Box::leak(case.method.clone().into_boxed_str());
    let mut req = RawRequest::new(method, substitute(&case.target, host, sealed));
    let overridden = |name: &str| {
        case.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    match auth {
        "sealed-cookie" => {
            req = req.header("Cookie", format!("forge_session={sealed}"));
            if !overridden("Origin") {
                req = req.header("Origin", format!("http://{host}"));
            }
        }
        "sealed-bearer" => req = req.header("Authorization", format!("Bearer {sealed}")),
        "none" => {}
        other => panic!("{}: unknown auth {other}", case.name),
    }
    if (auth == "sealed-cookie" || local) && !overridden("X-Forge-Client") {
        req = req.client();
    }
    for (n, v) in &case.headers {
        if n.eq_ignore_ascii_case("X-Forge-Client") && v.is_empty() {
            continue; // "" means: omit the default header
        }
        req = req.header(n, substitute(v, host, sealed));
    }
    if let Some(body) = &case.body {
        req = req.body(substitute(body, host, sealed));
    }
    if let Some((chunk, count)) = &case.body_repeat {
        req = req.body(chunk.repeat(*count));
    }
    if overridden("Content-Length") {
        req.content_length = false;
    }
    req
}

#[tokio::test]
async fn corpus_and_generated_cases_are_refused_before_the_upstream() {
    let corpus = corpus();
    let generated = generated();
    let total = corpus.len() + generated.len();
    assert!(
        corpus.len() >= 200,
        "corpus has only {} cases",
        corpus.len()
    );
    assert!(total >= 300, "only {total} cases");
    let mut names = std::collections::HashSet::new();
    for c in corpus.iter().chain(&generated) {
        assert!(
            names.insert(c.name.clone()),
            "duplicate case name {}",
            c.name
        );
    }

    let stub = Stub::start().await;
    let serve = relay(Mode::Serve, &stub, |a| {
        a.max_body_bytes = 1024 * 1024;
        a.max_run_input_bytes = 256 * 1024;
        a.rate_burst = 100_000;
    })
    .await;
    let local = relay(Mode::Local, &stub, |a| a.rate_burst = 100_000).await;
    let sealed = sealed();

    let mut failures = Vec::new();
    for case in corpus.iter().chain(&generated) {
        let relay = if case.mode.as_deref() == Some("local") {
            &local
        } else {
            &serve
        };
        let req = build(case, &relay.host(), &sealed);
        let before = stub.count();
        let res = send_raw(relay.addr, &req.render(&relay.host())).await;
        let reached = stub.count() - before;
        if !(400..500).contains(&res.status) || reached != 0 {
            failures.push(format!(
                "{}: status {} upstream requests {reached}: {}",
                case.name,
                res.status,
                res.body.chars().take(160).collect::<String>()
            ));
        }
        for (_, v) in &res.headers {
            assert!(
                !v.contains(TOKEN),
                "{}: token in a response header",
                case.name
            );
        }
        assert!(
            !res.body.contains(TOKEN),
            "{}: token in the response body",
            case.name
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases not refused:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(stub.count(), 0);
}
