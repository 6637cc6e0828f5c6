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

use forge_apify::models::{Actor, BuildShort, JobStatus, Run, RunShort};
use forge_apify::time::{parse_iso_millis, IsoParser};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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
        }
    }
}

/// Index meaning "this run names no build".
pub const NO_BUILD: u32 = u32::MAX;

/// One run, parsed: no strings, no heap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
}

impl BuildFact {
    /// Display name: the build number, else the id.
    pub fn label(&self) -> String {
        self.number
            .clone()
            .or_else(|| self.id.clone())
            .unwrap_or_else(|| "unknown build".into())
    }
}

/// Enrichment for one run: dataset item count and/or memory figures from the run detail.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sample {
    /// Index into [`PreparedActor::runs`].
    pub run: u32,
    pub items: Option<u64>,
    /// `stats.memMaxBytes` of the run detail.
    pub mem_max_bytes: Option<u64>,
    /// `options.memoryMbytes` of the run detail.
    pub memory_mbytes: Option<u32>,
}

/// An Actor ready for reports over any window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreparedActor {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub username: String,
    /// `defaultRunOptions.memoryMbytes`.
    pub default_memory_mbytes: Option<u32>,
    pub builds: Vec<BuildFact>,
    /// Index into `builds` of the build tagged `latest` (the build in use).
    pub latest_build: Option<u32>,
    pub runs: Vec<RunFact>,
    pub samples: Vec<Sample>,
    /// Most recent run start known: the newest run given, or `stats.lastRunStartedAt`.
    pub last_run_ms: Option<i64>,
    /// Runs whose `startedAt` could not be read (left out of every figure).
    pub unreadable_runs: u32,
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

/// Interns builds by id (or by number for runs that name no id).
struct BuildTable<'a> {
    builds: Vec<BuildFact>,
    by_id: BTreeMap<&'a str, u32>,
    by_number: BTreeMap<&'a str, u32>,
}

impl<'a> BuildTable<'a> {
    fn find_or_add(&mut self, id: Option<&'a str>, number: Option<&'a str>) -> u32 {
        if let Some(id) = id {
            if let Some(&i) = self.by_id.get(id) {
                return i;
            }
        } else if let Some(n) = number {
            if let Some(&i) = self.by_number.get(n) {
                return i;
            }
        } else {
            return NO_BUILD;
        }
        let i = self.builds.len() as u32;
        self.builds.push(BuildFact {
            id: id.map(str::to_string),
            number: number.map(str::to_string),
            version: number.and_then(parse_build_number),
            started_ms: None,
            finished_ms: None,
            listed: false,
        });
        if let Some(id) = id {
            self.by_id.insert(id, i);
        }
        if let Some(n) = number {
            self.by_number.entry(n).or_insert(i);
        }
        i
    }
}

/// Turns one Actor's models into its prepared form (one pass over the runs).
///
/// Runs with an unreadable `startedAt` are counted in `unreadable_runs` and otherwise left out;
/// an unreadable `finishedAt` makes the run's duration unknown. Enrichment entries for runs that
/// are not in `runs` are ignored: enrichment annotates listed runs, it does not add runs.
pub fn prepare(input: &ActorInput) -> PreparedActor {
    let actor = &input.actor;
    let mut table = BuildTable {
        builds: Vec::with_capacity(input.builds.len() + 2),
        by_id: BTreeMap::new(),
        by_number: BTreeMap::new(),
    };
    for b in &input.builds {
        let i = table.find_or_add(Some(&b.id), b.build_number.as_deref()) as usize;
        let fact = &mut table.builds[i];
        fact.listed = true;
        fact.started_ms = b.started_at.as_deref().and_then(parse_iso_millis);
        fact.finished_ms = b.finished_at.as_deref().and_then(parse_iso_millis);
        if fact.number.is_none() {
            fact.number = b.build_number.clone();
            fact.version = fact.number.as_deref().and_then(parse_build_number);
        }
    }
    let latest_build = actor.latest_build().and_then(|t| {
        let i = table.find_or_add(t.build_id.as_deref(), t.build_number.as_deref());
        let fact = table.builds.get_mut(i as usize)?;
        if fact.finished_ms.is_none() {
            fact.finished_ms = t.finished_at.as_deref().and_then(parse_iso_millis);
        }
        if fact.number.is_none() {
            fact.number = t.build_number.clone();
            fact.version = fact.number.as_deref().and_then(parse_build_number);
        }
        Some(i)
    });

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
    let mut iso = IsoParser::default();
    let mut runs = Vec::with_capacity(input.runs.len());
    let mut samples = Vec::new();
    let mut unreadable = 0u32;
    let mut last_run_ms = actor
        .stats
        .as_ref()
        .and_then(|s| s.last_run_started_at.as_deref())
        .and_then(parse_iso_millis);
    // Runs of one Actor mostly come in long stretches on one build: remember the last match.
    let mut last_build: Option<(&str, u32)> = None;
    for r in &input.runs {
        let Some(mut fact) = RunFact::parse_with(r, NO_BUILD, &mut iso) else {
            unreadable += 1;
            continue;
        };
        let started_ms = fact.started_ms;
        last_run_ms = Some(last_run_ms.map_or(started_ms, |t| t.max(started_ms)));
        let key = r.build_id.as_deref().or(r.build_number.as_deref());
        fact.build = match (key, last_build) {
            (Some(k), Some((lk, li))) if k == lk => li,
            (Some(k), _) => {
                let i = table.find_or_add(r.build_id.as_deref(), r.build_number.as_deref());
                last_build = Some((k, i));
                i
            }
            (None, _) => NO_BUILD,
        };
        let index = runs.len() as u32;
        runs.push(fact);
        if let Some(&(items, detail)) = enrichment.get(r.id.as_str()) {
            samples.push(Sample {
                run: index,
                items,
                mem_max_bytes: detail
                    .and_then(|d| d.stats.as_ref())
                    .and_then(|s| s.mem_max_bytes),
                memory_mbytes: detail
                    .and_then(|d| d.options.as_ref())
                    .and_then(|o| o.memory_mbytes),
            });
        }
    }
    // Fill in the number of builds first seen in a run that named only an id.
    for fact in &mut table.builds {
        if fact.version.is_none() {
            fact.version = fact.number.as_deref().and_then(parse_build_number);
        }
    }

    PreparedActor {
        id: actor.id.clone(),
        name: actor.name.clone(),
        title: actor.title.clone(),
        username: actor.username.clone(),
        default_memory_mbytes: actor
            .default_run_options
            .as_ref()
            .and_then(|o| o.memory_mbytes),
        builds: table.builds,
        latest_build,
        runs,
        samples,
        last_run_ms,
        unreadable_runs: unreadable,
    }
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
}
