//! One Actor through its own endpoints: detail, runs in the window, recent builds, and run
//! detail plus dataset metadata for its newest finished runs. The Actor page and the refresh
//! after a run use it; [`load_fleet_per_actor`] is the strategy the dashboard had before the
//! account-wide lists, kept as the reference the benchmark measures against.

use crate::answer::ApiError;
use crate::fetch::{pool, Cancelled, Fetcher};
use crate::requests::{actor_runs_since, own_actors, recent_builds};
use crate::transport::Transport;
use forge_apify::definition::BuildDetail;
use forge_apify::models::{
    Actor, ActorShort, BuildShort, Dataset, DatasetStatistics, PaginationList, Run, RunShort,
};
use forge_apify::paths::{self, ApifyPath};
use forge_fleet::figures::{actor_figures, builds_to_describe};
use forge_fleet::rules::FIELD_SAMPLES_PER_SIDE;
use forge_fleet::{prepare, ActorInput, Window};
use std::cell::Cell;
use std::collections::BTreeSet;

/// Finished runs per Actor whose detail and dataset metadata the Actor page reads.
pub const ACTOR_PAGE_SAMPLES: usize = 5;

/// Why an Actor (or a column of every Actor) has no figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorProblem {
    /// A 403 for a grant: the permission's name, e.g. "Actor runs: Read".
    Denied(&'static str),
    /// Anything else, as a sentence.
    Failed(String),
}

impl ActorProblem {
    pub fn text(&self) -> String {
        match self {
            ActorProblem::Denied(p) => format!("Your token lacks {p}"),
            ActorProblem::Failed(m) => m.clone(),
        }
    }

    /// The problem `e` is for `request`: a refused grant, or the error in words.
    pub fn of(request: &ApifyPath, e: ApiError) -> ActorProblem {
        match denied_permission(request, &e) {
            Some(p) => ActorProblem::Denied(p),
            None => ActorProblem::Failed(e.message()),
        }
    }

    fn bad_id() -> ActorProblem {
        ActorProblem::Failed("Not a valid Actor ID.".into())
    }
}

/// The permission a 403 names, when Apify (not the relay's allow-list) refused: the grant the
/// allow-list row of `request` needs.
pub fn denied_permission(request: &ApifyPath, e: &ApiError) -> Option<&'static str> {
    e.is_permission_denied().then(|| request.grant().label())
}

/// The next offset to ask for, or `None` when the list is complete.
pub fn next_offset<T>(page: &PaginationList<T>) -> Option<u64> {
    let got = page.count.max(page.items.len() as u64);
    let next = page.offset + got;
    (got > 0 && page.total > next).then_some(next)
}

/// The last `n` finished runs (newest first): the ones worth a detail read.
pub fn enrichment_targets(runs: &[RunShort], n: usize) -> Vec<&RunShort> {
    let mut done: Vec<&RunShort> = runs.iter().filter(|r| r.status.is_terminal()).collect();
    forge_apify::sort::sort_by(&mut done, |a, b| b.started_at.cmp(&a.started_at));
    done.truncate(n);
    done
}

/// Every page of `/v2/actors?my=1`.
pub async fn list_actors<T: Transport>(
    f: &Fetcher<T>,
) -> Result<Result<Vec<ActorShort>, ApiError>, Cancelled> {
    let mut out = Vec::new();
    let mut offset = 0u64;
    loop {
        let page: PaginationList<ActorShort> = match f.data(&own_actors(offset)).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let next = next_offset(&page);
        out.extend(page.items);
        match next {
            Some(n) => offset = n,
            None => return Ok(Ok(out)),
        }
    }
}

/// One Actor's detail, runs started after `started_after` and recent builds.
pub async fn load_actor<T: Transport>(
    f: &Fetcher<T>,
    mut input: ActorInput,
    started_after: &str,
) -> Result<Result<ActorInput, ActorProblem>, Cancelled> {
    let id = input.actor.id.clone();
    let Ok(detail) = paths::actor(&id) else {
        return Ok(Err(ActorProblem::bad_id()));
    };
    // Detail: tagged builds and default memory. Without it the list item still identifies it.
    match f.data::<Actor>(&detail).await? {
        Ok(actor) => input.actor = actor,
        Err(e) if e.status() == Some(404) => return Ok(Err(ActorProblem::of(&detail, e))),
        Err(_) => {}
    }
    // Runs in the window, newest first; offsets shift when a run starts while we page, so
    // dedupe by id.
    let mut seen = BTreeSet::new();
    let mut runs = Vec::new();
    let mut offset = 0u64;
    loop {
        let Ok(request) = actor_runs_since(&id, started_after, offset) else {
            return Ok(Err(ActorProblem::bad_id()));
        };
        let page: PaginationList<RunShort> = match f.data(&request).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(ActorProblem::of(&request, e))),
        };
        let next = next_offset(&page);
        for r in page.items {
            if seen.insert(r.id.clone()) {
                runs.push(r);
            }
        }
        match next {
            Some(n) => offset = n,
            None => break,
        }
    }
    input.runs = runs;
    let Ok(request) = recent_builds(&id) else {
        return Ok(Err(ActorProblem::bad_id()));
    };
    match f.data::<PaginationList<BuildShort>>(&request).await? {
        Ok(b) => input.builds = b.items,
        Err(e) => return Ok(Err(ActorProblem::of(&request, e))),
    }
    Ok(Ok(input))
}

/// Run detail and dataset metadata for the newest `n` finished runs of one loaded Actor.
pub async fn enrich_one<T: Transport>(
    f: &Fetcher<T>,
    input: &mut ActorInput,
    n: usize,
) -> Result<Option<&'static str>, Cancelled> {
    let mut denied = None;
    let targets: Vec<(String, Option<String>)> = enrichment_targets(&input.runs, n)
        .into_iter()
        .map(|r| (r.id.clone(), r.default_dataset_id.clone()))
        .collect();
    for (run, dataset) in targets {
        if !input.run_details.contains_key(&run) {
            if let Ok(request) = paths::run(&run) {
                match f.data::<Run>(&request).await? {
                    Ok(d) => {
                        input.run_details.insert(d.id.clone(), d);
                    }
                    Err(e) => denied = denied.or(denied_permission(&request, &e)),
                }
            }
        }
        let Some(ds) = dataset.filter(|_| !input.item_counts.contains_key(&run)) else {
            continue;
        };
        if let Ok(request) = paths::dataset(&ds) {
            match f.data::<Dataset>(&request).await? {
                Ok(d) => {
                    input.item_counts.insert(run, d.item_count);
                }
                Err(e) => denied = denied.or(denied_permission(&request, &e)),
            }
        }
    }
    Ok(denied)
}

/// The details of the builds `input`'s release check compares (at most two requests), so the
/// check can say what the newest build changed. What cannot be read is left out.
pub async fn describe_builds<T: Transport>(
    f: &Fetcher<T>,
    input: &mut ActorInput,
    window: Window,
) -> Result<(), Cancelled> {
    let prepared = prepare(input);
    let figures = actor_figures(&prepared, window);
    for id in builds_to_describe(&prepared, figures.builds.release.as_ref()) {
        if let Ok(request) = paths::build(&id) {
            if let Ok(detail) = f.data::<BuildDetail>(&request).await? {
                input.build_details.push(detail);
            }
        }
    }
    Ok(())
}

/// The dataset statistics of the runs output quality per field reads
/// ([`PreparedActor::unread_field_runs`](forge_fleet::PreparedActor::unread_field_runs)), by
/// each run's default dataset (and its item count, where it is not known yet). The first
/// answer without a schema ends it (the others would say the same); what cannot be read is
/// left out; a refused read names its permission and ends it.
pub async fn measure_fields<T: Transport>(
    f: &Fetcher<T>,
    input: &mut ActorInput,
) -> Result<Option<&'static str>, Cancelled> {
    let mut denied = None;
    let prepared = prepare(input);
    for run in prepared.unread_field_runs(FIELD_SAMPLES_PER_SIDE) {
        let Some(dataset) = input
            .runs
            .iter()
            .find(|r| r.id == run.as_str())
            .and_then(|r| r.default_dataset_id.as_deref())
        else {
            continue;
        };
        let Ok(request) = paths::dataset_statistics(dataset) else {
            continue;
        };
        let stats = match f.data::<DatasetStatistics>(&request).await? {
            Ok(s) => s,
            Err(e) => {
                denied = denied.or(denied_permission(&request, &e));
                if denied.is_some() {
                    break;
                }
                continue;
            }
        };
        // No schema: every other run's dataset says the same, so one read tells.
        let schema = stats.field_statistics.is_some();
        input
            .field_statistics
            .insert(run.as_str().to_string(), stats);
        if !schema {
            break;
        }
        // The shares are of the dataset's items: its count, where the page has none yet.
        if !input.item_counts.contains_key(run.as_str()) {
            if let Ok(request) = paths::dataset(dataset) {
                match f.data::<Dataset>(&request).await? {
                    Ok(d) => {
                        input
                            .item_counts
                            .insert(run.as_str().to_string(), d.item_count);
                    }
                    Err(e) => denied = denied.or(denied_permission(&request, &e)),
                }
            }
        }
    }
    Ok(denied)
}

/// The moments a fleet load reaches, for the benchmark's stopwatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// The first Actor has figures.
    FirstRows,
    /// Every Actor has its runs, builds and item counts (the table is complete).
    Table,
    /// Enrichment is done too.
    Done,
}

/// The fleet the old way: the list, then every Actor's detail, run pages and builds (at most
/// `concurrency` Actors at once), then run detail and dataset metadata for each Actor's newest
/// `enrich_runs` finished runs — about 13 requests per Actor. The benchmark's reference;
/// returns the Actors, or `None` when cancelled.
pub async fn load_fleet_per_actor<T: Transport>(
    f: &Fetcher<T>,
    started_after: &str,
    enrich_runs: usize,
    on: impl Fn(Milestone),
) -> Option<Vec<ActorInput>> {
    let list = list_actors(f).await.ok()?.ok()?;
    let inputs: Vec<std::cell::RefCell<Option<ActorInput>>> = list
        .into_iter()
        .map(|a| std::cell::RefCell::new(Some(ActorInput::new(Actor::from(a)))))
        .collect();
    let first = Cell::new(false);
    let cancelled = Cell::new(false);
    let concurrency = f.options().concurrency;
    pool(concurrency, inputs.len(), |i| {
        let (inputs, first, cancelled, on) = (&inputs, &first, &cancelled, &on);
        async move {
            let Some(input) = inputs[i].borrow_mut().take() else {
                return;
            };
            match load_actor(f, input, started_after).await {
                Ok(Ok(input)) => {
                    *inputs[i].borrow_mut() = Some(input);
                    if !first.replace(true) {
                        on(Milestone::FirstRows);
                    }
                }
                Ok(Err(_)) => {}
                Err(Cancelled) => cancelled.set(true),
            }
        }
    })
    .await;
    if cancelled.get() {
        return None;
    }
    on(Milestone::Table);
    pool(concurrency, inputs.len(), |i| {
        let (inputs, cancelled) = (&inputs, &cancelled);
        async move {
            let Some(mut input) = inputs[i].borrow_mut().take() else {
                return;
            };
            if enrich_one(f, &mut input, enrich_runs).await.is_err() {
                cancelled.set(true);
            }
            *inputs[i].borrow_mut() = Some(input);
        }
    })
    .await;
    if cancelled.get() {
        return None;
    }
    on(Milestone::Done);
    Some(inputs.into_iter().filter_map(|c| c.into_inner()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::models::JobStatus;

    fn run(id: &str, status: JobStatus, started: &str) -> RunShort {
        RunShort {
            id: id.into(),
            act_id: "a".into(),
            status,
            started_at: started.into(),
            finished_at: None,
            build_id: None,
            build_number: None,
            meta: None,
            usage_total_usd: None,
            default_dataset_id: Some(format!("ds-{id}")),
            default_key_value_store_id: None,
        }
    }

    #[test]
    fn pagination_stops_at_total() {
        let page = |offset, count, total| PaginationList::<u8> {
            total,
            offset,
            limit: 1000,
            count,
            desc: true,
            items: vec![0; count as usize],
        };
        assert_eq!(next_offset(&page(0, 1000, 2500)), Some(1000));
        assert_eq!(next_offset(&page(2000, 500, 2500)), None);
        assert_eq!(next_offset(&page(0, 3, 3)), None);
        assert_eq!(next_offset(&page(0, 0, 10)), None);
    }

    #[test]
    fn a_refusal_names_the_grant_of_the_allow_list_row() {
        let denied = ApiError::from_answer(
            403,
            r#"{"error":{"type":"insufficient-permissions","message":"x"}}"#,
        );
        let runs = actor_runs_since("a", "2026-01-01T00:00:00.000Z", 0).unwrap();
        let builds = recent_builds("a").unwrap();
        let dataset = paths::dataset("d").unwrap();
        let cases = [
            ("runs", &runs, Some("Actor runs: Read")),
            ("builds", &builds, Some("Actor builds: Read")),
            ("dataset", &dataset, Some("Datasets: Read")),
        ];
        for (case, request, want) in cases {
            assert_eq!(denied_permission(request, &denied), want, "{case}");
        }
        let not_found = ApiError::from_answer(404, "");
        assert_eq!(denied_permission(&runs, &not_found), None);
        let relay_refused = ApiError::from_answer(
            403,
            r#"{"error":{"type":"forge-not-allowed","message":"x"}}"#,
        );
        assert_eq!(denied_permission(&runs, &relay_refused), None);
        assert_eq!(
            ActorProblem::Denied("Actor runs: Read").text(),
            "Your token lacks Actor runs: Read"
        );
    }

    #[test]
    fn enriches_the_newest_finished_runs() {
        let runs = vec![
            run("r1", JobStatus::Succeeded, "2026-01-01T00:00:00.000Z"),
            run("r2", JobStatus::Running, "2026-01-05T00:00:00.000Z"),
            run("r3", JobStatus::Failed, "2026-01-03T00:00:00.000Z"),
            run("r4", JobStatus::Succeeded, "2026-01-04T00:00:00.000Z"),
        ];
        let ids: Vec<&str> = enrichment_targets(&runs, 2)
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, ["r4", "r3"]);
    }
}
