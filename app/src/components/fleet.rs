//! The fleet on the dashboard: progress, summary with the health drivers, window selector,
//! action plan, charts, the table of every Actor, and how health is computed.

use crate::api::clock::{self, local_hh_mm};
use crate::api::history;
use crate::components::charts::{CostChart, StatusChart, WeekChart};
use crate::components::fleet_table::{FleetTable, TableControls};
use crate::components::gate::TryAgain;
use crate::components::run_dialog::RunDialog;
use crate::components::spend::SpendSection;
use crate::components::with_code;
use crate::data::fleet::{FleetStore, Phase};
use crate::data::session::Forge;
use crate::data::trends::TrendStatus;
use crate::view_model::console::run_url;
use crate::view_model::dashboard_view::DashboardView;
use crate::view_model::fleet_table::{bucket_class, health_class, rows};
use crate::view_model::format::{group_thousands, or_dash, pct, usd_or_na};
use crate::view_model::formula::{deductions, plan_rules};
use crate::view_model::progress;
use crate::view_model::spend::Whose;
use crate::view_model::time::{relative, retention_note};
use crate::view_model::trends::{count, delta_figures, money};
use forge_fleet::trends::{FigureDeltas, Snapshot};
use forge_fleet::window::WINDOW_CHOICES;
use forge_fleet::{Bucket, FleetDigest};
use leptos::prelude::*;
use std::time::Duration;

/// The fleet of the connected user: loaded (or shown from the cache) when it mounts, the load
/// cancelled when it goes away.
#[component]
pub fn FleetDashboard() -> impl IntoView {
    let forge = Forge::get();
    let store = FleetStore::get();
    Effect::new(move |_| {
        forge.generation.track();
        let username = forge
            .session
            .with(|s| s.connected().map(|i| i.username.clone()));
        if let Some(username) = username {
            store.ensure_loaded(forge, username);
        }
    });
    on_cleanup(move || store.stop());

    // The view the address names, and the address kept up with the view.
    let view = DashboardView::from_query(history::query_param);
    if store.days.get_untracked() != view.days {
        store.days.set(view.days);
    }
    let controls = TableControls::new(&view);
    Effect::new(move |_| history::replace_query(&controls.view(store.days.get()).to_query()));

    let report = Memo::new(move |_| store.digest());
    let meta = Memo::new(move |_| store.row_meta());
    let wow = Memo::new(move |_| store.trends.with(|t| t.week_over_week()));
    // A memo: the table's filter, sort and caption all read it, and it is built once per change.
    let table_rows = Memo::new(move |_| {
        let signals = store.signals.get();
        wow.with(|w| rows(report.get().as_ref(), &meta.get(), w.as_ref(), &signals))
    });
    let now_ms = forge.now_ms.get_untracked();
    let denied = Memo::new(move |_| {
        let m = meta.get();
        let d: Vec<String> = m.iter().filter_map(|r| r.denied.clone()).collect();
        (!d.is_empty()).then(|| (d[0].clone(), d.len(), m.len()))
    });

    let filling = Memo::new(move |_| {
        store.show_live() && matches!(store.phase.get(), Phase::Enriching { .. })
    });
    // What the table card shows. A memo: the table is built once, not again on every step of
    // the progress (a fleet of 1,000 Actors reports hundreds of steps).
    let table_state = Memo::new(
        move |_| match (meta.with(|m| m.is_empty()), store.phase.get()) {
            (false, _) => TableState::Rows,
            (true, Phase::Failed(_)) => TableState::ListFailed,
            (true, Phase::Done) => TableState::NoActors,
            (true, _) => TableState::Loading,
        },
    );

    view! {
        <div
            id="fleet"
            data-phase=move || store.phase.get().code()
            data-source=move || if store.show_live() { "live" } else if store.cached.with(|c| c.is_some()) { "cache" } else { "none" }
            data-first-rows-ms=move || store.first_rows_ms.get().map(|v| format!("{v:.0}")).unwrap_or_default()
            data-done-ms=move || store.done_ms.get().map(|v| format!("{v:.0}")).unwrap_or_default()
            data-requests=move || store.stats.get().map(|s| s.sent.to_string()).unwrap_or_default()
            data-retried=move || store.stats.get().map(|s| s.retried.to_string()).unwrap_or_default()
            data-refreshed=move || store.refreshed.get().to_string()
            data-extras=move || if store.extras_done.get() { "done" } else { "" }
            data-heap-bytes=move || if store.phase.get() == Phase::Done { format!("{:.0}", clock::wasm_heap_bytes()) } else { String::new() }
        >
            <Progress />
            {move || denied.get().map(|(perm, n, total)| view! {
                <div class="notice notice-warn" id="runs-denied" role="alert">
                    <p>
                        <strong>{format!("Your token lacks {perm}.")}</strong>
                        {format!(" Run history was refused for {n} of {total} Actors, so their health, runs, durations and cost cannot be shown. ")}
                        <a href="/settings#scope-check">"See the scope check"</a>
                        " — create a token with Actors: List runs."
                    </p>
                </div>
            })}
            <div class="window-row">
                <span class="field-label" id="window-label">"Window"</span>
                <WindowPicker labelled_by="window-label" />
                <Freshness />
            </div>
            {move || {
                let kept = forge
                    .session
                    .with(|s| s.connected().and_then(|i| i.retention_days));
                retention_note(kept, store.days.get()).map(|text| view! {
                    <p class="notice notice-info" id="retention-note">{text}</p>
                })
            }}
            {move || report.get().filter(|r| !r.actors.is_empty()).map(|r| view! {
                <NeedsAttention report=r.clone() />
                <Summary report=r.clone() />
                <TrendsCard />
                <Plan report=r.clone() controls=controls />
                <section class="card" aria-labelledby="charts-title">
                    <h2 id="charts-title">"Runs and cost per day"</h2>
                    <div class="chart-grid-2">
                        <div>
                            <h3>"Runs by status"</h3>
                            <StatusChart days=r.daily.clone() label="Fleet runs per day by status" window=r.window />
                        </div>
                        <div>
                            <h3>"Cost per day"</h3>
                            <CostChart days=r.daily.clone() label="Fleet cost per day" window=r.window />
                        </div>
                    </div>
                </section>
                <SpendSection breakdown=r.summary.cost_by_kind.clone() month=r.summary.cost_month.clone() window_usd=r.summary.cost_usd whose=Whose::Fleet />
            })}
            <section class="card" aria-labelledby="table-title">
                <div class="card-head">
                    <h2 id="table-title">"Every Actor"</h2>
                </div>
                {move || match table_state.get() {
                    TableState::Rows => view! { <FleetTable rows=table_rows now_ms=now_ms filling=filling controls=controls days=store.days summary=Signal::derive(move || report.with(|r| r.as_ref().map(|r| r.summary.clone()))) /> }.into_any(),
                    // Never a spinner that cannot end: a failed list says so above, an empty one here.
                    TableState::ListFailed => view! {
                        <p class="muted" id="fleet-empty">"No Actors to show: the list of your Actors could not be loaded (the reason is above)."</p>
                    }.into_any(),
                    TableState::NoActors => view! {
                        <p class="empty" id="fleet-empty">"This account has no Actors of its own yet."</p>
                    }.into_any(),
                    TableState::Loading => view! { <p class="muted loading" role="status">"Loading your Actors…"</p> }.into_any(),
                }}
            </section>
            <HealthFormula />
            <RunDialog />
        </div>
    }
}

/// "Updated 2 min ago" and the Refresh button, which reads only what changed since.
#[component]
fn Freshness() -> impl IntoView {
    let forge = Forge::get();
    let store = FleetStore::get();
    let now = RwSignal::new(clock::now_ms());
    if let Ok(tick) =
        set_interval_with_handle(move || now.set(clock::now_ms()), Duration::from_secs(15))
    {
        on_cleanup(move || tick.clear());
    }
    let loaded_ms = move || {
        if store.show_live() {
            // A live table from a load that stopped is not "updated" at all.
            let failed = matches!(store.phase.get(), Phase::Failed(_));
            (!failed).then(|| store.end_ms.get() as f64)
        } else {
            store.cached.with(|c| c.as_ref().map(|c| c.loaded_ms))
        }
    };
    let refresh = move |_| {
        let username = forge
            .session
            .with_untracked(|s| s.connected().map(|i| i.username.clone()));
        if let Some(username) = username {
            now.set(clock::now_ms());
            store.refresh(forge, username);
        }
    };
    view! {
        <span class="freshness">
            <span class="muted" id="updated" aria-live="polite">
                {move || loaded_ms().map(|t| format!("Updated {}", relative(t as i64, now.get() as i64)))}
            </span>
            <button
                type="button"
                class="button secondary small"
                id="refresh"
                disabled=move || store.phase.get() != Phase::Done
                on:click=refresh
            >
                "Refresh"
            </button>
        </span>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableState {
    Rows,
    ListFailed,
    NoActors,
    Loading,
}

/// 7, 30 or 90 days: the window every figure on the dashboard and the Actor pages uses.
#[component]
pub fn WindowPicker(labelled_by: &'static str) -> impl IntoView {
    let store = FleetStore::get();
    view! {
        <div class="segmented" role="group" aria-labelledby=labelled_by>
            {WINDOW_CHOICES
                .into_iter()
                .map(|d| view! {
                    <button
                        type="button"
                        class="seg-button"
                        data-days=d
                        aria-pressed=move || (store.days.get() == d).to_string()
                        on:click=move |_| store.days.set(d)
                    >
                        {format!("{d} days")}
                    </button>
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn Progress() -> impl IntoView {
    let forge = Forge::get();
    let store = FleetStore::get();
    let retry = Callback::new(move |_| {
        let username = forge
            .session
            .with_untracked(|s| s.connected().map(|i| i.username.clone()));
        if let Some(username) = username {
            store.retry(forge, username);
        }
    });
    move || {
        let phase = store.phase.get();
        let cached = store.cached.get();
        let as_of = cached.map(|c| {
            view! {
                <p class="notice notice-info" id="cache-note">
                    {format!("as of {} — refreshing…", local_hh_mm(c.loaded_ms))}
                </p>
            }
        });
        let bar = match &phase {
            Phase::Idle | Phase::Done => None,
            Phase::Failed(m) => Some(
                view! {
                    <div class="notice notice-error notice-action" role="alert" id="load-error">
                        <p>{m.clone()}</p>
                        <TryAgain retry />
                    </div>
                }
                .into_any(),
            ),
            p => Some(
                view! {
                    <div class="progress-row" role="status" id="progress">
                        <progress max="100" value=progress::percent(p) aria-label="Loading the fleet"></progress>
                        <span class="progress-words">{progress::words(p)}</span>
                    </div>
                }
                .into_any(),
            ),
        };
        view! { {as_of} {bar} }
    }
}

/// Entries of "Needs attention" shown before "and N more".
const ATTENTION_SHOWN: usize = 10;

/// First on the dashboard: each Actor in *Fix now* and each sharp drop of the week, with why
/// (`forge_fleet::needs_attention`), or a line saying nothing needs it.
#[component]
fn NeedsAttention(report: FleetDigest) -> impl IntoView {
    let store = FleetStore::get();
    move || {
        let items = store
            .trends
            .with(|t| forge_fleet::needs_attention(&report, t.week_over_week().as_ref()));
        if items.is_empty() {
            return view! {
                <p class="notice notice-ok" id="attention" data-count="0">
                    "✓ Nothing needs attention: no runaway run, no Actor in Fix now, none failing right now and no sharp health drop this week."
                </p>
            }
            .into_any();
        }
        let n = items.len();
        view! {
            <section class="card attention" id="attention" data-count=n aria-labelledby="attention-title">
                <h2 id="attention-title">"Needs attention " <span class="muted">{n}</span></h2>
                <ul class="attention-list">
                    {items.into_iter().take(ATTENTION_SHOWN).map(|a| {
                        let href = format!("/actors/{}", a.actor_id);
                        let tag = a.kind.label();
                        let since = a.failing_since_ms.map(|t| format!(" · failing since {}", relative(t, report.window.end_ms)));
                        // Aborting is outside Forge's five permissions: the link goes to the run
                        // in Apify Console, where it can be aborted.
                        let console = a.runaway.as_ref().and_then(|r| r.run_id.as_deref()).map(|run| view! {
                            " · "
                            <a class="runaway-link" href=run_url(&a.actor_id, run) target="_blank" rel="noopener noreferrer">"open the run in Apify Console to abort it"</a>
                        });
                        view! {
                            <li data-actor=a.actor_id.clone() data-kind=a.kind.code()>
                                <span class=format!("attention-tag attention-{}", a.kind.code())>{tag}</span>
                                <a href=href class="attention-name">{a.name}</a>
                                <span class=health_class(a.health)>{a.health}</span>
                                <span class="reason">{with_code(&a.reasons.join(" · "))}{since}{console}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {(n > ATTENTION_SHOWN).then(|| view! {
                    <p class="muted small-print">
                        {format!("and {} more in the ", n - ATTENTION_SHOWN)}
                        <a href="#plan">"action plan"</a>
                    </p>
                })}
            </section>
        }
        .into_any()
    }
}

fn figure(label: &'static str, id: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="figure" id=id>
            <dt>{label}</dt>
            <dd>{value}</dd>
        </div>
    }
}

#[component]
fn Summary(report: FleetDigest) -> impl IntoView {
    let s = &report.summary;
    let failures = s.runs.failed + s.runs.timed_out;
    let health = s.health;
    view! {
        <section class="card summary" aria-labelledby="summary-title">
            <h2 id="summary-title">{format!("Fleet in the last {} days", report.window.days)}</h2>
            <div class="summary-grid">
                <div class="fleet-health" id="fleet-health">
                    <span class="field-label">"Fleet health"</span>
                    <span class=health.map_or("health", health_class)>
                        {or_dash(health, |h| h.to_string())}
                    </span>
                    {(s.buckets.fix_now > 0).then(|| view! {
                        <a href="#attention" class="fix-count" id="fix-count">
                            {format!("{} need{} fixing", s.buckets.fix_now, if s.buckets.fix_now == 1 { "s" } else { "" })}
                        </a>
                    })}
                    <ul class="drivers">
                        {report.drivers.iter().map(|d| view! { <li>{d.text()}</li> }).collect_view()}
                    </ul>
                </div>
                <dl class="figures">
                    {figure("Actors", "sum-actors", s.actors.to_string())}
                    {figure("Runs", "sum-runs", group_thousands(u64::from(s.runs.total())))}
                    {figure("Success rate", "sum-success", or_dash(s.success_rate, pct))}
                    {figure("Failures", "sum-failures", format!("{failures} ({} failed, {} timed out)", s.runs.failed, s.runs.timed_out))}
                    {figure("Cost", "sum-cost", usd_or_na(s.cost_usd))}
                    {figure("Cost per run", "sum-cost-per-run", usd_or_na(s.cost_per_run_usd))}
                </dl>
            </div>
        </section>
    }
}

/// The five deltas of one set of figures, as a definition list of coloured chips.
pub fn delta_list(d: FigureDeltas, id: &'static str) -> impl IntoView {
    view! {
        <dl class="deltas" id=id>
            {delta_figures(d).into_iter().map(|f| {
                let dir = f.delta.direction.code();
                view! {
                    <div class=format!("delta delta-{dir}") data-figure=f.code data-direction=dir>
                        <dt>{f.label}</dt>
                        <dd>{f.text()}</dd>
                    </div>
                }
            }).collect_view()}
        </dl>
    }
}

/// Health and cost over every stored week.
pub fn trend_charts(
    series: &[Snapshot],
    pick: impl Fn(&Snapshot) -> Option<(Option<f64>, Option<f64>)>,
) -> impl IntoView {
    let health: Vec<(String, Option<f64>)> = series
        .iter()
        .map(|s| (s.week.clone(), pick(s).and_then(|f| f.0)))
        .collect();
    let cost: Vec<(String, Option<f64>)> = series
        .iter()
        .map(|s| (s.week.clone(), pick(s).and_then(|f| f.1)))
        .collect();
    view! {
        <div class="chart-grid-2 trend-charts">
            <div>
                <h3>"Health per week"</h3>
                <WeekChart points=health max=100.0 fmt=count label="Health per week" line_class="line-health" />
            </div>
            <div>
                <h3>"Cost per week"</h3>
                <WeekChart points=cost fmt=money label="Cost per week" line_class="line-cost" />
            </div>
        </div>
    }
}

/// Week over week for the fleet, the trend chart and the trend tracking status.
#[component]
fn TrendsCard() -> impl IntoView {
    let store = FleetStore::get();
    move || {
        let t = store.trends.get();
        let status_line = match &t.status {
            TrendStatus::Idle => None,
            TrendStatus::Working => {
                Some(("info", "Reading the weekly trend snapshots…".to_string()))
            }
            TrendStatus::Ready { written: true } => Some((
                "info",
                format!(
                    "This week's snapshot ({}) was saved to your forge-trends store.",
                    t.current.as_ref().map_or("", |c| c.week.as_str())
                ),
            )),
            TrendStatus::Ready { written: false } => None,
            TrendStatus::Off(m) => Some(("warn", m.clone())),
            TrendStatus::Failed(m) => Some(("error", m.clone())),
        };
        let code = t.status.code();
        let week = t
            .current
            .as_ref()
            .map(|c| c.week.clone())
            .unwrap_or_default();
        let wow = t.week_over_week();
        let series = t.series();
        let notes = t.notes.clone();
        view! {
            <section class="card trends" id="trends" data-status=code data-week=week aria-labelledby="trends-title">
                <h2 id="trends-title">"This week"</h2>
                {status_line.map(|(tone, line)| view! {
                    <p class=format!("notice notice-{tone}") id="trend-status">{line}</p>
                })}
                {notes.into_iter().map(|n| view! { <p class="small-print muted trend-note">{n}</p> }).collect_view()}
                {match wow {
                    Some(w) => view! {
                        <p class="muted">{format!("{} against {} (last 7 days each).", w.week, w.previous_week)}</p>
                        {delta_list(w.fleet, "fleet-deltas")}
                    }.into_any(),
                    None if t.status != TrendStatus::Idle && t.status != TrendStatus::Working => view! {
                        <p class="muted">"No earlier week to compare with yet: the deltas appear once a snapshot of an earlier week is stored."</p>
                    }.into_any(),
                    None => ().into_any(),
                }}
                {(series.len() >= 2).then(|| trend_charts(&series, |s| Some((s.fleet.health, s.fleet.cost_usd))))}
            </section>
        }
    }
}

/// Entries a plan bucket lists (healthy Actors as chips); the rest are counted, and the table's
/// bucket filter lists them all. A fleet of 1,000 would otherwise put 1,000 links here.
const PLAN_ENTRIES_SHOWN: usize = 50;

/// "and 12 more in the table", for a bucket that lists only its first entries.
fn more_note(n: usize) -> Option<impl IntoView> {
    (n > PLAN_ENTRIES_SHOWN).then(|| {
        view! {
            <p class="muted small-print plan-more">
                {format!("and {} more: pick the bucket in the table's filter to see them all", n - PLAN_ENTRIES_SHOWN)}
            </p>
        }
    })
}

#[component]
fn Plan(report: FleetDigest, controls: TableControls) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="plan-title" id="plan">
            <h2 id="plan-title">"Action plan"</h2>
            <div class="plan-grid">
                {report.plan.into_iter().map(|b| {
                    let n = b.entries.len();
                    view! {
                        <div class="plan-bucket" data-bucket=b.bucket.code()>
                            <h3>
                                <span class=bucket_class(b.bucket)>{b.label.clone()}</span> " " <span class="muted">{n}</span>
                                {(n > 0).then(|| {
                                    let bucket = b.bucket;
                                    view! {
                                        // A native jump to the table, which now shows this bucket.
                                        <a href="#table-title" class="plan-show small-print" on:click=move |_| controls.show_bucket(bucket)>
                                            "show in table"
                                        </a>
                                    }
                                })}
                            </h3>
                            {if n == 0 {
                                view! { <p class="muted small-print">"none"</p> }.into_any()
                            } else if b.bucket == Bucket::Healthy {
                                // Healthy Actors need no reason each: one compact list.
                                view! {
                                    <p class="plan-compact">
                                        {b.entries.into_iter().take(PLAN_ENTRIES_SHOWN).map(|e| {
                                            let href = format!("/actors/{}", e.actor_id);
                                            let (id, name, label) = (e.actor_id, e.name.clone(), e.name);
                                            view! {
                                                <span class="plan-chip" data-actor=id data-name=name title=e.reason>
                                                    <a href=href>{label}</a> " " <span class=health_class(e.health)>{e.health}</span>
                                                </span>
                                            }
                                        }).collect_view()}
                                    </p>
                                    {more_note(n)}
                                }.into_any()
                            } else {
                                view! {
                                    <ul class="plan-list">
                                        {b.entries.into_iter().take(PLAN_ENTRIES_SHOWN).map(|e| {
                                            let href = format!("/actors/{}", e.actor_id);
                                            let (id, name, label) = (e.actor_id, e.name.clone(), e.name);
                                            view! {
                                                <li data-actor=id data-name=name>
                                                    <a href=href>{label}</a>
                                                    " " <span class=health_class(e.health)>{e.health}</span>
                                                    <span class="reason">{with_code(&e.reason)}</span>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                    {more_note(n)}
                                }.into_any()
                            }}
                        </div>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}

/// The published formula — the same text as the README, written from `forge_fleet::rules`.
#[component]
pub fn HealthFormula() -> impl IntoView {
    view! {
        <details class="card disclosure" id="health-formula">
            <summary>"How is health computed?"</summary>
            <p>
                "Start at 100 and subtract each deduction (rounded on its own), then clamp to 0–100. Every score lists its deductions as drivers, e.g. “−38 reliability: 81% success, 19% failed”. The fleet score is the mean of the Actor scores weighted by runs in the window, and at most "
                {forge_fleet::rules::FLEET_FIX_NOW_CAP}
                " while any Actor is in Fix now, so a few broken Actors are never averaged away."
            </p>
            <table class="data-table formula-table">
                <thead>
                    <tr><th scope="col">"driver"</th><th scope="col">"deduction"</th><th scope="col">"when"</th></tr>
                </thead>
                <tbody>
                    {deductions().into_iter().map(|(d, p, w)| view! {
                        <tr><th scope="row">{d}</th><td>{p}</td><td>{w}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p>
                "Action plan — the first rule that matches wins: "
                {plan_rules().into_iter().enumerate().map(|(i, (bucket, rule))| view! {
                    <strong>{bucket.label()}</strong>
                    {format!(" ({rule}){}", if i + 1 == Bucket::ALL.len() { "." } else { ", " })}
                }).collect_view()}
            </p>
        </details>
    }
}
