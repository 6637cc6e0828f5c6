//! Nothing Forge promises never to return reaches the page. The demo's simulated account plants
//! `forge_sim::SENTINEL` in every forbidden field (source files, env vars, signing keys, signed
//! URLs, example input, `INPUT` records, …); a recorder injected before the app starts (CDP
//! `Page.addScriptToEvaluateOnNewDocument`) keeps the body of every response the app's `fetch`
//! receives during a full dashboard load, an Actor page and the trends, and none may hold it.

use crate::harness::{open, Page, Relay};
use forge_e2e::SimServer;
use forge_sim::SENTINEL;
use serde_json::json;
use std::time::{Duration, Instant};

/// Wraps `window.fetch` so every response body is kept in `window.__forgeSeen`.
const RECORDER: &str = r#"
(() => {
  const seen = (window.__forgeSeen = []);
  const fetch = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const res = await fetch(...args);
    try {
      const method = (args[1] && args[1].method) || (args[0] && args[0].method) || 'GET';
      seen.push([res.url, res.status, await res.clone().text(), method]);
    } catch (e) {
      seen.push([String(args[0]), -1, String(e), '?']);
    }
    return res;
  };
})();
"#;

async fn wait_css(page: &Page, css: &str, secs: u64) {
    let started = Instant::now();
    while !page.exists(css).await {
        if started.elapsed() > Duration::from_secs(secs) {
            page.fail(&format!("no element matches `{css}` after {secs} s"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `(url, status, body, method)` of every response this document's fetches received so far.
async fn seen(page: &Page) -> Vec<(String, i64, String, String)> {
    let v = page
        .client
        .execute("return window.__forgeSeen || [];", vec![])
        .await
        .expect("read the recorder");
    v.as_array()
        .expect("an array")
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap_or_default().to_string(),
                e[1].as_i64().unwrap_or_default(),
                e[2].as_str().unwrap_or_default().to_string(),
                e[3].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn no_forbidden_field_reaches_the_page() {
    // The control: the demo account really carries the sentinel where Forge must not look.
    let sim = SimServer::start(forge_sim::SimOptions::default()).await;
    let direct = reqwest::Client::new()
        .get(format!(
            "{}/v2/actors/forge-demo~signal-emitter",
            sim.base()
        ))
        .bearer_auth(forge_sim::DEFAULT_DEMO_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        direct.contains(SENTINEL),
        "the simulator plants no sentinel"
    );

    let page = open(Relay::Demo, "leaks").await;
    page.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": RECORDER}),
    )
    .await;

    let mut bodies = Vec::new();
    page.goto("/").await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 180).await;
    // The post-load reads (Actor details, memory samples, SIGNALS, trends) settle.
    tokio::time::sleep(Duration::from_secs(5)).await;
    bodies.extend(seen(&page).await);
    page.screenshot("dashboard").await;

    let html = page.client.source().await.expect("page source");
    let storage = page
        .client
        .execute(
            "return JSON.stringify(Object.assign({}, localStorage));",
            vec![],
        )
        .await
        .expect("localStorage");
    // The fleet cache: every value of Forge's IndexedDB.
    let cached = page
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const open = indexedDB.open('forge');
             open.onerror = () => done('ERROR: ' + open.error);
             open.onsuccess = () => {
               const db = open.result;
               if (!db.objectStoreNames.contains('fleets')) { db.close(); done(''); return; }
               const all = db.transaction('fleets').objectStore('fleets').getAll();
               all.onsuccess = () => { db.close(); done(JSON.stringify(all.result)); };
               all.onerror = () => { db.close(); done('ERROR: ' + all.error); };
             };",
            vec![],
        )
        .await
        .expect("IndexedDB")
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        cached.contains("\\\"runs\\\""),
        "the fleet is cached: {}",
        &cached[..cached.len().min(300)]
    );

    // Actor pages, reached as a user does (client-side navigation keeps the recorder).
    for actor in ["signal-emitter", "regressed-crawler"] {
        page.goto("/").await;
        // Once the refresh, SIGNALS and trends are in, the rows stop being re-rendered.
        wait_css(&page, "#fleet[data-extras=\"done\"]", 180).await;
        let link = format!(".fleet-table tbody tr[data-name=\"{actor}\"] a.actor-link");
        wait_css(&page, &link, 60).await;
        page.click(&link).await;
        wait_css(&page, "#actor-analytics", 60).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        bodies.extend(seen(&page).await);
    }

    let api: Vec<_> = bodies.iter().filter(|b| b.0.contains("/api/")).collect();
    let kinds = |needle: &str| api.iter().filter(|b| b.0.contains(needle)).count();
    for needle in [
        "/v2/actors?",
        "/v2/actors/",
        "/v2/actor-runs",
        "/v2/datasets",
        "/records/SIGNALS",
        "/key-value-stores/~forge-trends/",
    ] {
        assert!(
            kinds(needle) > 0,
            "the page never fetched {needle}: {api:#?}"
        );
    }
    // What the projection saved: the same reads straight from a simulator of the same seed.
    let (mut upstream, mut returned) = (0, 0);
    let http = reqwest::Client::new();
    for (url, status, body, method) in &api {
        let Some((_, path)) = url.split_once("/api/apify") else {
            continue;
        };
        if method != "GET" || *status != 200 || path.contains("/records/") {
            continue;
        }
        let direct = http
            .get(format!("{}{path}", sim.base()))
            .bearer_auth(forge_sim::DEFAULT_DEMO_TOKEN)
            .send()
            .await
            .unwrap();
        if direct.status() == 200 {
            upstream += direct.bytes().await.unwrap().len();
            returned += body.len();
        }
    }
    println!(
        "MEASURE leak check: {} API responses; the JSON reads were {upstream} bytes from the \
         simulated Apify and {returned} bytes to the page ({:.0} % dropped by the projection)",
        api.len(),
        100.0 * (1.0 - returned as f64 / upstream.max(1) as f64)
    );
    for (url, status, body, _) in &api {
        if body.contains(SENTINEL) {
            page.fail(&format!(
                "{url} ({status}) carried a forbidden field: {body}"
            ))
            .await;
        }
    }
    assert!(!html.contains(SENTINEL), "the page shows a forbidden value");
    assert!(
        !storage.to_string().contains(SENTINEL),
        "localStorage keeps a forbidden value"
    );
    assert!(
        !cached.contains(SENTINEL),
        "IndexedDB keeps a forbidden value"
    );
    assert!(
        !cached.contains("apify_api_") && !cached.contains("Bearer"),
        "IndexedDB keeps a credential"
    );
    page.finish().await;
}
