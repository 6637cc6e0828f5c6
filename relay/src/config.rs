//! One typed, validated configuration, read from flags and the environment at start-up.
//!
//! Every setting is a flag with an environment variable beside it; the two secrets
//! (`FORGE_SEAL_KEYS`, `APIFY_TOKEN`) are read from the environment only, so they never appear
//! in a process list, and print as `***`. A bad value stops the relay with a message that says
//! which setting and what to do — never with a half-working relay.

use crate::seal::{Keyring, KeyringError};
use clap::{Args, Parser, Subcommand, ValueEnum};
use forge_apify::limits;
use forge_apify::wire::{DemoTokenInfo, RelayMode};
use secrecy::SecretString;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "forge-relay",
    version,
    about = "Forge's relay: seals Apify tokens and forwards only allow-listed Apify API requests."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Production: seal pasted tokens with FORGE_SEAL_KEYS and forward to the upstream.
    Serve(RelayArgs),
    /// Use APIFY_TOKEN from the environment; loopback only; no sealing.
    Local(RelayArgs),
    /// A built-in simulated Apify account: no account, no network. Loopback only.
    Demo(DemoArgs),
    /// Exit 0 when the relay listening on `--bind` answers `GET /healthz` with 200 within 3 s
    /// (a container's health check: the image has no shell and no curl).
    Healthcheck {
        /// The relay's address (`0.0.0.0` and `::` mean this host).
        #[arg(long, env = "FORGE_BIND", default_value = "127.0.0.1:3000")]
        bind: SocketAddr,
    },
    /// Print a fresh sealing key line (`id:base64`) for FORGE_SEAL_KEYS.
    Keygen {
        /// Key id (1–65535); use a new id for each rotation.
        #[arg(long, default_value_t = 1)]
        id: u16,
    },
}

/// `forge-relay demo`: the relay's settings plus the simulated fleet's size and speed.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub relay: RelayArgs,
    /// Actors in the simulated account.
    #[arg(long, default_value_t = 24)]
    pub actors: usize,
    /// Days of run history.
    #[arg(long, default_value_t = 45)]
    pub days: u32,
    /// The simulated plan's data retention: older runs (but each Actor's ten newest) and their
    /// default storages are gone, as on Apify.
    #[arg(long, default_value_t = 90)]
    pub retention_days: u32,
    /// Seed of the fleet generator: the same seed gives the same account.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Added to every simulated API answer, to see the app under a slow API.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Simulated seconds per real second for runs started from the demo (1 = real time).
    #[arg(long, default_value_t = 1.0)]
    pub run_speed: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct RelayArgs {
    /// Address to listen on.
    #[arg(long, env = "FORGE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// Apify API base URL. Plain http:// only for a loopback upstream (tests, the simulator).
    #[arg(long, env = "FORGE_UPSTREAM", default_value = "https://api.apify.com")]
    pub upstream: String,
    /// Serve the built app from this folder at `/` (SPA fallback, precompressed files).
    #[arg(long, env = "FORGE_APP_DIR")]
    pub app_dir: Option<PathBuf>,
    /// Exact origins allowed to call the API cross-origin (CORS). Default: same origin only.
    #[arg(
        long = "allowed-origin",
        env = "FORGE_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
    /// How long a sealed session stays valid: `90d`, `12h`, `30m` or seconds.
    #[arg(long, env = "FORGE_SESSION_TTL", default_value = "90d", value_parser = parse_duration)]
    pub session_ttl: Duration,
    #[arg(long, env = "FORGE_LOG_FORMAT", value_enum, default_value = "pretty")]
    pub log_format: LogFormat,
    /// The relay runs behind a TLS-terminating proxy: send HSTS, tolerate X-Forwarded-* headers.
    #[arg(long, env = "FORGE_BEHIND_PROXY", default_value_t = false)]
    pub behind_proxy: bool,
    /// Largest request body forwarded (key-value records), in bytes.
    #[arg(long, env = "FORGE_MAX_BODY_BYTES", default_value_t = limits::MAX_RECORD_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Largest run input forwarded when starting a run, in bytes.
    #[arg(long, env = "FORGE_MAX_RUN_INPUT_BYTES", default_value_t = limits::MAX_RUN_INPUT_BYTES)]
    pub max_run_input_bytes: usize,
    /// Time allowed to connect to the upstream.
    #[arg(long, env = "FORGE_UPSTREAM_CONNECT_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub upstream_connect_timeout: Duration,
    /// Time allowed for a whole upstream exchange, body included.
    #[arg(long, env = "FORGE_UPSTREAM_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub upstream_timeout: Duration,
    /// Sustained requests per second allowed per session. Apify allows 60/s per resource and
    /// 250,000/min per user; Forge's loader sends at most 50/s to one resource and 100/s in all,
    /// so 120/s leaves it room.
    #[arg(long, env = "FORGE_RATE_PER_SEC", default_value_t = 120)]
    pub rate_per_sec: u32,
    /// Burst size of the per-session token bucket: over twice the loader's own burst, so a reload
    /// right after a full load meets no 429.
    #[arg(long, env = "FORGE_RATE_BURST", default_value_t = 600)]
    pub rate_burst: u32,
    /// Most forwarded requests in flight at once; more are answered 503.
    #[arg(long, env = "FORGE_MAX_IN_FLIGHT", default_value_t = 256)]
    pub max_in_flight: usize,
    /// Threads serving requests, each with its own accept loop and upstream connection pool;
    /// 0 = one per CPU the process may use.
    #[arg(long, env = "FORGE_SHARDS", default_value_t = 0)]
    pub shards: usize,
    /// A connection that has not sent a complete request head within this time (from its
    /// first byte, or from connecting) is closed.
    #[arg(long, env = "FORGE_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,
    /// A keep-alive connection (HTTP/1.1 or HTTP/2) with no request in progress for this long
    /// is closed.
    #[arg(long, env = "FORGE_IDLE_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub idle_timeout: Duration,
    /// Most client connections open at once; a connection over the cap is accepted and closed at
    /// once. Lowered at start-up to fit the file-descriptor limit.
    #[arg(long, env = "FORGE_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Most connections open at once from one client IP address (IPv6: one /64); 0 = no
    /// per-IP cap. Behind a load balancer every connection comes from the balancer: raise or
    /// disable it there.
    #[arg(long, env = "FORGE_MAX_CONNECTIONS_PER_IP", default_value_t = 256)]
    pub max_connections_per_ip: usize,
}

impl RelayArgs {
    /// What `forge-relay serve` gets with no flags: the defaults, or the `FORGE_*` environment.
    pub fn defaults() -> RelayArgs {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            args: RelayArgs,
        }
        Only::parse_from(["forge-relay"]).args
    }
}

/// Parses `90d`, `12h`, `30m`, `45s`, `250ms` or plain seconds.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (n, unit) = raw.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{raw}` is not a duration like 90d, 12h, 30m or 45s"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => return Ok(Duration::from_millis(n)),
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => {
            return Err(format!(
                "`{raw}`: unknown unit `{unit}` (use d, h, m, s or ms)"
            ))
        }
    };
    Ok(Duration::from_secs(secs))
}

/// Which relay this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Serve,
    Local,
    Demo,
}

impl Mode {
    /// The `mode` field of `GET /api/session`.
    pub fn relay_mode(self) -> RelayMode {
        match self {
            Mode::Serve => RelayMode::Sealed,
            Mode::Local => RelayMode::Local,
            Mode::Demo => RelayMode::Demo,
        }
    }

    /// The `mode` field of `GET /api/session`, spelled out.
    pub fn as_str(self) -> &'static str {
        self.relay_mode().as_str()
    }

    /// Modes where the relay itself holds a token, so any local process or web page could use
    /// it: loopback `Host` and `X-Forge-Client` are demanded on every `/api` request.
    pub fn holds_a_token(self) -> bool {
        matches!(self, Mode::Local | Mode::Demo)
    }
}

/// How the relay gets the token it forwards with.
///
/// | mode  | keyring                  | fixed token                         |
/// |-------|--------------------------|-------------------------------------|
/// | serve | `FORGE_SEAL_KEYS`        | —                                   |
/// | local | —                        | `APIFY_TOKEN`                       |
/// | demo  | a fresh key per start    | the correctly-scoped demo token     |
pub struct Credentials {
    /// Opens sealed sessions (cookie or `Bearer forge1.…`).
    pub keyring: Option<Keyring>,
    /// Used when a request presents no credential.
    pub fixed: Option<SecretString>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("keyring", &self.keyring)
            .field("fixed", &self.fixed.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The validated configuration the relay runs with.
#[derive(Debug)]
pub struct Config {
    pub mode: Mode,
    pub bind: SocketAddr,
    /// Scheme + host (+ port), no path, no trailing slash.
    pub upstream: String,
    pub upstream_is_loopback: bool,
    pub app_dir: Option<PathBuf>,
    pub allowed_origins: Vec<String>,
    pub session_ttl: Duration,
    pub log_format: LogFormat,
    pub behind_proxy: bool,
    pub max_body_bytes: usize,
    pub max_run_input_bytes: usize,
    pub upstream_connect_timeout: Duration,
    pub upstream_timeout: Duration,
    pub rate_per_sec: u32,
    pub rate_burst: u32,
    pub max_in_flight: usize,
    /// Resolved: at least 1.
    pub shards: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// 0 = no per-IP cap.
    pub max_connections_per_ip: usize,
    pub credentials: Credentials,
    /// Demo mode only: the simulated account's tokens, as `GET /api/demo-tokens` answers them.
    pub demo_tokens: Vec<DemoTokenInfo>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--upstream/FORGE_UPSTREAM: {0}")]
    Upstream(String),
    #[error("--allowed-origin/FORGE_ALLOWED_ORIGINS: `{0}` is not an exact origin like https://forge.example.com (scheme, host, optional port; no path)")]
    Origin(String),
    #[error("FORGE_SEAL_KEYS is not set: `forge-relay serve` needs at least one sealing key (create one with `forge-relay keygen`)")]
    MissingKeys,
    #[error("{0}")]
    Keys(#[from] KeyringError),
    #[error("APIFY_TOKEN is not set: `forge-relay local` forwards with the token in APIFY_TOKEN")]
    MissingToken,
    #[error("APIFY_TOKEN: {0}")]
    BadToken(forge_apify::TokenProblem),
    #[error("--bind/FORGE_BIND: local and demo modes listen on loopback only (127.0.0.1 or ::1), not {0}")]
    LocalNotLoopback(IpAddr),
    #[error("--session-ttl/FORGE_SESSION_TTL must be between 1 minute and 400 days")]
    SessionTtl,
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
    #[error("{0} must be between {1}")]
    Range(&'static str, &'static str),
    #[error("the OS random generator failed")]
    Random,
    #[error("--app-dir/FORGE_APP_DIR: {0} has no index.html")]
    AppDir(String),
}

/// Where secrets come from, so tests can pass them without touching the process environment.
#[derive(Default)]
pub struct Secrets {
    pub seal_keys: Option<String>,
    pub apify_token: Option<String>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |o: &Option<String>| if o.is_some() { "Some(***)" } else { "None" };
        f.debug_struct("Secrets")
            .field("seal_keys", &shown(&self.seal_keys))
            .field("apify_token", &shown(&self.apify_token))
            .finish()
    }
}

impl Secrets {
    pub fn from_env() -> Secrets {
        Secrets {
            seal_keys: std::env::var("FORGE_SEAL_KEYS").ok(),
            apify_token: std::env::var("APIFY_TOKEN").ok(),
        }
    }
}

impl Config {
    pub fn new(mode: Mode, args: RelayArgs, secrets: Secrets) -> Result<Config, ConfigError> {
        let (upstream, upstream_is_loopback) = validate_upstream(&args.upstream)?;
        for origin in &args.allowed_origins {
            if !is_exact_origin(origin) {
                return Err(ConfigError::Origin(origin.clone()));
            }
        }
        let ttl = args.session_ttl.as_secs();
        if !(60..=400 * 86_400).contains(&ttl) {
            return Err(ConfigError::SessionTtl);
        }
        for (name, value) in [
            ("--max-body-bytes", args.max_body_bytes),
            ("--max-run-input-bytes", args.max_run_input_bytes),
            ("--rate-per-sec", args.rate_per_sec as usize),
            ("--rate-burst", args.rate_burst as usize),
            ("--max-in-flight", args.max_in_flight),
            ("--max-connections", args.max_connections),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero(name));
            }
        }
        if args.shards > MAX_SHARDS {
            return Err(ConfigError::Range("--shards/FORGE_SHARDS", "0 and 256"));
        }
        if args.header_read_timeout.is_zero() || args.header_read_timeout > MAX_HEADER_READ_TIMEOUT
        {
            return Err(ConfigError::Range(
                "--header-read-timeout/FORGE_HEADER_READ_TIMEOUT",
                "1ms and 1h",
            ));
        }
        if args.idle_timeout.is_zero() || args.idle_timeout > MAX_IDLE_TIMEOUT {
            return Err(ConfigError::Range(
                "--idle-timeout/FORGE_IDLE_TIMEOUT",
                "1ms and 1d",
            ));
        }
        if let Some(dir) = &args.app_dir {
            if !dir.join("index.html").is_file() {
                return Err(ConfigError::AppDir(dir.display().to_string()));
            }
        }
        if mode.holds_a_token() && !args.bind.ip().is_loopback() {
            return Err(ConfigError::LocalNotLoopback(args.bind.ip()));
        }
        let fixed_token = || -> Result<SecretString, ConfigError> {
            let token = secrets
                .apify_token
                .clone()
                .ok_or(ConfigError::MissingToken)?;
            forge_apify::check_token_shape(&token).map_err(ConfigError::BadToken)?;
            Ok(SecretString::from(token))
        };
        let credentials = match mode {
            Mode::Serve => {
                let spec = secrets.seal_keys.clone().ok_or(ConfigError::MissingKeys)?;
                Credentials {
                    keyring: Some(Keyring::parse(&spec)?),
                    fixed: None,
                }
            }
            Mode::Local => Credentials {
                keyring: None,
                fixed: Some(fixed_token()?),
            },
            Mode::Demo => {
                // Demo sessions are sealed with a key that lives as long as the process; with no
                // session, the correctly-scoped demo token is used.
                let line = Keyring::generate_key_line(1).map_err(|_| ConfigError::Random)?;
                let fixed = SecretString::from(forge_sim::DEFAULT_DEMO_TOKEN);
                Credentials {
                    keyring: Some(Keyring::parse(&line)?),
                    fixed: Some(fixed),
                }
            }
        };
        let demo_tokens = match mode {
            Mode::Demo => forge_sim::Sim::demo_tokens()
                .iter()
                .map(|t| DemoTokenInfo {
                    label: t.label.into(),
                    token: t.token.into(),
                    description: t.description.into(),
                })
                .collect(),
            _ => Vec::new(),
        };
        Ok(Config {
            mode,
            bind: args.bind,
            upstream,
            upstream_is_loopback,
            app_dir: args.app_dir,
            allowed_origins: args.allowed_origins,
            session_ttl: args.session_ttl,
            log_format: args.log_format,
            behind_proxy: args.behind_proxy,
            max_body_bytes: args.max_body_bytes,
            max_run_input_bytes: args.max_run_input_bytes,
            upstream_connect_timeout: args.upstream_connect_timeout,
            upstream_timeout: args.upstream_timeout,
            rate_per_sec: args.rate_per_sec,
            rate_burst: args.rate_burst,
            max_in_flight: args.max_in_flight,
            shards: match args.shards {
                0 => std::thread::available_parallelism().map_or(1, usize::from),
                n => n,
            },
            header_read_timeout: args.header_read_timeout,
            idle_timeout: args.idle_timeout,
            max_connections: args.max_connections,
            max_connections_per_ip: args.max_connections_per_ip,
            credentials,
            demo_tokens,
        })
    }
}

const MAX_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(3600);
const MAX_SHARDS: usize = 256;
const MAX_IDLE_TIMEOUT: Duration = Duration::from_secs(86_400);

/// File descriptors kept free for everything that is not a client connection: the listener,
/// connections to the upstream (up to `max_in_flight`, and as many again in demo mode, where the
/// simulated account answers in the same process), files of the app being served, stdio.
pub fn fd_headroom(max_in_flight: usize) -> u64 {
    2 * max_in_flight as u64 + 256
}

/// The most client connections that fit a file-descriptor limit of `nofile`: the limit less
/// [`fd_headroom`], and never less than a quarter of it.
pub fn connection_budget(nofile: u64, max_in_flight: usize) -> usize {
    let budget = nofile
        .saturating_sub(fd_headroom(max_in_flight))
        .max(nofile / 4)
        .max(1);
    usize::try_from(budget).unwrap_or(usize::MAX)
}

impl Config {
    /// Lowers `max_connections` to what a file-descriptor limit of `nofile` leaves room for.
    /// Returns the configured value when it had to be lowered.
    pub fn fit_fd_limit(&mut self, nofile: u64) -> Option<usize> {
        let budget = connection_budget(nofile, self.max_in_flight);
        (self.max_connections > budget)
            .then(|| std::mem::replace(&mut self.max_connections, budget))
    }
}

/// `https://host[:port]`, or `http://` for a loopback host. Returns it without a trailing slash.
fn validate_upstream(raw: &str) -> Result<(String, bool), ConfigError> {
    let raw = raw.trim().trim_end_matches('/');
    let (scheme, authority) = raw.split_once("://").ok_or_else(|| {
        ConfigError::Upstream(format!("`{raw}` is not a URL like https://api.apify.com"))
    })?;
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
        return Err(ConfigError::Upstream(format!(
            "`{raw}` must be a scheme and host only, with no path, user or query"
        )));
    }
    let loopback = is_loopback_authority(authority);
    match scheme {
        "https" => Ok((raw.to_string(), loopback)),
        "http" if loopback => Ok((raw.to_string(), true)),
        "http" => Err(ConfigError::Upstream(format!(
            "`{raw}`: plain http:// is accepted only for a loopback upstream; use https://"
        ))),
        _ => Err(ConfigError::Upstream(format!(
            "`{raw}`: the scheme must be https"
        ))),
    }
}

/// True for `127.x.y.z`, `localhost`, `[::1]`, each with an optional port.
pub fn is_loopback_authority(authority: &str) -> bool {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, tail)) if tail.is_empty() || is_port_suffix(tail) => h,
            _ => return false,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, port)) if is_port_suffix(&format!(":{port}")) => h,
            Some(_) => return false,
            None => authority,
        }
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn is_port_suffix(s: &str) -> bool {
    s.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `scheme://host[:port]` with nothing else.
pub fn is_exact_origin(origin: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !authority.is_empty()
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> RelayArgs {
        RelayArgs::defaults()
    }

    const KEY: &str = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn defaults_are_safe() {
        let a = args();
        assert_eq!(a.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(a.upstream, "https://api.apify.com");
        assert_eq!(a.session_ttl, Duration::from_secs(90 * 86_400));
        assert!(a.allowed_origins.is_empty());
    }

    #[test]
    fn serve_needs_32_byte_keys() {
        let err = Config::new(Mode::Serve, args(), Secrets::default()).unwrap_err();
        assert!(err.to_string().contains("FORGE_SEAL_KEYS is not set"));
        for len in [31, 33] {
            let spec = format!(
                "1:{}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, vec![9u8; len])
            );
            let err = Config::new(
                Mode::Serve,
                args(),
                Secrets {
                    seal_keys: Some(spec),
                    apify_token: None,
                },
            )
            .unwrap_err();
            assert!(err.to_string().contains("exactly 32 bytes"), "{err}");
        }
        Config::new(
            Mode::Serve,
            args(),
            Secrets {
                seal_keys: Some(KEY.into()),
                apify_token: None,
            },
        )
        .unwrap();
    }

    #[test]
    fn debug_prints_secrets_as_stars() {
        let c = Config::new(
            Mode::Serve,
            args(),
            Secrets {
                seal_keys: Some(KEY.into()),
                apify_token: None,
            },
        )
        .unwrap();
        let dbg = format!("{c:?}");
        assert!(dbg.contains("***") && !dbg.contains("AAECAw"), "{dbg}");
        let mut a = args();
        a.bind = "127.0.0.1:0".parse().unwrap();
        let token = "apify_api_abcdefghijklmnopqrstuvwxyz0123456789";
        let c = Config::new(
            Mode::Local,
            a,
            Secrets {
                seal_keys: None,
                apify_token: Some(token.into()),
            },
        )
        .unwrap();
        let dbg = format!("{c:?}");
        assert!(
            dbg.contains(r#"fixed: Some("***")"#) && !dbg.contains("abcdefghij"),
            "{dbg}"
        );
    }

    #[test]
    fn local_mode_is_loopback_only_and_checks_the_token() {
        let token = "apify_api_abcdefghijklmnopqrstuvwxyz0123456789";
        let mut a = args();
        a.bind = "0.0.0.0:3000".parse().unwrap();
        let err = Config::new(
            Mode::Local,
            a,
            Secrets {
                seal_keys: None,
                apify_token: Some(token.into()),
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("loopback only"));
        let err = Config::new(
            Mode::Local,
            args(),
            Secrets {
                seal_keys: None,
                apify_token: Some(format!("{token} ")),
            },
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("trailing space") && !err.to_string().contains("abcdefghij"),
            "{err}"
        );
    }

    #[test]
    fn upstream_rules() {
        assert!(validate_upstream("https://api.apify.com/").is_ok());
        assert!(validate_upstream("http://127.0.0.1:9000").unwrap().1);
        assert!(validate_upstream("http://localhost:9000").is_ok());
        assert!(validate_upstream("http://[::1]:9000").is_ok());
        assert!(validate_upstream("http://api.apify.com").is_err());
        assert!(validate_upstream("http://127.0.0.1.evil.com").is_err());
        assert!(validate_upstream("https://api.apify.com/v2").is_err());
        assert!(validate_upstream("https://user@api.apify.com").is_err());
        assert!(validate_upstream("ftp://x").is_err());
    }

    #[test]
    fn loopback_hosts() {
        for ok in [
            "127.0.0.1",
            "127.0.0.1:3000",
            "localhost:1",
            "LOCALHOST",
            "[::1]:80",
            "[::1]",
            "127.9.9.9",
        ] {
            assert!(is_loopback_authority(ok), "{ok}");
        }
        for bad in [
            "evil.com",
            "127.0.0.1.evil.com",
            "localhost.evil.com",
            "127.0.0.1@evil.com",
            "[::1]x",
            "127.0.0.1:",
            "127.0.0.1:abc",
            "",
            "0.0.0.0",
        ] {
            assert!(!is_loopback_authority(bad), "{bad}");
        }
    }

    #[test]
    fn connection_settings() {
        let a = args();
        assert_eq!(a.header_read_timeout, Duration::from_secs(10));
        assert_eq!(a.idle_timeout, Duration::from_secs(60));
        assert_eq!((a.max_connections, a.max_connections_per_ip), (4096, 256));
        let serve = |tweak: fn(&mut RelayArgs)| {
            let mut a = args();
            tweak(&mut a);
            Config::new(
                Mode::Serve,
                a,
                Secrets {
                    seal_keys: Some(KEY.into()),
                    apify_token: None,
                },
            )
        };
        let err = serve(|a| a.header_read_timeout = Duration::ZERO).unwrap_err();
        assert!(err.to_string().contains("--header-read-timeout"), "{err}");
        let err = serve(|a| a.idle_timeout = Duration::from_secs(2 * 86_400)).unwrap_err();
        assert!(err.to_string().contains("--idle-timeout"), "{err}");
        let err = serve(|a| a.max_connections = 0).unwrap_err();
        assert!(err.to_string().contains("--max-connections"), "{err}");
        let c = serve(|a| a.max_connections_per_ip = 0).unwrap();
        assert_eq!(c.max_connections_per_ip, 0);
        let dbg = format!("{c:?}");
        assert!(
            dbg.contains("header_read_timeout: 10s") && dbg.contains("max_connections: 4096"),
            "{dbg}"
        );

        // The cap is lowered to fit the file-descriptor limit, with headroom.
        let mut c = serve(|_| {}).unwrap();
        assert_eq!(c.fit_fd_limit(1 << 20), None);
        assert_eq!(c.max_connections, 4096);
        assert_eq!(c.fit_fd_limit(4096), Some(4096));
        assert_eq!(c.max_connections, 4096 - fd_headroom(256) as usize);
        assert_eq!(connection_budget(1024, 256), 256);
        assert_eq!(connection_budget(2, 256), 1);
    }

    #[test]
    fn durations_and_origins() {
        assert_eq!(
            parse_duration("90d").unwrap(),
            Duration::from_secs(7_776_000)
        );
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        assert!(parse_duration("1w").is_err() && parse_duration("soon").is_err());
        assert!(
            is_exact_origin("https://forge.example.com")
                && is_exact_origin("http://127.0.0.1:8080")
        );
        assert!(
            !is_exact_origin("https://forge.example.com/")
                && !is_exact_origin("*")
                && !is_exact_origin("null")
        );
    }
}
