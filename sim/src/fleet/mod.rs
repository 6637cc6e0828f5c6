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
//!
//! How each story behaves lives in `stories`; the named storages, the integrations and the
//! trend snapshots have their own modules. Everything here depends on the entities, never on
//! the live account (`crate::state`) or the API.

mod integrations;
mod storages;
pub(crate) mod stories;
mod trends;

pub use crate::entities::{ActorSpec, Kind, Outcome, Story};
pub use crate::rng::hash_str;
pub use stories::{
    dataset_fields, outcome, progress_message, signals, synthetic_item, RunCtx, STORIES,
};

use crate::entities::{
    Actor, Build, Dataset, KvStore, Meta, Record, RequestQueue, Run, Schedule, Source, StorageHead,
    Task, User, Webhook,
};
use crate::options::SimOptions;
use crate::rng::Rng;
use crate::source;
use crate::time::{DAY, HOUR, MIN, SEC};
use bytes::Bytes;
use std::collections::BTreeMap;
use stories::{description, spec_for};

/// The account's username.
pub const USERNAME: &str = "forge-demo";

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
            let head = |id: &str| {
                StorageHead::new(id.to_string(), None, &g.user.id, USERNAME, start)
                    .of_run(&actor_id, &run_id)
                    .touched(finished, finished)
            };
            g.datasets.push(Dataset {
                head: head(&dataset_id),
                synthetic_items: o.items,
                pushed: Vec::new(),
            });
            let mut records = BTreeMap::new();
            records.insert("INPUT".to_string(), input_record.clone());
            if spec.emits_signals() {
                records.insert("SIGNALS".to_string(), signals(&mut r, &o, o.items));
            }
            g.stores.push(KvStore {
                head: head(&kv_id),
                records,
            });
            g.queues.push(RequestQueue {
                head: head(&rq_id),
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

    let named = storages::named_storages(&g.user, &mut ids, now);
    g.datasets.extend(named.datasets);
    g.stores.extend(named.stores);
    g.queues.extend(named.queues);
    let hooked = integrations::webhooks_and_tasks(&g.actors, &g.user.id, &mut ids, now);
    g.webhooks.extend(hooked.webhooks);
    g.tasks.extend(hooked.tasks);

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

    let snapshots = trends::trend_snapshots(&g.actors, &g.runs, now);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(title_of("empty-success-api"), "Empty Success API");
        assert_eq!(title_of("seo-audit"), "SEO Audit");
    }
}
