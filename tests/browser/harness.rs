//! A real headless Chromium driven through chromedriver (fantoccini), pointed at the real
//! `forge-relay` binary serving the built app from `dist/`.
//!
//! - Chromium and chromedriver are Debian's matched pair in `/usr/bin`; when chromedriver is
//!   absent the tests print a notice and pass without running (CI installs it with
//!   `cargo xtask setup`).
//! - `dist/index.html` must exist (`trunk build --release`); without it the tests fail and say so.
//! - One browser at a time (the machines have two cores): every [`Page`] holds a global lock.
//! - Every test saves screenshots under `target/screenshots/`, and ends by asserting that the
//!   browser's console holds no errors.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use forge_e2e::{relay_binary, workspace_root, RelayProcess, SimServer};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, MutexGuard};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// How long to wait for something to appear on the page.
pub const PATIENCE: Duration = Duration::from_secs(20);

static ONE_BROWSER_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// The built app. Fails the test with a clear message when it has not been built.
pub fn dist_dir() -> PathBuf {
    let dist = workspace_root().join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} is missing: build the app first — `trunk build --release` at the workspace root \
         (with node_modules/.bin and ~/.cargo/bin first on PATH and TRUNK_OFFLINE=true), \
         or `cargo xtask ci`",
        dist.join("index.html").display()
    );
    dist
}

/// Where screenshots go: `target/screenshots/` (or under `CARGO_TARGET_DIR`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from);
    target.join("screenshots")
}

/// Which relay the page talks to.
pub enum Relay {
    /// `forge-relay serve` with the simulator (in this process) as its upstream: tokens are
    /// pasted and sealed as in production.
    Serve,
    /// `Serve` with sealed sessions lasting only this long (`--session-ttl`).
    ServeWithTtl(&'static str),
    /// `forge-relay demo`: the relay's own simulated account and demo tokens.
    Demo,
    /// `Demo` with extra arguments (e.g. `--latency-ms 50`).
    DemoWith(&'static [&'static str]),
    /// A relay the test started itself (`RelayProcess::spawn`), with its own command line.
    Started(Box<RelayProcess>),
}

/// How the browser is started.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// ChromeDriver's performance log (`goog:loggingPrefs`), which carries the DevTools
    /// `Network.*` events: read it with [`Page::network_events`].
    pub performance_log: bool,
}

/// One `forge_requests_total` counter.
#[derive(Debug, Clone)]
pub struct RequestCount {
    pub method: String,
    pub route: String,
    pub status: String,
    pub n: u64,
}

/// A browser on the app, and the relay (and simulator) behind it.
pub struct Page {
    pub client: Client,
    pub relay: RelayProcess,
    pub sim: Option<SimServer>,
    /// What [`Page::url`] and [`Page::goto`] prefix paths with: the relay, unless the test
    /// serves the app from elsewhere ([`Page::serve_from`]).
    base: String,
    name: String,
    driver: Child,
    driver_port: u16,
    session_id: Option<String>,
    profile: PathBuf,
    closed: bool,
    _turn: MutexGuard<'static, ()>,
}

/// Starts the relay and a browser. Without ChromeDriver the test FAILS (CI must run the
/// browser tests, not skip them): `cargo xtask setup` installs chromium and chromium-driver.
pub async fn open(relay: Relay, name: &str) -> Page {
    open_with(relay, name, Options::default()).await
}

/// [`open`] with browser [`Options`].
pub async fn open_with(relay: Relay, name: &str, options: Options) -> Page {
    assert!(
        std::path::Path::new(CHROMEDRIVER).is_file(),
        "{CHROMEDRIVER} is not installed, so the browser test `{name}` cannot run: install \
         chromium and chromium-driver (`cargo xtask setup` does, as root)"
    );
    let turn = ONE_BROWSER_AT_A_TIME.lock().await;

    let dist_path = || dist_dir().to_str().expect("utf-8 path").to_owned();
    let (relay, sim) = match relay {
        Relay::Started(relay) => (*relay, None),
        Relay::Serve | Relay::ServeWithTtl(_) => {
            let sim = SimServer::start(forge_sim::SimOptions::default()).await;
            let key = keygen();
            let base = sim.base();
            let dist = dist_path();
            let mut args = vec!["serve", "--upstream", &base, "--app-dir", &dist];
            if let Relay::ServeWithTtl(ttl) = relay {
                args.extend(["--session-ttl", ttl]);
            }
            let relay = RelayProcess::start(&args, &[("FORGE_SEAL_KEYS", &key)]).await;
            (relay, Some(sim))
        }
        Relay::Demo => (
            RelayProcess::start(&["demo", "--app-dir", &dist_path()], &[]).await,
            None,
        ),
        Relay::DemoWith(extra) => {
            let dist = dist_path();
            let mut args = vec!["demo", "--app-dir", &dist];
            args.extend_from_slice(extra);
            (RelayProcess::start(&args, &[]).await, None)
        }
    };

    let driver_port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={driver_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn chromedriver");
    wait_for_driver(driver_port).await;

    let profile = std::env::temp_dir().join(format!(
        "forge-e2e-chromium-{}-{}",
        std::process::id(),
        name
    ));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).expect("profile dir");
    let mut caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,1100",
                format!("--user-data-dir={}", profile.display()),
            ]
        },
        "goog:loggingPrefs": { "browser": "ALL" }
    });
    if options.performance_log {
        caps["goog:loggingPrefs"]["performance"] = "ALL".into();
        // The Network domain only (the default adds Page and timeline events).
        caps["goog:chromeOptions"]["perfLoggingPrefs"] =
            serde_json::json!({ "enableNetwork": true, "enablePage": false });
    }
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("start a Chromium session through chromedriver");
    let session_id = client.session_id().await.ok().flatten();

    let base = relay.url("");
    Page {
        client,
        relay,
        sim,
        base,
        name: name.to_string(),
        driver,
        driver_port,
        session_id,
        profile,
        closed: false,
        _turn: turn,
    }
}

fn keygen() -> String {
    let out = std::process::Command::new(relay_binary())
        .arg("keygen")
        .output()
        .expect("forge-relay keygen");
    assert!(out.status.success(), "forge-relay keygen failed");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn wait_for_driver(port: u16) {
    let url = format!("http://127.0.0.1:{port}/status");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok(res) = reqwest::get(&url).await {
            if res.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

/// One entry of the browser's console, as chromedriver reports it.
#[derive(Debug, Clone)]
pub struct ConsoleEntry {
    pub level: String,
    pub source: String,
    pub message: String,
}

impl Page {
    /// Seals the demo token with this `label` from inside the page, as the app's Settings does
    /// (`POST /api/session` with the session cookie set by the browser).
    pub async fn connect_demo_token(&self, label: &str) {
        let token = forge_sim::DEMO_TOKENS
            .iter()
            .find(|t| t.label == label)
            .unwrap_or_else(|| panic!("no demo token labelled {label}"))
            .token;
        let status = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch('/api/session', {method: 'POST', credentials: 'include',
                   headers: {'Content-Type': 'application/json', 'X-Forge-Client': '1'},
                   body: JSON.stringify({token: arguments[0]})}).then(r => done(r.status), e => done(String(e)));",
                vec![serde_json::json!(token)],
            )
            .await
            .expect("POST /api/session");
        assert_eq!(
            status,
            serde_json::json!(201),
            "sealing the {label} demo token"
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// From now on [`Page::url`] and [`Page::goto`] point at `base` (`http://host:port`), e.g.
    /// `trunk serve` in front of the relay.
    pub fn serve_from(&mut self, base: &str) {
        self.base = base.trim_end_matches('/').to_owned();
    }

    /// Runs a DevTools command (`Network.clearBrowserCache`, `Emulation.setCPUThrottlingRate`…)
    /// on the page's target.
    pub async fn cdp(&self, method: &'static str, params: serde_json::Value) -> serde_json::Value {
        match self.client.issue_cmd(Cdp(method, params)).await {
            Ok(value) => value,
            Err(e) => self.fail(&format!("CDP {method} failed: {e}")).await,
        }
    }

    /// The DevTools `Network.*` events since the last call, in order, as `(method, params)`
    /// (ChromeDriver's performance log; needs [`Options::performance_log`]).
    pub async fn network_events(&self) -> Vec<(String, serde_json::Value)> {
        self.log_entries("performance")
            .await
            .into_iter()
            .filter_map(|entry| {
                let outer: serde_json::Value =
                    serde_json::from_str(entry["message"].as_str()?).ok()?;
                let message = &outer["message"];
                Some((
                    message["method"].as_str()?.to_owned(),
                    message["params"].clone(),
                ))
            })
            .filter(|(method, _)| method.starts_with("Network."))
            .collect()
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&self.url(path)).await.expect("navigate");
    }

    /// Waits until an element matching `css` exists and returns it.
    /// Runs `script` in the page and returns what it returns (a test fails on a script error).
    pub async fn js(&self, script: &str) -> serde_json::Value {
        match self.client.execute(script, vec![]).await {
            Ok(v) => v,
            Err(e) => self.fail(&format!("script failed: {e}\n{script}")).await,
        }
    }

    /// Sends `keys` (WebDriver key codes, e.g. `"\u{E004}"` for Tab) to the focused element.
    pub async fn press(&self, keys: &str) {
        let focused = match self.client.active_element().await {
            Ok(el) => el,
            Err(e) => self.fail(&format!("no focused element: {e}")).await,
        };
        if let Err(e) = focused.send_keys(keys).await {
            self.fail(&format!("cannot send keys: {e}")).await;
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        let started = Instant::now();
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                return e;
            }
            if started.elapsed() > PATIENCE {
                self.fail(&format!("no element matches `{css}`")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the first element matching `css`, or "" when there is none.
    pub async fn text(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Waits until the element matching `css` shows `needle` (case-insensitive); returns its text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        let needle_lower = needle.to_lowercase();
        loop {
            let text = self.text(css).await;
            if text.to_lowercase().contains(&needle_lower) {
                return text;
            }
            if started.elapsed() > PATIENCE {
                self.fail(&format!(
                    "`{css}` never showed {needle:?}; it shows {text:?}"
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `check` holds.
    pub async fn wait_until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while !check().await {
            if started.elapsed() > PATIENCE {
                self.fail(&format!("timed out waiting for {what}")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether the element is disabled (`disabled` property).
    pub async fn disabled(&self, css: &str) -> bool {
        let e = self.find(css).await;
        e.prop("disabled").await.ok().flatten().as_deref() == Some("true")
    }

    /// Types into the token field as a user would (after clearing it).
    pub async fn type_token(&self, token: &str) {
        let input = self.find("#apify-token").await;
        input.clear().await.expect("clear the token field");
        input.send_keys(token).await.expect("type the token");
    }

    /// Grant → verdict code of the scope matrix on the page.
    pub async fn verdicts(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let rows = self
            .client
            .find_all(Locator::Css("#scope-check tr[data-grant]"))
            .await
            .unwrap_or_default();
        for row in rows {
            let grant = row.attr("data-grant").await.ok().flatten();
            let verdict = row.attr("data-verdict").await.ok().flatten();
            if let (Some(g), Some(v)) = (grant, verdict) {
                out.insert(g, v);
            }
        }
        out
    }

    /// The extra permissions the too-broad section lists.
    pub async fn extras(&self) -> Vec<String> {
        let mut out = Vec::new();
        for li in self
            .client
            .find_all(Locator::Css("#scope-check [data-extra]"))
            .await
            .unwrap_or_default()
        {
            if let Ok(Some(name)) = li.attr("data-extra").await {
                out.push(name);
            }
        }
        out
    }

    /// Saves `target/screenshots/<test>-<label>.png`.
    pub async fn screenshot(&self, label: &str) -> PathBuf {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{}-{label}.png", self.name));
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Clicks the element matching `css` (scrolled to the middle of the window first, clear of
    /// the sticky header).
    /// Clicks the element matching `css`. A list that re-renders (the dashboard swaps its cached
    /// rows for live ones) can replace the element between finding and clicking it: a stale
    /// element is found again, a few times, before the test fails.
    pub async fn click(&self, css: &str) {
        for attempt in 1.. {
            let element = self.find(css).await;
            let arg = serde_json::to_value(&element).expect("element as JSON");
            let _ = self
                .client
                .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
                .await;
            match element.click().await {
                Ok(()) => return,
                Err(e) if attempt < 5 && e.to_string().contains("stale element") => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => self.fail(&format!("cannot click `{css}`: {e}")).await,
            }
        }
    }

    /// Scrolls the element matching `css` to the top of the window, then saves a screenshot.
    pub async fn screenshot_at(&self, css: &str, label: &str) -> PathBuf {
        let element = self.find(css).await;
        let arg = serde_json::to_value(&element).expect("element as JSON");
        let _ = self
            .client
            .execute("arguments[0].scrollIntoView({block: 'start'});", vec![arg])
            .await;
        self.screenshot(label).await
    }

    /// Everything in the browser console since the last call (chromedriver's log endpoint).
    pub async fn console(&self) -> Vec<ConsoleEntry> {
        self.log_entries("browser")
            .await
            .iter()
            .map(|e| ConsoleEntry {
                level: e["level"].as_str().unwrap_or_default().to_string(),
                source: e["source"].as_str().unwrap_or_default().to_string(),
                message: e["message"].as_str().unwrap_or_default().to_string(),
            })
            .collect()
    }

    /// ChromeDriver's log of this `kind` (`browser`, `performance`) since the last call.
    async fn log_entries(&self, kind: &str) -> Vec<serde_json::Value> {
        let Some(id) = &self.session_id else {
            return Vec::new();
        };
        let url = format!("http://127.0.0.1:{}/session/{id}/se/log", self.driver_port);
        let res = reqwest::Client::new()
            .post(url)
            .json(&serde_json::json!({ "type": kind }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("read the {kind} log: {e}"));
        let mut body: serde_json::Value = res
            .json()
            .await
            .unwrap_or_else(|e| panic!("{kind} log JSON: {e}"));
        match body["value"].take() {
            serde_json::Value::Array(entries) => entries,
            _ => Vec::new(),
        }
    }

    /// Console errors that are real problems: script errors, CSP violations, panics, assets that
    /// failed to load. Error *statuses* the app expects from `/api` (401 before connecting, a
    /// rejected token) are logged by Chromium as failed loads too; those are the app working.
    pub async fn console_errors(&self) -> Vec<String> {
        self.console()
            .await
            .into_iter()
            .filter(|e| e.level == "SEVERE" || e.level == "WARNING")
            .filter(|e| !(e.source == "network" && e.message.contains("/api/")))
            .map(|e| format!("[{} {}] {}", e.level, e.source, e.message))
            .collect()
    }

    pub async fn assert_no_console_errors(&self) {
        let errors = self.console_errors().await;
        if !errors.is_empty() {
            self.fail(&format!("the console has errors:\n{}", errors.join("\n")))
                .await;
        }
    }

    /// Every `forge_requests_total` counter of the relay's `/metrics`.
    pub async fn request_counts(&self) -> Vec<RequestCount> {
        let metrics = reqwest::get(self.relay.url("/metrics"))
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("metrics text");
        metrics
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("forge_requests_total{method=\"")?;
                let (method, rest) = rest.split_once("\",route=\"")?;
                let (route, rest) = rest.split_once("\",status=\"")?;
                let (status, n) = rest.split_once("\"} ")?;
                Some(RequestCount {
                    method: method.to_string(),
                    route: route.to_string(),
                    status: status.to_string(),
                    n: n.trim().parse().ok()?,
                })
            })
            .collect()
    }

    /// The relay's counters for one method and route, by status.
    pub async fn requests_to(&self, method: &str, route: &str) -> BTreeMap<String, u64> {
        self.request_counts()
            .await
            .into_iter()
            .filter(|c| c.method == method && c.route == route)
            .map(|c| (c.status, c.n))
            .collect()
    }

    /// Screenshot, page text and console, then panic.
    pub async fn fail(&self, why: &str) -> ! {
        let shot = self.screenshot("failure").await;
        let body = self.text("body").await;
        let console = self.console().await;
        let relay_log = self
            .relay
            .log
            .lock()
            .map(|l| l.join("\n"))
            .unwrap_or_default();
        panic!(
            "{why}\n--- screenshot: {}\n--- page text:\n{body}\n--- console:\n{console:#?}\n--- relay log:\n{relay_log}",
            shot.display()
        );
    }

    /// Ends the browser session (Chromium exits) and checks the console one last time.
    pub async fn finish(mut self) {
        self.assert_no_console_errors().await;
        self.closed = true;
        let client = self.client.clone();
        let _ = client.close().await;
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        if !self.closed {
            // A failed test: end the WebDriver session so Chromium exits with chromedriver.
            if let Some(id) = &self.session_id {
                delete_session_blocking(self.driver_port, id);
            }
        }
        let _ = self.driver.start_kill();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A Chrome DevTools command through ChromeDriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp(&'static str, serde_json::Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({"cmd": self.0, "params": self.1});
        (http::Method::POST, Some(body.to_string()))
    }
}

/// `DELETE /session/{id}` over a plain socket (usable from `Drop`, where nothing can be awaited).
fn delete_session_blocking(port: u16, id: &str) {
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    }
}
