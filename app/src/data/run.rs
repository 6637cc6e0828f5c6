//! Starting a run from Forge and following it to the end:
//!
//! ```text
//! POST /v2/actors/{id}/runs?memory=&timeout=        the input as the JSON body
//! GET  /v2/actor-runs/{runId}?waitForFinish=20      until the run ends (Apify holds each
//!                                                   answer until then or for 20 s)
//! ```
//!
//! A 403 says the token lacks Actors: Run (and the scope check learns it); a success teaches
//! the scope check the opposite. When the run ends, that Actor's figures are reloaded. The
//! start is sent once, never retried: a POST that reached Apify may have started a run.

use crate::api::{clock, Abort};
use crate::data::fleet::FleetStore;
use crate::data::session::Forge;
use crate::view_model::run_form::{
    poll_delay_ms, starting_input_note, starting_input_text, RunProgress, RunRequest,
};
use forge_apify::definition::{BuildDefinition, BuildDetail};
use forge_apify::models::{Actor, Run};
use forge_apify::paths::{self, StartRunQuery};
use leptos::prelude::*;

/// How long each follow-up read asks Apify to hold its answer until the run ends (at most
/// `forge_apify::limits::MAX_WAIT_FOR_FINISH_SECS`). Short enough that the status shown moves.
pub const FOLLOW_WAIT_SECS: u64 = 20;
/// The message for a token without Actors: Run.
pub const NO_RUN: &str = "Your token lacks Actors: Run; everything else keeps working";

/// Where the dialog's run stands.
#[derive(Debug, Clone, PartialEq)]
pub enum RunView {
    Form,
    Starting,
    Following(RunProgress),
    Ended(RunProgress),
    Refused(String),
}

impl RunView {
    /// A run is being started or followed: the dialog shows it (one run at a time).
    pub fn busy(&self) -> bool {
        matches!(self, RunView::Starting | RunView::Following(_))
    }
}

/// The dialog's state, shared by every Run button (provided by the app root), so a row that
/// re-renders while a run is followed loses nothing.
#[derive(Debug, Clone, Copy)]
pub struct RunCenter {
    pub open: RwSignal<bool>,
    pub id: RwSignal<String>,
    pub name: RwSignal<String>,
    pub view_state: RwSignal<RunView>,
    pub memory_field: RwSignal<String>,
    pub timeout_field: RwSignal<String>,
    /// A value of `run_form::build_choices` (empty: the Actor's default build).
    pub build_field: RwSignal<String>,
    /// The Actor's known builds, newest first: (number, tagged `latest`).
    pub builds: RwSignal<Vec<(String, bool)>>,
    pub input_field: RwSignal<String>,
    /// Where the input was filled in from, while the field still holds that text.
    pub input_note: RwSignal<Option<String>>,
    pub problem: RwSignal<Option<String>>,
}

impl Default for RunCenter {
    fn default() -> Self {
        Self::new()
    }
}

impl RunCenter {
    pub fn new() -> RunCenter {
        RunCenter {
            open: RwSignal::new(false),
            id: RwSignal::new(String::new()),
            name: RwSignal::new(String::new()),
            view_state: RwSignal::new(RunView::Form),
            memory_field: RwSignal::new(String::new()),
            timeout_field: RwSignal::new(String::new()),
            build_field: RwSignal::new(String::new()),
            builds: RwSignal::new(Vec::new()),
            input_field: RwSignal::new(String::new()),
            input_note: RwSignal::new(None),
            problem: RwSignal::new(None),
        }
    }

    pub fn get() -> RunCenter {
        expect_context::<RunCenter>()
    }

    /// Opens the dialog for Actor `id` with its default memory and timeout — unless a run is
    /// being followed, which the dialog then shows. A different Actor's dialog starts its input
    /// afresh from the build in use ([`RunCenter::prefill_input`]).
    pub fn open_for(
        self,
        id: String,
        name: String,
        memory: u32,
        timeout: u32,
        builds: Vec<(String, bool)>,
    ) {
        if !self.view_state.get_untracked().busy() {
            if self.id.get_untracked() != id {
                self.input_field.set(String::new());
                self.input_note.set(None);
            }
            self.id.set(id);
            self.name.set(name);
            self.memory_field.set(memory.to_string());
            self.timeout_field.set(timeout.to_string());
            self.build_field.set(String::new());
            self.builds.set(builds);
            self.problem.set(None);
            self.view_state.set(RunView::Form);
        }
        self.open.set(true);
    }

    /// Fills the empty input in from what the build in use suggests — [`starting_input_text`]:
    /// `build` (id, label, and its definition when the fleet load already read it), or, when
    /// the fleet load does not know the Actor (its page opened directly), the build its detail
    /// tags `latest`. Text the user typed meanwhile is kept; a build that cannot be read or
    /// suggests nothing leaves the field empty.
    pub fn prefill_input(
        self,
        forge: Forge,
        build: Option<(String, String, Option<BuildDefinition>)>,
    ) {
        if !self.input_field.get_untracked().trim().is_empty() {
            return;
        }
        let actor = self.id.get_untracked();
        let fill = move |def: &BuildDefinition, label: &str| {
            let still_ours = self.id.get_untracked() == actor;
            if let Some(text) = starting_input_text(def).filter(|_| still_ours) {
                if self.input_field.get_untracked().trim().is_empty() {
                    self.input_field.set(text);
                    self.input_note.set(Some(starting_input_note(label)));
                }
            }
        };
        if let Some((_, label, Some(def))) = &build {
            fill(def, label);
            return;
        }
        let client = forge.client();
        let actor = self.id.get_untracked();
        leptos::task::spawn_local(async move {
            let abort = Abort::new();
            let (build_id, label) = match build {
                Some((id, label, _)) => (id, label),
                None => {
                    let Ok(request) = paths::actor(&actor) else {
                        return;
                    };
                    let Some(detail) = client
                        .apify(&request, None, &abort)
                        .await
                        .ok()
                        .and_then(|a| a.data::<Actor>().ok())
                    else {
                        return;
                    };
                    let Some(tagged) = detail.latest_build() else {
                        return;
                    };
                    let (Some(id), Some(label)) =
                        (tagged.build_id.clone(), tagged.build_number.clone())
                    else {
                        return;
                    };
                    (id, label)
                }
            };
            let Ok(request) = paths::build(&build_id) else {
                return;
            };
            if let Ok(answer) = client.apify(&request, None, &abort).await {
                if let Ok(detail) = answer.data::<BuildDetail>() {
                    fill(&detail.definition(), &label);
                }
            }
        });
    }

    /// Starts the checked run, follows it to its end, then reloads the Actor's figures.
    pub fn start(self, forge: Forge, store: FleetStore, req: RunRequest) {
        self.problem.set(None);
        self.view_state.set(RunView::Starting);
        let client = forge.client();
        let actor = self.id.get_untracked();
        let view_state = self.view_state;
        leptos::task::spawn_local(async move {
            let abort = Abort::new();
            let query = StartRunQuery {
                memory_mbytes: Some(req.memory),
                timeout_secs: Some(req.timeout),
                build: req.build,
                ..StartRunQuery::default()
            };
            let Ok(start) = paths::start_run(&actor, &query) else {
                view_state.set(RunView::Refused("That is not an Actor ID.".into()));
                return;
            };
            let run = match client.apify(&start, Some(req.body), &abort).await {
                Ok(a) if a.ok() => match a.data::<Run>() {
                    Ok(run) => run,
                    Err(e) => {
                        view_state.set(RunView::Refused(format!(
                            "The run started, but its answer was unreadable: {e}"
                        )));
                        return;
                    }
                },
                Ok(a) if a.error().is_permission_denied() => {
                    forge.learn_run(false);
                    view_state.set(RunView::Refused(NO_RUN.into()));
                    return;
                }
                Ok(a) => {
                    view_state.set(RunView::Refused(format!(
                        "The run was not started: {}",
                        a.error().message()
                    )));
                    return;
                }
                Err(e) => {
                    view_state.set(RunView::Refused(format!(
                        "The run was not started: {}",
                        e.message()
                    )));
                    return;
                }
            };
            forge.learn_run(true);
            let run_id = run.id.clone();
            let mut progress = RunProgress::of(&run, clock::now_ms() as i64);
            view_state.set(RunView::Following(progress.clone()));
            let Ok(follow) = paths::run_wait(&run_id, FOLLOW_WAIT_SECS) else {
                view_state.set(RunView::Refused(
                    "Apify answered with an odd run ID.".into(),
                ));
                return;
            };
            let mut failures = 0;
            while !progress.status.is_terminal() {
                match client.apify(&follow, None, &abort).await {
                    Ok(a) if a.status == 200 => {
                        failures = 0;
                        if let Ok(run) = a.data::<Run>() {
                            progress = RunProgress::of(&run, clock::now_ms() as i64);
                        }
                        if !progress.status.is_terminal() {
                            // The wait ran out (or an upstream ignored it): a breath, not a spin.
                            clock::sleep_ms(500.0).await;
                        }
                    }
                    _ => {
                        // 429, a blip: back off (growing) and ask again.
                        clock::sleep_ms(poll_delay_ms(failures)).await;
                        failures += 1;
                    }
                }
                view_state.set(RunView::Following(progress.clone()));
            }
            view_state.set(RunView::Ended(progress));
            store.refresh_actor(client, actor).await;
        });
    }
}
