//! What the engine reads, and its compact prepared form.
//!
//! The loader gathers, per Actor, exactly what Apify answers: the Actor, its runs in the window,
//! its recent builds, and — for a few recent finished runs — the run detail (memory) and the
//! dataset's item count. That is an [`ActorInput`]: plain forge-apify models, serialisable, easy
//! to build in a test from JSON.
//!
//! Models are string-heavy (ids, ISO timestamps), and a million of them would be parsed again
//! for every window the user picks. So the engine first turns each Actor into a
//! [`PreparedActor`]: one pass over the runs that parses every timestamp exactly once, interns
//! build ids into a small table, and folds the sparse enrichment into a short sample list. A
//! prepared run is 48 bytes with no heap; reports for any window are then computed from the
//! prepared form without touching a string.

use crate::quality::Measured;
use crate::spend::CostByKind;
use forge_apify::definition::{BuildDefinition, BuildDetail};
use forge_apify::models::{
    Actor, BuildShort, DatasetStatistics, DefaultRunOptions, JobStatus, Run, RunShort,
};
use forge_apify::time::{parse_iso_millis, IsoParser};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

mod merge;

/// One Actor as the loader fetched it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorInput {
    /// `GET /v2/actors/{id}` (or the list item converted with `Actor::from`).
    pub actor: Actor,
    /// Its runs — normally those started in the window (`startedAfter`), any order.
    #[serde(default)]
    pub runs: Vec<RunShort>,
    /// Its recent builds (`GET /v2/actors/{id}/builds`), any order.
    #[serde(default)]
    pub builds: Vec<BuildShort>,
    /// Enrichment: run id → run detail, for a sample of recent finished runs (memory figures).
    #[serde(default)]
    pub run_details: BTreeMap<String, Run>,
    /// Enrichment: run id → item count of its default dataset (dataset metadata only).
    #[serde(default)]
    pub item_counts: BTreeMap<String, u64>,
    /// Enrichment: details of the builds the release check compares.
    #[serde(default)]
    pub build_details: Vec<BuildDetail>,
    /// Enrichment: run id → its default dataset's statistics (output quality per field).
    #[serde(default)]
    pub field_statistics: BTreeMap<String, DatasetStatistics>,
}

impl ActorInput {
    /// An Actor with no runs, builds or enrichment yet.
    pub fn new(actor: Actor) -> ActorInput {
        ActorInput {
            actor,
            runs: Vec::new(),
            builds: Vec::new(),
            run_details: BTreeMap::new(),
            item_counts: BTreeMap::new(),
            build_details: Vec::new(),
            field_statistics: BTreeMap::new(),
        }
    }
}

/// Index meaning "this run names no build".
pub const NO_BUILD: u32 = u32::MAX;

/// One run, parsed: no strings, no heap. Kept as a JSON array (`[started, finished, cost,
/// build, status]`) in the app's cache, a million of which must read back quickly.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(
    from = "(i64, Option<i64>, Option<f64>, u32, JobStatus)",
    into = "(i64, Option<i64>, Option<f64>, u32, JobStatus)"
)]
pub struct RunFact {
    pub started_ms: i64,
    /// `None` while in progress (or if Apify's value could not be read).
    pub finished_ms: Option<i64>,
    /// `usageTotalUsd`; `None` when Apify did not give it — unknown, not free.
    pub cost_usd: Option<f64>,
    /// Index into [`PreparedActor::builds`], or [`NO_BUILD`].
    pub build: u32,
    pub status: JobStatus,
}

impl From<(i64, Option<i64>, Option<f64>, u32, JobStatus)> for RunFact {
    fn from(
        (started_ms, finished_ms, cost_usd, build, status): (
            i64,
            Option<i64>,
            Option<f64>,
            u32,
            JobStatus,
        ),
    ) -> RunFact {
        RunFact {
            started_ms,
            finished_ms,
            cost_usd,
            build,
            status,
        }
    }
}

impl From<RunFact> for (i64, Option<i64>, Option<f64>, u32, JobStatus) {
    fn from(r: RunFact) -> Self {
        (r.started_ms, r.finished_ms, r.cost_usd, r.build, r.status)
    }
}

impl RunFact {
    /// The fact of one listed run on the build interned as `build`; `None` when its `startedAt`
    /// cannot be read. An unreadable `finishedAt` is an unknown end; a negative or non-finite
    /// `usageTotalUsd` is no cost.
    #[inline]
    pub fn parse(r: &RunShort, build: u32) -> Option<RunFact> {
        RunFact::parse_with(r, build, &mut IsoParser::default())
    }

    /// [`RunFact::parse`] with a parser that remembers the last date (one Actor's runs share
    /// theirs).
    #[inline]
    pub fn parse_with(r: &RunShort, build: u32, iso: &mut IsoParser) -> Option<RunFact> {
        Some(RunFact {
            started_ms: iso.parse(&r.started_at)?,
            finished_ms: r.finished_at.as_deref().and_then(|f| iso.parse(f)),
            cost_usd: r.usage_total_usd.filter(|c| c.is_finite() && *c >= 0.0),
            build,
            status: r.status,
        })
    }

    /// Wall-clock duration of a finished run, ms; `None` for runs in progress or with a
    /// `finishedAt` before `startedAt`.
    #[inline]
    pub fn duration_ms(&self) -> Option<u64> {
        if !self.status.is_terminal() {
            return None;
        }
        let d = self.finished_ms? - self.started_ms;
        u64::try_from(d).ok()
    }
}

/// An Apify id (`HG7ML7M8z78YcAPEB`: 17 characters) held inline — no heap, 24 bytes — so the
/// prepared form can name each of a million runs. Ids of up to 23 bytes fit.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunId {
    len: u8,
    bytes: [u8; 23],
}

impl RunId {
    /// `None` for an empty id or one longer than 23 bytes (Apify's are 17).
    pub fn new(id: &str) -> Option<RunId> {
        let len = id.len();
        if len == 0 || len > 23 {
            return None;
        }
        let mut bytes = [0u8; 23];
        bytes[..len].copy_from_slice(id.as_bytes());
        Some(RunId {
            len: len as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        // Built from a `&str` cut at its own length: always UTF-8.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }
}

impl std::fmt::Debug for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for RunId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RunId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RunId, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        RunId::new(&s).ok_or_else(|| serde::de::Error::custom("not an Apify id"))
    }
}

/// A build the Actor has (from the builds list, the `latest` tag, or named by a run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildFact {
    pub id: Option<String>,
    /// `0.3.12`
    pub number: Option<String>,
    /// `number` parsed as (major, minor, build) — the primary order of builds.
    pub version: Option<(u32, u32, u32)>,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    /// Present in the builds list the loader fetched.
    pub listed: bool,
    /// What the build declares, once its detail was read
    /// ([`PreparedActor::read_build_detail`]): compared between builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<BuildDefinition>,
}

/// How builds are ordered, oldest to newest: by version number, then by when they were built.
pub type BuildOrder = (Option<(u32, u32, u32)>, i64);

impl BuildFact {
    /// This build's place in [`BuildOrder`]; `unbuilt` stands in for an unknown build time
    /// (the first run on it, for a build the list did not include).
    pub fn order_key(&self, unbuilt: i64) -> BuildOrder {
        (
            self.version,
            self.started_ms.or(self.finished_ms).unwrap_or(unbuilt),
        )
    }

    /// Display name: the build number, else the id.
    pub fn label(&self) -> String {
        self.number
            .clone()
            .or_else(|| self.id.clone())
            .unwrap_or_else(|| "unknown build".into())
    }
}

/// Enrichment for one run: dataset item count and/or memory figures and cost by kind from the
/// run detail. Kept as a JSON array (`[run, items, memMaxBytes, memoryMbytes, detail, usd]`)
/// in the app's cache.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "SampleTuple", into = "SampleTuple")]
pub struct Sample {
    /// Index into [`PreparedActor::runs`].
    pub run: u32,
    pub items: Option<u64>,
    /// `stats.memMaxBytes` of the run detail.
    pub mem_max_bytes: Option<u64>,
    /// `options.memoryMbytes` of the run detail.
    pub memory_mbytes: Option<u32>,
    /// The run detail was read (whatever it said): it is not read again.
    pub detail: bool,
    /// `usageUsd` of the run detail, by kind ([`crate::spend`]).
    pub usd: Option<CostByKind>,
}

type SampleTuple = (
    u32,
    Option<u64>,
    Option<u64>,
    Option<u32>,
    bool,
    Option<CostByKind>,
);

impl From<SampleTuple> for Sample {
    fn from((run, items, mem_max_bytes, memory_mbytes, detail, usd): SampleTuple) -> Sample {
        Sample {
            run,
            items,
            mem_max_bytes,
            memory_mbytes,
            detail,
            usd,
        }
    }
}

impl From<Sample> for SampleTuple {
    fn from(s: Sample) -> Self {
        (
            s.run,
            s.items,
            s.mem_max_bytes,
            s.memory_mbytes,
            s.detail,
            s.usd,
        )
    }
}

impl Sample {
    fn empty(run: u32) -> Sample {
        Sample {
            run,
            items: None,
            mem_max_bytes: None,
            memory_mbytes: None,
            detail: false,
            usd: None,
        }
    }

    /// Folds in what a run detail says about memory and cost by kind.
    fn read_detail(&mut self, d: &Run) {
        self.detail = true;
        self.mem_max_bytes = d.stats.as_ref().and_then(|s| s.mem_max_bytes);
        self.memory_mbytes = d.options.as_ref().and_then(|o| o.memory_mbytes);
        self.usd = d.usage_usd.as_ref().map(CostByKind::from_usage_usd);
    }
}

/// An Actor ready for reports over any window — and, with its run ids, the form the app keeps
/// and caches a loaded fleet in: a refresh merges into it ([`PreparedActor::merged`]) and
/// background reads fold into it ([`PreparedActor::read_detail`],
/// [`PreparedActor::read_run_detail`]); nothing is prepared twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreparedActor {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub username: String,
    /// `modifiedAt` as last listed: a refresh reads the detail again when it moves.
    #[serde(default)]
    pub modified_at: Option<String>,
    /// The Actor's detail was read: its defaults and tagged builds are known.
    #[serde(default)]
    pub detail_read: bool,
    /// `defaultRunOptions` of the detail (the Run dialog's defaults; memory for the rules).
    #[serde(default)]
    pub default_run_options: Option<DefaultRunOptions>,
    pub builds: Vec<BuildFact>,
    /// Index into `builds` of the build tagged `latest` (the build in use).
    pub latest_build: Option<u32>,
    pub runs: Vec<RunFact>,
    /// `runs[i]`'s Apify id.
    #[serde(default)]
    pub run_ids: Vec<RunId>,
    pub samples: Vec<Sample>,
    /// The default key-value store of the newest succeeded run (where its `SIGNALS` are).
    #[serde(default)]
    pub signals_store: Option<String>,
    /// Most recent run start known: the newest run given, or `stats.lastRunStartedAt`.
    pub last_run_ms: Option<i64>,
    /// Runs whose `startedAt` (or id) could not be read (left out of every figure).
    pub unreadable_runs: u32,
    /// Dataset statistics read for some of its newest successful runs (output quality per
    /// field, [`crate::quality`]).
    #[serde(default)]
    pub field_samples: Vec<FieldSample>,
}

/// What the statistics of one run's default dataset said. Kept in the app's cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSample {
    /// Index into [`PreparedActor::runs`].
    pub run: u32,
    pub measured: Measured,
}

/// Parses `0.3.12` (also `1.2`, taken as `1.2.0`).
pub fn parse_build_number(s: &str) -> Option<(u32, u32, u32)> {
    let mut parts = s.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let build = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, build))
}

/// The index of the build with `id` (else, for a reference with no id, `number`) in `builds`,
/// added when new. What one reference knows and the entry lacks (an id, a number) is filled in.
/// A linear search: an Actor has tens of builds, and runs come in stretches on one build.
fn intern_build(builds: &mut Vec<BuildFact>, id: Option<&str>, number: Option<&str>) -> u32 {
    let found = match (id, number) {
        (None, None) => return NO_BUILD,
        (Some(id), _) => builds
            .iter()
            .position(|b| b.id.as_deref() == Some(id))
            .or_else(|| {
                // A build first seen by number only (a run that named no id) is this one.
                number.and_then(|n| {
                    builds
                        .iter()
                        .position(|b| b.id.is_none() && b.number.as_deref() == Some(n))
                })
            }),
        (None, Some(n)) => builds.iter().position(|b| b.number.as_deref() == Some(n)),
    };
    let i = match found {
        Some(i) => i,
        None => {
            builds.push(BuildFact {
                id: None,
                number: None,
                version: None,
                started_ms: None,
                finished_ms: None,
                listed: false,
                definition: None,
            });
            builds.len() - 1
        }
    };
    let b = &mut builds[i];
    if b.id.is_none() {
        b.id = id.map(str::to_string);
    }
    if b.number.is_none() {
        b.number = number.map(str::to_string);
        b.version = b.number.as_deref().and_then(parse_build_number);
    }
    i as u32
}

/// An Actor being prepared, one build and one run at a time, in any order: the account-wide
/// loader feeds it page by page, so no Actor's runs are ever held as models.
#[derive(Debug)]
pub struct Preparing {
    actor: PreparedActor,
    iso: IsoParser,
    /// The key and index of the last run's build: runs come in long stretches on one build.
    last_build: Option<(String, u32)>,
    newest_succeeded_ms: Option<i64>,
}

impl Preparing {
    /// `actor` (a list item or its detail) with no runs yet.
    pub fn new(actor: &Actor) -> Preparing {
        let mut p = Preparing {
            actor: PreparedActor {
                id: actor.id.clone(),
                name: actor.name.clone(),
                title: actor.title.clone(),
                username: actor.username.clone(),
                modified_at: None,
                detail_read: false,
                default_run_options: None,
                builds: Vec::new(),
                latest_build: None,
                runs: Vec::new(),
                run_ids: Vec::new(),
                samples: Vec::new(),
                signals_store: None,
                last_run_ms: None,
                unreadable_runs: 0,
                field_samples: Vec::new(),
            },
            iso: IsoParser::default(),
            last_build: None,
            newest_succeeded_ms: None,
        };
        p.actor.read_detail(actor);
        p
    }

    /// A build from the builds list.
    pub fn add_build(&mut self, b: &BuildShort) {
        let builds = &mut self.actor.builds;
        let i = intern_build(builds, Some(&b.id), b.build_number.as_deref()) as usize;
        let fact = &mut builds[i];
        fact.listed = true;
        fact.started_ms = b.started_at.as_deref().and_then(parse_iso_millis);
        fact.finished_ms = b
            .finished_at
            .as_deref()
            .and_then(parse_iso_millis)
            .or(fact.finished_ms);
    }

    /// A listed run. One whose `startedAt` or id cannot be read is counted in
    /// `unreadable_runs` and otherwise left out; an unreadable `finishedAt` makes its duration
    /// unknown.
    pub fn add_run(&mut self, r: &RunShort) {
        let (Some(mut fact), Some(id)) = (
            RunFact::parse_with(r, NO_BUILD, &mut self.iso),
            RunId::new(&r.id),
        ) else {
            self.actor.unreadable_runs += 1;
            return;
        };
        let a = &mut self.actor;
        a.last_run_ms = Some(
            a.last_run_ms
                .map_or(fact.started_ms, |t| t.max(fact.started_ms)),
        );
        let key = r.build_id.as_deref().or(r.build_number.as_deref());
        fact.build = match (key, &self.last_build) {
            (Some(k), Some((lk, li))) if k == lk => *li,
            (Some(k), _) => {
                let i = intern_build(
                    &mut a.builds,
                    r.build_id.as_deref(),
                    r.build_number.as_deref(),
                );
                self.last_build = Some((k.to_string(), i));
                i
            }
            (None, _) => NO_BUILD,
        };
        if r.status == JobStatus::Succeeded
            && self.newest_succeeded_ms.is_none_or(|t| fact.started_ms > t)
        {
            if let Some(store) = &r.default_key_value_store_id {
                self.newest_succeeded_ms = Some(fact.started_ms);
                a.signals_store = Some(store.clone());
            }
        }
        a.runs.push(fact);
        a.run_ids.push(id);
    }

    /// Keeps one of each run listed twice (the later one): lists shift while they are paged.
    pub fn drop_repeated_runs(&mut self) {
        let a = &mut self.actor;
        let mut seen = std::collections::HashSet::with_capacity(a.run_ids.len());
        let mut keep: Vec<bool> = a.run_ids.iter().rev().map(|id| seen.insert(*id)).collect();
        keep.reverse();
        if keep.iter().all(|k| *k) {
            return;
        }
        let mut k = keep.iter();
        a.runs.retain(|_| *k.next().unwrap_or(&true));
        let mut k = keep.iter();
        a.run_ids.retain(|_| *k.next().unwrap_or(&true));
    }

    /// The prepared Actor, with each run's enrichment from `enrichment` (by run id): its
    /// dataset's item count and its run detail.
    pub fn finish<'a>(
        mut self,
        enrichment: impl Fn(&str) -> (Option<u64>, Option<&'a Run>),
    ) -> PreparedActor {
        let a = &mut self.actor;
        for (i, id) in a.run_ids.iter().enumerate() {
            let (items, detail) = enrichment(id.as_str());
            if items.is_none() && detail.is_none() {
                continue;
            }
            let mut s = Sample::empty(i as u32);
            s.items = items;
            if let Some(d) = detail {
                s.read_detail(d);
            }
            a.samples.push(s);
        }
        self.actor
    }
}

impl PreparedActor {
    /// The newest `n` builds the builds list named that have a number, newest first, each with
    /// whether it is tagged `latest` — what a run may be started on.
    pub fn newest_listed_builds(&self, n: usize) -> Vec<(String, bool)> {
        let mut builds: Vec<(usize, &BuildFact)> = self
            .builds
            .iter()
            .enumerate()
            .filter(|(_, b)| b.listed && b.number.is_some())
            .collect();
        forge_apify::sort::sort_by(&mut builds, |x, y| {
            y.1.order_key(0).cmp(&x.1.order_key(0)).then(x.0.cmp(&y.0))
        });
        builds
            .into_iter()
            .take(n)
            .filter_map(|(i, b)| Some((b.number.clone()?, self.latest_build == Some(i as u32))))
            .collect()
    }

    /// Folds in a build's detail: what it declares, on the build with its id. A build the
    /// Actor does not know is ignored (details annotate builds, they do not add them).
    pub fn read_build_detail(&mut self, detail: &BuildDetail) {
        if let Some(b) = self
            .builds
            .iter_mut()
            .find(|b| b.id.as_deref() == Some(detail.id.as_str()))
        {
            b.definition = Some(detail.definition());
        }
    }

    /// Folds in the Actor's detail (or a list item): names, `modifiedAt`, and — when the detail
    /// carries them — its defaults and the build tagged `latest`.
    pub fn read_detail(&mut self, actor: &Actor) {
        self.name = actor.name.clone();
        self.title = actor.title.clone();
        self.username = actor.username.clone();
        self.modified_at = actor.modified_at.clone();
        if let Some(stats_last) = actor
            .stats
            .as_ref()
            .and_then(|s| s.last_run_started_at.as_deref())
            .and_then(parse_iso_millis)
        {
            self.last_run_ms = Some(self.last_run_ms.map_or(stats_last, |t| t.max(stats_last)));
        }
        if actor.tagged_builds.is_none() && actor.default_run_options.is_none() {
            return;
        }
        self.detail_read = true;
        self.default_run_options = actor.default_run_options.clone();
        self.latest_build = actor.latest_build().and_then(|t| {
            let i = intern_build(
                &mut self.builds,
                t.build_id.as_deref(),
                t.build_number.as_deref(),
            );
            let fact = self.builds.get_mut(i as usize)?;
            if fact.finished_ms.is_none() {
                fact.finished_ms = t.finished_at.as_deref().and_then(parse_iso_millis);
            }
            Some(i)
        });
    }

    /// Folds in a run detail (memory figures, cost by kind) for one of its runs; `false` when the run is
    /// not one of them.
    pub fn read_run_detail(&mut self, run: &Run) -> bool {
        let Some(i) = self.run_index(&run.id) else {
            return false;
        };
        match self.samples.iter_mut().find(|s| s.run == i) {
            Some(s) => s.read_detail(run),
            None => {
                let mut s = Sample::empty(i);
                s.read_detail(run);
                self.samples.push(s);
            }
        }
        true
    }

    /// Folds in the statistics of run `run_id`'s default dataset; `false` when the run is
    /// not one of its runs.
    pub fn read_field_statistics(&mut self, run_id: &str, stats: &DatasetStatistics) -> bool {
        let Some(i) = self.run_index(run_id) else {
            return false;
        };
        let measured = Measured::from_statistics(stats);
        match self.field_samples.iter_mut().find(|s| s.run == i) {
            Some(s) => s.measured = measured,
            None => self.field_samples.push(FieldSample { run: i, measured }),
        }
        true
    }

    /// The runs whose dataset statistics output quality per field reads
    /// ([`crate::quality`]): the newest `n` successful runs with items on the newest build
    /// (tagged `latest`, else that of the newest such run) and the newest `n` on the builds
    /// before it — those not read yet, newest first, by id.
    pub fn unread_field_runs(&self, n: usize) -> Vec<RunId> {
        let empty: std::collections::HashSet<u32> = self
            .samples
            .iter()
            .filter(|s| s.items == Some(0))
            .map(|s| s.run)
            .collect();
        let done =
            self.newest_first(|i, r| r.status == JobStatus::Succeeded && !empty.contains(&i));
        let Some(newest) = self
            .latest_build
            .or_else(|| done.first().map(|&(_, i)| self.runs[i as usize].build))
        else {
            return Vec::new();
        };
        let (mut on_newest, mut before) = (0, 0);
        let mut out = Vec::new();
        for (_, i) in done {
            let side = if self.runs[i as usize].build == newest {
                &mut on_newest
            } else {
                &mut before
            };
            if *side >= n {
                if on_newest >= n && before >= n {
                    break;
                }
                continue;
            }
            *side += 1;
            if self.field_samples.iter().all(|s| s.run != i) {
                out.extend(self.run_ids.get(i as usize).copied());
            }
        }
        out
    }

    /// `(started, index)` of the runs `keep` keeps, newest first.
    fn newest_first(&self, keep: impl Fn(u32, &RunFact) -> bool) -> Vec<(i64, u32)> {
        let mut runs: Vec<(i64, u32)> = self
            .runs
            .iter()
            .enumerate()
            .filter(|(i, r)| keep(*i as u32, r))
            .map(|(i, r)| (r.started_ms, i as u32))
            .collect();
        forge_apify::sort::sort_by(&mut runs, |a, b| b.cmp(a));
        runs
    }

    /// The index of the run with Apify id `id` (the last, should it be listed twice).
    fn run_index(&self, id: &str) -> Option<u32> {
        let id = RunId::new(id)?;
        self.run_ids
            .iter()
            .rposition(|r| *r == id)
            .map(|i| i as u32)
    }

    /// The dataset item counts it knows, by run id (the account-wide dataset list gives one
    /// for every run): what a page that read only a few runs' datasets can borrow.
    pub fn item_counts(&self) -> impl Iterator<Item = (&str, u64)> {
        self.samples
            .iter()
            .filter_map(|s| Some((self.run_ids.get(s.run as usize)?.as_str(), s.items?)))
    }

    /// The newest `n` finished runs whose detail has not been read, newest first, by id.
    pub fn unread_finished_runs(&self, n: usize) -> Vec<RunId> {
        let read: std::collections::HashSet<u32> = self
            .samples
            .iter()
            .filter(|s| s.detail)
            .map(|s| s.run)
            .collect();
        let mut done = self.newest_first(|_, r| r.status.is_terminal());
        done.truncate(n);
        done.into_iter()
            .filter(|(_, i)| !read.contains(i))
            .filter_map(|(_, i)| self.run_ids.get(i as usize).copied())
            .collect()
    }
}

/// Turns one Actor's models into its prepared form (one pass over the runs): the builds list,
/// the `latest` tag, then the runs ([`Preparing`]).
///
/// Enrichment entries for runs that are not in `runs` are ignored: enrichment annotates listed
/// runs, it does not add runs.
pub fn prepare(input: &ActorInput) -> PreparedActor {
    let mut p = Preparing::new(&input.actor);
    for b in &input.builds {
        p.add_build(b);
    }
    p.actor.runs.reserve(input.runs.len());
    p.actor.run_ids.reserve(input.runs.len());
    for r in &input.runs {
        p.add_run(r);
    }
    // Enrichment by run id, looked up once per run: a hash map, not the input's two ordered maps
    // (with an item count for every run, those were a fifth of the time).
    let mut enrichment: HashMap<&str, (Option<u64>, Option<&Run>)> =
        HashMap::with_capacity(input.item_counts.len().max(input.run_details.len()));
    for (id, n) in &input.item_counts {
        enrichment.entry(id.as_str()).or_default().0 = Some(*n);
    }
    for (id, d) in &input.run_details {
        enrichment.entry(id.as_str()).or_default().1 = Some(d);
    }
    let mut prepared = p.finish(|id| enrichment.get(id).copied().unwrap_or_default());
    for d in &input.build_details {
        prepared.read_build_detail(d);
    }
    for (run, stats) in &input.field_statistics {
        prepared.read_field_statistics(run, stats);
    }
    prepared
}

/// [`prepare`] for every Actor, in the order given.
pub fn prepare_all<'a>(inputs: impl IntoIterator<Item = &'a ActorInput>) -> Vec<PreparedActor> {
    inputs.into_iter().map(prepare).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::models::{RunOptions, RunStats, TaggedBuild};

    fn actor() -> Actor {
        Actor {
            id: "a1".into(),
            name: "my-actor".into(),
            username: "me".into(),
            user_id: None,
            title: Some("My Actor".into()),
            description: None,
            is_public: None,
            is_deprecated: None,
            categories: None,
            created_at: None,
            modified_at: None,
            stats: None,
            default_run_options: None,
            tagged_builds: Some(BTreeMap::from([(
                "latest".to_string(),
                Some(TaggedBuild {
                    build_id: Some("b2".into()),
                    build_number: Some("0.1.2".into()),
                    finished_at: Some("2026-11-20T00:00:00.000Z".into()),
                }),
            )])),
        }
    }

    fn run(id: &str, build: &str, started: &str) -> RunShort {
        RunShort {
            id: id.into(),
            act_id: "a1".into(),
            status: JobStatus::Succeeded,
            started_at: started.into(),
            finished_at: None,
            build_id: Some(build.into()),
            build_number: None,
            meta: None,
            usage_total_usd: Some(-1.0),
            default_dataset_id: None,
            default_key_value_store_id: None,
        }
    }

    #[test]
    fn prepared_runs_are_small() {
        assert!(std::mem::size_of::<RunFact>() <= 48);
    }

    #[test]
    fn parses_build_numbers() {
        assert_eq!(parse_build_number("0.3.12"), Some((0, 3, 12)));
        assert_eq!(parse_build_number("1.2"), Some((1, 2, 0)));
        assert_eq!(parse_build_number("1.2.3.4"), None);
        assert_eq!(parse_build_number("latest"), None);
    }

    #[test]
    fn interns_builds_and_folds_enrichment() {
        let mut input = ActorInput::new(actor());
        input.runs = vec![
            run("r1", "b1", "2026-11-21T00:00:00.000Z"),
            run("r2", "b2", "2026-11-22T00:00:00.000Z"),
            run("r3", "b2", "not a time"),
            run("r4", "b1", "2026-11-23T00:00:00.000Z"),
        ];
        input.item_counts.insert("r2".into(), 7);
        input.item_counts.insert("elsewhere".into(), 1);
        input.run_details.insert(
            "r4".into(),
            Run {
                stats: Some(RunStats {
                    mem_max_bytes: Some(1 << 20),
                    ..RunStats::default()
                }),
                options: Some(RunOptions {
                    memory_mbytes: Some(256),
                    ..RunOptions::default()
                }),
                ..serde_json::from_str(
                    r#"{"id":"r4","actId":"a1","status":"SUCCEEDED","startedAt":"2026-11-23T00:00:00Z"}"#,
                )
                .unwrap()
            },
        );
        let p = prepare(&input);
        // b2 comes from the tag (index 0), b1 from the first run (index 1).
        assert_eq!(p.latest_build, Some(0));
        assert_eq!(p.builds[0].number.as_deref(), Some("0.1.2"));
        assert_eq!(p.builds[0].version, Some((0, 1, 2)));
        assert_eq!(p.builds.len(), 2);
        assert_eq!(p.runs.len(), 3);
        assert_eq!(p.unreadable_runs, 1);
        assert_eq!(
            p.runs.iter().map(|r| r.build).collect::<Vec<_>>(),
            vec![1, 0, 1]
        );
        // A negative cost is not a cost.
        assert!(p.runs.iter().all(|r| r.cost_usd.is_none()));
        assert_eq!(p.samples.len(), 2);
        assert_eq!(p.samples[0].run, 1);
        assert_eq!(p.samples[0].items, Some(7));
        assert_eq!(p.samples[1].memory_mbytes, Some(256));
        assert_eq!(p.last_run_ms, parse_iso_millis("2026-11-23T00:00:00.000Z"));
    }

    fn detail(id: &str, mem: u64) -> Run {
        Run {
            stats: Some(RunStats {
                mem_max_bytes: Some(mem),
                ..RunStats::default()
            }),
            ..serde_json::from_value(serde_json::json!({
                "id": id, "actId": "a1", "status": "SUCCEEDED", "startedAt": "2026-11-23T00:00:00Z"
            }))
            .unwrap()
        }
    }

    #[test]
    fn item_counts_are_given_back_by_run_id() {
        let mut input = ActorInput::new(actor());
        input.runs = vec![
            run("r1", "b1", "2026-11-21T00:00:00.000Z"),
            run("r2", "b1", "2026-11-22T00:00:00.000Z"),
        ];
        input.item_counts.insert("r2".into(), 7);
        let p = prepare(&input);
        assert_eq!(p.item_counts().collect::<Vec<_>>(), [("r2", 7)]);
    }

    #[test]
    fn the_cached_form_is_compact_and_reads_back() {
        let mut input = ActorInput::new(actor());
        input.runs = vec![run("r1", "b1", "2026-11-21T00:00:00.000Z")];
        input.item_counts.insert("r1".into(), 4);
        let p = prepare(&input);
        let json = serde_json::to_string(&p).unwrap();
        assert!(
            json.contains(r#""runs":[[1795219200000,null,null,1,"SUCCEEDED"]]"#),
            "{json}"
        );
        assert!(json.contains(r#""runIds":["r1"]"#), "{json}");
        assert!(
            json.contains(r#""samples":[[0,4,null,null,false,null]]"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<PreparedActor>(&json).unwrap(), p);
    }

    #[test]
    fn run_ids_are_inline_and_bounded() {
        assert_eq!(
            RunId::new("HG7ML7M8z78YcAPEB").unwrap().as_str(),
            "HG7ML7M8z78YcAPEB"
        );
        assert!(RunId::new("").is_none());
        assert!(RunId::new(&"x".repeat(24)).is_none());
        assert_eq!(std::mem::size_of::<RunId>(), 24);
        // A run whose id cannot be held is not a run, as one with an unreadable start.
        let mut input = ActorInput::new(actor());
        input.runs = vec![run(&"x".repeat(30), "b1", "2026-11-21T00:00:00.000Z")];
        assert_eq!(prepare(&input).unreadable_runs, 1);
    }

    #[test]
    fn runs_listed_twice_are_kept_once_and_details_fold_in() {
        let mut p = Preparing::new(&actor());
        for r in [
            run("r1", "b1", "2026-11-21T00:00:00.000Z"),
            run("r2", "b1", "2026-11-22T00:00:00.000Z"),
            run("r1", "b1", "2026-11-21T00:00:00.000Z"),
        ] {
            p.add_run(&r);
        }
        p.drop_repeated_runs();
        let mut a = p.finish(|_| (None, None));
        assert_eq!(
            a.run_ids.iter().map(RunId::as_str).collect::<Vec<_>>(),
            ["r2", "r1"]
        );
        assert_eq!(
            a.unread_finished_runs(5),
            [RunId::new("r2").unwrap(), RunId::new("r1").unwrap()]
        );
        assert!(a.read_run_detail(&detail("r1", 1 << 20)));
        assert!(!a.read_run_detail(&detail("elsewhere", 1)));
        assert_eq!(a.samples.len(), 1);
        assert_eq!(a.samples[0].mem_max_bytes, Some(1 << 20));
        assert_eq!(a.unread_finished_runs(5), [RunId::new("r2").unwrap()]);
        assert_eq!(a.unread_finished_runs(1), [RunId::new("r2").unwrap()]);
        a.read_run_detail(&detail("r2", 1));
        assert!(a.unread_finished_runs(5).is_empty());
    }
}
