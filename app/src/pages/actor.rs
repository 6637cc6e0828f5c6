//! `/actors/:id` — one Actor: its facts, then its analytics, trends and `SIGNALS`.

use crate::components::abort_on_cleanup;
use crate::components::actor::{ActorFacts, ActorSignals, ActorTrends};
use crate::components::actor_analytics::ActorAnalytics;
use crate::components::gate::{ConnectPrompt, LoadError, SessionGate};
use crate::components::layout::set_title;
use crate::components::run_dialog::{RunButton, RunDialog};
use crate::data::actor::actor;
use crate::data::fleet::FleetStore;
use crate::data::session::Forge;
use leptos::prelude::*;

#[component]
pub fn ActorPage(
    /// The address's segment after `/actors/`.
    id: String,
) -> impl IntoView {
    let forge = Forge::get();
    let fleet = FleetStore::get();
    let id = Signal::stored(id);
    let abort = abort_on_cleanup();
    let detail = LocalResource::new(move || {
        let id = id.get();
        forge.generation.track();
        let (client, abort) = (forge.client(), abort.clone());
        async move { actor(&client, &id, &abort).await }
    });
    Effect::new(move |_| match detail.get() {
        Some(Ok(a)) => set_title(a.display_name()),
        _ => set_title("Actor"),
    });
    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label="Breadcrumb">
                <a href="/actors">"Actors"</a>
                <span aria-hidden="true">" / "</span>
                <span aria-current="page">
                    {move || match detail.get() {
                        Some(Ok(a)) => a.name,
                        _ => id.get(),
                    }}
                </span>
            </nav>
            <SessionGate
                disconnected=|_| view! { <ConnectPrompt what="this Actor" /> }
                connected=move |_| move || match detail.get() {
                    None => view! { <p class="muted loading" role="status">"Loading the Actor…"</p> }.into_any(),
                    Some(Err(error)) => view! {
                        <h1 class="page-title">"Actor"</h1>
                        <LoadError error grant="Actors: Read" />
                    }
                    .into_any(),
                    Some(Ok(a)) => {
                        let defaults = a.default_run_options.clone().unwrap_or_default();
                        view! {
                            <div class="run-row" data-refreshed=move || fleet.refreshed.get().to_string()>
                                <RunButton
                                    id=a.id.clone()
                                    name=a.name.clone()
                                    memory=defaults.memory_mbytes
                                    timeout=defaults.timeout_secs
                                />
                                <RunDialog />
                            </div>
                            <ActorFacts actor=a now_ms=forge.now_ms.get_untracked() />
                            <ActorAnalytics id=id />
                            <ActorTrends id=id />
                            <ActorSignals id=id />
                        }
                        .into_any()
                    }
                }
            />
        </div>
    }
}
