//! The dashboard's table of every Actor: its rows as plain data (sorting, filtering and the CSV
//! and JSON exports are pure and tested natively) and the component that shows them.

use crate::fleet_store::RowMeta;
use forge_fleet::rules;
use forge_fleet::trends::{Delta, Direction, FigureDeltas, WeekOverWeek};
use forge_fleet::{ActorReport, Bucket, FleetReport};
use leptos::prelude::*;
use leptos_router::components::A;
use serde::Serialize;

/// One row of the table, as shown and exported.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub id: String,
    pub name: String,
    pub title: String,
    /// "ok", "loading", "denied" or "error".
    pub state: &'static str,
    /// What the row shows instead of figures.
    pub note: Option<String>,
    pub health: Option<u8>,
    pub bucket: Option<Bucket>,
    pub reason: Option<String>,
    pub runs: Option<u32>,
    pub success_rate: Option<f64>,
    pub p50_ms: Option<u64>,
    pub p95_ms: Option<u64>,
    pub cost_per_run_usd: Option<f64>,
    pub cost_per_1000_results_usd: Option<f64>,
    /// Average peak memory / allocated, over sampled runs.
    pub memory_use: Option<f64>,
    pub memory_suggestion: Option<String>,
    pub build: Option<String>,
    /// The build a release regression was flagged on.
    pub regression: Option<String>,
    pub stale: bool,
    pub empty_results: bool,
    pub cost_spike: bool,
    pub last_run_ms: Option<i64>,
    /// This week against the previous stored week (trend snapshots).
    pub week: Option<FigureDeltas>,
    /// The first `SIGNALS` entries of the latest successful run.
    pub signals: Option<String>,
}

impl Row {
    fn from_report(m: &RowMeta, a: &ActorReport) -> Row {
        Row {
            id: a.id.clone(),
            name: a.name.clone(),
            title: m.display_name().to_string(),
            state: "ok",
            note: m
                .enrich_denied
                .as_ref()
                .map(|p| format!("Your token lacks {p}: memory and result counts are missing")),
            health: Some(a.health.score),
            bucket: Some(a.placement.bucket),
            reason: Some(a.placement.reason.clone()),
            runs: Some(a.runs.total()),
            success_rate: a.success_rate,
            p50_ms: a.duration.p50_ms,
            p95_ms: a.duration.p95_ms,
            cost_per_run_usd: a.cost.per_run_usd,
            cost_per_1000_results_usd: a.cost.per_1000_results_usd,
            memory_use: a.memory.peak_share_avg,
            memory_suggestion: a.memory.suggestion.as_ref().map(|s| s.text.clone()),
            build: a.builds.in_use.as_ref().and_then(|b| b.number.clone()),
            regression: a
                .builds
                .release
                .as_ref()
                .filter(|r| r.regression)
                .map(|r| r.newest.number.clone().unwrap_or_else(|| "?".into())),
            stale: a.staleness.stale,
            empty_results: a
                .output
                .empty_share
                .is_some_and(|s| rules::reaches(s, rules::WATCH_EMPTY_SHARE))
                && a.output.sampled_succeeded >= rules::MIN_OUTPUT_SAMPLES,
            cost_spike: a.cost.trend.spike,
            last_run_ms: a.staleness.last_run_ms,
            week: None,
            signals: None,
        }
    }

    fn without_figures(m: &RowMeta) -> Row {
        let (state, note) = if let Some(p) = &m.denied {
            ("denied", Some(format!("Your token lacks {p}")))
        } else if let Some(e) = &m.error {
            ("error", Some(e.clone()))
        } else {
            ("loading", None)
        };
        Row {
            id: m.id.clone(),
            name: m.name.clone(),
            title: m.display_name().to_string(),
            state,
            note,
            health: None,
            bucket: None,
            reason: None,
            runs: None,
            success_rate: None,
            p50_ms: None,
            p95_ms: None,
            cost_per_run_usd: None,
            cost_per_1000_results_usd: None,
            memory_use: None,
            memory_suggestion: None,
            build: None,
            regression: None,
            stale: false,
            empty_results: false,
            cost_spike: false,
            last_run_ms: None,
            week: None,
            signals: None,
        }
    }
}

/// The rows, in list order: figures from the report, or the reason there are none, with this
/// week's deltas when there are snapshots to compare.
pub fn rows(
    report: Option<&FleetReport>,
    meta: &[RowMeta],
    wow: Option<&WeekOverWeek>,
    signals: &std::collections::BTreeMap<String, crate::signals_view::SignalsState>,
) -> Vec<Row> {
    meta.iter()
        .map(|m| {
            let a = if m.loading || m.denied.is_some() || m.error.is_some() {
                None
            } else {
                report.and_then(|r| r.actor(&m.id))
            };
            let mut row = match a {
                Some(a) => Row::from_report(m, a),
                None => Row::without_figures(m),
            };
            row.week = wow.and_then(|w| w.actors.get(&m.id)).map(|(_, d)| *d);
            row.signals = signals.get(&m.id).and_then(|s| s.compact());
            row
        })
        .collect()
}

/// `▲`, `▼` or `→` for a change.
pub fn arrow(d: &Delta) -> &'static str {
    match d.change {
        Some(c) if c > 0.0 && d.direction != Direction::Same => "▲",
        Some(c) if c < 0.0 && d.direction != Direction::Same => "▼",
        Some(_) => "→",
        None => "",
    }
}

pub fn direction_code(d: Direction) -> &'static str {
    match d {
        Direction::Better => "better",
        Direction::Worse => "worse",
        Direction::Same => "same",
        Direction::Neutral => "neutral",
        Direction::Unknown => "unknown",
    }
}

/// A signed change, formatted by `fmt` (applied to the absolute value).
pub fn signed(change: f64, fmt: impl Fn(f64) -> String) -> String {
    let sign = if change < 0.0 { "−" } else { "+" };
    format!("{sign}{}", fmt(change.abs()))
}

/// The short text of the "This week" cell: the health change, then what else got worse.
pub fn week_text(d: &FigureDeltas) -> String {
    let mut parts = Vec::new();
    match d.health.change {
        Some(c) if c.abs() >= 0.5 => parts.push(format!(
            "{} health {}",
            arrow(&d.health),
            signed(c, |v| format!("{v:.0}"))
        )),
        Some(_) => parts.push("→ health steady".into()),
        None => {}
    }
    if d.success_rate.direction == Direction::Worse {
        if let Some(c) = d.success_rate.change {
            parts.push(format!(
                "success {} pt",
                signed(c * 100.0, |v| format!("{v:.1}"))
            ));
        }
    }
    if d.cost_usd.direction == Direction::Worse {
        if let (Some(p), Some(c)) = (d.cost_usd.previous, d.cost_usd.current) {
            if p > 0.0 {
                parts.push(format!(
                    "cost {}",
                    signed((c - p) / p * 100.0, |v| format!("{v:.0} %"))
                ));
            } else {
                parts.push(format!("cost {}", signed(c - p, usd)));
            }
        }
    }
    if d.p95_duration_secs.direction == Direction::Worse {
        parts.push("p95 slower".into());
    }
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join(", ")
    }
}

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Name,
    Health,
    Runs,
    Success,
    P50,
    P95,
    CostPerRun,
    CostPer1000,
    Memory,
    Build,
    LastRun,
    ThisWeek,
}

impl Col {
    pub const ALL: [Col; 12] = [
        Col::Name,
        Col::Health,
        Col::Runs,
        Col::Success,
        Col::P50,
        Col::P95,
        Col::CostPerRun,
        Col::CostPer1000,
        Col::Memory,
        Col::Build,
        Col::LastRun,
        Col::ThisWeek,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Col::Name => "Actor",
            Col::Health => "Health",
            Col::Runs => "Runs",
            Col::Success => "Success",
            Col::P50 => "p50",
            Col::P95 => "p95",
            Col::CostPerRun => "Cost / run",
            Col::CostPer1000 => "Cost / 1k results",
            Col::Memory => "Memory use",
            Col::Build => "Build",
            Col::LastRun => "Last run",
            Col::ThisWeek => "This week",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Col::Name => "name",
            Col::Health => "health",
            Col::Runs => "runs",
            Col::Success => "success",
            Col::P50 => "p50",
            Col::P95 => "p95",
            Col::CostPerRun => "cost-per-run",
            Col::CostPer1000 => "cost-per-1000",
            Col::Memory => "memory",
            Col::Build => "build",
            Col::LastRun => "last-run",
            Col::ThisWeek => "this-week",
        }
    }

    /// Columns whose figures come from run history (greyed out without Actor runs: Read).
    pub fn needs_runs(self) -> bool {
        !matches!(self, Col::Name | Col::Build)
    }

    fn numeric(self) -> bool {
        !matches!(self, Col::Name | Col::Build)
    }

    fn key(self, r: &Row) -> Option<f64> {
        match self {
            Col::Health => r.health.map(f64::from),
            Col::Runs => r.runs.map(f64::from),
            Col::Success => r.success_rate,
            Col::P50 => r.p50_ms.map(|v| v as f64),
            Col::P95 => r.p95_ms.map(|v| v as f64),
            Col::CostPerRun => r.cost_per_run_usd,
            Col::CostPer1000 => r.cost_per_1000_results_usd,
            Col::Memory => r.memory_use,
            Col::LastRun => r.last_run_ms.map(|v| v as f64),
            Col::ThisWeek => r.week.map(|w| w.worsening()),
            Col::Name | Col::Build => None,
        }
    }
}

/// Sorts by `col`; rows without a value always go last; ties keep name order.
pub fn sort_rows(rows: &mut [Row], col: Col, ascending: bool) {
    rows.sort_by(|a, b| {
        let ord = match col {
            Col::Name => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
            Col::Build => match (&a.build, &b.build) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => return std::cmp::Ordering::Less,
                (None, Some(_)) => return std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            },
            _ => match (col.key(a), col.key(b)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => return std::cmp::Ordering::Less,
                (None, Some(_)) => return std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            },
        };
        let ord = if ascending { ord } else { ord.reverse() };
        ord.then_with(|| a.title.to_lowercase().cmp(&b.title.to_lowercase()))
    });
}

/// Rows whose name or title contains `needle` (case-insensitive) and, when given, in `bucket`.
pub fn filter_rows(rows: Vec<Row>, needle: &str, bucket: Option<Bucket>) -> Vec<Row> {
    let needle = needle.trim().to_lowercase();
    rows.into_iter()
        .filter(|r| {
            needle.is_empty()
                || r.name.to_lowercase().contains(&needle)
                || r.title.to_lowercase().contains(&needle)
        })
        .filter(|r| bucket.is_none() || r.bucket == bucket)
        .collect()
}

/// `1234` ms → `1.2 s`, `95000` → `1m 35s` (compact: the table has many columns).
pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    if ms < 10_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{}m {}s", s / 60, s % 60)
    } else {
        format!("{}h {}m", s / 3600, s % 3600 / 60)
    }
}

pub fn pct(v: f64) -> String {
    forge_fleet::health::pct(v)
}

pub fn usd(v: f64) -> String {
    forge_fleet::health::usd(v)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The table as CSV (numbers unformatted; empty where unknown).
pub fn to_csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "id,name,title,state,note,health,bucket,runs,success_rate,p50_ms,p95_ms,cost_per_run_usd,cost_per_1000_results_usd,memory_use,build,regression_build,stale,empty_results,cost_spike,last_run\n",
    );
    for r in rows {
        let fields = [
            r.id.clone(),
            r.name.clone(),
            r.title.clone(),
            r.state.to_string(),
            opt(r.note.as_ref()),
            opt(r.health),
            opt(r.bucket.map(|b| b.label())),
            opt(r.runs),
            opt(r.success_rate.map(|v| format!("{v:.4}"))),
            opt(r.p50_ms),
            opt(r.p95_ms),
            opt(r.cost_per_run_usd.map(|v| format!("{v:.6}"))),
            opt(r.cost_per_1000_results_usd.map(|v| format!("{v:.6}"))),
            opt(r.memory_use.map(|v| format!("{v:.4}"))),
            opt(r.build.as_ref()),
            opt(r.regression.as_ref()),
            r.stale.to_string(),
            r.empty_results.to_string(),
            r.cost_spike.to_string(),
            opt(r.last_run_ms.map(forge_apify::time::format_iso_millis)),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// The table as JSON.
pub fn to_json(rows: &[Row]) -> String {
    serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".into())
}

/// Offers `text` as a download (Blob + object URL + a clicked `<a download>`).
pub fn download(name: &str, mime: &str, text: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = doc.create_element("a") {
        let a: web_sys::HtmlAnchorElement = wasm_bindgen::JsCast::unchecked_into(a);
        a.set_href(&url);
        a.set_download(name);
        let _ = a.set_attribute("data-export", name);
        a.set_class_name("visually-hidden");
        if let Some(body) = doc.body() {
            let _ = body.append_child(&a);
            a.click();
            let _ = body.remove_child(&a);
        }
    }
    // The strict CSP (connect-src 'self') does not let page scripts read a blob: URL back, so
    // the last export's text is also kept on the page, where tests can check it.
    if let Some(root) = doc.get_element_by_id("fleet") {
        let _ = root.set_attribute("data-last-export", name);
        let _ = root.set_attribute("data-last-export-text", text);
    }
    // Let the browser start the download before the URL is released.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
            wasm_bindgen::JsCast::unchecked_ref(&revoke),
            60_000,
        );
    }
}

fn cell_text(col: Col, r: &Row, now: i64) -> String {
    let dash = || "—".to_string();
    match col {
        Col::Name => r.title.clone(),
        Col::Health => r.health.map_or_else(dash, |h| h.to_string()),
        Col::Runs => r.runs.map_or_else(dash, |n| {
            crate::pages::actors::group_thousands(u64::from(n))
        }),
        Col::Success => r.success_rate.map_or_else(dash, pct),
        Col::P50 => r.p50_ms.map_or_else(dash, duration),
        Col::P95 => r.p95_ms.map_or_else(dash, duration),
        Col::CostPerRun => r.cost_per_run_usd.map_or_else(|| "n/a".into(), usd),
        Col::CostPer1000 => r
            .cost_per_1000_results_usd
            .map_or_else(|| "n/a".into(), usd),
        Col::Memory => r.memory_use.map_or_else(dash, pct),
        Col::Build => r.build.clone().unwrap_or_else(dash),
        Col::LastRun => r
            .last_run_ms
            .map_or_else(dash, |t| crate::time::relative(t / 1000, now)),
        Col::ThisWeek => r.week.as_ref().map_or_else(dash, week_text),
    }
}

pub fn bucket_class(b: Bucket) -> &'static str {
    match b {
        Bucket::FixNow => "bucket bucket-fix-now",
        Bucket::Watch => "bucket bucket-watch",
        Bucket::SaveMoney => "bucket bucket-save-money",
        Bucket::Stale => "bucket bucket-stale",
        Bucket::Healthy => "bucket bucket-healthy",
    }
}

pub fn bucket_code(b: Bucket) -> &'static str {
    match b {
        Bucket::FixNow => "fix-now",
        Bucket::Watch => "watch",
        Bucket::SaveMoney => "save-money",
        Bucket::Stale => "stale",
        Bucket::Healthy => "healthy",
    }
}

/// The badge's colour: the plan's own health edges (Fix now below 50, Watch below 75).
pub fn health_class(h: u8) -> &'static str {
    if h < rules::FIX_NOW_HEALTH {
        "health health-bad"
    } else if h < rules::WATCH_HEALTH {
        "health health-warn"
    } else {
        "health health-good"
    }
}

/// The table with its controls.
#[component]
pub fn FleetTable(#[prop(into)] rows: Signal<Vec<Row>>, now: i64) -> impl IntoView {
    let sort = RwSignal::new((Col::Health, true));
    let filter = RwSignal::new(String::new());
    let bucket = RwSignal::new(None::<Bucket>);
    let shown = Memo::new(move |_| {
        let mut v = filter_rows(rows.get(), &filter.get(), bucket.get());
        let (c, asc) = sort.get();
        sort_rows(&mut v, c, asc);
        v
    });
    let click_sort = move |c: Col| {
        sort.update(|(col, asc)| {
            if *col == c {
                *asc = !*asc;
            } else {
                *col = c;
                *asc = matches!(c, Col::Name | Col::Health | Col::Success | Col::Build);
            }
        })
    };
    let header = move |c: Col| {
        let aria = move || match sort.get() {
            (col, true) if col == c => "ascending",
            (col, false) if col == c => "descending",
            _ => "none",
        };
        let class = if c.numeric() {
            "num sortable"
        } else {
            "sortable"
        };
        view! {
            <th scope="col" class=class aria-sort=aria data-col=c.code()>
                <button type="button" class="sort-button" on:click=move |_| click_sort(c)>
                    {c.label()}
                    <span class="sort-mark" aria-hidden="true">{move || match aria() {
                        "ascending" => "▲",
                        "descending" => "▼",
                        _ => "",
                    }}</span>
                </button>
            </th>
        }
    };
    let export = move |kind: &'static str| {
        let v = shown.get_untracked();
        if kind == "csv" {
            download("forge-fleet.csv", "text/csv", &to_csv(&v));
        } else {
            download("forge-fleet.json", "application/json", &to_json(&v));
        }
    };
    view! {
        <div class="table-controls">
            <div class="filter-row">
                <label for="fleet-filter" class="field-label">"Filter by name"</label>
                <input
                    id="fleet-filter"
                    class="input"
                    type="search"
                    placeholder="e.g. scraper"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev))
                />
            </div>
            <div class="filter-row">
                <label for="bucket-filter" class="field-label">"Bucket"</label>
                <select
                    id="bucket-filter"
                    class="input"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        bucket.set(Bucket::ALL.into_iter().find(|b| bucket_code(*b) == v));
                    }
                >
                    <option value="">"All buckets"</option>
                    {Bucket::ALL
                        .into_iter()
                        .map(|b| view! { <option value=bucket_code(b)>{b.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="export-buttons">
                <button type="button" class="button secondary small" id="export-csv" on:click=move |_| export("csv")>
                    "Export CSV"
                </button>
                <button type="button" class="button secondary small" id="export-json" on:click=move |_| export("json")>
                    "Export JSON"
                </button>
            </div>
        </div>
        <div class="table-wrap">
            <table class="data-table fleet-table">
                <caption class="table-caption">
                    {move || {
                        let (s, t) = (shown.get().len(), rows.get().len());
                        if s == t { format!("{t} Actors") } else { format!("{s} of {t} Actors") }
                    }}
                    " · click a heading to sort"
                </caption>
                <thead>
                    <tr>
                        {header(Col::Name)}
                        {header(Col::Health)}
                        <th scope="col">"Bucket"</th>
                        {header(Col::Runs)}
                        {header(Col::Success)}
                        {header(Col::P50)}
                        {header(Col::P95)}
                        {header(Col::CostPerRun)}
                        {header(Col::CostPer1000)}
                        {header(Col::Memory)}
                        {header(Col::Build)}
                        <th scope="col">"Flags"</th>
                        {header(Col::LastRun)}
                        {header(Col::ThisWeek)}
                        <th scope="col" data-col="signals">"Signals"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || shown.get()
                        key=|r| format!("{r:?}")
                        children=move |r| view! { <FleetRow row=r now=now /> }
                    />
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn FleetRow(row: Row, now: i64) -> impl IntoView {
    let href = format!("/actors/{}", row.id);
    let td = |c: Col, r: &Row| {
        let class = match (r.state, c.needs_runs()) {
            ("ok", _) => "num",
            (_, true) => "num unavailable",
            _ => "num",
        };
        view! { <td class=class data-col=c.code()>{cell_text(c, r, now)}</td> }
    };
    let mut flags = Vec::new();
    if let Some(b) = &row.regression {
        flags.push(("flag flag-bad", "regression", format!("regression on {b}")));
    }
    if row.empty_results {
        flags.push(("flag flag-warn", "empty", "empty results".to_string()));
    }
    if row.stale {
        flags.push(("flag flag-muted", "stale", "stale".to_string()));
    }
    if row.memory_suggestion.is_some() {
        flags.push((
            "flag flag-info",
            "memory",
            "memory over-allocated".to_string(),
        ));
    }
    if row.cost_spike {
        flags.push(("flag flag-warn", "cost-spike", "cost spike".to_string()));
    }
    let name_cell = {
        let r = row.clone();
        view! {
            <th scope="row" data-col="name">
                <A href=href attr:class="actor-link">{r.title.clone()}</A>
                <span class="slug mono">{r.name.clone()}</span>
                <crate::run_dialog::RunButton id=r.id.clone() name=r.name.clone() />
                {r.note.clone().filter(|_| r.state != "denied").map(|n| view! { <span class=format!("row-note row-note-{}", r.state)>{n}</span> })}
            </th>
        }
    };
    let bucket_cell = match (row.bucket, row.state) {
        (Some(b), _) => view! {
            <td data-col="bucket"><span class=bucket_class(b) title=row.reason.clone().unwrap_or_default()>{b.label()}</span></td>
        }
        .into_any(),
        (None, "loading") => view! { <td data-col="bucket" class="muted">"loading…"</td> }.into_any(),
        (None, "denied") => view! { <td data-col="bucket" class="unavailable">"Actor runs: Read"</td> }.into_any(),
        _ => view! { <td data-col="bucket" class="unavailable">"—"</td> }.into_any(),
    };
    let figures_or_denied = if row.state == "denied" {
        let perm = row
            .note
            .clone()
            .unwrap_or_default()
            .replace("Your token lacks ", "");
        view! {
            <td colspan="7" class="unavailable denied-cell" data-col="denied">
                {format!("needs {perm}")}
            </td>
        }
        .into_any()
    } else {
        view! {
            {td(Col::Runs, &row)}
            {td(Col::Success, &row)}
            {td(Col::P50, &row)}
            {td(Col::P95, &row)}
            {td(Col::CostPerRun, &row)}
            {td(Col::CostPer1000, &row)}
            {td(Col::Memory, &row)}
        }
        .into_any()
    };
    let week_cell = {
        let worse = row.week.is_some_and(|w| w.any_worse());
        let class = match row.week {
            Some(_) if worse => "num week week-worse",
            Some(_) => "num week",
            None => "num week muted",
        };
        view! {
            <td class=class data-col="this-week" data-worse=worse.to_string()>
                {cell_text(Col::ThisWeek, &row, now)}
            </td>
        }
    };
    let health_cell = match row.health {
        Some(h) => {
            view! { <td class="num" data-col="health"><span class=health_class(h)>{h}</span></td> }
                .into_any()
        }
        None => td(Col::Health, &row).into_any(),
    };
    view! {
        <tr data-actor=row.id.clone() data-name=row.name.clone() data-state=row.state
            data-bucket=row.bucket.map(bucket_code).unwrap_or_default()>
            {name_cell}
            {health_cell}
            {bucket_cell}
            {figures_or_denied}
            {td(Col::Build, &row)}
            <td data-col="flags" class="flags">
                {flags.into_iter().map(|(class, code, text)| view! {
                    <span class=class data-flag=code>{text}</span>
                }).collect_view()}
            </td>
            {td(Col::LastRun, &row)}
            {week_cell}
            <td class="signals-cell small-print" data-col="signals">{row.signals.clone().unwrap_or_default()}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, health: Option<u8>, runs: Option<u32>) -> Row {
        let mut r = Row::without_figures(&RowMeta {
            id: name.into(),
            name: name.into(),
            title: None,
            loading: false,
            denied: None,
            error: None,
            enrich_denied: None,
        });
        r.health = health;
        r.runs = runs;
        r.state = "ok";
        r
    }

    #[test]
    fn sorting_puts_unknowns_last() {
        let mut v = vec![
            row("b", Some(80), Some(3)),
            row("a", None, None),
            row("c", Some(20), Some(9)),
        ];
        sort_rows(&mut v, Col::Health, true);
        let names: Vec<_> = v.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["c", "b", "a"]);
        sort_rows(&mut v, Col::Runs, false);
        let names: Vec<_> = v.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["c", "b", "a"]);
        sort_rows(&mut v, Col::Name, true);
        let names: Vec<_> = v.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn filtering_and_csv() {
        let mut a = row("shop-scraper", Some(50), Some(2));
        a.bucket = Some(Bucket::Watch);
        a.title = "Shop, \"big\"".into();
        let b = row("api", Some(90), Some(1));
        let v = filter_rows(vec![a.clone(), b.clone()], "SHOP", None);
        assert_eq!(v.len(), 1);
        assert_eq!(filter_rows(vec![a, b], "", Some(Bucket::Watch)).len(), 1);
        let csv = to_csv(&v);
        assert!(csv.starts_with("id,name,title,state"));
        assert!(
            csv.contains("shop-scraper,shop-scraper,\"Shop, \"\"big\"\"\",ok,,50,Watch,2,"),
            "{csv}"
        );
        assert!(to_json(&v).contains("\"name\": \"shop-scraper\""));
        assert_eq!(duration(1234), "1.2 s");
        assert_eq!(duration(95_000), "1m 35s");
    }
}
