//! Helpers shared by the tests: a simulator with a fixed clock, and in-process requests.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use forge_sim::{Sim, SimOptions, DEMO_TOKENS};
use serde_json::Value;
use tower::ServiceExt;

/// 2026-01-06T11:46:40Z, a Tuesday.
pub const NOW: u64 = 1_767_700_000;

pub fn opts() -> SimOptions {
    SimOptions {
        now: Some(NOW),
        rate_limit_per_sec: 0,
        ..SimOptions::default()
    }
}

pub fn sim() -> Sim {
    Sim::new(opts())
}

pub fn token(label: &str) -> &'static str {
    DEMO_TOKENS
        .iter()
        .find(|t| t.label == label)
        .unwrap_or_else(|| panic!("no demo token {label}"))
        .token
}

pub fn scoped() -> &'static str {
    Sim::DEFAULT_DEMO_TOKEN
}

pub fn full() -> &'static str {
    token("full-access")
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn data(&self) -> Value {
        self.json()["data"].clone()
    }

    pub fn error_type(&self) -> String {
        self.json()["error"]["type"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A request built piece by piece.
#[derive(Debug)]
pub struct Req {
    method: String,
    uri: String,
    token: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

pub fn req(method: &str, uri: &str) -> Req {
    Req {
        method: method.into(),
        uri: uri.into(),
        token: None,
        headers: vec![("host".into(), "sim.test".into())],
        body: Vec::new(),
    }
}

impl Req {
    pub fn token(mut self, t: &str) -> Req {
        self.token = Some(t.into());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn json(mut self, v: &Value) -> Req {
        self.body = serde_json::to_vec(v).unwrap();
        self.header("content-type", "application/json")
    }

    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Req {
        self.body = body;
        self.header("content-type", content_type)
    }

    pub fn build(self) -> Request<Body> {
        let mut b = Request::builder()
            .method(self.method.as_str())
            .uri(&self.uri);
        if let Some(t) = &self.token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (n, v) in &self.headers {
            b = b.header(n.as_str(), v.as_str());
        }
        b.body(Body::from(self.body)).unwrap()
    }

    pub async fn send(self, sim: &Sim) -> Resp {
        let resp = sim.router().oneshot(self.build()).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }
}

pub async fn get(sim: &Sim, uri: &str) -> Resp {
    req("GET", uri).token(scoped()).send(sim).await
}

pub fn actor_id(sim: &Sim, name: &str) -> String {
    sim.actor_id(name)
        .unwrap_or_else(|| panic!("no actor {name}"))
}

/// All runs of an Actor (full list, oldest first) as short objects.
pub async fn runs_of(sim: &Sim, name: &str) -> Vec<Value> {
    let id = actor_id(sim, name);
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let r = get(
            sim,
            &format!("/v2/actors/{id}/runs?offset={offset}&limit=1000"),
        )
        .await;
        assert_eq!(r.status, 200);
        let items = r.data()["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        offset += items.len();
        out.extend(items);
    }
    out
}
