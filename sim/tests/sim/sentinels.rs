//! SENTINELS: the simulator answers like Apify, dangerous fields included, and embeds
//! [`forge_sim::SENTINEL`] in every value the relay must never return, so a relay test can check
//! "the answer does not contain the sentinel" and know nothing leaked.
//!
//! This pins where the sentinel is. For each route, the JSON paths (array elements as `[]`)
//! whose strings contain it must be **exactly** the forbidden fields listed here: every listed
//! field present and carrying it in every element (nobody removes one by accident), and no other
//! field carrying it (no field Forge needs — ids, names, statuses, times, stats, usage, options,
//! item counts, schemas, memory defaults, key names and sizes — ever does). Record contents are
//! checked too: runs' `INPUT` carries it, `SIGNALS` and Forge's `forge-trends` records do not.

use crate::common::*;
use forge_sim::{Fault, FaultKind, Sim, SimOptions, SENTINEL};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Paths of the strings that contain the sentinel (object keys never may).
fn sentinel_paths(v: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, path: &str, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) if s.contains(SENTINEL) => {
                out.insert(path.to_string());
            }
            Value::Object(m) => {
                for (k, x) in m {
                    assert!(
                        !k.contains(SENTINEL),
                        "an object key carries it: {path}.{k}"
                    );
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, &p, out);
                }
            }
            Value::Array(a) => {
                for x in a {
                    walk(x, &format!("{path}[]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(v, "", &mut out);
    out
}

/// Every value at `path` (`a.b[].c`); elements without the key are skipped.
fn values_at<'v>(v: &'v Value, path: &str) -> Vec<&'v Value> {
    let mut cur = vec![v];
    for seg in path.split('.') {
        let (key, each) = match seg.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (seg, false),
        };
        let mut next = Vec::new();
        for x in cur {
            let Some(y) = x.get(key) else { continue };
            if each {
                next.extend(y.as_array().into_iter().flatten());
            } else {
                next.push(y);
            }
        }
        cur = next;
    }
    cur
}

/// The sentinel is in exactly `forbidden`, and in every value found there.
#[track_caller]
fn assert_sentinels(label: &str, body: &Value, forbidden: &[&str]) {
    let found = sentinel_paths(body);
    let want: BTreeSet<String> = forbidden.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        found, want,
        "{label}: the sentinel is not exactly where the forbidden fields are"
    );
    for p in forbidden {
        let values = values_at(body, p);
        assert!(!values.is_empty(), "{label}: no {p}");
        for v in values {
            assert!(
                v.as_str().is_some_and(|s| s.contains(SENTINEL)),
                "{label}: {p} = {v}"
            );
        }
    }
}

/// The `signature` query value of a signed URL.
fn signature(url: &str) -> &str {
    url.split_once("?signature=")
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("not a signed URL: {url}"))
}

async fn data(sim: &Sim, uri: &str) -> Value {
    let r = get(sim, uri).await;
    assert_eq!(r.status, 200, "{uri}: {}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn latest_build(actor: &Value) -> String {
    actor["data"]["taggedBuilds"]["latest"]["buildId"]
        .as_str()
        .unwrap()
        .to_string()
}

const ACTOR_SECRETS: &[&str] = &[
    "data.versions[].envVars[].value",
    "data.exampleRunInput.body",
    "data.deploymentKey",
];

const DEFINITION_SECRETS: &[&str] = &[
    "data.actVersion.envVars[].value",
    "data.actorDefinition.environmentVariables.NPM_TOKEN",
    "data.actorDefinition.environmentVariables.SENTRY_DSN",
    "data.actorDefinition.dockerfile",
    "data.actorDefinition.readme",
    "data.actorDefinition.changelog",
    "data.readme",
];

fn with(extra: &[&'static str], base: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(extra).copied().collect()
}

#[tokio::test]
async fn actors_and_builds_carry_it_in_every_forbidden_field_only() {
    let sim = sim();

    // The list (`ActorShort`) has nothing to hide.
    assert_sentinels(
        "GET /v2/actors",
        &data(&sim, "/v2/actors?limit=1000").await,
        &[],
    );

    // One Actor per source type, each with its source, env vars, example input, deploy key.
    for (name, source_field) in [
        ("signal-emitter", "data.versions[].sourceFiles[].content"),
        ("healthy-workhorse", "data.versions[].gitRepoUrl"),
        ("stale-monitor", "data.versions[].tarballUrl"),
        ("cost-spike", "data.versions[].gitHubGistUrl"),
    ] {
        let actor = data(&sim, &format!("/v2/actors/forge-demo~{name}")).await;
        assert_sentinels(
            &format!("GET /v2/actors/{name}"),
            &actor,
            &with(&[source_field], ACTOR_SECRETS),
        );
        let version = &actor["data"]["versions"][0];
        assert!(version["envVars"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["isSecret"] == true));
        if name == "signal-emitter" {
            let files = version["sourceFiles"].as_array().unwrap();
            assert!(files.iter().any(|f| f["name"] == "src/main.js"
                && f["content"].as_str().unwrap().contains("Actor.init()")));
            assert!(files.iter().any(|f| f["folder"] == true));
        }
        if name == "healthy-workhorse" {
            let url = version["gitRepoUrl"].as_str().unwrap();
            assert!(
                url.starts_with("https://forge-ci:ghp_") && url.contains("@github.com/"),
                "{url}"
            );
        }

        // Its newest build: the version's source and env vars, the definition's secrets.
        let build_id = latest_build(&actor);
        let build = data(&sim, &format!("/v2/actor-builds/{build_id}")).await;
        let build_source = match name {
            "signal-emitter" => "data.actVersion.sourceFiles[].content",
            "healthy-workhorse" => "data.actVersion.gitRepoUrl",
            "stale-monitor" => "data.actVersion.tarballUrl",
            _ => "data.actVersion.gitHubGistUrl",
        };
        assert_sentinels(
            &format!("GET /v2/actor-builds/{build_id} ({name})"),
            &build,
            &with(&[build_source], DEFINITION_SECRETS),
        );
        // What Forge may read of a build is clean: the input schema (also as text), the
        // dataset schema, memory defaults.
        let def = &build["data"]["actorDefinition"];
        assert!(def["input"]["properties"].as_object().unwrap().len() >= 4);
        assert_eq!(
            def["input"]["properties"]
                .as_object()
                .unwrap()
                .values()
                .filter(|p| p.get("prefill").is_some())
                .count(),
            1
        );
        let schema: Value =
            serde_json::from_str(build["data"]["inputSchema"].as_str().unwrap()).unwrap();
        assert_eq!(schema, def["input"]);
        assert!(def["storages"]["dataset"]["fields"]["properties"]["url"].is_object());
        let (min, default, max) = (
            def["minMemoryMbytes"].as_u64().unwrap(),
            def["defaultMemoryMbytes"].as_u64().unwrap(),
            def["maxMemoryMbytes"].as_u64().unwrap(),
        );
        assert!(min <= default && default <= max);
        assert_eq!(
            default, actor["data"]["defaultRunOptions"]["memoryMbytes"],
            "{name}"
        );
    }

    // Another user's public Actor hides its source, not its example input or deploy key.
    assert_sentinels(
        "GET /v2/actors/apify~web-scraper",
        &data(&sim, "/v2/actors/apify~web-scraper").await,
        &["data.exampleRunInput.body", "data.deploymentKey"],
    );

    // Build lists (`BuildShort`) have nothing to hide.
    let se = actor_id(&sim, "signal-emitter");
    for uri in [
        format!("/v2/actors/{se}/builds?desc=1"),
        "/v2/actor-builds?limit=1000".to_string(),
    ] {
        assert_sentinels(&uri, &data(&sim, &uri).await, &[]);
    }
}

#[tokio::test]
async fn runs_carry_it_nowhere_and_their_input_records_everywhere() {
    let sim = Sim::new(SimOptions {
        run_speed: 1000.0,
        ..opts()
    });
    let se = actor_id(&sim, "signal-emitter");
    for uri in [
        format!("/v2/actors/{se}/runs?desc=1&limit=100"),
        "/v2/actor-runs?limit=1000&desc=1".to_string(),
        format!("/v2/actors/{se}/runs/last"),
    ] {
        assert_sentinels(&uri, &data(&sim, &uri).await, &[]);
    }

    // Every historical run of every Actor has an INPUT with credentials.
    let runs = data(&sim, "/v2/actor-runs?limit=1000&desc=1").await;
    let runs = runs["data"]["items"].as_array().unwrap().clone();
    for run in &runs {
        let kv = run["defaultKeyValueStoreId"].as_str().unwrap();
        let (_, input) = sim.store_record(kv, "INPUT").expect("an INPUT record");
        let input = String::from_utf8(input).unwrap();
        assert!(input.contains(SENTINEL), "{kv}: {input}");
        // A password, a cookie and an API key.
        assert!(input.contains("password"), "{input}");
        assert!(input.contains("ookie"), "{input}");
        assert!(
            input.contains("apiKey") || input.contains("Api-Key"),
            "{input}"
        );
    }
    // …also through the API, while run details stay clean.
    let last = &runs[0];
    let kv = last["defaultKeyValueStoreId"].as_str().unwrap();
    let rec = get(&sim, &format!("/v2/key-value-stores/{kv}/records/INPUT")).await;
    assert_eq!(rec.status, 200);
    assert!(String::from_utf8_lossy(&rec.body).contains(SENTINEL));
    let run = data(
        &sim,
        &format!("/v2/actor-runs/{}", last["id"].as_str().unwrap()),
    )
    .await;
    assert_sentinels("GET /v2/actor-runs/{runId}", &run, &[]);

    // A run started without a body gets the Actor's saved input (credentials and all); one
    // started with a body keeps exactly that body.
    for (body, secret) in [(None, true), (Some(json!({"query": "lamps"})), false)] {
        let mut r = req("POST", &format!("/v2/actors/{se}/runs")).token(scoped());
        if let Some(b) = &body {
            r = r.json(b);
        }
        let started = r.send(&sim).await;
        assert_eq!(started.status, 201);
        assert_sentinels("POST /v2/actors/{actorId}/runs", &started.json(), &[]);
        let kv = started.data()["defaultKeyValueStoreId"]
            .as_str()
            .unwrap()
            .to_string();
        let (_, input) = sim.store_record(&kv, "INPUT").unwrap();
        assert_eq!(String::from_utf8_lossy(&input).contains(SENTINEL), secret);
        if let Some(b) = body {
            assert_eq!(serde_json::from_slice::<Value>(&input).unwrap(), b);
        }
    }

    // SIGNALS (what Forge reads of a run's store) is clean.
    let kv = data(&sim, &format!("/v2/actors/{se}/runs/last?status=SUCCEEDED")).await["data"]
        ["defaultKeyValueStoreId"]
        .as_str()
        .unwrap()
        .to_string();
    let signals = get(&sim, &format!("/v2/key-value-stores/{kv}/records/SIGNALS")).await;
    assert_eq!(signals.status, 200);
    assert!(!String::from_utf8_lossy(&signals.body).contains(SENTINEL));
}

#[tokio::test]
async fn storages_carry_it_in_signing_keys_and_signed_urls_only() {
    let sim = sim();
    let run = data(&sim, "/v2/actor-runs?desc=1&limit=1").await["data"]["items"][0].clone();
    let ds = run["defaultDatasetId"].as_str().unwrap();
    let kv = run["defaultKeyValueStoreId"].as_str().unwrap();

    // Datasets: detail and list items.
    let d = data(&sim, &format!("/v2/datasets/{ds}")).await;
    assert_sentinels(
        "GET /v2/datasets/{datasetId}",
        &d,
        &["data.itemsPublicUrl", "data.urlSigningSecretKey"],
    );
    assert!(signature(d["data"]["itemsPublicUrl"].as_str().unwrap()).contains(SENTINEL));
    assert!(d["data"]["fields"].is_array() || d["data"]["fields"].is_null());
    for uri in ["/v2/datasets?unnamed=1&limit=100", "/v2/datasets"] {
        assert_sentinels(
            uri,
            &data(&sim, uri).await,
            &[
                "data.items[].itemsPublicUrl",
                "data.items[].urlSigningSecretKey",
            ],
        );
    }

    // Key-value stores: detail, list items, and the store creating one answers.
    let store_fields = [
        "data.keysPublicUrl",
        "data.recordsPublicUrl",
        "data.urlSigningSecretKey",
    ];
    for uri in [
        format!("/v2/key-value-stores/{kv}"),
        "/v2/key-value-stores/~forge-trends".to_string(),
    ] {
        let s = data(&sim, &uri).await;
        assert_sentinels(&uri, &s, &store_fields);
        for f in ["keysPublicUrl", "recordsPublicUrl"] {
            assert!(signature(s["data"][f].as_str().unwrap()).contains(SENTINEL));
        }
    }
    for uri in [
        "/v2/key-value-stores?unnamed=1&limit=100",
        "/v2/key-value-stores",
    ] {
        assert_sentinels(
            uri,
            &data(&sim, uri).await,
            &[
                "data.items[].keysPublicUrl",
                "data.items[].recordsPublicUrl",
                "data.items[].urlSigningSecretKey",
            ],
        );
    }
    for (name, status) in [("forge-trends", 200), ("sentinel-check", 201)] {
        let r = req("POST", &format!("/v2/key-value-stores?name={name}"))
            .token(scoped())
            .send(&sim)
            .await;
        assert_eq!(r.status, status);
        assert_sentinels("POST /v2/key-value-stores", &r.json(), &store_fields);
    }

    // Key listings: signed record URLs; key names and sizes are clean.
    for uri in [
        format!("/v2/key-value-stores/{kv}/keys"),
        "/v2/key-value-stores/~forge-trends/keys".to_string(),
    ] {
        let keys = data(&sim, &uri).await;
        assert_sentinels(&uri, &keys, &["data.items[].recordPublicUrl"]);
        for item in keys["data"]["items"].as_array().unwrap() {
            assert!(signature(item["recordPublicUrl"].as_str().unwrap()).contains(SENTINEL));
        }
    }

    // Forge's own store: its records are clean.
    let keys = data(&sim, "/v2/key-value-stores/~forge-trends/keys").await;
    for item in keys["data"]["items"].as_array().unwrap() {
        let key = item["key"].as_str().unwrap();
        let (_, bytes) = sim.store_record("forge-trends", key).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(SENTINEL), "{key}");
    }

    // A token that may not write storages gets no signing key (Apify's rule), only the URLs.
    let r = req("GET", &format!("/v2/datasets/{ds}"))
        .token(token("missing-kv-write"))
        .send(&sim)
        .await;
    assert_eq!(r.json()["data"]["urlSigningSecretKey"], Value::Null);
    assert_sentinels(
        "GET /v2/datasets (read-only)",
        &r.json(),
        &["data.itemsPublicUrl"],
    );
}

#[tokio::test]
async fn error_bodies_carry_it_in_their_extra_data_only() {
    let sim = sim();
    let limited = Sim::new(SimOptions {
        rate_limit_per_sec: 1,
        ..opts()
    });
    let hw = actor_id(&sim, "healthy-workhorse");
    let mut answers = vec![
        req("GET", "/v2/actors/NoSuchActor000000")
            .token(scoped())
            .send(&sim)
            .await,
        req("GET", "/v2/actors").send(&sim).await,
        req("GET", "/v2/webhooks").token(scoped()).send(&sim).await,
        req("GET", "/v2/actors?sortBy=nonsense")
            .token(scoped())
            .send(&sim)
            .await,
        req("GET", "/v2/key-value-stores/~forge-trends/records/absent")
            .token(scoped())
            .send(&sim)
            .await,
        req("POST", &format!("/v2/actors/{hw}/runs"))
            .token(token("missing-run"))
            .send(&sim)
            .await,
    ];
    for _ in 0..3 {
        answers.push(
            req("GET", "/v2/actors")
                .token(scoped())
                .send(&limited)
                .await,
        );
    }
    sim.set_faults(vec![Fault::new(
        "/v2/actor-runs*",
        FaultKind::RateLimitBurst { count: 1 },
    )]);
    answers.push(
        req("GET", "/v2/actor-runs")
            .token(scoped())
            .send(&sim)
            .await,
    );
    let mut statuses = BTreeSet::new();
    for r in answers.iter().filter(|r| r.status != 200) {
        statuses.insert(r.status.as_u16());
        let v = r.json();
        assert!(!r.error_type().is_empty(), "{v}");
        assert_sentinels(
            &format!("{} error", r.status),
            &v,
            &["error.data.debugReference"],
        );
    }
    assert_eq!(statuses, BTreeSet::from([400, 401, 403, 404, 429]));
}
