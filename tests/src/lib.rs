//! Harness for Forge's end-to-end tests: the **real** `forge-relay` binary (built on demand),
//! the simulated Apify account on a loopback port, and helpers to run Node and Chromium.
//!
//! The simulator is the only stand-in: it replaces api.apify.com, which tests cannot reach.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Builds (a no-op when fresh) and returns the path of the `forge-relay` binary, so
/// `cargo test -p forge-e2e` works on its own.
pub fn relay_binary() -> PathBuf {
    build_relay(&[], "debug")
}

/// The release `forge-relay` (built like [`relay_binary`]), for measurements: `cargo xtask
/// demo` and production run this one.
pub fn release_relay_binary() -> PathBuf {
    build_relay(&["--release"], "release")
}

/// Builds (a no-op when fresh) and returns the path of the `forge` command (`forge check`).
pub fn cli_binary() -> PathBuf {
    build_bin("forge-cli", "forge", &[], "debug")
}

fn build_relay(profile_args: &[&str], profile_dir: &str) -> PathBuf {
    build_bin("forge-relay", "forge-relay", profile_args, profile_dir)
}

fn build_bin(package: &str, bin: &str, profile_args: &[&str], profile_dir: &str) -> PathBuf {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", package, "--bin", bin])
        .args(profile_args)
        .current_dir(workspace_root())
        .status()
        .expect("cargo build");
    assert!(status.success(), "building {bin} failed");
    target_dir().join(profile_dir).join(bin)
}

/// `target/`, or `CARGO_TARGET_DIR`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

/// The simulator on a free loopback port, running in this process.
#[derive(Debug)]
pub struct SimServer {
    pub sim: forge_sim::Sim,
    pub addr: SocketAddr,
}

impl SimServer {
    pub async fn start(options: forge_sim::SimOptions) -> SimServer {
        let sim = forge_sim::Sim::new(options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let served = sim.clone();
        tokio::spawn(async move { forge_sim::serve(listener, served).await.unwrap() });
        SimServer { sim, addr }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Seals `token` with the relay at `relay` (`POST /api/session`, delivered in the body as for a
/// command-line client) and returns the sealed value.
pub async fn sealed_session(relay: &RelayProcess, token: &str) -> String {
    let res = reqwest::Client::new()
        .post(relay.url("/api/session"))
        .header("X-Forge-Client", "1")
        .json(&serde_json::json!({"token": token, "deliver": "body"}))
        .send()
        .await
        .expect("POST /api/session");
    assert_eq!(res.status(), 201, "sealing a session");
    let body: serde_json::Value = res.json().await.expect("the session's JSON");
    body["sealed"].as_str().expect("a sealed value").to_string()
}

/// A running `forge-relay` child process; killed on drop.
#[derive(Debug)]
pub struct RelayProcess {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl RelayProcess {
    /// Starts `forge-relay <args…>` with `envs`, on `--bind 127.0.0.1:0`, and waits for its
    /// "listening on" line.
    pub async fn start(args: &[&str], envs: &[(&str, &str)]) -> RelayProcess {
        let mut cmd = Command::new(relay_binary());
        cmd.args(args).args(["--bind", "127.0.0.1:0"]);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        RelayProcess::spawn(cmd).await
    }

    /// Starts a prepared `forge-relay` command line (binary, arguments, `--bind` included) and
    /// waits for its "listening on" line. `APIFY_TOKEN` and `FORGE_SEAL_KEYS` are not inherited
    /// from the test's environment (only set when the command sets them); `RUST_LOG` is `info`
    /// unless the command sets it.
    pub async fn spawn(mut cmd: Command) -> RelayProcess {
        for secret in ["APIFY_TOKEN", "FORGE_SEAL_KEYS"] {
            if !cmd.as_std().get_envs().any(|(k, _)| k == secret) {
                cmd.env_remove(secret);
            }
        }
        if !cmd.as_std().get_envs().any(|(k, _)| k == "RUST_LOG") {
            cmd.env("RUST_LOG", "info");
        }
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn forge-relay");
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let out: [Box<dyn tokio::io::AsyncRead + Unpin + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in out {
            let log = log.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    log.lock().unwrap().push(line);
                }
            });
        }
        let addr = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                if let Some(addr) = listening_addr(&log.lock().unwrap()) {
                    return addr;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "forge-relay did not start:\n{}",
                log.lock().unwrap().join("\n")
            )
        });
        RelayProcess { child, addr, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

fn listening_addr(lines: &[String]) -> Option<SocketAddr> {
    lines.iter().find_map(|l| {
        let rest = &l[l.find("listening on http://")? + "listening on http://".len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ':'))
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    })
}

/// `npm ci` in `dir` unless its `node_modules` is already there.
pub fn npm_ci(dir: &Path) {
    if dir.join("node_modules").is_dir() {
        return;
    }
    let status = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .expect("npm is required for the official-client test");
    assert!(status.success(), "npm ci failed in {}", dir.display());
}
