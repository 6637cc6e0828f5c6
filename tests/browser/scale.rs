//! A fleet at the scale Forge is for: the demo account with 200 Actors (about 54,000 runs).
//! The table completes through the account-wide lists, the stories are still told, and a
//! second visit reads only what changed — counted at the relay's `/metrics`.

use crate::dashboard::{attr, row_names, wait_css};
use crate::harness::{open, Relay, RequestCount};

/// Requests per route template, of the Apify routes.
fn apify(m: &[RequestCount], route: &str) -> u64 {
    m.iter().filter(|c| c.route == route).map(|c| c.n).sum()
}

#[tokio::test]
async fn two_hundred_actors_load_and_a_second_visit_reads_only_what_changed() {
    let page = open(Relay::DemoWith(&["--actors", "200"]), "scale").await;
    page.goto("/").await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 300).await;
    assert_eq!(row_names(&page).await.len(), 200);

    let m = page.request_counts().await;
    let throttled: u64 = m
        .iter()
        .filter(|c| c.route.starts_with("/v2/") && c.status == "429")
        .map(|c| c.n)
        .sum();
    let lists = [
        "/v2/actors",
        "/v2/actor-runs",
        "/v2/datasets",
        "/v2/actor-builds",
    ]
    .map(|r| apify(&m, r));
    let details = apify(&m, "/v2/actors/{actorId}");
    let samples = apify(&m, "/v2/actor-runs/{runId}");
    println!(
        "MEASURE 200 Actors: list pages {lists:?}, {details} Actor details, {samples} run \
         details, 429s {throttled}; first table after {} ms, loaded after {} ms (app clock)",
        attr(&page, "#fleet", "data-first-rows-ms").await,
        attr(&page, "#fleet", "data-done-ms").await,
    );
    println!(
        "MEASURE 200 Actors: WebAssembly heap {} bytes once loaded",
        attr(&page, "#fleet", "data-heap-bytes").await
    );
    assert!(
        !page.exists("[data-filling]").await,
        "no column still filling when done"
    );
    assert_eq!(throttled, 0, "no 429 at the default limits");
    assert_eq!(lists[0], 1);
    assert!(
        lists[1] >= 50 && lists[2].abs_diff(lists[1]) <= 1,
        "{lists:?}"
    );
    assert_eq!(
        apify(&m, "/v2/actors/{actorId}/runs"),
        0,
        "no per-Actor run pages"
    );
    assert!(details <= 200 && samples <= 600, "{details} / {samples}");
    let total: u64 = lists.iter().sum::<u64>() + details + samples;
    assert!(total <= 1000, "{total} requests");

    // The stories of the demo fleet are still told at this size.
    for (bucket, name) in [
        ("fix-now", "flaky-scraper"),
        ("fix-now", "regressed-crawler"),
    ] {
        let css = format!("#plan [data-bucket=\"{bucket}\"] [data-name=\"{name}\"]");
        assert!(page.exists(&css).await, "{name} in {bucket}");
    }
    page.screenshot("scale-200").await;

    // A second visit: the last table at once, then one page of each list.
    page.goto("/").await;
    wait_css(&page, ".fleet-table tbody tr[data-state=\"ok\"]", 30).await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 120).await;
    let again = page.request_counts().await;
    let lists_again = [
        "/v2/actors",
        "/v2/actor-runs",
        "/v2/datasets",
        "/v2/actor-builds",
    ]
    .map(|r| apify(&again, r) - apify(&m, r));
    let details_again = apify(&again, "/v2/actors/{actorId}") - details;
    let samples_again = apify(&again, "/v2/actor-runs/{runId}") - samples;
    println!(
        "MEASURE 200 Actors, second visit: list pages {lists_again:?}, {details_again} Actor \
         details, {samples_again} run details"
    );
    assert_eq!(lists_again, [1, 1, 1, 1]);
    assert!(
        details_again + samples_again < 20,
        "{details_again} / {samples_again}"
    );
    page.assert_no_console_errors().await;
    page.finish().await;
}
