//! The analytics half of `/actors/:id`: the window's figures and health drivers, charts,
//! failures grouped by status-message pattern, builds with their failure rates and cost per
//! 1,000 results, where the money goes, output fields, and the run
//! table — every figure, row and group computed by `forge-fleet` (`actor_report`, `run_rows`,
//! `failure_groups`) from the facts `prepare` parsed once.

use crate::api::{clock, Abort};
use crate::components::charts::{CostChart, DurationChart, StatusChart};
use crate::components::fleet::WindowPicker;
use crate::components::gate::TryAgain;
use crate::components::spend::SpendSection;
use crate::components::with_code;
use crate::data::actor::analytics_input;
use crate::data::fleet::FleetStore;
use crate::data::loader::ActorProblem;
use crate::data::session::Forge;
use crate::view_model::console::{dataset_url, run_log_url, run_url};
use crate::view_model::fleet_table::{bucket_class, health_class};
use crate::view_model::format::{duration, or_dash, pct, usd_or_na, DASH};
use crate::view_model::run_table::{duration_cell, RunFilter, RunPage};
use crate::view_model::spend::Whose;
use crate::view_model::time::{day_month_year, relative, short_local};
use forge_apify::time::format_iso_millis;
use forge_fleet::changes::BuildChanges;
use forge_fleet::format::capitalised;
use forge_fleet::quality::FieldQuality;
use forge_fleet::{
    actor_report, failure_groups, prepare, run_rows, ActorInput, PreparedActor, Window,
};
use leptos::prelude::*;

#[component]
pub fn ActorAnalytics(#[prop(into)] id: Signal<String>) -> impl IntoView {
    let forge = Forge::get();
    let abort: StoredValue<Option<Abort>, LocalStorage> = StoredValue::new_local(None);
    let end_ms = clock::now_ms() as i64;
    let data = LocalResource::new(move || {
        let id = id.get();
        forge.generation.track();
        if let Some(a) = abort.get_value() {
            a.abort();
        }
        let a = Abort::new();
        abort.set_value(Some(a.clone()));
        analytics_input(forge.client(), id, a, end_ms)
    });
    on_cleanup(move || {
        if let Some(a) = abort.get_value() {
            a.abort();
        }
    });
    move || {
        match data.get() {
        None | Some(None) => view! {
            <p class="muted loading" role="status" id="actor-loading">"Loading runs, builds, memory and result counts…"</p>
        }
        .into_any(),
        Some(Some(Err(p))) => view! {
            <section class="card" id="actor-analytics">
                <h2>"Reliability, durations and cost"</h2>
                <div class="notice notice-warn notice-action" role="alert" id="actor-problem">
                    <div>
                        <p>{p.text()}</p>
                        {matches!(p, ActorProblem::Denied(_)).then(|| view! {
                            <p>"Run history needs a token with Actors: List runs (Actor runs: Read)."</p>
                        })}
                    </div>
                    <TryAgain retry=Callback::new(move |_| data.refetch()) />
                </div>
            </section>
        }
        .into_any(),
        Some(Some(Ok(input))) => view! { <Analytics input end_ms /> }.into_any(),
    }
    }
}

#[component]
fn Analytics(mut input: ActorInput, end_ms: i64) -> impl IntoView {
    let store = FleetStore::get();
    for (run, items) in store.item_counts(&input.actor.id) {
        input.item_counts.entry(run).or_insert(items);
    }
    let prepared = StoredValue::new(prepare(&input));
    let input = StoredValue::new(input);
    let report = Memo::new(move |_| {
        prepared.with_value(|p| actor_report(p, Window::new(store.days.get(), end_ms)))
    });
    move || {
        let r = report.get();
        let window = Window::new(r.window_days, end_ms);
        // One pass over the window's runs for the failure groups and the filter counts.
        let (groups, counts) = input.with_value(|input| {
            prepared.with_value(|prepared| {
                let rows = run_rows(input, prepared, window);
                let counts: Vec<(RunFilter, usize)> = RunFilter::ALL
                    .into_iter()
                    .map(|f| (f, f.count(rows.iter().map(|r| r.status))))
                    .collect();
                (failure_groups(&rows), counts)
            })
        });
        let actor_id = input.with_value(|i| i.actor.id.clone());
        let release = r.builds.release.clone();
        let releases: Vec<(i64, String)> = r
            .builds
            .used
            .iter()
            .filter_map(|b| Some((b.built_ms?, b.number.clone().or(b.id.clone())?)))
            .collect();
        view! {
            <section class="card" id="actor-analytics" data-bucket=r.placement.bucket.code()>
                <div class="card-head">
                    <h2 id="actor-window-title">{format!("Last {} days", r.window_days)}</h2>
                    <WindowPicker labelled_by="actor-window-title" />
                </div>
                {r.runaway.clone().map(|run| {
                    let link = run.run_id.as_deref().map(|id| view! {
                        " Aborting is outside Forge's five permissions: "
                        <a href=run_url(&actor_id, id) target="_blank" rel="noopener noreferrer">"open the run in Apify Console to abort it"</a>
                        "."
                    });
                    view! {
                        <p class="notice notice-error" id="runaway" role="alert">
                            {format!("A run has run away: {}.", run.reason())}
                            {link}
                        </p>
                    }
                })}
                <div class="summary-grid">
                    <div class="fleet-health" id="actor-health">
                        <span class="field-label">"Health"</span>
                        <span class=health_class(r.health.score)>{r.health.score}</span>
                        <p><span class=bucket_class(r.placement.bucket)>{r.placement.bucket.label()}</span> " " {r.placement.reason.clone()}</p>
                        <ul class="drivers" id="actor-drivers">
                            {r.health.drivers.iter().map(|d| view! { <li>{d.text()}</li> }).collect_view()}
                        </ul>
                    </div>
                    <dl class="figures">
                        <div class="figure"><dt>"Runs"</dt><dd>{r.runs.total()}</dd></div>
                        <div class="figure"><dt>"Success"</dt><dd>{or_dash(r.success_rate, pct)}</dd></div>
                        <div class="figure"><dt>"p50 / p95"</dt><dd>{format!("{} / {}", or_dash(r.duration.p50_ms, duration), or_dash(r.duration.p95_ms, duration))}</dd></div>
                        <div class="figure"><dt>"Cost"</dt><dd>{usd_or_na(r.cost.total_usd)}</dd></div>
                        <div class="figure"><dt>"Cost / 1,000 results"</dt><dd>{usd_or_na(r.cost.per_1000_results_usd)}</dd></div>
                        <div class="figure"><dt>"Memory use"</dt><dd>{or_dash(r.memory.peak_share_avg, pct)}</dd></div>
                    </dl>
                </div>
                {r.memory.suggestion.as_ref().map(|s| view! { <p class="notice notice-info" id="memory-suggestion">{s.text.clone()}</p> })}
            </section>
            <section class="card">
                <h2>"Charts"</h2>
                <div class="chart-grid-2">
                    <div><h3>"Runs by status"</h3><StatusChart days=r.daily.clone() label="Runs per day by status" window releases=releases /></div>
                    <div><h3>"Cost per day"</h3><CostChart days=r.daily.clone() label="Cost per day" window /></div>
                    <div><h3>"Duration distribution"</h3><DurationChart histogram=r.duration.histogram /></div>
                </div>
            </section>
            <section class="card" id="failures">
                <h2>"Failures by status message"</h2>
                {if groups.failures == 0 {
                    view! { <p class="muted">"No failed or timed-out runs in this window."</p> }.into_any()
                } else {
                    view! {
                        <p class="muted small-print">{format!(
                            "{} failed or timed-out runs; grouped by message, from the latest {} with a loaded status message.",
                            groups.failures, groups.sampled
                        )}</p>
                        <ul class="failure-groups">
                            {groups.groups.into_iter().map(|g| view! {
                                <li data-pattern=g.pattern.clone() title=g.pattern>
                                    <span class="count">{g.runs}</span> " " {g.example}
                                    <span class="muted small-print">
                                        " · newest " {relative(g.newest_ms, end_ms)} " · "
                                        <a href=run_log_url(&actor_id, &g.newest_run_id) target="_blank" rel="noopener noreferrer">"its log in Apify Console"</a>
                                    </span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="card" id="builds">
                <h2>"Builds"</h2>
                {release.map(|c| view! {
                    <p class=if c.regression { "notice notice-error" } else { "muted" } id="release-note">{with_code(&c.note)}</p>
                    {c.changes.map(|changes| view! { <BuildChangesList changes /> })}
                })}
                <div class="table-wrap">
                    <table class="data-table">
                        <thead><tr><th scope="col">"Build"</th><th scope="col">"Built"</th><th scope="col">"Runs from"</th><th scope="col" class="num">"Runs"</th><th scope="col" class="num">"Finished"</th><th scope="col" class="num">"Failed"</th><th scope="col" class="num">"Failure rate"</th><th scope="col" class="num">"Cost / 1,000 results"</th></tr></thead>
                        <tbody>
                            {r.builds.used.iter().map(|b| view! {
                                <tr>
                                    <th scope="row">{b.number.clone().or(b.id.clone()).unwrap_or_else(|| DASH.to_string())}</th>
                                    <td>{or_dash(b.built_ms, day_month_year)}</td>
                                    <td>{format!("{} – {}", day_month_year(b.first_run_ms), day_month_year(b.last_run_ms))}</td>
                                    <td class="num">{b.runs}</td>
                                    <td class="num">{b.finished}</td>
                                    <td class="num">{b.failed}</td>
                                    <td class="num">{or_dash(b.failure_rate, pct)}</td>
                                    <td class="num" data-col="per-1000" title=format!("From {} finished run{} with a cost and an item count", b.results_runs, if b.results_runs == 1 { "" } else { "s" })>{usd_or_na(b.per_1000_results_usd)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
            <SpendSection breakdown=r.cost.by_kind.clone() month=r.cost.month.clone() window_usd=r.cost.total_usd whose=Whose::Actor />
            <FieldsCard fields=r.fields.clone() />
            <RunsTable input prepared window actor_id=actor_id.clone() counts />
        }
    }
}

/// Output quality per field (`forge_fleet::quality`): the fields worse since the newest build,
/// then every field's null and missing shares on the newest build's measured runs and before.
#[component]
fn FieldsCard(fields: FieldQuality) -> impl IntoView {
    let drifts = fields.drift_texts();
    let body = match fields {
        FieldQuality::NotRead => view! {
            <p class="muted" id="fields-state">"No field statistics were read for this window's successful runs."</p>
        }
        .into_any(),
        FieldQuality::NoSchema => view! {
            <p class="muted" id="fields-state">"No field statistics: this Actor declares no dataset schema."</p>
        }
        .into_any(),
        FieldQuality::Measured { newest_build, fields } => {
            let build = newest_build.unwrap_or_else(|| "the newest build".to_string());
            let (runs_new, runs_before) = fields
                .first()
                .map_or((0, 0), |f| (f.newest.runs, f.before.runs));
            let note = format!(
                "From Apify's dataset statistics of {runs_new} successful run{} on {build} and {runs_before} before it — counts only, never an item.",
                if runs_new == 1 { "" } else { "s" }
            );
            view! {
                {(!drifts.is_empty()).then(|| view! {
                    <div class="notice notice-warn" id="field-drift">
                        {drifts.iter().map(|d| view! { <p>{d.clone()}</p> }).collect_view()}
                    </div>
                })}
                <div class="table-wrap">
                    <table class="data-table" id="fields-table">
                        <thead><tr>
                            <th scope="col">"Field"</th>
                            <th scope="col" class="num">{format!("Null on {build}")}</th>
                            <th scope="col" class="num">"Null before"</th>
                            <th scope="col" class="num">{format!("Missing on {build}")}</th>
                            <th scope="col" class="num">"Missing before"</th>
                        </tr></thead>
                        <tbody>
                            {fields.into_iter().map(|f| view! {
                                <tr data-field=f.name.clone() data-drift=f.drift.is_some().to_string()>
                                    <th scope="row"><code>{f.name.clone()}</code></th>
                                    <td class="num">{or_dash(f.newest.null_share(), pct)}</td>
                                    <td class="num">{or_dash(f.before.null_share(), pct)}</td>
                                    <td class="num">{or_dash(f.newest.empty_share(), pct)}</td>
                                    <td class="num">{or_dash(f.before.empty_share(), pct)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <p class="small-print">{note}</p>
            }
            .into_any()
        }
    };
    view! {
        <section class="card" id="fields">
            <h2>"Output fields"</h2>
            {body}
        </section>
    }
}

/// What the newest build declares differently from the one before: every change, or that
/// nothing declared changed.
#[component]
fn BuildChangesList(changes: BuildChanges) -> impl IntoView {
    let sentences = changes.sentences();
    let heading = format!("What {} changed since {}", changes.to, changes.from);
    view! {
        <div id="build-changes">
            <h3>{heading}</h3>
            {if sentences.is_empty() {
                view! { <p class="muted">"Nothing it declares: the same input fields and defaults, dataset fields and memory default."</p> }.into_any()
            } else {
                view! {
                    <ul class="build-changes">
                        {sentences.iter().map(|s| {
                            view! { <li>{with_code(&capitalised(s))}</li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <p class="small-print">"From each build's input schema, dataset schema and memory default — never its source or environment."</p>
        </div>
    }
}

/// The window's runs, newest first: a status filter with counts, 25 per page, each run's start
/// in local time (UTC in its title) and links to it, its log and its results in Apify Console.
#[component]
fn RunsTable(
    input: StoredValue<ActorInput>,
    prepared: StoredValue<PreparedActor>,
    window: Window,
    actor_id: String,
    /// Runs per filter, [`RunFilter::ALL`] order.
    counts: Vec<(RunFilter, usize)>,
) -> impl IntoView {
    let filter = RwSignal::new(RunFilter::All);
    let page = RwSignal::new(0usize);
    let actor_id = StoredValue::new(actor_id);
    let total = counts[0].1;
    let table = move || {
        let f = filter.get();
        input.with_value(|input| {
            prepared.with_value(|prepared| {
                let rows: Vec<_> = run_rows(input, prepared, window)
                    .into_iter()
                    .filter(|r| f.keeps(r.status))
                    .collect();
                let shown = RunPage::of(rows.len(), page.get());
                let actor = actor_id.get_value();
                let body = rows[shown.start..shown.end]
                    .iter()
                    .map(|x| {
                        let status = x.status.as_str();
                        view! {
                            <tr data-run=x.id.to_string() data-status=status>
                                <td><span class=format!("status status-{}", status.to_ascii_lowercase())>{status}</span></td>
                                <td class="when" title=format!("{} UTC", format_iso_millis(x.started_ms))>
                                    {short_local(x.started_ms, window.end_ms, clock::local_offset_min(x.started_ms))}
                                </td>
                                <td class="num">{duration_cell(x.status, x.duration_ms, x.started_ms, window.end_ms)}</td>
                                <td class="num">{usd_or_na(x.cost_usd)}</td>
                                <td>{x.build_number.unwrap_or(DASH).to_string()}</td>
                                <td class="message">{x.status_message.unwrap_or_default().to_string()}</td>
                                <td class="run-links">
                                    <a href=run_url(&actor, x.id) target="_blank" rel="noopener noreferrer" aria-label=format!("Run {} in Apify Console", x.id)>"Run"</a>
                                    " "
                                    <a href=run_log_url(&actor, x.id) target="_blank" rel="noopener noreferrer" aria-label=format!("Log of run {} in Apify Console", x.id)>"Log"</a>
                                    {x.dataset_id.map(|d| view! {
                                        " "
                                        <a href=dataset_url(d) target="_blank" rel="noopener noreferrer" aria-label=format!("Results of run {} in Apify Console", x.id)>"Results"</a>
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="table-wrap">
                        <table class="data-table runs-table">
                            <caption class="visually-hidden">{format!("{}, newest first", shown.text())}</caption>
                            <thead><tr>
                                <th scope="col">"Status"</th><th scope="col">"Started"</th><th scope="col" class="num">"Duration"</th>
                                <th scope="col" class="num">"Cost"</th><th scope="col">"Build"</th><th scope="col">"Status message"</th>
                                <th scope="col">"Apify Console"</th>
                            </tr></thead>
                            <tbody>{body}</tbody>
                        </table>
                    </div>
                    {(shown.total == 0).then(|| view! { <p class="muted" id="runs-empty">"No runs with this status in the window."</p> })}
                    <nav class="pager" aria-label="Pages of runs">
                        <button type="button" class="button" id="runs-newer" disabled=!shown.has_newer() on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"← Newer"</button>
                        <span id="runs-page" aria-live="polite">{format!("{} · page {} of {}", shown.text(), shown.page + 1, shown.pages)}</span>
                        <button type="button" class="button" id="runs-older" disabled=!shown.has_older() on:click=move |_| page.update(|p| *p += 1)>"Older →"</button>
                    </nav>
                }
            })
        })
    };
    view! {
        <section class="card" id="runs">
            <h2 id="runs-title">{format!("Runs ({total})")}</h2>
            <div class="segmented run-filter" role="group" aria-label="Show runs">
                {counts.into_iter().map(|(f, n)| view! {
                    <button
                        type="button"
                        class="seg-button"
                        data-filter=f.code()
                        aria-pressed=move || (filter.get() == f).to_string()
                        on:click=move |_| { filter.set(f); page.set(0); }
                    >
                        {format!("{} {n}", f.label())}
                    </button>
                }).collect_view()}
            </div>
            {table}
        </section>
    }
}
