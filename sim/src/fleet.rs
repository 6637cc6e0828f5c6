//! The demo fleet: a seeded generator for a realistic Apify account.
//!
//! Forge's dashboard has to tell stories — a flaky scraper, a release that broke a crawler, an
//! Actor that wastes memory, a cost spike — and tests need those stories to hold every time. So
//! the account is generated from a seed (same seed + same `now` → byte-identical API answers)
//! with realistic distributions: log-normal durations, memory used vs `options.memoryMbytes`,
//! compute units = memory GB × hours, `usageTotalUsd` ≈ CU × $0.30 plus small storage costs,
//! dataset item counts, varied failure messages and a `meta.origin` mix dominated by the
//! scheduler. The named story Actors are listed in [`STORIES`]; ordinary Actors fill the table.
//! It also writes the `forge-trends` store with six weekly snapshots computed from the runs.
//! Every run's default store holds an `INPUT` record: the Actor's example input, with the
//! password, cookie and API key real inputs carry (one shared buffer per Actor). Ordinary Actors
//! vary in the details Apify varies in: source type (inline files, Git, tarball, gist), legacy
//! Actors without `actor.json`, `"stats": null` in the list, `"isDeprecated": null`. New random
//! choices come from their own derived streams, so the story Actors' runs stay byte-identical.

use crate::rng::Rng;
use crate::source::{self, Source};
use crate::state::{
    run_cost_usd, Actor, Build, Dataset, KvStore, Meta, Record, RequestQueue, Run, Schedule, Task,
    User, Webhook, MIB,
};
use crate::time::{iso, iso_week, week_start, DAY, HOUR, MIN, SEC};
use crate::SimOptions;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The account's username.
pub const USERNAME: &str = "forge-demo";

/// What the dashboard should be able to say about an Actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Story {
    /// Many runs, ~99.5% success, steady cost.
    HealthyWorkhorse,
    /// ~20% FAILED with varied status messages.
    FlakyScraper,
    /// Healthy until its newest build (~5 days ago), then ~40% failures.
    RegressedCrawler,
    /// SUCCEEDED runs that often produce 0 dataset items.
    EmptySuccessApi,
    /// No runs in the whole window, old build.
    StaleMonitor,
    /// Allocated 4096 MB, peaks at ~300 MB.
    MemoryHog,
    /// Cost per run tripled in the last 7 days.
    CostSpike,
    /// Frequent TIMED-OUT runs.
    TimeoutProne,
    /// Runs write a `SIGNALS` record to their default key-value store.
    SignalEmitter,
    Ordinary,
    /// A public Store Actor from another user that this account runs now and then.
    Public,
}

/// The named story Actors, in the order they are created.
pub const STORIES: &[(&str, Story)] = &[
    ("healthy-workhorse", Story::HealthyWorkhorse),
    ("flaky-scraper", Story::FlakyScraper),
    ("regressed-crawler", Story::RegressedCrawler),
    ("empty-success-api", Story::EmptySuccessApi),
    ("stale-monitor", Story::StaleMonitor),
    ("memory-hog", Story::MemoryHog),
    ("cost-spike", Story::CostSpike),
    ("timeout-prone", Story::TimeoutProne),
    ("signal-emitter", Story::SignalEmitter),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Crawler,
    Api,
    Monitor,
}

/// How an Actor behaves; used for history and for runs started through the API.
#[derive(Debug, Clone)]
pub struct ActorSpec {
    pub story: Story,
    pub kind: Kind,
    pub runs_per_day: f64,
    pub dur_median_s: f64,
    pub dur_sigma: f64,
    pub memory_mb: u32,
    /// Peak memory as a fraction of `memory_mb`.
    pub mem_peak_frac: f64,
    pub timeout_secs: u32,
    pub fail_rate: f64,
    pub abort_rate: f64,
    pub items_median: f64,
    pub items_sigma: f64,
    /// Share of SUCCEEDED runs with no items.
    pub empty_rate: f64,
}

impl ActorSpec {
    pub fn emits_signals(&self) -> bool {
        self.story == Story::SignalEmitter
    }
}

/// How a run ends (or will end), decided when it starts.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: &'static str,
    pub status_message: Option<String>,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub mem_max_bytes: u64,
    pub mem_avg_bytes: u64,
    pub cpu_avg: f64,
    pub cpu_max: f64,
    pub net_rx_bytes: u64,
    pub net_tx_bytes: u64,
    pub items: u64,
    pub requests: u64,
    pub failed_requests: u64,
    pub kv_reads: u64,
    pub kv_writes: u64,
    pub rq_reads: u64,
    pub rq_writes: u64,
}

/// What a run's outcome depends on besides the Actor.
#[derive(Debug, Clone, Copy)]
pub struct RunCtx {
    pub on_newest_build: bool,
    /// How long before "now" the run started (cost-spike is recent).
    pub age_ms: u64,
    pub timeout_secs: u32,
    pub memory_mb: u32,
    pub max_items: Option<u64>,
}

const FAILURES: &[&str] = &[
    "Navigation timed out after 60 seconds.",
    "Request blocked (403): access denied by the target website",
    "Reached the maximum of 3 retries for https://shop.example.com/p/4471: 429 Too Many Requests",
    "net::ERR_PROXY_CONNECTION_FAILED at https://www.example.com/search?q=lamps",
    "CAPTCHA challenge detected on 14 of 40 pages",
    "Failed to parse JSON response: Unexpected token '<' in JSON at position 0",
    "TypeError: Cannot read properties of undefined (reading 'price')",
    "page.goto: net::ERR_TIMED_OUT at https://listings.example.org/page/12",
    "Session pool exhausted: all 20 sessions were retired as blocked",
    "Error: Input validation failed: field 'startUrls' must contain at least 1 item",
];
const OOM: &str = "OOM";
const REGRESSION: &str =
    "TypeError: Cannot read properties of null (reading 'textContent') at parseListing (src/routes.js:88:41)";

const ORDINARY: &[(&str, Kind)] = &[
    ("amazon-price-tracker", Kind::Crawler),
    ("google-maps-leads", Kind::Crawler),
    ("linkedin-jobs-feed", Kind::Crawler),
    ("shopify-catalog-sync", Kind::Api),
    ("news-headlines-digest", Kind::Crawler),
    ("real-estate-listings", Kind::Crawler),
    ("tiktok-trends", Kind::Api),
    ("sitemap-validator", Kind::Monitor),
    ("pdf-invoice-parser", Kind::Api),
    ("reddit-mentions", Kind::Api),
    ("seo-audit", Kind::Crawler),
    ("weather-archiver", Kind::Api),
    ("crypto-ticker", Kind::Api),
    ("hotel-rates", Kind::Crawler),
    ("job-board-aggregator", Kind::Crawler),
    ("product-reviews", Kind::Crawler),
    ("instagram-hashtags", Kind::Api),
    ("youtube-comments", Kind::Api),
    ("competitor-pricing", Kind::Crawler),
    ("lead-enricher", Kind::Api),
    ("domain-uptime", Kind::Monitor),
    ("eu-tenders-watch", Kind::Crawler),
    ("app-store-ratings", Kind::Api),
    ("flight-fares", Kind::Crawler),
    ("podcast-episodes", Kind::Api),
    ("github-stars-digest", Kind::Api),
    ("event-calendar-sync", Kind::Api),
    ("recipe-catalog", Kind::Crawler),
    ("car-listings", Kind::Crawler),
    ("ssl-expiry-check", Kind::Monitor),
];

const ORIGINS: &[(&str, f64)] = &[
    ("SCHEDULER", 0.75),
    ("API", 0.15),
    ("WEB", 0.08),
    ("DEVELOPMENT", 0.02),
];

/// FNV-1a, for deriving per-object random streams from ids.
pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn title_of(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
        .replace("Api", "API")
        .replace("Seo", "SEO")
        .replace("Pdf", "PDF")
        .replace("Ssl", "SSL")
        .replace("Eu ", "EU ")
}

fn spec_for(story: Story, kind: Kind, base_rate: f64, r: &mut Rng) -> ActorSpec {
    let mut s = ActorSpec {
        story,
        kind,
        runs_per_day: base_rate,
        dur_median_s: 300.0,
        dur_sigma: 0.3,
        memory_mb: 1024,
        mem_peak_frac: 0.6,
        timeout_secs: 3600,
        fail_rate: 0.01,
        abort_rate: 0.003,
        items_median: 500.0,
        items_sigma: 0.4,
        empty_rate: 0.0,
    };
    match story {
        Story::HealthyWorkhorse => {
            s.runs_per_day = base_rate * 4.0;
            s.dur_median_s = 180.0;
            s.dur_sigma = 0.15;
            s.fail_rate = 0.004;
            s.abort_rate = 0.001;
            s.items_median = 480.0;
            s.items_sigma = 0.12;
            s.mem_peak_frac = 0.62;
        }
        Story::FlakyScraper => {
            s.runs_per_day = base_rate * 2.0;
            s.dur_median_s = 420.0;
            s.dur_sigma = 0.5;
            s.fail_rate = 0.2;
            s.items_median = 1200.0;
            s.memory_mb = 2048;
            s.mem_peak_frac = 0.55;
        }
        Story::RegressedCrawler => {
            s.runs_per_day = base_rate * 2.0;
            s.dur_median_s = 900.0;
            s.dur_sigma = 0.3;
            s.fail_rate = 0.02;
            s.items_median = 3000.0;
            s.memory_mb = 2048;
            s.mem_peak_frac = 0.7;
        }
        Story::EmptySuccessApi => {
            s.runs_per_day = base_rate * 1.5;
            s.dur_median_s = 25.0;
            s.dur_sigma = 0.4;
            s.fail_rate = 0.01;
            s.items_median = 40.0;
            s.items_sigma = 0.7;
            s.empty_rate = 0.6;
            s.memory_mb = 512;
            s.mem_peak_frac = 0.45;
            s.timeout_secs = 300;
        }
        Story::StaleMonitor => {
            s.runs_per_day = 0.0;
            s.dur_median_s = 60.0;
            s.items_median = 12.0;
            s.memory_mb = 256;
        }
        Story::MemoryHog => {
            s.runs_per_day = base_rate * 0.5;
            s.dur_median_s = 600.0;
            s.dur_sigma = 0.25;
            s.memory_mb = 4096;
            s.mem_peak_frac = 300.0 / 4096.0;
            s.items_median = 200.0;
        }
        Story::CostSpike => {
            s.runs_per_day = base_rate;
            s.dur_median_s = 300.0;
            s.dur_sigma = 0.15;
            s.fail_rate = 0.01;
            s.items_median = 800.0;
            s.items_sigma = 0.15;
            s.memory_mb = 2048;
        }
        Story::TimeoutProne => {
            s.runs_per_day = base_rate;
            s.dur_median_s = 250.0;
            s.dur_sigma = 0.3;
            s.timeout_secs = 300;
            s.fail_rate = 0.02;
            s.items_median = 1500.0;
        }
        Story::SignalEmitter => {
            s.runs_per_day = base_rate;
            s.dur_median_s = 240.0;
            s.dur_sigma = 0.3;
            s.fail_rate = 0.03;
            s.items_median = 1234.0;
        }
        Story::Ordinary | Story::Public => {
            let mult = *r.pick(&[0.2, 0.5, 1.0, 1.0, 1.5, 2.0]);
            s.runs_per_day = if story == Story::Public {
                base_rate / 30.0
            } else {
                base_rate * mult
            };
            s.dur_median_s = *r.pick(&[30.0, 60.0, 120.0, 300.0, 600.0, 1200.0]);
            s.dur_sigma = r.range_f64(0.2, 0.55);
            s.memory_mb = *r.pick(&[256, 512, 1024, 1024, 2048, 4096]);
            s.mem_peak_frac = r.range_f64(0.3, 0.85);
            s.timeout_secs = ((s.dur_median_s * 10.0).max(3600.0) as u32).min(86_400);
            s.fail_rate = r.range_f64(0.003, 0.04);
            s.items_median = *r.pick(&[10.0, 50.0, 200.0, 1000.0, 5000.0]);
            s.items_sigma = r.range_f64(0.2, 0.6);
            if kind == Kind::Monitor {
                s.items_median = 20.0;
                s.items_sigma = 0.1;
            }
        }
    }
    s
}

/// Decides how a run ends.
pub fn outcome(spec: &ActorSpec, ctx: RunCtx, r: &mut Rng) -> Outcome {
    let mut median = spec.dur_median_s;
    if spec.story == Story::CostSpike && ctx.age_ms < 7 * DAY {
        median *= 3.0;
    }
    let mut dur_s = r.lognormal(median, spec.dur_sigma).max(3.0);
    let fail_rate = match spec.story {
        Story::RegressedCrawler if ctx.on_newest_build => 0.4,
        _ => spec.fail_rate,
    };
    let memory_mb = ctx.memory_mb.max(128);
    let mut peak_mb =
        (spec.memory_mb as f64 * spec.mem_peak_frac * r.lognormal(1.0, 0.12)).max(40.0);
    let roll = r.f64();
    let mut status = "SUCCEEDED";
    let mut message: Option<String> = None;
    let mut exit_code = Some(0);
    if roll < fail_rate {
        status = "FAILED";
        exit_code = Some(1);
        dur_s *= r.range_f64(0.05, 0.7);
        let m: &str = if spec.story == Story::RegressedCrawler && ctx.on_newest_build {
            if r.chance(0.85) {
                REGRESSION
            } else {
                r.pick_copy(FAILURES)
            }
        } else if r.chance(0.08) {
            OOM
        } else {
            r.pick_copy(FAILURES)
        };
        if m == OOM {
            exit_code = Some(137);
            peak_mb = memory_mb as f64 * 0.995;
            message = Some(format!(
                "The Actor ran out of memory (limit: {memory_mb} MB) and was killed. Consider increasing the memory."
            ));
        } else {
            message = Some(m.to_string());
        }
    } else if roll < fail_rate + spec.abort_rate {
        status = "ABORTED";
        exit_code = None;
        dur_s *= r.range_f64(0.1, 0.8);
    }
    if status == "SUCCEEDED" && dur_s > ctx.timeout_secs as f64 {
        status = "TIMED-OUT";
        exit_code = None;
        dur_s = ctx.timeout_secs as f64 + r.range_f64(0.3, 2.5);
    }
    let peak_mb = peak_mb.min(memory_mb as f64 * 0.995);
    let mut items = match status {
        "SUCCEEDED" if r.chance(spec.empty_rate) => 0,
        "SUCCEEDED" => r
            .lognormal(spec.items_median, spec.items_sigma)
            .round()
            .max(1.0) as u64,
        "TIMED-OUT" => r.lognormal(spec.items_median * 0.6, 0.3).round() as u64,
        _ if r.chance(0.5) => 0,
        _ => r.lognormal(spec.items_median * 0.15, 0.5).round() as u64,
    };
    if let Some(max) = ctx.max_items {
        items = items.min(max);
    }
    let (requests, failed_requests) = match spec.kind {
        Kind::Crawler => {
            let req = (items as f64 * r.range_f64(1.02, 1.3)).round() as u64 + r.range_u64(1, 20);
            let fr = if spec.story == Story::FlakyScraper {
                0.06
            } else {
                0.015
            };
            (req, (req as f64 * r.range_f64(0.0, fr)).round() as u64)
        }
        Kind::Api => (items.div_ceil(50).max(1), 0),
        Kind::Monitor => (items.max(1), 0),
    };
    if status == "SUCCEEDED" {
        message = Some(match spec.kind {
            Kind::Crawler => format!(
                "Finished! Total {requests} requests: {} succeeded, {failed_requests} failed.",
                requests - failed_requests
            ),
            Kind::Api => format!("Done: {items} results"),
            Kind::Monitor => format!("All {items} checks passed"),
        });
    } else if status == "TIMED-OUT" && spec.kind == Kind::Crawler {
        message = Some(format!(
            "Crawled {items}/{} pages, {failed_requests} failed requests.",
            requests + items
        ));
    }
    let duration_ms = (dur_s * 1000.0).round() as u64;
    let net_rx = match spec.kind {
        Kind::Crawler => requests * r.range_u64(5_000, 20_000) + 200_000,
        _ => items * r.range_u64(500, 2_000) + 50_000,
    };
    let cpu_avg = (r.range_f64(18.0, 70.0) * 100.0).round() / 100.0;
    Outcome {
        status,
        status_message: message,
        exit_code,
        duration_ms,
        mem_max_bytes: (peak_mb * MIB as f64) as u64,
        mem_avg_bytes: (peak_mb * MIB as f64 * r.range_f64(0.55, 0.8)) as u64,
        cpu_avg,
        cpu_max: ((cpu_avg * r.range_f64(1.3, 2.2)).min(100.0) * 100.0).round() / 100.0,
        net_rx_bytes: net_rx,
        net_tx_bytes: (net_rx as f64 * r.range_f64(0.03, 0.08)) as u64,
        items,
        requests,
        failed_requests,
        kv_reads: 2 + (dur_s / 300.0) as u64,
        kv_writes: 2 + (dur_s / 60.0) as u64,
        // Crawlers here keep their frontier in memory and persist it in batches, so request
        // queue operations stay a small part of the bill (cost ≈ compute units × price).
        rq_reads: if spec.kind == Kind::Crawler {
            requests / 10
        } else {
            0
        },
        rq_writes: if spec.kind == Kind::Crawler {
            requests / 20
        } else {
            0
        },
    }
}

/// `statusMessage` of a run in progress.
pub fn progress_message(o: &Outcome, frac: f64) -> Option<String> {
    let done = (o.requests as f64 * frac).round() as u64;
    Some(format!(
        "Crawled {done}/{} pages, 0 failed requests.",
        o.requests.max(done)
    ))
}

/// The `SIGNALS` record signal-emitter's runs write: names → numbers, strings, booleans.
pub fn signals(r: &mut Rng, o: &Outcome, items: u64) -> Record {
    let blocked = if o.status == "SUCCEEDED" {
        r.range_f64(0.0, 0.06)
    } else {
        r.range_f64(0.1, 0.4)
    };
    let blocked = (blocked * 1000.0).round() / 1000.0;
    let v = json!({
        "itemsScraped": items,
        "blockedRate": blocked,
        "proxyGroup": r.pick(&["RESIDENTIAL", "DATACENTER", "RESIDENTIAL"]),
        "healthy": o.status == "SUCCEEDED" && blocked < 0.05,
        "avgResponseMs": r.range_u64(300, 1800),
        "captchaCount": if blocked > 0.05 { r.range_u64(1, 30) } else { 0 },
        "lastPageUrl": format!("https://www.example.com/catalog?page={}", r.range_u64(1, 60)),
    });
    Record {
        content_type: "application/json; charset=utf-8".into(),
        value: serde_json::to_vec(&v).unwrap_or_default().into(),
    }
}

/// `fields` of a dataset: what its items hold.
pub fn dataset_fields(d: &Dataset) -> Option<Vec<&'static str>> {
    (d.item_count() > 0).then(|| vec!["url", "title", "price", "currency", "scrapedAt"])
}

/// Item `index` of a generated dataset.
pub fn synthetic_item(dataset_id: &str, index: u64, at_ms: u64) -> Value {
    let mut r = Rng::derive(hash_str(dataset_id), index);
    json!({
        "url": format!("https://www.example.com/item/{}", 10_000 + index),
        "title": format!("{} {}", r.pick(&["Desk lamp", "Office chair", "Bookshelf", "Monitor arm", "Standing desk", "Cable tray"]), index + 1),
        "price": (r.range_f64(5.0, 400.0) * 100.0).round() / 100.0,
        "currency": "USD",
        "scrapedAt": iso(at_ms),
    })
}

fn description(story: Story, kind: Kind, title: &str) -> String {
    match story {
        Story::HealthyWorkhorse => "The dependable daily crawl every report is built on.".into(),
        Story::FlakyScraper => "Scrapes a heavily protected marketplace; blocks are common.".into(),
        Story::RegressedCrawler => "Crawls listing pages; the parser was rewritten in 0.3.".into(),
        Story::EmptySuccessApi => {
            "Queries a partner API; many queries legitimately return nothing.".into()
        }
        Story::StaleMonitor => "Legacy uptime monitor, superseded by domain-uptime.".into(),
        Story::MemoryHog => "Exports the product feed. Allocated generously, just in case.".into(),
        Story::CostSpike => {
            "Price comparison across retailers; switched to a slower proxy group recently.".into()
        }
        Story::TimeoutProne => "Deep crawl with a tight 5-minute timeout.".into(),
        Story::SignalEmitter => "Writes crawl health signals (SIGNALS) for the dashboard.".into(),
        _ => match kind {
            Kind::Crawler => {
                format!("{title}: crawls the source site and stores items in a dataset.")
            }
            Kind::Api => format!("{title}: pulls records from an API and normalises them."),
            Kind::Monitor => format!("{title}: checks endpoints and reports failures."),
        },
    }
}

/// Everything the generator produces.
#[derive(Debug)]
pub struct Generated {
    pub user: User,
    pub actors: Vec<Actor>,
    pub builds: Vec<Build>,
    pub runs: Vec<Run>,
    pub datasets: Vec<Dataset>,
    pub stores: Vec<KvStore>,
    pub queues: Vec<RequestQueue>,
    pub webhooks: Vec<Webhook>,
    pub schedules: Vec<Schedule>,
    pub tasks: Vec<Task>,
}

struct Plan {
    name: String,
    story: Story,
    kind: Kind,
    own: bool,
    /// Position among the ordinary Actors (their varied details are picked from it).
    ordinary: Option<usize>,
}

/// Where a story Actor's source lives; ordinary Actors cycle through the source types.
fn source_of(plan: &Plan) -> Source {
    match (plan.story, plan.ordinary) {
        (Story::HealthyWorkhorse | Story::RegressedCrawler, _) => Source::Git,
        (Story::StaleMonitor, _) => Source::Tarball,
        (Story::CostSpike, _) => Source::Gist,
        (_, Some(i)) => [
            Source::Files,
            Source::Git,
            Source::Files,
            Source::Tarball,
            Source::Files,
            Source::Gist,
            Source::Files,
        ][i % 7],
        _ => Source::Files,
    }
}

/// Generates the demo account as of `now` (unix ms).
pub fn generate(opts: &SimOptions, now: u64) -> Generated {
    let seed = opts.seed;
    let mut ids = Rng::derive(seed, 0x1D5);
    let user = User {
        id: ids.apify_id(),
        username: USERNAME.into(),
        email: "ops@forge-demo.example".into(),
        proxy_password: ids.alnum(25),
        created_at: now - 400 * DAY - ids.range_u64(0, 30 * DAY),
    };
    let apify_user_id = ids.apify_id();
    let window_start = now.saturating_sub(opts.days as u64 * DAY);
    let base_rate = opts.runs_per_actor_per_day.max(0.0);

    let mut plans: Vec<Plan> = Vec::new();
    for (name, story) in STORIES.iter().take(opts.actors) {
        let kind = match story {
            Story::EmptySuccessApi => Kind::Api,
            Story::StaleMonitor => Kind::Monitor,
            Story::MemoryHog => Kind::Api,
            _ => Kind::Crawler,
        };
        plans.push(Plan {
            name: name.to_string(),
            story: *story,
            kind,
            own: true,
            ordinary: None,
        });
    }
    for i in 0..opts.actors.saturating_sub(STORIES.len()) {
        let (name, kind) = ORDINARY[i % ORDINARY.len()];
        let name = if i < ORDINARY.len() {
            name.to_string()
        } else {
            format!("{name}-{}", i / ORDINARY.len() + 1)
        };
        plans.push(Plan {
            name,
            story: Story::Ordinary,
            kind,
            own: true,
            ordinary: Some(i),
        });
    }
    for name in ["web-scraper", "website-content-crawler"] {
        plans.push(Plan {
            name: name.into(),
            story: Story::Public,
            kind: Kind::Crawler,
            own: false,
            ordinary: None,
        });
    }

    let mut g = Generated {
        user,
        actors: Vec::new(),
        builds: Vec::new(),
        runs: Vec::new(),
        datasets: Vec::new(),
        stores: Vec::new(),
        queues: Vec::new(),
        webhooks: Vec::new(),
        schedules: Vec::new(),
        tasks: Vec::new(),
    };

    for (index, plan) in plans.iter().enumerate() {
        let mut r = Rng::derive(seed, 1000 + index as u64);
        let spec = spec_for(plan.story, plan.kind, base_rate, &mut r);
        let (owner_id, owner_name) = if plan.own {
            (g.user.id.clone(), USERNAME.to_string())
        } else {
            (apify_user_id.clone(), "apify".to_string())
        };
        let actor_id = ids.apify_id();

        // Builds, newest first, then reversed.
        let n_builds = match plan.story {
            Story::StaleMonitor => 2,
            Story::Public => 1,
            Story::RegressedCrawler => opts.builds.max(2),
            _ => opts.builds.max(1),
        } as usize;
        let newest_age = match plan.story {
            Story::RegressedCrawler => 5 * DAY + r.range_u64(0, 6 * HOUR),
            Story::StaleMonitor => (opts.days as u64 + 75) * DAY + r.range_u64(0, 20 * DAY),
            Story::Public => r.range_u64(20 * DAY, 60 * DAY),
            Story::CostSpike => r.range_u64(12 * DAY, 20 * DAY),
            _ => r.range_u64(DAY, 30 * DAY),
        };
        let mut starts = vec![now.saturating_sub(newest_age)];
        for _ in 1..n_builds {
            let prev = *starts.last().unwrap_or(&now);
            starts.push(prev.saturating_sub(r.range_u64(4 * DAY, 14 * DAY)));
        }
        starts.reverse();
        let has_runs = spec.runs_per_day > 0.0;
        if has_runs && starts[0] > window_start.saturating_sub(DAY) {
            starts[0] = window_start.saturating_sub(r.range_u64(DAY, 10 * DAY));
        }
        let (minor, first) = match plan.story {
            Story::RegressedCrawler => (3, (15u64.saturating_sub(n_builds as u64)).max(1)),
            Story::Public => (1, 37),
            _ => (r.range_u64(1, 9), r.range_u64(1, 40)),
        };
        let major = if plan.story == Story::Public { 3 } else { 0 };
        let mut builds: Vec<Build> = Vec::new();
        for (k, start) in starts.iter().enumerate() {
            let n = first + k as u64;
            builds.push(Build {
                id: ids.apify_id(),
                act_id: actor_id.clone(),
                user_id: owner_id.clone(),
                number: format!("{major}.{minor}.{n}"),
                number_int: major * 1_000_000 + minor * 10_000 + n,
                started_at: *start,
                duration_ms: r.range_u64(40 * SEC, 240 * SEC),
                origin: r.weighted_copy(&[("WEB", 0.5), ("API", 0.3), ("CI", 0.2)]),
                memory_mb: 4096,
            });
        }
        let created_at = builds[0]
            .started_at
            .saturating_sub(r.range_u64(DAY, 30 * DAY));
        let title = title_of(&plan.name);
        let example = source::example_input(&plan.name, plan.kind);
        // One `INPUT` for all of the Actor's historical runs, shared rather than copied.
        let input_record = Record {
            content_type: "application/json; charset=utf-8".into(),
            value: Bytes::from(example.clone()),
        };
        let src = source_of(plan);
        let nth = |m: usize, r: usize| plan.ordinary.is_some_and(|i| i % m == r);
        let actor = Actor {
            id: actor_id.clone(),
            user_id: owner_id.clone(),
            username: owner_name.clone(),
            name: plan.name.clone(),
            description: description(plan.story, plan.kind, &title),
            title,
            created_at,
            modified_at: builds.last().map_or(created_at, |b| b.started_at),
            is_public: !plan.own,
            own: plan.own,
            memory_mb: spec.memory_mb,
            timeout_secs: spec.timeout_secs,
            version: format!("{major}.{minor}"),
            total_runs: 0,
            last_run_started_at: None,
            example_input: example.clone(),
            categories: match plan.kind {
                Kind::Crawler => vec!["ECOMMERCE"],
                Kind::Api => vec!["DEVELOPER_TOOLS"],
                Kind::Monitor => vec!["AUTOMATION"],
            },
            spec: spec.clone(),
            restart_on_error: false,
            source: src,
            legacy: plan.ordinary.is_some() && src == Source::Tarball,
            standby: plan.kind == Kind::Api && nth(4, 0),
            short_stats_null: nth(6, 4),
            is_deprecated: if nth(5, 2) { None } else { Some(false) },
            beta_tag_null: nth(4, 1),
            notice: if nth(15, 13) {
                "RESIDENTIAL_PROXY_REQUIRED"
            } else {
                "NONE"
            },
            runs_30d: [0; 5],
        };

        // A schedule for Actors that run on one.
        let interval_ms = if spec.runs_per_day > 0.0 {
            (DAY as f64 / spec.runs_per_day) as u64
        } else {
            DAY
        };
        let schedule_id = if plan.own {
            let hours = (interval_ms / HOUR).max(1);
            let cron = if hours >= 24 {
                format!("{} 6 * * *", r.range_u64(0, 59))
            } else {
                format!("{} */{hours} * * *", r.range_u64(0, 59))
            };
            let id = ids.apify_id();
            g.schedules.push(Schedule {
                id: id.clone(),
                user_id: owner_id.clone(),
                name: format!("{}-schedule", plan.name),
                cron,
                is_enabled: plan.story != Story::StaleMonitor,
                created_at: created_at + HOUR,
                modified_at: created_at + HOUR,
                last_run_at: None,
                next_run_at: None,
                description: None,
                actions: vec![(ids.apify_id(), actor_id.clone())],
            });
            Some(id)
        } else {
            None
        };

        // Run times: a scheduler cadence with jitter, plus ad-hoc runs.
        let mut times: Vec<(u64, u64, &'static str)> = Vec::new(); // (start, scheduled, origin)
        if has_runs {
            let mut t = window_start as f64 + r.f64() * interval_ms as f64;
            while (t as u64) < now {
                let scheduled = t as u64;
                let origin = if plan.own {
                    *r.weighted(ORIGINS)
                } else {
                    *r.weighted(&[("API", 0.7), ("WEB", 0.3)])
                };
                let start = if origin == "SCHEDULER" {
                    scheduled + r.range_u64(SEC, 40 * SEC)
                } else {
                    let shift = r.range_u64(0, interval_ms);
                    (scheduled + shift)
                        .saturating_sub(interval_ms / 2)
                        .max(window_start)
                };
                times.push((start, scheduled, origin));
                t += interval_ms as f64 * r.range_f64(0.97, 1.03);
            }
        } else if plan.story == Story::StaleMonitor {
            // A few runs long before the window: "last run 2–3 months ago".
            let newest_build_end = builds.last().map_or(0, |b| b.finished_at());
            for _ in 0..3 {
                let start = window_start
                    .saturating_sub(r.range_u64(10 * DAY, 35 * DAY))
                    .max(newest_build_end + HOUR);
                times.push((start, start, "SCHEDULER"));
            }
            times.sort();
        }

        let newest_build = builds.last().map(|b| b.id.clone());
        let mut actor = actor;
        let mut last_scheduled: Option<u64> = None;
        for (start, scheduled, origin) in times {
            let Some(build) = builds.iter().rev().find(|b| b.finished_at() <= start) else {
                continue;
            };
            let ctx = RunCtx {
                on_newest_build: Some(&build.id) == newest_build.as_ref(),
                age_ms: now.saturating_sub(start),
                timeout_secs: spec.timeout_secs,
                memory_mb: spec.memory_mb,
                max_items: None,
            };
            let o = outcome(&spec, ctx, &mut r);
            let finished = start + o.duration_ms;
            if finished + MIN > now {
                continue;
            }
            let meta = match origin {
                "SCHEDULER" => Meta {
                    schedule_id: schedule_id.clone(),
                    scheduled_at: Some(scheduled),
                    ..Meta::default()
                },
                "API" => Meta {
                    client_ip: Some(format!("203.0.113.{}", r.range_u64(2, 250))),
                    user_agent: Some(
                        "ApifyClient/2.9.4 (linux; Node/v20.11.1); isAtHome/false".into(),
                    ),
                    ..Meta::default()
                },
                "WEB" => Meta {
                    client_ip: Some(format!("198.51.100.{}", r.range_u64(2, 250))),
                    user_agent: Some(
                        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36".into(),
                    ),
                    ..Meta::default()
                },
                _ => Meta::default(),
            };
            if origin == "SCHEDULER" {
                last_scheduled = Some(scheduled);
            }
            let run_id = ids.apify_id();
            let dataset_id = ids.apify_id();
            let kv_id = ids.apify_id();
            let rq_id = ids.apify_id();
            g.datasets.push(Dataset {
                id: dataset_id.clone(),
                name: None,
                user_id: g.user.id.clone(),
                username: USERNAME.into(),
                created_at: start,
                modified_at: finished,
                accessed_at: finished,
                act_id: Some(actor_id.clone()),
                act_run_id: Some(run_id.clone()),
                synthetic_items: o.items,
                pushed: Vec::new(),
            });
            let mut records = BTreeMap::new();
            records.insert("INPUT".to_string(), input_record.clone());
            if spec.emits_signals() {
                records.insert("SIGNALS".to_string(), signals(&mut r, &o, o.items));
            }
            g.stores.push(KvStore {
                id: kv_id.clone(),
                name: None,
                user_id: g.user.id.clone(),
                username: USERNAME.into(),
                created_at: start,
                modified_at: finished,
                accessed_at: finished,
                act_id: Some(actor_id.clone()),
                act_run_id: Some(run_id.clone()),
                records,
            });
            g.queues.push(RequestQueue {
                id: rq_id.clone(),
                name: None,
                user_id: g.user.id.clone(),
                username: USERNAME.into(),
                created_at: start,
                modified_at: finished,
                act_id: Some(actor_id.clone()),
                act_run_id: Some(run_id.clone()),
                total: o.requests,
                handled: o.requests - o.failed_requests.min(o.requests),
            });
            actor.total_runs += 1;
            actor.last_run_started_at = Some(start);
            if start + 30 * DAY >= now {
                let slot = match o.status {
                    "ABORTED" => 0,
                    "FAILED" => 1,
                    "SUCCEEDED" => 2,
                    _ => 3,
                };
                actor.runs_30d[slot] += 1;
                actor.runs_30d[4] += 1;
            }
            g.runs.push(Run {
                id: run_id,
                act_id: actor_id.clone(),
                user_id: g.user.id.clone(),
                build_id: build.id.clone(),
                build_number: build.number.clone(),
                started_at: start,
                origin,
                meta,
                input_len: example.len() as u64,
                outcome: o,
                memory_mb: spec.memory_mb,
                timeout_secs: spec.timeout_secs,
                disk_mb: spec.memory_mb * 2,
                max_items: None,
                max_total_charge_usd: None,
                dataset_id,
                kv_id,
                rq_id,
                live: None,
            });
        }
        if let (Some(sid), Some(last)) = (&schedule_id, last_scheduled) {
            if let Some(s) = g.schedules.iter_mut().find(|s| &s.id == sid) {
                s.last_run_at = Some(last);
                s.next_run_at = s.is_enabled.then_some(last + interval_ms);
            }
        }
        g.builds.extend(builds);
        g.actors.push(actor);
    }

    named_storages(&mut g, &mut ids, now);
    integrations(&mut g, &mut ids, now);

    g.actors
        .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    g.builds
        .sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    g.runs
        .sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    g.datasets
        .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    g.queues
        .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    g.schedules
        .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));

    let snapshots = trend_snapshots(&g, now);
    if let Some(store) = g
        .stores
        .iter_mut()
        .find(|s| s.name.as_deref() == Some(forge_apify::allow::FORGE_STORE_NAME))
    {
        for (key, record, at) in snapshots {
            store.records.insert(key, record);
            store.modified_at = store.modified_at.max(at);
        }
    }
    g.stores
        .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    g
}

fn named_storages(g: &mut Generated, ids: &mut Rng, now: u64) {
    let uid = g.user.id.clone();
    for (name, items, age_days) in [
        ("product-catalog", 12_480, 210),
        ("leads-archive", 3_211, 95),
    ] {
        let created = now - age_days * DAY;
        g.datasets.push(Dataset {
            id: ids.apify_id(),
            name: Some(name.into()),
            user_id: uid.clone(),
            username: USERNAME.into(),
            created_at: created,
            modified_at: now - 2 * DAY,
            accessed_at: now - DAY,
            act_id: None,
            act_run_id: None,
            synthetic_items: items,
            pushed: Vec::new(),
        });
    }
    let json_record = |v: Value| Record {
        content_type: "application/json; charset=utf-8".into(),
        value: serde_json::to_vec_pretty(&v).unwrap_or_default().into(),
    };
    // A large record (> 64 KiB): record GET answers 302 to the storage route.
    let urls: Vec<String> = (0..1800)
        .map(|i| format!("https://www.example.com/catalog/item-{i:05}"))
        .collect();
    let mut state_records = BTreeMap::new();
    state_records.insert(
        "STATE".to_string(),
        json_record(json!({"lastPage": 41, "cursor": "eyJwYWdlIjo0MX0", "retries": 0})),
    );
    state_records.insert(
        "large-sitemap-cache".to_string(),
        json_record(json!({"generatedAt": iso(now - DAY), "urls": urls})),
    );
    state_records.insert(
        "notes.txt".to_string(),
        Record {
            content_type: "text/plain; charset=utf-8".into(),
            value: Bytes::from_static(b"Rotate the residential proxy group before Black Friday.\n"),
        },
    );
    let mut config_records = BTreeMap::new();
    config_records.insert(
        "settings".to_string(),
        json_record(json!({"alertEmail": "ops@forge-demo.example", "currency": "USD"})),
    );
    for (name, records, age_days) in [
        (forge_apify::allow::FORGE_STORE_NAME, BTreeMap::new(), 60),
        ("crawler-state", state_records, 150),
        ("app-config", config_records, 300),
    ] {
        let created = now - age_days * DAY;
        g.stores.push(KvStore {
            id: ids.apify_id(),
            name: Some(name.into()),
            user_id: uid.clone(),
            username: USERNAME.into(),
            created_at: created,
            modified_at: created + DAY,
            accessed_at: now - HOUR,
            act_id: None,
            act_run_id: None,
            records,
        });
    }
    g.queues.push(RequestQueue {
        id: ids.apify_id(),
        name: Some("crawl-frontier".into()),
        user_id: uid,
        username: USERNAME.into(),
        created_at: now - 120 * DAY,
        modified_at: now - 3 * DAY,
        act_id: None,
        act_run_id: None,
        total: 5_000,
        handled: 4_812,
    });
}

fn integrations(g: &mut Generated, ids: &mut Rng, now: u64) {
    let uid = g.user.id.clone();
    let actor_id = |name: &str| {
        g.actors
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.id.clone())
    };
    let mut hooks = Vec::new();
    if let Some(id) = actor_id("flaky-scraper") {
        hooks.push((
            id,
            vec!["ACTOR.RUN.FAILED", "ACTOR.RUN.TIMED_OUT"],
            "https://hooks.slack.example.com/services/T000/B000/forge",
            "Alert #scraping on failures",
        ));
    }
    if let Some(id) = actor_id("healthy-workhorse") {
        hooks.push((
            id,
            vec!["ACTOR.RUN.SUCCEEDED"],
            "https://ingest.forge-demo.example/apify/run-finished",
            "Load results into the warehouse",
        ));
    }
    for (i, (actor, events, url, desc)) in hooks.into_iter().enumerate() {
        let created = now - (80 + 20 * i as u64) * DAY;
        g.webhooks.push(Webhook {
            id: ids.apify_id(),
            user_id: uid.clone(),
            created_at: created,
            modified_at: created,
            is_ad_hoc: false,
            event_types: events.into_iter().map(String::from).collect(),
            condition: json!({"actorId": actor}),
            request_url: url.into(),
            payload_template: None,
            description: Some(desc.into()),
            ignore_ssl_errors: false,
            do_not_retry: false,
        });
    }
    for (i, (actor, name)) in [
        ("healthy-workhorse", "healthy-workhorse-nightly"),
        ("flaky-scraper", "flaky-scraper-de"),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(act_id) = actor_id(actor) {
            let created = now - (70 + 15 * i as u64) * DAY;
            g.tasks.push(Task {
                id: ids.apify_id(),
                user_id: uid.clone(),
                act_id,
                name: name.into(),
                created_at: created,
                modified_at: created,
                input: Some(json!({"country": "DE"})),
                memory_mb: Some(1024),
                timeout_secs: Some(3600),
            });
        }
    }
}

fn p95_secs(mut durations: Vec<u64>) -> f64 {
    if durations.is_empty() {
        return 0.0;
    }
    durations.sort_unstable();
    let rank = ((durations.len() as f64) * 0.95).ceil() as usize;
    let v = durations[rank.clamp(1, durations.len()) - 1];
    (v as f64 / 100.0).round() / 10.0
}

fn round_to(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The six weekly snapshots in `forge-trends`: one per ISO week before the current one.
fn trend_snapshots(g: &Generated, now: u64) -> Vec<(String, Record, u64)> {
    let own: BTreeMap<&str, &Actor> = g
        .actors
        .iter()
        .filter(|a| a.own)
        .map(|a| (a.id.as_str(), a))
        .collect();
    // Each Actor's usual cost per run, for the health score's cost penalty.
    let mut costs: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for run in &g.runs {
        if own.contains_key(run.act_id.as_str()) {
            costs
                .entry(&run.act_id)
                .or_default()
                .push(run_cost_usd(run));
        }
    }
    let baseline: BTreeMap<&str, f64> = costs
        .into_iter()
        .map(|(id, mut v)| {
            v.sort_by(f64::total_cmp);
            (id, v[v.len() / 2])
        })
        .collect();
    // Each own Actor's runs, oldest first (grouped once: the fleet may hold 1000 Actors).
    let mut by_actor: BTreeMap<&str, Vec<&Run>> = BTreeMap::new();
    for run in &g.runs {
        if own.contains_key(run.act_id.as_str()) {
            by_actor.entry(&run.act_id).or_default().push(run);
        }
    }
    let this_week = week_start(now);
    let mut out = Vec::new();
    for k in (1..=6u64).rev() {
        let from = this_week - k * 7 * DAY;
        let to = from + 7 * DAY;
        let (year, week) = iso_week(from);
        let week_label = format!("{year}-W{week:02}");
        let mut actors = Map::new();
        let (mut f_runs, mut f_ok, mut f_cost, mut f_health_w) = (0u64, 0u64, 0.0f64, 0.0f64);
        let mut f_durations = Vec::new();
        for (id, actor) in &own {
            let runs: Vec<&Run> = by_actor
                .get(id)
                .into_iter()
                .flatten()
                .copied()
                .filter(|r| r.started_at >= from && r.started_at < to)
                .collect();
            if runs.is_empty() {
                continue;
            }
            let ok = runs
                .iter()
                .filter(|r| r.outcome.status == "SUCCEEDED")
                .count() as u64;
            let n = runs.len() as u64;
            let cost: f64 = runs.iter().map(|r| run_cost_usd(r)).sum();
            let durations: Vec<u64> = runs.iter().map(|r| r.outcome.duration_ms).collect();
            f_durations.extend(durations.iter().copied());
            let rate = ok as f64 / n as f64;
            let per_run = cost / n as f64;
            let base = baseline.get(id).copied().unwrap_or(per_run).max(1e-9);
            let penalty = (10.0 * (per_run / base - 1.0).max(0.0)).min(20.0);
            let health = (100.0 * rate.powf(1.5) - penalty).round().clamp(0.0, 100.0);
            actors.insert(
                id.to_string(),
                json!({
                    "name": actor.name,
                    "runs": n,
                    "successRate": round_to(rate, 4),
                    "p95DurationSecs": p95_secs(durations),
                    "costUsd": round_to(cost, 4),
                    "health": health as u64,
                }),
            );
            f_runs += n;
            f_ok += ok;
            f_cost += cost;
            f_health_w += health * n as f64;
        }
        let generated_at = (to + 5 * MIN).min(now);
        let snapshot = json!({
            "version": 1,
            "week": week_label,
            "generatedAt": iso(generated_at),
            "fleet": {
                "runs": f_runs,
                "successRate": if f_runs > 0 { round_to(f_ok as f64 / f_runs as f64, 4) } else { 0.0 },
                "p95DurationSecs": p95_secs(f_durations),
                "costUsd": round_to(f_cost, 4),
                "health": if f_runs > 0 { (f_health_w / f_runs as f64).round() as u64 } else { 0 },
            },
            "actors": actors,
        });
        out.push((
            format!("snapshot-{week_label}"),
            Record {
                content_type: "application/json; charset=utf-8".into(),
                value: serde_json::to_vec_pretty(&snapshot)
                    .unwrap_or_default()
                    .into(),
            },
            generated_at,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(story: Story) -> ActorSpec {
        spec_for(story, Kind::Crawler, 6.0, &mut Rng::new(1))
    }

    fn ctx(spec: &ActorSpec) -> RunCtx {
        RunCtx {
            on_newest_build: false,
            age_ms: 20 * DAY,
            timeout_secs: spec.timeout_secs,
            memory_mb: spec.memory_mb,
            max_items: None,
        }
    }

    #[test]
    fn outcomes_follow_the_story() {
        let mut r = Rng::new(3);
        let hog = spec(Story::MemoryHog);
        for _ in 0..200 {
            let o = outcome(&hog, ctx(&hog), &mut r);
            assert!(o.mem_max_bytes < 4096 * MIB * 15 / 100);
        }
        let t = spec(Story::TimeoutProne);
        let timed_out = (0..1000)
            .filter(|_| outcome(&t, ctx(&t), &mut r).status == "TIMED-OUT")
            .count();
        assert!((150..450).contains(&timed_out), "{timed_out}");
        let c = spec(Story::CostSpike);
        let avg = |age: u64, r: &mut Rng| {
            (0..300)
                .map(|_| {
                    outcome(
                        &c,
                        RunCtx {
                            age_ms: age,
                            ..ctx(&c)
                        },
                        r,
                    )
                    .duration_ms as f64
                })
                .sum::<f64>()
                / 300.0
        };
        let ratio = avg(DAY, &mut r) / avg(20 * DAY, &mut r);
        assert!((2.5..3.5).contains(&ratio), "{ratio}");
    }

    #[test]
    fn titles() {
        assert_eq!(title_of("empty-success-api"), "Empty Success API");
        assert_eq!(title_of("seo-audit"), "SEO Audit");
    }

    #[test]
    fn p95_nearest_rank() {
        assert_eq!(p95_secs((1..=100).map(|s| s * 1000).collect()), 95.0);
        assert_eq!(p95_secs(vec![]), 0.0);
    }
}
