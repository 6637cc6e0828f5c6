//! `/actors` — the account's Actors as a filterable list, linking to each Actor's page.

use crate::components::gate::{ConnectPrompt, LoadError, SessionGate};
use crate::components::layout::set_title;
use crate::components::{abort_on_cleanup, NameFilter};
use crate::data::actor::own_actors;
use crate::data::session::Forge;
use crate::view_model::actors::{display_name, filter_actors, slug};
use crate::view_model::format::{group_thousands, or_dash};
use crate::view_model::time::relative_iso;
use forge_apify::models::ActorShort;
use leptos::prelude::*;

#[component]
pub fn ActorsPage() -> impl IntoView {
    set_title("Actors");
    let filter = RwSignal::new(String::new());
    view! {
        <div class="page">
            <h1 class="page-title">"Actors"</h1>
            <SessionGate
                disconnected=|_| view! { <ConnectPrompt what="your Actors" /> }
                connected=move |_| view! {
                    <section class="card">
                        <NameFilter id="actor-filter" value=filter />
                        <ActorsTable filter=filter />
                    </section>
                }
            />
        </div>
    }
}

/// The account's Actors, loaded when connected and reloaded after every connect.
#[component]
fn ActorsTable(#[prop(into)] filter: Signal<String>) -> impl IntoView {
    let forge = Forge::get();
    let abort = abort_on_cleanup();
    let actors = LocalResource::new(move || {
        forge.generation.track();
        let (client, abort) = (forge.client(), abort.clone());
        async move { own_actors(client, abort).await }
    });
    move || {
        match actors.get() {
        None => {
            view! { <p class="muted loading" role="status">"Loading your Actors…"</p> }.into_any()
        }
        Some(Err(error)) => view! { <LoadError error grant="Actors: Read" retry=Callback::new(move |_| actors.refetch()) /> }.into_any(),
        Some(Ok(actors)) if actors.is_empty() => view! {
            <p class="empty">"This account has no Actors of its own yet."</p>
        }
        .into_any(),
        Some(Ok(actors)) => table(&actors, &filter.get(), forge.now_ms.get()).into_any(),
    }
    }
}

fn table(actors: &[ActorShort], filter: &str, now_ms: i64) -> impl IntoView {
    let total = actors.len();
    let rows = filter_actors(actors, filter);
    let shown = rows.len();
    let body = rows
        .into_iter()
        .map(|a| {
            let stats = a.stats.clone().unwrap_or_default();
            let name = display_name(a).to_string();
            view! {
                <tr data-actor=a.id.clone()>
                    <th scope="row">
                        <a href=format!("/actors/{}", a.id) class="actor-link">{name}</a>
                        <span class="slug mono">{slug(&a.username, &a.name)}</span>
                    </th>
                    <td class="num">{or_dash(stats.total_runs, group_thousands)}</td>
                    <td>{relative_iso(stats.last_run_started_at.as_deref(), now_ms)}</td>
                    <td class="hide-narrow">{relative_iso(a.modified_at.as_deref(), now_ms)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data-table actors-table">
                <caption class="table-caption">
                    {if shown == total {
                        format!("{total} Actor{}", if total == 1 { "" } else { "s" })
                    } else {
                        format!("{shown} of {total} Actors")
                    }}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Actor"</th>
                        <th scope="col" class="num">"Runs"</th>
                        <th scope="col">"Last run"</th>
                        <th scope="col" class="hide-narrow">"Modified"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}
