//! One Actor's figures over a window — every number the dashboard shows about it, before any
//! judgement: runs by status, rates, p50/p95/max, cost and cost per 1,000 results, memory
//! efficiency and the memory suggestion, empty results, builds and the release check,
//! staleness and the daily series. The health score ([`crate::health`]) and the plan
//! ([`crate::plan`]) are computed *from* these figures; [`crate::report`] puts the three
//! together.
//!
//! The pass touches each run once (window test, status count, daily bucket, cost, duration,
//! build tally, and the change-detection periods, which end with the window but have fixed
//! lengths: a run outside a 7-day window can still be in the cost spike's baseline and the
//! release check); the sparse samples (run details, item counts) get a second, tiny pass. The
//! only sort is of the window's durations, once, in a buffer reused across Actors. See
//! [`crate::metrics`] for the definitions and [`crate::rules`] for every threshold.

use crate::changes::build_changes;
use crate::format::{pct, usd};
use crate::input::{BuildFact, FieldSample, PreparedActor, RunFact};
use crate::metrics::{
    ratio, BuildRef, BuildReport, BuildUsage, CostStats, CostTrend, DayPoint, DurationStats,
    FailingStreak, MemoryStats, MemorySuggestion, OutputStats, ReleaseCheck, Runaway, Staleness,
    StatusCounts,
};
use crate::quality::{field_quality, FieldQuality, MeasuredRun};
use crate::rules::{
    reaches, BYTES_PER_MB, COST_SPIKE_BASELINE_DAYS, COST_SPIKE_RATIO, COST_SPIKE_RECENT_DAYS,
    FAILING_NOW_RUNS, MAX_MEMORY_MB, MEMORY_HEADROOM, MEMORY_MIN_CUT_FACTOR,
    MEMORY_NEAR_LIMIT_SHARE, MIN_COST_SPIKE_RUNS, MIN_MEMORY_MB, MIN_MEMORY_SAMPLES,
    REGRESSION_MIN_DELTA, REGRESSION_MIN_RATIO, REGRESSION_MIN_RUNS, RUNAWAY_MIN_FINISHED,
    RUNAWAY_MIN_MS, RUNAWAY_P95_FACTOR, STALE_BUILD_DAYS,
};
use crate::spend::{CostBreakdown, CostByKind, ProjectionAcc, ProjectionPeriods};
use crate::window::Window;
use forge_apify::models::JobStatus;
use forge_apify::time::MS_PER_DAY;
use serde::{Deserialize, Serialize};

/// Every figure of one Actor over a window: an [`ActorReport`](crate::ActorReport) without its
/// health and placement, which are computed from it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorFigures {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub username: String,
    /// The window's length, days.
    pub window_days: u32,
    /// Runs started in the window, by status.
    pub runs: StatusCounts,
    /// SUCCEEDED / finished.
    pub success_rate: Option<f64>,
    /// (FAILED + TIMED-OUT) / finished.
    pub failure_rate: Option<f64>,
    /// ABORTED / finished — counted apart, not a failure.
    pub aborted_rate: Option<f64>,
    pub duration: DurationStats,
    pub cost: CostStats,
    pub memory: MemoryStats,
    pub output: OutputStats,
    pub builds: BuildReport,
    pub staleness: Staleness,
    /// One point per UTC day of the window, zero-filled.
    pub daily: Vec<DayPoint>,
    /// Runs given to the engine whose `startedAt` could not be read.
    pub unreadable_runs: u32,
    /// Failing right now: the newest finished runs before the window's end all failed
    /// ([`FailingStreak`]); the same in every window of at least the streak's length.
    #[serde(default)]
    pub failing: Option<FailingStreak>,
    /// A run still in progress far beyond the Actor's normal duration ([`Runaway`]).
    #[serde(default)]
    pub runaway: Option<Runaway>,
    /// Output quality per field, over the measured runs started in the window.
    #[serde(default)]
    pub fields: FieldQuality,
}

#[derive(Debug, Clone, Copy, Default)]
struct BuildTally {
    runs: u32,
    finished: u32,
    failed: u32,
    first: i64,
    last: i64,
}

impl BuildTally {
    fn add(&mut self, started_ms: i64, status: JobStatus) {
        if self.runs == 0 {
            self.first = started_ms;
            self.last = started_ms;
        } else {
            self.first = self.first.min(started_ms);
            self.last = self.last.max(started_ms);
        }
        self.runs += 1;
        if status.is_terminal() {
            self.finished += 1;
            if matches!(status, JobStatus::Failed | JobStatus::TimedOut) {
                self.failed += 1;
            }
        }
    }
}

/// Buffers reused from one Actor to the next.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub durations: Vec<u64>,
    day_cost_runs: Vec<u32>,
    tallies: Vec<BuildTally>,
    /// Per build over the release check's fixed period.
    release_tallies: Vec<BuildTally>,
    /// Starts of failed runs newer than the newest success seen so far (the failing-streak
    /// candidates; filtered once the newest success is known).
    failures: Vec<i64>,
    /// Per build over the window: cost per 1,000 results.
    results: Vec<ResultTally>,
}

/// Finished runs with both a cost and an item count, their items and their cost.
#[derive(Debug, Clone, Copy, Default)]
struct ResultTally {
    runs: u32,
    items: u64,
    usd: f64,
}

impl ResultTally {
    fn add(&mut self, items: u64, usd: f64) {
        self.runs += 1;
        self.items += items;
        self.usd += usd;
    }

    /// 1000 × cost / items; `None` without items.
    fn per_1000(&self) -> Option<f64> {
        (self.items > 0).then(|| self.usd * 1000.0 / self.items as f64)
    }
}

/// The figures of one Actor over `window`.
pub fn actor_figures(actor: &PreparedActor, window: Window) -> ActorFigures {
    figures_with(actor, window, &mut Scratch::default())
}

/// [`actor_figures`] with reusable buffers; leaves the window's durations sorted in
/// `scratch.durations`.
pub(crate) fn figures_with(a: &PreparedActor, w: Window, s: &mut Scratch) -> ActorFigures {
    // A window read from JSON has not been through `Window::new`: clamp it here too.
    let w = Window::new(w.days, w.end_ms);
    let start = w.start_ms();
    let end = w.end_ms;
    let (baseline_start, recent_start) = w.cost_spike_starts_ms();
    let regression_start = w.regression_start_ms();
    let periods = ProjectionPeriods::ending(end);
    let mut month = ProjectionAcc::new(periods);
    let change_start = baseline_start.min(regression_start).min(periods.first_ms());
    let first_day_ms = w.first_day() * MS_PER_DAY;
    let days = w.day_count();

    let mut daily: Vec<DayPoint> = (0..days)
        .map(|i| DayPoint {
            day_ms: first_day_ms + i as i64 * MS_PER_DAY,
            runs: StatusCounts::default(),
            cost_usd: Some(0.0),
        })
        .collect();
    s.day_cost_runs.clear();
    s.day_cost_runs.resize(days, 0);
    s.durations.clear();
    s.tallies.clear();
    s.tallies.resize(a.builds.len(), BuildTally::default());
    s.release_tallies.clear();
    s.release_tallies
        .resize(a.builds.len(), BuildTally::default());
    s.failures.clear();
    s.results.clear();
    s.results.resize(a.builds.len(), ResultTally::default());
    let mut last_success: Option<i64> = None;
    // The longest-running run still READY or RUNNING (index, start): a runaway candidate.
    let mut oldest_open: Option<(usize, i64)> = None;

    let mut counts = StatusCounts::default();
    let (mut cost_sum, mut cost_runs) = (0.0f64, 0u32);
    let (mut fin_cost_sum, mut fin_cost_runs) = (0.0f64, 0u32);
    let (mut recent_sum, mut recent_n, mut earlier_sum, mut earlier_n) = (0.0f64, 0u32, 0.0, 0);

    for (i, r) in a.runs.iter().enumerate() {
        let t = r.started_ms;
        if t >= end {
            continue;
        }
        // Failing right now and runaway runs: whatever the window, every run before its end
        // counts.
        match r.status {
            JobStatus::Ready | JobStatus::Running if oldest_open.is_none_or(|(_, o)| t < o) => {
                oldest_open = Some((i, t));
            }
            JobStatus::Succeeded => last_success = last_success.max(Some(t)),
            JobStatus::Failed | JobStatus::TimedOut if last_success.is_none_or(|l| t > l) => {
                s.failures.push(t);
            }
            _ => {}
        }
        if t < start.min(change_start) {
            continue;
        }
        // Change detection and the month-end projection, over their fixed periods.
        if t >= change_start {
            month.add(t, r.cost_usd);
            if let (Some(c), true) = (r.cost_usd, r.status.is_terminal()) {
                if t >= recent_start {
                    recent_sum += c;
                    recent_n += 1;
                } else if t >= baseline_start {
                    earlier_sum += c;
                    earlier_n += 1;
                }
            }
            if t >= regression_start {
                if let Some(tally) = s.release_tallies.get_mut(r.build as usize) {
                    tally.add(t, r.status);
                }
            }
        }
        if t < start {
            continue;
        }
        counts.add(r.status);
        let di = ((t - first_day_ms) / MS_PER_DAY) as usize;
        let day = &mut daily[di];
        day.runs.add(r.status);
        let terminal = r.status.is_terminal();
        if let Some(c) = r.cost_usd {
            cost_sum += c;
            cost_runs += 1;
            if let Some(d) = day.cost_usd.as_mut() {
                *d += c;
            }
            s.day_cost_runs[di] += 1;
            if terminal {
                fin_cost_sum += c;
                fin_cost_runs += 1;
            }
        }
        if let Some(d) = r.duration_ms() {
            s.durations.push(d);
        }
        if let Some(tally) = s.tallies.get_mut(r.build as usize) {
            tally.add(t, r.status);
        }
    }
    for (day, &n) in daily.iter_mut().zip(&s.day_cost_runs) {
        if n == 0 && day.runs.total() > 0 {
            day.cost_usd = None;
        }
    }

    forge_apify::sort::sort(&mut s.durations);
    let duration = DurationStats::from_sorted(&s.durations);

    // Samples: memory, output completeness, cost per 1,000 results, cost by kind.
    let mut mem = MemoryAcc::default();
    let (mut out_sampled, mut out_empty) = (0u32, 0u32);
    let mut results = ResultTally::default();
    let (mut by_kind, mut by_kind_runs) = (CostByKind::default(), 0u32);
    for smp in &a.samples {
        let Some(r) = a.runs.get(smp.run as usize) else {
            continue;
        };
        if r.started_ms < start || r.started_ms >= end || !r.status.is_terminal() {
            continue;
        }
        if let (Some(peak), Some(alloc)) = (smp.mem_max_bytes, smp.memory_mbytes.filter(|m| *m > 0))
        {
            mem.add(r.started_ms, peak, alloc);
        }
        if let Some(items) = smp.items {
            if r.status == JobStatus::Succeeded {
                out_sampled += 1;
                if items == 0 {
                    out_empty += 1;
                }
            }
            if let Some(c) = r.cost_usd {
                results.add(items, c);
                if let Some(b) = s.results.get_mut(r.build as usize) {
                    b.add(items, c);
                }
            }
        }
        if let Some(usd) = &smp.usd {
            by_kind.add(usd);
            by_kind_runs += 1;
        }
    }

    let total_usd = (cost_runs > 0).then_some(cost_sum);
    let recent_per_run = (recent_n > 0).then(|| recent_sum / f64::from(recent_n));
    let earlier_per_run = (earlier_n > 0).then(|| earlier_sum / f64::from(earlier_n));
    let cost_ratio = match (recent_per_run, earlier_per_run) {
        (Some(r), Some(e)) if e > 0.0 => Some(r / e),
        _ => None,
    };
    let cost = CostStats {
        total_usd,
        runs_with_cost: cost_runs,
        per_run_usd: (fin_cost_runs > 0).then(|| fin_cost_sum / f64::from(fin_cost_runs)),
        finished_runs_with_cost: fin_cost_runs,
        per_1000_results_usd: results.per_1000(),
        results_runs: results.runs,
        results_items: results.items,
        trend: CostTrend {
            recent_days: COST_SPIKE_RECENT_DAYS,
            baseline_days: COST_SPIKE_BASELINE_DAYS,
            recent_runs: recent_n,
            recent_per_run_usd: recent_per_run,
            earlier_runs: earlier_n,
            earlier_per_run_usd: earlier_per_run,
            ratio: cost_ratio,
            spike: recent_n >= MIN_COST_SPIKE_RUNS
                && earlier_n >= MIN_COST_SPIKE_RUNS
                && cost_ratio.is_some_and(|x| reaches(x, COST_SPIKE_RATIO)),
        },
        by_kind: CostBreakdown::of_sample(&by_kind, by_kind_runs, total_usd),
        month: month.finish(),
    };

    let memory = mem.finish(total_usd);
    let output = OutputStats {
        sampled_succeeded: out_sampled,
        empty_succeeded: out_empty,
        empty_share: ratio(out_empty, out_sampled),
    };
    let builds = build_report(a, w, &s.tallies, &s.release_tallies, &s.results);
    let build_age_days = build_age(a, &builds, end);
    let no_runs = counts.total() == 0;
    let old_build = build_age_days.is_some_and(|d| d > STALE_BUILD_DAYS);
    let staleness = Staleness {
        no_runs_in_window: no_runs,
        old_build,
        build_age_days,
        last_run_ms: a.last_run_ms,
        stale: no_runs || old_build,
    };

    ActorFigures {
        id: a.id.clone(),
        name: a.name.clone(),
        title: a.title.clone(),
        username: a.username.clone(),
        window_days: w.days,
        runs: counts,
        success_rate: counts.success_rate(),
        failure_rate: counts.failure_rate(),
        aborted_rate: counts.aborted_rate(),
        cost,
        memory,
        output,
        builds,
        staleness,
        daily,
        unreadable_runs: a.unreadable_runs,
        failing: failing_streak(&s.failures, last_success),
        runaway: oldest_open.and_then(|(i, t)| runaway(a, i, t, end, &duration)),
        duration,
        fields: field_figures(a, start, end),
    }
}

/// [`field_quality`] over the measured runs started in `[start, end)`: "newest" is the build
/// tagged `latest`, else the build of the newest measured run; each run's item count is its
/// dataset's (a run without one says nothing about shares).
fn field_figures(a: &PreparedActor, start: i64, end: i64) -> FieldQuality {
    let measured: Vec<(&FieldSample, &RunFact)> = a
        .field_samples
        .iter()
        .filter_map(|s| Some((s, a.runs.get(s.run as usize)?)))
        .filter(|(_, r)| r.started_ms >= start && r.started_ms < end)
        .collect();
    if measured.is_empty() {
        return FieldQuality::NotRead;
    }
    let newest = a.latest_build.or_else(|| {
        measured
            .iter()
            .max_by_key(|(_, r)| r.started_ms)
            .map(|(_, r)| r.build)
    });
    let runs: Vec<MeasuredRun<'_>> = measured
        .iter()
        .map(|(s, r)| MeasuredRun {
            on_newest_build: Some(r.build) == newest,
            items: a
                .samples
                .iter()
                .find(|x| x.run == s.run)
                .and_then(|x| x.items)
                .unwrap_or(0),
            measured: &s.measured,
        })
        .collect();
    let label = newest
        .and_then(|b| a.builds.get(b as usize))
        .map(BuildFact::label);
    field_quality(label.as_deref(), &runs)
}

/// Run `i` of `a` (started at `t`, still in progress at `end`) when it has run away: beyond
/// [`RUNAWAY_P95_FACTOR`] × the p95 of `finished` and [`RUNAWAY_MIN_MS`], or past the Actor's
/// default timeout.
fn runaway(
    a: &PreparedActor,
    i: usize,
    t: i64,
    end: i64,
    finished: &DurationStats,
) -> Option<Runaway> {
    let running_ms = u64::try_from(end - t).unwrap_or(0);
    let p95_ms = finished
        .p95_ms
        .filter(|_| finished.runs >= RUNAWAY_MIN_FINISHED);
    let timeout_ms = a
        .default_run_options
        .as_ref()
        .and_then(|o| o.timeout_secs)
        .filter(|s| *s > 0)
        .map(|s| u64::from(s) * 1000);
    let past_timeout = timeout_ms.is_some_and(|to| running_ms > to);
    let beyond_normal = running_ms > RUNAWAY_MIN_MS
        && p95_ms.is_some_and(|p| running_ms as f64 > RUNAWAY_P95_FACTOR * p as f64);
    let r = &a.runs[i];
    (past_timeout || beyond_normal).then(|| Runaway {
        run_id: a.run_ids.get(i).map(|id| id.as_str().to_owned()),
        status: r.status,
        started_ms: t,
        running_ms,
        p95_ms,
        timeout_ms,
        past_timeout,
        cost_so_far_usd: r.cost_usd,
    })
}

#[derive(Default)]
struct MemoryAcc {
    n: u32,
    share_sum: f64,
    share_max: f64,
    peak_max: u64,
    near: u32,
    latest: Option<(i64, u32)>,
}

impl MemoryAcc {
    fn add(&mut self, started_ms: i64, peak_bytes: u64, alloc_mb: u32) {
        let share = peak_bytes as f64 / (f64::from(alloc_mb) * BYTES_PER_MB);
        self.n += 1;
        self.share_sum += share;
        self.share_max = self.share_max.max(share);
        self.peak_max = self.peak_max.max(peak_bytes);
        if share >= MEMORY_NEAR_LIMIT_SHARE {
            self.near += 1;
        }
        if self.latest.is_none_or(|(t, _)| started_ms >= t) {
            self.latest = Some((started_ms, alloc_mb));
        }
    }

    fn finish(self, total_cost: Option<f64>) -> MemoryStats {
        if self.n == 0 {
            return MemoryStats::default();
        }
        let allocated = self.latest.map(|(_, m)| m);
        let peak_mb = self.peak_max as f64 / BYTES_PER_MB;
        let suggestion = allocated
            .filter(|_| self.n >= MIN_MEMORY_SAMPLES && self.near == 0)
            .and_then(|from| memory_suggestion(from, peak_mb, self.n, total_cost));
        MemoryStats {
            sampled_runs: self.n,
            allocated_mb: allocated,
            peak_max_mb: Some(peak_mb),
            peak_share_avg: Some(self.share_sum / f64::from(self.n)),
            peak_share_max: Some(self.share_max),
            near_limit_runs: self.near,
            suggestion,
        }
    }
}

/// The smallest allowed allocation (a power of two, 128..=32768 MB) that keeps
/// [`MEMORY_HEADROOM`] × `peak_mb`; a suggestion only when it is at most half of `from_mb`.
pub fn memory_suggestion(
    from_mb: u32,
    peak_mb: f64,
    samples: u32,
    total_cost: Option<f64>,
) -> Option<MemorySuggestion> {
    let to_mb = allowed_memory_mb(peak_mb * MEMORY_HEADROOM);
    if to_mb.saturating_mul(MEMORY_MIN_CUT_FACTOR) > from_mb {
        return None;
    }
    let how = if to_mb * 2 == from_mb {
        "you could halve memory".to_string()
    } else {
        format!("you could cut memory to 1/{}", from_mb / to_mb.max(1))
    };
    let est_savings_usd = total_cost.map(|c| c * (1.0 - f64::from(to_mb) / f64::from(from_mb)));
    let mut text = format!(
        "{how}: {from_mb} → {to_mb} MB (peak {peak_mb:.0} MB in {samples} sampled runs, {MEMORY_HEADROOM}× headroom kept)"
    );
    if let Some(s) = est_savings_usd.filter(|s| *s > 0.0) {
        text.push_str(&format!(", up to {} less in this window", usd(s)));
    }
    Some(MemorySuggestion {
        from_mb,
        to_mb,
        est_savings_usd,
        text,
    })
}

/// The smallest power of two ≥ `need_mb`, within Apify's 128..=32768 MB.
pub fn allowed_memory_mb(need_mb: f64) -> u32 {
    let mut mb = MIN_MEMORY_MB;
    while f64::from(mb) < need_mb && mb < MAX_MEMORY_MB {
        mb *= 2;
    }
    mb
}

/// Order of builds: by parsed build number, then by when they started (or first ran).
type BuildKey = crate::input::BuildOrder;

fn build_key(b: &BuildFact, first_run: i64) -> BuildKey {
    b.order_key(first_run)
}

/// A build's row: its tally, and its cost per 1,000 results where `results` are known (the
/// window's builds table, not the release check's period).
fn usage(b: &BuildFact, t: &BuildTally, results: Option<&ResultTally>) -> BuildUsage {
    BuildUsage {
        id: b.id.clone(),
        number: b.number.clone(),
        runs: t.runs,
        finished: t.finished,
        failed: t.failed,
        failure_rate: ratio(t.failed, t.finished),
        first_run_ms: t.first,
        last_run_ms: t.last,
        built_ms: b.finished_ms.or(b.started_ms),
        per_1000_results_usd: results.and_then(ResultTally::per_1000),
        results_runs: results.map_or(0, |r| r.runs),
    }
}

/// `tallies` are the window's (the builds table); `release_tallies` the release check's fixed
/// period's.
fn build_report(
    a: &PreparedActor,
    w: Window,
    tallies: &[BuildTally],
    release_tallies: &[BuildTally],
    results: &[ResultTally],
) -> BuildReport {
    let end = w.end_ms;
    let in_use = a
        .latest_build
        .and_then(|i| a.builds.get(i as usize))
        .map(|b| BuildRef {
            id: b.id.clone(),
            number: b.number.clone(),
            finished_ms: b.finished_ms,
            age_days: b.finished_ms.or(b.started_ms).map(|t| age_days(t, end)),
        });
    let builds_in_window = a
        .builds
        .iter()
        .filter(|b| b.listed && b.started_ms.is_some_and(|t| w.contains(t)))
        .count() as u32;

    let used: Vec<BuildUsage> = newest_first(a, tallies, end)
        .iter()
        .filter(|i| tallies[**i].runs > 0)
        .map(|i| usage(&a.builds[*i], &tallies[*i], results.get(*i)))
        .collect();

    // Over the fixed period: the newest build against the next older one that has runs.
    let order = newest_first(a, release_tallies, end);
    let release = order.split_first().and_then(|(newest, rest)| {
        let previous = rest.iter().find(|i| release_tallies[**i].runs > 0)?;
        let n = usage(&a.builds[*newest], &release_tallies[*newest], None);
        let p = usage(&a.builds[*previous], &release_tallies[*previous], None);
        let mut check = release_check(n, p);
        let (nb, pb) = (&a.builds[*newest], &a.builds[*previous]);
        if let (Some(after), Some(before)) = (&nb.definition, &pb.definition) {
            let changes = build_changes(&pb.label(), before, &nb.label(), after);
            if let Some(headline) = changes.headline() {
                check.note = format!("{} — {} {headline}", check.note, nb.label());
            }
            check.changes = Some(changes);
        }
        Some(check)
    });
    BuildReport {
        in_use,
        builds_in_window,
        used,
        release,
    }
}

/// The builds `release` compares whose details `a` has not read yet (ids): what to ask for so
/// that the check can say what changed between them.
pub fn builds_to_describe(a: &PreparedActor, release: Option<&ReleaseCheck>) -> Vec<String> {
    let Some(r) = release else {
        return Vec::new();
    };
    [&r.newest.id, &r.previous.id]
        .into_iter()
        .flatten()
        .filter(|id| {
            a.builds
                .iter()
                .any(|b| b.id.as_ref() == Some(*id) && b.definition.is_none())
        })
        .cloned()
        .collect()
}

/// The failures after the newest success (`candidates` are the failures the main pass saw
/// after the newest success *so far*; the runs come in any order), when there are at least
/// [`FAILING_NOW_RUNS`].
fn failing_streak(candidates: &[i64], last_success: Option<i64>) -> Option<FailingStreak> {
    let after = candidates
        .iter()
        .filter(|t| last_success.is_none_or(|l| **t > l));
    let (runs, since_ms) = after.fold((0u32, i64::MAX), |(n, since), t| (n + 1, since.min(*t)));
    (runs >= FAILING_NOW_RUNS).then_some(FailingStreak { runs, since_ms })
}

/// Indexes of the builds with runs in `tallies`, plus the build in use even without runs:
/// newest first.
fn newest_first(a: &PreparedActor, tallies: &[BuildTally], end: i64) -> Vec<usize> {
    let mut order: Vec<(usize, BuildKey)> = tallies
        .iter()
        .enumerate()
        .filter(|(i, t)| t.runs > 0 || a.latest_build == Some(*i as u32))
        .map(|(i, t)| {
            (
                i,
                build_key(&a.builds[i], if t.runs > 0 { t.first } else { end }),
            )
        })
        .collect();
    forge_apify::sort::sort_by(&mut order, |x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    order.into_iter().map(|(i, _)| i).collect()
}

/// The regression rule: both builds have ≥ [`REGRESSION_MIN_RUNS`] finished runs, and the
/// newest build's failure rate is ≥ [`REGRESSION_MIN_DELTA`] above **and** ≥
/// [`REGRESSION_MIN_RATIO`] × the previous build's.
pub fn release_check(newest: BuildUsage, previous: BuildUsage) -> ReleaseCheck {
    let label = |b: &BuildUsage| {
        b.number
            .clone()
            .or_else(|| b.id.clone())
            .unwrap_or_else(|| "?".into())
    };
    let (nl, pl) = (label(&newest), label(&previous));
    let (regression, note) = match (newest.failure_rate, previous.failure_rate) {
        _ if newest.finished < REGRESSION_MIN_RUNS => (
            false,
            format!(
                "too early to compare: {} finished runs on {nl} (needs {REGRESSION_MIN_RUNS})",
                newest.finished
            ),
        ),
        _ if previous.finished < REGRESSION_MIN_RUNS => (
            false,
            format!(
                "too few runs to compare: {} finished runs on {pl} (needs {REGRESSION_MIN_RUNS})",
                previous.finished
            ),
        ),
        (Some(n), Some(p)) => {
            // Inclusive thresholds, with room for floating-point error (15 % − 30 % is exactly +15).
            let flagged =
                reaches(n - p, REGRESSION_MIN_DELTA) && reaches(n, REGRESSION_MIN_RATIO * p);
            let verb = if flagged {
                "regression"
            } else if n > p {
                "slightly worse, within tolerance"
            } else {
                "no regression"
            };
            (
                flagged,
                format!(
                    "{verb}: {} of runs fail on {nl} vs {} on {pl}",
                    pct(n),
                    pct(p)
                ),
            )
        }
        _ => (false, "no finished runs to compare".to_string()),
    };
    ReleaseCheck {
        newest,
        previous,
        regression,
        note,
        changes: None,
    }
}

fn age_days(t: i64, end: i64) -> u32 {
    u32::try_from((end - t).max(0) / MS_PER_DAY).unwrap_or(u32::MAX)
}

/// Age of the build in use; without a `latest` tag, of the newest listed build.
fn build_age(a: &PreparedActor, b: &BuildReport, end: i64) -> Option<u32> {
    if let Some(age) = b.in_use.as_ref().and_then(|r| r.age_days) {
        return Some(age);
    }
    a.builds
        .iter()
        .filter(|b| b.listed)
        .filter_map(|b| b.finished_ms.or(b.started_ms))
        .max()
        .map(|t| age_days(t, end))
}

#[cfg(test)]
mod tests;
