//! The request log: every request the simulator received, for "nothing reached upstream"
//! assertions (`GET /__sim/requests`, [`crate::Sim::requests`]).

use crate::api::{token_of, Query};
use axum::http::{header, HeaderValue};
use serde::Serialize;

/// One request the simulator received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    /// The HTTP method as sent (a `?method=` override is visible in `query`).
    pub method: String,
    pub path: String,
    /// Raw query string, without `?`.
    pub query: Option<String>,
    /// Header names lowercased; values as received — including `Authorization`, so tests can
    /// tell which token was used.
    pub headers: Vec<(String, String)>,
    pub body_len: usize,
    /// Unix milliseconds on the simulator's clock.
    pub timestamp_ms: u64,
}

impl RecordedRequest {
    /// First value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The token the request authenticated with, from the Bearer header or `?token=`.
    pub fn token(&self) -> Option<String> {
        let mut map = axum::http::HeaderMap::new();
        if let Some(v) = self
            .header("authorization")
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            map.insert(header::AUTHORIZATION, v);
        }
        token_of(&map, &Query::parse(self.query.as_deref()))
    }
}
