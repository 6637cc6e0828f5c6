//! A synthetic fleet of any size, for benchmarks — natively and in the browser.
//!
//! The engine's budget is "1,000 Actors and 1,000,000 runs in under a second in WebAssembly".
//! To measure that the same way in `cargo bench` and in headless Chromium, the workload must be
//! produced by the same code on both sides, with no simulator, no I/O and no dependency: a
//! xorshift generator and the forge-apify models, filled the way the loader fills them (runs in
//! the window, a few builds, enrichment for the last ten finished runs). Same arguments → the
//! same fleet, byte for byte.

use crate::input::ActorInput;
use forge_apify::models::{
    Actor, ActorStats, BuildShort, DefaultRunOptions, JobStatus, Run, RunMeta, RunOptions,
    RunShort, RunStats, TaggedBuild,
};
use forge_apify::time::{format_iso_millis, MS_PER_DAY, MS_PER_SEC};
use std::collections::BTreeMap;

/// "Now" of every synthetic fleet: 2026-11-30T00:00:00.000Z.
pub const SYNTHETIC_NOW_MS: i64 = 1_795_996_800_000;
/// Days of runs a synthetic fleet holds (ending at [`SYNTHETIC_NOW_MS`]).
pub const SYNTHETIC_DAYS: u32 = 30;
/// Finished runs per Actor that get enrichment (run detail + item count).
pub const SYNTHETIC_ENRICHED_RUNS: usize = 10;

/// A generated fleet and the "now" to report it at.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticFleet {
    pub now_ms: i64,
    pub actors: Vec<ActorInput>,
}

/// Tiny xorshift64* generator (deterministic, no dependency).
#[derive(Debug, Clone)]
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        // Never zero; spread small seeds.
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// `actors` Actors with `runs_per_actor` runs each over the last 30 days before
/// [`SYNTHETIC_NOW_MS`], deterministic in `seed`.
///
/// Each Actor has three builds (the newest tagged `latest`), its own failure, timeout and abort
/// rates, a memory allocation and a cost per second; about 5 % of Actors report no cost (to
/// exercise "n/a"), the newest two runs of each Actor are still RUNNING, and the last ten
/// finished runs carry a run detail and an item count.
pub fn synthetic_fleet(actors: usize, runs_per_actor: usize, seed: u64) -> SyntheticFleet {
    let now = SYNTHETIC_NOW_MS;
    let start = now - i64::from(SYNTHETIC_DAYS) * MS_PER_DAY;
    let span = (now - start) as u64;
    let mut out = Vec::with_capacity(actors);
    for a in 0..actors {
        let mut rng = XorShift::new(seed ^ ((a as u64 + 1) << 20));
        let id = format!("act{a:07}");
        let fail = [0.002, 0.01, 0.03, 0.08, 0.2][rng.below(5) as usize];
        let timeout = [0.0, 0.0, 0.01, 0.05][rng.below(4) as usize];
        let memory_mb = [256u32, 512, 1024, 2048, 4096][rng.below(5) as usize];
        let peak_share = 0.2 + 0.7 * rng.f64();
        let median_s = [20.0, 60.0, 300.0, 900.0][rng.below(4) as usize];
        let has_cost = rng.below(20) != 0;
        let usd_per_s = f64::from(memory_mb) / 1024.0 * 0.3 / 3600.0;

        // Builds: 0.1.1 … 0.1.3, ten days apart, the newest five days ago.
        let builds: Vec<BuildShort> = (0..3)
            .map(|k| {
                let started = now - (25 - 10 * k) * MS_PER_DAY;
                BuildShort {
                    id: format!("{id}b{k}"),
                    act_id: Some(id.clone()),
                    status: JobStatus::Succeeded,
                    started_at: Some(format_iso_millis(started)),
                    finished_at: Some(format_iso_millis(started + 120 * MS_PER_SEC)),
                    build_number: Some(format!("0.1.{}", k + 1)),
                    usage_total_usd: Some(0.004),
                }
            })
            .collect();
        let build_start: Vec<i64> = (0..3).map(|k| now - (25 - 10 * k) * MS_PER_DAY).collect();

        let mut runs = Vec::with_capacity(runs_per_actor);
        let mut details = BTreeMap::new();
        let mut items = BTreeMap::new();
        // Evenly spaced starts with jitter, newest first (as `desc=1` returns them).
        let step = span / runs_per_actor.max(1) as u64;
        for j in 0..runs_per_actor {
            let offset = (j as u64) * step + rng.below(step.max(1));
            // The two newest are still in progress: started within the last minute, as runs
            // in progress are (older ones would have run away — see `rules::RUNAWAY_*`).
            let started = if j < 2 {
                now - 1 - (offset % 60_000) as i64
            } else {
                now - 1 - offset.min(span - 1) as i64
            };
            let k = build_start.iter().rposition(|&b| b <= started).unwrap_or(0);
            let roll = rng.f64();
            let status = if j < 2 {
                JobStatus::Running
            } else if roll < fail {
                JobStatus::Failed
            } else if roll < fail + timeout {
                JobStatus::TimedOut
            } else if roll < fail + timeout + 0.003 {
                JobStatus::Aborted
            } else {
                JobStatus::Succeeded
            };
            let dur_ms = (median_s * (0.5 + rng.f64()) * 1000.0) as i64;
            let finished = (status != JobStatus::Running).then(|| started + dur_ms);
            let cost = has_cost.then(|| {
                let secs = (finished.unwrap_or(now).min(now) - started) as f64 / 1000.0;
                (secs * usd_per_s * 1e6).round() / 1e6
            });
            let run_id = format!("{id}r{j:06}");
            let run = RunShort {
                id: run_id.clone(),
                act_id: id.clone(),
                status,
                started_at: format_iso_millis(started),
                finished_at: finished.map(format_iso_millis),
                build_id: Some(format!("{id}b{k}")),
                build_number: Some(format!("0.1.{}", k + 1)),
                meta: Some(RunMeta {
                    origin: Some("SCHEDULER".into()),
                }),
                usage_total_usd: cost,
                default_dataset_id: Some(format!("{id}d{j:06}")),
                default_key_value_store_id: Some(format!("{id}k{j:06}")),
            };
            if status.is_terminal() && details.len() < SYNTHETIC_ENRICHED_RUNS {
                let peak = f64::from(memory_mb) * peak_share * (0.9 + 0.2 * rng.f64());
                details.insert(
                    run_id.clone(),
                    Run {
                        id: run_id.clone(),
                        act_id: id.clone(),
                        status,
                        started_at: run.started_at.clone(),
                        finished_at: run.finished_at.clone(),
                        status_message: None,
                        exit_code: Some(0),
                        build_id: run.build_id.clone(),
                        build_number: run.build_number.clone(),
                        meta: run.meta.clone(),
                        stats: Some(RunStats {
                            duration_millis: Some(dur_ms as u64),
                            run_time_secs: Some(dur_ms as f64 / 1000.0),
                            mem_max_bytes: Some((peak * 1_048_576.0) as u64),
                            mem_avg_bytes: Some(peak * 1_048_576.0 * 0.7),
                            compute_units: None,
                        }),
                        options: Some(RunOptions {
                            memory_mbytes: Some(memory_mb),
                            timeout_secs: Some(3600),
                            build: Some("latest".into()),
                        }),
                        usage_total_usd: cost,
                        // Six decimals, as Apify answers (and as JSON reads back exactly).
                        usage_usd: cost.map(|c| {
                            let r6 = |x: f64| (x * 1e6).round() / 1e6;
                            [
                                ("ACTOR_COMPUTE_UNITS".to_string(), r6(c * 0.9)),
                                ("DATASET_WRITES".to_string(), r6(c * 0.1)),
                            ]
                            .into()
                        }),
                        default_dataset_id: run.default_dataset_id.clone(),
                        default_key_value_store_id: run.default_key_value_store_id.clone(),
                    },
                );
                let n = if status == JobStatus::Succeeded && rng.below(10) != 0 {
                    50 + rng.below(2000)
                } else {
                    0
                };
                items.insert(run_id, n);
            }
            runs.push(run);
        }
        let latest = builds.last().map(|b| TaggedBuild {
            build_id: Some(b.id.clone()),
            build_number: b.build_number.clone(),
            finished_at: b.finished_at.clone(),
        });
        let actor = Actor {
            id: id.clone(),
            name: format!("synthetic-actor-{a}"),
            username: "synthetic".into(),
            user_id: Some("synthUser".into()),
            title: Some(format!("Synthetic Actor {a}")),
            description: None,
            is_public: Some(false),
            is_deprecated: None,
            categories: None,
            created_at: Some(format_iso_millis(start - 60 * MS_PER_DAY)),
            modified_at: builds.last().and_then(|b| b.finished_at.clone()),
            stats: Some(ActorStats {
                total_runs: Some(runs_per_actor as u64),
                total_builds: Some(3),
                last_run_started_at: runs.first().map(|r| r.started_at.clone()),
            }),
            default_run_options: Some(DefaultRunOptions {
                memory_mbytes: Some(memory_mb),
                timeout_secs: Some(3600),
                build: Some("latest".into()),
            }),
            tagged_builds: Some(BTreeMap::from([("latest".to_string(), latest)])),
        };
        out.push(ActorInput {
            actor,
            runs,
            builds,
            run_details: details,
            item_counts: items,
            build_details: Vec::new(),
            field_statistics: BTreeMap::new(),
        });
    }
    SyntheticFleet {
        now_ms: now,
        actors: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::analyze;

    #[test]
    fn deterministic_and_well_formed() {
        assert_eq!(
            format_iso_millis(SYNTHETIC_NOW_MS),
            "2026-11-30T00:00:00.000Z"
        );
        let a = synthetic_fleet(20, 200, 7);
        assert_eq!(a, synthetic_fleet(20, 200, 7));
        assert_ne!(a, synthetic_fleet(20, 200, 8));
        assert_eq!(a.actors.len(), 20);
        assert!(a.actors.iter().all(|x| x.runs.len() == 200));
        let report = analyze(&a.actors, a.now_ms, 30);
        // Every run is in the 30-day window.
        assert_eq!(report.summary.runs.total(), 20 * 200);
        assert_eq!(report.summary.runs.running, 40);
        assert!(report.summary.health.is_some());
        assert_eq!(
            report.plan.iter().map(|b| b.entries.len()).sum::<usize>(),
            20
        );
    }
}
