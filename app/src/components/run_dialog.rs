//! The Run button and the dialog it opens: memory, timeout, the build and an optional JSON
//! input, checked by [`crate::view_model::run_form::check`] before [`RunCenter::start`] sends
//! anything, then the run's status, duration and cost until it ends.

use crate::components::modal::Modal;
use crate::data::fleet::FleetStore;
use crate::data::run::{RunCenter, RunView};
use crate::data::session::Forge;
use crate::view_model::console;
use crate::view_model::run_form::{
    build_choices, check, input_label, memory_choices, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECS,
};
use leptos::prelude::*;

/// A Run button: opens the dialog for this Actor.
#[component]
pub fn RunButton(
    id: String,
    name: String,
    #[prop(optional_no_strip)] memory: Option<u32>,
    #[prop(optional_no_strip)] timeout: Option<u32>,
) -> impl IntoView {
    let c = RunCenter::get();
    let store = FleetStore::get();
    let forge = Forge::get();
    let data_id = id.clone();
    let open_dialog = move |_| {
        // The fleet load's copy of the Actor has its defaults even where the caller has none.
        let defaults = store.default_run_options(&id);
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
        c.open_for(id.clone(), name.clone(), m, t, store.run_builds(&id));
        c.prefill_input(forge, store.run_input_build(&id));
    };
    view! {
        <button type="button" class="button secondary small run-button" data-run=data_id on:click=open_dialog>
            "Run"
        </button>
    }
}

/// A labelled `<select>` of (value, label) choices bound to `field`.
#[component]
fn ChoiceField(
    id: &'static str,
    label: &'static str,
    field: RwSignal<String>,
    choices: Vec<(String, String)>,
    /// The dialog's first field: the one that takes focus when it opens.
    #[prop(optional)]
    autofocus: bool,
) -> impl IntoView {
    view! {
        <div class="field">
            <label class="field-label" for=id>{label}</label>
            <select id=id class="input" data-autofocus=autofocus.then_some("")
                prop:value=move || field.get()
                on:change=move |ev| field.set(event_target_value(&ev))>
                {choices.into_iter().map(|(value, label)| {
                    view! { <option value=value>{label}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// The dialog (rendered once per page).
#[component]
pub fn RunDialog() -> impl IntoView {
    let c = RunCenter::get();
    let forge = Forge::get();
    let store = FleetStore::get();
    let RunCenter {
        open,
        name,
        view_state,
        memory_field,
        timeout_field,
        build_field,
        builds,
        input_field,
        input_note,
        problem,
        ..
    } = c;
    let start = move |_| match check(
        &memory_field.get_untracked(),
        &timeout_field.get_untracked(),
        &build_field.get_untracked(),
        &input_field.get_untracked(),
    ) {
        Ok(req) => c.start(forge, store, req),
        Err(e) => problem.set(Some(e)),
    };
    let body = move || {
        match view_state.get() {
        RunView::Form | RunView::Starting => {
            let starting = view_state.get() == RunView::Starting;
            view! {
                <ChoiceField id="run-memory" label="Memory" field=memory_field
                    choices=memory_choices(&memory_field.get_untracked()) autofocus=true />
                <div class="field">
                    <label class="field-label" for="run-timeout">"Timeout (seconds)"</label>
                    <input id="run-timeout" class="input" type="number" min="1"
                        prop:value=move || timeout_field.get()
                        on:input=move |ev| timeout_field.set(event_target_value(&ev)) />
                </div>
                <ChoiceField id="run-build" label="Build" field=build_field
                    choices=build_choices(&builds.get_untracked()) />
                <div class="field">
                    <label class="field-label" for="run-input">{input_label()}</label>
                    <textarea id="run-input" class="input mono" rows="6" placeholder="{}"
                        prop:value=move || input_field.get()
                        aria-describedby="run-input-note"
                        on:input=move |ev| {
                            input_field.set(event_target_value(&ev));
                            input_note.set(None);
                        }></textarea>
                    {move || input_note.get().map(|n| view! { <p class="field-hint" id="run-input-note">{n}</p> })}
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
        RunView::Following(p) | RunView::Ended(p) => {
            let ended = matches!(view_state.get(), RunView::Ended(_));
            let run_id = p.run_id.clone();
            view! {
                <p role="status" id="run-status" data-status=p.status.as_str() data-ended=ended.to_string()>
                    "Run " <code>{run_id.clone()}</code> ": " <strong id="run-progress">{p.text()}</strong>
                    {if ended { " — the figures are being refreshed." } else { " — following it…" }}
                </p>
                <p>
                    <a href=console::run_url(&c.id.get_untracked(), &run_id) class="external" id="run-console" target="_blank" rel="noopener noreferrer">
                        "Open the run and its log in Apify Console"
                    </a>
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
    let title = Signal::derive(move || format!("Run {}", name.get()));
    view! {
        <Modal open id="run-dialog" title>
            {body}
        </Modal>
    }
}
