//! `forge` — Forge's fleet report in a terminal, in cron and in CI.
//!
//! `forge check` loads the fleet with the app's own loader (`forge-load`) and computes the
//! dashboard's figures (`forge-fleet`), prints them, exits 1 when a rule matches, posts what is
//! new to a webhook, and writes the week's trend snapshot exactly as the app does. The binary is
//! I/O only: which rules match, what is due and what the webhook reads are `forge_fleet::alerts`.
//!
//! ```text
//! source   where requests go: Apify (APIFY_TOKEN), a relay (FORGE_SEALED), the simulator
//! output   table, JSON, CSV, Markdown
//! main     arguments, the load, rules, alerts, snapshot, exit codes
//! ```
//!
//! Exit codes: 0 nothing matched, 1 a rule matched, 2 usage, connection or permission errors.

mod output;
mod source;

use clap::{Parser, Subcommand};
use forge_apify::paths;
use forge_fleet::alerts::{self, AlertState, Problem, Rule, ALERT_STATE_KEY};
use forge_fleet::trends::{snapshot_of, SNAPSHOT_DAYS};
use forge_fleet::window::{DEFAULT_WINDOW_DAYS, WINDOW_CHOICES};
use forge_fleet::{fleet_report, PreparedActor, Window};
use forge_load::trends::TrendStatus;
use forge_load::{load_fleet, Event, Fetcher, FleetPlan, LoadOptions};
use output::Format;
use source::{check_base, Secret, Source, Target, APIFY_API};
use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "forge",
    version,
    about = "Forge's fleet analytics for Apify Actors, in a terminal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load the fleet, print its report, and exit 1 when a rule matches.
    ///
    /// The source is Apify itself with APIFY_TOKEN from the environment (never a flag), a
    /// Forge relay with --relay and the sealed value in FORGE_SEALED, or --demo.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The window in days.
    #[arg(long, default_value_t = DEFAULT_WINDOW_DAYS, value_parser = window_days)]
    window: u32,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// A Forge relay to go through (its sealed value in FORGE_SEALED).
    #[arg(long, env = "FORGE_RELAY")]
    relay: Option<String>,
    /// The built-in simulated Apify account instead of a real one.
    #[arg(long, conflicts_with = "relay")]
    demo: bool,
    /// With --demo: which of its tokens to use (scoped, missing-runs-read, …).
    #[arg(long, requires = "demo", default_value = "scoped")]
    demo_token: String,
    /// With --demo: how many Actors the simulated account has (the story Actors first).
    #[arg(long, requires = "demo", default_value_t = forge_sim::SimOptions::default().actors)]
    demo_actors: usize,
    /// Apify's API (for tests: http:// only to localhost).
    #[arg(long, env = "FORGE_APIFY_URL", default_value = APIFY_API, hide = true)]
    apify_url: String,
    /// Rules that fail the check: fix-now, regression, runaway, health<N, none (comma-separated
    /// or repeated).
    #[arg(long, default_value = "fix-now", value_delimiter = ',')]
    fail_on: Vec<String>,
    /// Post what matched and is new (or worse) since the last check to this webhook
    /// (Slack-compatible JSON).
    #[arg(long, env = "FORGE_NOTIFY_URL")]
    notify: Option<String>,
    /// Print the webhook's payload instead of the report, and post nothing.
    #[arg(long)]
    notify_dry_run: bool,
    /// No progress on stderr.
    #[arg(long, short)]
    quiet: bool,
}

fn window_days(s: &str) -> Result<u32, String> {
    s.parse::<u32>()
        .ok()
        .filter(|d| WINDOW_CHOICES.contains(d))
        .ok_or_else(|| format!("the window is one of {WINDOW_CHOICES:?} days"))
}

/// A check that could not be made: exit 2 with this message.
#[derive(Debug)]
struct Stop(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Command::Check(args) = cli.command;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&format!("Could not start: {e}")),
    };
    match runtime.block_on(check(args)) {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(1),
        Err(Stop(m)) => fail(&m),
    }
}

#[allow(clippy::print_stderr)]
fn fail(message: &str) -> ExitCode {
    eprintln!("forge: {message}");
    ExitCode::from(2)
}

/// Where requests go, from the arguments and the environment.
fn source(args: &CheckArgs) -> Result<Source, Stop> {
    if args.demo {
        let token = forge_sim::Sim::demo_tokens()
            .iter()
            .find(|t| t.label == args.demo_token)
            .ok_or_else(|| {
                let labels: Vec<&str> = forge_sim::Sim::demo_tokens()
                    .iter()
                    .map(|t| t.label)
                    .collect();
                Stop(format!(
                    "no demo token {:?}: one of {}",
                    args.demo_token,
                    labels.join(", ")
                ))
            })?;
        let sim = forge_sim::Sim::new(forge_sim::SimOptions {
            actors: args.demo_actors.clamp(1, 5000),
            ..forge_sim::SimOptions::default()
        });
        return Ok(Source::new(Target::Demo {
            sim: Box::new(sim),
            token: token.token,
        }));
    }
    let client = Source::http_client().map_err(Stop)?;
    if let Some(relay) = &args.relay {
        let base = check_base(relay).map_err(Stop)?;
        let sealed = std::env::var("FORGE_SEALED").map_err(|_| {
            Stop("--relay needs the sealed value in FORGE_SEALED (POST /api/session with \"deliver\":\"body\")".into())
        })?;
        return Ok(Source::new(Target::Http {
            client,
            base: format!("{base}/api/apify"),
            bearer: Secret::new(sealed.trim().to_string()),
        }));
    }
    let token = std::env::var("APIFY_TOKEN").map_err(|_| {
        Stop("set APIFY_TOKEN (a scoped token, see the README), or use --relay with FORGE_SEALED, or --demo".into())
    })?;
    let token = token.trim().to_string();
    if forge_apify::token::check_token_shape(&token).is_err() {
        return Err(Stop(
            "APIFY_TOKEN does not look like an Apify API token (apify_api_ and 36 letters and digits)"
                .into(),
        ));
    }
    Ok(Source::new(Target::Http {
        client,
        base: check_base(&args.apify_url).map_err(Stop)?,
        bearer: Secret::new(token),
    }))
}

/// Progress on stderr, on a terminal only.
struct Progress {
    on: bool,
}

impl Progress {
    #[allow(clippy::print_stderr)]
    fn show(&self, text: &str) {
        if self.on {
            eprint!("\r\x1b[2K{text}");
            let _ = std::io::stderr().flush();
        }
    }

    fn done(&self) {
        self.show("");
    }
}

/// `Details [########------------]  120/300`.
fn bar(what: &str, done: usize, total: usize) -> String {
    const WIDTH: usize = 24;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(0).min(WIDTH);
    format!(
        "{what:<16} [{}{}] {done:>5}/{total}",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    )
}

/// Runs one check; `Ok(true)` when a rule matched.
async fn check(args: CheckArgs) -> Result<bool, Stop> {
    let rules = Rule::parse_list(&args.fail_on.join(",")).map_err(Stop)?;
    if let Some(url) = &args.notify {
        check_base(url).map_err(|_| {
            Stop("--notify needs an https:// webhook (http:// only for localhost)".into())
        })?;
    }
    let source = source(&args)?;
    let place = source.place();
    let f = Fetcher::new(&source, LoadOptions::default());
    let now_ms = forge_load::Transport::now_ms(&&source) as i64;
    let progress = Progress {
        on: !args.quiet && std::io::stderr().is_terminal(),
    };

    // The load, as the dashboard does it (its longest window, then the background reads).
    let table: RefCell<Option<Vec<PreparedActor>>> = RefCell::new(None);
    let stop: RefCell<Option<String>> = RefCell::new(None);
    let enriched = std::cell::Cell::new(0usize);
    let to_enrich = std::cell::Cell::new(0usize);
    load_fleet(&f, FleetPlan::new(now_ms), None, |event| match event {
        Event::Listed(actors) => {
            progress.show(&format!("{} Actors; reading their runs…", actors.len()))
        }
        Event::ListFailed(e) => {
            *stop.borrow_mut() = Some(format!(
                "could not list your Actors: {}",
                request_problem(&e, &place)
            ));
        }
        Event::Paging { done, known } => progress.show(&bar("Runs and builds", done, known)),
        Event::Table {
            actors, problems, ..
        } => {
            if let Some(p) = problems.runs {
                *stop.borrow_mut() = Some(format!("run history was refused: {}", p.text()));
            }
            *table.borrow_mut() = Some(actors);
        }
        Event::EnrichStart { actors, .. } => {
            to_enrich.set(actors);
            progress.show(&bar("Details", 0, actors));
        }
        Event::Enriched { index, got } => {
            if let Some(a) = table.borrow_mut().as_mut().and_then(|t| t.get_mut(index)) {
                got.apply(a);
            }
            enriched.set(enriched.get() + 1);
            progress.show(&bar("Details", enriched.get(), to_enrich.get()));
        }
        Event::Done => {}
        Event::Stopped(e) => {
            *stop.borrow_mut() = Some(format!("the load stopped: {}", request_problem(&e, &place)))
        }
    })
    .await;
    progress.done();
    if let Some(m) = stop.into_inner() {
        return Err(Stop(m));
    }
    let actors = table
        .into_inner()
        .ok_or_else(|| Stop("the load ended without a fleet".into()))?;
    let account = actors
        .first()
        .map_or("this account".to_string(), |a| a.username.clone());

    let report = fleet_report(actors.iter(), Window::new(args.window, now_ms));
    let matched = alerts::problems(&report, &rules);
    let digest = report.digest();
    let generated_at = forge_apify::time::format_iso_millis(now_ms);

    // The week's snapshot, the app's way (from a 7-day report).
    let snapshot = if args.window == SNAPSHOT_DAYS {
        snapshot_of(&report, now_ms)
    } else {
        snapshot_of(
            &fleet_report(actors.iter(), Window::new(SNAPSHOT_DAYS, now_ms)),
            now_ms,
        )
    };
    let trends = forge_load::trends::sync(&f, snapshot).await;
    let trend_note = match &trends.status {
        TrendStatus::Off(m) | TrendStatus::Failed(m) => Some(m.clone()),
        _ => None,
    };

    if args.notify.is_some() || args.notify_dry_run {
        notify(&f, &args, &account, &matched, now_ms).await?;
    }
    if !args.notify_dry_run {
        let out = match args.format {
            Format::Table => output::table(&digest, &matched, std::io::stdout().is_terminal()),
            Format::Json => output::json(
                &digest,
                &account,
                &generated_at,
                rules.iter().map(|r| r.code()).collect(),
                &matched,
            ),
            Format::Csv => output::csv(&digest, &generated_at),
            Format::Markdown => output::markdown(&digest, &matched),
        };
        print(&out);
    }
    if let Some(note) = trend_note {
        if !args.quiet {
            warn(&note);
        }
    }
    Ok(!matched.is_empty())
}

#[allow(clippy::print_stderr)]
fn warn(text: &str) {
    eprintln!("forge: {text}");
}

fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
}

/// A failed request in the command line's words: a refused permission named, the place that
/// did not answer named (the app's wording speaks of browsers and origins).
fn request_problem(e: &forge_load::ApiError, place: &str) -> String {
    use forge_load::ApiError;
    match e {
        ApiError::Unreachable => {
            format!("could not reach {place}: check the address and the network")
        }
        ApiError::TimedOut => format!("{place} did not answer within 40 s"),
        forge_load::ApiError::Status { status: 401, .. } => {
            "the token was rejected (401): check APIFY_TOKEN or FORGE_SEALED".into()
        }
        e if e.is_permission_denied() => "your token lacks Actors: Read".into(),
        e => e.message(),
    }
}

/// Posts (or prints) what is due, and remembers it in `forge-trends`.
async fn notify(
    f: &Fetcher<&Source>,
    args: &CheckArgs,
    account: &str,
    matched: &[Problem],
    now_ms: i64,
) -> Result<(), Stop> {
    let day = forge_apify::time::format_date(now_ms);
    let state = match paths::trends_record(ALERT_STATE_KEY) {
        Ok(request) => match f.send(&request, None).await {
            Ok(Ok(a)) if a.status == 200 => AlertState::decode(a.body.as_bytes()),
            _ => AlertState::default(),
        },
        Err(_) => AlertState::default(),
    };
    let due = alerts::due(matched, &state, &day);
    let payload = alerts::payload(account, args.window, &due);
    if args.notify_dry_run {
        print(&serde_json::to_string_pretty(&payload).unwrap_or_default());
        return Ok(());
    }
    let Some(url) = &args.notify else {
        return Ok(());
    };
    if due.is_empty() {
        return Ok(());
    }
    let client = Source::http_client().map_err(Stop)?;
    // The webhook's address can hold a secret (Slack's do): never in a message.
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .body(payload.to_string())
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => {}
        Ok(r) => {
            return Err(Stop(format!(
                "the webhook refused the alert (HTTP {})",
                r.status().as_u16()
            )))
        }
        Err(_) => return Err(Stop("the webhook could not be reached".into())),
    }
    let next = state.after(matched, &due, &day);
    if let Ok(request) = paths::put_trends_record(ALERT_STATE_KEY) {
        match f.send(&request, Some(next.encode())).await {
            Ok(Ok(a)) if a.ok() => {}
            _ => warn("could not remember what was told in forge-trends/check-state: the next check may tell it again"),
        }
    }
    Ok(())
}
