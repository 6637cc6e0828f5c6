//! [`Ctx`]: what a handler gets from the request (path parameters, query, headers, the body
//! with its `Content-Encoding` undone, the token), and [`View`]: how storages render for it.

use super::error::{bad, err, ApiError};
use super::query::Query;
use crate::tokens::{ConsoleGrant, DemoToken};
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use forge_apify::ErrorKind;
use serde_json::Value;
use std::io::Read;

/// Everything a handler may need from the request.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub params: Vec<String>,
    pub query: &'a Query,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
    pub host: String,
    pub token: &'static DemoToken,
    pub method: String,
}

impl Ctx<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.host)
    }

    /// How storages render for this request (public URL base, signing key or not).
    pub fn view(&self) -> View {
        View {
            base: self.base(),
            can_write: self.token.has(ConsoleGrant::StoragesWrite),
        }
    }

    /// The request body with any `Content-Encoding` undone.
    pub fn decoded_body(&self) -> Result<Vec<u8>, ApiError> {
        let enc = self
            .header("content-encoding")
            .unwrap_or("identity")
            .trim()
            .to_ascii_lowercase();
        let mut out = Vec::new();
        let res = match enc.as_str() {
            "" | "identity" => return Ok(self.body.to_vec()),
            "gzip" | "x-gzip" => flate2::read::GzDecoder::new(&self.body[..]).read_to_end(&mut out),
            "deflate" => flate2::read::ZlibDecoder::new(&self.body[..]).read_to_end(&mut out),
            // Apify's official client compresses larger bodies with brotli.
            "br" => {
                brotli_decompressor::Decompressor::new(&self.body[..], 4096).read_to_end(&mut out)
            }
            other => {
                return Err(err(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-content-encoding",
                    format!("Content-Encoding \"{other}\" is not supported."),
                ))
            }
        };
        res.map_err(|_| {
            bad(
                "invalid-request",
                format!("The request body could not be decoded as {enc}"),
            )
        })?;
        Ok(out)
    }

    pub fn json_body(&self) -> Result<Value, ApiError> {
        let body = self.decoded_body()?;
        serde_json::from_slice(&body).map_err(|_| {
            bad(
                ErrorKind::InvalidInput,
                "The request body must be valid JSON",
            )
        })
    }

    pub fn json_object_body(&self) -> Result<serde_json::Map<String, Value>, ApiError> {
        match self.json_body()? {
            Value::Object(m) => Ok(m),
            _ => Err(bad(
                ErrorKind::InvalidInput,
                "The request body must be a JSON object",
            )),
        }
    }
}

/// How storages are rendered for one request: the API base their public URLs point to, and
/// whether the token may write (only then does Apify include `urlSigningSecretKey`).
#[derive(Debug, Clone)]
pub struct View {
    pub base: String,
    pub can_write: bool,
}
