//! The built app at `/` (`--app-dir`): precompressed `.br`/`.gz` siblings, `Vary`,
//! `Cache-Control` per kind of file, the SPA fallback, `HEAD`, and no way out of the folder.
//! Then the requests `trunk serve`'s proxy makes (the dev loop), and their hostile neighbours.

use crate::common::*;
use forge_relay::config::Mode;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const WASM: &str = "/forge-app-0123456789abcdef_bg.wasm";
const JS: &str = "/forge-app-0123456789abcdef.js";
const CSS: &str = "/forge-0123456789abcdef.css";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const SECRET: &str = "SECRET-OUTSIDE-THE-APP-DIR";

/// A fresh `<tmp>/forge-assets-…/` with `secret.txt` in it and the fake build in `app/`:
/// every file's content names its variant, so a test sees which one was served.
fn fixture() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let root = std::env::temp_dir().join(format!(
        "forge-assets-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let app = root.join("app");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(root.join("secret.txt"), SECRET).unwrap();
    std::fs::write(root.join("secret.html"), SECRET).unwrap();
    let files: &[(&str, &str)] = &[
        ("index.html", "<!doctype html><title>RAW:index</title>"),
        ("index.html.br", "BR:index"),
        ("index.html.gz", "GZ:index"),
        (&WASM[1..], "RAW:wasm"),
        (&format!("{}.br", &WASM[1..]), "BR:wasm"),
        (&format!("{}.gz", &WASM[1..]), "GZ:wasm"),
        // Only a gzip sibling: a `br` client gets gzip.
        (&JS[1..], "RAW:js"),
        (&format!("{}.gz", &JS[1..]), "GZ:js"),
        // No sibling at all.
        (&CSS[1..], "RAW:css"),
        ("forge-boot.js", "RAW:boot"),
        ("forge-boot.js.br", "BR:boot"),
        ("forge-config.json", "{}"),
    ];
    for (name, body) in files {
        std::fs::write(app.join(name), body).unwrap();
    }
    app
}

async fn app_relay(mode: Mode, app: &Path) -> (Stub, Relay) {
    let stub = Stub::start().await;
    let dir = app.to_path_buf();
    let relay = relay(mode, &stub, |args| args.app_dir = Some(dir)).await;
    (stub, relay)
}

async fn get(relay: &Relay, path: &str, accept_encoding: Option<&str>) -> RawResponse {
    let mut req = RawRequest::new("GET", path);
    if let Some(ae) = accept_encoding {
        req = req.header("Accept-Encoding", ae);
    }
    relay.send(req).await
}

/// All values of a header, comma-joined, lower case.
fn all(res: &RawResponse, name: &str) -> String {
    res.headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

fn varies_on_encoding(res: &RawResponse) -> bool {
    all(res, "vary")
        .split(',')
        .any(|v| v.trim() == "accept-encoding")
}

/// The headers every app response keeps: the CSP and the rest of the security headers.
fn assert_app_security_headers(res: &RawResponse) {
    assert_eq!(
        res.header("content-security-policy"),
        Some(forge_relay::APP_CSP)
    );
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    assert_eq!(res.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(
        res.header("cross-origin-opener-policy"),
        Some("same-origin")
    );
}

#[tokio::test]
async fn hashed_wasm_is_served_by_accept_encoding_and_cached_for_a_year() {
    let app = fixture();
    let (_stub, relay) = app_relay(Mode::Serve, &app).await;
    for (accept, encoding, body) in [
        (Some("gzip, deflate, br, zstd"), Some("br"), "BR:wasm"),
        (Some("br"), Some("br"), "BR:wasm"),
        (Some("gzip"), Some("gzip"), "GZ:wasm"),
        (Some("br;q=0, gzip"), Some("gzip"), "GZ:wasm"),
        (Some("gzip;q=0.5, br;q=0.4"), Some("gzip"), "GZ:wasm"),
        (Some("identity"), None, "RAW:wasm"),
        (Some("deflate"), None, "RAW:wasm"),
        (None, None, "RAW:wasm"),
    ] {
        let res = get(&relay, WASM, accept).await;
        let what = format!("Accept-Encoding {accept:?}");
        assert_eq!(res.status, 200, "{what}");
        assert_eq!(res.body, body, "{what}");
        assert_eq!(res.header("content-encoding"), encoding, "{what}");
        assert_eq!(
            res.header("content-length"),
            Some(body.len().to_string().as_str()),
            "{what}"
        );
        assert_eq!(
            res.header("content-type"),
            Some("application/wasm"),
            "{what}"
        );
        assert!(varies_on_encoding(&res), "{what}: {:?}", res.headers);
        assert_eq!(res.header("cache-control"), Some(IMMUTABLE), "{what}");
        assert_app_security_headers(&res);
    }
}

#[tokio::test]
async fn a_missing_sibling_falls_back_to_the_next_encoding() {
    let app = fixture();
    let (_stub, relay) = app_relay(Mode::Serve, &app).await;
    // Only `.gz` beside the JS.
    let res = get(&relay, JS, Some("br, gzip")).await;
    assert_eq!((res.status, res.body.as_str()), (200, "GZ:js"));
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    assert!(res
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/javascript")));
    let res = get(&relay, JS, Some("br")).await;
    assert_eq!((res.status, res.body.as_str()), (200, "RAW:js"));
    assert_eq!(res.header("content-encoding"), None);
    // No sibling at all: the file itself, still hashed, still varying.
    let res = get(&relay, CSS, Some("br, gzip")).await;
    assert_eq!((res.status, res.body.as_str()), (200, "RAW:css"));
    assert_eq!(res.header("content-encoding"), None);
    assert!(res
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/css")));
    assert!(varies_on_encoding(&res));
    for path in [JS, CSS] {
        let res = get(&relay, path, None).await;
        assert_eq!(res.header("cache-control"), Some(IMMUTABLE), "{path}");
    }
}

#[tokio::test]
async fn unhashed_files_are_revalidated() {
    let app = fixture();
    let (_stub, relay) = app_relay(Mode::Serve, &app).await;
    let res = get(&relay, "/forge-boot.js", Some("br")).await;
    assert_eq!((res.status, res.body.as_str()), (200, "BR:boot"));
    assert_eq!(res.header("content-encoding"), Some("br"));
    assert!(varies_on_encoding(&res));
    assert_eq!(res.header("cache-control"), Some("no-cache"));
    let res = get(&relay, "/forge-config.json", Some("br, gzip")).await;
    assert_eq!((res.status, res.body.as_str()), (200, "{}"));
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("cache-control"), Some("no-cache"));
    assert_app_security_headers(&res);
}

#[tokio::test]
async fn index_and_the_spa_fallback_are_no_cache() {
    let app = fixture();
    let (_stub, relay) = app_relay(Mode::Serve, &app).await;
    for path in [
        "/",
        "/index.html",
        "/actors",
        "/actors/moJRLRc85AitArpNN",
        "/actors/ana~my.crawler",
        "/settings?tab=token",
        "/guide/",
    ] {
        for (accept, body, encoding) in [
            (Some("br, gzip"), "BR:index", Some("br")),
            (Some("gzip"), "GZ:index", Some("gzip")),
            (None, "<!doctype html><title>RAW:index</title>", None),
        ] {
            let res = get(&relay, path, accept).await;
            let what = format!("{path} with {accept:?}");
            assert_eq!((res.status, res.body.as_str()), (200, body), "{what}");
            assert_eq!(res.header("content-encoding"), encoding, "{what}");
            assert!(res
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html")));
            assert_eq!(res.header("cache-control"), Some("no-cache"), "{what}");
            assert!(varies_on_encoding(&res), "{what}");
            assert_app_security_headers(&res);
        }
    }
}

#[tokio::test]
async fn a_missing_asset_is_a_404_never_a_cached_page() {
    let app = fixture();
    let (_stub, relay) = app_relay(Mode::Serve, &app).await;
    // An old build's hashed file, after a deploy: not the page, and certainly not for a year.
    for path in [
        "/forge-app-ffffffffffffffff_bg.wasm",
        "/forge-app-ffffffffffffffff.js",
        "/favicon.ico",
        "/missing.css",
    ] {
        let res = get(&relay, path, Some("br, gzip")).await;
        assert_eq!(res.status, 404, "{path}");
        assert!(!res.body.contains("index"), "{path}");
        assert_eq!(res.header("cache-control"), Some("no-cache"), "{path}");
    }
}

#[tokio::test]
async fn head_answers_the_headers_of_the_chosen_variant() {
    let app = fixture();
    let (_stub, relay) = app_relay(Mode::Serve, &app).await;
    for (accept, encoding, len) in [
        (Some("br"), Some("br"), "BR:wasm".len()),
        (Some("gzip"), Some("gzip"), "GZ:wasm".len()),
        (None, None, "RAW:wasm".len()),
    ] {
        let mut req = RawRequest::new("HEAD", WASM);
        if let Some(a) = accept {
            req = req.header("Accept-Encoding", a);
        }
        let res = relay.send(req).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.body, "", "HEAD has no body");
        assert_eq!(res.header("content-encoding"), encoding);
        assert_eq!(res.header("content-length"), Some(len.to_string().as_str()));
        assert_eq!(res.header("cache-control"), Some(IMMUTABLE));
        assert!(varies_on_encoding(&res));
    }
    let res = relay
        .send(RawRequest::new("HEAD", "/actors").header("Accept-Encoding", "br"))
        .await;
    assert_eq!((res.status, res.body.as_str()), (200, ""));
    assert_eq!(res.header("content-encoding"), Some("br"));
    assert_eq!(res.header("cache-control"), Some("no-cache"));
}

#[tokio::test]
async fn a_conditional_get_of_a_hashed_asset_keeps_its_headers() {
    let app = fixture();
    let (_stub, relay) = app_relay(Mode::Serve, &app).await;
    let first = get(&relay, WASM, Some("br")).await;
    let modified = first.header("last-modified").unwrap().to_string();
    let res = relay
        .send(
            RawRequest::new("GET", WASM)
                .header("Accept-Encoding", "br")
                .header("If-Modified-Since", modified),
        )
        .await;
    assert_eq!((res.status, res.body.as_str()), (304, ""));
    assert_eq!(res.header("cache-control"), Some(IMMUTABLE));
    assert!(varies_on_encoding(&res));
}

#[tokio::test]
async fn api_answers_stay_no_store_next_to_the_app() {
    let app = fixture();
    let (_stub, relay) = app_relay(Mode::Serve, &app).await;
    let res = relay
        .send(RawRequest::new("GET", "/api/apify/v2/actors?my=1").bearer())
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    // Not a precompressed file: gzipped on the fly only for a client that asks (this one did not).
    assert_eq!(res.header("content-encoding"), None);
    assert_eq!(res.header("content-security-policy"), None);
    // Refusals and unknown API paths: no-store, JSON, never the SPA page.
    for (method, path) in [
        ("GET", "/api/session"),
        ("GET", "/api/nothing-here"),
        ("GET", "/api/nothing-here.js"),
        ("GET", "/api"),
        ("POST", "/api/apify/v2/actors"),
    ] {
        let res = relay
            .send(
                RawRequest::new(method, path)
                    .client()
                    .header("Accept-Encoding", "br"),
            )
            .await;
        assert!(res.status >= 400, "{method} {path}: {}", res.status);
        assert_eq!(
            res.header("cache-control"),
            Some("no-store"),
            "{method} {path}"
        );
        assert!(!res.body.contains("index"), "{method} {path}: {}", res.body);
        assert_eq!(res.header("content-encoding"), None);
    }
    // The relay's own routes are not cached either.
    for path in ["/healthz", "/metrics"] {
        let res = get(&relay, path, None).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("cache-control"), Some("no-cache"), "{path}");
    }
}

#[tokio::test]
async fn only_get_and_head_reach_the_files() {
    let app = fixture();
    let (_stub, relay) = app_relay(Mode::Serve, &app).await;
    for method in ["POST", "PUT", "DELETE"] {
        for path in ["/", WASM, "/actors"] {
            let res = relay.send(RawRequest::new(method, path)).await;
            assert_eq!(res.status, 405, "{method} {path}");
            assert!(!res.body.contains("RAW:") && !res.body.contains("index"));
        }
    }
}

#[tokio::test]
async fn no_path_leaves_the_app_dir() {
    let app = fixture();
    let (_stub, relay) = app_relay(Mode::Serve, &app).await;
    let outside = app.parent().unwrap().join("secret.txt");
    let absolute = format!("/{}", outside.display());
    let targets = [
        "/../secret.txt",
        "/../secret.html",
        "/..",
        "/../",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.html",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/actors/..%2f..%2fsecret.txt",
        "/actors/../../secret.txt",
        "/..%5csecret.txt",
        "/.%2e/secret.txt",
        "/%252e%252e/secret.txt",
        "/secret.txt%00.js",
        absolute.as_str(),
        "//secret.txt",
    ];
    for target in targets {
        for accept in [None, Some("br, gzip")] {
            let res = get(&relay, target, accept).await;
            assert!(
                !res.body.contains(SECRET),
                "{target} escaped the app dir: {} {}",
                res.status,
                res.body
            );
            // Refused, not found, or the app's own page — nothing else.
            assert!(
                matches!(res.status, 400 | 404)
                    || (res.status == 200 && res.body.contains("index"))
                    || res.status == 307,
                "{target}: {} {:?}",
                res.status,
                res.body
            );
            if res.status == 200 {
                assert_eq!(res.header("cache-control"), Some("no-cache"), "{target}");
            }
        }
    }
    // The absolute form of an outside path is refused as a request target (HTTP/1).
    let res = get(&relay, &format!("http://evil.example{absolute}"), None).await;
    assert!(!res.body.contains(SECRET));
}

// ---------------------------------------------------------------------------------------------
// `trunk serve` (the dev loop): Trunk 0.21's proxy forwards every browser header, replaces
// `Host` with the backend's host *without its port* (`127.0.0.1`), and adds
// `X-Forwarded-Host: <page host>` and `X-Forwarded-Proto: http` unless a `[[proxy]]`
// `request_headers` entry with an empty value removes them — which Trunk.toml does.

const DEV_ORIGIN: &str = "http://127.0.0.1:8080";

/// A request as Trunk's proxy sends it to the relay for a page on 127.0.0.1:8080.
fn from_trunk<'a>(method: &'a str, target: &str) -> RawRequest<'a> {
    let mut req = RawRequest::new(method, target)
        .header("Host", "127.0.0.1")
        .header("Accept", "application/json")
        .header("Sec-Fetch-Site", "same-origin")
        .header("Sec-Fetch-Mode", "cors")
        .header("Referer", format!("{DEV_ORIGIN}/"))
        .client();
    if method != "GET" {
        req = req.header("Origin", DEV_ORIGIN);
    }
    req
}

/// What Trunk adds when Trunk.toml does not remove it.
fn with_trunk_forwarding(req: RawRequest<'_>) -> RawRequest<'_> {
    req.header("X-Forwarded-Host", "127.0.0.1:8080")
        .header("X-Forwarded-Proto", "http")
}

#[test]
fn trunk_toml_removes_the_forwarding_headers_trunk_adds() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Trunk.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    let proxy = toml
        .split("[[proxy]]")
        .nth(1)
        .expect("Trunk.toml has a [[proxy]] for /api");
    let line = proxy
        .lines()
        .find(|l| l.trim_start().starts_with("request_headers"))
        .expect("the /api [[proxy]] has request_headers")
        .to_ascii_lowercase()
        .replace(' ', "");
    for header in ["x-forwarded-host", "x-forwarded-proto"] {
        assert!(
            line.contains(&format!("\"{header}\"=\"\"")),
            "{header} must be removed (empty value) in Trunk.toml: {line}"
        );
    }
}

#[tokio::test]
async fn the_dev_proxy_request_is_served_by_a_demo_relay() {
    let stub = Stub::start().await;
    let relay = relay(Mode::Demo, &stub, |args| {
        args.allowed_origins = vec![DEV_ORIGIN.into()];
    })
    .await;
    let res = relay
        .send(from_trunk("GET", "/api/apify/v2/actors?my=1"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("\"items\""));
    let res = relay.send(from_trunk("GET", "/api/session")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    // An unsafe request from the dev page carries its Origin, which must be allowed.
    let res = relay.send(from_trunk("DELETE", "/api/session")).await;
    assert!(res.status < 400, "{} {}", res.status, res.body);
    // The same request from another origin is still refused.
    let res = relay
        .send(
            RawRequest::new("DELETE", "/api/session")
                .header("Host", "127.0.0.1")
                .header("Origin", "http://127.0.0.1:9999")
                .client(),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
}

#[tokio::test]
async fn trunk_forwarding_headers_are_still_refused_without_behind_proxy() {
    let stub = Stub::start().await;
    for mode in [Mode::Demo, Mode::Local, Mode::Serve] {
        let relay = relay(mode, &stub, |args| {
            args.allowed_origins = vec![DEV_ORIGIN.into()];
        })
        .await;
        let mut req = with_trunk_forwarding(from_trunk("GET", "/api/apify/v2/actors?my=1"));
        if mode == Mode::Serve {
            req = req.bearer();
        }
        let res = relay.send(req).await;
        assert_eq!(res.status, 400, "{mode:?}: {}", res.body);
        assert_eq!(res.error_type(), "forge-bad-request", "{mode:?}");
        assert!(
            res.body.contains("--behind-proxy"),
            "{mode:?}: {}",
            res.body
        );
        // Each header alone, too.
        for (name, value) in [
            ("X-Forwarded-Host", "127.0.0.1:8080"),
            ("X-Forwarded-Proto", "http"),
        ] {
            let res = relay
                .send(from_trunk("GET", "/api/session").header(name, value))
                .await;
            assert_eq!(res.status, 400, "{mode:?} {name}");
        }
    }
    assert_eq!(stub.count(), 0, "nothing went upstream");
    // The operator's switch still works: behind a proxy, the same request is served.
    let relay = relay(Mode::Serve, &stub, |args| args.behind_proxy = true).await;
    let res = relay
        .send(with_trunk_forwarding(RawRequest::new("GET", "/api/apify/v2/actors?my=1")).bearer())
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
}
