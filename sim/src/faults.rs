//! Fault injection: make chosen routes slow, failing, rate-limited, stalled or cut off, so the
//! relay's timeouts, retries and error mapping can be tested against an upstream that misbehaves
//! the way real networks and real APIs do. Faults are matched on the request path with a small
//! glob (`*` any run of characters, `?` one character); random choices use a seeded generator.

use crate::api::{err, Reply};
use crate::rng::Rng;
use axum::body::Body;
use axum::http::StatusCode;
use bytes::Bytes;
use forge_apify::ErrorKind;
use std::time::Duration;

/// A fault on every request whose path matches `route`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Glob-ish pattern on the path, e.g. `/v2/actor-runs*`. `*` alone matches everything.
    pub route: String,
    pub kind: FaultKind,
}

impl Fault {
    pub fn new(route: impl Into<String>, kind: FaultKind) -> Fault {
        Fault {
            route: route.into(),
            kind,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Delay the answer by `fixed` plus a uniformly random part of `jitter`.
    Latency { fixed: Duration, jitter: Duration },
    /// Answer `status` (500, 502, 503…) with probability `rate`.
    ErrorRate { rate: f64, status: u16 },
    /// The next `count` matching requests get 429 `rate-limit-exceeded`.
    RateLimitBurst { count: u32 },
    /// Never answer.
    Stall,
    /// Send the body at this many bytes per second.
    SlowBody { bytes_per_sec: u32 },
    /// Cut the connection: the response body fails immediately, so the client sees the
    /// connection closed without a complete answer.
    Reset,
}

/// Matches `*` (any run, including `/`) and `?` (one character).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// What the faults decided for one request.
#[derive(Debug, Default)]
pub struct Plan {
    pub delay: Duration,
    pub stall: bool,
    /// Answer this instead of handling the request.
    pub early: Option<Reply>,
    pub slow_body: Option<u32>,
    pub reset: bool,
}

/// A fault and its mutable state (what is left of a 429 burst).
#[derive(Debug, Clone)]
pub(crate) struct ActiveFault {
    pub fault: Fault,
    pub burst_left: u32,
}

impl ActiveFault {
    /// Activates `fault` (a 429 burst starts full).
    pub fn new(fault: Fault) -> ActiveFault {
        ActiveFault {
            burst_left: match fault.kind {
                FaultKind::RateLimitBurst { count } => count,
                _ => 0,
            },
            fault,
        }
    }
}

/// What the active `faults` do to one request for `path`; random choices come from
/// `fault_rng`.
pub(crate) fn plan(faults: &mut [ActiveFault], fault_rng: &mut Rng, path: &str) -> Plan {
    let mut plan = Plan::default();
    for active in faults.iter_mut() {
        if !glob_match(&active.fault.route, path) {
            continue;
        }
        match active.fault.kind {
            FaultKind::Latency { fixed, jitter } => {
                plan.delay += fixed + jitter.mul_f64(fault_rng.f64());
            }
            FaultKind::ErrorRate { rate, status } => {
                if fault_rng.chance(rate) && plan.early.is_none() {
                    let status =
                        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    plan.early = Some(
                        err(
                            status,
                            "internal-server-error",
                            format!(
                                "Simulated upstream error ({})",
                                status.canonical_reason().unwrap_or("error")
                            ),
                        )
                        .into(),
                    );
                }
            }
            FaultKind::RateLimitBurst { .. } => {
                if active.burst_left > 0 && plan.early.is_none() {
                    active.burst_left -= 1;
                    plan.early = Some(
                        err(
                            StatusCode::TOO_MANY_REQUESTS,
                            ErrorKind::RateLimitExceeded,
                            "You have exceeded the rate limit of 60 requests per second",
                        )
                        .into(),
                    );
                }
            }
            FaultKind::Stall => plan.stall = true,
            FaultKind::SlowBody { bytes_per_sec } => plan.slow_body = Some(bytes_per_sec.max(1)),
            FaultKind::Reset => plan.reset = true,
        }
    }
    plan
}

/// A body that trickles out at `bytes_per_sec`, in about ten chunks per second.
pub fn slow_body(bytes: Bytes, bytes_per_sec: u32) -> Body {
    let chunk = (bytes_per_sec as usize / 10).max(1);
    let pause = Duration::from_secs_f64(chunk as f64 / bytes_per_sec as f64);
    let stream = futures_util::stream::unfold((bytes, 0usize), move |(b, pos)| async move {
        if pos >= b.len() {
            return None;
        }
        tokio::time::sleep(pause).await;
        let end = (pos + chunk).min(b.len());
        Some((Ok::<Bytes, std::io::Error>(b.slice(pos..end)), (b, end)))
    });
    Body::from_stream(stream)
}

/// A body that fails at once: hyper aborts the connection.
pub fn reset_body() -> Body {
    Body::from_stream(futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        ))
    }))
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("/v2/actor-runs*", "/v2/actor-runs"));
        assert!(glob_match("/v2/actor-runs*", "/v2/actor-runs/abc/abort"));
        assert!(!glob_match("/v2/actor-runs*", "/v2/actors"));
        assert!(glob_match("*", "/anything"));
        assert!(glob_match(
            "/v2/*/records/*",
            "/v2/key-value-stores/x/records/k"
        ));
        assert!(glob_match("/v2/actors/?", "/v2/actors/a"));
        assert!(!glob_match("/v2/actors/?", "/v2/actors/ab"));
        assert!(glob_match("/v2/actors", "/v2/actors"));
        assert!(!glob_match("/v2/actors", "/v2/actors/x"));
    }
}
