//! `forge-relay` — see the crate docs and the README for the modes.

use clap::Parser;
use forge_relay::config::{Cli, Command, Config, LogFormat, Mode, RelayArgs, Secrets};
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
    "reqwest=info",
    "rustls=info",
    "tower=info",
    "tower_http=info",
    "axum=info",
];

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

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let cli = Cli::parse();
    let (mode, args): (Mode, RelayArgs) = match cli.command {
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
        Command::Serve(a) => (Mode::Serve, a),
        Command::Local(a) => (Mode::Local, a),
        Command::Demo(_) => {
            eprintln!("forge-relay: demo mode arrives with the simulator");
            return ExitCode::from(2);
        }
    };
    let config = match Config::new(mode, args, Secrets::from_env()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("forge-relay: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("forge-relay: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let bind = config.bind;
        tracing::info!(mode = mode.describe(), ?config, "starting");
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
        tracing::info!("listening on http://{local}");
        match forge_relay::serve(listener, state).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(error = %e, "server error");
                ExitCode::FAILURE
            }
        }
    })
}
