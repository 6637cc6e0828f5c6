//! `forge-sim`: the simulated Apify API on a socket, for load tests and external clients
//! (Apify's official clients, curl). The relay embeds the same simulator in `forge-relay demo`.

use clap::Parser;
use forge_sim::{Sim, SimOptions};
use std::io::Write;
use std::time::Duration;

/// Serve a simulated Apify account (API v2) with a seeded demo fleet.
#[derive(Debug, Parser)]
#[command(name = "forge-sim", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8700")]
    bind: String,
    /// Generator seed (same seed + same --now → identical answers).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Actors in the account.
    #[arg(long, default_value_t = 24)]
    actors: usize,
    /// Days of run history.
    #[arg(long, default_value_t = 45)]
    days: u32,
    /// Average runs per Actor per day.
    #[arg(long, default_value_t = 6.0)]
    runs_per_day: f64,
    /// Builds per Actor.
    #[arg(long, default_value_t = 5)]
    builds: u32,
    /// Latency added to every response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Per-resource requests per second before 429 (0 = unlimited); record CRUD gets 10/3 of it,
    /// starting runs and pushing items 20/3 (Apify: 60, 200, 400).
    #[arg(long, default_value_t = 60)]
    rate_limit: u32,
    /// Requests per minute per user before 429 (0 = unlimited; Apify: 250,000).
    #[arg(long, default_value_t = 250_000)]
    global_rate_limit: u32,
    /// "Now" as unix seconds (default: the wall clock).
    #[arg(long)]
    now: Option<u64>,
    /// Simulated seconds per real second for started runs.
    #[arg(long, default_value_t = 1.0)]
    run_speed: f64,
    /// The plan's data retention in days (`plan.dataRetentionDays`): older runs and their
    /// default storages are gone, except each Actor's ten most recent runs.
    #[arg(long, default_value_t = 90)]
    retention_days: u32,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let sim = Sim::new(SimOptions {
        seed: args.seed,
        actors: args.actors,
        days: args.days,
        runs_per_actor_per_day: args.runs_per_day,
        builds: args.builds,
        latency: Duration::from_millis(args.latency_ms),
        rate_limit_per_sec: args.rate_limit,
        global_rate_limit_per_min: args.global_rate_limit,
        now: args.now,
        run_speed: args.run_speed,
        retention_days: args.retention_days,
    });
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    let addr = listener.local_addr()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "forge-sim listening on http://{addr}")?;
    for t in Sim::demo_tokens() {
        writeln!(
            out,
            "  token {:<17} {}  {}",
            t.label, t.token, t.description
        )?;
    }
    out.flush()?;
    drop(out);
    forge_sim::serve(listener, sim).await
}
