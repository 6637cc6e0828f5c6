//! The report as a check prints it: a terminal table (coloured on a terminal), JSON (the
//! dashboard export's shape: `windowDays`, `generatedAt`, `fleet`, `actors[].figures`), CSV or
//! Markdown. Rows come in the plan's order — Fix now first, worst health first — and every
//! figure is formatted by `forge_fleet::format`, as on the dashboard.

use forge_fleet::alerts::Problem;
use forge_fleet::format::{csv_field, duration, or_dash, pct, usd};
use forge_fleet::{ActorDigest, Bucket, FleetDigest};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
}

/// The rows in the plan's order.
fn ordered(d: &FleetDigest) -> Vec<&ActorDigest> {
    let rank = |b: Bucket| Bucket::ALL.iter().position(|x| *x == b).unwrap_or(0);
    let mut rows: Vec<&ActorDigest> = d.actors.iter().collect();
    rows.sort_by(|a, b| {
        (rank(a.bucket), a.health, &a.name).cmp(&(rank(b.bucket), b.health, &b.name))
    });
    rows
}

/// The cells of one row, as every text format prints them.
fn cells(a: &ActorDigest) -> [String; 8] {
    [
        a.name.clone(),
        a.health.to_string(),
        a.bucket.label().to_string(),
        a.runs.to_string(),
        or_dash(a.success_rate, pct),
        or_dash(a.p95_ms, duration),
        or_dash(a.cost_usd, usd),
        a.reason.clone(),
    ]
}

const HEADERS: [&str; 8] = [
    "Actor", "Health", "Bucket", "Runs", "Success", "p95", "Cost", "Why",
];

/// ANSI colour of a bucket on a terminal.
fn colour(b: Bucket) -> &'static str {
    match b {
        Bucket::FixNow => "\x1b[31m",
        Bucket::Watch => "\x1b[33m",
        Bucket::SaveMoney => "\x1b[36m",
        Bucket::Stale => "\x1b[90m",
        Bucket::Healthy => "\x1b[32m",
    }
}

/// The terminal table: padded columns, the fleet's line first, what matched last.
pub fn table(d: &FleetDigest, matched: &[Problem], colour_on: bool) -> String {
    let rows = ordered(d);
    let all: Vec<[String; 8]> = rows.iter().map(|a| cells(a)).collect();
    let width = |i: usize| {
        all.iter()
            .map(|c| c[i].chars().count())
            .chain([HEADERS[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..7).map(width).collect();
    let line = |c: &[String], bucket: Option<Bucket>| {
        let mut out = String::new();
        for (i, cell) in c.iter().enumerate() {
            let pad = if i < 7 { widths[i] } else { 0 };
            let text = format!("{cell:<pad$}");
            match bucket.filter(|_| colour_on && i == 2) {
                Some(b) => out.push_str(&format!("{}{text}\x1b[0m", colour(b))),
                None => out.push_str(&text),
            }
            out.push_str(if i < 7 { "  " } else { "" });
        }
        out.trim_end().to_string()
    };
    let s = &d.summary;
    let mut out = format!(
        "Fleet, last {} days: health {}, {} Actors, {} runs, {} success, cost {}\n",
        d.window.days,
        or_dash(s.health, |h| h.to_string()),
        s.actors,
        s.runs.total(),
        or_dash(s.success_rate, pct),
        or_dash(s.cost_usd, usd),
    );
    if let Some(m) = s.cost_month.sentence() {
        out.push_str(&format!("Cost: {m}\n"));
    }
    out.push('\n');
    let headers: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    out.push_str(&line(&headers, None));
    out.push('\n');
    for (a, c) in rows.iter().zip(&all) {
        out.push_str(&line(c, Some(a.bucket)));
        out.push('\n');
    }
    out.push_str(&matched_lines(matched));
    out
}

/// "Matched: …" lines, or that nothing matched.
fn matched_lines(matched: &[Problem]) -> String {
    if matched.is_empty() {
        return "\nNo rule matched.\n".into();
    }
    let mut out = format!("\n{} matched:\n", matched.len());
    for p in matched {
        out.push_str(&format!("  {} {}: {}\n", p.rule, p.actor_name, p.text));
    }
    out
}

/// Markdown: the same table, for a CI job summary or an issue.
pub fn markdown(d: &FleetDigest, matched: &[Problem]) -> String {
    let esc = |s: &str| s.replace('|', "\\|");
    let mut out = format!(
        "## Forge fleet check — last {} days\n\nFleet health **{}** · {} Actors · {} runs\n\n| {} |\n|{}|\n",
        d.window.days,
        or_dash(d.summary.health, |h| h.to_string()),
        d.summary.actors,
        d.summary.runs.total(),
        HEADERS.join(" | "),
        HEADERS.iter().map(|_| "---").collect::<Vec<_>>().join("|"),
    );
    for a in ordered(d) {
        let c: Vec<String> = cells(a).iter().map(|c| esc(c)).collect();
        out.push_str(&format!("| {} |\n", c.join(" | ")));
    }
    out.push_str(&matched_lines(matched));
    out
}

/// CSV: numbers unformatted, empty where unknown.
pub fn csv(d: &FleetDigest, generated_at: &str) -> String {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let mut out = String::from(
        "id,name,health,bucket,bucket_reason,runs,success_rate,p95_ms,cost_usd,biggest_cost_kind,month_end_usd,field_drift,runaway_run,window_days,generated_at\n",
    );
    for a in ordered(d) {
        let row = [
            a.id.clone(),
            a.name.clone(),
            a.health.to_string(),
            a.bucket.code().to_string(),
            a.reason.clone(),
            a.runs.to_string(),
            opt(a.success_rate.map(|v| format!("{v:.4}"))),
            opt(a.p95_ms.map(|v| v.to_string())),
            opt(a.cost_usd.map(|v| format!("{v:.6}"))),
            opt(a.biggest_cost.as_ref().map(|k| k.kind.code().to_string())),
            opt(a.month_end_usd.map(|v| format!("{v:.6}"))),
            a.field_drift.join(";"),
            opt(a.runaway.as_ref().and_then(|r| r.run_id.clone())),
            d.window.days.to_string(),
            generated_at.to_string(),
        ];
        let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonActor<'a> {
    id: &'a str,
    name: &'a str,
    title: Option<&'a str>,
    figures: &'a ActorDigest,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    window_days: u32,
    generated_at: &'a str,
    account: &'a str,
    fleet: &'a forge_fleet::FleetSummary,
    actors: Vec<JsonActor<'a>>,
    fail_on: Vec<String>,
    matched: &'a [Problem],
}

/// JSON in the dashboard export's shape, with the rules and what they matched.
pub fn json(
    d: &FleetDigest,
    account: &str,
    generated_at: &str,
    fail_on: Vec<String>,
    matched: &[Problem],
) -> String {
    let report = JsonReport {
        window_days: d.window.days,
        generated_at,
        account,
        fleet: &d.summary,
        actors: ordered(d)
            .into_iter()
            .map(|a| JsonActor {
                id: &a.id,
                name: &a.name,
                title: a.title.as_deref(),
                figures: a,
            })
            .collect(),
        fail_on,
        matched,
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".into())
}
