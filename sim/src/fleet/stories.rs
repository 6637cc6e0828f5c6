//! The stories: how each kind of Actor behaves. Its spec (cadence, durations, memory, failure
//! and empty-result rates), how one run ends ([`outcome`]), what a run in progress says, the
//! `SIGNALS` record signal-emitter writes, and the items of generated datasets (with what
//! their field statistics measure of each: [`SyntheticItem`], [`Measure`]).
//!
//! Used by the generator for the history and by the live account for runs started through the
//! API, so a story holds for new runs too. Depends only on the entities, the seeded generator
//! and the clock.

use crate::entities::{ActorSpec, Dataset, Kind, Message, Outcome, Record, Status, Story, MIB};
use crate::rng::{hash_str, Rng};
use crate::time::{iso, DAY};
use serde_json::{json, Value};

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
    ("runaway-run", Story::RunawayRun),
    ("proxy-heavy", Story::ProxyHeavy),
    ("field-drift", Story::FieldDrift),
];

/// How long `runaway-run`'s hung run has been RUNNING at "now" (9 h 12 min).
pub const RUNAWAY_RUNNING_MS: u64 = 9 * 3_600_000 + 12 * 60_000;
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

/// `regressed-crawler` fails every run that started this long before "now".
const FAILING_NOW_MS: u64 = 8 * DAY / 24;

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
const REGRESSION: &str =
    "TypeError: Cannot read properties of null (reading 'textContent') at parseListing (src/routes.js:88:41)";

/// The spec of an Actor with this story and kind (ordinary and public Actors vary by `r`).
pub fn spec_for(story: Story, kind: Kind, base_rate: f64, r: &mut Rng) -> ActorSpec {
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
        Story::RunawayRun => {
            // About 3.5 minutes a run (p95 about 4): the hung run is far beyond it. A
            // generous timeout, so nothing stops it but someone aborting it.
            s.runs_per_day = base_rate;
            s.dur_median_s = 200.0;
            s.dur_sigma = 0.12;
            s.fail_rate = 0.01;
            s.timeout_secs = 86_400;
        }
        Story::ProxyHeavy => {
            s.runs_per_day = base_rate;
            s.dur_median_s = 420.0;
            s.dur_sigma = 0.2;
            s.memory_mb = 2048;
            s.fail_rate = 0.02;
            s.items_median = 1500.0;
        }
        Story::FieldDrift => {
            // Nothing wrong with its runs: only its newest build's items lack prices.
            s.runs_per_day = base_rate;
            s.dur_median_s = 360.0;
            s.dur_sigma = 0.2;
            s.fail_rate = 0.008;
            s.abort_rate = 0.002;
            s.items_median = 600.0;
            s.items_sigma = 0.25;
            s.mem_peak_frac = 0.55;
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

/// Decides how a run ends. (Every draw from `r` is as it always was: the stories of a seed
/// are the same whatever shape the outcome is kept in.)
pub fn outcome(spec: &ActorSpec, ctx: RunCtx, r: &mut Rng) -> Outcome {
    let mut median = spec.dur_median_s;
    if spec.story == Story::CostSpike && ctx.age_ms < 7 * DAY {
        median *= 3.0;
    }
    let mut dur_s = r.lognormal(median, spec.dur_sigma).max(3.0);
    let fail_rate = match spec.story {
        // The release broke it, and for the last hours every run fails: "failing right now".
        Story::RegressedCrawler if ctx.on_newest_build && ctx.age_ms < FAILING_NOW_MS => 1.0,
        Story::RegressedCrawler if ctx.on_newest_build => 0.4,
        _ => spec.fail_rate,
    };
    let memory_mb = ctx.memory_mb.max(128);
    let mut peak_mb =
        (spec.memory_mb as f64 * spec.mem_peak_frac * r.lognormal(1.0, 0.12)).max(40.0);
    let roll = r.f64();
    let mut status = Status::Succeeded;
    let mut message = Message::None;
    if roll < fail_rate {
        status = Status::Failed;
        dur_s *= r.range_f64(0.05, 0.7);
        let failure = |r: &mut Rng| Message::Failure(r.pick_index(FAILURES.len()) as u8);
        message = if spec.story == Story::RegressedCrawler && ctx.on_newest_build {
            if r.chance(0.85) {
                Message::Regression
            } else {
                failure(r)
            }
        } else if r.chance(0.08) {
            Message::OutOfMemory
        } else {
            failure(r)
        };
        if message == Message::OutOfMemory {
            peak_mb = memory_mb as f64 * 0.995;
        }
    } else if roll < fail_rate + spec.abort_rate {
        status = Status::Aborted;
        dur_s *= r.range_f64(0.1, 0.8);
    }
    if status == Status::Succeeded && dur_s > ctx.timeout_secs as f64 {
        status = Status::TimedOut;
        dur_s = ctx.timeout_secs as f64 + r.range_f64(0.3, 2.5);
    }
    let peak_mb = peak_mb.min(memory_mb as f64 * 0.995);
    let mut items = match status {
        Status::Succeeded if r.chance(spec.empty_rate) => 0,
        Status::Succeeded => r
            .lognormal(spec.items_median, spec.items_sigma)
            .round()
            .max(1.0) as u64,
        Status::TimedOut => r.lognormal(spec.items_median * 0.6, 0.3).round() as u64,
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
    if status == Status::Succeeded {
        message = Message::Finished;
    } else if status == Status::TimedOut && spec.kind == Kind::Crawler {
        message = Message::TimedOutCrawl;
    }
    let duration_ms = (dur_s * 1000.0).round() as u64;
    let net_rx = match spec.kind {
        Kind::Crawler => requests * r.range_u64(5_000, 20_000) + 200_000,
        _ => items * r.range_u64(500, 2_000) + 50_000,
    };
    let cpu_avg = (r.range_f64(18.0, 70.0) * 100.0).round();
    // In the order these were always drawn.
    let mem_avg_bytes = (peak_mb * MIB as f64 * r.range_f64(0.55, 0.8)) as u64;
    let cpu_max = ((cpu_avg / 100.0 * r.range_f64(1.3, 2.2)).min(100.0) * 100.0).round();
    let net_tx_bytes = (net_rx as f64 * r.range_f64(0.03, 0.08)) as u64;
    let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    Outcome {
        duration_ms,
        mem_max_bytes: (peak_mb * MIB as f64) as u64,
        mem_avg_bytes,
        net_rx_bytes: net_rx,
        net_tx_bytes,
        items: small(items),
        requests: small(requests),
        failed_requests: small(failed_requests),
        kv_reads: small(2 + (dur_s / 300.0) as u64),
        kv_writes: small(2 + (dur_s / 60.0) as u64),
        cpu_avg_c: cpu_avg as u16,
        cpu_max_c: cpu_max as u16,
        status,
        message,
        kind: spec.kind,
        residential_proxy: spec.story == Story::ProxyHeavy,
    }
}

/// `statusMessage` of a finished run with `outcome`, run with `memory_mb`.
pub fn status_message(o: &Outcome, memory_mb: u32) -> Option<String> {
    let (items, requests, failed) = (o.items(), o.requests(), o.failed_requests());
    Some(match o.message {
        Message::None => return None,
        Message::Finished => match o.kind {
            Kind::Crawler => format!(
                "Finished! Total {requests} requests: {} succeeded, {failed} failed.",
                requests - failed
            ),
            Kind::Api => format!("Done: {items} results"),
            Kind::Monitor => format!("All {items} checks passed"),
        },
        Message::Failure(i) => FAILURES[i as usize % FAILURES.len()].to_string(),
        Message::OutOfMemory => format!(
            "The Actor ran out of memory (limit: {} MB) and was killed. Consider increasing the memory.",
            memory_mb.max(128)
        ),
        Message::Regression => REGRESSION.to_string(),
        Message::TimedOutCrawl => format!(
            "Crawled {items}/{} pages, {failed} failed requests.",
            requests + items
        ),
    })
}

/// `statusMessage` of a run in progress.
pub fn progress_message(o: &Outcome, frac: f64) -> Option<String> {
    let done = (o.requests() as f64 * frac).round() as u64;
    Some(format!(
        "Crawled {done}/{} pages, 0 failed requests.",
        o.requests().max(done)
    ))
}

/// The `SIGNALS` record signal-emitter's runs write: names → numbers, strings, booleans.
pub fn signals(r: &mut Rng, o: &Outcome, items: u64) -> Record {
    let blocked = if o.status == Status::Succeeded {
        r.range_f64(0.0, 0.06)
    } else {
        r.range_f64(0.1, 0.4)
    };
    let blocked = (blocked * 1000.0).round() / 1000.0;
    let v = json!({
        "itemsScraped": items,
        "blockedRate": blocked,
        "proxyGroup": r.pick(&["RESIDENTIAL", "DATACENTER", "RESIDENTIAL"]),
        "healthy": o.status == Status::Succeeded && blocked < 0.05,
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

/// The share of a run's dataset items whose `price` is `null`: field-drift's newest build
/// changed the price selector, and it misses on about 40% of pages (about 1% before, as any
/// scraper misses now and then); every other Actor always finds the price.
pub fn null_price_share(story: Story, on_newest_build: bool) -> f64 {
    match story {
        Story::FieldDrift if on_newest_build => 0.4,
        Story::FieldDrift => 0.01,
        _ => 0.0,
    }
}

/// A synthetic item's `url`: this, then `10_000 + index`.
const ITEM_URL: &str = "https://www.example.com/item/";
const ITEM_TITLES: &[&str] = &[
    "Desk lamp",
    "Office chair",
    "Bookshelf",
    "Monitor arm",
    "Standing desk",
    "Cable tray",
];
const ITEM_CURRENCY: &str = "USD";

/// Item `index` of a generated dataset as drawn (from the dataset's id and the index), before it
/// is rendered: the items endpoint renders it ([`SyntheticItem::to_json`]) and the field
/// statistics measure it ([`SyntheticItem::measure`]) without rendering, so the two agree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyntheticItem {
    index: u64,
    title: &'static str,
    /// `None`: the item's `price` is `null`.
    price: Option<f64>,
}

impl SyntheticItem {
    /// Item `index` of the dataset whose id hashes to `id_hash` (`hash_str(id)`), whose `price`
    /// is `null` with probability `null_price_share`.
    pub fn new(id_hash: u64, index: u64, null_price_share: f64) -> SyntheticItem {
        let mut r = Rng::derive(id_hash, index);
        let title = *r.pick(ITEM_TITLES);
        let price = (r.range_f64(5.0, 400.0) * 100.0).round() / 100.0;
        // Drawn after the rest, so the items of datasets without nulls are what they always were.
        let null = null_price_share > 0.0 && r.chance(null_price_share);
        SyntheticItem {
            index,
            title,
            price: (!null).then_some(price),
        }
    }

    /// The item as JSON; `scraped_at` is its `scrapedAt` (the dataset's creation, ISO).
    pub fn to_json(self, scraped_at: &str) -> Value {
        json!({
            "url": format!("{ITEM_URL}{}", 10_000 + self.index),
            "title": format!("{} {}", self.title, self.index + 1),
            "price": self.price,
            "currency": ITEM_CURRENCY,
            "scrapedAt": scraped_at,
        })
    }

    /// What field statistics see of `field` in [`SyntheticItem::to_json`]`(scraped_at)`, where
    /// `scraped_at_len` is `scraped_at`'s length (the same in every item of a dataset).
    pub fn measure(&self, field: &str, scraped_at_len: u64) -> Measure {
        let len = |n: u64| Measure::Value(n as f64);
        match field {
            "url" => len(ITEM_URL.len() as u64 + decimal_len(10_000 + self.index)),
            "title" => len(self.title.len() as u64 + 1 + decimal_len(self.index + 1)),
            "price" => self.price.map_or(Measure::Null, Measure::Value),
            "currency" => len(ITEM_CURRENCY.len() as u64),
            "scrapedAt" => len(scraped_at_len),
            _ => Measure::Absent,
        }
    }
}

/// Digits of `n` in decimal.
fn decimal_len(n: u64) -> u64 {
    n.checked_ilog10().map_or(1, |l| l as u64 + 1)
}

/// What a dataset's field statistics see of one item's field (Apify's
/// `DatasetFieldStatistics`): absent (`emptyCount`: "undefined"), `null` (`nullCount`), or
/// what `min`/`max` compare — a number's value, a string's length (in UTF-16 units, as
/// JavaScript counts), an array's length, an object's key count. A boolean is none of these.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    Absent,
    Null,
    Value(f64),
    Unmeasured,
}

impl Measure {
    /// What the statistics see of a field whose value is `v` (`None`: the item has no such field).
    pub fn of(v: Option<&Value>) -> Measure {
        match v {
            None => Measure::Absent,
            Some(Value::Null) => Measure::Null,
            Some(Value::Number(n)) => n.as_f64().map_or(Measure::Unmeasured, Measure::Value),
            Some(Value::String(s)) => Measure::Value(s.encode_utf16().count() as f64),
            Some(Value::Array(a)) => Measure::Value(a.len() as f64),
            Some(Value::Object(o)) => Measure::Value(o.len() as f64),
            Some(Value::Bool(_)) => Measure::Unmeasured,
        }
    }
}

/// Item `index` of a generated dataset (id `dataset_id`, created at `at_ms`, `price` null with
/// probability `null_price_share`).
pub fn synthetic_item(dataset_id: &str, index: u64, at_ms: u64, null_price_share: f64) -> Value {
    SyntheticItem::new(hash_str(dataset_id), index, null_price_share).to_json(&iso(at_ms))
}

/// The Actor's description: each story says what it is about (field-drift names its newest
/// build, `newest_build`).
pub fn description(story: Story, kind: Kind, title: &str, newest_build: &str) -> String {
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
        Story::RunawayRun => "Syncs a partner feed in a few minutes — usually.".into(),
        Story::ProxyHeavy => {
            "Scrapes a well-defended marketplace through residential proxies.".into()
        }
        Story::FieldDrift => {
            format!("Scrapes product pages; the {newest_build} release changed the price selector.")
        }
        _ => match kind {
            Kind::Crawler => {
                format!("{title}: crawls the source site and stores items in a dataset.")
            }
            Kind::Api => format!("{title}: pulls records from an API and normalises them."),
            Kind::Monitor => format!("{title}: checks endpoints and reports failures."),
        },
    }
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
    fn synthetic_items_measure_as_they_render() {
        let at = iso(1_767_700_000_000);
        let h = hash_str("dsFieldDrift12345");
        let mut nulls = 0;
        for index in (0..3000).chain([99_989, 99_990, 1_000_000]) {
            let item = SyntheticItem::new(h, index, 0.4);
            let json = item.to_json(&at);
            for f in ["url", "title", "price", "currency", "scrapedAt", "missing"] {
                assert_eq!(
                    item.measure(f, at.len() as u64),
                    Measure::of(json.get(f)),
                    "{f} of {json}"
                );
            }
            // The null is drawn last: the rest of the item is as without nulls.
            let plain = SyntheticItem::new(h, index, 0.0).to_json(&at);
            if json["price"].is_null() {
                nulls += 1;
                assert!(plain["price"].is_number());
                assert_eq!(json["title"], plain["title"]);
            } else {
                assert_eq!(json, plain);
            }
        }
        assert!((1050..1350).contains(&nulls), "{nulls}");
        assert_eq!(null_price_share(Story::FieldDrift, true), 0.4);
        assert_eq!(null_price_share(Story::FieldDrift, false), 0.01);
        assert_eq!(null_price_share(Story::RegressedCrawler, true), 0.0);
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
            .filter(|_| outcome(&t, ctx(&t), &mut r).status == Status::TimedOut)
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
}
