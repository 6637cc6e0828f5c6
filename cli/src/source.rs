//! Where a check's requests go: straight to Apify with `APIFY_TOKEN`, through a Forge relay with
//! a sealed value from `FORGE_SEALED`, or to the built-in simulated account (`--demo`) — one
//! [`forge_load::Transport`], so the loader, its pacing and its retries are the app's.
//!
//! Every request passes `forge_apify`'s allow-list matcher before it leaves, whatever the
//! source: with a raw token the command can do no more than the relay would let it. The token
//! and the sealed value live in [`Secret`], whose `Debug` prints nothing of them; they are
//! never taken from the command line, never printed, and never part of an error.

use axum::body::Body;
use forge_apify::allow::match_request;
use forge_apify::paths::ApifyPath;
use forge_load::answer::REQUEST_TIMEOUT_MS;
use forge_load::{Answer, ApiError, Transport};
use http_body_util::BodyExt;
use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tower::ServiceExt;

/// Apify's API.
pub const APIFY_API: &str = "https://api.apify.com";

/// A token or sealed value: sent as a bearer, shown nowhere.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Where requests go.
#[derive(Debug)]
pub enum Target {
    /// `base` + the Apify path: `https://api.apify.com`, or a relay's `…/api/apify`.
    Http {
        client: reqwest::Client,
        base: String,
        bearer: Secret,
    },
    /// The simulated account, in this process.
    Demo {
        sim: Box<forge_sim::Sim>,
        token: &'static str,
    },
}

/// The check's transport.
#[derive(Debug)]
pub struct Source {
    pub target: Target,
    /// xorshift state for back-off jitter.
    seed: Cell<u64>,
}

impl Source {
    pub fn new(target: Target) -> Source {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 | 1);
        Source {
            target,
            seed: Cell::new(seed),
        }
    }

    /// Where requests go, for messages: "Apify at https://api.apify.com", "the relay at …".
    pub fn place(&self) -> String {
        match &self.target {
            Target::Http { base, .. } => match base.strip_suffix("/api/apify") {
                Some(relay) => format!("the relay at {relay}"),
                None => format!("Apify at {base}"),
            },
            Target::Demo { .. } => "the simulated account".into(),
        }
    }

    /// An HTTP client with the loader's request deadline.
    pub fn http_client() -> Result<reqwest::Client, String> {
        reqwest::Client::builder()
            .timeout(Duration::from_millis(u64::from(REQUEST_TIMEOUT_MS)))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("forge-check/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("Could not set up HTTPS: {e}"))
    }
}

/// `http://` is allowed only for a loopback host (a local relay or a test's simulator).
pub fn check_base(url: &str) -> Result<String, String> {
    let url = url.trim_end_matches('/');
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| {
            url.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        });
    if url.starts_with("https://") || loopback {
        Ok(url.to_string())
    } else {
        Err(format!(
            "{url:?} is not an https:// address (http:// only for localhost)"
        ))
    }
}

impl Transport for &Source {
    async fn send(&self, request: &ApifyPath, body: Option<String>) -> Result<Answer, ApiError> {
        let pq = request.path_and_query();
        let (path, query) = match pq.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (pq, None),
        };
        if let Err(refusal) = match_request(request.method().as_str(), path, query) {
            return Err(ApiError::BadAnswer(format!(
                "Forge's allow-list refused a request it built: {refusal}"
            )));
        }
        match &self.target {
            Target::Http {
                client,
                base,
                bearer,
            } => {
                let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes())
                    .map_err(|_| ApiError::BadAnswer("a method reqwest does not know".into()))?;
                let mut req = client
                    .request(method, format!("{base}{pq}"))
                    .bearer_auth(&bearer.0)
                    .header("accept", "application/json");
                if let Some(b) = body {
                    req = req.header("content-type", "application/json").body(b);
                }
                let resp = req.send().await.map_err(|e| {
                    if e.is_timeout() {
                        ApiError::TimedOut
                    } else {
                        ApiError::Unreachable
                    }
                })?;
                let status = resp.status().as_u16();
                let body = resp.text().await.map_err(|_| ApiError::Unreachable)?;
                Ok(Answer { status, body })
            }
            Target::Demo { sim, token } => {
                let req = axum::http::Request::builder()
                    .method(request.method().as_str())
                    .uri(pq)
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(Body::from(body.unwrap_or_default()))
                    .map_err(|_| ApiError::BadAnswer("an unbuildable request".into()))?;
                let resp = sim
                    .router()
                    .oneshot(req)
                    .await
                    .map_err(|_| ApiError::Unreachable)?;
                let status = resp.status().as_u16();
                let bytes = resp
                    .into_body()
                    .collect()
                    .await
                    .map_err(|_| ApiError::Unreachable)?
                    .to_bytes();
                Ok(Answer {
                    status,
                    body: String::from_utf8_lossy(&bytes).into_owned(),
                })
            }
        }
    }

    fn now_ms(&self) -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }

    async fn sleep(&self, ms: f64) {
        tokio::time::sleep(Duration::from_secs_f64(ms.max(0.0) / 1000.0)).await;
    }

    fn random(&self) -> f64 {
        let mut x = self.seed.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show_in_debug() {
        let s = Secret::new("apify_api_secretvalue".into());
        assert_eq!(format!("{s:?}"), "Secret(…)");
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert_eq!(
            check_base("https://relay.example.com/").unwrap(),
            "https://relay.example.com"
        );
        assert!(check_base("http://127.0.0.1:8080").is_ok());
        assert!(check_base("http://localhost").is_ok());
        assert!(check_base("http://relay.example.com").is_err());
        assert!(check_base("http://localhost.evil.com").is_err());
        assert!(check_base("ftp://x").is_err());
    }
}
