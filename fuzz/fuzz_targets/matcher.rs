//! The allow-list matcher (`forge_apify::match_request`) on arbitrary request lines.
//!
//! Input: one control byte, then the request target as (lossy) UTF-8.
//! - bits 0–1 of the control byte: `0` GET, `1` POST, `2` PUT, `3` the method is the input up to
//!   the first space (so `get`, `DELETE`, `PROPFIND`, … are fuzzed too);
//! - bit 3: the path/query separator is `?` when clear (what an HTTP parser does: the path never
//!   holds a `?`) and `\n` when set (so a `?` inside the raw path is fuzzed too).
//!
//! No separator means no query (`None`); a separator at the end means an empty one (`Some("")`).
//! Seeds are readable: `@` = GET, `A` = POST, `B` = PUT, `C` = own method; e.g. `@/v2/actors?my=1`.
//!
//! On `Ok` every property of an [`AllowedRequest`] that the relay relies on is asserted; on `Err`
//! the refusal's message may echo only a short alphabetic method or query key.
#![no_main]

use forge_apify::allow::{
    Method, ALLOW_LIST, DANGEROUS_QUERY_KEYS, FORGE_STORE_NAME, MAX_LIMIT,
    MAX_WAIT_FOR_FINISH_SECS, SIGNALS_KEY,
};
use forge_apify::{match_request, AllowedRequest, Refusal};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (method, target) = match control & 3 {
        0 => ("GET", &*text),
        1 => ("POST", &*text),
        2 => ("PUT", &*text),
        _ => text.split_once(' ').unwrap_or((&*text, "")),
    };
    let separator = if control & 8 == 0 { '?' } else { '\n' };
    let (path, query) = match target.split_once(separator) {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    match match_request(method, path, query) {
        Ok(allowed) => check_allowed(method, path, &allowed),
        Err(refusal) => check_refusal(method, &refusal),
    }
});

const FORGE_RECORDS: &str = "/v2/key-value-stores/~forge-trends/records/";

fn check_allowed(method: &str, raw_path: &str, a: &AllowedRequest) {
    let route = a.route();
    assert_eq!(a.method().as_str(), method, "the method is matched exactly");
    assert_eq!(route.method, a.method());

    // The path: canonical, from the charset, and the raw path itself — never a normalisation of
    // it — except for the `/v2/acts` alias, which is forwarded as `/v2/actors`.
    let path = a.path();
    assert!(path.starts_with("/v2/"), "path outside /v2/");
    assert!(!path.contains('%'), "percent-encoding in the path");
    for segment in path[1..].split('/') {
        assert!(!segment.is_empty(), "empty segment");
        assert!(segment != "." && segment != "..", "dot segment");
        assert!(
            segment.bytes().all(is_path_byte),
            "a byte outside [A-Za-z0-9._~-!'()]"
        );
    }
    let canonical_raw = match raw_path.strip_prefix("/v2/acts") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("/v2/actors{rest}"),
        _ => raw_path.to_owned(),
    };
    assert_eq!(path, canonical_raw, "the path was normalised");
    assert_eq!(
        path.split('/').count(),
        route.template.split('/').count(),
        "segment count differs from the template"
    );
    assert!(path != "/v2/users/me" && !path.starts_with("/v2/users"));

    // The query: only the route's keys, each once, every required one, values clamped.
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in a.query() {
        assert!(
            route.query.contains(key),
            "query key not in the route's list"
        );
        assert!(!seen.contains(key), "repeated query key");
        seen.push(key);
        assert!(
            !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic()),
            "query value not printable ASCII"
        );
        match *key {
            "limit" => assert!(value.parse::<u64>().unwrap() <= MAX_LIMIT),
            "waitForFinish" => {
                assert_eq!(route.template, "/v2/actor-runs/{runId}");
                assert!(value.parse::<u64>().unwrap() <= MAX_WAIT_FOR_FINISH_SECS);
            }
            "name" => assert_eq!(value, FORGE_STORE_NAME),
            _ => {}
        }
        if *key != "waitForFinish" {
            assert!(
                !DANGEROUS_QUERY_KEYS
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(key)),
                "dangerous query key forwarded"
            );
        }
    }
    for required in route.required_query {
        assert!(seen.contains(required), "required query key missing");
    }
    let query_string = a.query_string();
    assert!(
        query_string
            .bytes()
            .all(|b| is_id_byte(b) || matches!(b, b'%' | b'&' | b'=')),
        "query string not encoded"
    );
    let expected = if a.query().is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query_string}")
    };
    assert_eq!(a.path_and_query(), expected);

    // Idempotence: what is forwarded matches again, to the very same request.
    let query = (!a.query().is_empty()).then_some(query_string.as_str());
    let again = match_request(a.method().as_str(), path, query)
        .expect("the forwarded request is itself allowed");
    assert_eq!(again.path(), path, "re-matching changed the path");
    assert_eq!(&again, a, "re-matching changed the request");

    // Records: writes only to Forge's store, reads only SIGNALS or Forge's store. A record path
    // is `/v2/key-value-stores/{store}/records/{key}`; `/records/` elsewhere (an actor named
    // `records`, say) is not one.
    let segments: Vec<&str> = path[1..].split('/').collect();
    let record_path =
        segments.len() >= 4 && segments[1] == "key-value-stores" && segments[3] == "records";
    assert_eq!(
        record_path,
        route.template.contains("/records/"),
        "a record path on a non-record route, or the reverse"
    );
    if record_path {
        assert_eq!(segments.len(), 5, "records at an odd depth");
        if a.method() == Method::Get {
            assert!(
                segments[4] == SIGNALS_KEY || path.starts_with(FORGE_RECORDS),
                "a record read outside SIGNALS and Forge's store"
            );
        } else {
            assert!(
                path.starts_with(FORGE_RECORDS),
                "a record write outside Forge's store"
            );
        }
    }
    // The same, literally (an actor id may be `records`, so only under key-value-stores).
    if a.method() != Method::Get
        && path.starts_with("/v2/key-value-stores/")
        && path.contains("/records/")
    {
        assert!(
            path.starts_with(FORGE_RECORDS),
            "a non-GET /records/ path outside Forge's store"
        );
    }
    match a.method() {
        Method::Get => {}
        Method::Put => assert!(path.starts_with(FORGE_RECORDS), "PUT outside Forge's store"),
        Method::Post => {
            let run = path.starts_with("/v2/actors/") && path.ends_with("/runs");
            let create = path == "/v2/key-value-stores"
                && a.query()
                    .iter()
                    .any(|(k, v)| *k == "name" && v == FORGE_STORE_NAME);
            assert!(run || create, "POST outside run start and store creation");
        }
    }
    assert!(ALLOW_LIST.contains(route), "a route outside the table");
}

/// A refusal's message is logged and sent to the client: it must not echo client input that
/// could be a secret. `Display` sees only the refusal's fields, and only two of them hold client
/// bytes (the method, a query key), so the check is differential: render the refusal again with
/// those fields neutral; whatever appears only in the real message was echoed, and may only be a
/// short alphabetic method (≤ 10) or query key (≤ 32).
fn check_refusal(method: &str, refusal: &Refusal) {
    let message = refusal.to_string();
    assert!(!refusal.code().is_empty());
    assert!(
        !message.contains('\n') && !message.contains('\r'),
        "multi-line refusal"
    );
    let mut neutral = refusal.clone();
    let echoed = match &mut neutral {
        Refusal::MethodNotAllowed { method: m, .. } => {
            assert_eq!(m, method, "the refusal names another method");
            Some((std::mem::replace(m, "X".into()), 10))
        }
        Refusal::ForbiddenQueryKey { key: Some(k), .. } => {
            Some((std::mem::replace(k, "x".into()), 32))
        }
        _ => None,
    };
    if let Some((input, max_len)) = echoed {
        let neutral_message = neutral.to_string();
        if !input.is_empty() && message.contains(&input) && !neutral_message.contains(&input) {
            assert!(
                input.len() <= max_len && input.bytes().all(|b| b.is_ascii_alphabetic()),
                "the refusal message echoes client input ({})",
                refusal.code()
            );
        }
    }
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-')
}

fn is_path_byte(b: u8) -> bool {
    is_id_byte(b) || matches!(b, b'!' | b'\'' | b'(' | b')')
}
