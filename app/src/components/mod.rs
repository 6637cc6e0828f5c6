//! Views shared by the pages. Components read the [`data`](crate::data) stores and
//! [`view_model`](crate::view_model) functions; they never send a request and never import a
//! page.

pub mod actor;
pub mod actor_analytics;
pub mod charts;
pub mod fleet;
pub mod fleet_table;
pub mod gate;
pub mod layout;
pub mod modal;
pub mod router;
pub mod run_dialog;
pub mod scope;
pub mod signals;
pub mod spend;
pub mod token_form;

use crate::api::Abort;
use leptos::prelude::*;

/// An [`Abort`] for the requests this view starts: aborted when the view goes away.
pub fn abort_on_cleanup() -> Abort {
    let abort = Abort::new();
    let stored = StoredValue::new_local(abort.clone());
    on_cleanup(move || stored.with_value(Abort::abort));
    abort
}

/// A sentence from the engine with its `backticked` names (fields, builds) set as code.
pub fn with_code(text: &str) -> impl IntoView + use<> {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            let part = part.to_owned();
            if i % 2 == 1 {
                view! { <code>{part}</code> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect_view()
}

/// "Filter by name": a labelled search field bound to `value`.
#[component]
pub fn NameFilter(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="filter-row">
            <label for=id class="field-label">"Filter by name"</label>
            <input
                id=id
                class="input"
                type="search"
                placeholder="e.g. scraper"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </div>
    }
}
