//! `dev`: the development loop — `trunk serve` with live reload at http://127.0.0.1:8080, its
//! `/api` proxied (Trunk.toml `[[proxy]]`) to `forge-relay demo` on 127.0.0.1:3000.
//!
//! 1. Refuses to start when either port is taken (a `cargo xtask demo` still running?).
//! 2. Builds the relay (`cargo build -p forge-relay`, the dev profile the tests already build)
//!    and starts `forge-relay demo --bind 127.0.0.1:3000` with the dev page's origins allowed
//!    (`http://127.0.0.1:8080`, `http://localhost:8080`); waits for `/healthz`.
//! 3. Starts `trunk serve` offline (`TRUNK_OFFLINE=true`, `node_modules/.bin` first on `PATH`:
//!    TOOLCHAIN.md) building into `target/trunk-dev`, so the release build in `dist/` that
//!    `forge-relay --app-dir dist` and the browser tests use is left alone. Folders the app does
//!    not depend on (the relay, the simulator, xtask, tests) are not watched.
//! 4. Prints the URL, and once Trunk's first build is served, says so.
//! 5. Runs until either child exits or `dev` gets Ctrl-C (SIGINT), SIGTERM or SIGHUP. Each child
//!    runs in a process group of its own, so stopping reaches the whole tree (Trunk's cargo and
//!    wasm-bindgen too): SIGINT to each group, then, after a grace period, SIGKILL. However `dev`
//!    returns — an error, a child that died, a signal — no process it started is left behind.
//!
//! The command lines themselves live in `dev_commands.rs`, which the browser test
//! `tests/browser/dev_loop.rs` (`cargo xtask dev --check`) runs too.

use crate::dev_commands::{self, DevBuild, DEV_PORT, RELAY_ADDR};
use crate::show;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::sleep;
use std::time::{Duration, Instant};

const RELAY_START_TIMEOUT: Duration = Duration::from_secs(60);
/// The first debug build of the app on 2 cores, cold.
const FIRST_BUILD_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// How long the children get to stop on SIGINT before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Runs the dev loop from the workspace `root`; `path` is the `PATH` to run with (the pinned
/// tools first). Returns when `trunk serve` or the relay stops.
pub fn dev(root: &Path, path: &OsStr) -> Result<(), String> {
    let relay_addr: SocketAddr = RELAY_ADDR.parse().expect("a socket address");
    let dev_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, DEV_PORT));
    for (addr, what) in [(relay_addr, "the relay"), (dev_addr, "trunk serve")] {
        if TcpListener::bind(addr).is_err() {
            return Err(format!(
                "{addr} is taken, so {what} cannot listen there: is a `cargo xtask demo`, \
                 `forge-relay` or `trunk serve` still running?"
            ));
        }
    }
    let path = dev_commands::tools_path(root, path)?;
    let stop = stop_on_signals()?;

    run(&mut dev_commands::relay_build(root, &path))?;
    if stop.load(Ordering::SeqCst) {
        return Err("interrupted".to_owned());
    }
    let relay_bin = target_dir(root).join("debug/forge-relay");

    let mut children = Children::new(stop);
    let mut relay = dev_commands::relay(&relay_bin, root, &path);
    println!("$ {}", show(&relay));
    children.spawn("forge-relay demo", &mut relay)?;
    wait_until(
        || http_ok(relay_addr, "/healthz"),
        &mut children,
        RELAY_START_TIMEOUT,
    )
    .map_err(|e| format!("the relay did not come up on {RELAY_ADDR}: {e}"))?;

    let mut trunk = dev_commands::trunk_serve(root, &path, DevBuild::Debug);
    println!("$ {}", show(&trunk));
    children.spawn("trunk serve", &mut trunk)?;

    println!();
    println!("Forge dev: http://127.0.0.1:{DEV_PORT}/  (live reload; /api → forge-relay demo on {RELAY_ADDR})");
    println!("           the first build of the app takes a few minutes; Ctrl-C stops both");
    println!();
    wait_until(
        || http_ok(dev_addr, "/"),
        &mut children,
        FIRST_BUILD_TIMEOUT,
    )
    .map_err(|e| format!("trunk serve did not serve the app: {e}"))?;
    let through = http_ok_with(
        dev_addr,
        "/api/apify/v2/actors?my=1",
        "X-Forge-Client: 1\r\n",
    );
    println!(
        "dev: ready at http://127.0.0.1:{DEV_PORT}/ ({})",
        if through {
            "the API answers through Trunk's proxy"
        } else {
            "but /api does not answer through Trunk's proxy: see the relay's log above"
        }
    );

    // Until one of them stops, or we are told to stop.
    loop {
        if children.stop_requested() {
            println!("dev: stopping");
            return Ok(());
        }
        if let Some((name, status)) = children.exited() {
            return if status.success() {
                println!("dev: {name} stopped; stopping the rest");
                Ok(())
            } else {
                Err(format!("{name} exited ({status})"))
            };
        }
        sleep(Duration::from_millis(250));
    }
}

/// A flag raised by SIGINT, SIGTERM or SIGHUP, which then no longer end `dev` at once: it stops
/// its children first.
fn stop_on_signals() -> Result<Arc<AtomicBool>, String> {
    let flag = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    let signals = [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ];
    #[cfg(not(unix))]
    let signals = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];
    for signal in signals {
        signal_hook::flag::register(signal, flag.clone())
            .map_err(|e| format!("cannot handle signal {signal}: {e}"))?;
    }
    Ok(flag)
}

fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = show(cmd);
    println!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// The children of `dev`, each the leader of its own process group; the groups are stopped when
/// `dev` returns, however it returns.
#[derive(Debug)]
struct Children {
    running: Vec<(&'static str, Child)>,
    stop: Arc<AtomicBool>,
}

impl Children {
    fn new(stop: Arc<AtomicBool>) -> Self {
        Self {
            running: Vec::new(),
            stop,
        }
    }

    fn spawn(&mut self, name: &'static str, cmd: &mut Command) -> Result<(), String> {
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(cmd, 0);
        let child = cmd
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start {name}: {e}"))?;
        self.running.push((name, child));
        Ok(())
    }

    fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// The first child that has exited, if any.
    fn exited(&mut self) -> Option<(&'static str, std::process::ExitStatus)> {
        self.running.iter_mut().find_map(|(name, child)| {
            child
                .try_wait()
                .ok()
                .flatten()
                .map(|status| (*name, status))
        })
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for (name, child) in &mut self.running {
            if matches!(child.try_wait(), Ok(None)) {
                println!("dev: stopping {name} (pid {})", child.id());
                signal_group(child, "-INT");
            }
        }
        let start = Instant::now();
        for (name, child) in &mut self.running {
            while matches!(child.try_wait(), Ok(None)) && start.elapsed() < STOP_GRACE {
                sleep(Duration::from_millis(100));
            }
            if matches!(child.try_wait(), Ok(None)) {
                println!(
                    "dev: {name} did not stop within {}s: killing it",
                    STOP_GRACE.as_secs()
                );
            }
            // The leader if it is still there, and whatever it left behind in its group
            // (Trunk's cargo, wasm-bindgen…).
            signal_group(child, "-KILL");
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends a signal to the process group a child leads.
fn signal_group(child: &Child, signal: &str) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    #[cfg(not(unix))]
    {
        let _ = (child, signal);
    }
}

/// Polls `ready` until it holds, a child exits, or `timeout` passes.
fn wait_until(
    mut ready: impl FnMut() -> bool,
    children: &mut Children,
    timeout: Duration,
) -> Result<(), String> {
    let start = Instant::now();
    loop {
        if ready() {
            return Ok(());
        }
        if let Some((name, status)) = children.exited() {
            return Err(format!("{name} exited ({status})"));
        }
        if children.stop_requested() {
            return Err("interrupted".to_owned());
        }
        if start.elapsed() > timeout {
            return Err(format!("no answer within {}s", timeout.as_secs()));
        }
        sleep(Duration::from_millis(300));
    }
}

fn http_ok(addr: SocketAddr, target: &str) -> bool {
    http_ok_with(addr, target, "")
}

/// A plain HTTP/1.1 GET; true on a 2xx answer.
fn http_ok_with(addr: SocketAddr, target: &str, extra_headers: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\n{extra_headers}Connection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 2")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Trunk.toml`'s proxy goes where the dev relay listens, and drops the `X-Forwarded-*`
    /// headers the relay refuses without `--behind-proxy`.
    #[test]
    fn trunk_toml_proxies_api_to_the_dev_relay() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let toml = std::fs::read_to_string(root.join("Trunk.toml")).unwrap();
        let lines: Vec<&str> = toml.lines().map(str::trim).collect();
        let backend = format!("backend = \"http://{RELAY_ADDR}/api\"");
        assert!(
            lines.contains(&backend.as_str()),
            "Trunk.toml lacks `{backend}`"
        );
        let headers = lines
            .iter()
            .find(|l| l.starts_with("request_headers"))
            .expect("Trunk.toml's proxy sets request_headers");
        for header in [
            "\"X-Forwarded-Host\" = \"\"",
            "\"X-Forwarded-Proto\" = \"\"",
        ] {
            assert!(headers.contains(header), "{headers} lacks {header}");
        }
        assert!(dev_commands::DEV_ORIGINS
            .split(',')
            .any(|o| o == format!("http://127.0.0.1:{DEV_PORT}")));
    }
}
