//! The dev loop of `cargo xtask dev`, end to end: `forge-relay demo` on 127.0.0.1:3000 and
//! `trunk serve` on 127.0.0.1:8080 with the repository's `Trunk.toml`, started with the **same
//! command lines** as `cargo xtask dev` (`xtask/src/dev_commands.rs`, included here), and a
//! headless Chromium on Trunk's page: the dashboard renders its fleet rows, and every `/api` call
//! goes through Trunk's proxy to the relay and none is refused (400 `forge-bad-request`, what
//! the relay answers when Trunk's `X-Forwarded-*` headers come through).
//!
//! The only difference from `cargo xtask dev`: Trunk builds with `--release`, whose cargo
//! command line is `trunk build --release`'s, so after that build (CI runs it before the tests)
//! cargo has nothing to compile and the check costs Trunk's wasm-bindgen and wasm-opt passes
//! (≈ 15 s) instead of a second, debug build of the app (minutes on 2 cores).
//!
//! It costs ≈ 30 s after a `trunk build --release` (Trunk's first serve ≈ 17 s, the dashboard
//! ≈ 12 s), so it runs with the other browser tests in CI; `cargo xtask dev --check` runs it
//! alone. It needs ports 3000 and 8080 free (never handed out by `127.0.0.1:0`), so it fails when
//! a `cargo xtask demo` or `dev` is running.

use crate::dev_commands::{self, DevBuild, DEV_PORT, RELAY_ADDR};
use crate::harness::{open_with, Options, Page, Relay};
use forge_e2e::{relay_binary, workspace_root, RelayProcess};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The first serve when `trunk build --release` has not run: a full release build of the app.
const TRUNK_PATIENCE: Duration = Duration::from_secs(20 * 60);

/// `trunk serve` in a process group of its own, with its output kept; on drop the whole group
/// (Trunk, its cargo, wasm-bindgen, wasm-opt) is killed.
struct TrunkServe {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl TrunkServe {
    fn start(mut cmd: Command) -> TrunkServe {
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("TRUNK_COLOR", "never")
            .spawn()
            .expect("start trunk serve (`cargo xtask setup` installs trunk)");
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let out: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in out {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().unwrap().push(line);
                }
            });
        }
        TrunkServe { child, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Waits until Trunk serves the built `index.html` (the boot script is in it).
    async fn wait_for_index(&mut self, addr: SocketAddr) {
        let started = Instant::now();
        loop {
            if get(addr, "/")
                .is_some_and(|(status, body)| status == 200 && body.contains("forge-boot.js"))
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("trunk serve exited ({status}):\n{}", self.log());
            }
            assert!(
                started.elapsed() < TRUNK_PATIENCE,
                "trunk serve did not serve the app within {} s:\n{}",
                TRUNK_PATIENCE.as_secs(),
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

impl Drop for TrunkServe {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 GET: status and body (no chunked decoding needed to find a string).
fn get(addr: SocketAddr, target: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let response = String::from_utf8_lossy(&response);
    let status = response.split(' ').nth(1)?.parse().ok()?;
    Some((status, response.into_owned()))
}

/// The page's requests so far: URL and status by DevTools request id.
#[derive(Debug, Default)]
struct Calls {
    urls: BTreeMap<String, String>,
    statuses: BTreeMap<String, i64>,
}

impl Calls {
    async fn read(&mut self, page: &Page) {
        for (method, params) in page.network_events().await {
            let id = params["requestId"].as_str().unwrap_or_default().to_owned();
            match method.as_str() {
                "Network.requestWillBeSent" => {
                    let url = params["request"]["url"].as_str().unwrap_or_default();
                    self.urls.insert(id, url.to_owned());
                }
                "Network.responseReceived" => {
                    let status = params["response"]["status"].as_i64().unwrap_or(-1);
                    self.statuses.insert(id, status);
                }
                _ => {}
            }
        }
    }

    /// `(url, status)` of every `/api` call; no status yet: `None`.
    fn api(&self) -> Vec<(&str, Option<i64>)> {
        self.urls
            .iter()
            .filter(|(_, url)| url.contains("/api/"))
            .map(|(id, url)| (url.as_str(), self.statuses.get(id).copied()))
            .collect()
    }

    /// The `/api` calls answered 400 (what the relay answers a forwarded request it refuses).
    fn bad_requests(&self) -> Vec<&str> {
        self.api()
            .into_iter()
            .filter(|(_, status)| *status == Some(400))
            .map(|(url, _)| url)
            .collect()
    }
}

/// Waits until `css` matches; fails at once when an `/api` call is answered 400.
async fn wait_css(page: &Page, calls: &mut Calls, trunk: &TrunkServe, css: &str, secs: u64) {
    let started = Instant::now();
    while !page.exists(css).await {
        calls.read(page).await;
        let bad = calls.bad_requests();
        if !bad.is_empty() {
            page.fail(&format!(
                "/api calls through Trunk's proxy were answered 400 (X-Forwarded-* reaching the \
                 relay? see Trunk.toml's request_headers): {bad:#?}\n--- trunk:\n{}",
                trunk.log()
            ))
            .await;
        }
        if started.elapsed() > Duration::from_secs(secs) {
            page.fail(&format!("no element matches `{css}` after {secs} s"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_dashboard_loads_through_trunks_proxy() {
    let started = Instant::now();
    let root = workspace_root();
    let relay_addr: SocketAddr = RELAY_ADDR.parse().unwrap();
    let dev_addr = SocketAddr::from(([127, 0, 0, 1], DEV_PORT));
    for (addr, what) in [(relay_addr, "the demo relay"), (dev_addr, "trunk serve")] {
        assert!(
            TcpListener::bind(addr).is_ok(),
            "{addr} is taken, so {what} cannot listen there: is a `cargo xtask demo` or \
             `cargo xtask dev` running?"
        );
    }
    let path = dev_commands::tools_path(&root, &std::env::var_os("PATH").unwrap_or_default())
        .expect("PATH");

    let relay =
        RelayProcess::spawn(dev_commands::relay(&relay_binary(), &root, &path).into()).await;
    assert_eq!(relay.addr, relay_addr);
    // The browser first: it holds the one-browser-at-a-time turn, so no other browser test runs
    // while Trunk's wasm-opt takes a core.
    let mut page = open_with(
        Relay::Started(Box::new(relay)),
        "dev-loop",
        Options {
            performance_log: true,
        },
    )
    .await;
    let trunk_started = Instant::now();
    let mut trunk = TrunkServe::start(dev_commands::trunk_serve(&root, &path, DevBuild::Release));
    trunk.wait_for_index(dev_addr).await;
    let served_after = trunk_started.elapsed();
    let compiled = trunk
        .log()
        .lines()
        .filter(|l| l.trim_start().starts_with("Compiling "))
        .count();

    let dev_base = format!("http://{dev_addr}");
    page.serve_from(&dev_base);
    page.goto("/").await;
    let mut calls = Calls::default();
    let first_row = ".fleet-table tbody tr[data-state=\"ok\"]";
    wait_css(&page, &mut calls, &trunk, first_row, 120).await;
    wait_css(
        &page,
        &mut calls,
        &trunk,
        "#fleet[data-phase=\"done\"]",
        180,
    )
    .await;
    page.screenshot("dashboard").await;
    let rows = page
        .client
        .find_all(fantoccini::Locator::Css(".fleet-table tbody tr"))
        .await
        .unwrap_or_default()
        .len();

    // What the page asked for, and what it was answered (the post-load reads may still be in
    // flight: give them time to be answered).
    let settling = Instant::now();
    loop {
        calls.read(&page).await;
        let pending = calls.api().iter().any(|(_, status)| status.is_none());
        if !pending || settling.elapsed() > Duration::from_secs(30) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let api = calls.api();
    assert!(!api.is_empty(), "the page made no /api call: {calls:#?}");
    let elsewhere: Vec<_> = api
        .iter()
        .filter(|(url, _)| !url.starts_with(&format!("{dev_base}/api/")))
        .collect();
    assert!(
        elsewhere.is_empty(),
        "/api calls that did not go to Trunk's origin: {elsewhere:#?}"
    );
    let refused: Vec<_> = api
        .iter()
        .filter(|(_, status)| status.is_none_or(|s| s == 400 || s >= 500))
        .collect();
    if !refused.is_empty() {
        page.fail(&format!(
            "/api calls through Trunk's proxy refused or unanswered: {refused:#?}\n--- trunk:\n{}",
            trunk.log()
        ))
        .await;
    }

    // The relay saw them (all of them, through the proxy), and refused none as a bad request.
    let counts = page.request_counts().await;
    let relayed: u64 = counts
        .iter()
        .filter(|c| c.route != "/metrics" && c.route != "/healthz")
        .map(|c| c.n)
        .sum();
    let bad: Vec<_> = counts.iter().filter(|c| c.status == "400").collect();
    assert!(bad.is_empty(), "the relay answered 400: {bad:?}");
    assert!(
        relayed >= api.len() as u64,
        "the page made {} /api calls but the relay answered {relayed}: {counts:?}",
        api.len()
    );
    let by_status = api
        .iter()
        .fold(BTreeMap::<i64, usize>::new(), |mut m, (_, s)| {
            *m.entry(s.unwrap_or(-1)).or_default() += 1;
            m
        });
    page.finish().await;
    drop(trunk);
    println!(
        "MEASURE dev loop: trunk serve --release served the app after {:.1} s ({}), {rows} fleet \
         rows, {} /api calls through Trunk's proxy (by status: {by_status:?}), whole check {:.1} s",
        served_after.as_secs_f64(),
        if compiled == 0 {
            "cargo had nothing to compile".to_owned()
        } else {
            format!("cargo compiled {compiled} crates")
        },
        api.len(),
        started.elapsed().as_secs_f64()
    );
}
