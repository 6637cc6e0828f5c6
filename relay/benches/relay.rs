//! Criterion benches for the per-request security work: seal, unseal, allow-list match (per
//! route), unseal + match together (the target is ≤ 3 µs), and the response projection on real
//! simulator answers, beside a plain copy and a serde_json parse + print of the same bytes.
//!
//! Run with `cargo xtask bench` or `cargo bench -p forge-relay --bench relay`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use forge_apify::allow::{match_request, ALLOW_LIST};
use forge_relay::seal::{Keyring, SessionSecret};

const KEYS: &str =
    "2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=,1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const NOW: u64 = 1_800_000_000;

fn session() -> SessionSecret {
    SessionSecret {
        token: "apify_api_abcdefghijklmnopqrstuvwxyz0123456789"
            .to_string()
            .into(),
        user_id: "HksnGcqY3Y8H7Fmtj".into(),
        username: "forge-demo".into(),
        retention_days: None,
    }
}

/// A realistic request for each allow-list row: (method, path, query).
fn example(method: &str, template: &str) -> (String, Option<&'static str>) {
    let path = template
        .replace("{actorId}", "forge-demo~healthy-workhorse")
        .replace("{runId}", "Hb8mCXq2sW9kLp3Zt")
        .replace("{buildId}", "Qz7rTn4mKp2LxW9vB")
        .replace("{datasetId}", "Wd3kLm9pQx2NvR7sT")
        .replace("{storeId}", "~forge-trends")
        .replace("{key}", "snapshot-2026-W48");
    let lists_runs = template.ends_with("/runs") || template == "/v2/actor-runs";
    let query = if method == "GET" && lists_runs {
        Some("limit=1000&desc=1&status=SUCCEEDED,FAILED&startedAfter=2026-10-30T00:00:00.000Z")
    } else if method == "POST" && lists_runs {
        Some("memory=1024&timeout=300")
    } else if method == "POST" && template == "/v2/key-value-stores" {
        Some("name=forge-trends")
    } else {
        None
    };
    (path, query)
}

fn seal_unseal(c: &mut Criterion) {
    let ring = Keyring::parse(KEYS).unwrap();
    let s = session();
    c.bench_function("seal", |b| {
        b.iter(|| ring.seal(black_box(&s), NOW, NOW + 86_400).unwrap())
    });
    let sealed = ring.seal(&s, NOW, NOW + 86_400).unwrap();
    c.bench_function("unseal", |b| {
        b.iter(|| ring.unseal(black_box(&sealed), NOW).unwrap())
    });
}

fn matching(c: &mut Criterion) {
    let mut group = c.benchmark_group("match");
    for route in ALLOW_LIST {
        let (path, query) = example(route.method.as_str(), route.template);
        let id = format!("{} {}", route.method, route.template);
        group.bench_with_input(
            BenchmarkId::from_parameter(id),
            &(path, query),
            |b, (p, q)| {
                b.iter(|| {
                    match_request(route.method.as_str(), black_box(p), black_box(*q)).unwrap()
                })
            },
        );
    }
    group.bench_function("refused: dot segment", |b| {
        b.iter(|| match_request("GET", black_box("/v2/actors/../users/me"), None).unwrap_err())
    });
    group.finish();
}

fn unseal_and_match(c: &mut Criterion) {
    let ring = Keyring::parse(KEYS).unwrap();
    let sealed = ring.seal(&session(), NOW, NOW + 86_400).unwrap();
    let (path, query) = example("GET", "/v2/actors/{actorId}/runs");
    c.bench_function("unseal + match (GET runs with 4 query keys)", |b| {
        b.iter(|| {
            let u = ring.unseal(black_box(&sealed), NOW).unwrap();
            let a = match_request("GET", black_box(&path), black_box(query)).unwrap();
            (u.key_id, a.path().len())
        })
    });
}

/// Real answers of the simulated account (every field the OpenAPI file declares), straight from
/// its router: a 1,000-run page, an Actor with its source, a build with its definition.
fn sim_answers() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    use tower::ServiceExt;
    let sim = forge_sim::Sim::new(forge_sim::SimOptions::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let get = |path: &str| {
        let req = axum::http::Request::get(path)
            .header(
                "authorization",
                format!("Bearer {}", forge_sim::DEFAULT_DEMO_TOKEN),
            )
            .body(axum::body::Body::empty())
            .unwrap();
        rt.block_on(async {
            let res = sim.router().oneshot(req).await.unwrap();
            axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap()
                .to_vec()
        })
    };
    let runs = get("/v2/actor-runs?limit=1000&desc=1");
    let page: serde_json::Value = serde_json::from_slice(&runs).unwrap();
    let build = page["data"]["items"][0]["buildId"]
        .as_str()
        .unwrap()
        .to_string();
    vec![
        ("GET", "/v2/actor-runs", runs),
        (
            "GET",
            "/v2/actors/{actorId}",
            get("/v2/actors/forge-demo~signal-emitter"),
        ),
        (
            "GET",
            "/v2/actor-builds/{buildId}",
            get(&format!("/v2/actor-builds/{build}")),
        ),
    ]
}

fn projection(c: &mut Criterion) {
    use criterion::Throughput;
    use forge_apify::project::{project, Reply};
    let mut group = c.benchmark_group("projection");
    for (method, template, body) in sim_answers() {
        let route = ALLOW_LIST
            .iter()
            .find(|r| r.template == template && r.method.as_str() == method)
            .unwrap();
        let Reply::Json(shape) = &route.reply else {
            unreachable!("{template} is a JSON row")
        };
        let kept = project(shape, &body).unwrap().len();
        println!(
            "projection {template}: {} bytes in, {kept} out ({:.0} % dropped)",
            body.len(),
            100.0 * (1.0 - kept as f64 / body.len() as f64)
        );
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("project", template), &body, |b, body| {
            b.iter(|| project(shape, black_box(body)).unwrap())
        });
        group.bench_with_input(
            BenchmarkId::new("reference: parse + print", template),
            &body,
            |b, body| {
                b.iter(|| {
                    let v: serde_json::Value = serde_json::from_slice(black_box(body)).unwrap();
                    serde_json::to_vec(&v).unwrap()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("reference: copy", template),
            &body,
            |b, body| b.iter(|| black_box(body).to_vec()),
        );
    }
    group.finish();
}

criterion_group!(benches, seal_unseal, matching, unseal_and_match, projection);
criterion_main!(benches);
