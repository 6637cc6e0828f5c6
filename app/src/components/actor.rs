//! The parts of `/actors/:id` around the analytics: the Actor's facts, its week-over-week
//! trends (from the dashboard's snapshots) and the `SIGNALS` of its latest successful run.

use crate::components::abort_on_cleanup;
use crate::components::fleet::{delta_list, trend_charts};
use crate::components::signals::SignalsCard;
use crate::data::fleet::FleetStore;
use crate::data::loader;
use crate::data::session::Forge;
use crate::data::signals::actor_signals;
use crate::view_model::actors::slug;
use crate::view_model::format::{format_secs, group_thousands, or_dash, DASH};
use crate::view_model::time::{date_of, relative_iso};
use forge_apify::models::Actor;
use leptos::prelude::*;

/// The facts at the top: name, badges, description, defaults, dates and the Console link.
#[component]
pub fn ActorFacts(actor: Actor, now_ms: i64) -> impl IntoView {
    let title = actor
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| actor.name.clone());
    let full_name = slug(&actor.username, &actor.name);
    let latest = actor.latest_build_number().map(str::to_string);
    let options = actor.default_run_options.clone().unwrap_or_default();
    let stats = actor.stats.clone().unwrap_or_default();
    let console = crate::view_model::console::actor_url(&actor.id);
    let fact = |label: &'static str, value: String| {
        view! {
            <div class="fact">
                <dt>{label}</dt>
                <dd>{value}</dd>
            </div>
        }
    };
    view! {
        <header class="actor-head">
            <h1 class="page-title">{title}</h1>
            <p class="slug mono">{full_name}</p>
            <p class="badges">
                <span class="badge">{if actor.is_public == Some(true) { "Public" } else { "Private" }}</span>
                {(actor.is_deprecated == Some(true)).then(|| view! { <span class="badge badge-warn">"Deprecated"</span> })}
                {actor.categories.clone().unwrap_or_default().into_iter().map(|c| view! {
                    <span class="badge badge-muted">{c}</span>
                }).collect_view()}
            </p>
        </header>
        {actor.description.clone().filter(|d| !d.is_empty()).map(|d| view! { <p class="lead">{d}</p> })}
        <section class="card" aria-labelledby="facts-title">
            <h2 id="facts-title">"At a glance"</h2>
            <dl class="facts">
                {fact("Runs (all time)", or_dash(stats.total_runs, group_thousands))}
                {fact("Last run", relative_iso(stats.last_run_started_at.as_deref(), now_ms))}
                {fact("Builds", or_dash(stats.total_builds, group_thousands))}
                {fact("Latest build", latest.unwrap_or_else(|| DASH.to_string()))}
                {fact("Default memory", or_dash(options.memory_mbytes, |m| format!("{} MB", group_thousands(u64::from(m)))))}
                {fact("Default timeout", or_dash(options.timeout_secs, |t| format_secs(u64::from(t))))}
                {fact("Created", or_dash(actor.created_at.as_deref(), date_of))}
                {fact("Modified", or_dash(actor.modified_at.as_deref(), date_of))}
            </dl>
        </section>
        <p>
            <a href=console class="external" target="_blank" rel="noopener noreferrer">
                "Open in Apify Console"
            </a>
        </p>
    }
}

/// This Actor's week-over-week deltas and weekly chart, from the dashboard's trend snapshots.
#[component]
pub fn ActorTrends(#[prop(into)] id: Signal<String>) -> impl IntoView {
    let store = FleetStore::get();
    move || {
        let id = id.get();
        let t = store.trends.get();
        let series = t.series();
        let wow = t.week_over_week().and_then(|w| {
            w.actors
                .get(&id)
                .map(|(_, d)| (w.previous_week.clone(), *d))
        });
        let has_any = series.iter().any(|s| s.actors.contains_key(&id));
        if !has_any {
            return view! {
                <section class="card" id="actor-trends">
                    <h2>"Week over week"</h2>
                    <p class="muted">"Weekly trends appear once the dashboard has read the forge-trends snapshots (open the dashboard first)."</p>
                </section>
            }
            .into_any();
        }
        let pick_id = id.clone();
        view! {
            <section class="card" id="actor-trends">
                <h2>"Week over week"</h2>
                {wow.map(|(prev, d)| view! {
                    <p class="muted">{format!("Last 7 days against {prev}.")}</p>
                    {delta_list(d, "actor-deltas")}
                })}
                {trend_charts(&series, move |s| {
                    s.actors.get(&pick_id).map(|a| (a.figures.health, a.figures.cost_usd))
                })}
            </section>
        }
        .into_any()
    }
}

/// The `SIGNALS` of this Actor's latest successful run.
#[component]
pub fn ActorSignals(#[prop(into)] id: Signal<String>) -> impl IntoView {
    let forge = Forge::get();
    let abort = abort_on_cleanup();
    let signals = LocalResource::new(move || {
        let id = id.get();
        forge.generation.track();
        let f = loader::fetcher(forge.client(), abort.clone());
        async move { actor_signals(&f, &id).await }
    });
    move || match signals.get() {
        None => view! { <p class="muted loading" role="status">"Reading SIGNALS…"</p> }.into_any(),
        Some(state) => view! { <SignalsCard state /> }.into_any(),
    }
}
