//! One Actor's page data: the Actor loaded on its own through the loader's per-Actor reads —
//! the fleet keeps compact run facts only, and the page shows each run's id and build — then
//! the status messages of its most recent failures (the run list does not carry them), for the
//! failure groups.
//!
//! ```text
//! GET /v2/actors/{id}                                   the facts at the top
//! GET /v2/actors/{id}/runs?startedAfter=…               its runs in the longest window
//! GET /v2/actors/{id}/builds                            its recent builds
//! GET /v2/actor-runs/{runId}, GET /v2/datasets/{id}     memory and results of its newest runs
//! GET /v2/actor-runs/{runId}                            the newest failures' status messages
//! ```

use crate::api::{Abort, ApiError, Client};
use crate::data::loader::{self, ActorProblem};
use forge_apify::models::{Actor, ActorShort, JobStatus, Run};
use forge_apify::{paths, ErrorKind};
use forge_fleet::window::DEFAULT_WINDOW_DAYS;
use forge_fleet::{ActorInput, Window};
use forge_load::account::LOAD_DAYS;
use forge_load::actor::ACTOR_PAGE_SAMPLES;
use std::cell::{Cell, RefCell};

/// Failed runs whose status message is fetched for the grouping.
pub const FAILURE_DETAILS: usize = 30;

/// Every Actor of the account (the loader's paged listing, as the dashboard loads it).
pub async fn own_actors(client: Client, abort: Abort) -> Result<Vec<ActorShort>, ApiError> {
    let f = loader::fetcher(client, abort);
    loader::list_actors(&f)
        .await
        .unwrap_or(Err(ApiError::Aborted))
}

/// `GET /v2/actors/{id}`.
pub async fn actor(client: &Client, id: &str, abort: &Abort) -> Result<Actor, ApiError> {
    let Ok(request) = paths::actor(id) else {
        return Err(ApiError::Status {
            status: 404,
            kind: Some(ErrorKind::ForgeBadActorId),
            message: Some("That is not an Actor ID.".into()),
        });
    };
    client.apify(&request, None, abort).await?.data()
}

/// Whether `error` says there is no such Actor (Apify's 404, or an address no Actor can have).
pub fn is_missing(error: &ApiError) -> bool {
    matches!(
        error.kind(),
        Some(ErrorKind::ActorNotFound | ErrorKind::RecordNotFound | ErrorKind::ForgeBadActorId)
    )
}

/// The Actor's input for the engine, with run details and the newest failures' messages.
/// `None` when cancelled.
pub async fn analytics_input(
    client: Client,
    id: String,
    abort: Abort,
    end_ms: i64,
) -> Option<Result<ActorInput, ActorProblem>> {
    let f = loader::fetcher(client, abort);
    let bare = Actor::from(ActorShort {
        id: id.clone(),
        name: id.clone(),
        username: String::new(),
        title: None,
        created_at: None,
        modified_at: None,
        stats: None,
    });
    let after = Window::new(LOAD_DAYS, end_ms).started_after();
    let mut input = match loader::load_actor(&f, ActorInput::new(bare), &after)
        .await
        .ok()?
    {
        Ok(i) => i,
        Err(p) => return Some(Err(p)),
    };
    loader::enrich_one(&f, &mut input, ACTOR_PAGE_SAMPLES)
        .await
        .ok()?;
    loader::describe_builds(&f, &mut input, Window::new(DEFAULT_WINDOW_DAYS, end_ms))
        .await
        .ok()?;
    loader::measure_fields(&f, &mut input).await.ok()?;
    let mut failed: Vec<(&str, &str)> = input
        .runs
        .iter()
        .filter(|r| matches!(r.status, JobStatus::Failed | JobStatus::TimedOut))
        .filter(|r| !input.run_details.contains_key(&r.id))
        .map(|r| (r.started_at.as_str(), r.id.as_str()))
        .collect();
    forge_apify::sort::sort_by(&mut failed, |a, b| b.0.cmp(a.0));
    let want: Vec<paths::ApifyPath> = failed
        .into_iter()
        .take(FAILURE_DETAILS)
        .filter_map(|(_, id)| paths::run(id).ok())
        .collect();
    let got: RefCell<Vec<Run>> = RefCell::default();
    let cancelled = Cell::new(false);
    loader::pool(f.options().concurrency, want.len(), |k| {
        let (f, want, got, cancelled) = (&f, &want, &got, &cancelled);
        async move {
            match f.data::<Run>(&want[k]).await {
                Ok(Ok(run)) => got.borrow_mut().push(run),
                Ok(Err(_)) => {}
                Err(_) => cancelled.set(true),
            }
        }
    })
    .await;
    if cancelled.get() {
        return None;
    }
    for run in got.into_inner() {
        input.run_details.insert(run.id.clone(), run);
    }
    Some(Ok(input))
}
