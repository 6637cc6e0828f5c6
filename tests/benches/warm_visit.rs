//! A later visit of the dashboard, measured at the fleet sizes Forge is for: the release
//! `forge-relay demo --actors N --latency-ms 50 --app-dir dist` and headless Chromium. Per size,
//! a first visit loads the fleet and caches it (IndexedDB); then the page is opened again, as a
//! user does the next morning, and the bench records:
//!
//! - when the cached table is on screen: the first row with figures
//!   (`.fleet-table tbody tr[data-state="ok"]`), ms from navigation start;
//! - when the live table replaced it (`#fleet[data-source="live"]`) and when the incremental
//!   load is done (`#fleet[data-phase="done"]`);
//! - the Apify requests the second visit sent (the relay's `/metrics`, before and after);
//! - the WebAssembly heap once each visit is loaded (`data-heap-bytes`), and the cache's size.
//!
//! Writes `target/bench/warm-visit.json`. A measurement only: nothing is asserted about times.
//!
//! ```sh
//! cargo bench -p forge-e2e --bench warm_visit      # FORGE_BENCH_SIZES=24,200 picks sizes
//! ```

#[allow(dead_code)]
#[path = "../browser/harness.rs"]
mod harness;

use forge_e2e::{release_relay_binary, target_dir, workspace_root, RelayProcess};
use harness::{open, Page, Relay, RequestCount};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Stamps, in `window.__forgeWarm`, the `performance.now()` at which each selector first matches.
const MARKS: &str = r#"
(() => {
  const marks = (window.__forgeWarm = {});
  const wanted = [
    ['cached_table', '.fleet-table tbody tr[data-state="ok"]'],
    ['live_table', '#fleet[data-source="live"] .fleet-table tbody tr[data-state="ok"]'],
    ['done', '#fleet[data-phase="done"]'],
  ];
  const check = () => {
    const now = performance.now();
    for (const [name, css] of wanted) {
      if (marks[name] === undefined && document.querySelector(css)) marks[name] = now;
    }
  };
  new MutationObserver(check).observe(document, {
    childList: true, subtree: true, attributes: true,
    attributeFilter: ['data-state', 'data-phase', 'data-source'],
  });
})();
"#;

/// Bytes of each IndexedDB value of Forge's cache, by key.
const CACHE_SIZES: &str = "const done = arguments[arguments.length - 1];
  const open = indexedDB.open('forge');
  open.onerror = () => done({});
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('fleets')) { db.close(); done({}); return; }
    const store = db.transaction('fleets').objectStore('fleets');
    const keys = store.getAllKeys(), values = store.getAll();
    values.onsuccess = () => {
      const out = {};
      keys.result.forEach((k, i) => { out[k] = String(values.result[i]).length; });
      db.close();
      done(out);
    };
    values.onerror = () => { db.close(); done({}); };
  };";

fn sizes() -> Vec<u32> {
    std::env::var("FORGE_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<u32>| !v.is_empty())
        .unwrap_or_else(|| vec![24, 200, 1000])
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("warm_visit: measured by `cargo bench` (or `cargo xtask bench`) only");
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(run());
}

/// Apify requests the relay forwarded, all routes.
fn apify_requests(m: &[RequestCount]) -> u64 {
    m.iter()
        .filter(|c| c.route.starts_with("/v2/"))
        .map(|c| c.n)
        .sum()
}

async fn attr(page: &Page, name: &str) -> Option<f64> {
    page.client
        .execute(
            &format!("return document.querySelector('#fleet')?.getAttribute('{name}');"),
            vec![],
        )
        .await
        .ok()?
        .as_str()?
        .parse()
        .ok()
}

/// Waits up to `secs` for `check` (a script returning a boolean).
async fn wait(page: &Page, what: &str, script: &str, secs: u64) {
    let started = Instant::now();
    loop {
        let ok = page.client.execute(script, vec![]).await.ok();
        if ok == Some(Value::Bool(true)) {
            return;
        }
        if started.elapsed() > Duration::from_secs(secs) {
            page.fail(&format!("{what}: not after {secs} s")).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn cache_sizes(page: &Page) -> serde_json::Map<String, Value> {
    match page.client.execute_async(CACHE_SIZES, vec![]).await {
        Ok(Value::Object(m)) => m,
        _ => Default::default(),
    }
}

async fn one_size(relay_bin: &PathBuf, app_dir: &PathBuf, actors: u32) -> Value {
    let mut cmd = tokio::process::Command::new(relay_bin);
    cmd.arg("demo")
        .arg("--app-dir")
        .arg(app_dir)
        .args(["--bind", "127.0.0.1:0", "--latency-ms", "50"])
        .args(["--actors", &actors.to_string()]);
    let relay = RelayProcess::spawn(cmd).await;
    let page = open(
        Relay::Started(Box::new(relay)),
        &format!("warm-visit-{actors}"),
    )
    .await;
    page.goto("/").await;
    let done = "return !!document.querySelector('#fleet[data-phase=\"done\"]');";
    wait(&page, "the first visit's table", done, 600).await;
    let first_done_ms = attr(&page, "data-done-ms").await;
    let first_heap = attr(&page, "data-heap-bytes").await;
    // The cache is written after the load: both keys of the account.
    let started = Instant::now();
    let cache = loop {
        let sizes = cache_sizes(&page).await;
        if sizes.keys().any(|k| k.ends_with(".runs")) || started.elapsed().as_secs() > 120 {
            break sizes;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let before = apify_requests(&page.request_counts().await);

    page.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": MARKS}),
    )
    .await;
    page.goto("/").await;
    wait(
        &page,
        "the second visit",
        "return (window.__forgeWarm || {}).done !== undefined;",
        600,
    )
    .await;
    let marks = page
        .client
        .execute("return window.__forgeWarm;", vec![])
        .await
        .unwrap_or(Value::Null);
    let heap = attr(&page, "data-heap-bytes").await;
    let requests = apify_requests(&page.request_counts().await) - before;
    let ms = |k: &str| marks.get(k).and_then(Value::as_f64);
    println!(
        "  {actors:>5} Actors: first visit loaded in {:.0} ms (heap {:.0} MB, cache {:.1} MB); \
         second visit: cached table at {:.0} ms, live table at {:.0} ms, done at {:.0} ms, \
         {requests} Apify requests (heap {:.0} MB)",
        first_done_ms.unwrap_or(f64::NAN),
        first_heap.unwrap_or(f64::NAN) / 1e6,
        cache.values().filter_map(Value::as_f64).sum::<f64>() / 1e6,
        ms("cached_table").unwrap_or(f64::NAN),
        ms("live_table").unwrap_or(f64::NAN),
        ms("done").unwrap_or(f64::NAN),
        heap.unwrap_or(f64::NAN) / 1e6,
    );
    page.finish().await;
    json!({
        "actors": actors,
        "first_visit_done_ms": first_done_ms,
        "first_visit_heap_bytes": first_heap,
        "cache_chars_by_key": cache,
        "second_visit_ms": marks,
        "second_visit_apify_requests": requests,
        "second_visit_heap_bytes": heap,
    })
}

async fn run() {
    let app_dir = workspace_root().join("dist");
    assert!(
        app_dir.join("index.html").is_file(),
        "{} is missing: build the app first (`cargo xtask bench` does)",
        app_dir.display()
    );
    let relay_bin = std::env::var_os("FORGE_RELAY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(release_relay_binary);
    println!(
        "warm visit: the dashboard opened twice per fleet size, simulated Apify latency 50 ms, \
         relay {}",
        relay_bin.display()
    );
    let mut results = Vec::new();
    for actors in sizes() {
        results.push(one_size(&relay_bin, &app_dir, actors).await);
    }
    let report = json!({
        "what": "second visit of the dashboard after a complete first one: cached table, incremental load",
        "ms": "performance.now() in the page, from the second navigation's start",
        "demo_latency_ms": 50,
        "sizes": results,
    });
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    let path = dir.join("warm-visit.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&report).expect("JSON") + "\n",
    )
    .expect("write warm-visit.json");
    println!("warm visit: wrote {}", path.display());
}
