//! The dashboard's table of every Actor: controls (filter, bucket, export), sortable headers
//! and one row per Actor. What a row says is [`crate::view_model::fleet_table`]'s.

use crate::components::run_dialog::RunButton;
use crate::components::NameFilter;
use crate::view_model::fleet_table::{
    bucket_class, cell_text, filter_rows, health_class, sort_rows, to_csv, to_json, Col, Row,
    RowState,
};
use forge_fleet::Bucket;
use leptos::prelude::*;

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

/// Rows put on the page at once; the rest follow [`ROWS_PER_STEP`] at a time, each step a task
/// of its own, so a fleet of 1,000 shows its first screen as fast as one of 100 and the page
/// stays responsive while the rest are added. Sorting, filtering and export see every row.
pub const FIRST_ROWS: usize = 60;
pub const ROWS_PER_STEP: usize = 120;

/// The table with its controls. While `filling`, the columns the background reads fill in say
/// so in their headers.
#[component]
pub fn FleetTable(
    #[prop(into)] rows: Signal<Vec<Row>>,
    now_ms: i64,
    #[prop(into)] filling: Signal<bool>,
) -> impl IntoView {
    let sort = RwSignal::new((Col::Health, true));
    let filter = RwSignal::new(String::new());
    let bucket = RwSignal::new(None::<Bucket>);
    let shown = Memo::new(move |_| {
        let mut v = filter_rows(rows.get(), &filter.get(), bucket.get());
        let (c, asc) = sort.get();
        sort_rows(&mut v, c, asc);
        v
    });
    // How many of `shown` are on the page: grows a step per task until all are.
    let rendered = RwSignal::new(FIRST_ROWS);
    Effect::new(move |_| {
        if rendered.get() < shown.with(Vec::len) {
            set_timeout(
                move || rendered.update(|n| *n += ROWS_PER_STEP),
                std::time::Duration::ZERO,
            );
        }
    });
    let on_page =
        move || shown.with(|v| v.iter().take(rendered.get()).cloned().collect::<Vec<_>>());
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
                    {move || (c.fills_in_background() && filling.get()).then(|| view! {
                        <span class="col-filling" data-filling="">" filling…"</span>
                    })}
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
            <NameFilter id="fleet-filter" value=filter />
            <div class="filter-row">
                <label for="bucket-filter" class="field-label">"Bucket"</label>
                <select
                    id="bucket-filter"
                    class="input"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        bucket.set(Bucket::ALL.into_iter().find(|b| b.code() == v));
                    }
                >
                    <option value="">"All buckets"</option>
                    {Bucket::ALL
                        .into_iter()
                        .map(|b| view! { <option value=b.code()>{b.label()}</option> })
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
                        let (s, t) = (shown.with(Vec::len), rows.with(Vec::len));
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
                        each=on_page
                        key=|r| format!("{r:?}")
                        children=move |r| view! { <FleetRow row=r now_ms=now_ms /> }
                    />
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn FleetRow(row: Row, now_ms: i64) -> impl IntoView {
    let href = format!("/actors/{}", row.id);
    let td = |c: Col, r: &Row| {
        let class = match (r.state, c.needs_runs()) {
            (RowState::Ok, _) | (_, false) => "num",
            (_, true) => "num unavailable",
        };
        view! { <td class=class data-col=c.code()>{cell_text(c, r, now_ms)}</td> }
    };
    let flags = row.flags();
    let name_cell = {
        let r = row.clone();
        view! {
            <th scope="row" data-col="name">
                <a href=href class="actor-link">{r.title.clone()}</a>
                <span class="slug mono">{r.name.clone()}</span>
                <RunButton id=r.id.clone() name=r.name.clone() />
                {r.note.clone().filter(|_| r.state != RowState::Denied).map(|n| view! { <span class=format!("row-note row-note-{}", r.state.code())>{n}</span> })}
            </th>
        }
    };
    let bucket_cell = match (row.figures.as_ref(), row.state) {
        (Some(f), _) => view! {
            <td data-col="bucket"><span class=bucket_class(f.bucket) title=f.reason.clone()>{f.bucket.label()}</span></td>
        }
        .into_any(),
        (None, RowState::Loading) => view! { <td data-col="bucket" class="muted">"loading…"</td> }.into_any(),
        (None, RowState::Denied) => view! { <td data-col="bucket" class="unavailable">"Actor runs: Read"</td> }.into_any(),
        _ => view! { <td data-col="bucket" class="unavailable">"—"</td> }.into_any(),
    };
    let figures_or_denied = if row.state == RowState::Denied {
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
                {cell_text(Col::ThisWeek, &row, now_ms)}
            </td>
        }
    };
    let health_cell = match row.fig(|f| Some(f.health)) {
        Some(h) => {
            view! { <td class="num" data-col="health"><span class=health_class(h)>{h}</span></td> }
                .into_any()
        }
        None => td(Col::Health, &row).into_any(),
    };
    view! {
        <tr data-actor=row.id.clone() data-name=row.name.clone() data-state=row.state.code()
            data-bucket=row.bucket().map(Bucket::code).unwrap_or_default()>
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
