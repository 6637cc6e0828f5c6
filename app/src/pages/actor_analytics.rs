//! The analytics half of `/actors/:id`: its runs in the window, failures grouped by status
//! message, builds with their failure rates, health drivers and charts. Uses the fleet load when
//! it has this Actor; otherwise loads just this Actor through the same loader.

use crate::charts::{CostChart, DurationChart, StatusChart};
use crate::fleet_store::FleetStore;
use crate::fleet_table::{bucket_class, bucket_code, duration, health_class, pct, usd};
use crate::loader::{self, ActorProblem, Cancel, Fetcher, LoadOptions};
use crate::state::Forge;
use forge_apify::models::{JobStatus, Run};
use forge_apify::time::parse_iso_millis;
use forge_fleet::window::WINDOW_CHOICES;
use forge_fleet::{actor_report, prepare, ActorInput, Window};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Failed runs whose status message is fetched for the grouping.
const FAILURE_DETAILS: usize = 30;

/// `(message, count)`, most frequent first.
pub fn group_failures(messages: &[String]) -> Vec<(String, usize)> {
    let mut m: BTreeMap<&str, usize> = BTreeMap::new();
    for s in messages {
        *m.entry(s.as_str()).or_default() += 1;
    }
    let mut v: Vec<(String, usize)> = m.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

async fn load(
    forge: Forge,
    store: FleetStore,
    id: String,
    cancel: Cancel,
    end_ms: i64,
) -> Option<Result<ActorInput, ActorProblem>> {
    let opts = LoadOptions::default();
    let f = Fetcher::new(forge.client.get_value(), opts, cancel);
    let mut input = match store.input(&id) {
        Some(i) => i,
        None => {
            let actor = forge_apify::models::Actor {
                id: id.clone(),
                name: id.clone(),
                username: String::new(),
                user_id: None,
                title: None,
                description: None,
                is_public: None,
                created_at: None,
                modified_at: None,
                stats: None,
                default_run_options: None,
                tagged_builds: None,
            };
            let after = Window::new(opts.days, end_ms).started_after();
            match loader::load_actor(&f, ActorInput::new(actor), &after)
                .await
                .ok()?
            {
                Ok(i) => i,
                Err(p) => return Some(Err(p)),
            }
        }
    };
    loader::enrich_one(&f, &mut input, opts.enrich_runs)
        .await
        .ok()?;
    // Status messages of the most recent failures (the run list does not carry them).
    let mut failed: Vec<(String, String)> = input
        .runs
        .iter()
        .filter(|r| matches!(r.status, JobStatus::Failed | JobStatus::TimedOut))
        .map(|r| (r.started_at.clone(), r.id.clone()))
        .collect();
    failed.sort_by(|a, b| b.0.cmp(&a.0));
    failed.truncate(FAILURE_DETAILS);
    let want: Vec<String> = failed
        .into_iter()
        .map(|(_, id)| id)
        .filter(|id| !input.run_details.contains_key(id) && crate::client::is_actor_id(id))
        .collect();
    let got: std::cell::RefCell<Vec<Run>> = Default::default();
    let cancelled = std::cell::Cell::new(false);
    loader::pool(opts.concurrency, want.len(), |k| {
        let (f, want, got, cancelled) = (&f, &want, &got, &cancelled);
        async move {
            match f
                .get::<forge_apify::models::Data<Run>>(&format!("/v2/actor-runs/{}", want[k]))
                .await
            {
                Ok(Ok(d)) => got.borrow_mut().push(d.data),
                Ok(Err(_)) => {}
                Err(_) => cancelled.set(true),
            }
        }
    })
    .await;
    if cancelled.get() {
        return None;
    }
    for d in got.into_inner() {
        input.run_details.insert(d.id.clone(), d);
    }
    Some(Ok(input))
}

#[component]
pub fn ActorAnalytics(#[prop(into)] id: Signal<String>) -> impl IntoView {
    let forge = Forge::get();
    let store = FleetStore::get();
    let cancel: StoredValue<Option<Cancel>> = StoredValue::new(None);
    let end_ms = loader::now_ms() as i64;
    let data = LocalResource::new(move || {
        let id = id.get();
        forge.generation.track();
        if let Some(c) = cancel.get_value() {
            c.cancel();
        }
        let c = Cancel::default();
        cancel.set_value(Some(c.clone()));
        load(forge, store, id, c, end_ms)
    });
    on_cleanup(move || {
        if let Some(c) = cancel.get_value() {
            c.cancel();
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
                <div class="notice notice-warn" role="alert" id="actor-problem">
                    <p>{p.text()}</p>
                    {matches!(p, ActorProblem::Denied(_)).then(|| view! {
                        <p>"Run history needs a token with Actors: List runs (Actor runs: Read)."</p>
                    })}
                </div>
            </section>
        }
        .into_any(),
        Some(Some(Ok(input))) => view! { <Analytics input end_ms /> }.into_any(),
    }
    }
}

#[component]
fn Analytics(input: ActorInput, end_ms: i64) -> impl IntoView {
    let store = FleetStore::get();
    let prepared = prepare(&input);
    let input = StoredValue::new(input);
    let report = Memo::new(move |_| actor_report(&prepared, Window::new(store.days.get(), end_ms)));
    move || {
        let r = report.get();
        let w = Window::new(r.window_days, end_ms);
        let mut runs: Vec<forge_apify::models::RunShort> = input.with_value(|i| {
            i.runs
                .iter()
                .filter(|x| parse_iso_millis(&x.started_at).is_some_and(|t| w.contains(t)))
                .cloned()
                .collect()
        });
        runs.sort_by(|a, b| b.started_at.cmp(&a.started_at));
        let total_runs = runs.len();
        let messages: Vec<String> = input.with_value(|i| {
            runs.iter()
                .filter(|x| matches!(x.status, JobStatus::Failed | JobStatus::TimedOut))
                .filter_map(|x| i.run_details.get(&x.id))
                .map(|d| {
                    d.status_message
                        .clone()
                        .unwrap_or_else(|| "(no status message)".into())
                })
                .collect()
        });
        let sampled = messages.len();
        let failures = r.runs.failed + r.runs.timed_out;
        let groups = group_failures(&messages);
        let dash = || "—".to_string();
        let run_rows = input.with_value(|i| {
            runs.iter()
                .take(200)
                .map(|x| {
                    let start = parse_iso_millis(&x.started_at);
                    let dur = match (start, x.finished_at.as_deref().and_then(parse_iso_millis)) {
                        (Some(s), Some(f)) if f >= s => duration((f - s) as u64),
                        _ => dash(),
                    };
                    let msg = i
                        .run_details
                        .get(&x.id)
                        .and_then(|d| d.status_message.clone())
                        .unwrap_or_default();
                    let status = x.status.as_str();
                    view! {
                        <tr data-run=x.id.clone() data-status=status>
                            <td><span class=format!("status status-{}", status.to_lowercase())>{status}</span></td>
                            <td>{start.map_or_else(dash, forge_apify::time::format_iso_millis)}</td>
                            <td class="num">{dur}</td>
                            <td class="num">{x.usage_total_usd.map_or_else(|| "n/a".into(), usd)}</td>
                            <td>{x.build_number.clone().unwrap_or_else(dash)}</td>
                            <td class="message">{msg}</td>
                        </tr>
                    }
                })
                .collect_view()
        });
        let release = r.builds.release.clone();
        view! {
            <section class="card" id="actor-analytics" data-bucket=bucket_code(r.placement.bucket)>
                <div class="card-head">
                    <h2>{format!("Last {} days", r.window_days)}</h2>
                    <div class="segmented" role="group" aria-label="Window">
                        {WINDOW_CHOICES.into_iter().map(|d| view! {
                            <button type="button" class="seg-button" data-days=d
                                aria-pressed=move || (store.days.get() == d).to_string()
                                on:click=move |_| store.days.set(d)>{format!("{d} days")}</button>
                        }).collect_view()}
                    </div>
                </div>
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
                        <div class="figure"><dt>"Success"</dt><dd>{r.success_rate.map_or_else(dash, pct)}</dd></div>
                        <div class="figure"><dt>"p50 / p95"</dt><dd>{format!("{} / {}", r.duration.p50_ms.map_or_else(dash, duration), r.duration.p95_ms.map_or_else(dash, duration))}</dd></div>
                        <div class="figure"><dt>"Cost"</dt><dd>{r.cost.total_usd.map_or_else(|| "n/a".into(), usd)}</dd></div>
                        <div class="figure"><dt>"Cost / 1,000 results"</dt><dd>{r.cost.per_1000_results_usd.map_or_else(|| "n/a".into(), usd)}</dd></div>
                        <div class="figure"><dt>"Memory use"</dt><dd>{r.memory.peak_share_avg.map_or_else(dash, pct)}</dd></div>
                    </dl>
                </div>
                {r.memory.suggestion.as_ref().map(|s| view! { <p class="notice notice-info" id="memory-suggestion">{s.text.clone()}</p> })}
            </section>
            <section class="card">
                <h2>"Charts"</h2>
                <div class="chart-grid-2">
                    <div><h3>"Runs by status"</h3><StatusChart days=r.daily.clone() label="Runs per day by status" /></div>
                    <div><h3>"Cost per day"</h3><CostChart days=r.daily.clone() label="Cost per day" /></div>
                    <div><h3>"Duration distribution"</h3><DurationChart histogram=r.duration.histogram /></div>
                </div>
            </section>
            <section class="card" id="failures">
                <h2>"Failures by status message"</h2>
                {if failures == 0 {
                    view! { <p class="muted">"No failed or timed-out runs in this window."</p> }.into_any()
                } else {
                    view! {
                        <p class="muted small-print">{format!("{failures} failed or timed-out runs; messages of the latest {sampled}.")}</p>
                        <ul class="failure-groups">
                            {groups.into_iter().map(|(m, n)| view! { <li><span class="count">{n}</span> " " {m}</li> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="card" id="builds">
                <h2>"Builds"</h2>
                {release.map(|c| view! { <p class=if c.regression { "notice notice-error" } else { "muted" } id="release-note">{c.note}</p> })}
                <table class="data-table">
                    <thead><tr><th scope="col">"Build"</th><th scope="col" class="num">"Runs"</th><th scope="col" class="num">"Finished"</th><th scope="col" class="num">"Failed"</th><th scope="col" class="num">"Failure rate"</th></tr></thead>
                    <tbody>
                        {r.builds.used.iter().map(|b| view! {
                            <tr>
                                <th scope="row">{b.number.clone().or(b.id.clone()).unwrap_or_else(dash)}</th>
                                <td class="num">{b.runs}</td>
                                <td class="num">{b.finished}</td>
                                <td class="num">{b.failed}</td>
                                <td class="num">{b.failure_rate.map_or_else(dash, pct)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section class="card" id="runs">
                <h2>{format!("Runs ({total_runs})")}</h2>
                <div class="table-wrap">
                    <table class="data-table runs-table">
                        <thead><tr>
                            <th scope="col">"Status"</th><th scope="col">"Started"</th><th scope="col" class="num">"Duration"</th>
                            <th scope="col" class="num">"Cost"</th><th scope="col">"Build"</th><th scope="col">"Status message"</th>
                        </tr></thead>
                        <tbody>{run_rows}</tbody>
                    </table>
                </div>
                {(total_runs > 200).then(|| view! { <p class="muted small-print">"The newest 200 runs are shown."</p> })}
            </section>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_group_by_message() {
        let v: Vec<String> = ["a", "b", "a", "c", "a", "b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            group_failures(&v),
            vec![("a".into(), 3), ("b".into(), 2), ("c".into(), 1)]
        );
    }
}
