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

    // An Actor by its name alone is the account's own; an unknown one gets its own page.
    page.goto("/actors/flaky-scraper").await;
    page.find(".facts").await;
    page.wait_for_text(".breadcrumbs", "flaky-scraper").await;
    page.find(".run-row").await;
    page.goto("/actors/no-such-actor").await;
    page.find("[data-missing-actor]").await;
    page.wait_for_text("main h1", "No Actor named no-such-actor")
        .await;
    page.assert_no_console_errors().await;

    page.finish().await;
}

/// The app's own navigation: a link changes the page without reloading it and marks the
/// current section, Back returns, a link to a section of another page scrolls to it once that
/// page shows it, and the skip link moves focus to the main content.
#[tokio::test]
async fn links_navigate_in_place_and_back_fragments_and_the_skip_link_work() {
    let page = open(Relay::Demo, "navigation").await;
    let js = |script: &'static str| page.js(script);
    page.goto("/").await;
    page.wait_for_text("#connection", "forge-demo").await;
    // A marker that a page load would wipe.
    js("window.__forgeSamePage = true; return null;").await;

    page.click(".main-nav a[href='/actors']").await;
    page.find(".actors-table tbody tr").await;
    let current = js(
        "return [...document.querySelectorAll('.main-nav a[aria-current=page]')].map(a => a.getAttribute('href'));",
    )
    .await;
    assert_eq!(
        current,
        serde_json::json!(["/actors"]),
        "only Actors is current"
    );
    assert_eq!(
        js("return window.__forgeSamePage === true;").await,
        serde_json::json!(true),
        "the link reloaded the page"
    );

    page.client.back().await.expect("Back");
    page.find(".fleet-table").await;
    assert_eq!(
        js("return location.pathname;").await,
        serde_json::json!("/")
    );

    // A link to a section of another page, as the dashboard's "See the scope check" (which the
    // demo's fully scoped token does not show); at 390 × 600 the scope check is more than a
    // screen down Settings.
    page.client
        .set_window_size(390, 600)
        .await
        .expect("a small window");
    page.goto("/guide").await;
    // The app has mounted (a fresh page load starts with only the boot text).
    page.wait_for_text("main", "Limit token permissions").await;
    js("window.__forgeSamePage = true; return null;").await;
    js("const a = document.createElement('a'); a.href = '/settings#scope-check'; a.id = 'to-scope'; a.textContent = 'scope'; document.querySelector('main').prepend(a); return null;").await;
    page.click("#to-scope").await;
    page.find("#scope-check .scope-check").await;
    page.wait_until("the scope check scrolled into view", || async {
        let top = js("const e = document.getElementById('scope-check'); return e ? Math.round(e.getBoundingClientRect().top) : -1;").await;
        let top = top.as_i64().unwrap_or(-1);
        (0..200).contains(&top)
    })
    .await;
    assert_eq!(
        js("return [window.__forgeSamePage === true, location.pathname + location.hash];").await,
        serde_json::json!([true, "/settings#scope-check"])
    );

    // The skip link is the first Tab stop and puts focus on <main>.
    page.goto("/").await;
    page.find(".skip-link").await;
    js("document.querySelector('.skip-link').focus(); return null;").await;
    page.press("\u{E007}").await; // Enter
    page.wait_until("focus on the main content", || async {
        js("return document.activeElement && document.activeElement.id;").await
            == serde_json::json!("main")
    })
    .await;
    page.finish().await;
}
