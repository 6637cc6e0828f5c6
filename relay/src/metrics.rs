//! Prometheus text metrics, hand-rolled: a few families with bounded labels (methods, route
//! templates, status codes, reason codes) — never a path, a user or a token.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Method, route, status.
type RequestKey = (&'static str, Cow<'static, str>, u16);

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<RequestKey, u64>>,
    refusals: Mutex<BTreeMap<&'static str, u64>>,
    unseal_failures: Mutex<BTreeMap<&'static str, u64>>,
    latency: Mutex<Histogram>,
    connections_open: AtomicU64,
    connections_refused: Mutex<BTreeMap<&'static str, u64>>,
    connections_closed: Mutex<BTreeMap<&'static str, u64>>,
}

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    *map.lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(key)
        .or_default() += 1;
}

/// The method as a bounded label: the standard ones by name, anything a client invents as `other`.
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT",
    ];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("other")
}

impl Metrics {
    /// One answered request. Two allow-list rows may share a template (GET and PUT of a
    /// `forge-trends` record), so the method is a label of its own.
    /// `route` is an allow-list template or axum's matched path (borrowed where it can be, so
    /// the hot path allocates nothing here).
    pub fn request(&self, method: &str, route: Cow<'static, str>, status: u16) {
        bump(&self.requests, (method_label(method), route, status));
    }

    pub fn refusal(&self, reason: &'static str) {
        bump(&self.refusals, reason);
    }

    pub fn unseal_failure(&self, reason: &'static str) {
        bump(&self.unseal_failures, reason);
    }

    /// A client connection was admitted (see `server`); [`Metrics::connection_ended`] undoes it.
    pub fn connection_opened(&self) {
        self.connections_open.fetch_add(1, Ordering::Relaxed);
    }

    pub fn connection_ended(&self) {
        self.connections_open.fetch_sub(1, Ordering::Relaxed);
    }

    /// A connection accepted and closed at once because a cap was reached.
    pub fn connection_refused(&self, reason: &'static str) {
        bump(&self.connections_refused, reason);
    }

    /// A connection the relay closed on its own (a timeout, a malformed request).
    pub fn connection_closed(&self, reason: &'static str) {
        bump(&self.connections_closed, reason);
    }

    pub fn upstream_latency(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let mut h = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let lock = |m: &Mutex<BTreeMap<&'static str, u64>>| {
            m.lock().unwrap_or_else(|p| p.into_inner()).clone()
        };
        out.push_str("# HELP forge_requests_total Requests answered, by method, route template and status.\n# TYPE forge_requests_total counter\n");
        for ((method, route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "forge_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP forge_refusals_total Requests refused by the allow-list, by reason.\n# TYPE forge_refusals_total counter\n");
        for (reason, n) in lock(&self.refusals) {
            let _ = writeln!(out, "forge_refusals_total{{reason=\"{reason}\"}} {n}");
        }
        out.push_str("# HELP forge_unseal_failures_total Sealed sessions that failed to open, by reason.\n# TYPE forge_unseal_failures_total counter\n");
        for (reason, n) in lock(&self.unseal_failures) {
            let _ = writeln!(
                out,
                "forge_unseal_failures_total{{reason=\"{reason}\"}} {n}"
            );
        }
        let h = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP forge_upstream_latency_seconds Time to the upstream's response headers.\n# TYPE forge_upstream_latency_seconds histogram\n");
        for (le, n) in LATENCY_BUCKETS.iter().zip(h.counts) {
            let _ = writeln!(
                out,
                "forge_upstream_latency_seconds_bucket{{le=\"{le}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "forge_upstream_latency_seconds_bucket{{le=\"+Inf\"}} {}",
            h.count
        );
        let _ = writeln!(out, "forge_upstream_latency_seconds_sum {}", h.sum);
        let _ = writeln!(out, "forge_upstream_latency_seconds_count {}", h.count);
        out.push_str("# HELP forge_connections_open Client connections open now.\n# TYPE forge_connections_open gauge\n");
        let _ = writeln!(
            out,
            "forge_connections_open {}",
            self.connections_open.load(Ordering::Relaxed)
        );
        out.push_str("# HELP forge_connections_refused_total Connections accepted and closed at once because a cap was reached, by cap.\n# TYPE forge_connections_refused_total counter\n");
        for (reason, n) in lock(&self.connections_refused) {
            let _ = writeln!(
                out,
                "forge_connections_refused_total{{reason=\"{reason}\"}} {n}"
            );
        }
        out.push_str("# HELP forge_connections_closed_total Connections the relay closed on its own, by reason.\n# TYPE forge_connections_closed_total counter\n");
        for (reason, n) in lock(&self.connections_closed) {
            let _ = writeln!(
                out,
                "forge_connections_closed_total{{reason=\"{reason}\"}} {n}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.request("GET", "/v2/actors".into(), 200);
        m.request("GET", "/v2/actors".into(), 200);
        m.request("PROPFIND", "/v2/actors".into(), 405);
        m.refusal("unknown-route");
        m.unseal_failure("decrypt");
        m.upstream_latency(Duration::from_millis(20));
        m.connection_opened();
        m.connection_opened();
        m.connection_ended();
        m.connection_refused("max-connections-per-ip");
        m.connection_closed("idle-timeout");
        let text = m.render();
        assert!(text.contains("forge_connections_open 1\n"));
        assert!(
            text.contains("forge_connections_refused_total{reason=\"max-connections-per-ip\"} 1")
        );
        assert!(text.contains("forge_connections_closed_total{reason=\"idle-timeout\"} 1"));
        assert!(text.contains(
            "forge_requests_total{method=\"GET\",route=\"/v2/actors\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "forge_requests_total{method=\"other\",route=\"/v2/actors\",status=\"405\"} 1"
        ));
        assert!(text.contains("forge_refusals_total{reason=\"unknown-route\"} 1"));
        assert!(text.contains("forge_unseal_failures_total{reason=\"decrypt\"} 1"));
        assert!(text.contains("forge_upstream_latency_seconds_bucket{le=\"0.025\"} 1"));
        assert!(text.contains("forge_upstream_latency_seconds_bucket{le=\"0.01\"} 0"));
        assert!(text.contains("forge_upstream_latency_seconds_count 1"));
    }
}
