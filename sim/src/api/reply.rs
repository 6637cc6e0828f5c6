//! [`Reply`]: a response before it becomes an HTTP response (built under the state lock).

use axum::http::{header, HeaderName, StatusCode};
use bytes::Bytes;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;

/// A response before it becomes an HTTP response (built under the state lock).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, String)>,
    pub body: Bytes,
    /// `waitForFinish`: poll this run (by position) for up to this long before answering.
    pub wait_for: Option<(u32, Duration)>,
}

impl Reply {
    pub fn json(status: StatusCode, v: &Value) -> Reply {
        Reply {
            status,
            headers: vec![(
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".into(),
            )],
            body: Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
            wait_for: None,
        }
    }

    pub fn data(status: StatusCode, v: Value) -> Reply {
        Reply::json(status, &json!({ "data": v }))
    }

    /// `{"data": v}` serialised straight from `v` (no `Value` in between: the big lists).
    pub fn data_of<T: Serialize>(status: StatusCode, v: &T) -> Reply {
        #[derive(Serialize)]
        struct Data<'a, T> {
            data: &'a T,
        }
        Reply {
            status,
            headers: vec![(
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".into(),
            )],
            body: Bytes::from(serde_json::to_vec(&Data { data: v }).unwrap_or_default()),
            wait_for: None,
        }
    }

    pub fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            wait_for: None,
        }
    }

    pub fn raw(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            headers: vec![(header::CONTENT_TYPE, content_type.to_string())],
            body: body.into(),
            wait_for: None,
        }
    }

    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}
