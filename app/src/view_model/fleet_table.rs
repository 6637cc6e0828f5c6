//! The dashboard's table of every Actor as plain data: one [`Row`] per Actor from the fleet
//! report (or the reason it has no figures), sorting, filtering, the cell texts, and the CSV
//! and JSON exports.

use crate::data::fleet::RowMeta;
use crate::data::signals::SignalsState;
use crate::view_model::format::{
    duration, fold_case, group_thousands, or_dash, pct, usd_or_na, DASH,
};
use crate::view_model::time::relative;
use forge_fleet::format::csv_field;
use forge_fleet::rules;
use forge_fleet::trends::{Delta, Direction, FigureDeltas, WeekOverWeek};
use forge_fleet::{ActorDigest, Bucket, FleetDigest, FleetSummary};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Whether a row has figures, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowState {
    Ok,
    Loading,
    /// A permission was refused for its run history.
    Denied,
    Error,
}

impl RowState {
    /// `ok`, `loading`, `denied`, `error` (the serde name), for `data-state` and the CSV.
    pub fn code(self) -> &'static str {
        match self {
            RowState::Ok => "ok",
            RowState::Loading => "loading",
            RowState::Denied => "denied",
            RowState::Error => "error",
        }
    }
}

/// One row of the table, as shown and exported: the Actor, and its figures when it has them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub id: String,
    pub name: String,
    pub title: String,
    pub state: RowState,
    /// What the row shows beside or instead of figures.
    pub note: Option<String>,
    /// The engine's digest of the Actor (present when `state` is `Ok`).
    pub figures: Option<ActorDigest>,
    /// This week against the previous stored week (trend snapshots).
    pub week: Option<FigureDeltas>,
    /// The first `SIGNALS` entries of the latest successful run.
    pub signals: Option<String>,
    /// Name and title, folded for case-insensitive filtering and sorting (once per row, not
    /// per comparison).
    #[serde(skip)]
    pub folded: Folded,
}

/// A row's name and title in lower case ([`fold_case`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Folded {
    pub name: String,
    pub title: String,
}

impl Row {
    fn new(m: &RowMeta, figures: Option<&ActorDigest>) -> Row {
        let (state, note) = match (figures, &m.denied, &m.error) {
            (Some(_), _, _) => (
                RowState::Ok,
                m.enrich_denied
                    .as_ref()
                    .map(|p| format!("Your token lacks {p}: memory and result counts are missing")),
            ),
            (None, Some(p), _) => (RowState::Denied, Some(format!("Your token lacks {p}"))),
            (None, None, Some(e)) => (RowState::Error, Some(e.clone())),
            (None, None, None) => (RowState::Loading, None),
        };
        let title = m.display_name().to_string();
        Row {
            id: m.id.clone(),
            name: m.name.clone(),
            folded: Folded {
                name: fold_case(&m.name),
                title: fold_case(&title),
            },
            title,
            state,
            note,
            figures: figures.cloned(),
            week: None,
            signals: None,
        }
    }

    /// A figure of the digest, when there is one.
    pub fn fig<'a, T>(&'a self, f: impl FnOnce(&'a ActorDigest) -> Option<T>) -> Option<T> {
        self.figures.as_ref().and_then(f)
    }

    /// A flag of the digest (false without figures).
    pub fn flag(&self, f: impl FnOnce(&ActorDigest) -> bool) -> bool {
        self.figures.as_ref().is_some_and(f)
    }

    pub fn bucket(&self) -> Option<Bucket> {
        self.fig(|f| Some(f.bucket))
    }

    /// The flags the row shows: (CSS class, `data-flag` code, text).
    pub fn flags(&self) -> Vec<(&'static str, &'static str, String)> {
        let Some(f) = &self.figures else {
            return Vec::new();
        };
        let mut flags = Vec::new();
        if let Some(r) = &f.runaway {
            let running = crate::view_model::format::duration(r.running_ms);
            flags.push(("flag flag-bad", "runaway", format!("running {running}")));
        }
        if let Some(b) = &f.regression {
            flags.push(("flag flag-bad", "regression", format!("regression on {b}")));
        }
        if f.empty_results {
            flags.push(("flag flag-warn", "empty", "empty results".to_string()));
        }
        if let Some(first) = f.field_drift.first() {
            let text = match f.field_drift.len() {
                1 => format!("field drift: {first}"),
                n => format!("field drift: {first} +{}", n - 1),
            };
            flags.push(("flag flag-warn", "field-drift", text));
        }
        if f.stale {
            flags.push(("flag flag-muted", "stale", "stale".to_string()));
        }
        if f.memory_suggestion.is_some() {
            flags.push((
                "flag flag-info",
                "memory",
                "memory over-allocated".to_string(),
            ));
        }
        if f.cost_spike {
            flags.push(("flag flag-warn", "cost-spike", "cost spike".to_string()));
        }
        flags
    }
}

/// The rows, in list order: figures from the digest, or the reason there are none, with this
/// week's deltas when there are snapshots to compare.
pub fn rows(
    digest: Option<&FleetDigest>,
    meta: &[RowMeta],
    wow: Option<&WeekOverWeek>,
    signals: &BTreeMap<String, SignalsState>,
) -> Vec<Row> {
    // By id once, not a scan of the digest per row (half a million comparisons at 1,000
    // Actors).
    let by_id: HashMap<&str, &ActorDigest> = digest
        .map(|d| d.actors.iter().map(|a| (a.id.as_str(), a)).collect())
        .unwrap_or_default();
    meta.iter()
        .map(|m| {
            let figures = if m.loading || m.denied.is_some() || m.error.is_some() {
                None
            } else {
                by_id.get(m.id.as_str()).copied()
            };
            let mut row = Row::new(m, figures);
            row.week = wow.and_then(|w| w.actors.get(&m.id)).map(|(_, d)| *d);
            row.signals = signals.get(&m.id).and_then(signals_text);
            row
        })
        .collect()
}

/// `▲`, `▼` or `→` for a change.
/// The arrow follows the sign of the change (an increase never shows a flat arrow); whether it
/// is good or bad is the colour's job (`Delta::direction`, by each figure's good direction).
pub fn arrow(d: &Delta) -> &'static str {
    match d.change {
        Some(c) if c > 0.0 => "▲",
        Some(c) if c < 0.0 => "▼",
        Some(_) => "→",
        None => "",
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
                parts.push(format!(
                    "cost {}",
                    signed(c - p, crate::view_model::format::usd)
                ));
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

/// A column of the table, in the order shown: the most telling first, so the columns shown by
/// default fit a 1280 px screen and the rest are a choice away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Name,
    Health,
    Bucket,
    Flags,
    ThisWeek,
    Success,
    Runs,
    P95,
    CostPerRun,
    LastRun,
    P50,
    CostPer1000,
    Memory,
    Build,
    Signals,
}

impl Col {
    pub const ALL: [Col; 15] = [
        Col::Name,
        Col::Health,
        Col::Bucket,
        Col::Flags,
        Col::ThisWeek,
        Col::Success,
        Col::Runs,
        Col::P95,
        Col::CostPerRun,
        Col::LastRun,
        Col::P50,
        Col::CostPer1000,
        Col::Memory,
        Col::Build,
        Col::Signals,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Col::Name => "Actor",
            Col::Health => "Health",
            Col::Bucket => "Bucket",
            Col::Flags => "Flags",
            Col::ThisWeek => "This week",
            Col::Success => "Success",
            Col::Runs => "Runs",
            Col::P95 => "p95",
            Col::CostPerRun => "Cost / run",
            Col::LastRun => "Last run",
            Col::P50 => "p50",
            Col::CostPer1000 => "Cost / 1k results",
            Col::Memory => "Memory use",
            Col::Build => "Build",
            Col::Signals => "Signals",
        }
    }

    /// The `data-col` of its cells, and its name in the address's `sort`.
    pub fn code(self) -> &'static str {
        match self {
            Col::Name => "name",
            Col::Health => "health",
            Col::Bucket => "bucket",
            Col::Flags => "flags",
            Col::ThisWeek => "this-week",
            Col::Success => "success",
            Col::Runs => "runs",
            Col::P95 => "p95",
            Col::CostPerRun => "cost-per-run",
            Col::LastRun => "last-run",
            Col::P50 => "p50",
            Col::CostPer1000 => "cost-per-1000",
            Col::Memory => "memory",
            Col::Build => "build",
            Col::Signals => "signals",
        }
    }

    /// Shown until the user chooses otherwise: together about 1,100 px wide.
    pub fn shown_by_default(self) -> bool {
        !matches!(
            self,
            Col::P50 | Col::CostPer1000 | Col::Memory | Col::Build | Col::Signals
        )
    }

    /// Every column but the Actor's can be hidden.
    pub fn can_hide(self) -> bool {
        self != Col::Name
    }

    /// Whether a click on the heading sorts (signals are free text).
    pub fn sortable(self) -> bool {
        self != Col::Signals
    }

    /// The first order a click on the heading sorts by: names A–Z, and the worst first for
    /// health, bucket, success and build; the largest first for counts, times and money.
    pub fn ascending_first(self) -> bool {
        matches!(
            self,
            Col::Name | Col::Health | Col::Bucket | Col::Success | Col::Build
        )
    }

    /// Columns whose figures come from run history (empty without Actor runs: Read).
    pub fn needs_runs(self) -> bool {
        !matches!(self, Col::Name | Col::Build)
    }

    /// Filled by the background reads after the table is complete: memory from run details,
    /// the build in use from the Actor's tagged builds.
    pub fn fills_in_background(self) -> bool {
        matches!(self, Col::Memory | Col::Build)
    }

    /// Right-aligned figures.
    pub fn numeric(self) -> bool {
        !matches!(
            self,
            Col::Name | Col::Bucket | Col::Flags | Col::ThisWeek | Col::Build | Col::Signals
        )
    }

    fn key(self, r: &Row) -> Option<f64> {
        match self {
            Col::Health => r.fig(|f| Some(f64::from(f.health))),
            Col::Bucket => r
                .bucket()
                .and_then(|b| Bucket::ALL.iter().position(|x| *x == b))
                .map(|i| i as f64),
            Col::Flags => r.figures.as_ref().map(|_| r.flags().len() as f64),
            Col::Runs => r.fig(|f| Some(f64::from(f.runs))),
            Col::Success => r.fig(|f| f.success_rate),
            Col::P50 => r.fig(|f| f.p50_ms.map(|v| v as f64)),
            Col::P95 => r.fig(|f| f.p95_ms.map(|v| v as f64)),
            Col::CostPerRun => r.fig(|f| f.cost_per_run_usd),
            Col::CostPer1000 => r.fig(|f| f.cost_per_1000_results_usd),
            Col::Memory => r.fig(|f| f.memory_use),
            Col::LastRun => r.fig(|f| f.last_run_ms.map(|v| v as f64)),
            Col::ThisWeek => r.week.map(|w| w.worsening()),
            Col::Name | Col::Build | Col::Signals => None,
        }
    }
}

/// Sorts by `col`; rows without a value always go last; ties keep name order.
pub fn sort_rows(rows: &mut [Row], col: Col, ascending: bool) {
    forge_apify::sort::sort_by(rows, |a, b| {
        let ord = match col {
            Col::Name => a.folded.title.cmp(&b.folded.title),
            Col::Build => match (a.fig(|f| f.build.as_ref()), b.fig(|f| f.build.as_ref())) {
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
        ord.then_with(|| a.folded.title.cmp(&b.folded.title))
    });
}

/// Rows whose name or title contains `needle` (case-insensitive) and, when given, in `bucket`.
pub fn filter_rows(rows: Vec<Row>, needle: &str, bucket: Option<Bucket>) -> Vec<Row> {
    let needle = fold_case(needle.trim());
    rows.into_iter()
        .filter(|r| {
            needle.is_empty() || r.folded.name.contains(&needle) || r.folded.title.contains(&needle)
        })
        .filter(|r| bucket.is_none() || r.bucket() == bucket)
        .collect()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// What every export says about itself: the window its figures cover and when they were
/// made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportInfo {
    pub window_days: u32,
    pub generated_ms: i64,
}

impl ExportInfo {
    /// `forge-fleet-2026-12-01-30d.csv`: the day (UTC) and the window, so a folder of
    /// exports sorts by date and two windows of one day do not overwrite each other.
    pub fn file_name(&self, extension: &str) -> String {
        format!(
            "forge-fleet-{}-{}d.{extension}",
            forge_apify::time::format_date(self.generated_ms),
            self.window_days
        )
    }
}

/// The table as CSV (numbers unformatted; empty where unknown). Every line carries the window
/// and the time it was generated, so a line copied elsewhere still says what it covers.
pub fn to_csv(rows: &[Row], info: ExportInfo) -> String {
    let mut out = String::from(
        "id,name,title,state,note,health,bucket,bucket_reason,runs,success_rate,p50_ms,p95_ms,cost_usd,cost_per_run_usd,cost_per_1000_results_usd,biggest_cost_kind,biggest_cost_share,month_end_usd,memory_use,build,regression_build,stale,empty_results,cost_spike,field_drift,runaway_run,last_run,this_week,window_days,generated_at\n",
    );
    let generated_at = forge_apify::time::format_iso_millis(info.generated_ms);
    for r in rows {
        let fields = [
            r.id.clone(),
            r.name.clone(),
            r.title.clone(),
            r.state.code().to_string(),
            opt(r.note.as_ref()),
            opt(r.fig(|f| Some(f.health))),
            opt(r.bucket().map(|b| b.code())),
            opt(r.fig(|f| Some(&f.reason))),
            opt(r.fig(|f| Some(f.runs))),
            opt(r.fig(|f| f.success_rate).map(|v| format!("{v:.4}"))),
            opt(r.fig(|f| f.p50_ms)),
            opt(r.fig(|f| f.p95_ms)),
            opt(r.fig(|f| f.cost_usd).map(|v| format!("{v:.6}"))),
            opt(r.fig(|f| f.cost_per_run_usd).map(|v| format!("{v:.6}"))),
            opt(r
                .fig(|f| f.cost_per_1000_results_usd)
                .map(|v| format!("{v:.6}"))),
            opt(r.fig(|f| f.biggest_cost.as_ref()).map(|k| k.kind.code())),
            opt(r
                .fig(|f| f.biggest_cost.as_ref())
                .map(|k| format!("{:.4}", k.share))),
            opt(r.fig(|f| f.month_end_usd).map(|v| format!("{v:.6}"))),
            opt(r.fig(|f| f.memory_use).map(|v| format!("{v:.4}"))),
            opt(r.fig(|f| f.build.as_ref())),
            opt(r.fig(|f| f.regression.as_ref())),
            r.flag(|f| f.stale).to_string(),
            r.flag(|f| f.empty_results).to_string(),
            r.flag(|f| f.cost_spike).to_string(),
            r.fig(|f| Some(f.field_drift.join(";"))).unwrap_or_default(),
            opt(r.fig(|f| f.runaway.as_ref()?.run_id.as_ref())),
            opt(r
                .fig(|f| f.last_run_ms)
                .map(forge_apify::time::format_iso_millis)),
            opt(r.week.as_ref().map(week_text)),
            info.window_days.to_string(),
            generated_at.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// One row of the JSON export: the row, and this week's change in words as in the table.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonRow<'a> {
    #[serde(flatten)]
    row: &'a Row,
    this_week: Option<String>,
}

/// The JSON export: `windowDays`, `generatedAt`, the fleet's summary (cost by kind and the
/// month-end projection among it) and the rows (buckets as in the CSV: `fix-now`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonExport<'a> {
    window_days: u32,
    generated_at: String,
    fleet: Option<&'a FleetSummary>,
    actors: Vec<JsonRow<'a>>,
}

/// The table as JSON, with the fleet's summary of the same window when it is known.
pub fn to_json(rows: &[Row], info: ExportInfo, fleet: Option<&FleetSummary>) -> String {
    let export = JsonExport {
        window_days: info.window_days,
        generated_at: forge_apify::time::format_iso_millis(info.generated_ms),
        fleet,
        actors: rows
            .iter()
            .map(|row| JsonRow {
                row,
                this_week: row.week.as_ref().map(week_text),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&export).unwrap_or_else(|_| "{}".into())
}

/// What cell `col` of `r` says, with `now_ms` for "3 h ago".
pub fn cell_text(col: Col, r: &Row, now_ms: i64) -> String {
    match col {
        Col::Name => r.title.clone(),
        Col::Health => or_dash(r.fig(|f| Some(f.health)), |h| h.to_string()),
        Col::Runs => or_dash(r.fig(|f| Some(f.runs)), |n| group_thousands(u64::from(n))),
        Col::Success => or_dash(r.fig(|f| f.success_rate), pct),
        Col::P50 => or_dash(r.fig(|f| f.p50_ms), duration),
        Col::P95 => or_dash(r.fig(|f| f.p95_ms), duration),
        Col::CostPerRun => usd_or_na(r.fig(|f| f.cost_per_run_usd)),
        Col::CostPer1000 => usd_or_na(r.fig(|f| f.cost_per_1000_results_usd)),
        Col::Memory => or_dash(r.fig(|f| f.memory_use), pct),
        Col::Build => r
            .fig(|f| f.build.clone())
            .unwrap_or_else(|| DASH.to_string()),
        Col::LastRun => or_dash(r.fig(|f| f.last_run_ms), |t| relative(t, now_ms)),
        Col::ThisWeek => or_dash(r.week.as_ref(), week_text),
        Col::Bucket => or_dash(r.bucket(), |b| b.label().to_string()),
        Col::Flags => r
            .flags()
            .into_iter()
            .map(|(_, _, text)| text)
            .collect::<Vec<_>>()
            .join(", "),
        Col::Signals => r.signals.clone().unwrap_or_default(),
    }
}

/// The bucket badge's classes (`bucket bucket-fix-now`).
pub fn bucket_class(b: Bucket) -> String {
    format!("bucket bucket-{}", b.code())
}

/// The compact text of an Actor's `SIGNALS` in the table: the first two entries.
pub fn signals_text(state: &SignalsState) -> Option<String> {
    match state {
        SignalsState::None | SignalsState::Failed(_) => None,
        SignalsState::Read(s) if s.entries.is_empty() => None,
        SignalsState::Read(s) => {
            let mut parts: Vec<String> = s
                .entries
                .iter()
                .take(2)
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            if s.entries.len() > 2 {
                parts.push(format!("+{} more", s.entries.len() - 2));
            }
            Some(parts.join(" · "))
        }
        SignalsState::Unreadable(_) => Some("unreadable SIGNALS".into()),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(name: &str, health: u8, runs: u32, bucket: Bucket) -> ActorDigest {
        ActorDigest {
            id: name.into(),
            name: name.into(),
            title: None,
            health,
            bucket,
            reason: String::new(),
            runs,
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
            failing: None,
            runaway: None,
            field_drift: Vec::new(),
            cost_usd: None,
            biggest_cost: None,
            month_end_usd: None,
        }
    }

    fn row(name: &str, figures: Option<(u8, u32)>) -> Row {
        let meta = RowMeta {
            id: name.into(),
            name: name.into(),
            title: None,
            loading: false,
            denied: None,
            error: None,
            enrich_denied: None,
        };
        let d = figures.map(|(h, n)| digest(name, h, n, Bucket::Healthy));
        Row::new(&meta, d.as_ref())
    }

    #[test]
    fn sorting_puts_unknowns_last() {
        let mut v = vec![
            row("b", Some((80, 3))),
            row("a", None),
            row("c", Some((20, 9))),
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
    fn exports_carry_where_the_money_goes_field_drift_and_the_fleet() {
        use forge_fleet::spend::{CostKind, KindCost};
        let mut a = row("proxy-heavy", Some((80, 12)));
        if let Some(f) = a.figures.as_mut() {
            f.cost_usd = Some(51.91);
            f.biggest_cost = Some(KindCost {
                kind: CostKind::ResidentialProxy,
                share: 0.66,
                usd: 34.26,
            });
            f.month_end_usd = Some(51.88);
            f.field_drift = vec!["price".into(), "url".into()];
        }
        let info = ExportInfo {
            window_days: 30,
            generated_ms: 1_764_614_480_716,
        };
        let csv = to_csv(std::slice::from_ref(&a), info);
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let line: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
        assert_eq!(header.len(), line.len(), "{csv}");
        let cell = |name: &str| line[header.iter().position(|h| *h == name).unwrap()];
        assert_eq!(cell("cost_usd"), "51.910000");
        assert_eq!(cell("biggest_cost_kind"), "residential-proxy");
        assert_eq!(cell("biggest_cost_share"), "0.6600");
        assert_eq!(cell("month_end_usd"), "51.880000");
        assert_eq!(cell("field_drift"), "price;url");
        assert_eq!(cell("runaway_run"), "");

        let summary = FleetSummary {
            cost_usd: Some(99.0),
            ..serde_json::from_value(serde_json::json!({
                "actors": 1, "actorsWithRuns": 1, "runs": {}, "successRate": null,
                "failureRate": null, "p50DurationMs": null, "p95DurationMs": null,
                "costUsd": null, "runsWithCost": 0, "costPerRunUsd": null, "health": null,
                "buckets": {"fixNow": 0, "watch": 0, "saveMoney": 0, "stale": 0, "healthy": 1}
            }))
            .unwrap()
        };
        let json: serde_json::Value =
            serde_json::from_str(&to_json(&[a], info, Some(&summary))).unwrap();
        assert_eq!(json["fleet"]["costUsd"], 99.0);
        assert!(json["fleet"]["costByKind"]["kinds"].is_array());
        assert!(json["fleet"]["costMonth"].is_object());
        let f = &json["actors"][0]["figures"];
        assert_eq!(f["biggestCost"]["kind"], "residential-proxy");
        assert_eq!(f["fieldDrift"][0], "price");
        assert_eq!(f["monthEndUsd"], 51.88);
    }

    #[test]
    fn filtering_and_csv() {
        let mut a = row("shop-scraper", Some((50, 2)));
        if let Some(f) = a.figures.as_mut() {
            f.bucket = Bucket::Watch;
            f.regression = Some("0.3.14".into());
        }
        a.title = "Shop, \"big\"".into();
        let b = row("api", Some((90, 1)));
        let v = filter_rows(vec![a.clone(), b.clone()], "SHOP", None);
        assert_eq!(v.len(), 1);
        assert_eq!(filter_rows(vec![a, b], "", Some(Bucket::Watch)).len(), 1);
        let info = ExportInfo {
            window_days: 7,
            generated_ms: 1_764_614_480_716, // 2025-12-01T18:41:20.716Z
        };
        assert_eq!(info.file_name("csv"), "forge-fleet-2025-12-01-7d.csv");
        let csv = to_csv(&v, info);
        assert!(csv.starts_with("id,name,title,state"));
        let reason = &v[0].figures.as_ref().unwrap().reason;
        assert!(
            csv.contains(&format!(
                "shop-scraper,shop-scraper,\"Shop, \"\"big\"\"\",ok,,50,watch,{},2,",
                csv_field(reason)
            )),
            "{csv}"
        );
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .ends_with(",7,2025-12-01T18:41:20.716Z"),
            "{csv}"
        );
        let json: serde_json::Value = serde_json::from_str(&to_json(&v, info, None)).unwrap();
        assert_eq!(json["windowDays"], 7);
        assert_eq!(json["generatedAt"], "2025-12-01T18:41:20.716Z");
        assert_eq!(json["actors"][0]["name"], "shop-scraper");
        assert_eq!(json["actors"][0]["figures"]["bucket"], "watch");
        assert_eq!(
            v[0].flags(),
            [(
                "flag flag-bad",
                "regression",
                "regression on 0.3.14".to_string()
            )]
        );
        assert!(row("loading", None).flags().is_empty());
    }
}
