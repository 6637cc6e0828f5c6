//! CONFORMANCE: every operation the simulator implements is called, and every JSON body it
//! answers is validated against the response schema Apify's official OpenAPI description gives
//! for that operation and status code (`#/components/...` references resolved by validating
//! inside the whole document). A status the spec does not document for the operation, a body
//! where the spec has none, or a shape the schema does not allow is a failing test.
//!
//! The OpenAPI file is the copy vendored in this crate, `sim/openapi/apify-v2.openapi.json`
//! (Apify's official description, Apache-2.0, unmodified; see `sim/openapi/README.md` for its
//! origin and how to refresh it), read through `CARGO_MANIFEST_DIR`: nothing outside the
//! repository is needed. If it is missing the test FAILS.

use crate::common::*;
use forge_sim::{Sim, SimOptions};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/apify-v2.openapi.json");

fn load_spec() -> Value {
    let text = std::fs::read_to_string(SPEC_PATH).unwrap_or_else(|e| {
        panic!(
            "the conformance test needs Apify's OpenAPI description vendored at {SPEC_PATH} \
             (see sim/openapi/README.md): {e}"
        )
    });
    serde_json::from_str(&text).expect("openapi.json is not valid JSON")
}

/// One call: the spec operation it exercises and the statuses it may answer.
struct Case {
    method: &'static str,
    /// Path template as written in the spec; `None` checks against a bare component response
    /// (used for 405 on a path that has no such method in the spec at all).
    template: Option<&'static str>,
    uri: String,
    token: Option<&'static str>,
    body: Option<(String, Vec<u8>)>,
    headers: Vec<(&'static str, &'static str)>,
    expect: &'static [u16],
    sim: Which,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Main,
    RateLimited,
}

fn case(method: &'static str, template: &'static str, uri: impl Into<String>) -> Case {
    Case {
        method,
        template: Some(template),
        uri: uri.into(),
        token: Some(scoped()),
        body: None,
        headers: Vec::new(),
        expect: &[200],
        sim: Which::Main,
    }
}

impl Case {
    fn token(mut self, t: Option<&'static str>) -> Case {
        self.token = t;
        self
    }
    fn json(mut self, v: Value) -> Case {
        self.body = Some(("application/json".into(), serde_json::to_vec(&v).unwrap()));
        self
    }
    fn raw(mut self, ct: &str, b: &[u8]) -> Case {
        self.body = Some((ct.into(), b.to_vec()));
        self
    }
    fn header(mut self, n: &'static str, v: &'static str) -> Case {
        self.headers.push((n, v));
        self
    }
    fn expect(mut self, s: &'static [u16]) -> Case {
        self.expect = s;
        self
    }
    fn on(mut self, w: Which) -> Case {
        self.sim = w;
        self
    }
}

fn resolve<'a>(spec: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let ptr = r.strip_prefix('#').expect("local $ref");
        v = spec
            .pointer(ptr)
            .unwrap_or_else(|| panic!("dangling $ref {r}"));
    }
    v
}

/// A schema is "bare" when it says no more than "an object" / "anything".
fn is_bare(spec: &Value, schema: &Value) -> bool {
    let s = resolve(spec, schema);
    s.get("properties").is_none()
        && s.get("items").is_none()
        && s.get("allOf").is_none()
        && s.get("anyOf").is_none()
        && s.get("oneOf").is_none()
        && s.get("required").is_none()
}

struct Validators {
    root_components: Value,
    cache: BTreeMap<String, jsonschema::Validator>,
}

impl Validators {
    fn validate(&mut self, key: &str, schema: &Value, instance: &Value) -> Vec<String> {
        if !self.cache.contains_key(key) {
            // The schema is validated inside a document that carries the spec's components,
            // so `#/components/schemas/…` references resolve exactly as in the spec.
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "allOf": [schema],
                "components": self.root_components,
            });
            let v = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("cannot compile the schema for {key}: {e}"));
            self.cache.insert(key.to_string(), v);
        }
        self.cache[key]
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(8)
            .collect()
    }
}

#[tokio::test]
async fn every_implemented_operation_conforms_to_the_openapi_description() {
    let spec = load_spec();
    let sim = Sim::new(SimOptions {
        run_speed: 50.0,
        ..opts()
    });
    let limited = Sim::new(SimOptions {
        rate_limit_per_sec: 1,
        ..opts()
    });

    let hw = actor_id(&sim, "healthy-workhorse");
    let flaky = actor_id(&sim, "flaky-scraper");
    let run = get(&sim, &format!("/v2/actors/{hw}/runs?limit=1"))
        .await
        .data()["items"][0]
        .clone();
    let run_id = run["id"].as_str().unwrap().to_string();
    let build_id = run["buildId"].as_str().unwrap().to_string();
    let ds_unnamed = run["defaultDatasetId"].as_str().unwrap().to_string();
    let trends = sim.store_id("forge-trends").unwrap();
    let live = req("POST", &format!("/v2/actors/{flaky}/runs"))
        .token(scoped())
        .send(&sim)
        .await
        .data()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rq = get(&sim, "/v2/request-queues?unnamed=1&limit=1")
        .await
        .data()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let signals_kv = {
        let id = actor_id(&sim, "signal-emitter");
        get(&sim, &format!("/v2/actors/{id}/runs/last"))
            .await
            .data()["defaultKeyValueStoreId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let missing_run = token("missing-run");
    let missing_write = token("missing-kv-write");
    let full = Some(full());
    let none = "nOsUcHtHiNg123456";

    let cases: Vec<Case> = vec![
        // Actors
        case("get", "/v2/actors", "/v2/actors?my=1&limit=10&desc=1&sortBy=createdAt"),
        case("get", "/v2/actors", "/v2/actors?offset=20"),
        case("get", "/v2/actors", "/v2/actors").token(None).expect(&[401]),
        case("get", "/v2/actors", "/v2/actors").token(Some(token("unknown"))).expect(&[401]),
        case("get", "/v2/actors", "/v2/actors?sortBy=nonsense").expect(&[400]),
        case("get", "/v2/actors", "/v2/actors").on(Which::RateLimited),
        case("get", "/v2/actors", "/v2/actors").on(Which::RateLimited).expect(&[429]),
        case("get", "/v2/actors/{actorId}", format!("/v2/actors/{hw}")),
        case("get", "/v2/actors/{actorId}", "/v2/acts/forge-demo~memory-hog"),
        case("get", "/v2/actors/{actorId}", "/v2/actors/apify~web-scraper"),
        case("get", "/v2/actors/{actorId}", format!("/v2/actors/{none}")).expect(&[404]),
        case("put", "/v2/actors/{actorId}", format!("/v2/actors/{hw}"))
            .token(full)
            .json(json!({"description": "Updated by the conformance test"})),
        case("put", "/v2/actors/{actorId}", format!("/v2/actors/{hw}"))
            .json(json!({"title": "x"}))
            .expect(&[403]),
        case("put", "/v2/actors/{actorId}", format!("/v2/actors/{hw}"))
            .token(full)
            .raw("application/json", b"[1,2]")
            .expect(&[400]),
        case("get", "/v2/actors/{actorId}/builds", format!("/v2/actors/{hw}/builds?desc=1")),
        case("get", "/v2/actors/{actorId}/runs", format!("/v2/actors/{hw}/runs?limit=50")),
        case(
            "get",
            "/v2/actors/{actorId}/runs",
            format!("/v2/actors/{flaky}/runs?status=FAILED,ABORTED&startedAfter=2025-12-01"),
        ),
        case("get", "/v2/actors/{actorId}/runs", format!("/v2/actors/{hw}/runs?status=NOPE"))
            .expect(&[400]),
        case("get", "/v2/actors/{actorId}/runs", format!("/v2/actors/{none}/runs")).expect(&[404]),
        case("post", "/v2/actors/{actorId}/runs", format!("/v2/actors/{hw}/runs?memory=512"))
            .json(json!({"startUrls": []}))
            .expect(&[201]),
        case(
            "post",
            "/v2/actors/{actorId}/runs",
            "/v2/acts/forge-demo~timeout-prone/runs?build=latest&maxItems=10",
        )
        .expect(&[201]),
        case("post", "/v2/actors/{actorId}/runs", format!("/v2/actors/{hw}/runs"))
            .token(Some(missing_run))
            .expect(&[403]),
        case("post", "/v2/actors/{actorId}/runs", format!("/v2/actors/{hw}/runs?memory=100"))
            .expect(&[400]),
        case("post", "/v2/actors/{actorId}/runs", format!("/v2/actors/{hw}/runs?build=9.9.9"))
            .expect(&[404]),
        case("get", "/v2/actors/{actorId}/runs/last", format!("/v2/actors/{hw}/runs/last")),
        case(
            "get",
            "/v2/actors/{actorId}/runs/last",
            format!("/v2/actors/{hw}/runs/last?status=SUCCEEDED&origin=SCHEDULER"),
        ),
        case("get", "/v2/actors/{actorId}/runs/last", format!("/v2/actors/{hw}/runs/last?origin=CLI"))
            .expect(&[404]),
        case("get", "/v2/actors/{actorId}/runs/{runId}", format!("/v2/actors/{hw}/runs/{run_id}")),
        case("post", "/v2/actors/{actorId}/run-sync", format!("/v2/actors/{hw}/run-sync"))
            .json(json!({"q": 1}))
            .expect(&[201, 400]),
        case("get", "/v2/actors/{actorId}/run-sync", format!("/v2/actors/{hw}/run-sync"))
            .expect(&[201, 400]),
        case(
            "post",
            "/v2/actors/{actorId}/run-sync-get-dataset-items",
            format!("/v2/actors/{hw}/run-sync-get-dataset-items?limit=5"),
        )
        .json(json!({}))
        .expect(&[201, 400]),
        case(
            "get",
            "/v2/actors/{actorId}/run-sync-get-dataset-items",
            format!("/v2/actors/{hw}/run-sync-get-dataset-items?limit=5"),
        )
        .expect(&[201, 400]),
        case(
            "get",
            "/v2/actors/{actorId}/run-sync-get-dataset-items",
            format!("/v2/actors/{hw}/run-sync-get-dataset-items"),
        )
        .token(Some(missing_run))
        .expect(&[403]),
        // Runs
        case("get", "/v2/actor-runs", "/v2/actor-runs?limit=1000&desc=1"),
        case(
            "get",
            "/v2/actor-runs",
            "/v2/actor-runs?status=TIMED-OUT&startedAfter=2025-12-20T00:00:00Z&startedBefore=2026-01-01T00:00:00.000Z",
        ),
        case(
            "get",
            "/v2/actor-runs",
            "/v2/actor-runs?desc=1&limit=1000&startedAfter=2025-12-01T00:00:00.000Z&offset=1000",
        ),
        case("get", "/v2/actor-runs", "/v2/actor-runs?desc=1&status=READY,RUNNING,SUCCEEDED&limit=20"),
        case("get", "/v2/actor-runs", "/v2/actor-runs?startedBefore=never").expect(&[400]),
        case("get", "/v2/actor-runs/{runId}", format!("/v2/actor-runs/{run_id}")),
        case("get", "/v2/actor-runs/{runId}", format!("/v2/actor-runs/{live}")),
        case("get", "/v2/actor-runs/{runId}", format!("/v2/actor-runs/{none}")).expect(&[404]),
        case("post", "/v2/actor-runs/{runId}/abort", format!("/v2/actor-runs/{live}/abort")),
        case("post", "/v2/actor-runs/{runId}/abort", format!("/v2/actor-runs/{run_id}/abort")),
        case("post", "/v2/actor-runs/{runId}/abort", format!("/v2/actor-runs/{none}/abort"))
            .expect(&[404]),
        // Builds
        case("get", "/v2/actor-builds", "/v2/actor-builds?limit=20&offset=5"),
        case("get", "/v2/actor-builds", "/v2/actor-builds?desc=1&limit=1000"),
        case("get", "/v2/actor-builds/{buildId}", format!("/v2/actor-builds/{build_id}")),
        case("get", "/v2/actor-builds/{buildId}", format!("/v2/actor-builds/{none}")).expect(&[404]),
        // Datasets
        case("get", "/v2/datasets", "/v2/datasets"),
        case("get", "/v2/datasets", "/v2/datasets?unnamed=1&limit=30&desc=1"),
        case("get", "/v2/datasets", "/v2/datasets?unnamed=1&desc=1&limit=1000&offset=3000"),
        case("get", "/v2/datasets", "/v2/datasets?unnamed=1&ownership=ownedByMe&limit=5"),
        case("get", "/v2/datasets", "/v2/datasets?ownership=sharedWithMe"),
        case("post", "/v2/datasets", "/v2/datasets?name=conformance-ds").expect(&[201]),
        case("post", "/v2/datasets", "/v2/datasets?name=conformance-ds"),
        case("get", "/v2/datasets/{datasetId}", "/v2/datasets/~product-catalog"),
        case("get", "/v2/datasets/{datasetId}", format!("/v2/datasets/{ds_unnamed}")),
        case("get", "/v2/datasets/{datasetId}", format!("/v2/datasets/{none}")).expect(&[404]),
        case("get", "/v2/datasets/{datasetId}/items", "/v2/datasets/~product-catalog/items?limit=5&offset=3"),
        case("post", "/v2/datasets/{datasetId}/items", "/v2/datasets/~conformance-ds/items")
            .json(json!([{"a": 1}]))
            .expect(&[201]),
        case("post", "/v2/datasets/{datasetId}/items", "/v2/datasets/~conformance-ds/items")
            .raw("application/json", b"42")
            .expect(&[400]),
        case("post", "/v2/datasets/{datasetId}/items", "/v2/datasets/~conformance-ds/items")
            .token(Some(missing_write))
            .json(json!({}))
            .expect(&[403]),
        case("get", "/v2/datasets/{datasetId}/statistics", "/v2/datasets/~product-catalog/statistics"),
        case("get", "/v2/datasets/{datasetId}/statistics", format!("/v2/datasets/{ds_unnamed}/statistics")),
        // No schema: `fieldStatistics: null`; pushed items without the schema's fields.
        case("get", "/v2/datasets/{datasetId}/statistics", "/v2/datasets/~conformance-ds/statistics"),
        case("get", "/v2/datasets/{datasetId}/statistics", format!("/v2/datasets/{none}/statistics"))
            .expect(&[404]),
        case("get", "/v2/datasets/{datasetId}/statistics", "/v2/datasets/~product-catalog/statistics")
            .token(None)
            .expect(&[401]),
        case("get", "/v2/datasets/{datasetId}/statistics", "/v2/datasets/~product-catalog/statistics")
            .on(Which::RateLimited),
        case("get", "/v2/datasets/{datasetId}/statistics", "/v2/datasets/~product-catalog/statistics")
            .on(Which::RateLimited)
            .expect(&[429]),
        case(
            "get",
            "/v2/actor-runs/{runId}/dataset/statistics",
            format!("/v2/actor-runs/{run_id}/dataset/statistics"),
        ),
        case(
            "get",
            "/v2/actor-runs/{runId}/dataset/statistics",
            format!("/v2/actor-runs/{none}/dataset/statistics"),
        )
        .expect(&[404]),
        case(
            "get",
            "/v2/actors/{actorId}/runs/last/dataset/statistics",
            "/v2/acts/forge-demo~field-drift/runs/last/dataset/statistics?status=SUCCEEDED&origin=SCHEDULER",
        ),
        case(
            "get",
            "/v2/actors/{actorId}/runs/last/dataset/statistics",
            format!("/v2/actors/{hw}/runs/last/dataset/statistics?status=NOPE"),
        )
        .expect(&[400]),
        case(
            "get",
            "/v2/actors/{actorId}/runs/last/dataset/statistics",
            format!("/v2/actors/{none}/runs/last/dataset/statistics"),
        )
        .expect(&[404]),
        case("delete", "/v2/datasets/{datasetId}", "/v2/datasets/~conformance-ds").expect(&[204]),
        case("delete", "/v2/datasets/{datasetId}", "/v2/datasets/~conformance-ds").expect(&[404]),
        // Key-value stores
        case("get", "/v2/key-value-stores", "/v2/key-value-stores"),
        case("get", "/v2/key-value-stores", "/v2/key-value-stores?unnamed=true&limit=25"),
        case("get", "/v2/key-value-stores", "/v2/key-value-stores?unnamed=1&desc=1&limit=10&offset=100"),
        case("post", "/v2/key-value-stores", "/v2/key-value-stores?name=forge-trends"),
        case("post", "/v2/key-value-stores", "/v2/key-value-stores?name=conformance-kv").expect(&[201]),
        case("post", "/v2/key-value-stores", "/v2/key-value-stores?name=Bad_Name").expect(&[400]),
        case("post", "/v2/key-value-stores", "/v2/key-value-stores?name=forge-trends")
            .token(Some(missing_write))
            .expect(&[403]),
        case("get", "/v2/key-value-stores/{storeId}", format!("/v2/key-value-stores/{trends}")),
        case("get", "/v2/key-value-stores/{storeId}", "/v2/key-value-stores/forge-demo~crawler-state"),
        case("get", "/v2/key-value-stores/{storeId}", format!("/v2/key-value-stores/{none}"))
            .expect(&[404]),
        case("get", "/v2/key-value-stores/{storeId}/keys", "/v2/key-value-stores/~forge-trends/keys"),
        case(
            "get",
            "/v2/key-value-stores/{storeId}/keys",
            "/v2/key-value-stores/~forge-trends/keys?limit=2&exclusiveStartKey=snapshot-2025-W49&prefix=snapshot-",
        ),
        case(
            "get",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            "/v2/key-value-stores/~forge-trends/records/snapshot-2025-W52",
        ),
        case(
            "get",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            format!("/v2/key-value-stores/{signals_kv}/records/SIGNALS"),
        ),
        case(
            "get",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            "/v2/key-value-stores/~crawler-state/records/notes.txt",
        ),
        case(
            "get",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            "/v2/key-value-stores/~crawler-state/records/large-sitemap-cache",
        )
        .expect(&[302]),
        case(
            "get",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            "/v2/key-value-stores/~forge-trends/records/missing",
        )
        .expect(&[404]),
        case(
            "put",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W02",
        )
        .json(json!({"version": 1, "week": "2026-W02"}))
        .expect(&[201]),
        case(
            "put",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            "/v2/key-value-stores/~forge-trends/records/x",
        )
        .raw("text/plain", b"abc")
        .header("content-encoding", "zstd")
        .expect(&[415]),
        case(
            "put",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            "/v2/key-value-stores/~forge-trends/records/x",
        )
        .token(Some(missing_write))
        .raw("text/plain", b"abc")
        .expect(&[403]),
        case(
            "put",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            "/v2/key-value-stores/~forge-trends/records/bad%2Fkey",
        )
        .raw("text/plain", b"abc")
        .expect(&[400]),
        case(
            "post",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            "/v2/key-value-stores/~conformance-kv/records/posted",
        )
        .raw("text/plain", b"abc")
        .expect(&[201]),
        case(
            "delete",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            "/v2/key-value-stores/~conformance-kv/records/posted",
        )
        .expect(&[204]),
        case(
            "delete",
            "/v2/key-value-stores/{storeId}/records/{recordKey}",
            "/v2/key-value-stores/~conformance-kv/records/posted",
        )
        .expect(&[404]),
        case("delete", "/v2/key-value-stores/{storeId}", "/v2/key-value-stores/~conformance-kv")
            .expect(&[204]),
        // Request queues
        case("get", "/v2/request-queues", "/v2/request-queues?unnamed=1&limit=10"),
        case("get", "/v2/request-queues", "/v2/request-queues"),
        case("post", "/v2/request-queues", "/v2/request-queues?name=conformance-rq").expect(&[201]),
        case("post", "/v2/request-queues", "/v2/request-queues?name=conformance-rq"),
        case("get", "/v2/request-queues/{queueId}", format!("/v2/request-queues/{rq}")),
        case("get", "/v2/request-queues/{queueId}", "/v2/request-queues/~crawl-frontier"),
        case("delete", "/v2/request-queues/{queueId}", "/v2/request-queues/~conformance-rq")
            .expect(&[204]),
        case("delete", "/v2/request-queues/{queueId}", "/v2/request-queues/~conformance-rq")
            .expect(&[404]),
        // Webhooks, schedules, tasks
        case("get", "/v2/webhooks", "/v2/webhooks").token(full),
        case("get", "/v2/webhooks", "/v2/webhooks").expect(&[403]),
        case("post", "/v2/webhooks", "/v2/webhooks")
            .token(Some(token("too-broad")))
            .json(json!({"eventTypes": ["ACTOR.RUN.FAILED"], "condition": {"actorId": hw},
                         "requestUrl": "https://example.com/hook"}))
            .expect(&[201]),
        case("post", "/v2/webhooks", "/v2/webhooks")
            .token(full)
            .json(json!({"eventTypes": [], "condition": {}}))
            .expect(&[400]),
        case("get", "/v2/schedules", "/v2/schedules?limit=5").token(full),
        case("post", "/v2/schedules", "/v2/schedules")
            .token(full)
            .json(json!({"name": "conformance-schedule", "cronExpression": "0 * * * *",
                         "isEnabled": false, "actions": [{"type": "RUN_ACTOR", "actorId": hw}]}))
            .expect(&[201]),
        case("post", "/v2/schedules", "/v2/schedules").expect(&[403]),
        case("get", "/v2/actor-tasks", "/v2/actor-tasks").token(full),
        case("post", "/v2/actor-tasks", "/v2/actor-tasks")
            .token(full)
            .json(json!({"actId": hw, "name": "conformance-task", "input": {"a": 1}}))
            .expect(&[201]),
        case("post", "/v2/actor-tasks", "/v2/actor-tasks")
            .token(full)
            .json(json!({"actId": hw, "name": "conformance-task"}))
            .expect(&[409]),
        // Users
        case("get", "/v2/users/me", "/v2/users/me").token(full),
        case("get", "/v2/users/me", "/v2/users/me"),
        case("get", "/v2/users/me", "/v2/users/me").token(None).expect(&[401]),
        // 405 on a path that has no DELETE at all: the spec's MethodNotAllowed response.
        Case {
            template: None,
            expect: &[405],
            ..case("delete", "", "/v2/actor-runs")
        },
    ];

    let mut validators = Validators {
        root_components: spec["components"].clone(),
        cache: BTreeMap::new(),
    };
    let mut failures: Vec<String> = Vec::new();
    let mut operations: BTreeSet<(String, String)> = BTreeSet::new();
    let mut bare: BTreeSet<String> = BTreeSet::new();
    let mut responses = 0;

    for c in &cases {
        let target = match c.sim {
            Which::Main => &sim,
            Which::RateLimited => &limited,
        };
        let mut r = req(&c.method.to_uppercase(), &c.uri);
        if let Some(t) = c.token {
            r = r.token(t);
        }
        if let Some((ct, b)) = &c.body {
            r = r.body(ct, b.clone());
        }
        for (n, v) in &c.headers {
            r = r.header(n, v);
        }
        let mut resp = r.send(target).await;
        // The per-second window may have rolled over between two calls: saturate it again.
        let mut tries = 0;
        while c.sim == Which::RateLimited && c.expect == [429] && resp.status == 200 && tries < 5 {
            let mut again = req(&c.method.to_uppercase(), &c.uri);
            if let Some(t) = c.token {
                again = again.token(t);
            }
            resp = again.send(target).await;
            tries += 1;
        }
        let status = resp.status.as_u16();
        let label = format!("{} {} → {status}", c.method.to_uppercase(), c.uri);
        if !c.expect.contains(&status) {
            failures.push(format!(
                "{label}: expected {:?}; body {}",
                c.expect,
                String::from_utf8_lossy(&resp.body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            ));
            continue;
        }
        let documented = match c.template {
            Some(t) => {
                let Some(op) = spec["paths"].get(t).and_then(|p| p.get(c.method)) else {
                    failures.push(format!(
                        "{label}: the spec has no operation {} {t}",
                        c.method
                    ));
                    continue;
                };
                operations.insert((c.method.to_uppercase(), t.to_string()));
                match op["responses"].get(status.to_string()) {
                    Some(r) => resolve(&spec, r).clone(),
                    None => {
                        failures.push(format!(
                            "{label}: status {status} is not documented for this operation"
                        ));
                        continue;
                    }
                }
            }
            None => resolve(&spec, &spec["components"]["responses"]["MethodNotAllowed"]).clone(),
        };
        responses += 1;
        let content = documented
            .get("content")
            .and_then(Value::as_object)
            .filter(|c| !c.is_empty());
        let ct = resp
            .header("content-type")
            .map(|v| v.split(';').next().unwrap_or("").trim().to_string());
        let Some(content) = content else {
            if !resp.body.is_empty() {
                failures.push(format!(
                    "{label}: the spec documents no body, but one was sent"
                ));
            }
            continue;
        };
        let Some(ct) = ct else {
            failures.push(format!(
                "{label}: no Content-Type on a response with a body"
            ));
            continue;
        };
        let media = content.get(&ct).or_else(|| content.get("*/*"));
        let Some(media) = media else {
            failures.push(format!(
                "{label}: Content-Type {ct} is not among the documented {:?}",
                content.keys().collect::<Vec<_>>()
            ));
            continue;
        };
        let Some(schema) = media.get("schema") else {
            continue;
        };
        if status < 300 && is_bare(&spec, schema) {
            bare.insert(format!(
                "{} {} {status} ({ct})",
                c.method.to_uppercase(),
                c.template.unwrap_or("")
            ));
        }
        if ct != "application/json" {
            continue;
        }
        let body: Value = match serde_json::from_slice(&resp.body) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{label}: body is not JSON: {e}"));
                continue;
            }
        };
        let key = format!("{} {:?} {status} {ct}", c.method, c.template);
        for e in validators.validate(&key, schema, &body) {
            failures.push(format!("{label}: {e}"));
        }
    }

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "conformance: {} operations, {} responses checked against {SPEC_PATH}",
        operations.len(),
        responses
    )
    .unwrap();
    for (m, p) in &operations {
        writeln!(out, "  {m} {p}").unwrap();
    }
    writeln!(
        out,
        "success responses whose spec schema is only a bare object/any value:"
    )
    .unwrap();
    for b in &bare {
        writeln!(out, "  {b}").unwrap();
    }
    drop(out);
    assert!(
        failures.is_empty(),
        "{} conformance failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(operations.len() >= 40, "{} operations", operations.len());
}

/// The validator really checks: references resolve, required properties, enums and formats
/// are enforced. (Guards against a harness that silently accepts everything.)
#[test]
fn the_validator_rejects_shapes_the_spec_does_not_allow() {
    let spec = load_spec();
    let mut v = Validators {
        root_components: spec["components"].clone(),
        cache: BTreeMap::new(),
    };
    let error = json!({"$ref": "#/components/schemas/ErrorResponse"});
    assert!(v
        .validate(
            "e",
            &error,
            &json!({"error": {"type": "record-not-found", "message": "x"}})
        )
        .is_empty());
    assert!(!v
        .validate(
            "e",
            &error,
            &json!({"error": {"type": "token-not-valid", "message": "x"}})
        )
        .is_empty());
    let run = json!({"$ref": "#/components/schemas/RunResponse"});
    assert!(!v
        .validate("r", &run, &json!({"data": {"id": "x"}}))
        .is_empty());
    let list = json!({"$ref": "#/components/schemas/ListOfRunsResponse"});
    let item = json!({
        "id": "a", "actId": "b", "status": "SUCCEEDED", "startedAt": "2026-01-01T00:00:00.000Z",
        "buildId": "c", "meta": {"origin": "API"}, "usageTotalUsd": 0.1,
        "defaultKeyValueStoreId": "d", "defaultDatasetId": "e", "defaultRequestQueueId": "f",
    });
    let page = |item: Value| json!({"data": {"total": 1, "offset": 0, "limit": 1, "count": 1, "desc": false, "items": [item]}});
    assert!(v.validate("l", &list, &page(item.clone())).is_empty());
    let mut bad_date = item.clone();
    bad_date["startedAt"] = json!("yesterday");
    assert!(!v.validate("l", &list, &page(bad_date)).is_empty());
    let mut bad_status = item;
    bad_status["status"] = json!("DONE");
    assert!(!v.validate("l", &list, &page(bad_status)).is_empty());
}
