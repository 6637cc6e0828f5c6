//! `/actors` (the fleet as a table) and `/actors/:id` (one Actor's basic facts).

use crate::client::{ActorDetail, ActorSummary, ApiError};
use crate::layout::set_title;
use crate::pages::actor_analytics::ActorAnalytics;
use crate::pages::dashboard::Unreachable;
use crate::state::{Forge, SessionState};
use crate::time::{format_date_str, parse_rfc3339, relative};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// Actors whose name or title contains `filter` (case-insensitive), by title.
pub fn filter_actors(items: &[ActorSummary], filter: &str) -> Vec<ActorSummary> {
    let needle = filter.trim().to_lowercase();
    let mut out: Vec<ActorSummary> = items
        .iter()
        .filter(|a| {
            needle.is_empty()
                || a.name.to_lowercase().contains(&needle)
                || a.title
                    .as_deref()
                    .is_some_and(|t| t.to_lowercase().contains(&needle))
        })
        .cloned()
        .collect();
    out.sort_by_key(|a| display_name(a).to_lowercase());
    out
}

fn display_name(a: &ActorSummary) -> &str {
    a.title
        .as_deref()
        .filter(|t| !t.is_empty())
        .unwrap_or(&a.name)
}

fn when(ts: Option<&str>, now: i64) -> String {
    ts.and_then(parse_rfc3339)
        .map_or_else(|| "—".to_string(), |t| relative(t, now))
}

fn load_error(e: &ApiError) -> impl IntoView {
    let hint = match (e.status(), e.kind()) {
        (Some(403), Some("insufficient-permissions")) => Some(view! {
            <p>
                "This token lacks " <strong>"Actors: Read"</strong>
                ". The " <A href="/settings#scope-check">"scope check"</A> " shows what is missing."
            </p>
        }),
        _ => None,
    };
    view! {
        <div class="notice notice-error" role="alert">
            <p>{e.message()}</p>
            {hint}
        </div>
    }
}

/// The account's Actors, loaded when connected and reloaded after every connect.
#[component]
pub fn ActorsTable(#[prop(into)] filter: Signal<String>) -> impl IntoView {
    let forge = Forge::get();
    let actors = LocalResource::new(move || {
        forge.generation.track();
        let client = forge.client.get_value();
        async move { client.actors().await }
    });
    move || match actors.get() {
        None => {
            view! { <p class="muted loading" role="status">"Loading your Actors…"</p> }.into_any()
        }
        Some(Err(e)) => load_error(&e).into_any(),
        Some(Ok(page)) if page.items.is_empty() => view! {
            <p class="empty">"This account has no Actors of its own yet."</p>
        }
        .into_any(),
        Some(Ok(page)) => {
            let now = forge.now.get();
            let total = page.total.max(page.items.len() as u64);
            let rows = filter_actors(&page.items, &filter.get());
            let shown = rows.len();
            let body = rows
                .into_iter()
                .map(|a| {
                    let href = format!("/actors/{}", a.id);
                    let name = display_name(&a).to_string();
                    let slug = match &a.username {
                        Some(u) => format!("{u}/{}", a.name),
                        None => a.name.clone(),
                    };
                    view! {
                        <tr data-actor=a.id.clone()>
                            <th scope="row">
                                <A href=href attr:class="actor-link">{name}</A>
                                <span class="slug mono">{slug}</span>
                            </th>
                            <td class="num">{a.stats.total_runs.map_or_else(|| "—".to_string(), group_thousands)}</td>
                            <td>{when(a.stats.last_run_started_at.as_deref(), now)}</td>
                            <td class="hide-narrow">{when(a.modified_at.as_deref(), now)}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="table-wrap">
                    <table class="data-table actors-table">
                        <caption class="table-caption">
                            {if shown as u64 == total {
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
            .into_any()
        }
    }
}

/// `12345` → `12,345`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Shows `body` when connected, the right prompt otherwise.
fn when_connected<V: IntoView + 'static>(
    forge: Forge,
    body: impl Fn() -> V + Send + Sync + 'static,
) -> impl IntoView {
    move || match forge.session.get() {
        SessionState::Loading => view! {
            <p class="muted loading" role="status">"Connecting to the Forge relay…"</p>
        }
        .into_any(),
        SessionState::Unreachable(message) => view! { <Unreachable message /> }.into_any(),
        SessionState::Disconnected(_) => view! {
            <section class="card">
                <p>"Connect your Apify token to see your Actors."</p>
                <A href="/settings" attr:class="button primary">"Connect a token"</A>
            </section>
        }
        .into_any(),
        SessionState::Connected(_) => body().into_any(),
    }
}

#[component]
pub fn ActorsPage() -> impl IntoView {
    set_title("Actors");
    let forge = Forge::get();
    let filter = RwSignal::new(String::new());
    view! {
        <div class="page">
            <h1 class="page-title">"Actors"</h1>
            {when_connected(forge, move || view! {
                <section class="card">
                    <div class="filter-row">
                        <label for="actor-filter" class="field-label">"Filter by name"</label>
                        <input
                            id="actor-filter"
                            class="input"
                            type="search"
                            placeholder="e.g. scraper"
                            prop:value=move || filter.get()
                            on:input=move |ev| filter.set(event_target_value(&ev))
                        />
                    </div>
                    <ActorsTable filter=filter />
                </section>
            })}
        </div>
    }
}

#[component]
pub fn ActorPage() -> impl IntoView {
    let forge = Forge::get();
    let fleet = crate::fleet_store::FleetStore::get();
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let actor = LocalResource::new(move || {
        let id = id.get();
        forge.generation.track();
        let client = forge.client.get_value();
        async move { client.actor(&id).await }
    });
    Effect::new(move |_| match actor.get() {
        Some(Ok(a)) => set_title(a.title.as_deref().unwrap_or(&a.name)),
        _ => set_title("Actor"),
    });
    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label="Breadcrumb">
                <A href="/actors">"Actors"</A>
                <span aria-hidden="true">" / "</span>
                <span aria-current="page">
                    {move || match actor.get() {
                        Some(Ok(a)) => a.name,
                        _ => id.get(),
                    }}
                </span>
            </nav>
            {when_connected(forge, move || match actor.get() {
                None => view! { <p class="muted loading" role="status">"Loading the Actor…"</p> }.into_any(),
                Some(Err(e)) => view! {
                    <h1 class="page-title">"Actor"</h1>
                    {load_error(&e)}
                }
                .into_any(),
                Some(Ok(a)) => view! {
                    <div class="run-row" data-refreshed=move || fleet.refreshed.get().to_string()>
                        <crate::run_dialog::RunButton
                            id=a.id.clone()
                            name=a.name.clone()
                            memory=a.default_run_options.as_ref().and_then(|o| o.memory_mbytes).and_then(|m| u32::try_from(m).ok())
                            timeout=a.default_run_options.as_ref().and_then(|o| o.timeout_secs).and_then(|t| u32::try_from(t).ok())
                        />
                        <crate::run_dialog::RunDialog />
                    </div>
                    <ActorFacts actor=a now=forge.now.get_untracked() />
                    <ActorAnalytics id=id />
                    <ActorTrends id=id />
                    <ActorSignals id=id />
                }
                .into_any(),
            })}
        </div>
    }
}

#[component]
fn ActorFacts(actor: ActorDetail, now: i64) -> impl IntoView {
    let title = actor
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| actor.name.clone());
    let full_name = match &actor.username {
        Some(u) => format!("{u}/{}", actor.name),
        None => actor.name.clone(),
    };
    let latest = actor
        .tagged_builds
        .as_ref()
        .and_then(|t| t.get("latest").cloned().flatten());
    let options = actor.default_run_options.clone().unwrap_or_default();
    let console = format!("https://console.apify.com/actors/{}", actor.id);
    let fact = |label: &'static str, value: String| {
        view! {
            <div class="fact">
                <dt>{label}</dt>
                <dd>{value}</dd>
            </div>
        }
    };
    let dash = || "—".to_string();
    view! {
        <header class="actor-head">
            <h1 class="page-title">{title}</h1>
            <p class="slug mono">{full_name}</p>
            <p class="badges">
                <span class="badge">{if actor.is_public { "Public" } else { "Private" }}</span>
                {actor.is_deprecated.then(|| view! { <span class="badge badge-warn">"Deprecated"</span> })}
                {actor.categories.clone().unwrap_or_default().into_iter().map(|c| view! {
                    <span class="badge badge-muted">{c}</span>
                }).collect_view()}
            </p>
        </header>
        {actor.description.clone().filter(|d| !d.is_empty()).map(|d| view! { <p class="lead">{d}</p> })}
        <section class="card" aria-labelledby="facts-title">
            <h2 id="facts-title">"At a glance"</h2>
            <dl class="facts">
                {fact("Runs (all time)", actor.stats.total_runs.map_or_else(dash, group_thousands))}
                {fact("Last run", when(actor.stats.last_run_started_at.as_deref(), now))}
                {fact("Builds", actor.stats.total_builds.map_or_else(dash, group_thousands))}
                {fact("Latest build", latest.as_ref().and_then(|b| b.build_number.clone()).unwrap_or_else(dash))}
                {fact("Default memory", options.memory_mbytes.map_or_else(dash, |m| format!("{} MB", group_thousands(m))))}
                {fact("Default timeout", options.timeout_secs.map_or_else(dash, format_secs))}
                {fact("Created", actor.created_at.as_deref().map_or_else(dash, format_date_str))}
                {fact("Modified", actor.modified_at.as_deref().map_or_else(dash, format_date_str))}
            </dl>
        </section>
        <p>
            <a href=console class="external" target="_blank" rel="noopener noreferrer">
                "Open in Apify Console"
            </a>
        </p>
    }
}

/// `3600` → `1 h`, `300` → `5 min`, `45` → `45 s`.
pub fn format_secs(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 if secs.is_multiple_of(60) => format!("{} min", secs / 60),
        60..=3599 => format!("{} min {} s", secs / 60, secs % 60),
        _ if secs.is_multiple_of(3600) => format!("{} h", secs / 3600),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

/// This Actor's week-over-week deltas and weekly chart, from the dashboard's trend snapshots.
#[component]
fn ActorTrends(#[prop(into)] id: Signal<String>) -> impl IntoView {
    let store = crate::fleet_store::FleetStore::get();
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
                    {crate::pages::fleet::delta_list(d, "actor-deltas")}
                })}
                {crate::pages::fleet::trend_charts(&series, move |s| {
                    s.actors.get(&pick_id).map(|a| (a.figures.health, a.figures.cost_usd))
                })}
            </section>
        }
        .into_any()
    }
}

/// The `SIGNALS` of this Actor's latest successful run.
#[component]
fn ActorSignals(#[prop(into)] id: Signal<String>) -> impl IntoView {
    let forge = Forge::get();
    let signals = LocalResource::new(move || {
        let id = id.get();
        forge.generation.track();
        let client = forge.client.get_value();
        async move {
            let f = crate::loader::Fetcher::new(
                client,
                crate::loader::LoadOptions::default(),
                crate::loader::Cancel::default(),
            );
            crate::signals_view::actor_signals(&f, &id).await
        }
    });
    move || match signals.get() {
        None => view! { <p class="muted loading" role="status">"Reading SIGNALS…"</p> }.into_any(),
        Some(state) => view! { <crate::signals_view::SignalsCard state /> }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(name: &str, title: Option<&str>) -> ActorSummary {
        ActorSummary {
            id: name.to_string(),
            name: name.to_string(),
            username: None,
            title: title.map(str::to_string),
            modified_at: None,
            stats: Default::default(),
        }
    }

    #[test]
    fn filtering_and_order() {
        let items = [
            actor("zeta", Some("Amazon scraper")),
            actor("alpha", None),
            actor("shop", Some("Shop Scraper")),
        ];
        let names = |v: Vec<ActorSummary>| v.into_iter().map(|a| a.name).collect::<Vec<_>>();
        assert_eq!(names(filter_actors(&items, "")), ["alpha", "zeta", "shop"]);
        assert_eq!(names(filter_actors(&items, " SCRAPER ")), ["zeta", "shop"]);
        assert_eq!(names(filter_actors(&items, "alp")), ["alpha"]);
    }

    #[test]
    fn numbers() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(48_211_907), "48,211,907");
        assert_eq!(format_secs(3600), "1 h");
        assert_eq!(format_secs(300), "5 min");
        assert_eq!(format_secs(90), "1 min 30 s");
        assert_eq!(format_secs(5400), "1 h 30 min");
    }
}
