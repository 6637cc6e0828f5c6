//! "Run" from the dashboard: a dialog for memory, timeout and an optional JSON input, then
//!
//! ```text
//! POST /v2/actors/{id}/runs?memory=&timeout=        the input as the JSON body
//! GET  /v2/actor-runs/{runId}?waitForFinish=20      until the run ends (Apify holds each
//!                                                   answer until then or for 20 s)
//! ```
//!
//! A 403 says the token lacks Actors: Run (and the scope check learns it); a success teaches
//! the scope check the opposite. When the run ends, that Actor's figures are reloaded.

use crate::client::ApiError;
use crate::fleet_store::FleetStore;
use crate::loader::sleep_ms;
use crate::state::Forge;
use forge_apify::models::{Data, Run};
use leptos::prelude::*;

/// The relay's limit on a run-start body.
pub const MAX_INPUT_BYTES: usize = 256 * 1024;
pub const DEFAULT_MEMORY_MB: u32 = 1024;
pub const DEFAULT_TIMEOUT_SECS: u32 = 3600;
/// How long each follow-up read asks Apify to hold its answer until the run ends (at most
/// `forge_apify::allow::MAX_WAIT_FOR_FINISH_SECS`). Short enough that the status shown moves.
pub const FOLLOW_WAIT_SECS: u64 = 20;
/// The message for a token without Actors: Run.
pub const NO_RUN: &str = "Your token lacks Actors: Run; everything else keeps working";

/// A checked run request: memory (MB), timeout (s) and the JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRequest {
    pub memory: u32,
    pub timeout: u32,
    pub body: String,
}

/// Checks the dialog's fields; the error is a sentence for the form.
pub fn check(memory: &str, timeout: &str, input: &str) -> Result<RunRequest, String> {
    let memory: u32 = memory
        .trim()
        .parse()
        .map_err(|_| "Memory must be a whole number of megabytes.".to_string())?;
    if !(128..=32768).contains(&memory) || !memory.is_power_of_two() {
        return Err("Memory must be a power of 2 between 128 and 32768 MB.".into());
    }
    let timeout: u32 = timeout
        .trim()
        .parse()
        .map_err(|_| "Timeout must be a whole number of seconds.".to_string())?;
    if timeout == 0 || timeout > 7 * 24 * 3600 {
        return Err("Timeout must be between 1 second and 7 days.".into());
    }
    let body = if input.trim().is_empty() {
        "{}".to_string()
    } else {
        input.to_string()
    };
    if body.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "The input is {} KiB; the limit is 256 KiB.",
            body.len().div_ceil(1024)
        ));
    }
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&body) {
        return Err(format!("The input is not valid JSON: {e}"));
    }
    Ok(RunRequest {
        memory,
        timeout,
        body,
    })
}

/// The wait before poll `n` (0-based): 1 s, growing by half, at most 5 s.
pub fn poll_delay_ms(n: u32) -> i32 {
    (1000.0 * 1.5f64.powi(n.min(10) as i32)).min(5000.0) as i32
}

/// Where a started run stands.
#[derive(Debug, Clone, PartialEq)]
enum RunView {
    Form,
    Starting,
    Following { run_id: String, status: String },
    Ended { run_id: String, status: String },
    Refused(String),
}

/// The dialog's state, shared by every Run button (provided by the app root), so a row that
/// re-renders while a run is followed loses nothing.
#[derive(Debug, Clone, Copy)]
pub struct RunCenter {
    open: RwSignal<bool>,
    id: RwSignal<String>,
    name: RwSignal<String>,
    view_state: RwSignal<RunView>,
    memory_field: RwSignal<String>,
    timeout_field: RwSignal<String>,
    input_field: RwSignal<String>,
    problem: RwSignal<Option<String>>,
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
            input_field: RwSignal::new(String::new()),
            problem: RwSignal::new(None),
        }
    }
}

/// A Run button: opens the dialog for this Actor.
#[component]
pub fn RunButton(
    id: String,
    name: String,
    #[prop(optional_no_strip)] memory: Option<u32>,
    #[prop(optional_no_strip)] timeout: Option<u32>,
) -> impl IntoView {
    let c = expect_context::<RunCenter>();
    let store = FleetStore::get();
    let data_id = id.clone();
    let open_dialog = move |_| {
        let busy = matches!(
            c.view_state.get_untracked(),
            RunView::Following { .. } | RunView::Starting
        );
        if !busy {
            let defaults = store.input(&id).and_then(|i| i.actor.default_run_options);
            let m = defaults
                .as_ref()
                .and_then(|d| d.memory_mbytes)
                .or(memory)
                .unwrap_or(DEFAULT_MEMORY_MB);
            let t = defaults
                .as_ref()
                .and_then(|d| d.timeout_secs)
                .or(timeout)
                .unwrap_or(DEFAULT_TIMEOUT_SECS);
            c.id.set(id.clone());
            c.name.set(name.clone());
            c.memory_field.set(m.to_string());
            c.timeout_field.set(t.to_string());
            c.problem.set(None);
            c.view_state.set(RunView::Form);
        }
        // While a run is followed, the dialog shows it (one run at a time).
        c.open.set(true);
    };
    view! {
        <button type="button" class="button secondary small run-button" data-run=data_id on:click=open_dialog>
            "Run"
        </button>
    }
}

/// The dialog (rendered once per page).
#[component]
pub fn RunDialog() -> impl IntoView {
    let c = expect_context::<RunCenter>();
    let forge = Forge::get();
    let store = FleetStore::get();
    let RunCenter {
        open,
        id,
        name,
        view_state,
        memory_field,
        timeout_field,
        input_field,
        problem,
    } = c;
    let start = move |_| {
        let req = match check(
            &memory_field.get_untracked(),
            &timeout_field.get_untracked(),
            &input_field.get_untracked(),
        ) {
            Ok(r) => r,
            Err(e) => {
                problem.set(Some(e));
                return;
            }
        };
        problem.set(None);
        view_state.set(RunView::Starting);
        let client = forge.client.get_value();
        let actor = id.get_untracked();
        leptos::task::spawn_local(async move {
            let path = format!(
                "/api/apify/v2/actors/{actor}/runs?memory={}&timeout={}",
                req.memory, req.timeout
            );
            let run = match client.send("POST", &path, Some(req.body)).await {
                Ok(a) if (200..300).contains(&a.status) => {
                    match serde_json::from_str::<Data<Run>>(&a.body) {
                        Ok(d) => d.data,
                        Err(e) => {
                            view_state.set(RunView::Refused(format!(
                                "The run started, but its answer was unreadable: {e}"
                            )));
                            return;
                        }
                    }
                }
                Ok(a)
                    if a.status == 403
                        && ApiError::from_answer(a.status, &a.body).kind()
                            != Some("forge-not-allowed") =>
                {
                    forge.run_known.set(Some(false));
                    view_state.set(RunView::Refused(NO_RUN.into()));
                    return;
                }
                Ok(a) => {
                    view_state.set(RunView::Refused(format!(
                        "The run was not started: {}",
                        ApiError::from_answer(a.status, &a.body).message()
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
            forge.run_known.set(Some(true));
            let run_id = run.id.clone();
            let mut status = run.status;
            view_state.set(RunView::Following {
                run_id: run_id.clone(),
                status: status.as_str().into(),
            });
            let follow =
                format!("/api/apify/v2/actor-runs/{run_id}?waitForFinish={FOLLOW_WAIT_SECS}");
            let mut failures = 0;
            while !status.is_terminal() {
                match client.send("GET", &follow, None).await {
                    Ok(a) if a.status == 200 => {
                        failures = 0;
                        if let Ok(d) = serde_json::from_str::<Data<Run>>(&a.body) {
                            status = d.data.status;
                        }
                        if !status.is_terminal() {
                            // The wait ran out (or an upstream ignored it): a breath, not a spin.
                            sleep_ms(500).await;
                        }
                    }
                    _ => {
                        // 429, a blip: back off (growing) and ask again.
                        sleep_ms(poll_delay_ms(failures)).await;
                        failures += 1;
                    }
                }
                view_state.set(RunView::Following {
                    run_id: run_id.clone(),
                    status: status.as_str().into(),
                });
            }
            view_state.set(RunView::Ended {
                run_id,
                status: status.as_str().into(),
            });
            store.refresh_actor(client, actor).await;
        });
    };
    let body = move || {
        match view_state.get() {
        RunView::Form | RunView::Starting => {
            let starting = view_state.get() == RunView::Starting;
            view! {
                <div class="field">
                    <label class="field-label" for="run-memory">"Memory (MB)"</label>
                    <input id="run-memory" class="input" type="number" autofocus min="128" max="32768" step="128"
                        prop:value=move || memory_field.get()
                        on:input=move |ev| memory_field.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label class="field-label" for="run-timeout">"Timeout (seconds)"</label>
                    <input id="run-timeout" class="input" type="number" min="1"
                        prop:value=move || timeout_field.get()
                        on:input=move |ev| timeout_field.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label class="field-label" for="run-input">"Input (JSON, optional, at most 256 KiB)"</label>
                    <textarea id="run-input" class="input mono" rows="6" placeholder="{}"
                        prop:value=move || input_field.get()
                        on:input=move |ev| input_field.set(event_target_value(&ev))></textarea>
                </div>
                {move || problem.get().map(|p| view! { <p class="notice notice-error" id="run-problem" role="alert">{p}</p> })}
                <div class="actions">
                    <button type="button" class="button primary" id="run-confirm" disabled=starting on:click=start>
                        {if starting { "Starting…" } else { "Start the run" }}
                    </button>
                    <button type="button" class="button secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                </div>
            }
            .into_any()
        }
        RunView::Following { run_id, status } | RunView::Ended { run_id, status } => {
            let ended = matches!(view_state.get(), RunView::Ended { .. });
            let code = status.clone();
            view! {
                <p role="status" id="run-status" data-status=code data-ended=ended.to_string()>
                    "Run " <code>{run_id}</code> ": " <strong>{status}</strong>
                    {if ended { " — the figures are being refreshed." } else { " — following it…" }}
                </p>
                <div class="actions">
                    <button type="button" class="button secondary" on:click=move |_| open.set(false)>"Close"</button>
                </div>
            }
            .into_any()
        }
        RunView::Refused(m) => view! {
            <p class="notice notice-warn" id="run-refused" role="alert">{m}</p>
            <div class="actions">
                <button type="button" class="button secondary" on:click=move |_| open.set(false)>"Close"</button>
            </div>
        }
        .into_any(),
    }
    };
    view! {
        {move || open.get().then(|| view! {
            <div class="modal-backdrop" on:keydown=move |ev: web_sys::KeyboardEvent| {
                if ev.key() == "Escape" {
                    open.set(false);
                }
            }>
                <div class="modal card" role="dialog" aria-modal="true" aria-labelledby="run-title" id="run-dialog">
                    <h2 id="run-title">{move || format!("Run {}", name.get())}</h2>
                    {body}
                </div>
            </div>
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_the_form() {
        let ok = check("1024", "60", "").unwrap();
        assert_eq!(ok.body, "{}");
        assert!(check("1000", "60", "").is_err());
        assert!(check("1024", "0", "").is_err());
        assert!(check("1024", "60", "{not json")
            .unwrap_err()
            .contains("not valid JSON"));
        let big = format!("\"{}\"", "x".repeat(MAX_INPUT_BYTES));
        assert!(check("1024", "60", &big).unwrap_err().contains("256 KiB"));
        assert_eq!(check("256", "10", r#"{"a":1}"#).unwrap().body, r#"{"a":1}"#);
    }

    #[test]
    fn back_off_grows_to_five_seconds() {
        assert_eq!(poll_delay_ms(0), 1000);
        assert_eq!(poll_delay_ms(1), 1500);
        assert_eq!(poll_delay_ms(9), 5000);
    }
}
