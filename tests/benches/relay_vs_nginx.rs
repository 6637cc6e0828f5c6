//! The relay beside nginx, in one run on one machine: an nginx process serves a 20-run list
//! page as the upstream; wrk (2 threads, 32 connections) measures that upstream directly, nginx
//! `proxy_pass` in front of it (the reference), and the release `forge-relay local` in front of
//! it (allow-list match, forwarding, response projection). The reference is as parallel as the
//! relay: one nginx worker per CPU, as the relay has one shard per CPU, and neither shares a
//! process with the upstream. Prints requests/s, p50 and p99, the CPU time each proxy and the
//! upstream spent per request, the relay's ratio to nginx `proxy_pass` and the latency it adds
//! over a direct request; writes `target/bench/relay-vs-nginx.json`.
//!
//! `cargo xtask bench` runs it (`cargo xtask setup` installs nginx-light and wrk), or
//! `cargo bench -p forge-e2e --bench relay_vs_nginx`. FORGE_BENCH_SECS sets each phase's length
//! (default 10).

use forge_e2e::{release_relay_binary, target_dir, RelayProcess};
use std::process::Command;

const NGINX: &str = "/usr/sbin/nginx";
const ACTOR: &str = "Hb8mCXq2sW9kLp3Zt";
const TOKEN: &str = "apify_api_abcdefghijklmnopqrstuvwxyz0123456789";

/// A 20-run list page as Apify answers it (the fields the relay's projection keeps and some it
/// drops).
fn runs_page() -> String {
    let items: Vec<String> = (0..20)
        .map(|i| {
            format!(
                r#"{{"id":"r{i:016}","actId":"{ACTOR}","actorTaskId":null,"status":"SUCCEEDED","startedAt":"2026-11-28T19:30:05.000Z","finishedAt":"2026-11-28T19:35:06.000Z","buildId":"b0000000000000001","buildNumber":"0.3.12","meta":{{"origin":"SCHEDULER","userAgent":"x"}},"usageTotalUsd":0.0123,"defaultKeyValueStoreId":"k{i:016}","defaultDatasetId":"d{i:016}","defaultRequestQueueId":"q{i:016}"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"data":{{"total":20,"offset":0,"limit":20,"count":20,"desc":true,"items":[{}]}}}}"#,
        items.join(",")
    )
}

/// One nginx process, stopped when dropped (a failed phase too). Each runs alone
/// (`master_process off`; killing a master would leave its worker serving, holding the ports
/// and this bench's output pipe), so the reference's workers are that many processes sharing
/// one port by `reuseport`, as nginx's own workers would.
struct Nginx(std::process::Child);

impl Nginx {
    fn start(dir: &std::path::Path, name: &str, server: &str) -> Nginx {
        let conf = format!(
            r#"daemon off;
master_process off;
worker_processes 1;
pid {dir}/{name}.pid;
error_log {dir}/{name}.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/tmp;
  proxy_temp_path {dir}/tmp;
  fastcgi_temp_path {dir}/tmp;
  uwsgi_temp_path {dir}/tmp;
  scgi_temp_path {dir}/tmp;
  {server}
}}
"#,
            dir = dir.display(),
        );
        let path = dir.join(format!("{name}.conf"));
        std::fs::write(&path, conf).unwrap();
        Nginx(
            Command::new(NGINX)
                .args(["-p", &dir.display().to_string(), "-c"])
                .arg(path)
                .spawn()
                .expect("start nginx"),
        )
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// CPU time (user + system) a process has used, in seconds, from `/proc/<pid>/stat`.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are the 14th and 15th fields, counted from the pid.
    (ticks(11) + ticks(12)) / clock_ticks_per_sec()
}

fn clock_ticks_per_sec() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[derive(Debug)]
struct Phase {
    name: &'static str,
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// CPU time the proxy's processes spent per request (none for the direct phase).
    proxy_cpu_us: Option<f64>,
    /// CPU time the upstream nginx spent per request.
    upstream_cpu_us: f64,
}

impl Phase {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "requestsPerSec": self.requests_per_sec,
            "p50Ms": self.p50_ms,
            "p99Ms": self.p99_ms,
            "proxyCpuUsPerRequest": self.proxy_cpu_us,
            "upstreamCpuUsPerRequest": self.upstream_cpu_us,
        })
    }
}

/// `12.34ms`, `1.2s`, `850.00us` → ms.
fn wrk_ms(s: &str) -> f64 {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = n.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        _ => f64::NAN,
    }
}

/// One wrk phase against `url`; `proxy` are the processes between wrk and the upstream.
fn wrk(name: &'static str, url: &str, secs: u64, proxy: &[u32], upstream: u32) -> Phase {
    let cpu = |pids: &[u32]| pids.iter().map(|&p| cpu_secs(p)).sum::<f64>();
    let before = (cpu(proxy), cpu_secs(upstream));
    let out = Command::new("wrk")
        .args(["-t2", "-c32", &format!("-d{secs}s"), "--latency"])
        .args(["-H", "X-Forge-Client: 1", url])
        .output()
        .expect("wrk (cargo xtask setup installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .map(|l| l.trim_start()[prefix.len()..].trim().to_string())
            .unwrap_or_default()
    };
    assert!(!text.contains("Non-2xx"), "{name}: wrk saw errors:\n{text}");
    // "  412345 requests in 10.00s, 3.39GB read"
    let requests: f64 = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(f64::NAN);
    let per_request = |secs: f64| secs * 1e6 / requests;
    Phase {
        proxy_cpu_us: (!proxy.is_empty()).then(|| per_request(cpu(proxy) - before.0)),
        upstream_cpu_us: per_request(cpu_secs(upstream) - before.1),
        name,
        requests_per_sec: line("Requests/sec:").parse().unwrap_or(0.0),
        p50_ms: wrk_ms(&line("50%")),
        p99_ms: wrk_ms(&line("99%")),
    }
}

#[tokio::main]
async fn main() {
    assert!(
        std::path::Path::new(NGINX).is_file(),
        "{NGINX} is missing: `cargo xtask setup` installs nginx-light"
    );
    let secs: u64 = std::env::var("FORGE_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    // The relay runs one shard per CPU by default; the reference gets as many nginx workers.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir = target_dir().join("bench/nginx");
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    std::fs::write(dir.join("runs.json"), runs_page()).unwrap();
    let (upstream, proxy) = (free_port(), free_port());
    let upstream_nginx = Nginx::start(
        &dir,
        "upstream",
        &format!(
            r#"server {{
    listen 127.0.0.1:{upstream};
    location / {{ default_type application/json; root {dir}; rewrite ^ /runs.json break; }}
  }}"#,
            dir = dir.display()
        ),
    );
    let proxy_conf = format!(
        r#"upstream apify {{ server 127.0.0.1:{upstream}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{proxy} reuseport;
    location / {{
      proxy_pass http://apify;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
  }}"#
    );
    let proxy_nginx: Vec<Nginx> = (0..workers)
        .map(|i| Nginx::start(&dir, &format!("proxy-{i}"), &proxy_conf))
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(500));

    let relay_bin = release_relay_binary();
    let mut cmd = tokio::process::Command::new(relay_bin);
    cmd.args(["local", "--bind", "127.0.0.1:0"])
        .args(["--upstream", &format!("http://127.0.0.1:{upstream}")])
        .args(["--rate-per-sec", "1000000", "--rate-burst", "1000000"])
        .args(["--max-in-flight", "100000"])
        .env("APIFY_TOKEN", TOKEN)
        // No line per request, as nginx's `access_log off` above.
        .env("RUST_LOG", "info,forge_relay::access=off");
    let relay = RelayProcess::spawn(cmd).await;

    let path = format!("/v2/actors/{ACTOR}/runs?limit=20&desc=1");
    let up = upstream_nginx.0.id();
    let nginx_pids: Vec<u32> = proxy_nginx.iter().map(|n| n.0.id()).collect();
    let relay_pid = relay.child.id().into_iter().collect::<Vec<_>>();
    let direct = wrk(
        "nginx, direct",
        &format!("http://127.0.0.1:{upstream}{path}"),
        secs,
        &[],
        up,
    );
    let reference = wrk(
        "nginx proxy_pass",
        &format!("http://127.0.0.1:{proxy}{path}"),
        secs,
        &nginx_pids,
        up,
    );
    let forge = wrk(
        "forge-relay local",
        &relay.url(&format!("/api/apify{path}")),
        secs,
        &relay_pid,
        up,
    );
    drop(proxy_nginx);
    drop(upstream_nginx);

    let ratio = forge.requests_per_sec / reference.requests_per_sec;
    let added_p99 = forge.p99_ms - direct.p99_ms;
    println!(
        "{workers} nginx proxy_pass workers; forge-relay with its default of one shard per CPU"
    );
    println!(
        "{:<20} {:>12} {:>9} {:>9} {:>16} {:>16}",
        "", "requests/s", "p50 ms", "p99 ms", "proxy CPU us/req", "upstream us/req"
    );
    for p in [&direct, &reference, &forge] {
        let proxy_cpu = p.proxy_cpu_us.map_or("-".into(), |us| format!("{us:.1}"));
        println!(
            "{:<20} {:>12.0} {:>9.2} {:>9.2} {proxy_cpu:>16} {:>16.1}",
            p.name, p.requests_per_sec, p.p50_ms, p.p99_ms, p.upstream_cpu_us
        );
    }
    println!(
        "forge-relay / nginx proxy_pass: {ratio:.2}x requests/s; p99 added over a direct request: {added_p99:.2} ms"
    );
    let out = target_dir().join("bench/relay-vs-nginx.json");
    std::fs::write(
        &out,
        serde_json::to_string_pretty(&serde_json::json!({
            "secs": secs,
            "connections": 32,
            "proxyWorkers": workers,
            "phases": [direct.json(), reference.json(), forge.json()],
            "ratioToProxyPass": ratio,
            "addedP99Ms": added_p99,
        }))
        .unwrap(),
    )
    .unwrap();
    println!("written to {}", out.display());
}
