//! The live account: everything the API answers, in one [`State`] behind the [`crate::Sim`]
//! mutex, with its clock and the randomness for what is created after start.
//!
//! Objects keep only what the generator or a request decided; run progress and costs are
//! derived on read, so no background task is needed for a run to advance: a started run's
//! status is computed from the clock whenever it is looked at ([`State::run_status`]), and
//! [`State::advance`] settles the side effects of runs that have finished (dataset items,
//! `OUTPUT` and `SIGNALS` records). How objects render as JSON lives with each resource in
//! `crate::api`; the simulator's own bookkeeping (request log, faults, rate limits) lives in
//! `crate::Sim`.

use crate::entities::{
    Actor, ActorSpec, Build, Dataset, KvStore, Live, Phase, Record, RequestQueue, Run, Schedule,
    Task, User, Webhook,
};
use crate::fleet::{self, stories};
use crate::options::SimOptions;
use crate::rng::{hash_str, Rng};
use crate::time::iso;
use crate::usage::Usage;
use serde_json::json;
use std::time::Instant;

/// The whole simulated account.
#[derive(Debug)]
pub struct State {
    pub opts: SimOptions,
    /// When the simulator was created (for live runs and the clock).
    pub epoch: Instant,
    /// Unix ms of "now" at `epoch`.
    pub anchor_ms: u64,
    pub user: User,
    pub actors: Vec<Actor>,
    pub builds: Vec<Build>,
    /// Ordered by `started_at`.
    pub runs: Vec<Run>,
    pub datasets: Vec<Dataset>,
    pub stores: Vec<KvStore>,
    pub queues: Vec<RequestQueue>,
    pub webhooks: Vec<Webhook>,
    pub schedules: Vec<Schedule>,
    pub tasks: Vec<Task>,
    /// Randomness for things created after start (ids, outcomes of new runs).
    pub rng: Rng,
}

/// A run as of now (see [`State::run_status`]).
#[derive(Debug, Clone, Copy)]
pub struct RunNow {
    pub phase: Phase,
    pub status: &'static str,
    pub elapsed_ms: u64,
    pub frac: f64,
    pub finished_at: Option<u64>,
    pub usage: Usage,
}

impl State {
    /// Generates the account as of `anchor_ms` (unix ms); its clock starts now.
    pub fn new(opts: SimOptions, anchor_ms: u64) -> State {
        let g = fleet::generate(&opts, anchor_ms);
        State {
            epoch: Instant::now(),
            anchor_ms,
            user: g.user,
            actors: g.actors,
            builds: g.builds,
            runs: g.runs,
            datasets: g.datasets,
            stores: g.stores,
            queues: g.queues,
            webhooks: g.webhooks,
            schedules: g.schedules,
            tasks: g.tasks,
            rng: Rng::derive(opts.seed, 0x11FE),
            opts,
        }
    }

    /// The simulator's clock, unix ms.
    pub fn now_ms(&self) -> u64 {
        self.anchor_ms + self.epoch.elapsed().as_millis() as u64
    }

    pub fn new_id(&mut self) -> String {
        self.rng.apify_id()
    }

    pub fn phase(&self, run: &Run) -> Phase {
        let Some(live) = &run.live else {
            return Phase::Done;
        };
        if let Some(after_ms) = live.aborted_after_ms {
            return Phase::Aborted { after_ms };
        }
        let elapsed_ms = self.live_elapsed_ms(live);
        if elapsed_ms >= run.outcome.duration_ms {
            Phase::Done
        } else if elapsed_ms < 1000 {
            Phase::Ready
        } else {
            Phase::Running { elapsed_ms }
        }
    }

    pub fn live_elapsed_ms(&self, live: &Live) -> u64 {
        let real = live.started.elapsed().as_secs_f64();
        live.base_elapsed_ms + (real * self.opts.run_speed.max(0.0) * 1000.0) as u64
    }

    /// Settles the side effects of live runs that have finished since the last look: the
    /// dataset's item count, the `OUTPUT` record and (for signal-emitter) `SIGNALS`. Runs still
    /// in progress are left alone, so this stays cheap however many runs are live.
    pub fn advance(&mut self) {
        let mut finished: Vec<(usize, Phase)> = Vec::new();
        for (i, run) in self.runs.iter().enumerate() {
            if let Some(live) = &run.live {
                if !live.settled {
                    let phase = self.phase(run);
                    if phase.is_terminal() {
                        finished.push((i, phase));
                    }
                }
            }
        }
        for (i, phase) in finished {
            let run = self.runs[i].clone();
            let after = match phase {
                Phase::Aborted { after_ms } => after_ms,
                _ => run.outcome.duration_ms,
            };
            let frac = (after as f64 / run.outcome.duration_ms.max(1) as f64).min(1.0);
            let items = (run.outcome.items as f64 * frac).round() as u64;
            let finished_at = run.started_at + after;
            if let Some(ds) = self.datasets.iter_mut().find(|d| d.id == run.dataset_id) {
                ds.synthetic_items = items;
                ds.modified_at = finished_at;
            }
            let spec = self
                .actors
                .iter()
                .find(|a| a.id == run.act_id)
                .map(|a| a.spec.clone());
            if let Some(kv) = self.stores.iter_mut().find(|s| s.id == run.kv_id) {
                let status = if matches!(phase, Phase::Done) {
                    run.outcome.status
                } else {
                    "ABORTED"
                };
                let output = json!({
                    "status": status,
                    "itemCount": items,
                    "finishedAt": iso(finished_at),
                });
                kv.records.insert(
                    "OUTPUT".into(),
                    Record {
                        content_type: "application/json; charset=utf-8".into(),
                        value: serde_json::to_vec_pretty(&output)
                            .unwrap_or_default()
                            .into(),
                    },
                );
                if spec.as_ref().is_some_and(ActorSpec::emits_signals) {
                    let mut r = Rng::derive(self.opts.seed, hash_str(&run.id));
                    kv.records.insert(
                        "SIGNALS".into(),
                        stories::signals(&mut r, &run.outcome, items),
                    );
                }
                kv.modified_at = finished_at;
            }
            if let Some(live) = self.runs[i].live.as_mut() {
                live.settled = true;
            }
        }
    }

    pub fn latest_build(&self, act_id: &str) -> Option<&Build> {
        self.builds
            .iter()
            .filter(|b| b.act_id == act_id)
            .max_by_key(|b| (b.started_at, b.number_int))
    }

    pub fn actor_of(&self, act_id: &str) -> Option<&Actor> {
        self.actors.iter().find(|a| a.id == act_id)
    }

    /// Status, timing and usage of a run as of now.
    pub fn run_status(&self, run: &Run) -> RunNow {
        let phase = self.phase(run);
        let o = &run.outcome;
        let (status, elapsed, frac, finished) = match phase {
            Phase::Ready => ("READY", 0, 0.0, None),
            Phase::Running { elapsed_ms } => (
                "RUNNING",
                elapsed_ms,
                elapsed_ms as f64 / o.duration_ms.max(1) as f64,
                None,
            ),
            Phase::Done => (
                o.status,
                o.duration_ms,
                1.0,
                Some(run.started_at + o.duration_ms),
            ),
            Phase::Aborted { after_ms } => (
                "ABORTED",
                after_ms,
                (after_ms as f64 / o.duration_ms.max(1) as f64).min(1.0),
                Some(run.started_at + after_ms),
            ),
        };
        let usage = Usage::of(o, run.memory_mb, elapsed, frac);
        RunNow {
            phase,
            status,
            elapsed_ms: elapsed,
            frac,
            finished_at: finished,
            usage,
        }
    }
}
