//! Serving the built app (`--app-dir`, Trunk's `dist/`) at `/`.
//!
//! - Files come from [`ServeDir`], which refuses `..` and other escapes (it percent-decodes the
//!   path first, then rejects any component that is not a plain name), answers `HEAD`, ranges
//!   and `If-Modified-Since`, and picks a precompressed sibling (`NAME.br`, then `NAME.gz`) by
//!   the request's `Accept-Encoding`, setting `Content-Encoding` itself. It sends no `Vary`,
//!   so this module adds `Vary: Accept-Encoding` to every file it serves.
//! - Caching: a file whose name carries Trunk's content hash (`name-<16 hex>.ext`, or
//!   `name-<16 hex>_bg.wasm`) never changes, so it is `public, max-age=31536000, immutable`;
//!   everything else (`index.html`, `forge-config.json`, `forge-boot.js`, the SPA fallback,
//!   errors) is `no-cache`, so a new deploy is picked up on the next load.
//! - SPA fallback: a path that is not a file is answered with `index.html` (the app's router
//!   takes it from there), always `no-cache` — even when the path looks hashed, so a stale
//!   client asking for an old hashed asset never gets the page cached as that asset for a year.
//!   A missing path whose last segment has an asset extension (`.wasm`, `.js`, `.css`, …) is a
//!   plain 404 instead: a page in its place only turns into a confusing MIME-type error.
//! - `/api…` never reaches the files: an unknown API path is the API's JSON 404 (before, with
//!   `--app-dir`, it got the page).
//!
//! `xtask`'s `compress` step writes the `.br` and `.gz` siblings next to `dist/`'s assets.

use crate::error::RelayError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use tower::{Service, ServiceExt};
use tower_http::services::{ServeDir, ServeFile};

/// `Cache-Control` of content-hashed assets.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else the app is made of: revalidate before each use.
pub const NO_CACHE: &str = "no-cache";

/// Extensions of files a build emits or a browser asks for on its own: a missing path ending in
/// one of these is a 404, not the SPA fallback.
const ASSET_EXTENSIONS: &[&str] = &[
    "wasm",
    "js",
    "mjs",
    "css",
    "map",
    "json",
    "txt",
    "svg",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "webp",
    "avif",
    "ico",
    "woff",
    "woff2",
    "ttf",
    "br",
    "gz",
    "html",
    "xml",
    "webmanifest",
];

/// The service behind `/` when the relay serves the app from `dir`.
#[derive(Debug, Clone)]
pub struct AppFiles {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    files: ServeDir,
    index: ServeFile,
}

impl AppFiles {
    pub fn new(dir: &Path) -> AppFiles {
        AppFiles {
            inner: Arc::new(Inner {
                files: ServeDir::new(dir).precompressed_br().precompressed_gzip(),
                index: ServeFile::new(dir.join("index.html"))
                    .precompressed_br()
                    .precompressed_gzip(),
            }),
        }
    }

    /// Answers one request for the app.
    pub async fn serve(&self, req: Request) -> Response {
        // The app's fallback is the router's fallback: an unknown `/api` path lands here, and
        // must stay the API's JSON 404, never the page.
        if req.uri().path().starts_with("/api") {
            return RelayError::NotFound.into_response();
        }
        let (parts, body) = req.into_parts();
        let fallback = is_app_route(parts.uri.path())
            .then(|| Request::from_parts(parts.clone(), Body::empty()));
        let hashed = is_hashed_asset(parts.uri.path());
        let req = Request::from_parts(parts, body);

        let mut res = into_axum(self.inner.files.clone().oneshot(req).await);
        if let (StatusCode::NOT_FOUND, Some(req)) = (res.status(), fallback) {
            let mut res = into_axum(self.inner.index.clone().oneshot(req).await);
            set_cache(&mut res, NO_CACHE);
            vary_on_encoding(&mut res);
            return res;
        }
        let served_file = matches!(
            res.status(),
            StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
        );
        if served_file {
            vary_on_encoding(&mut res);
        }
        set_cache(
            &mut res,
            if served_file && hashed {
                IMMUTABLE
            } else {
                NO_CACHE
            },
        );
        res
    }
}

impl Service<Request> for AppFiles {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(this.serve(req).await) })
    }
}

fn into_axum<B>(res: Result<axum::http::Response<B>, Infallible>) -> Response
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    match res {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    }
}

fn set_cache(res: &mut Response, value: &'static str) {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
}

fn vary_on_encoding(res: &mut Response) {
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
}

/// The last segment of a request path (still percent-encoded; hashes and extensions are ASCII).
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or_default()
}

/// Whether a `GET`/`HEAD` for `path` that finds no file is answered with `index.html`.
fn is_app_route(path: &str) -> bool {
    let name = file_name(path);
    match name.rsplit_once('.') {
        Some((_, ext)) => !ASSET_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(ext)),
        None => true,
    }
}

/// Trunk's content-hashed names: `forge-app-0123456789abcdef.js`, `forge-0123456789abcdef.css`,
/// `forge-app-0123456789abcdef_bg.wasm`: a `-`, 16 lowercase hex digits, then `.` or `_bg.`.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = file_name(path).as_bytes();
    (0..name.len()).any(|i| {
        let (Some(b'-'), Some(hash), Some(rest)) =
            (name.get(i), name.get(i + 1..i + 17), name.get(i + 17..))
        else {
            return false;
        };
        let ext = rest
            .strip_prefix(b".")
            .or_else(|| rest.strip_prefix(b"_bg."));
        hash.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && ext.is_some_and(|e| !e.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        for yes in [
            "/forge-app-a6f085c5ee6af5fe.js",
            "/forge-app-a6f085c5ee6af5fe_bg.wasm",
            "/forge-311f6fd8383d0533.css",
            "/favicon-560bad9a5b24d775.svg",
            "/deep/dir/x-0123456789abcdef.js",
        ] {
            assert!(is_hashed_asset(yes), "{yes}");
        }
        for no in [
            "/",
            "/index.html",
            "/forge-boot.js",
            "/forge-config.json",
            "/forge-app-a6f085c5ee6af5f.js",    // 15 digits
            "/forge-app-a6f085c5ee6af5fe0.js",  // 17 digits
            "/forge-app-A6F085C5EE6AF5FE.js",   // upper case: not Trunk's
            "/forge-app-a6f085c5ee6af5fe",      // no extension
            "/forge-app-a6f085c5ee6af5fe.",     // empty extension
            "/forge-app-a6f085c5ee6af5fe_x.js", // not `_bg.`
            "/snippets/forge-app-a6f085c5ee6af5fe/inline0.js",
            "/actors/a6f085c5ee6af5fe",
        ] {
            assert!(!is_hashed_asset(no), "{no}");
        }
    }

    #[test]
    fn app_routes() {
        for yes in [
            "/",
            "/actors",
            "/actors/abc",
            "/guide/",
            "/actors/ana~my.crawler",
        ] {
            assert!(is_app_route(yes), "{yes}");
        }
        for no in [
            "/forge-app-0123456789abcdef_bg.wasm",
            "/missing.js",
            "/favicon.ico",
            "/x.CSS",
            "/index.html",
        ] {
            assert!(!is_app_route(no), "{no}");
        }
    }
}
