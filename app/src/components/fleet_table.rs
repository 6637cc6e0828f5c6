//! The dashboard's table of every Actor: controls (filter, bucket, sort, columns, density,
//! export), sortable headers and one row per Actor (a card on a phone). What a row says is [`crate::view_model::fleet_table`]'s.

use crate::api::{clock, storage};
use crate::components::run_dialog::RunButton;
use crate::components::NameFilter;
use crate::view_model::console;
use crate::view_model::dashboard_view::DashboardView;
use crate::view_model::fleet_table::{
    bucket_class, cell_text, filter_rows, health_class, sort_rows, to_csv, to_json, Col,
    ExportInfo, Row, RowState,
};
use crate::view_model::table_prefs::{Density, TablePrefs, STORAGE_KEY};
use forge_fleet::{Bucket, FleetSummary};
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

/// The table's filter, bucket and sort: owned by the dashboard, which keeps them in the
/// address, and set by the action plan's buckets.
#[derive(Debug, Clone, Copy)]
pub struct TableControls {
    pub filter: RwSignal<String>,
    pub bucket: RwSignal<Option<Bucket>>,
    pub sort: RwSignal<(Col, bool)>,
}

impl TableControls {
    pub fn new(view: &DashboardView) -> TableControls {
        TableControls {
            filter: RwSignal::new(view.filter.clone()),
            bucket: RwSignal::new(view.bucket),
            sort: RwSignal::new(view.sort),
        }
    }

    /// The view these controls and `days` make (reactive).
    pub fn view(self, days: u32) -> DashboardView {
        DashboardView {
            days,
            filter: self.filter.get(),
            bucket: self.bucket.get(),
            sort: self.sort.get(),
        }
    }

    /// Only the Actors in `bucket` (the name filter cleared, so none is hidden by it).
    pub fn show_bucket(self, bucket: Bucket) {
        self.filter.set(String::new());
        self.bucket.set(Some(bucket));
    }

    /// Every row again: no name filter, all buckets.
    pub fn clear(self) {
        self.filter.set(String::new());
        self.bucket.set(None);
    }
}

/// The table with its controls. While `filling`, the columns the background reads fill in say
/// so in their headers.
#[component]
pub fn FleetTable(
    #[prop(into)] rows: Signal<Vec<Row>>,
    now_ms: i64,
    #[prop(into)] filling: Signal<bool>,
    controls: TableControls,
    /// The window the rows cover, for the exports.
    #[prop(into)]
    days: Signal<u32>,
    /// The fleet's summary of that window, for the JSON export.
    #[prop(into)]
    summary: Signal<Option<FleetSummary>>,
) -> impl IntoView {
    let TableControls {
        filter,
        bucket,
        sort,
    } = controls;
    let prefs = RwSignal::new(
        storage::get(STORAGE_KEY)
            .map(|s| TablePrefs::decode(&s))
            .unwrap_or_default(),
    );
    Effect::new(move |_| prefs.with(|p| storage::set(STORAGE_KEY, &p.encode())));
    let counts = Memo::new(move |_| {
        rows.with(|rows| Bucket::ALL.map(|b| rows.iter().filter(|r| r.bucket() == Some(b)).count()))
    });
    // No Actor's run history could be read: one notice instead of a row of dashes each.
    let no_run_history = Memo::new(move |_| {
        rows.with(|r| !r.is_empty() && r.iter().all(|r| r.state == RowState::Denied))
    });
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
                *asc = c.ascending_first();
            }
        })
    };
    let header = move |c: Col| {
        let aria = move || match sort.get() {
            (col, true) if col == c => "ascending",
            (col, false) if col == c => "descending",
            _ => "none",
        };
        let class = if c.numeric() { "num" } else { "" };
        if !c.sortable() {
            return view! { <th scope="col" class=class data-col=c.code()>{c.label()}</th> }
                .into_any();
        }
        view! {
            <th scope="col" class=format!("{class} sortable") aria-sort=aria data-col=c.code()>
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
        .into_any()
    };
    let export = move |kind: &'static str| {
        let v = shown.get_untracked();
        let info = ExportInfo {
            window_days: days.get_untracked(),
            generated_ms: clock::now_ms() as i64,
        };
        if kind == "csv" {
            download(&info.file_name("csv"), "text/csv", &to_csv(&v, info));
        } else {
            download(
                &info.file_name("json"),
                "application/json",
                &to_json(&v, info, summary.get_untracked().as_ref()),
            );
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
                    prop:value=move || bucket.get().map(Bucket::code).unwrap_or_default()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        bucket.set(Bucket::ALL.into_iter().find(|b| b.code() == v));
                    }
                >
                    <option value="">"All buckets"</option>
                    {Bucket::ALL
                        .into_iter()
                        .enumerate()
                        .map(|(i, b)| view! {
                            <option value=b.code() selected=move || bucket.get() == Some(b)>
                                {move || format!("{} ({})", b.label(), counts.with(|c| c[i]))}
                            </option>
                        })
                        .collect_view()}
                </select>
            </div>
            // The headings sort on a wide screen; a phone shows cards, and this.
            <div class="filter-row narrow-only">
                <label for="sort-select" class="field-label">"Sort by"</label>
                <select
                    id="sort-select"
                    class="input"
                    prop:value=move || sort.get().0.code()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Some(c) = Col::ALL.into_iter().find(|c| c.code() == v) {
                            sort.set((c, c.ascending_first()));
                        }
                    }
                >
                    {Col::ALL
                        .into_iter()
                        .filter(|c| c.sortable())
                        .map(|c| view! { <option value=c.code() selected=move || sort.get().0 == c>{c.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="table-tools">
                <ColumnChooser prefs />
                <button
                    type="button"
                    class="button secondary small"
                    id="density"
                    aria-pressed=move || (prefs.with(|p| p.density) == Density::Comfortable).to_string()
                    on:click=move |_| prefs.update(|p| {
                        p.density = match p.density {
                            Density::Compact => Density::Comfortable,
                            Density::Comfortable => Density::Compact,
                        }
                    })
                >
                    "Roomy rows"
                </button>
                <button type="button" class="button secondary small" id="export-csv" on:click=move |_| export("csv")>
                    "Export CSV"
                </button>
                <button type="button" class="button secondary small" id="export-json" on:click=move |_| export("json")>
                    "Export JSON"
                </button>
            </div>
        </div>
        {move || no_run_history.get().then(|| view! {
            <p class="notice notice-warn" id="no-run-history">
                "No figures to show: this token cannot read run history, so only the names of your Actors are listed. Health, runs, durations and cost appear once the token has Actor runs: Read."
            </p>
        })}
        <div class="table-wrap" id="fleet-table-wrap">
            <table class=move || prefs.with(|p| p.table_class(no_run_history.get()))>
                <caption class="table-caption">
                    {move || {
                        let (s, t) = (shown.with(Vec::len), rows.with(Vec::len));
                        if s == t { format!("{t} Actors") } else { format!("{s} of {t} Actors") }
                    }}
                    <span class="wide-only">" · click a heading to sort"</span>
                </caption>
                <thead>
                    <tr>{Col::ALL.into_iter().map(header).collect_view()}</tr>
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
        {move || (shown.with(Vec::is_empty) && !rows.with(Vec::is_empty)).then(|| view! {
            <div class="table-empty" id="table-empty" role="status">
                <p>"No Actor matches these filters."</p>
                <button type="button" class="button secondary small" id="clear-filters" on:click=move |_| controls.clear()>
                    "Clear filters"
                </button>
            </div>
        })}
    }
}

/// "Columns": a checkbox per column that can be hidden.
#[component]
fn ColumnChooser(prefs: RwSignal<TablePrefs>) -> impl IntoView {
    view! {
        <details class="menu" id="columns">
            <summary class="button secondary small">"Columns"</summary>
            <fieldset class="menu-items">
                <legend class="visually-hidden">"Columns to show"</legend>
                {Col::ALL.into_iter().filter(|c| c.can_hide()).map(|c| view! {
                    <label class="menu-check">
                        <input
                            type="checkbox"
                            data-col=c.code()
                            prop:checked=move || prefs.with(|p| p.is_shown(c))
                            on:change=move |ev| prefs.update(|p| p.set_shown(c, event_target_checked(&ev)))
                        />
                        {c.label()}
                    </label>
                }).collect_view()}
            </fieldset>
        </details>
    }
}

/// The actions of one Actor, behind a "⋯" so a row stays one line.
#[component]
fn RowMenu(id: String, name: String) -> impl IntoView {
    let console = console::actor_url(&id);
    view! {
        <details class="menu row-menu">
            <summary class="row-menu-button" aria-label=format!("Actions for {name}") title="Actions">"⋯"</summary>
            <div class="menu-items">
                <RunButton id=id name=name />
                <a href=console class="external" target="_blank" rel="noopener noreferrer">"Open in Apify Console"</a>
            </div>
        </details>
    }
}

#[component]
fn FleetRow(row: Row, now_ms: i64) -> impl IntoView {
    let denied = row.state == RowState::Denied;
    let cell = |c: Col| -> AnyView {
        let code = c.code();
        let label = c.label();
        let class = match (row.state, c.needs_runs(), c.numeric()) {
            (RowState::Ok, _, true) | (_, false, true) => "num",
            (RowState::Ok, _, false) | (_, false, false) => "",
            (_, true, true) => "num unavailable",
            (_, true, false) => "unavailable",
        };
        match c {
            Col::Name => {
                let href = format!("/actors/{}", row.id);
                let note = row.note.clone().map(|n| {
                    view! { <span class=format!("row-note row-note-{}", row.state.code())>{n}</span> }
                });
                view! {
                    <th scope="row" data-col=code>
                        <div class="name-line">
                            <a href=href class="actor-link" title=row.title.clone()>{row.title.clone()}</a>
                            <RowMenu id=row.id.clone() name=row.name.clone() />
                        </div>
                        <span class="slug mono">{row.name.clone()}</span>
                        {note}
                    </th>
                }
                .into_any()
            }
            Col::Health if row.figures.is_some() => {
                let h = row.fig(|f| Some(f.health)).unwrap_or_default();
                view! { <td class="num" data-col=code data-label=label><span class=health_class(h)>{h}</span></td> }
                    .into_any()
            }
            Col::Bucket => match (row.figures.as_ref(), row.state) {
                (Some(f), _) => view! {
                    <td data-col=code data-label=label><span class=bucket_class(f.bucket) title=f.reason.clone()>{f.bucket.label()}</span></td>
                }
                .into_any(),
                (None, RowState::Loading) => {
                    view! { <td data-col=code data-label=label class="muted">"loading…"</td> }.into_any()
                }
                _ => view! { <td data-col=code data-label=label class=class>"—"</td> }.into_any(),
            },
            Col::Flags => view! {
                <td data-col=code data-label=label class="flags">
                    {row.flags().into_iter().map(|(class, code, text)| view! {
                        <span class=class data-flag=code>{text}</span>
                    }).collect_view()}
                </td>
            }
            .into_any(),
            Col::ThisWeek => {
                let worse = row.week.is_some_and(|w| w.any_worse());
                let text = cell_text(c, &row, now_ms);
                let class = match row.week {
                    Some(_) if worse => "week week-worse",
                    Some(_) => "week",
                    None => "week muted",
                };
                view! {
                    <td class=class data-col=code data-label=label data-worse=worse.to_string() title=text.clone()>
                        {text.clone()}
                    </td>
                }
                .into_any()
            }
            Col::Signals => view! {
                <td class="signals-cell small-print" data-col=code data-label=label>{cell_text(c, &row, now_ms)}</td>
            }
            .into_any(),
            _ if denied && c.needs_runs() => {
                view! { <td class=class data-col=code data-label=label title="needs Actor runs: Read">"—"</td> }.into_any()
            }
            _ => view! { <td class=class data-col=code data-label=label>{cell_text(c, &row, now_ms)}</td> }.into_any(),
        }
    };
    view! {
        <tr data-actor=row.id.clone() data-name=row.name.clone() data-state=row.state.code()
            data-bucket=row.bucket().map(Bucket::code).unwrap_or_default()>
            {Col::ALL.into_iter().map(cell).collect_view()}
        </tr>
    }
}
