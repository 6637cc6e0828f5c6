use super::*;
use proptest::prelude::*;

fn ok(method: &str, path: &str, query: Option<&str>) -> AllowedRequest {
    match_request(method, path, query)
        .unwrap_or_else(|r| panic!("{method} {path}?{query:?} refused: {r:?}"))
}

fn refused(method: &str, path: &str, query: Option<&str>) -> Refusal {
    match match_request(method, path, query) {
        Ok(a) => panic!(
            "{method} {path}?{query:?} was allowed as {}",
            a.path_and_query()
        ),
        Err(r) => r,
    }
}

/// One concrete example per row: (method, raw path, raw query, expected upstream path+query).
const EVERY_ROUTE: &[(&str, &str, Option<&str>, &str)] = &[
    (
        "GET",
        "/v2/actors",
        Some("my=1&limit=10"),
        "/v2/actors?my=1&limit=10",
    ),
    ("GET", "/v2/actors/abc123", None, "/v2/actors/abc123"),
    (
        "POST",
        "/v2/actors/ana~my-actor/runs",
        Some("memory=1024&timeout=60"),
        "/v2/actors/ana~my-actor/runs?memory=1024&timeout=60",
    ),
    (
        "GET",
        "/v2/actors/abc123/runs",
        Some("status=SUCCEEDED,FAILED&desc=1"),
        "/v2/actors/abc123/runs?status=SUCCEEDED%2CFAILED&desc=1",
    ),
    (
        "GET",
        "/v2/actors/abc123/runs/last",
        Some("status=SUCCEEDED"),
        "/v2/actors/abc123/runs/last?status=SUCCEEDED",
    ),
    (
        "GET",
        "/v2/actor-runs",
        Some("offset=0&limit=1000"),
        "/v2/actor-runs?offset=0&limit=1000",
    ),
    (
        "GET",
        "/v2/actor-runs/RUN1",
        Some("waitForFinish=600"),
        "/v2/actor-runs/RUN1?waitForFinish=60",
    ),
    (
        "GET",
        "/v2/actors/abc123/builds",
        Some("desc=true"),
        "/v2/actors/abc123/builds?desc=1",
    ),
    ("GET", "/v2/actor-builds", None, "/v2/actor-builds"),
    ("GET", "/v2/actor-builds/B1", None, "/v2/actor-builds/B1"),
    (
        "GET",
        "/v2/datasets",
        Some("unnamed=1&ownership=ownedByMe"),
        "/v2/datasets?unnamed=1&ownership=ownedByMe",
    ),
    ("GET", "/v2/datasets/DS1", None, "/v2/datasets/DS1"),
    (
        "GET",
        "/v2/datasets/user~catalog/statistics",
        None,
        "/v2/datasets/user~catalog/statistics",
    ),
    (
        "GET",
        "/v2/key-value-stores",
        Some("offset=5"),
        "/v2/key-value-stores?offset=5",
    ),
    (
        "GET",
        "/v2/key-value-stores/~forge-trends",
        None,
        "/v2/key-value-stores/~forge-trends",
    ),
    (
        "GET",
        "/v2/key-value-stores/S1/keys",
        Some("exclusiveStartKey=a&limit=2&prefix=snap"),
        "/v2/key-value-stores/S1/keys?exclusiveStartKey=a&limit=2&prefix=snap",
    ),
    (
        "GET",
        "/v2/key-value-stores/S1/records/SIGNALS",
        Some("attachment=true"),
        "/v2/key-value-stores/S1/records/SIGNALS?attachment=1",
    ),
    (
        "GET",
        "/v2/key-value-stores/~forge-trends/records/snapshot-index",
        None,
        "/v2/key-value-stores/~forge-trends/records/snapshot-index",
    ),
    (
        "POST",
        "/v2/key-value-stores",
        Some("name=forge-trends"),
        "/v2/key-value-stores?name=forge-trends",
    ),
    (
        "PUT",
        "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W48",
        None,
        "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W48",
    ),
];

#[test]
fn every_row_has_an_example_and_every_example_is_allowed_exactly() {
    assert_eq!(EVERY_ROUTE.len(), ALLOW_LIST.len());
    let mut seen = std::collections::HashSet::new();
    for (method, path, query, want) in EVERY_ROUTE {
        let a = ok(method, path, *query);
        assert_eq!(a.path_and_query(), *want);
        assert_eq!(a.method().as_str(), *method);
        seen.insert((a.route().method, a.route().template));
    }
    assert_eq!(
        seen.len(),
        ALLOW_LIST.len(),
        "each example hits a different row"
    );
}

/// (method, template) of the rows whose path another row allows with another method.
const SHARED_PATHS: &[(&str, &str)] = &[
    ("GET", "/v2/actors/{actorId}/runs"),
    ("POST", "/v2/actors/{actorId}/runs"),
    ("GET", "/v2/key-value-stores"),
    ("POST", "/v2/key-value-stores"),
    ("GET", "/v2/key-value-stores/~forge-trends/records/{key}"),
    ("PUT", "/v2/key-value-stores/~forge-trends/records/{key}"),
];

#[test]
fn every_other_method_on_every_allowed_path_is_refused() {
    for (method, path, _, _) in EVERY_ROUTE {
        for other in [
            "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "get",
            "FOO",
        ] {
            if other == *method {
                continue;
            }
            // Only the rows named here share a path with another method; a new method on an
            // allowed path fails this test until it is added here too, on review.
            if let Ok(a) = match_request(other, path, None) {
                let pair = (other, a.route().template);
                assert!(SHARED_PATHS.contains(&pair), "{other} {path} allowed");
                continue;
            }
            let r = refused(other, path, None);
            assert!(
                matches!(
                    r,
                    Refusal::MethodNotAllowed { .. }
                        | Refusal::WriteOutsideForgeStore
                        | Refusal::MissingQueryKey(_)
                ),
                "{other} {path}: {r:?}"
            );
        }
    }
}

#[test]
fn legacy_acts_alias_is_forwarded_canonically() {
    let a = ok("GET", "/v2/acts/ana~crawler/runs", Some("limit=5"));
    assert_eq!(a.path_and_query(), "/v2/actors/ana~crawler/runs?limit=5");
    assert_eq!(ok("GET", "/v2/acts", None).path(), "/v2/actors");
    assert_eq!(
        ok("POST", "/v2/acts/X1/runs", None).path(),
        "/v2/actors/X1/runs"
    );
}

#[test]
fn boundaries_of_paths() {
    for (path, want) in [
        ("/v2/actorsX", Refusal::UnknownRoute),
        ("/v2/actors/x/runsX", Refusal::UnknownRoute),
        ("/v2/actor-runs/R1/abort", Refusal::UnknownRoute),
        ("/v2/actor-runs/R1/dataset/items", Refusal::UnknownRoute),
        ("/v2/datasets/D1/items", Refusal::UnknownRoute),
        // Statistics are read by dataset id only: the run-relative forms are not rows.
        ("/v2/datasets/D1/statistics/x", Refusal::UnknownRoute),
        ("/v2/datasets/D1/statisticsX", Refusal::UnknownRoute),
        (
            "/v2/actor-runs/R1/dataset/statistics",
            Refusal::UnknownRoute,
        ),
        (
            "/v2/actors/x/runs/last/dataset/statistics",
            Refusal::UnknownRoute,
        ),
        (
            "/v2/actor-tasks/t/runs/last/dataset/statistics",
            Refusal::UnknownRoute,
        ),
        ("/V2/actors", Refusal::UnknownRoute),
        ("/v2/Actors", Refusal::UnknownRoute),
        ("/v3/actors", Refusal::UnknownRoute),
        ("/v2", Refusal::UnknownRoute),
        ("/", Refusal::BadPath(PathProblem::EmptySegment)),
        ("", Refusal::BadPath(PathProblem::NotAbsolute)),
        ("v2/actors", Refusal::BadPath(PathProblem::NotAbsolute)),
        ("/v2/actors/", Refusal::BadPath(PathProblem::EmptySegment)),
        ("//v2/actors", Refusal::BadPath(PathProblem::EmptySegment)),
        ("/v2//actors", Refusal::BadPath(PathProblem::EmptySegment)),
        (
            "/v2/actors/../users/me",
            Refusal::BadPath(PathProblem::DotSegment),
        ),
        ("/v2/actors/./x", Refusal::BadPath(PathProblem::DotSegment)),
        (
            "/v2/actors/%2e%2e/users/me",
            Refusal::BadPath(PathProblem::PercentEncoding),
        ),
        (
            "/v2/actors/a%2Fb",
            Refusal::BadPath(PathProblem::PercentEncoding),
        ),
        (
            "/v2/actors\\..\\users",
            Refusal::BadPath(PathProblem::Backslash),
        ),
        ("/v2/actors;x=1", Refusal::BadPath(PathProblem::Semicolon)),
        ("/v2/actors#frag", Refusal::BadPath(PathProblem::Fragment)),
        (
            "/v2/actors/a b",
            Refusal::BadPath(PathProblem::BadCharacter),
        ),
        (
            "/v2/actors/\u{0}",
            Refusal::BadPath(PathProblem::BadCharacter),
        ),
        ("/v2/actоrs", Refusal::BadPath(PathProblem::BadCharacter)), // Cyrillic о
        ("/v2/users/me", Refusal::UsersMe),
    ] {
        assert_eq!(refused("GET", path, None), want, "{path:?}");
    }
}

#[test]
fn parameter_shapes() {
    for bad in ["a~b~c", "~x", "x~", "a.b", "-~x", "ana~.hidden"] {
        assert!(
            matches!(
                refused("GET", &format!("/v2/actors/{bad}"), None),
                Refusal::BadSegment { .. }
            ),
            "{bad}"
        );
    }
    for bad in ["a~b", "~x", "a.b", "x-y"] {
        assert!(
            matches!(
                refused("GET", &format!("/v2/actor-runs/{bad}"), None),
                Refusal::BadSegment { .. }
            ),
            "{bad}"
        );
    }
    for good in ["~forge-trends", "ana~signals", "S1d2"] {
        ok("GET", &format!("/v2/key-value-stores/{good}"), None);
    }
    // Apify's record-key charset, only for the key segment.
    ok(
        "GET",
        "/v2/key-value-stores/~forge-trends/records/a!b'c(d)e_f.g-h",
        None,
    );
    assert!(matches!(
        refused("GET", "/v2/key-value-stores/S1(/records/SIGNALS", None),
        Refusal::BadSegment { .. }
    ));
    assert!(matches!(
        refused(
            "GET",
            "/v2/key-value-stores/~forge-trends/records/a~b",
            None
        ),
        Refusal::BadSegment { .. }
    ));
    let long = "k".repeat(257);
    assert_eq!(
        refused(
            "GET",
            &format!("/v2/key-value-stores/~forge-trends/records/{long}"),
            None
        ),
        Refusal::BadPath(PathProblem::BadCharacter)
    );
}

#[test]
fn record_reads_are_confined_to_signals_and_forge_trends() {
    for store in ["S1", "~forge-trends", "ana~store", "~other"] {
        ok(
            "GET",
            &format!("/v2/key-value-stores/{store}/records/SIGNALS"),
            None,
        );
    }
    for key in [
        "INPUT",
        "OUTPUT",
        "signals",
        "SIGNALS2",
        "CRAWLEE_STATE",
        "SDK_SESSION_POOL_STATE",
    ] {
        for store in ["S1", "~other", "ana~forge-trends"] {
            let path = format!("/v2/key-value-stores/{store}/records/{key}");
            assert_eq!(
                refused("GET", &path, None),
                Refusal::RecordNotRead,
                "{path}"
            );
            assert_eq!(
                refused("GET", &path.replacen("actors", "acts", 1), None),
                Refusal::RecordNotRead
            );
        }
        ok(
            "GET",
            &format!("/v2/key-value-stores/~forge-trends/records/{key}"),
            None,
        );
    }
    assert!(Refusal::RecordNotRead.to_string().contains("INPUT"));
    assert_eq!(
        refused("PUT", "/v2/key-value-stores/S1/records/SIGNALS", None),
        Refusal::WriteOutsideForgeStore
    );
}

#[test]
fn wait_for_finish_only_on_a_run_read_and_clamped() {
    assert_eq!(
        ok("GET", "/v2/actor-runs/R1", Some("waitForFinish=60")).wait_secs(),
        Some(60)
    );
    assert_eq!(
        ok("GET", "/v2/actor-runs/R1", Some("waitForFinish=99999")).wait_secs(),
        Some(60)
    );
    assert_eq!(
        ok("GET", "/v2/actor-runs/R1", Some("waitForFinish=0")).wait_secs(),
        Some(0)
    );
    assert_eq!(ok("GET", "/v2/actor-runs/R1", None).wait_secs(), None);
    for bad in ["-1", "1.5", "", "x", "1e3"] {
        assert_eq!(
            refused(
                "GET",
                "/v2/actor-runs/R1",
                Some(&format!("waitForFinish={bad}"))
            ),
            Refusal::BadQueryValue("waitForFinish"),
            "{bad}"
        );
    }
    assert_eq!(
        refused("GET", "/v2/actor-runs/R1", Some("WaitForFinish=5")),
        Refusal::DangerousQueryKey("waitForFinish")
    );
    for (method, path) in [
        ("POST", "/v2/actors/X1/runs"),
        ("GET", "/v2/actors/X1/runs/last"),
        ("GET", "/v2/actor-runs"),
        ("GET", "/v2/actor-builds/B1"),
    ] {
        assert_eq!(
            refused(method, path, Some("waitForFinish=5")),
            Refusal::DangerousQueryKey("waitForFinish"),
            "{method} {path}"
        );
    }
}

#[test]
fn every_run_origin_of_the_openapi_file_is_accepted() {
    for origin in [
        "DEVELOPMENT",
        "WEB",
        "API",
        "SCHEDULER",
        "TEST",
        "WEBHOOK",
        "ACTOR",
        "CLI",
        "STANDBY",
        "CI",
        "MCP",
    ] {
        ok(
            "GET",
            "/v2/actors/X1/runs/last",
            Some(&format!("origin={origin}")),
        );
    }
}

#[test]
fn writes_are_confined_to_forge_trends() {
    assert_eq!(
        refused("PUT", "/v2/key-value-stores/other/records/x", None),
        Refusal::WriteOutsideForgeStore
    );
    assert_eq!(
        refused("PUT", "/v2/key-value-stores/~other/records/x", None),
        Refusal::WriteOutsideForgeStore
    );
    assert_eq!(
        refused("POST", "/v2/key-value-stores", Some("name=other")),
        Refusal::WriteOutsideForgeStore
    );
    assert_eq!(
        refused("POST", "/v2/key-value-stores", None),
        Refusal::MissingQueryKey("name")
    );
    assert_eq!(
        refused(
            "POST",
            "/v2/key-value-stores",
            Some("name=forge-trends&name=forge-trends")
        ),
        Refusal::RepeatedQueryKey("name")
    );
    assert!(matches!(
        refused(
            "DELETE",
            "/v2/key-value-stores/~forge-trends/records/x",
            None
        ),
        Refusal::MethodNotAllowed { .. }
    ));
    assert!(matches!(
        refused("DELETE", "/v2/key-value-stores/~forge-trends", None),
        Refusal::MethodNotAllowed { .. }
    ));
    assert!(matches!(
        refused("PUT", "/v2/key-value-stores/~forge-trends", None),
        Refusal::MethodNotAllowed { .. }
    ));
}

#[test]
fn query_rules() {
    for key in [
        "method",
        "token",
        "webhooks",
        "forcePermissionLevel",
        "waitForFinish",
        "TOKEN",
        "Method",
    ] {
        let r = refused("POST", "/v2/actors/X1/runs", Some(&format!("{key}=1")));
        assert!(matches!(r, Refusal::DangerousQueryKey(_)), "{key}: {r:?}");
    }
    assert_eq!(
        refused("GET", "/v2/actors", Some("limit=1&limit=2")),
        Refusal::RepeatedQueryKey("limit")
    );
    assert!(matches!(
        refused("GET", "/v2/actors", Some("status=FAILED")),
        Refusal::ForbiddenQueryKey { .. }
    ));
    assert!(matches!(
        refused("GET", "/v2/actors/X1", Some("limit=1")),
        Refusal::ForbiddenQueryKey { .. }
    ));
    for q in [
        "&",
        "limit=1&",
        "=1",
        "li%6Dit=1",
        "lim-it=1",
        "limit=%zz",
        "limit=%4",
        "a b=1",
    ] {
        assert_eq!(
            refused("GET", "/v2/actors", Some(q)),
            Refusal::MalformedQuery,
            "{q}"
        );
    }
    for q in [
        "limit=-1",
        "limit=1e3",
        "limit=",
        "limit",
        "desc=yes",
        "sortBy=name",
        "offset=0x10",
    ] {
        assert!(
            matches!(
                refused("GET", "/v2/actors", Some(q)),
                Refusal::BadQueryValue(_)
            ),
            "{q}"
        );
    }
    assert_eq!(
        ok("GET", "/v2/actors", Some("limit=99999")).path_and_query(),
        "/v2/actors?limit=1000"
    );
    assert_eq!(
        ok("GET", "/v2/actors", Some("")).path_and_query(),
        "/v2/actors"
    );
    let a = ok(
        "GET",
        "/v2/actor-runs",
        Some("startedAfter=2026-11-01T00%3A00%3A00.000Z&status=FAILED"),
    );
    assert_eq!(
        a.query()[0],
        ("startedAfter", "2026-11-01T00:00:00.000Z".to_string())
    );
    assert_eq!(
        a.query_string(),
        "startedAfter=2026-11-01T00%3A00%3A00.000Z&status=FAILED"
    );
    assert!(matches!(
        refused("GET", "/v2/actor-runs", Some("status=FAILED,NOPE")),
        Refusal::BadQueryValue(_)
    ));
    assert!(matches!(
        refused("GET", "/v2/actor-runs", Some("startedAfter=yesterday")),
        Refusal::BadQueryValue(_)
    ));
    assert!(matches!(
        refused("POST", "/v2/actors/X1/runs", Some("maxTotalChargeUsd=1.")),
        Refusal::BadQueryValue(_)
    ));
    ok(
        "POST",
        "/v2/actors/X1/runs",
        Some("maxTotalChargeUsd=2.50&build=0.1.7&maxItems=10"),
    );
}

#[test]
fn refusal_messages_never_echo_secrets() {
    let token = "apify_api_abcdefghijklmnopqrstuvwxyz0123456789";
    for (m, p, q) in [
        ("GET", format!("/v2/{token}"), None),
        (
            "GET",
            "/v2/actors".to_string(),
            Some(format!("token={token}")),
        ),
        ("GET", "/v2/actors".to_string(), Some(format!("x={token}"))),
        (
            "GET",
            "/v2/actors".to_string(),
            Some(format!("{}=1", &token[10..])),
        ),
        (
            "GET",
            "/v2/actors".to_string(),
            Some(format!("limit={token}")),
        ),
        (token, "/v2/actors".to_string(), None),
    ] {
        let r = refused(m, &p, q.as_deref());
        let msg = r.to_string();
        assert!(!msg.contains(&token[10..20]), "{msg}");
    }
}

#[test]
fn refusal_codes_are_distinct_per_variant() {
    let samples = [
        refused("GET", "/v2/nope", None),
        refused("GET", "/v2/users/me", None),
        refused("DELETE", "/v2/actors", None),
        refused("PUT", "/v2/key-value-stores/x/records/y", None),
        refused("GET", "/v2/actors/..", None),
        refused("GET", "/v2/actor-runs/a~b", None),
        refused("GET", "/v2/actors", Some("token=x")),
        refused("GET", "/v2/actors", Some("foo=1")),
        refused("GET", "/v2/actors", Some("limit=1&limit=1")),
        refused("POST", "/v2/key-value-stores", None),
        refused("GET", "/v2/actors", Some("limit=x")),
        refused("GET", "/v2/actors", Some("&")),
    ];
    let codes: std::collections::HashSet<_> = samples.iter().map(Refusal::code).collect();
    assert_eq!(codes.len(), samples.len());
}

fn template_segments_match(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
}

fn check_allowed_shape(a: &AllowedRequest) {
    assert!(
        template_segments_match(a.route().template, a.path()),
        "{} vs {}",
        a.path(),
        a.route().template
    );
    for seg in a.path().split('/').skip(1) {
        assert!(!seg.is_empty() && seg != "." && seg != "..");
        assert!(seg.bytes().all(is_path_byte), "{seg}");
    }
    let qs = a.query_string();
    assert!(
        qs.bytes()
            .all(|b| is_id_byte(b) || b == b'%' || b == b'=' || b == b'&'),
        "{qs}"
    );
    for (k, _) in a.query() {
        assert!(a.route().query.contains(k));
        assert!(!DANGEROUS_QUERY_KEYS.contains(k) || *k == "waitForFinish");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// For arbitrary strings the matcher either refuses or yields a path made only of the
    /// template and charset-valid segments.
    #[test]
    fn arbitrary_input_is_refused_or_canonical(
        method in prop_oneof![Just("GET".to_string()), Just("POST".to_string()), Just("PUT".to_string()), ".{0,8}"],
        path in ".{0,80}",
        query in proptest::option::of(".{0,60}"),
    ) {
        if let Ok(a) = match_request(&method, &path, query.as_deref()) {
            check_allowed_shape(&a);
        }
    }

    /// Paths built from allow-list vocabulary and hostile fragments: far more of them get close
    /// to a real route than uniformly random strings do.
    #[test]
    fn near_miss_paths_are_refused_or_canonical(
        method in prop::sample::select(vec!["GET", "POST", "PUT", "DELETE"]),
        parts in prop::collection::vec(prop::sample::select(vec![
            "v2", "actors", "acts", "actor-runs", "actor-builds", "datasets", "key-value-stores",
            "runs", "last", "builds", "keys", "records", "~forge-trends", "users", "me", "items",
            "X1", "ana~crawler", "~x", "..", ".", "", "%2e", "%2F", "a;b", "a\\b", "SIGNALS", "webhooks",
        ]), 1..7),
        query in proptest::option::of(prop::collection::vec(prop::sample::select(vec![
            "limit=5", "limit=5000", "offset=1", "desc=1", "my=1", "status=FAILED", "name=forge-trends",
            "name=x", "token=t", "method=DELETE", "webhooks=W", "prefix=a", "memory=256", "x=1", "",
        ]), 0..4).prop_map(|v| v.join("&"))),
    ) {
        let path = format!("/{}", parts.join("/"));
        match match_request(method, &path, query.as_deref()) {
            Ok(a) => {
                check_allowed_shape(&a);
                prop_assert!(!path.contains(".."));
                prop_assert!(!query.as_deref().unwrap_or("").contains("token="));
                // A record route (by its template, not a substring: `records` is also a valid
                // Actor id) reads SIGNALS or Forge's own store, and writes only the latter.
                let record_route = a.route().template.contains("/records/");
                let own_store = a.path().contains("/~forge-trends/");
                prop_assert!(!(record_route && a.method() != Method::Get && !own_store));
                prop_assert!(!record_route || a.path().ends_with("/SIGNALS") || own_store);
            }
            Err(r) => prop_assert!(!r.to_string().is_empty()),
        }
    }
}
