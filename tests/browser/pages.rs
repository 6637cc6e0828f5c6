//! Every page renders under the relay's strict CSP with no console errors (screenshots of each).

use crate::harness::{open, Relay};

#[tokio::test]
async fn every_page_renders_without_console_errors() {
    let page = open(Relay::Demo, "pages").await;
    // The relay sends the strict policy with the app.
    let res = reqwest::get(page.url("/")).await.expect("GET /");
    let csp = res
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "CSP: {csp:?}"
    );
    let html = res.text().await.expect("index.html");
    assert!(
        !html.contains("<script>") && !html.contains("<script type=\"module\">"),
        "index.html has an inline script:\n{html}"
    );

    page.goto("/").await;
    page.wait_for_text("#connection", "forge-demo").await;
    page.find(".fleet-table tbody tr a").await;
    page.find("#scope-glance").await;
    page.screenshot("dashboard").await;
    page.assert_no_console_errors().await;

    // Rows are redrawn while the fleet loads: click once it is complete.
    page.find("#fleet[data-phase=\"done\"]").await;
    page.click(".fleet-table tbody tr a").await;
    page.find(".facts").await;
    page.wait_for_text(".breadcrumbs", "Actors").await;
    page.screenshot("actor").await;

    page.goto("/actors").await;
    page.find("#actor-filter").await;
    page.find(".actors-table tbody tr").await;
    page.screenshot("actors").await;

    page.goto("/settings").await;
    page.find("#scope-check .scope-check").await;
    page.screenshot("settings").await;

    page.goto("/guide").await;
    let guide = page.wait_for_text("main", "Limit token permissions").await;
    for needle in [
        "Actors: Read, Run, List runs",
        "Storages: Read, Write",
        "Key-value stores: Read, Write",
        "What Forge never does",
        "How your token is protected",
    ] {
        assert!(guide.contains(needle), "the guide lacks {needle:?}");
    }
    page.screenshot("guide").await;

    page.goto("/no-such-page").await;
    page.wait_for_text("main", "Page not found").await;

    page.finish().await;
}
