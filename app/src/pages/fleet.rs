//! The fleet on the dashboard: progress, summary with the health drivers, window selector,
//! action plan, charts, the table of every Actor, and how health is computed.

use crate::charts::{CostChart, StatusChart, WeekChart};
use crate::fleet_store::{clock, FleetStore, Phase};
use crate::fleet_table::{arrow, direction_code, signed};
use crate::fleet_table::{bucket_class, bucket_code, health_class, pct, rows, usd, FleetTable};
use crate::state::Forge;
use crate::trends_store::TrendStatus;
use forge_fleet::trends::{Delta, FigureDeltas, Snapshot};
use forge_fleet::window::WINDOW_CHOICES;
use forge_fleet::FleetReport;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn FleetDashboard(username: String) -> impl IntoView {
    let forge = Forge::get();
    let store = FleetStore::get();
    {
        let username = username.clone();
        Effect::new(move |_| {
            forge.generation.track();
            store.ensure_loaded(forge, username.clone());
        });
    }
    on_cleanup(move || store.stop());

    let report = Memo::new(move |_| store.report());
    let meta = Memo::new(move |_| store.row_meta());
    let wow = Memo::new(move |_| store.trends.with(|t| t.week_over_week()));
    let table_rows = Signal::derive(move || {
        let signals = store.signals.get();
        wow.with(|w| rows(report.get().as_ref(), &meta.get(), w.as_ref(), &signals))
    });
    let now = forge.now.get_untracked();
    let denied = Memo::new(move |_| {
        let m = meta.get();
        let d: Vec<String> = m.iter().filter_map(|r| r.denied.clone()).collect();
        (!d.is_empty()).then(|| (d[0].clone(), d.len(), m.len()))
    });

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
        >
            <Progress />
            {move || denied.get().map(|(perm, n, total)| view! {
                <div class="notice notice-warn" id="runs-denied" role="alert">
                    <p>
                        <strong>{format!("Your token lacks {perm}.")}</strong>
                        {format!(" Run history was refused for {n} of {total} Actors, so their health, runs, durations and cost cannot be shown. ")}
                        <A href="/settings#scope-check">"See the scope check"</A>
                        " — create a token with Actors: List runs."
                    </p>
                </div>
            })}
            <div class="window-row">
                <span class="field-label" id="window-label">"Window"</span>
                <div class="segmented" role="group" aria-labelledby="window-label">
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
            </div>
            {move || report.get().filter(|r| !r.actors.is_empty()).map(|r| view! {
                <Summary report=r.clone() />
                <TrendsCard />
                <Plan report=r.clone() />
                <section class="card" aria-labelledby="charts-title">
                    <h2 id="charts-title">"Runs and cost per day"</h2>
                    <div class="chart-grid-2">
                        <div>
                            <h3>"Runs by status"</h3>
                            <StatusChart days=r.daily.clone() label="Fleet runs per day by status" />
                        </div>
                        <div>
                            <h3>"Cost per day"</h3>
                            <CostChart days=r.daily.clone() label="Fleet cost per day" />
                        </div>
                    </div>
                </section>
            })}
            <section class="card" aria-labelledby="table-title">
                <div class="card-head">
                    <h2 id="table-title">"Every Actor"</h2>
                </div>
                {move || if meta.with(|m| m.is_empty()) {
                    view! { <p class="muted loading" role="status">"Loading your Actors…"</p> }.into_any()
                } else {
                    view! { <FleetTable rows=table_rows now=now /> }.into_any()
                }}
            </section>
            <HealthFormula />
            <crate::run_dialog::RunDialog />
        </div>
    }
}

#[component]
fn Progress() -> impl IntoView {
    let store = FleetStore::get();
    move || {
        let phase = store.phase.get();
        let cached = store.cached.get();
        let as_of = cached.map(|c| {
            view! {
                <p class="notice notice-info" id="cache-note">
                    {format!("as of {} — refreshing…", clock(c.saved_ms))}
                </p>
            }
        });
        let bar = match &phase {
            Phase::Idle | Phase::Done => None,
            Phase::Failed(m) => Some(
                view! { <p class="notice notice-error" role="alert" id="load-error">{m.clone()}</p> }
                    .into_any(),
            ),
            p => Some(
                view! {
                    <div class="progress-row" role="status" id="progress">
                        <progress max="100" value=p.percent() aria-label="Loading the fleet"></progress>
                        <span class="progress-words">{p.words()}</span>
                    </div>
                }
                .into_any(),
            ),
        };
        view! { {as_of} {bar} }
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
fn Summary(report: FleetReport) -> impl IntoView {
    let s = &report.summary;
    let dash = || "—".to_string();
    let failures = s.runs.failed + s.runs.timed_out;
    let health = s.health;
    view! {
        <section class="card summary" aria-labelledby="summary-title">
            <h2 id="summary-title">{format!("Fleet in the last {} days", report.window.days)}</h2>
            <div class="summary-grid">
                <div class="fleet-health" id="fleet-health">
                    <span class="field-label">"Fleet health"</span>
                    <span class=health.map_or("health", health_class)>
                        {health.map_or_else(dash, |h| h.to_string())}
                    </span>
                    <ul class="drivers">
                        {report.drivers.iter().map(|d| view! { <li>{d.text()}</li> }).collect_view()}
                    </ul>
                </div>
                <dl class="figures">
                    {figure("Actors", "sum-actors", s.actors.to_string())}
                    {figure("Runs", "sum-runs", crate::pages::actors::group_thousands(u64::from(s.runs.total())))}
                    {figure("Success rate", "sum-success", s.success_rate.map_or_else(dash, pct))}
                    {figure("Failures", "sum-failures", format!("{failures} ({} failed, {} timed out)", s.runs.failed, s.runs.timed_out))}
                    {figure("Cost", "sum-cost", s.cost_usd.map_or_else(|| "n/a".into(), usd))}
                    {figure("Cost per run", "sum-cost-per-run", s.cost_per_run_usd.map_or_else(|| "n/a".into(), usd))}
                </dl>
            </div>
        </section>
    }
}

/// One figure's week-over-week change: an arrow and the number, coloured by direction.
pub fn delta_chip(
    label: &'static str,
    code: &'static str,
    d: Delta,
    fmt: fn(f64) -> String,
    now_fmt: fn(f64) -> String,
) -> impl IntoView {
    let dir = direction_code(d.direction);
    let text = match (d.change, d.current) {
        (Some(c), Some(now)) => format!("{} {} ({})", arrow(&d), signed(c, fmt), now_fmt(now)),
        _ => "no comparison".to_string(),
    };
    view! {
        <div class=format!("delta delta-{dir}") data-figure=code data-direction=dir>
            <dt>{label}</dt>
            <dd>{text}</dd>
        </div>
    }
}

fn count(v: f64) -> String {
    format!("{v:.0}")
}
fn points(v: f64) -> String {
    format!("{v:.1} pt")
}
fn percent(v: f64) -> String {
    format!("{v:.1} %")
}
fn secs(v: f64) -> String {
    format!("{v:.1} s")
}
fn money(v: f64) -> String {
    usd(v)
}

/// The five deltas of one set of figures, as a definition list.
pub fn delta_list(d: FigureDeltas, id: &'static str) -> impl IntoView {
    let rate = |x: Delta| Delta {
        previous: x.previous.map(|v| v * 100.0),
        current: x.current.map(|v| v * 100.0),
        change: x.change.map(|v| v * 100.0),
        direction: x.direction,
    };
    view! {
        <dl class="deltas" id=id>
            {delta_chip("Health", "health", d.health, count, count)}
            {delta_chip("Success rate", "success", rate(d.success_rate), points, percent)}
            {delta_chip("Cost", "cost", d.cost_usd, money, money)}
            {delta_chip("p95 duration", "p95", d.p95_duration_secs, secs, secs)}
            {delta_chip("Runs", "runs", d.runs, count, count)}
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

#[component]
fn Plan(report: FleetReport) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="plan-title" id="plan">
            <h2 id="plan-title">"Action plan"</h2>
            <div class="plan-grid">
                {report.plan.into_iter().map(|b| {
                    let n = b.entries.len();
                    view! {
                        <div class="plan-bucket" data-bucket=bucket_code(b.bucket)>
                            <h3><span class=bucket_class(b.bucket)>{b.label.clone()}</span> " " <span class="muted">{n}</span></h3>
                            {if n == 0 {
                                view! { <p class="muted small-print">"none"</p> }.into_any()
                            } else if b.bucket == forge_fleet::Bucket::Healthy {
                                // Healthy Actors need no reason each: one compact list.
                                view! {
                                    <p class="plan-compact">
                                        {b.entries.into_iter().map(|e| {
                                            let href = format!("/actors/{}", e.actor_id);
                                            let (id, name, label) = (e.actor_id, e.name.clone(), e.name);
                                            view! {
                                                <span class="plan-chip" data-actor=id data-name=name title=e.reason>
                                                    <A href=href>{label}</A> " " <span class=health_class(e.health)>{e.health}</span>
                                                </span>
                                            }
                                        }).collect_view()}
                                    </p>
                                }.into_any()
                            } else {
                                view! {
                                    <ul class="plan-list">
                                        {b.entries.into_iter().map(|e| {
                                            let href = format!("/actors/{}", e.actor_id);
                                            let (id, name, label) = (e.actor_id, e.name.clone(), e.name);
                                            view! {
                                                <li data-actor=id data-name=name>
                                                    <A href=href>{label}</A>
                                                    " " <span class=health_class(e.health)>{e.health}</span>
                                                    <span class="reason">{e.reason}</span>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </div>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}

/// The published formula — the same text as the README.
#[component]
pub fn HealthFormula() -> impl IntoView {
    let rows = [
        ("reliability", "2 points per % of finished runs that FAILED, at most 60", "≥ 1 finished run"),
        ("timeouts", "2 points per % of finished runs that TIMED-OUT, at most 40", "≥ 1 finished run"),
        ("release regression", "10", "the newest build's failure rate is ≥ 15 points higher and ≥ 2× the previous build's, with ≥ 10 finished runs on each"),
        ("empty results", "40 × the share of successful runs whose dataset was empty", "≥ 3 successful runs with a known item count"),
        ("no recent runs", "30", "no run started in the window"),
        ("old build", "5", "the latest build finished more than 90 days before the window end"),
        ("memory over-allocation", "5", "≥ 3 sampled runs, and the memory suggestion applies"),
        ("cost spike", "10", "cost per run in the last 7 days ≥ 1.5× the rest of the window, ≥ 3 costed runs on each side"),
    ];
    view! {
        <details class="card disclosure" id="health-formula">
            <summary>"How is health computed?"</summary>
            <p>
                "Start at 100 and subtract each deduction (rounded on its own), then clamp to 0–100. Every score lists its deductions as drivers, e.g. “−38 reliability: 81% success, 19% failed”. The fleet score is the mean of the Actor scores weighted by runs in the window."
            </p>
            <table class="data-table formula-table">
                <thead>
                    <tr><th scope="col">"driver"</th><th scope="col">"deduction"</th><th scope="col">"when"</th></tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(d, p, w)| view! {
                        <tr><th scope="row">{d}</th><td>{p}</td><td>{w}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p>
                "Action plan — the first rule that matches wins: "
                <strong>"Fix now"</strong>" (a release regression; failure rate ≥ 15 % with ≥ 5 finished runs; or health < 50), "
                <strong>"Watch"</strong>" (failure rate ≥ 5 %; ≥ 20 % empty successful runs; a run peaked at ≥ 95 % of its memory; or health < 75), "
                <strong>"Stale"</strong>" (no run in the window, or the latest build is older than 90 days), "
                <strong>"Save money"</strong>" (a memory suggestion or a cost spike), "
                <strong>"Healthy"</strong>" (none of the above)."
            </p>
        </details>
    }
}
