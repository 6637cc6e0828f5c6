//! Charts drawn by the app as inline SVG built with Leptos — no chart library, no inline styles
//! (the CSP forbids them): every colour comes from a class in `forge.css`.

use crate::view_model::charts::{failure_rate, nice_max, partial_ends, release_markers};
use crate::view_model::format::{pct, usd};
use crate::view_model::time::{day_dot_month, day_month_year};
use forge_fleet::{DayPoint, Window};
use leptos::prelude::*;

const W: f64 = 640.0;
const H: f64 = 160.0;
/// Room for the left axis labels (`$2,500`, at the larger size phones use).
const PAD_L: f64 = 58.0;
/// Room on the right for the failure-rate axis.
const PAD_R: f64 = 44.0;
const PAD_B: f64 = 22.0;
/// Room above the plot for the axis titles.
const PAD_T: f64 = 18.0;
/// Height of the plotting area.
const PLOT_H: f64 = H - PAD_B - PAD_T;

/// Width of each of `n` bars across the plotting area.
fn bar_width(n: usize) -> f64 {
    (W - PAD_L) / n.max(1) as f64
}

fn axis(max: f64, fmt: impl Fn(f64) -> String) -> impl IntoView {
    axis_within(max, fmt, W)
}

/// Grid lines from the left axis to `right`, labelled by `fmt`.
fn axis_within(max: f64, fmt: impl Fn(f64) -> String, right: f64) -> impl IntoView {
    let plot_h = PLOT_H;
    [0.0, 0.5, 1.0]
        .into_iter()
        .map(|f| {
            let y = PAD_T + plot_h * (1.0 - f);
            view! {
                <line x1=PAD_L x2=right y1=y y2=y class="chart-grid" />
                <text x=PAD_L - 4.0 y=y + 4.0 class="chart-label" text-anchor="end">{fmt(max * f)}</text>
            }
        })
        .collect_view()
}

/// Every `step`-th day labelled; every other label is `chart-label-odd`, which narrow screens
/// hide so that the labels can stay at a readable size.
fn x_labels(days: &[DayPoint], bw: f64) -> impl IntoView {
    let step = (days.len() / 6).max(1);
    days.iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0)
        .map(|(i, d)| {
            let class = if (i / step) % 2 == 1 {
                "chart-label chart-label-odd"
            } else {
                "chart-label"
            };
            view! {
                <text x=PAD_L + bw * (i as f64 + 0.5) y=H - 6.0 class=class text-anchor="middle">
                    {day_dot_month(d.day_ms)}
                </text>
            }
        })
        .collect_view()
}

/// What a tap (or the pointer) on a day or a bar shows under its chart: the same words as its
/// hover title, because phones have no hover. Each day (or bar) gets a transparent target the
/// height of the plot, so a thin bar is as easy to hit as a tall one.
#[derive(Clone, Copy)]
struct Readout {
    shown: RwSignal<Option<String>>,
    hint: &'static str,
}

impl Readout {
    fn new(hint: &'static str) -> Readout {
        Readout {
            shown: RwSignal::new(None),
            hint,
        }
    }

    /// The target over `x..x + width`, saying `text`.
    fn target(self, x: f64, width: f64, text: String) -> impl IntoView {
        let (on_tap, on_point) = (text.clone(), text.clone());
        view! {
            <rect class="chart-hit" x=x y=PAD_T width=width height=PLOT_H
                on:click=move |_| self.shown.set(Some(on_tap.clone()))
                on:mouseenter=move |_| self.shown.set(Some(on_point.clone()))>
                <title>{text}</title>
            </rect>
        }
    }

    /// The line under the chart.
    fn line(self) -> impl IntoView {
        view! {
            <p class="chart-readout" aria-live="polite">
                {move || self.shown.get().unwrap_or_else(|| self.hint.to_string())}
            </p>
        }
    }
}

const DAY_HINT: &str = "Tap or point at a day for its numbers.";

/// Which of `days` the window covers only in part (first, last), worded for a readout.
fn partial_note(days: &[DayPoint], window: Option<Window>, i: usize) -> &'static str {
    let (first, last) = window.map_or((false, false), partial_ends);
    if (first && i == 0) || (last && days.len() > 1 && i + 1 == days.len()) {
        " (part of this day only)"
    } else {
        ""
    }
}

/// The unit of the left axis, above it.
fn axis_title(text: &'static str) -> impl IntoView {
    view! { <text x=4.0 y=10.0 class="chart-label chart-axis-title">{text}</text> }
}

/// Shading behind the first and the last day when the window covers only part of them.
fn partial_shading(days: &[DayPoint], window: Option<Window>, bw: f64) -> impl IntoView {
    let (first, last) = window.map_or((false, false), partial_ends);
    let n = days.len();
    [(first, 0), (last && n > 1, n.saturating_sub(1))]
        .into_iter()
        .filter(|(partial, _)| *partial)
        .map(|(_, i)| {
            view! {
                <rect class="chart-partial" x=PAD_L + bw * i as f64 y=PAD_T width=bw height=PLOT_H>
                    <title>"Part of this day only: the window starts or ends during it"</title>
                </rect>
            }
        })
        .collect_view()
}

/// Runs per day, stacked by status, with the day's failure rate as a line (right axis), the
/// releases on the days shown as dashed markers, and partial first and last days shaded.
#[component]
pub fn StatusChart(
    days: Vec<DayPoint>,
    #[prop(into)] label: String,
    /// The window the days cover (for shading partial days).
    #[prop(optional)]
    window: Option<Window>,
    /// Releases as (build time, label).
    #[prop(optional)]
    releases: Vec<(i64, String)>,
) -> impl IntoView {
    let max = nice_max(
        days.iter()
            .map(|d| f64::from(d.runs.total()))
            .fold(0.0, f64::max),
    );
    let (plot_h, bw) = (PLOT_H, (W - PAD_L - PAD_R) / days.len().max(1) as f64);
    let readout = Readout::new(DAY_HINT);
    let mut targets = Vec::with_capacity(days.len());
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let r = &d.runs;
            let parts = [
                ("bar bar-succeeded", r.succeeded, "succeeded"),
                ("bar bar-failed", r.failed, "failed"),
                ("bar bar-timed-out", r.timed_out + r.timing_out, "timed out"),
                ("bar bar-aborted", r.aborted + r.aborting, "aborted"),
                (
                    "bar bar-running",
                    r.ready + r.running + r.unknown,
                    "in progress",
                ),
            ];
            let mut y = PAD_T + plot_h;
            let x = PAD_L + bw * i as f64 + bw * 0.1;
            let title = format!(
                "{}: {} runs — {}",
                day_month_year(d.day_ms),
                r.total(),
                parts
                    .iter()
                    .filter(|p| p.1 > 0)
                    .map(|p| format!("{} {}", p.1, p.2))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let rects = parts
                .into_iter()
                .filter(|p| p.1 > 0)
                .map(|(class, v, _)| {
                    let h = plot_h * f64::from(v) / max;
                    y -= h;
                    view! { <rect class=class x=x y=y width=bw * 0.8 height=h /> }
                })
                .collect_view();
            let rate =
                failure_rate(d).map_or_else(String::new, |f| format!(" — {} failed", pct(f)));
            let partial = partial_note(&days, window, i);
            targets.push(readout.target(
                PAD_L + bw * i as f64,
                bw,
                format!("{title}{rate}{partial}"),
            ));
            view! { <g>{rects}</g> }
        })
        .collect_view();
    let point = |i: usize, f: f64| {
        (
            PAD_L + bw * (i as f64 + 0.5),
            PAD_T + plot_h * (1.0 - f.clamp(0.0, 1.0)),
        )
    };
    let rate_line: String = days
        .iter()
        .enumerate()
        .filter_map(|(i, d)| failure_rate(d).map(|f| point(i, f)))
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let markers = release_markers(&days, &releases)
        .into_iter()
        .map(|(i, build)| {
            let x = PAD_L + bw * (i as f64 + 0.5);
            view! {
                <g class="chart-release">
                    <title>{format!("Build {build} released")}</title>
                    <line x1=x x2=x y1=PAD_T y2=PAD_T + plot_h class="chart-release-line" />
                    <text x=x + 3.0 y=PAD_T + 10.0 class="chart-label chart-release-label">{build}</text>
                </g>
            }
        })
        .collect_view();
    let right_axis = [0.0, 0.5, 1.0]
        .into_iter()
        .map(|f| {
            let y = PAD_T + plot_h * (1.0 - f);
            view! { <text x=W - PAD_R + 4.0 y=y + 4.0 class="chart-label chart-rate-label">{pct(f)}</text> }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {H}") class="chart-svg" role="img" aria-label=label.clone()>
                {partial_shading(&days, window, bw)}
                {axis_within(max, |v| format!("{v:.0}"), W - PAD_R)}
                {axis_title("runs")}
                {bars}
                <polyline class="chart-line chart-failure-rate" points=rate_line fill="none" />
                {right_axis}
                {targets}
                {markers}
                {x_labels(&days, bw)}
            </svg>
            {readout.line()}
            <figcaption class="chart-legend">
                <span class="key key-succeeded">"succeeded"</span>
                <span class="key key-failed">"failed"</span>
                <span class="key key-timed-out">"timed out"</span>
                <span class="key key-aborted">"aborted"</span>
                <span class="key key-running">"in progress"</span>
                <span class="key key-failure-rate">"failure rate (right axis)"</span>
                {(!releases.is_empty()).then(|| view! { <span class="key key-release">"release"</span> })}
            </figcaption>
        </figure>
    }
}

/// Cost per day; days with runs but no reported cost are marked "n/a"; partial first and last
/// days shaded.
#[component]
pub fn CostChart(
    days: Vec<DayPoint>,
    #[prop(into)] label: String,
    #[prop(optional)] window: Option<Window>,
) -> impl IntoView {
    let max = nice_max(days.iter().filter_map(|d| d.cost_usd).fold(0.0, f64::max));
    let (plot_h, bw) = (PLOT_H, bar_width(days.len()));
    let readout = Readout::new(DAY_HINT);
    let mut targets = Vec::with_capacity(days.len());
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = PAD_L + bw * i as f64 + bw * 0.1;
            let date = day_month_year(d.day_ms);
            let cost = d.cost_usd.map_or_else(|| "cost n/a".to_string(), usd);
            let partial = partial_note(&days, window, i);
            targets.push(readout.target(
                PAD_L + bw * i as f64,
                bw,
                format!("{date}: {cost}{partial}"),
            ));
            match d.cost_usd {
                Some(c) => {
                    let h = plot_h * c / max;
                    view! { <rect class="bar bar-cost" x=x y=PAD_T + plot_h - h width=bw * 0.8 height=h /> }
                        .into_any()
                }
                None => view! {
                    <rect class="bar bar-unknown" x=x y=PAD_T + plot_h - 3.0 width=bw * 0.8 height=3.0 />
                }
                .into_any(),
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {H}") class="chart-svg" role="img" aria-label=label>
                {partial_shading(&days, window, bw)}
                {axis(max, usd)}
                {axis_title("USD")}
                {bars}
                {targets}
                {x_labels(&days, bw)}
            </svg>
            {readout.line()}
        </figure>
    }
}

/// The engine's 8-bucket duration histogram.
#[component]
pub fn DurationChart(histogram: [u32; 8]) -> impl IntoView {
    const LABELS: [&str; 8] = [
        "< 10 s",
        "10–30 s",
        "30 s–1 min",
        "1–5 min",
        "5–15 min",
        "15 min–1 h",
        "1–4 h",
        "> 4 h",
    ];
    let max = nice_max(histogram.iter().copied().max().unwrap_or(0).into());
    let plot_h = PLOT_H;
    let bw = (W - PAD_L) / 8.0;
    let readout = Readout::new("Tap or point at a bar for its count.");
    let bars = histogram
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let h = plot_h * f64::from(v) / max;
            let x = PAD_L + bw * i as f64;
            view! {
                <rect class="bar bar-duration" x=x + bw * 0.1 y=PAD_T + plot_h - h width=bw * 0.8 height=h />
                {readout.target(x, bw, format!("{}: {v} runs", LABELS[i]))}
                <text x=x + bw * 0.5 y=H - 6.0 class=if i % 2 == 1 { "chart-label chart-label-odd" } else { "chart-label" } text-anchor="middle">{LABELS[i]}</text>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {H}") class="chart-svg" role="img" aria-label="Duration distribution of finished runs">
                {axis(max, |v| format!("{v:.0}"))}
                {axis_title("runs")}
                {bars}
            </svg>
            {readout.line()}
        </figure>
    }
}

/// A line over weeks (the trend chart): one point per stored week, gaps where a figure is
/// missing. `fmt` labels the axis.
#[component]
pub fn WeekChart(
    /// (week label, value), oldest first.
    points: Vec<(String, Option<f64>)>,
    /// The axis top; `None` = from the data.
    #[prop(optional)]
    max: Option<f64>,
    fmt: fn(f64) -> String,
    label: &'static str,
    /// Extra class for the line's colour.
    line_class: &'static str,
) -> impl IntoView {
    let top =
        max.unwrap_or_else(|| nice_max(points.iter().filter_map(|p| p.1).fold(0.0, f64::max)));
    let n = points.len().max(1);
    let step = (W - PAD_L - 12.0) / (n.saturating_sub(1).max(1)) as f64;
    let plot_h = PLOT_H;
    let xy = |i: usize, v: f64| {
        (
            PAD_L + 6.0 + step * i as f64,
            PAD_T + plot_h * (1.0 - (v / top).clamp(0.0, 1.0)),
        )
    };
    let line: String = points
        .iter()
        .enumerate()
        .filter_map(|(i, (_, v))| v.map(|v| xy(i, v)))
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let label_step = (n / 8).max(1);
    let readout = Readout::new("Tap or point at a week for its figure.");
    view! {
        <figure class="chart">
            <svg class="chart week-chart" viewBox=format!("0 0 {W} {H}") role="img" aria-label=label>
                <title>{label}</title>
                {axis(top, fmt)}
                <polyline class=format!("chart-line {line_class}") points=line fill="none" />
                {points.iter().enumerate().filter_map(|(i, (_, v))| v.map(|v| {
                    let (x, y) = xy(i, v);
                    view! { <circle cx=x cy=y r="3" class=format!("chart-dot {line_class}") /> }
                })).collect_view()}
                {points.iter().enumerate().map(|(i, (week, v))| {
                    let (x, _) = xy(i, 0.0);
                    let figure = v.map_or_else(|| "no figure".to_string(), fmt);
                    readout.target(x - step / 2.0, step, format!("{week}: {figure}"))
                }).collect_view()}
                {points.iter().enumerate().filter(|(i, _)| i % label_step == 0 || *i + 1 == n).map(|(i, (week, _))| {
                    let (x, _) = xy(i, 0.0);
                    let anchor = if i + 1 == n && n > 1 { "end" } else if i == 0 { "start" } else { "middle" };
                    view! {
                        <text x=x y=H - 6.0 class="chart-label" text-anchor=anchor>{week.split_once('-').map_or(week.as_str(), |w| w.1).to_string()}</text>
                    }
                }).collect_view()}
            </svg>
            {readout.line()}
        </figure>
    }
}
