//! First visit of the dashboard, measured: the release `forge-relay demo --app-dir dist` and a
//! headless Chromium with a **cold cache** (a fresh profile per load, `Network.clearBrowserCache`,
//! cache enabled) and **4× CPU throttling** (`Emulation.setCPUThrottlingRate`), as a slow phone
//! would load it. Per load:
//!
//! - bytes on the wire: the sum of `encodedDataLength` of DevTools' `Network.loadingFinished`
//!   (headers included), by kind (wasm, JS, CSS, HTML, API, other), from navigation until the
//!   table is complete and the network has been quiet for 2 s;
//! - times from navigation start (`performance.now()` in the page, stamped by a
//!   `MutationObserver` injected before the app starts): the wasm downloaded, the first fleet row
//!   (`.fleet-table tbody tr`), the first row with figures (`[data-state="ok"]`, what the
//!   dashboard test waits for) and the complete table (`#fleet[data-phase="done"]`).
//!
//! Prints median, min and max over the loads and writes every figure to
//! `target/bench/first-visit.json` (the previous file becomes `first-visit.previous.json`, and
//! the medians are compared with it). A measurement only: nothing is asserted about times.
//!
//! ```sh
//! cargo bench -p forge-e2e --bench first_visit -- [--runs 5] [--app-dir dist] [--latency-ms 0] [--cpu 4]
//! ```
//!
//! `cargo xtask bench` runs it after a `trunk build --release`. The demo's simulated Apify answers
//! with no added latency unless `--latency-ms` is given (the relay's `--latency-ms`, default 0).

#[allow(dead_code)]
#[path = "../browser/harness.rs"]
mod harness;

use forge_e2e::{release_relay_binary, target_dir, workspace_root, RelayProcess};
use harness::{open_with, Options, Page, Relay};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Stamps, in `window.__forgeFirstVisit`, the `performance.now()` at which each selector first
/// matches. Injected before any of the page's scripts run.
const MARKS: &str = r#"
(() => {
  const marks = (window.__forgeFirstVisit = {});
  const wanted = [
    ['first_row', '.fleet-table tbody tr'],
    ['first_row_with_figures', '.fleet-table tbody tr[data-state="ok"]'],
    ['table_complete', '#fleet[data-phase="done"]'],
  ];
  let observer = null;
  const check = () => {
    const now = performance.now();
    let missing = 0;
    for (const [name, css] of wanted) {
      if (marks[name] === undefined) {
        if (document.querySelector(css)) marks[name] = now; else missing += 1;
      }
    }
    if (missing === 0 && observer) observer.disconnect();
  };
  observer = new MutationObserver(check);
  observer.observe(document, {
    childList: true, subtree: true, attributes: true,
    attributeFilter: ['data-state', 'data-phase'],
  });
})();
"#;

/// A fixed amount of JavaScript work, in ms: run on the loaded dashboard throttled and then
/// unthrottled, it shows that the throttling held across the navigation.
const CALIBRATE: &str = "const t = performance.now(); let x = 0; \
     for (let i = 0; i < 3e6; i++) { x += Math.sqrt(i); } \
     return performance.now() - t;";

/// What the page's timing APIs say, in ms from navigation start.
const TIMINGS: &str = r#"
const nav = performance.getEntriesByType('navigation')[0] || {};
const wasm = performance.getEntriesByType('resource').find(e => e.name.endsWith('.wasm')) || {};
const fleet = document.querySelector('#fleet');
return {
  marks: window.__forgeFirstVisit || {},
  html_response_end: nav.responseEnd,
  dom_content_loaded: nav.domContentLoadedEventEnd,
  load_event: nav.loadEventEnd,
  wasm_response_end: wasm.responseEnd,
  app_first_rows_ms: fleet && fleet.getAttribute('data-first-rows-ms'),
  app_done_ms: fleet && fleet.getAttribute('data-done-ms'),
  rows: document.querySelectorAll('.fleet-table tbody tr').length,
};
"#;

const KINDS: [&str; 6] = ["wasm", "js", "css", "html", "api", "other"];
/// How long the network must be quiet after the table is complete.
const QUIET: Duration = Duration::from_secs(2);
/// At most this long after the table is complete (in case the app polls).
const SETTLE_CAP: Duration = Duration::from_secs(20);

#[derive(Debug)]
struct Args {
    runs: usize,
    app_dir: PathBuf,
    latency_ms: Option<u64>,
    cpu: f64,
}

fn parse_args() -> Option<Args> {
    let mut args = Args {
        runs: 5,
        app_dir: workspace_root().join("dist"),
        latency_ms: None,
        cpu: 4.0,
    };
    let mut bench = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().unwrap_or_else(|| panic!("{name} needs a value"));
        match arg.as_str() {
            // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then this
            // binary has nothing to check quickly.
            "--bench" => bench = true,
            "--runs" => args.runs = value("--runs").parse().expect("--runs N"),
            "--app-dir" => args.app_dir = PathBuf::from(value("--app-dir")),
            "--latency-ms" => {
                args.latency_ms = Some(value("--latency-ms").parse().expect("--latency-ms N"));
            }
            "--cpu" => args.cpu = value("--cpu").parse().expect("--cpu RATE"),
            other if other.starts_with('-') => panic!(
                "unknown option {other}: --runs N, --app-dir DIR, --latency-ms N, --cpu RATE"
            ),
            // A name filter from `cargo bench NAME`: this binary has one measurement.
            _ => {}
        }
    }
    assert!(args.runs > 0, "--runs must be at least 1");
    bench.then_some(args)
}

fn main() {
    let Some(args) = parse_args() else {
        println!("first_visit: measured by `cargo bench` (or `cargo xtask bench`) only");
        return;
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(run(args));
}

/// One load's figures, flat: `bytes_wasm`, `requests_api`, `ms_first_row`, ….
type Figures = BTreeMap<String, f64>;

async fn run(args: Args) {
    let index = args.app_dir.join("index.html");
    assert!(
        index.is_file(),
        "{} is missing: build the app first (`cargo xtask bench` does: trunk build --release)",
        index.display()
    );
    let wasm_file = std::fs::read_dir(&args.app_dir)
        .expect("read the app dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name.ends_with("_bg.wasm"))
        .unwrap_or_default();
    let relay_bin = std::env::var_os("FORGE_RELAY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(release_relay_binary);
    let latency = args.latency_ms.map_or_else(
        || "0 ms (the demo's default)".to_owned(),
        |ms| format!("{ms} ms"),
    );
    println!(
        "first visit: {} cold loads of the dashboard, CPU ×{}, simulated Apify latency {latency}, \
         app {} ({wasm_file}), relay {}",
        args.runs,
        args.cpu,
        args.app_dir.display(),
        relay_bin.display()
    );

    let mut loads: Vec<(Figures, Value)> = Vec::new();
    let mut calibration = Vec::new();
    for i in 0..args.runs {
        let mut relay = tokio::process::Command::new(&relay_bin);
        relay
            .arg("demo")
            .arg("--app-dir")
            .arg(&args.app_dir)
            .args(["--bind", "127.0.0.1:0"]);
        if let Some(ms) = args.latency_ms {
            relay.args(["--latency-ms", &ms.to_string()]);
        }
        let relay = RelayProcess::spawn(relay).await;
        let page = open_with(
            Relay::Started(Box::new(relay)),
            &format!("first-visit-{i}"),
            Options {
                performance_log: true,
            },
        )
        .await;
        let (figures, detail, slowdown) = one_load(&page, args.cpu).await;
        println!(
            "  load {}: {} on the wire, first row {:.0} ms, with figures {:.0} ms, complete {:.0} ms",
            i + 1,
            show(figures["bytes_total"], "B"),
            figures.get("ms_first_row").copied().unwrap_or(f64::NAN),
            figures
                .get("ms_first_row_with_figures")
                .copied()
                .unwrap_or(f64::NAN),
            figures
                .get("ms_table_complete")
                .copied()
                .unwrap_or(f64::NAN),
        );
        calibration.push(slowdown);
        loads.push((figures, detail));
        page.finish().await;
    }

    let summary = summarise(&loads.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>());
    print_table(&summary);
    let slowdown = median(&calibration);
    println!(
        "throttling check: a fixed JavaScript loop on the loaded dashboard ran {slowdown:.1}× \
         slower throttled than unthrottled (set: ×{})",
        args.cpu
    );
    let encodings = &loads[0].1["encodings"];
    if let Some(kinds) = encodings.as_object() {
        let shown: Vec<String> = kinds
            .iter()
            .map(|(kind, list)| {
                let list: Vec<&str> = list
                    .as_array()
                    .map(|l| l.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                format!("{kind} {}", list.join("+"))
            })
            .collect();
        println!("Content-Encoding: {}", shown.join(", "));
    }

    let report = json!({
        "what": "first visit of the dashboard: cold cache, CPU throttled, forge-relay demo --app-dir",
        "runs": args.runs,
        "cpu_throttling_rate": args.cpu,
        "demo_latency_ms": args.latency_ms.unwrap_or(0),
        "app_dir": args.app_dir.display().to_string(),
        "wasm_file": wasm_file,
        "bytes": "sum of Network.loadingFinished encodedDataLength (headers included), navigation → table complete + 2 s quiet; bytes_api_by_complete: the API's share when the table was seen complete",
        "ms": "performance.now() in the page, from navigation start",
        "throttling_check_slowdown": slowdown,
        "content_encodings": encodings,
        "summary": summary,
        "loads": loads.iter().map(|(f, d)| json!({"figures": f, "detail": d})).collect::<Vec<_>>(),
    });
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    let path = dir.join("first-visit.json");
    let previous = dir.join("first-visit.previous.json");
    if path.is_file() {
        let _ = std::fs::rename(&path, &previous);
        if let Some(before) = std::fs::read_to_string(&previous)
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        {
            compare(&before["summary"], &summary);
        }
    }
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&report).expect("JSON") + "\n",
    )
    .expect("write first-visit.json");
    println!("first visit: wrote {}", path.display());
}

/// One cold, throttled load of `/`. Returns the flat figures, the per-request detail, and the
/// calibration loop's slowdown.
async fn one_load(page: &Page, cpu: f64) -> (Figures, Value, f64) {
    page.cdp("Network.clearBrowserCache", json!({})).await;
    page.cdp("Network.setCacheDisabled", json!({"cacheDisabled": false}))
        .await;
    page.cdp("Emulation.setCPUThrottlingRate", json!({"rate": cpu}))
        .await;
    page.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": MARKS}),
    )
    .await;
    // Whatever the blank start page did is not part of the visit.
    let _ = page.network_events().await;

    let mut network = Network::default();
    page.goto("/").await;
    let started = Instant::now();
    let api_by_complete = loop {
        network.add(page.network_events().await);
        let done = page
            .client
            .execute(
                "return (window.__forgeFirstVisit || {}).table_complete !== undefined;",
                vec![],
            )
            .await
            .unwrap_or(Value::Bool(false));
        if done == Value::Bool(true) {
            // What the API had moved when the table was seen complete (≤ 100 ms late).
            break network
                .finished()
                .filter(|r| r.kind() == "api")
                .fold((0.0, 0.0), |(bytes, n), r| (bytes + r.bytes, n + 1.0));
        }
        if started.elapsed() > Duration::from_secs(300) {
            page.fail("the table was not complete after 300 s").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The post-load reads, until the network is quiet.
    let complete = Instant::now();
    let mut quiet_since = Instant::now();
    while complete.elapsed() < SETTLE_CAP {
        let events = page.network_events().await;
        if !events.is_empty() {
            quiet_since = Instant::now();
        }
        network.add(events);
        if network.in_flight() == 0 && quiet_since.elapsed() >= QUIET {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let timings = page
        .client
        .execute(TIMINGS, vec![])
        .await
        .expect("read the page's timings");
    let _warm_up = calibrate(page).await;
    let throttled = calibrate(page).await;
    page.cdp("Emulation.setCPUThrottlingRate", json!({"rate": 1}))
        .await;
    let unthrottled = calibrate(page).await;

    let mut figures = Figures::new();
    for kind in KINDS {
        figures.insert(format!("bytes_{kind}"), 0.0);
        figures.insert(format!("requests_{kind}"), 0.0);
    }
    let mut detail = Vec::new();
    let mut encodings: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for request in network.finished() {
        let kind = request.kind();
        *figures.get_mut(&format!("bytes_{kind}")).unwrap() += request.bytes;
        *figures.get_mut(&format!("requests_{kind}")).unwrap() += 1.0;
        encodings
            .entry(kind)
            .or_default()
            .insert(request.encoding.clone());
        detail.push(json!({
            "url": request.url, "kind": kind, "status": request.status,
            "encoding": request.encoding, "bytes": request.bytes,
        }));
    }
    let total: f64 = KINDS.iter().map(|k| figures[&format!("bytes_{k}")]).sum();
    figures.insert("bytes_total".to_owned(), total);
    figures.insert("bytes_app".to_owned(), total - figures["bytes_api"]);
    figures.insert("bytes_api_by_complete".to_owned(), api_by_complete.0);
    figures.insert("requests_api_by_complete".to_owned(), api_by_complete.1);
    let marks = &timings["marks"];
    for (name, value) in [
        ("ms_wasm_downloaded", &timings["wasm_response_end"]),
        ("ms_html_downloaded", &timings["html_response_end"]),
        ("ms_load_event", &timings["load_event"]),
        ("ms_first_row", &marks["first_row"]),
        (
            "ms_first_row_with_figures",
            &marks["first_row_with_figures"],
        ),
        ("ms_table_complete", &marks["table_complete"]),
    ] {
        if let Some(ms) = value.as_f64() {
            figures.insert(name.to_owned(), ms);
        }
    }
    let detail = json!({
        "requests": detail,
        "encodings": encodings,
        "timings": timings,
        "calibration_ms": {"unthrottled": unthrottled, "throttled": throttled},
    });
    (figures, detail, throttled / unthrottled.max(0.001))
}

async fn calibrate(page: &Page) -> f64 {
    page.client
        .execute(CALIBRATE, vec![])
        .await
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN)
}

/// Requests put together from DevTools' `Network.*` events.
#[derive(Debug, Default)]
struct Network {
    requests: BTreeMap<String, Request>,
}

#[derive(Debug, Default, Clone)]
struct Request {
    url: String,
    resource_type: String,
    mime: String,
    status: i64,
    encoding: String,
    bytes: f64,
    ended: bool,
    failed: bool,
}

impl Request {
    fn kind(&self) -> &'static str {
        let path = self
            .url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or("/");
        let path = path.split(['?', '#']).next().unwrap_or(path);
        if path.starts_with("/api/") {
            "api"
        } else if path.ends_with(".wasm") || self.mime == "application/wasm" {
            "wasm"
        } else if path.ends_with(".js") || self.resource_type == "Script" {
            "js"
        } else if path.ends_with(".css") || self.resource_type == "Stylesheet" {
            "css"
        } else if self.resource_type == "Document" || path.ends_with(".html") {
            "html"
        } else {
            "other"
        }
    }
}

impl Network {
    fn add(&mut self, events: Vec<(String, Value)>) {
        for (method, params) in events {
            let Some(id) = params["requestId"].as_str() else {
                continue;
            };
            let request = self.requests.entry(id.to_owned()).or_default();
            match method.as_str() {
                "Network.requestWillBeSent" => {
                    request.url = params["request"]["url"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    request.resource_type = params["type"].as_str().unwrap_or_default().to_owned();
                }
                "Network.responseReceived" => {
                    let response = &params["response"];
                    if request.url.is_empty() {
                        request.url = response["url"].as_str().unwrap_or_default().to_owned();
                    }
                    request.resource_type = params["type"]
                        .as_str()
                        .unwrap_or(&request.resource_type)
                        .to_owned();
                    request.mime = response["mimeType"].as_str().unwrap_or_default().to_owned();
                    request.status = response["status"].as_i64().unwrap_or_default();
                    request.encoding = header(&response["headers"], "content-encoding")
                        .unwrap_or_else(|| "identity".to_owned());
                }
                "Network.loadingFinished" => {
                    request.bytes = params["encodedDataLength"].as_f64().unwrap_or_default();
                    request.ended = true;
                }
                "Network.loadingFailed" => {
                    request.ended = true;
                    request.failed = true;
                }
                _ => {}
            }
        }
    }

    fn in_flight(&self) -> usize {
        self.requests
            .values()
            .filter(|r| !r.ended && !r.url.starts_with("data:"))
            .count()
    }

    fn finished(&self) -> impl Iterator<Item = &Request> {
        self.requests
            .values()
            .filter(|r| r.ended && !r.failed && r.url.starts_with("http"))
    }
}

fn header(headers: &Value, name: &str) -> Option<String> {
    headers.as_object()?.iter().find_map(|(k, v)| {
        k.eq_ignore_ascii_case(name)
            .then(|| v.as_str().unwrap_or_default().to_owned())
    })
}

fn median(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// `{figure: {median, min, max}}` over the loads that have the figure.
fn summarise(loads: &[Figures]) -> Value {
    let names: BTreeSet<&String> = loads.iter().flat_map(|f| f.keys()).collect();
    let mut out = Map::new();
    for name in names {
        let values: Vec<f64> = loads.iter().filter_map(|f| f.get(name).copied()).collect();
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        out.insert(
            name.clone(),
            json!({"median": median(&values), "min": min, "max": max, "n": values.len()}),
        );
    }
    Value::Object(out)
}

const ROWS: [(&str, &str); 19] = [
    ("bytes_wasm", "wasm"),
    ("bytes_js", "JS"),
    ("bytes_css", "CSS"),
    ("bytes_html", "HTML"),
    ("bytes_other", "other files"),
    ("bytes_app", "app (all but API)"),
    ("bytes_api_by_complete", "API, table complete"),
    ("bytes_api", "API, network quiet"),
    ("bytes_total", "total"),
    ("requests_js", "JS requests"),
    ("requests_other", "other file requests"),
    ("requests_api_by_complete", "API req., table complete"),
    ("requests_api", "API req., network quiet"),
    ("ms_html_downloaded", "HTML downloaded"),
    ("ms_wasm_downloaded", "wasm downloaded"),
    ("ms_load_event", "load event"),
    ("ms_first_row", "first fleet row"),
    ("ms_first_row_with_figures", "first row with figures"),
    ("ms_table_complete", "table complete"),
];

fn print_table(summary: &Value) {
    println!();
    println!(
        "{:<26} {:>12} {:>12} {:>12}",
        "first visit", "median", "min", "max"
    );
    for (key, label) in ROWS {
        let s = &summary[key];
        let Some(median) = s["median"].as_f64() else {
            continue;
        };
        let unit = unit_of(key);
        println!(
            "{:<26} {:>12} {:>12} {:>12}",
            label,
            show(median, unit),
            show(s["min"].as_f64().unwrap_or(f64::NAN), unit),
            show(s["max"].as_f64().unwrap_or(f64::NAN), unit),
        );
    }
    println!();
}

fn unit_of(key: &str) -> &'static str {
    if key.starts_with("bytes_") {
        "B"
    } else if key.starts_with("ms_") {
        "ms"
    } else {
        ""
    }
}

/// `436,512 B`, `1,234 ms`, `31`.
fn show(value: f64, unit: &str) -> String {
    if !value.is_finite() {
        return "-".to_owned();
    }
    let digits = format!("{:.0}", value.abs());
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 { "-" } else { "" };
    if unit.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped} {unit}")
    }
}

/// The medians against the previous run's.
fn compare(before: &Value, after: &Value) {
    println!("against the previous run (target/bench/first-visit.previous.json), medians:");
    for (key, label) in ROWS {
        let (Some(b), Some(a)) = (
            before[key]["median"].as_f64(),
            after[key]["median"].as_f64(),
        ) else {
            continue;
        };
        let unit = unit_of(key);
        let change = if b != 0.0 {
            format!("{:+.1} %", 100.0 * (a - b) / b)
        } else {
            "-".to_owned()
        };
        println!(
            "  {:<26} {:>12} → {:>12}  ({change})",
            label,
            show(b, unit),
            show(a, unit)
        );
    }
    println!();
}
