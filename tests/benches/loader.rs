//! The fleet loader, measured against the real relay: the account-wide strategy
//! (`forge_load::account::load_fleet`, DESIGN §9) beside the per-Actor one it replaced
//! (`forge_load::actor::load_fleet_per_actor`, the reference), for 24, 200 and 1,000 Actors.
//!
//! Per fleet size: the release `forge-relay demo --actors N --latency-ms 50` on a free loopback
//! port; then each strategy in a fresh session, connected as the browser connects (`POST
//! /api/session` with the simulator's scoped demo token and `X-Forge-Client: 1`, keeping the
//! session cookie), every Apify call a `GET|POST|PUT /api/apify/v2/…` with the cookie, through a
//! [`Transport`] over reqwest that counts requests, body bytes as received and 429 answers. The
//! new strategy runs first (a simulator that warms up would favour the second), then 2 s pass so
//! the simulator's per-second windows (keyed by token, not by session) are fresh, then the old.
//!
//! Figures per strategy: requests before the table is complete and in all, against the
//! account-wide minimum (1 Actor page per 1,000 Actors + ⌈runs / 1000⌉ + ⌈default datasets in the
//! window / 1000⌉ + the build pages that reach into the window, from what the lists returned);
//! time to the first rows (old: the first Actor loaded; new: the complete table, which is when its
//! rows get figures), to the complete table and to fully enriched; bytes; 429s. Prints old and new
//! side by side with ratios, and the issue's targets as met or not — reported, never asserted (no
//! wall-clock figure is asserted in this project). Writes `target/bench/loader.json` (the
//! previous one becomes `loader.previous.json`).
//!
//! ```sh
//! cargo bench -p forge-e2e --bench loader -- [--sizes 24,200,1000] [--latency-ms 50]
//! FORGE_BENCH_SIZES=24,200 cargo bench -p forge-e2e --bench loader
//! ```
//!
//! `FORGE_RELAY_BIN` points at a prebuilt relay (otherwise the release one is built). The old
//! strategy at 1,000 Actors sends ≈ 13,000 requests, paced below the relay's 120/s per session:
//! a couple of minutes.

use forge_apify::paths::ApifyPath;
use forge_e2e::{release_relay_binary, target_dir, RelayProcess};
use forge_fleet::{PreparedActor, Window};
use forge_load::account::{load_fleet, Event, FleetPlan, LOAD_DAYS};
use forge_load::actor::{load_fleet_per_actor, Milestone, ACTOR_PAGE_SAMPLES};
use forge_load::{Answer, ApiError, Fetcher, LoadOptions, RequestStats, Transport};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const DEFAULT_SIZES: [usize; 3] = [24, 200, 1000];
const DEFAULT_LATENCY_MS: u64 = 50;
/// Between the two strategies: the simulator's per-second windows start afresh.
const PAUSE_BETWEEN: Duration = Duration::from_secs(2);
/// Items per page of every account-wide list.
const PAGE: u64 = 1000;

#[derive(Debug)]
struct Args {
    sizes: Vec<usize>,
    latency_ms: u64,
}

fn parse_sizes(list: &str) -> Vec<usize> {
    let sizes: Vec<usize> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.replace('_', "")
                .parse()
                .unwrap_or_else(|_| panic!("not a fleet size: {s:?} (e.g. 24,200,1000)"))
        })
        .collect();
    assert!(
        !sizes.is_empty() && sizes.iter().all(|&n| n > 0),
        "fleet sizes must be positive: {list:?}"
    );
    sizes
}

fn parse_args() -> Option<Args> {
    let mut args = Args {
        sizes: std::env::var("FORGE_BENCH_SIZES")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .map_or_else(|| DEFAULT_SIZES.to_vec(), |s| parse_sizes(&s)),
        latency_ms: DEFAULT_LATENCY_MS,
    };
    let mut bench = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().unwrap_or_else(|| panic!("{name} needs a value"));
        match arg.as_str() {
            // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then this
            // binary has nothing to check quickly.
            "--bench" => bench = true,
            "--sizes" => args.sizes = parse_sizes(&value("--sizes")),
            "--latency-ms" => {
                args.latency_ms = value("--latency-ms").parse().expect("--latency-ms N");
            }
            other if other.starts_with('-') => {
                panic!("unknown option {other}: --sizes N,N,…, --latency-ms N")
            }
            // A name filter from `cargo bench NAME`: this binary has one measurement.
            _ => {}
        }
    }
    bench.then_some(args)
}

fn main() {
    let Some(args) = parse_args() else {
        println!("loader: measured by `cargo bench` (or `cargo xtask bench`) only");
        return;
    };
    // The loader's futures are not `Send`: they run on this thread inside `block_on`, while one
    // worker drives the connections and drains the relay's log pipes.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(run(args));
}

// ---------------------------------------------------------------------------------------------
// The transport: reqwest to the relay, counting.

/// What went over the wire, so far.
#[derive(Debug, Default, Clone)]
struct Counts {
    requests: u64,
    /// Response bodies as received (no decoding: reqwest here has no decompression).
    bytes: u64,
    throttled: u64,
    /// Answers with another non-2xx status, and requests that got no answer.
    failed: u64,
    unreachable: u64,
    /// Time requests spent in flight, summed.
    in_flight_ms: f64,
    statuses: BTreeMap<u16, u64>,
    /// `Content-Encoding` of the answers (`identity` when absent).
    encodings: BTreeSet<String>,
    /// Requests and bytes per allow-list route template.
    routes: BTreeMap<&'static str, (u64, u64)>,
}

impl Counts {
    fn json(&self) -> Value {
        json!({
            "requests": self.requests,
            "bytes": self.bytes,
            "throttled_429": self.throttled,
            "failed": self.failed,
            "unreachable": self.unreachable,
            "mean_request_ms": if self.requests > 0 {
                self.in_flight_ms / self.requests as f64
            } else {
                0.0
            },
            "statuses": self.statuses.iter().map(|(s, n)| (s.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "encodings": self.encodings,
            "routes": self.routes.iter().map(|(r, (n, b))| ((*r).to_owned(), json!({"requests": n, "bytes": b}))).collect::<serde_json::Map<_, _>>(),
        })
    }
}

/// What the account-wide lists said, read off their answers: the figures of the minimum.
#[derive(Debug, Default, Clone)]
struct ListsSeen {
    actors_total: Option<u64>,
    runs_total: Option<u64>,
    /// Runs in the window that have a default dataset (the list asks `startedAfter`).
    runs_with_dataset: HashSet<String>,
    builds_total: Option<u64>,
    /// Builds started inside the window.
    builds_in_window: HashSet<String>,
}

impl ListsSeen {
    /// Whether `path` is a page of a list the minimum is computed from.
    fn wants(path: &str) -> bool {
        ["/v2/actors?", "/v2/actor-runs?", "/v2/actor-builds?"]
            .iter()
            .any(|p| path.starts_with(p))
    }

    fn read(&mut self, path: &str, body: &str, window_start_ms: i64) {
        let list = if path.starts_with("/v2/actors?") {
            "actors"
        } else if path.starts_with("/v2/actor-runs?") {
            "runs"
        } else if path.starts_with("/v2/actor-builds?") {
            "builds"
        } else {
            return;
        };
        let Ok(page) = serde_json::from_str::<Value>(body) else {
            return;
        };
        let data = &page["data"];
        let total = data["total"].as_u64();
        let items = data["items"].as_array().map_or(&[][..], Vec::as_slice);
        match list {
            "actors" => self.actors_total = self.actors_total.or(total),
            "runs" => {
                self.runs_total = self.runs_total.or(total);
                for r in items {
                    if let (Some(id), Some(_)) = (r["id"].as_str(), r["defaultDatasetId"].as_str())
                    {
                        self.runs_with_dataset.insert(id.to_owned());
                    }
                }
            }
            _ => {
                self.builds_total = self.builds_total.or(total);
                for b in items {
                    let started = b["startedAt"]
                        .as_str()
                        .and_then(forge_apify::time::parse_iso_millis);
                    if let (Some(id), Some(t)) = (b["id"].as_str(), started) {
                        if t >= window_start_ms {
                            self.builds_in_window.insert(id.to_owned());
                        }
                    }
                }
            }
        }
    }

    /// The fewest requests that bring in every list: (actors, runs, datasets, builds) pages.
    fn minimum(&self) -> [u64; 4] {
        let pages = |n: u64| n.div_ceil(PAGE).max(1);
        let builds =
            pages(self.builds_in_window.len() as u64).min(pages(self.builds_total.unwrap_or(0)));
        [
            pages(self.actors_total.unwrap_or(0)),
            pages(self.runs_total.unwrap_or(0)),
            pages(self.runs_with_dataset.len() as u64),
            builds,
        ]
    }
}

/// The loader's transport: allow-listed requests to the relay with the session cookie, as the
/// app's gloo-net transport sends them, counted.
struct Wire {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT`
    origin: String,
    /// `forge_session=…`
    cookie: String,
    counts: RefCell<Counts>,
    /// The account-wide lists' answers (path, body), kept to compute the minimum after the load
    /// (parsing them here would slow the load down).
    watch: Option<RefCell<Vec<(String, String)>>>,
    window_start_ms: i64,
    seed: Cell<u64>,
    /// The load's start: the timeline's zero.
    epoch: Instant,
    /// Every request, when kept: sent (ms from `epoch`), in flight (ms), route, status, bytes.
    timeline: Option<RefCell<Vec<Sent>>>,
}

/// One request of the timeline.
#[derive(Debug, Clone)]
struct Sent {
    at_ms: f64,
    took_ms: f64,
    route: &'static str,
    status: u16,
    bytes: u64,
}

impl Wire {
    fn counts(&self) -> Counts {
        self.counts.borrow().clone()
    }
}

fn unix_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Headers a same-origin `fetch` from the dashboard carries (besides the cookie).
fn browser_headers(rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    rb.header(
        forge_apify::wire::CLIENT_HEADER,
        forge_apify::wire::CLIENT_HEADER_VALUE,
    )
    .header("Accept", "application/json")
    .header("Accept-Encoding", "gzip")
    .header("Sec-Fetch-Site", "same-origin")
    .header("Sec-Fetch-Mode", "cors")
    .header("Sec-Fetch-Dest", "empty")
}

impl Transport for Wire {
    async fn send(&self, request: &ApifyPath, body: Option<String>) -> Result<Answer, ApiError> {
        let url = format!("{}{}", self.origin, request.relay_path());
        let mut rb = match request.method() {
            forge_apify::allow::Method::Get => self.http.get(&url),
            forge_apify::allow::Method::Post => self.http.post(&url),
            forge_apify::allow::Method::Put => self.http.put(&url),
        };
        rb = browser_headers(rb).header("Cookie", &self.cookie);
        if request.method() != forge_apify::allow::Method::Get {
            // Browsers send Origin with every non-GET fetch; the relay demands it with a cookie.
            rb = rb.header("Origin", &self.origin);
        }
        if let Some(body) = body {
            rb = rb.header("Content-Type", "application/json").body(body);
        }
        let sent = Instant::now();
        let at_ms = sent.duration_since(self.epoch).as_secs_f64() * 1000.0;
        let result = async {
            let res = rb.send().await?;
            let status = res.status().as_u16();
            let encoding = res
                .headers()
                .get("content-encoding")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("identity")
                .to_owned();
            let bytes = res.bytes().await?;
            Ok::<_, reqwest::Error>((status, encoding, bytes))
        }
        .await;
        let took_ms = sent.elapsed().as_secs_f64() * 1000.0;
        if let Some(timeline) = &self.timeline {
            let (status, bytes) = result
                .as_ref()
                .map_or((0, 0), |(s, _, b)| (*s, b.len() as u64));
            timeline.borrow_mut().push(Sent {
                at_ms,
                took_ms,
                route: request.template(),
                status,
                bytes,
            });
        }
        let mut c = self.counts.borrow_mut();
        c.requests += 1;
        c.in_flight_ms += took_ms;
        let route = c.routes.entry(request.template()).or_default();
        route.0 += 1;
        match result {
            Ok((status, encoding, bytes)) => {
                route.1 += bytes.len() as u64;
                c.bytes += bytes.len() as u64;
                *c.statuses.entry(status).or_default() += 1;
                if status == 429 {
                    c.throttled += 1;
                } else if !(200..300).contains(&status) {
                    c.failed += 1;
                }
                drop(c);
                let body = match encoding.as_str() {
                    "gzip" => {
                        let mut text = String::new();
                        let mut gz = flate2::read::GzDecoder::new(&bytes[..]);
                        std::io::Read::read_to_string(&mut gz, &mut text)
                            .expect("a gzipped answer");
                        text
                    }
                    _ => String::from_utf8_lossy(&bytes).into_owned(),
                };
                self.counts.borrow_mut().encodings.insert(encoding);
                let path = request.path_and_query();
                if let (Some(watch), true) = (&self.watch, (200..300).contains(&status)) {
                    if ListsSeen::wants(path) {
                        watch.borrow_mut().push((path.to_owned(), body.clone()));
                    }
                }
                Ok(Answer { status, body })
            }
            Err(_) => {
                c.failed += 1;
                c.unreachable += 1;
                Err(ApiError::Unreachable)
            }
        }
    }

    fn now_ms(&self) -> f64 {
        unix_ms()
    }

    async fn sleep(&self, ms: f64) {
        tokio::time::sleep(Duration::from_secs_f64(ms.max(0.0) / 1000.0)).await;
    }

    fn random(&self) -> f64 {
        // xorshift64*: jitter only.
        let mut x = self.seed.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.seed.set(x);
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `POST /api/session` with the scoped demo token, as the Settings page does; the session cookie.
async fn connect(http: &reqwest::Client, origin: &str) -> String {
    let res = browser_headers(http.post(format!("{origin}/api/session")))
        .header("Origin", origin)
        .json(&json!({ "token": forge_sim::DEFAULT_DEMO_TOKEN }))
        .send()
        .await
        .expect("POST /api/session");
    let status = res.status();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.trim_start().starts_with("forge_session="))
        .map(|pair| pair.trim().to_owned());
    let body = res.text().await.unwrap_or_default();
    assert_eq!(status, 201, "POST /api/session answered {status}: {body}");
    cookie.expect("POST /api/session set no forge_session cookie")
}

// ---------------------------------------------------------------------------------------------
// One load.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    Old,
    New,
}

/// One strategy's figures.
#[derive(Debug, Default)]
struct Outcome {
    completed: bool,
    ms_listed: Option<f64>,
    ms_first_rows: Option<f64>,
    ms_table: Option<f64>,
    ms_done: Option<f64>,
    at_first_rows: Counts,
    at_table: Counts,
    total: Counts,
    fetcher: RequestStats,
    actors: usize,
    runs: usize,
    runs_with_items: usize,
    foreign_runs: usize,
    enrich_requests: Option<usize>,
    enriched_actors: usize,
    lists: Option<ListsSeen>,
    /// Every request (new strategy only).
    timeline: Vec<Sent>,
}

impl Outcome {
    fn json(&self) -> Value {
        json!({
            "completed": self.completed,
            "ms_listed": self.ms_listed,
            "ms_first_rows": self.ms_first_rows,
            "ms_table": self.ms_table,
            "ms_done": self.ms_done,
            "requests_before_table": self.at_table.requests,
            "requests_total": self.total.requests,
            "bytes_before_table": self.at_table.bytes,
            "bytes_total": self.total.bytes,
            "throttled_429": self.total.throttled,
            "fetcher": {
                "sent": self.fetcher.sent,
                "retried": self.fetcher.retried,
                "throttled": self.fetcher.throttled,
            },
            "actors": self.actors,
            "runs": self.runs,
            "runs_with_item_count": self.runs_with_items,
            "foreign_runs": self.foreign_runs,
            "enrich_requests_planned": self.enrich_requests,
            "enriched_actors": self.enriched_actors,
            "at_first_rows": self.at_first_rows.json(),
            "at_table": self.at_table.json(),
            "total": self.total.json(),
            "max_in_flight_before_table": self.ms_table.map(|t| max_in_flight(
                &self.timeline.iter().filter(|s| s.at_ms < t).cloned().collect::<Vec<_>>()
            )),
            "timeline": {
                "columns": ["sent_ms", "in_flight_ms", "route", "status", "bytes"],
                "rows": self.timeline.iter().map(|t| json!([
                    (t.at_ms * 10.0).round() / 10.0,
                    (t.took_ms * 10.0).round() / 10.0,
                    t.route,
                    t.status,
                    t.bytes,
                ])).collect::<Vec<_>>(),
            },
        })
    }
}

fn tally(actors: &[PreparedActor], out: &mut Outcome) {
    out.actors = actors.len();
    out.runs = actors.iter().map(|a| a.runs.len()).sum();
    out.runs_with_items = actors
        .iter()
        .map(|a| a.samples.iter().filter(|s| s.items.is_some()).count())
        .sum();
}

async fn load(strategy: Strategy, origin: &str) -> Outcome {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("reqwest client");
    let cookie = connect(&http, origin).await;
    let now_ms = unix_ms() as i64;
    let plan = FleetPlan::new(now_ms);
    let window = Window::new(LOAD_DAYS, now_ms);
    let wire = Wire {
        http,
        origin: origin.to_owned(),
        cookie,
        counts: RefCell::default(),
        watch: (strategy == Strategy::New).then(RefCell::default),
        window_start_ms: window.start_ms(),
        seed: Cell::new(now_ms as u64 | 1),
        epoch: Instant::now(),
        timeline: (strategy == Strategy::New).then(RefCell::default),
    };
    let started = wire.epoch;
    let f = Fetcher::new(wire, LoadOptions::default());
    let out = RefCell::new(Outcome::default());
    let ms = || started.elapsed().as_secs_f64() * 1000.0;
    match strategy {
        Strategy::New => {
            let done = load_fleet(&f, plan, None, |ev| {
                let mut o = out.borrow_mut();
                match ev {
                    Event::Listed(_) => o.ms_listed = Some(ms()),
                    Event::ListFailed(e) => println!("    the Actor list failed: {e}"),
                    Event::Paging { .. } => {}
                    Event::Table {
                        actors,
                        problems,
                        foreign_runs,
                    } => {
                        let t = ms();
                        o.ms_first_rows = Some(t);
                        o.ms_table = Some(t);
                        o.at_table = f.transport().counts();
                        o.at_first_rows = o.at_table.clone();
                        o.foreign_runs = foreign_runs;
                        tally(&actors, &mut o);
                        if problems != Default::default() {
                            println!("    list problems: {problems:?}");
                        }
                    }
                    Event::EnrichStart { requests, .. } => o.enrich_requests = Some(requests),
                    Event::Enriched { .. } => o.enriched_actors += 1,
                    Event::Done => o.ms_done = Some(ms()),
                    Event::Stopped(e) => println!("    stopped: {e}"),
                }
            })
            .await;
            out.borrow_mut().completed = done.is_some();
        }
        Strategy::Old => {
            let started_after = window.started_after();
            let inputs = load_fleet_per_actor(&f, &started_after, ACTOR_PAGE_SAMPLES, |m| {
                let mut o = out.borrow_mut();
                match m {
                    Milestone::FirstRows => {
                        o.ms_first_rows = Some(ms());
                        o.at_first_rows = f.transport().counts();
                    }
                    Milestone::Table => {
                        o.ms_table = Some(ms());
                        o.at_table = f.transport().counts();
                    }
                    Milestone::Done => o.ms_done = Some(ms()),
                }
            })
            .await;
            let mut o = out.borrow_mut();
            o.completed = inputs.is_some();
            if let Some(inputs) = inputs {
                tally(&forge_fleet::prepare_all(&inputs), &mut o);
                o.enriched_actors = inputs.len();
            }
        }
    }
    let mut o = out.into_inner();
    o.total = f.transport().counts();
    o.fetcher = f.stats();
    o.lists = f.transport().watch.as_ref().map(|w| {
        let mut seen = ListsSeen::default();
        for (path, body) in w.borrow().iter() {
            seen.read(path, body, f.transport().window_start_ms);
        }
        seen
    });
    o.timeline = f
        .transport()
        .timeline
        .as_ref()
        .map(|t| t.borrow().clone())
        .unwrap_or_default();
    o
}

/// The release relay's demo with `actors` Actors, answering `GET /api/session`.
async fn start_relay(bin: &PathBuf, actors: usize, latency_ms: u64) -> (RelayProcess, f64) {
    let started = Instant::now();
    let mut cmd = tokio::process::Command::new(bin);
    cmd.arg("demo")
        .args(["--actors", &actors.to_string()])
        .args(["--latency-ms", &latency_ms.to_string()])
        .args(["--bind", "127.0.0.1:0"]);
    let relay = RelayProcess::spawn(cmd).await;
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client");
    let url = relay.url("/api/session");
    loop {
        let answered = browser_headers(http.get(&url))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if answered {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the relay did not answer GET /api/session:\n{}",
            relay.log.lock().unwrap().join("\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (relay, started.elapsed().as_secs_f64() * 1000.0)
}

// ---------------------------------------------------------------------------------------------
// The run.

struct SizeResult {
    actors: usize,
    relay_start_ms: f64,
    old: Outcome,
    new: Outcome,
    minimum: [u64; 4],
}

impl SizeResult {
    fn minimum_total(&self) -> u64 {
        self.minimum.iter().sum()
    }
}

async fn run(args: Args) {
    let relay_bin = std::env::var_os("FORGE_RELAY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(release_relay_binary);
    let opts = LoadOptions::default();
    println!(
        "loader: fleets of {} Actors, simulated Apify latency {} ms, relay {}",
        args.sizes
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        args.latency_ms,
        relay_bin.display()
    );
    println!(
        "  LoadOptions: {} in flight, {}/s per resource (burst {}), {}/s per session (burst {}), {} tries",
        opts.concurrency,
        opts.per_resource_per_sec,
        opts.per_resource_burst,
        opts.session_per_sec,
        opts.session_burst,
        opts.tries
    );

    let mut results = Vec::new();
    for &actors in &args.sizes {
        let (relay, relay_start_ms) = start_relay(&relay_bin, actors, args.latency_ms).await;
        let origin = format!("http://{}", relay.addr);
        println!(
            "\n{actors} Actors: relay up in {} at {origin}",
            show_ms(Some(relay_start_ms))
        );
        println!("  new (account-wide lists) …");
        let new = load(Strategy::New, &origin).await;
        report_line(&new);
        tokio::time::sleep(PAUSE_BETWEEN).await;
        println!("  old (per Actor, the reference) …");
        let old = load(Strategy::Old, &origin).await;
        report_line(&old);
        drop(relay);
        let minimum = new
            .lists
            .as_ref()
            .map(ListsSeen::minimum)
            .unwrap_or_default();
        results.push(SizeResult {
            actors,
            relay_start_ms,
            old,
            new,
            minimum,
        });
    }

    for r in &results {
        print_table(r);
    }
    let targets = print_targets(&results);
    write_report(&args, &relay_bin, &results, targets);
}

fn report_line(o: &Outcome) {
    println!(
        "    {}: {} requests ({} before the table), table {}, done {}, {}, {} × 429",
        if o.completed { "done" } else { "NOT COMPLETED" },
        group(o.total.requests as f64),
        group(o.at_table.requests as f64),
        show_ms(o.ms_table),
        show_ms(o.ms_done),
        show_bytes(o.total.bytes as f64),
        o.total.throttled,
    );
}

fn print_table(r: &SizeResult) {
    let (old, new) = (&r.old, &r.new);
    let min = r.minimum_total() as f64;
    println!();
    println!(
        "{} Actors ({} runs in the window, {} with item counts; relay up in {})",
        group(r.actors as f64),
        group(new.runs as f64),
        group(new.runs_with_items as f64),
        show_ms(Some(r.relay_start_ms))
    );
    println!(
        "  {:<34} {:>14} {:>14} {:>10}",
        "", "old (per Actor)", "new (account)", "new/old"
    );
    let row = |label: &str, o: String, n: String, ratio: Option<f64>| {
        println!(
            "  {:<34} {:>14} {:>14} {:>10}",
            label,
            o,
            n,
            ratio.map_or("-".to_owned(), |x| format!("{x:.3}×"))
        );
    };
    let ratio = |o: f64, n: f64| (o > 0.0).then(|| n / o);
    let count_row = |label: &str, o: u64, n: u64| {
        row(
            label,
            group(o as f64),
            group(n as f64),
            ratio(o as f64, n as f64),
        );
    };
    let ms_row = |label: &str, o: Option<f64>, n: Option<f64>| {
        let r = o.zip(n).and_then(|(o, n)| ratio(o, n));
        row(label, show_ms(o), show_ms(n), r);
    };
    count_row(
        "requests before the table",
        old.at_table.requests,
        new.at_table.requests,
    );
    println!(
        "  {:<34} {:>14} {:>14}",
        format!(
            "  account-wide minimum {}",
            format_args!(
                "({}+{}+{}+{})",
                r.minimum[0], r.minimum[1], r.minimum[2], r.minimum[3]
            )
        ),
        group(min),
        group(min)
    );
    println!(
        "  {:<34} {:>14} {:>14}",
        "  × the minimum",
        times(old.at_table.requests as f64, min),
        times(new.at_table.requests as f64, min)
    );
    count_row("requests in all", old.total.requests, new.total.requests);
    ms_row("time to first rows", old.ms_first_rows, new.ms_first_rows);
    ms_row("time to complete table", old.ms_table, new.ms_table);
    ms_row("time to fully enriched (Done)", old.ms_done, new.ms_done);
    let bytes_row = |label: &str, o: u64, n: u64| {
        row(
            label,
            show_bytes(o as f64),
            show_bytes(n as f64),
            ratio(o as f64, n as f64),
        );
    };
    bytes_row(
        "bytes before the table",
        old.at_table.bytes,
        new.at_table.bytes,
    );
    bytes_row("bytes in all", old.total.bytes, new.total.bytes);
    count_row("429 answers", old.total.throttled, new.total.throttled);
    count_row(
        "retries",
        old.fetcher.retried.into(),
        new.fetcher.retried.into(),
    );
    count_row(
        "other failures (non-2xx, no answer)",
        old.total.failed,
        new.total.failed,
    );
    let mean = |c: &Counts| (c.requests > 0).then(|| c.in_flight_ms / c.requests as f64);
    ms_row("mean time per request", mean(&old.total), mean(&new.total));
    println!(
        "  {:<34} {:>14} {:>14}",
        "runs in the table",
        group(old.runs as f64),
        group(new.runs as f64)
    );
    let enc = |c: &Counts| c.encodings.iter().cloned().collect::<Vec<_>>().join("+");
    println!(
        "  {:<34} {:>14} {:>14}",
        "Content-Encoding of answers",
        enc(&old.total),
        enc(&new.total)
    );
    print_lists(new);
    if let Some(n) = new.enrich_requests {
        println!(
            "  new: {n} background reads planned after the table, {} Actors enriched",
            new.enriched_actors
        );
    }
}

/// The new strategy's requests before the table, per list: when they went and came back.
fn print_lists(new: &Outcome) {
    let Some(table_ms) = new.ms_table else {
        return;
    };
    let mut by: BTreeMap<&str, (u64, f64, f64, f64, f64)> = BTreeMap::new();
    for t in new.timeline.iter().filter(|t| t.at_ms < table_ms) {
        let e = by
            .entry(t.route)
            .or_insert((0, f64::INFINITY, 0.0, 0.0, 0.0));
        e.0 += 1;
        e.1 = e.1.min(t.at_ms);
        e.2 = e.2.max(t.at_ms + t.took_ms);
        e.3 += t.took_ms;
        e.4 = e.4.max(t.took_ms);
    }
    let last_answer = new
        .timeline
        .iter()
        .filter(|t| t.at_ms < table_ms)
        .map(|t| t.at_ms + t.took_ms)
        .fold(0.0, f64::max);
    let (before, after): (Vec<Sent>, Vec<Sent>) = new
        .timeline
        .iter()
        .cloned()
        .partition(|t| t.at_ms < table_ms);
    let busy = |ts: &[Sent]| ts.iter().map(|t| t.took_ms).sum::<f64>();
    let span = |ts: &[Sent]| {
        let first = ts.iter().map(|t| t.at_ms).fold(f64::INFINITY, f64::min);
        let last = ts.iter().map(|t| t.at_ms + t.took_ms).fold(0.0, f64::max);
        (last - first).max(1.0)
    };
    println!(
        "  new, in flight at once (LoadOptions: {}): before the table at most {}, {:.1} on average; \
         background at most {}, {:.1} on average",
        LoadOptions::default().concurrency,
        max_in_flight(&before),
        busy(&before) / table_ms.max(1.0),
        max_in_flight(&after),
        if after.is_empty() {
            0.0
        } else {
            busy(&after) / span(&after)
        },
    );
    println!(
        "  new, before the table (at {}; last list answer {}):",
        show_ms(Some(table_ms)),
        show_ms(Some(last_answer))
    );
    for (route, (n, first, last, sum, max)) in by {
        println!(
            "    {route:<20} {n:>4} pages, sent from {:>8}, last answer {:>8}, in flight mean {:>7} max {:>7}",
            show_ms(Some(first)),
            show_ms(Some(last)),
            show_ms(Some(sum / n as f64)),
            show_ms(Some(max)),
        );
    }
}

/// The most requests that were in flight at one instant.
fn max_in_flight(ts: &[Sent]) -> usize {
    // Answers before sends at the same instant: a worker sends its next request as soon as
    // the last one is answered.
    let mut edges: Vec<(f64, i32)> = ts
        .iter()
        .flat_map(|t| [(t.at_ms, 1), (t.at_ms + t.took_ms, -1)])
        .collect();
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0i32, 0i32);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    most as usize
}

/// The issue's targets, met or not. Reported, never asserted.
fn print_targets(results: &[SizeResult]) -> Value {
    println!();
    println!("targets (issue 11; reported, not asserted):");
    let mut out = Vec::new();
    let mut check = |what: String, ok: Option<bool>, got: String| {
        let mark = match ok {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "n/a",
        };
        println!("  {mark:<6} {what}: {got}");
        out.push(json!({"target": what, "met": ok, "got": got}));
    };
    for r in results {
        let n = &r.new;
        if r.actors == 200 {
            check(
                "200 Actors: complete table ≤ 5 s".into(),
                n.ms_table.map(|t| t <= 5_000.0),
                show_ms(n.ms_table),
            );
            check(
                "200 Actors: fully loaded ≤ 20 s".into(),
                n.ms_done.map(|t| t <= 20_000.0),
                show_ms(n.ms_done),
            );
            check(
                "200 Actors: ≤ 1,000 requests in all".into(),
                Some(n.total.requests <= 1000),
                group(n.total.requests as f64),
            );
        }
        if r.actors == 1000 {
            check(
                "1,000 Actors: complete table ≤ 20 s".into(),
                n.ms_table.map(|t| t <= 20_000.0),
                show_ms(n.ms_table),
            );
        }
        let min = r.minimum_total() as f64;
        check(
            format!(
                "{} Actors: requests before the table ≤ 1.1 × the minimum",
                group(r.actors as f64)
            ),
            Some(n.at_table.requests as f64 <= 1.1 * min),
            format!(
                "{} vs {} ({})",
                n.at_table.requests,
                group(min),
                times(n.at_table.requests as f64, min)
            ),
        );
        check(
            format!("{} Actors: zero 429 (new)", group(r.actors as f64)),
            Some(n.total.throttled == 0),
            n.total.throttled.to_string(),
        );
    }
    println!();
    Value::Array(out)
}

fn write_report(args: &Args, relay_bin: &std::path::Path, results: &[SizeResult], targets: Value) {
    let opts = LoadOptions::default();
    let report = json!({
        "what": "fleet loader through the real relay (forge-relay demo): account-wide lists (new) vs per-Actor reads (old, the reference)",
        "sizes": args.sizes,
        "demo_latency_ms": args.latency_ms,
        "relay": relay_bin.display().to_string(),
        "load_options": {
            "concurrency": opts.concurrency,
            "per_resource_per_sec": opts.per_resource_per_sec,
            "per_resource_burst": opts.per_resource_burst,
            "session_per_sec": opts.session_per_sec,
            "session_burst": opts.session_burst,
            "tries": opts.tries,
        },
        "bytes": "response bodies as received over the wire (Accept-Encoding: gzip, decoded after counting), headers not counted",
        "ms": "wall clock from the start of the load (after POST /api/session); old first rows = the first Actor loaded, new first rows = the complete table",
        "minimum": "pages of: Actors (⌈actors/1000⌉) + runs in the window (⌈total/1000⌉) + default datasets of those runs (⌈n/1000⌉) + builds started in the window (⌈n/1000⌉, at least 1), from the lists' answers",
        "targets": targets,
        "results": results.iter().map(|r| json!({
            "actors": r.actors,
            "relay_start_ms": r.relay_start_ms,
            "minimum": {
                "total": r.minimum_total(),
                "actor_pages": r.minimum[0],
                "run_pages": r.minimum[1],
                "dataset_pages": r.minimum[2],
                "build_pages": r.minimum[3],
                "lists": r.new.lists.as_ref().map(|l| json!({
                    "actors_total": l.actors_total,
                    "runs_total": l.runs_total,
                    "runs_with_default_dataset": l.runs_with_dataset.len(),
                    "builds_total": l.builds_total,
                    "builds_in_window": l.builds_in_window.len(),
                })),
            },
            "old": r.old.json(),
            "new": r.new.json(),
        })).collect::<Vec<_>>(),
    });
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    let path = dir.join("loader.json");
    if path.is_file() {
        let _ = std::fs::rename(&path, dir.join("loader.previous.json"));
    }
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&report).expect("JSON") + "\n",
    )
    .expect("write loader.json");
    println!("loader: wrote {}", path.display());
}

// ---------------------------------------------------------------------------------------------
// Formatting.

/// `12,345`
fn group(value: f64) -> String {
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
    if value < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// `812 ms`, `4.21 s`, `2 min 13 s`
fn show_ms(ms: Option<f64>) -> String {
    match ms {
        None => "-".to_owned(),
        Some(ms) if ms < 1000.0 => format!("{ms:.0} ms"),
        Some(ms) if ms < 120_000.0 => format!("{:.2} s", ms / 1000.0),
        Some(ms) => {
            let secs = (ms / 1000.0).round() as u64;
            format!("{} min {} s", secs / 60, secs % 60)
        }
    }
}

/// `812 KB`, `41.3 MB`
fn show_bytes(bytes: f64) -> String {
    if bytes < 1e6 {
        format!("{:.0} KB", bytes / 1e3)
    } else {
        format!("{:.1} MB", bytes / 1e6)
    }
}

/// `1.05×`
fn times(value: f64, of: f64) -> String {
    if of > 0.0 {
        format!("{:.2}×", value / of)
    } else {
        "-".to_owned()
    }
}
