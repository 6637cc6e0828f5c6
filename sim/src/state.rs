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
//!
//! Sized for a fleet of 1,000 Actors and a million runs: a run is a compact [`Run`] found by its
//! number (its ids derive from it, `crate::ids`), the lists are served from a [`RunIndex`], and a
//! run's default storages exist only as far as something wrote to them
//! ([`crate::entities::RunStorages`]). Actors and builds are found by id through maps.

use crate::entities::{
    Actor, Build, Dataset, KvStore, Live, Phase, Record, RequestQueue, Run, RunStorages, Schedule,
    Status, Task, User, Webhook,
};
use crate::fleet::{self, stories};
use crate::ids::{self, Id, IdKind};
use crate::options::SimOptions;
use crate::rng::{hash_str, Rng};
use crate::run_index::{RunIndex, RunNumbers};
use crate::time::iso;
use crate::usage::Usage;
use serde_json::json;
use std::collections::HashMap;
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
    /// Actor id → index in `actors`.
    pub actor_ids: HashMap<String, u32>,
    /// By `startedAt`.
    pub builds: Vec<Build>,
    /// Build id → index in `builds`.
    pub build_ids: HashMap<String, u32>,
    /// The account's own builds (what `/v2/actor-builds` lists), by `startedAt`.
    pub own_builds: Vec<u32>,
    /// Every run: the generated ones (that retention kept) by `startedAt`, then those started
    /// through the API in the order they were started. Runs are named by their position here.
    pub runs: Vec<Run>,
    /// Generated runs held: the run at position `p ≥ generated` is `live[p - generated]`.
    pub generated: u32,
    pub live: Vec<Live>,
    /// Each run's number (what its ids derive from).
    pub numbers: RunNumbers,
    pub index: RunIndex,
    /// Storages that are not a run's default ones (named ones, ones created through the API).
    pub datasets: Vec<Dataset>,
    pub stores: Vec<KvStore>,
    pub queues: Vec<RequestQueue>,
    /// Runs' default storages, as far as they are not rendered from their run.
    pub run_datasets: RunStorages<Dataset>,
    pub run_stores: RunStorages<KvStore>,
    pub run_queues: RunStorages<RequestQueue>,
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
    pub status: Status,
    pub elapsed_ms: u64,
    pub frac: f64,
    pub finished_at: Option<u64>,
    pub usage: Usage,
}

impl State {
    /// Generates the account as of `anchor_ms` (unix ms); its clock starts now.
    pub fn new(opts: SimOptions, anchor_ms: u64) -> State {
        let g = fleet::generate(&opts, anchor_ms);
        let index = RunIndex::build(&g.runs, g.actors.len());
        let actor_ids = g
            .actors
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), i as u32))
            .collect();
        let build_ids = g
            .builds
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id.clone(), i as u32))
            .collect();
        let own_builds = (0..g.builds.len() as u32)
            .filter(|&i| g.builds[i as usize].user_id == g.user.id)
            .collect();
        State {
            epoch: Instant::now(),
            anchor_ms,
            user: g.user,
            actors: g.actors,
            actor_ids,
            builds: g.builds,
            build_ids,
            own_builds,
            generated: g.runs.len() as u32,
            runs: g.runs,
            live: Vec::new(),
            numbers: g.numbers,
            index,
            datasets: g.datasets,
            stores: g.stores,
            queues: g.queues,
            run_datasets: RunStorages::default(),
            run_stores: RunStorages {
                held: g.run_stores,
                ..RunStorages::default()
            },
            run_queues: RunStorages::default(),
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

    pub fn run(&self, n: u32) -> &Run {
        &self.runs[n as usize]
    }

    /// The id of the run at `pos` (`IdKind::Run`) or of its default storage of a kind.
    pub fn id_of(&self, kind: IdKind, pos: u32) -> Id {
        ids::derived(self.opts.seed, kind, self.numbers.number(pos))
    }

    /// The position of the run `id` names (or whose default storage of `kind` it names), if it
    /// is one of the account's and still there.
    pub fn run_at(&self, id: &str, kind: IdKind) -> Option<u32> {
        match ids::parse(self.opts.seed, id) {
            Some((k, n)) if k == kind => self.numbers.position(n, self.runs.len() as u32),
            _ => None,
        }
    }

    /// What only a run started through the API has.
    pub fn live_of(&self, n: u32) -> Option<&Live> {
        self.live.get(n.checked_sub(self.generated)? as usize)
    }

    pub fn live_mut(&mut self, n: u32) -> Option<&mut Live> {
        let i = n.checked_sub(self.generated)? as usize;
        self.live.get_mut(i)
    }

    /// Adds a run started through the API; returns its position.
    pub fn add_live_run(&mut self, run: Run, live: Live) -> u32 {
        let n = self.runs.len() as u32;
        self.runs.push(run);
        self.live.push(live);
        self.index.insert(&self.runs, n);
        n
    }

    pub fn phase(&self, n: u32) -> Phase {
        let Some(live) = self.live_of(n) else {
            // A generated run is over unless it was made to outlast "now" (runaway-run's).
            let run = self.run(n);
            let ends = run.started_at + run.outcome.duration_ms;
            if ends <= self.anchor_ms {
                return Phase::Done;
            }
            let now = self.now_ms();
            return if ends <= now {
                Phase::Done
            } else {
                Phase::Running {
                    elapsed_ms: now.saturating_sub(run.started_at),
                }
            };
        };
        if let Some(after_ms) = live.aborted_after_ms {
            return Phase::Aborted { after_ms };
        }
        let elapsed_ms = self.live_elapsed_ms(live);
        if elapsed_ms >= self.run(n).outcome.duration_ms {
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
        let mut finished: Vec<(u32, Phase)> = Vec::new();
        for (i, live) in self.live.iter().enumerate() {
            if !live.settled {
                let n = self.generated + i as u32;
                let phase = self.phase(n);
                if phase.is_terminal() {
                    finished.push((n, phase));
                }
            }
        }
        for (n, phase) in finished {
            let run = *self.run(n);
            let after = match phase {
                Phase::Aborted { after_ms } => after_ms,
                _ => run.outcome.duration_ms,
            };
            let frac = (after as f64 / run.outcome.duration_ms.max(1) as f64).min(1.0);
            let items = (run.outcome.items() as f64 * frac).round() as u64;
            let finished_at = run.started_at + after;
            if let Some(ds) = self.run_datasets.held.get_mut(&n) {
                ds.synthetic_items = items;
                ds.modified_at = finished_at;
            }
            let emits_signals = self.actors[run.actor as usize].spec.emits_signals();
            let run_id = self.id_of(IdKind::Run, n);
            let seed = self.opts.seed;
            if let Some(kv) = self.run_stores.held.get_mut(&n) {
                let status = if matches!(phase, Phase::Done) {
                    run.outcome.status
                } else {
                    Status::Aborted
                };
                let output = json!({
                    "status": status.as_str(),
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
                if emits_signals {
                    let mut r = Rng::derive(seed, hash_str(run_id.as_str()));
                    kv.records.insert(
                        "SIGNALS".into(),
                        stories::signals(&mut r, &run.outcome, items),
                    );
                }
                kv.modified_at = finished_at;
            }
            if let Some(live) = self.live_mut(n) {
                live.settled = true;
            }
        }
    }

    /// The newest build of the Actor with index `actor`.
    pub fn latest_build(&self, actor: usize) -> Option<&Build> {
        self.actors[actor]
            .builds
            .iter()
            .map(|&b| &self.builds[b as usize])
            .max_by_key(|b| (b.started_at, b.number_int))
    }

    pub fn actor_index(&self, act_id: &str) -> Option<usize> {
        self.actor_ids.get(act_id).map(|&i| i as usize)
    }

    pub fn actor_of(&self, act_id: &str) -> Option<&Actor> {
        self.actor_index(act_id).map(|i| &self.actors[i])
    }

    /// Run `n`'s status now (cheaper than [`State::run_status`]: no usage).
    pub fn status_now(&self, n: u32) -> Status {
        match self.phase(n) {
            Phase::Ready => Status::Ready,
            Phase::Running { .. } => Status::Running,
            Phase::Done => self.run(n).outcome.status,
            Phase::Aborted { .. } => Status::Aborted,
        }
    }

    /// Status, timing and usage of run `n` as of now.
    pub fn run_status(&self, n: u32) -> RunNow {
        let run = self.run(n);
        let phase = self.phase(n);
        let o = &run.outcome;
        let (status, elapsed, frac, finished) = match phase {
            Phase::Ready => (Status::Ready, 0, 0.0, None),
            Phase::Running { elapsed_ms } => (
                Status::Running,
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
                Status::Aborted,
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
