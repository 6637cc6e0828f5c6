//! `forge-relay` — see the crate docs and the README for the modes.

use clap::Parser;
use forge_relay::config::{Cli, Command, Config, DemoArgs, LogFormat, Mode, RelayArgs, Secrets};
use forge_relay::seal::Keyring;
use forge_relay::AppState;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// Third-party crates are capped at `info` whatever `RUST_LOG` says: their trace output dumps
/// connection internals we have not audited for secrets. Forge's own logs are audited (see the
/// leak test) and follow `RUST_LOG` fully.
const DEPENDENCY_CAPS: &[&str] = &[
    "hyper=info",
    "hyper_util=info",
    "h2=info",
    "hyper_rustls=info",
    "rustls=info",
    "tower=info",
    "tower_http=info",
    "axum=info",
];

/// mimalloc, not the C library's allocator: the container's static musl build otherwise runs on
/// musl's malloc, which takes a lock per call. Measured on 2 cores with wrk (`cargo xtask bench`
/// setup, musl builds): 65–72 µs of relay CPU per forwarded request instead of 89–102.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn init_logging(format: LogFormat) {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    for cap in DEPENDENCY_CAPS {
        filter = filter.add_directive(cap.parse().expect("static directive"));
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.init(),
    }
}

/// `GET /healthz` on `bind` over plain std sockets: 200 within 3 s, or why not.
fn healthcheck(bind: std::net::SocketAddr) -> Result<(), String> {
    use std::io::{Read, Write};
    let mut addr = bind;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let limit = std::time::Duration::from_secs(3);
    let mut s = std::net::TcpStream::connect_timeout(&addr, limit).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(limit)).map_err(|e| e.to_string())?;
    s.set_write_timeout(Some(limit))
        .map_err(|e| e.to_string())?;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).map_err(|e| e.to_string())?;
    if head.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!("answered {:?}", String::from_utf8_lossy(&head)))
    }
}

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let cli = Cli::parse();
    let (mode, args, demo): (Mode, RelayArgs, Option<DemoArgs>) = match cli.command {
        Command::Keygen { id } => {
            return match Keyring::generate_key_line(id) {
                Ok(line) => {
                    println!("{line}");
                    ExitCode::SUCCESS
                }
                Err(_) => {
                    eprintln!("forge-relay: the OS random generator failed");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Healthcheck { bind } => {
            return match healthcheck(bind) {
                Ok(()) => ExitCode::SUCCESS,
                Err(why) => {
                    eprintln!("forge-relay: unhealthy: {why}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Serve(a) => (Mode::Serve, a, None),
        Command::Local(a) => (Mode::Local, a, None),
        Command::Demo(d) => (Mode::Demo, d.relay.clone(), Some(d)),
    };
    // The first shard's runtime; `serve_sharded` starts one more per further shard.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("forge-relay: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(mode, args, demo))
}

#[allow(clippy::print_stderr)]
async fn run(mode: Mode, mut args: RelayArgs, demo: Option<DemoArgs>) -> ExitCode {
    let mut secrets = Secrets::from_env();
    // Demo: the simulated account runs in this process on a loopback port, and the relay
    // forwards to it through exactly the same allow-list and client code as `serve`.
    if let Some(d) = &demo {
        match start_simulator(d).await {
            Ok(upstream) => args.upstream = upstream,
            Err(e) => {
                eprintln!("forge-relay: cannot start the simulated account: {e}");
                return ExitCode::FAILURE;
            }
        }
        secrets = Secrets {
            seal_keys: None,
            apify_token: Some(forge_sim::DEFAULT_DEMO_TOKEN.to_string()),
        };
    }
    let mut config = match Config::new(mode, args, secrets) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("forge-relay: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format);
    let fd_limit = fit_fd_limit(&mut config);
    let bind = config.bind;
    let shards = config.shards;
    tracing::info!(mode = mode.describe(), ?fd_limit, ?config, "starting");
    let state = match AppState::new(config) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the upstream client");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(bind).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(%bind, error = %e, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    let local = listener.local_addr().map_or(bind, |a| a);
    tracing::info!(shards, "listening on http://{local}");
    match forge_relay::serve_sharded(listener, state, shards).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server error");
            ExitCode::FAILURE
        }
    }
}

/// Raises the soft open-file limit to the hard one and keeps `max_connections` below it, with
/// headroom for upstream connections and files. Returns the limit in force.
fn fit_fd_limit(config: &mut Config) -> Option<u64> {
    let limit = match forge_relay::server::raise_fd_limit() {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "cannot raise the open-file limit (RLIMIT_NOFILE)");
            return None;
        }
    };
    if let Some(asked) = config.fit_fd_limit(limit) {
        tracing::warn!(
            asked,
            max_connections = config.max_connections,
            fd_limit = limit,
            "--max-connections lowered to fit the open-file limit; raise the hard limit (ulimit -Hn, systemd LimitNOFILE=) to allow more"
        );
    }
    let per_ip = config.max_connections_per_ip;
    if per_ip > 0 && per_ip >= config.max_connections {
        tracing::warn!(
            max_connections_per_ip = per_ip,
            max_connections = config.max_connections,
            "--max-connections-per-ip is not below --max-connections: one client can take every connection"
        );
    }
    Some(limit)
}

async fn start_simulator(d: &DemoArgs) -> std::io::Result<String> {
    let sim = forge_sim::Sim::new(forge_sim::SimOptions {
        seed: d.seed,
        actors: d.actors,
        days: d.days,
        retention_days: d.retention_days,
        latency: std::time::Duration::from_millis(d.latency_ms),
        run_speed: d.run_speed.clamp(0.01, 10_000.0),
        ..forge_sim::SimOptions::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = forge_sim::serve(listener, sim).await {
            tracing::error!(error = %e, "the simulated account stopped");
        }
    });
    Ok(format!("http://{addr}"))
}
