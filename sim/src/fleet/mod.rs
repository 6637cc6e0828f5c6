//! The demo fleet: a seeded generator for a realistic Apify account.
//!
//! Forge's dashboard has to tell stories — a flaky scraper, a release that broke a crawler, an
//! Actor that wastes memory, a cost spike, a release that left `price` null in 40% of items
//! (`field-drift`, seen in its datasets' field statistics) — and tests need those stories to
//! hold every time. So the account is generated from a seed (same seed + same `now` →
//! byte-identical API answers) with realistic distributions: log-normal durations, memory used
//! vs `options.memoryMbytes`, compute units = memory GB × hours, `usageTotalUsd` ≈ CU × $0.30
//! plus small storage costs, dataset item counts, varied failure messages and a `meta.origin`
//! mix dominated by the scheduler. The named story Actors are listed in [`STORIES`]; ordinary Actors fill the table.
//! It also writes the `forge-trends` store with six weekly snapshots computed from the runs.
//! Every run's default store holds an `INPUT` record: the Actor's example input, with the
//! password, cookie and API key real inputs carry (one shared buffer per Actor). Ordinary Actors
//! vary in the details Apify varies in: source type (inline files, Git, tarball, gist), legacy
//! Actors without `actor.json`, `"stats": null` in the list, `"isDeprecated": null`. New random
//! choices come from their own derived streams, so the story Actors' runs stay byte-identical.
//!
//! The plan's retention (`SimOptions::retention_days`) then removes the runs that started before
//! it — except each Actor's ten most recent — and with them their default storages, as Apify
//! does; the trend snapshots were written before, from every run. A run's number (what its ids
//! derive from, `crate::ids`) is its place among all generated runs, so retention never changes
//! a kept run's ids.
//!
//! At 1,000 Actors this makes half a million runs, so the generator writes them into one
//! vector, Actor after Actor, and orders it in place (a sorted permutation) rather than holding
//! copies; nothing per run is a string.
//!
//! How each story behaves lives in `stories`; the named storages (and what a run's default
//! storages hold), the integrations and the trend snapshots have their own modules. Everything
//! here depends on the entities, never on the live account (`crate::state`) or the API.

mod integrations;
mod storages;
pub(crate) mod stories;
mod trends;

pub use crate::entities::{ActorSpec, Kind, Message, Outcome, Status, Story};
pub use crate::rng::hash_str;
pub use storages::{run_dataset, run_queue, run_store};
pub use stories::{
    dataset_fields, outcome, progress_message, signals, status_message, synthetic_item, RunCtx,
    STORIES,
};

use crate::entities::{
    Actor, Build, Dataset, KvStore, Origin, Record, RequestQueue, Run, Schedule, Source, Task,
    User, Webhook,
};
use crate::options::SimOptions;
use crate::rng::Rng;
use crate::run_index::RunNumbers;
use crate::source;
use crate::time::{DAY, HOUR, MIN, SEC};
use bytes::Bytes;
use std::collections::HashMap;
use stories::{description, spec_for};

/// The account's username.
pub const USERNAME: &str = "forge-demo";

/// `meta.userAgent` of what Apify's API client starts (runs, builds).
pub const API_CLIENT_UA: &str = "ApifyClient/2.9.4 (linux; Node/v20.11.1); isAtHome/false";
/// `meta.userAgent` of what the Console starts.
pub const BROWSER_UA: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

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

const ORIGINS: &[(Origin, f64)] = &[
    (Origin::Scheduler, 0.75),
    (Origin::Api, 0.15),
    (Origin::Web, 0.08),
    (Origin::Development, 0.02),
];

/// Each Actor keeps at least this many of its most recent runs past the plan's retention.
pub const KEPT_PAST_RETENTION: usize = 10;

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
    /// By `createdAt`.
    pub actors: Vec<Actor>,
    /// By `startedAt`.
    pub builds: Vec<Build>,
    /// By `startedAt`: what the plan's retention kept of the generated runs.
    pub runs: Vec<Run>,
    /// Which run number (what its ids derive from) each of `runs` has.
    pub numbers: RunNumbers,
    /// The account's storages that are not a run's default ones (the named ones).
    pub datasets: Vec<Dataset>,
    pub stores: Vec<KvStore>,
    pub queues: Vec<RequestQueue>,
    /// Runs' default stores generated with more than their `INPUT` (signal-emitter's
    /// `SIGNALS`), by position in `runs`.
    pub run_stores: HashMap<u32, KvStore>,
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
    /// Which random stream it draws from (`1000 +` this); see [`FIRST_STORIES`].
    stream: u64,
    /// A story added after the first ones: its ids come from its own stream too.
    later: bool,
}

/// How many story Actors there were before `field-drift` joined. Every other Actor draws from
/// the stream of its place in the plan as it was then (`1000 + place`), and a story added since
/// draws from `2000 + its index` (and takes its ids from a stream of its own), so a new story
/// leaves the histories and ids of the others as they were.
const FIRST_STORIES: usize = 11;

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

/// One Actor while it is generated: its builds (oldest first) and where its runs are in the
/// account's list of runs. Runs name their Actor by its position in the plan and their build by
/// its position in `builds`.
struct Made {
    actor: Actor,
    builds: Vec<Build>,
    /// Its runs, `runs[first..end]`, oldest first.
    first: usize,
    end: usize,
}

/// Generates the demo account as of `now` (unix ms).
///
/// Each Actor draws from its own random stream (`1000 + its place in the plan`, see
/// [`FIRST_STORIES`]), so its story is the same whatever else the account holds; ids of the
/// things there are few of come from one stream (stories added later have their own),
/// and runs' ids (and their storages') derive from the run's number (`crate::ids`). The six
/// `forge-trends` snapshots are computed from every generated run; then the plan's retention
/// removes runs older than `retention_days` — except each Actor's ten most recent — with their
/// default storages, as Apify's retention does.
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
    for (k, (name, story)) in STORIES.iter().enumerate().take(opts.actors) {
        let kind = match story {
            Story::EmptySuccessApi => Kind::Api,
            Story::StaleMonitor => Kind::Monitor,
            Story::MemoryHog | Story::RunawayRun => Kind::Api,
            _ => Kind::Crawler,
        };
        let later = k >= FIRST_STORIES;
        plans.push(Plan {
            name: name.to_string(),
            story: *story,
            kind,
            own: true,
            ordinary: None,
            stream: if later { 1000 + k as u64 } else { k as u64 },
            later,
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
            // Ordinary Actors exist only when every story does.
            stream: (FIRST_STORIES + i) as u64,
            later: false,
        });
    }
    for name in ["web-scraper", "website-content-crawler"] {
        plans.push(Plan {
            name: name.into(),
            story: Story::Public,
            kind: Kind::Crawler,
            own: false,
            ordinary: None,
            // Its place then and now: the plan has as many own Actors either way.
            stream: plans.len() as u64,
            later: false,
        });
    }

    let mut schedules: Vec<Schedule> = Vec::new();
    let mut made: Vec<Made> = Vec::with_capacity(plans.len());
    // Every run, one Actor after the other, and the `SIGNALS` records some wrote (by position).
    let mut all: Vec<Run> = Vec::new();
    let mut written: HashMap<usize, Record> = HashMap::new();
    for (index, plan) in plans.iter().enumerate() {
        let mut r = Rng::derive(seed, 1000 + plan.stream);
        let mut own_ids;
        let ids: &mut Rng = if plan.later {
            own_ids = Rng::derive(seed, 0x1D5_0000 + plan.stream);
            &mut own_ids
        } else {
            &mut ids
        };
        let spec = spec_for(plan.story, plan.kind, base_rate, &mut r);
        let (owner_id, owner_name) = if plan.own {
            (user.id.clone(), USERNAME.to_string())
        } else {
            (apify_user_id.clone(), "apify".to_string())
        };
        let actor_id = ids.apify_id();

        // Builds, newest first, then reversed.
        let n_builds = match plan.story {
            Story::StaleMonitor => 2,
            Story::Public => 1,
            Story::RegressedCrawler | Story::FieldDrift => opts.builds.max(2),
            _ => opts.builds.max(1),
        } as usize;
        let newest_age = match plan.story {
            Story::RegressedCrawler | Story::FieldDrift => 5 * DAY + r.range_u64(0, 6 * HOUR),
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
            Story::FieldDrift => (6, (12u64.saturating_sub(n_builds as u64)).max(1)),
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
        let src = source_of(plan);
        let nth = |m: usize, r: usize| plan.ordinary.is_some_and(|i| i % m == r);

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
            schedules.push(Schedule {
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
        let mut actor = Actor {
            id: actor_id.clone(),
            user_id: owner_id.clone(),
            username: owner_name.clone(),
            name: plan.name.clone(),
            description: description(
                plan.story,
                plan.kind,
                &title,
                builds.last().map_or("", |b| b.number.as_str()),
            ),
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
            input: Bytes::from(example.clone()),
            example_input: example,
            schedule_id: schedule_id.clone(),
            builds: Vec::new(),
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

        // Run times: a scheduler cadence with jitter, plus ad-hoc runs.
        let mut times: Vec<(u64, u64, Origin)> = Vec::new(); // (start, scheduled, origin)
        if has_runs {
            let mut t = window_start as f64 + r.f64() * interval_ms as f64;
            while (t as u64) < now {
                let scheduled = t as u64;
                let origin = if plan.own {
                    r.weighted_copy(ORIGINS)
                } else {
                    r.weighted_copy(&[(Origin::Api, 0.7), (Origin::Web, 0.3)])
                };
                let start = if origin == Origin::Scheduler {
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
                times.push((start, start, Origin::Scheduler));
            }
            times.sort_by_key(|&(start, scheduled, _)| (start, scheduled));
        }

        // runaway-run's hung run: started 9 h 12 min before "now", still RUNNING.
        let hung_start = (plan.story == Story::RunawayRun && has_runs)
            .then(|| now.saturating_sub(stories::RUNAWAY_RUNNING_MS));
        if let Some(h) = hung_start {
            times.push((h, h, Origin::Api));
            times.sort_by_key(|&(start, scheduled, _)| (start, scheduled));
        }

        let newest_build = builds.len() - 1;
        let mut last_scheduled: Option<u64> = None;
        let first = all.len();
        // (which of this Actor's runs, in the order generated; what it wrote as SIGNALS)
        let mut wrote: Vec<(usize, Record)> = Vec::new();
        for (start, scheduled, origin) in times {
            let Some(build) = builds.iter().rposition(|b| b.finished_at() <= start) else {
                continue;
            };
            let ctx = RunCtx {
                on_newest_build: build == newest_build,
                age_ms: now.saturating_sub(start),
                timeout_secs: spec.timeout_secs,
                memory_mb: spec.memory_mb,
                max_items: None,
            };
            let mut o = outcome(&spec, ctx, &mut r);
            let hung = hung_start == Some(start);
            if hung {
                // It would end after a day and a half, if nobody aborts it.
                o.duration_ms = 36 * HOUR;
                o.status = Status::Succeeded;
                o.message = Message::Finished;
            }
            let finished = start + o.duration_ms;
            if finished + MIN > now && !hung {
                continue;
            }
            let client_octet = match origin {
                Origin::Api | Origin::Web => r.range_u64(2, 250) as u8,
                _ => 0,
            };
            if origin == Origin::Scheduler {
                last_scheduled = Some(scheduled);
            }
            if spec.emits_signals() {
                wrote.push((all.len() - first, signals(&mut r, &o, o.items())));
            }
            actor.total_runs += 1;
            actor.last_run_started_at = Some(actor.last_run_started_at.unwrap_or(0).max(start));
            if start + 30 * DAY >= now {
                let slot = match o.status {
                    Status::Aborted => 0,
                    Status::Failed => 1,
                    Status::Succeeded => 2,
                    _ => 3,
                };
                actor.runs_30d[slot] += 1;
                actor.runs_30d[4] += 1;
            }
            all.push(Run {
                started_at: start,
                outcome: o,
                actor: index as u32,
                build: build as u32,
                memory_mb: spec.memory_mb,
                timeout_secs: spec.timeout_secs,
                schedule_delay_ms: if origin == Origin::Scheduler {
                    (start - scheduled) as u32
                } else {
                    0
                },
                origin,
                client_octet,
            });
        }
        if let (Some(sid), Some(last)) = (&schedule_id, last_scheduled) {
            if let Some(s) = schedules.iter_mut().find(|s| &s.id == sid) {
                s.last_run_at = Some(last);
                s.next_run_at = s.is_enabled.then_some(last + interval_ms);
            }
        }
        // Ad-hoc runs start off the schedule's beat: oldest first, as every list has them
        // (a stable order, and the SIGNALS records follow their runs).
        let segment = &mut all[first..];
        let mut by_start: Vec<u32> = (0..segment.len() as u32).collect();
        by_start.sort_by_key(|&i| segment[i as usize].started_at);
        let mut moved_to = vec![0usize; by_start.len()];
        for (to, &from) in by_start.iter().enumerate() {
            moved_to[from as usize] = to;
        }
        permute(segment, by_start);
        for (j, record) in wrote {
            written.insert(first + moved_to[j], record);
        }
        made.push(Made {
            actor,
            builds,
            first,
            end: all.len(),
        });
    }

    let fleet: Vec<(&Actor, &[Run])> = made
        .iter()
        .map(|m| (&m.actor, &all[m.first..m.end]))
        .collect();
    let snapshots = trends::trend_snapshots(&fleet, now);

    // The account's order: Actors by creation, builds and runs by start.
    let mut by_creation: Vec<usize> = (0..made.len()).collect();
    by_creation.sort_by(|&a, &b| {
        let (a, b) = (&made[a].actor, &made[b].actor);
        (a.created_at, &a.id).cmp(&(b.created_at, &b.id))
    });
    let mut actor_rank = vec![0u32; made.len()];
    for (rank, &plan) in by_creation.iter().enumerate() {
        actor_rank[plan] = rank as u32;
    }
    let mut builds: Vec<(usize, usize, Build)> = Vec::new(); // (plan, its k-th build, build)
    for (plan, m) in made.iter_mut().enumerate() {
        builds.extend(m.builds.drain(..).enumerate().map(|(k, b)| (plan, k, b)));
    }
    builds.sort_by(|x, y| (x.2.started_at, &x.2.id).cmp(&(y.2.started_at, &y.2.id)));
    let mut global: Vec<Vec<u32>> = made.iter().map(|_| Vec::new()).collect();
    for (i, (plan, k, _)) in builds.iter().enumerate() {
        let slots = &mut global[*plan];
        if slots.len() <= *k {
            slots.resize(*k + 1, 0);
        }
        slots[*k] = i as u32;
    }
    let builds: Vec<Build> = builds.into_iter().map(|(_, _, b)| b).collect();
    let per_actor: Vec<usize> = by_creation
        .iter()
        .map(|&p| made[p].end - made[p].first)
        .collect();
    for run in &mut all {
        run.build = global[run.actor as usize][run.build as usize];
        run.actor = actor_rank[run.actor as usize];
    }
    // Runs by start; at the same millisecond, by position (the plan's order): a permutation,
    // applied in place, so the account's runs are never held twice. A run's place in this order
    // is its number (what its ids derive from).
    let mut order: Vec<u32> = (0..all.len() as u32).collect();
    order.sort_unstable_by_key(|&i| (all[i as usize].started_at, i));
    let mut number = vec![0u32; all.len()];
    for (n, &i) in order.iter().enumerate() {
        number[i as usize] = n as u32;
    }
    permute(&mut all, order);
    let written: HashMap<u32, Record> = written
        .into_iter()
        .map(|(i, record)| (number[i], record))
        .collect();
    drop(number);

    // Retention, in place: runs older than the cutoff go, except each Actor's most recent.
    let cutoff = now.saturating_sub(opts.retention_days as u64 * DAY);
    let generated = all.len() as u32;
    let recent_from = all.partition_point(|r| r.started_at < cutoff) as u32;
    let mut seen = vec![0usize; per_actor.len()];
    let mut kept = Vec::new();
    for n in 0..recent_from {
        let a = all[n as usize].actor as usize;
        seen[a] += 1;
        if seen[a] + KEPT_PAST_RETENTION > per_actor[a] {
            all[kept.len()] = all[n as usize];
            kept.push(n);
        }
    }
    let numbers = RunNumbers {
        kept,
        recent_from,
        generated,
    };
    all.copy_within(recent_from as usize.., numbers.kept.len());
    all.truncate(numbers.stored() as usize);
    all.shrink_to_fit();

    let mut made: Vec<Option<Made>> = made.into_iter().map(Some).collect();
    let mut actors: Vec<Actor> = Vec::with_capacity(made.len());
    for &plan in &by_creation {
        if let Some(mut m) = made[plan].take() {
            m.actor.builds = std::mem::take(&mut global[plan]);
            m.actor
                .builds
                .sort_by_key(|&b| builds[b as usize].started_at);
            actors.push(m.actor);
        }
    }
    let runs = all;
    let mut run_stores = HashMap::new();
    for (n, record) in written {
        let Some(pos) = numbers.position(n, runs.len() as u32) else {
            continue; // gone with its run
        };
        let run = &runs[pos as usize];
        let mut kv = storages::run_store(seed, &user, &actors[run.actor as usize], n, run);
        kv.records.insert("SIGNALS".to_string(), record);
        run_stores.insert(pos, kv);
    }

    let named = storages::named_storages(&user, &mut ids, now);
    let hooked = integrations::webhooks_and_tasks(&actors, &user.id, &mut ids, now);
    let mut g = Generated {
        user,
        actors,
        builds,
        runs,
        numbers,
        datasets: named.datasets,
        stores: named.stores,
        queues: named.queues,
        run_stores,
        webhooks: hooked.webhooks,
        schedules,
        tasks: hooked.tasks,
    };
    g.datasets
        .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    g.queues
        .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    g.schedules
        .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
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

/// Reorders `items` so that `items[k]` is what was at `from[k]` (`from` is a permutation).
fn permute<T: Copy>(items: &mut [T], mut from: Vec<u32>) {
    for start in 0..items.len() {
        if from[start] as usize == start {
            continue;
        }
        // Follow the cycle through `start`, marking each slot done as it is filled.
        let first = items[start];
        let mut at = start;
        loop {
            let next = from[at] as usize;
            from[at] = at as u32;
            if next == start {
                items[at] = first;
                break;
            }
            items[at] = items[next];
            at = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutes_in_place() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e'];
        permute(&mut v, vec![3, 0, 4, 1, 2]);
        assert_eq!(v, ['d', 'a', 'e', 'b', 'c']);
    }

    #[test]
    fn titles() {
        assert_eq!(title_of("empty-success-api"), "Empty Success API");
        assert_eq!(title_of("seo-audit"), "SEO Audit");
    }
}
