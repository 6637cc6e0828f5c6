//! `/actors/:id` (an id, a name of the account's own, or `username~name`) — one Actor: its facts, then its analytics, trends and `SIGNALS`.

use crate::components::abort_on_cleanup;
use crate::components::actor::{ActorFacts, ActorSignals, ActorTrends};
use crate::components::actor_analytics::ActorAnalytics;
use crate::components::gate::{ConnectPrompt, LoadError, SessionGate};
use crate::components::layout::set_title;
use crate::components::run_dialog::{RunButton, RunDialog};
use crate::data::actor::{actor as actor_detail, is_missing};
use crate::data::fleet::FleetStore;
use crate::data::session::Forge;
use crate::view_model::route::actor_ref;
use leptos::prelude::*;

#[component]
pub fn ActorPage(
    /// The address's segment after `/actors/`.
    id: String,
) -> impl IntoView {
    let forge = Forge::get();
    let fleet = FleetStore::get();
    let segment = Signal::stored(id);
    let abort = abort_on_cleanup();
    let detail = LocalResource::new(move || {
        // A bare name is one of the signed-in account's Actors: read again once it is known.
        let username = forge
            .session
            .with(|s| s.connected().map(|i| i.username.clone()));
        let actor = actor_ref(&segment.get(), username.as_deref());
        forge.generation.track();
        let (client, abort) = (forge.client(), abort.clone());
        async move { actor_detail(&client, &actor, &abort).await }
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
                        _ => segment.get(),
                    }}
                </span>
            </nav>
            <SessionGate
                disconnected=|_| view! { <ConnectPrompt what="this Actor" /> }
                connected=move |_| move || match detail.get() {
                    None => view! { <p class="muted loading" role="status">"Loading the Actor…"</p> }.into_any(),
                    Some(Err(error)) if is_missing(&error) => view! {
                        <h1 class="page-title">"No Actor named " <code>{segment.get()}</code></h1>
                        <section class="card" data-missing-actor="">
                            <p>"Your account has no Actor at this address: an Actor ID, a name, or " <code>"username~name"</code> "."</p>
                            <a href="/actors" class="button primary">"See all your Actors"</a>
                        </section>
                    }
                    .into_any(),
                    Some(Err(error)) => view! {
                        <h1 class="page-title">"Actor"</h1>
                        <LoadError error grant="Actors: Read" retry=Callback::new(move |_| detail.refetch()) />
                    }
                    .into_any(),
                    Some(Ok(a)) => {
                        // The address may name it; the fleet and its reads know it by id.
                        let id = Signal::stored(a.id.clone());
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
