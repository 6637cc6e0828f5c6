//! The Actor page's runs as an operator reads them: filtered by status with a count on each
//! filter, 25 per page with Newer and Older, each start in local time with UTC in its title,
//! and every run, failure group and build linked or dated — runs and logs open in Apify
//! Console, where aborting and reading logs happen.

use crate::dashboard::wait_css;
use crate::harness::{open, Relay};
use serde_json::json;

#[tokio::test]
async fn the_actor_page_filters_pages_and_links_its_runs() {
    let page = open(Relay::Demo, "actor-runs").await;
    page.goto("/actors/flaky-scraper").await;
    wait_css(&page, "#runs .runs-table tbody tr", 120).await;
    page.screenshot("actor-runs").await;

    // Every filter counts its runs; the specific ones add up to All.
    let counts: Vec<(String, u64)> = serde_json::from_value(page.js(
        "return [...document.querySelectorAll('#runs button[data-filter]')].map(b => [b.dataset.filter, +b.textContent.match(/\\d+$/)[0]]);",
    ).await)
    .unwrap();
    assert_eq!(counts.len(), 5, "{counts:?}");
    assert_eq!(counts[0].0, "all");
    let specific: u64 = counts[1..].iter().map(|c| c.1).sum();
    assert_eq!(specific, counts[0].1, "{counts:?}");
    let failures = counts[1].1;
    assert!(failures > 25, "flaky-scraper fails often: {counts:?}");

    // A page of 25, newest first, each start in local words with UTC in its title and links
    // to the run, its log and its results.
    let rows = page
        .js("return document.querySelectorAll('#runs tbody tr').length;")
        .await;
    assert_eq!(rows, json!(25));
    let started = page
        .text("#runs tbody tr:first-child td:nth-child(2)")
        .await;
    assert!(
        started.starts_with("today ") || started.starts_with("yesterday "),
        "{started}"
    );
    let title = page
        .js("return document.querySelector('#runs tbody tr:first-child td:nth-child(2)').title;")
        .await;
    assert!(
        title
            .as_str()
            .is_some_and(|t| t.starts_with("20") && t.ends_with("Z UTC")),
        "{title}"
    );
    let links: Vec<String> = serde_json::from_value(page.js(
        "return [...document.querySelectorAll('#runs tbody tr:first-child .run-links a')].map(a => a.href);",
    ).await)
    .unwrap();
    let run_id = page
        .js("return document.querySelector('#runs tbody tr:first-child').dataset.run;")
        .await;
    let run_id = run_id.as_str().unwrap();
    assert_eq!(links.len(), 3, "{links:?}");
    assert!(
        links[0].starts_with("https://console.apify.com/actors/")
            && links[0].ends_with(&format!("/runs/{run_id}")),
        "{links:?}"
    );
    assert!(
        links[1].ends_with(&format!("/runs/{run_id}#log")),
        "{links:?}"
    );
    assert!(
        links[2].starts_with("https://console.apify.com/storage/datasets/"),
        "{links:?}"
    );
    assert!(page.disabled("#runs-newer").await && !page.disabled("#runs-older").await);

    // Only failures, then their second page.
    page.click("#runs button[data-filter=\"failures\"]").await;
    page.wait_for_text("#runs-page", &format!("of {failures} · page 1 of"))
        .await;
    let statuses = page.js("return [...new Set([...document.querySelectorAll('#runs tbody tr')].map(r => r.dataset.status))].sort();").await;
    assert!(
        statuses
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s == "FAILED" || s == "TIMED-OUT"),
        "{statuses}"
    );
    page.click("#runs-older").await;
    page.wait_for_text("#runs-page", &format!("Runs 26–50 of {failures} · page 2"))
        .await;
    assert!(!page.disabled("#runs-newer").await);
    page.click("#runs-newer").await;
    page.wait_for_text("#runs-page", "Runs 1–25").await;

    // Failure groups link their newest run's log; builds carry the date they were built.
    let group_link = page
        .js("return document.querySelector('#failures li a').href;")
        .await;
    assert!(
        group_link.as_str().is_some_and(
            |h| h.starts_with("https://console.apify.com/actors/") && h.ends_with("#log")
        ),
        "{group_link}"
    );
    let built = page
        .text("#builds tbody tr:first-child td:nth-child(2)")
        .await;
    assert!(
        built.len() >= 10 && built.chars().last().is_some_and(|c| c.is_ascii_digit()),
        "a date such as 28 Nov 2026: {built}"
    );
    // The charts: the day's failure rate as a line, the builds released in the window marked
    // (flaky-scraper's newest, 0.1.17, is two weeks old), and the window's partial first and
    // last days shaded on both day charts.
    let charts: Vec<serde_json::Value> = serde_json::from_value(page.js(
        "return [document.querySelector('.chart-failure-rate').getAttribute('points').split(' ').length, [...document.querySelectorAll('.chart-release-label')].map(t => t.textContent), document.querySelectorAll('.chart-partial').length];",
    ).await)
    .unwrap();
    assert!(
        charts[0].as_u64().unwrap() > 20,
        "a point per day with runs: {charts:?}"
    );
    assert!(
        charts[1].as_array().unwrap().iter().any(|b| b == "0.1.17"),
        "{charts:?}"
    );
    assert_eq!(charts[2], json!(4), "{charts:?}");
    // A tap on a day (phones have no hover) reads its numbers out under the chart.
    let readout = ".chart:has(.chart-failure-rate) .chart-readout";
    assert!(page.text(readout).await.starts_with("Tap or point"));
    page.js("const hits = document.querySelectorAll('.chart:has(.chart-failure-rate) .chart-hit'); hits[hits.length - 2].dispatchEvent(new MouseEvent('click', {bubbles: true})); return hits.length;")
        .await;
    let day = page.wait_for_text(readout, " runs — ").await;
    assert!(day.contains("succeeded") || day.contains("failed"), "{day}");
    page.screenshot_at("#actor-analytics + section", "actor-charts")
        .await;
    page.screenshot("actor-failures-page-1").await;
    page.assert_no_console_errors().await;
    page.finish().await;
}

/// A release regression explained by what its build changed: regressed-crawler's 0.3.14
/// dropped the input field `maxPages`, read from the two builds' details (input schema,
/// dataset schema, memory default — never source or environment).
#[tokio::test]
async fn the_actor_page_says_what_a_regressed_build_changed() {
    let page = open(Relay::Demo, "actor-build-changes").await;
    page.goto("/actors/regressed-crawler").await;
    wait_css(&page, "#build-changes", 120).await;
    let note = page.text("#release-note").await;
    assert!(
        note.starts_with("regression:")
            && note.ends_with("0.3.14 removed the input field maxPages"),
        "{note}"
    );
    let code = page.text("#release-note code").await;
    assert_eq!(code, "maxPages");
    let changes = page.text("#build-changes").await;
    assert!(
        changes.contains("What 0.3.14 changed since 0.3.13")
            && changes.contains("Removed the input field maxPages"),
        "{changes}"
    );
    page.screenshot_at("#builds", "actor-build-changes").await;

    // The dashboard's attention strip gives the same reason.
    page.goto("/").await;
    let strip = page
        .wait_for_text("#attention", "which removed the input field maxPages")
        .await;
    assert!(
        strip.contains("regressed-crawler") || strip.contains("Regressed"),
        "{strip}"
    );
    page.finish().await;
}

/// Output quality per field: field-drift's newest build 0.6.11 leaves `price` null in about
/// 40 % of items (about 1 % before), read from Apify's dataset statistics; the fleet table
/// flags it and the plan puts it in Watch with the same sentence.
#[tokio::test]
async fn the_actor_page_shows_a_field_that_got_worse() {
    let page = open(Relay::Demo, "actor-field-drift").await;
    page.goto("/actors/field-drift").await;
    let drift = page.wait_for_text("#field-drift", "price null in ").await;
    assert!(drift.contains("of items since 0.6.11, was 1"), "{drift}");
    let row: serde_json::Value = page
        .js("const r = document.querySelector('#fields-table tr[data-field=price]'); return r && [r.dataset.drift, ...[...r.querySelectorAll('td')].map(t => t.textContent)];")
        .await;
    let row = row.as_array().cloned().unwrap_or_default();
    assert_eq!(row.first(), Some(&json!("true")), "{row:?}");
    let newest: f64 = row[1]
        .as_str()
        .unwrap_or("")
        .trim_end_matches('%')
        .parse()
        .unwrap_or(0.0);
    assert!((30.0..=50.0).contains(&newest), "{row:?}");
    let url: serde_json::Value = page
        .js("return document.querySelector('#fields-table tr[data-field=url]').dataset.drift;")
        .await;
    assert_eq!(url, json!("false"));
    let health = page.text("#actor-drivers").await;
    assert!(
        health.contains("−10 field drift: price null in"),
        "{health}"
    );
    page.screenshot_at("#fields", "actor-field-drift").await;

    // The fleet table flags it.
    page.goto("/").await;
    let flag = page
        .wait_for_text("[data-flag=field-drift]", "field drift: price")
        .await;
    assert_eq!(flag, "field drift: price");
    page.assert_no_console_errors().await;
    page.finish().await;
}

/// proxy-heavy's page says most of its cost is residential proxy (from the run details'
/// `usageUsd`), shows a row per kind, each build's cost per 1,000 results and where the month is
/// heading; the dashboard shows the fleet's split.
#[tokio::test]
async fn the_actor_page_shows_where_the_money_goes() {
    let page = open(Relay::Demo, "actor-cost-kinds").await;
    page.goto("/actors/proxy-heavy").await;
    let headline = page
        .wait_for_text("#cost-kinds .spend-headline", "Residential proxy is ")
        .await;
    assert!(
        headline.contains("of the cost (sampled from "),
        "{headline}"
    );
    let share: f64 = headline
        .trim_start_matches("Residential proxy is ")
        .split('%')
        .next()
        .unwrap_or("")
        .parse()
        .unwrap_or(0.0);
    assert!(share > 50.0, "{headline}");
    let kinds: serde_json::Value = page
        .js("return [...document.querySelectorAll('#cost-kinds tr[data-kind]')].map(r => r.dataset.kind);")
        .await;
    let kinds = kinds.as_array().cloned().unwrap_or_default();
    assert_eq!(
        kinds.first(),
        Some(&json!("residential-proxy")),
        "{kinds:?}"
    );
    assert!(kinds.contains(&json!("compute")), "{kinds:?}");
    let month = page.text("#cost-kinds-month").await;
    assert!(
        month.contains("so far this month; at $") && month.contains(" it ends near $"),
        "{month}"
    );
    let per_1000: serde_json::Value = page
        .js("return [...document.querySelectorAll('#builds td[data-col=per-1000]')].map(t => t.textContent);")
        .await;
    let per_1000 = per_1000.as_array().cloned().unwrap_or_default();
    assert!(
        per_1000
            .iter()
            .any(|v| v.as_str().is_some_and(|v| v.starts_with('$'))),
        "{per_1000:?}"
    );
    page.screenshot_at("#cost-kinds", "actor-cost-kinds").await;

    // The fleet's split, on the dashboard, once proxy-heavy's run details are in.
    page.goto("/").await;
    page.wait_for_text(
        "#fleet-cost-kinds tr[data-kind=residential-proxy]",
        "residential proxy",
    )
    .await;
    let fleet = page.text("#fleet-cost-kinds .spend-headline").await;
    assert!(fleet.contains(" of the cost (sampled from "), "{fleet}");
    let note = page.text("#fleet-cost-kinds .small-print").await;
    assert!(note.contains("applied to the window's cost of $"), "{note}");

    // Opened from the table, the page borrows the fleet load's item counts: every build with
    // costed, finished runs in the window has its cost per 1,000 results, as on the dashboard.
    page.click(".fleet-table tr[data-name=\"proxy-heavy\"] a[href^=\"/actors/\"]")
        .await;
    page.wait_for_text("#cost-kinds .spend-headline", "Residential proxy is ")
        .await;
    let per_build: serde_json::Value = page
        .js("return [...document.querySelectorAll('#builds td[data-col=per-1000]')].map(t => t.textContent);")
        .await;
    let per_build = per_build.as_array().cloned().unwrap_or_default();
    assert!(
        per_build.len() >= 2
            && per_build
                .iter()
                .all(|v| v.as_str().is_some_and(|v| v.starts_with('$'))),
        "{per_build:?}"
    );
    page.assert_no_console_errors().await;
    page.finish().await;
}

/// A run that ran away is the first thing on its Actor's page, with the way to abort it.
#[tokio::test]
async fn the_actor_page_leads_with_a_runaway_run() {
    let page = open(Relay::Demo, "actor-runaway").await;
    page.goto("/actors/runaway-run").await;
    let notice = page
        .wait_for_text("#runaway", "A run has run away: running for 9h")
        .await;
    assert!(
        notice.contains("(p95 ") && notice.contains("so far") && notice.contains("abort it"),
        "{notice}"
    );
    let href = page
        .js("return document.querySelector('#runaway a').href;")
        .await;
    assert!(
        href.as_str().is_some_and(
            |h| h.starts_with("https://console.apify.com/actors/") && h.contains("/runs/")
        ),
        "{href}"
    );
    // The run is in the table as in progress.
    page.click("#runs button[data-filter=\"in-progress\"]")
        .await;
    page.wait_for_text("#runs-page", "of 1").await;
    page.screenshot("actor-runaway").await;

    // Opened directly (no fleet load behind it), the page's Run dialog still starts from the
    // input schema of the build in use, read through the Actor's detail.
    page.click("button.run-button").await;
    let value = "return document.getElementById('run-input').value;";
    page.wait_until("the input filled in from the build", || async {
        page.js(value).await.as_str().is_some_and(|v| !v.is_empty())
    })
    .await;
    let input: serde_json::Value =
        serde_json::from_str(page.js(value).await.as_str().unwrap()).expect("JSON input");
    assert_eq!(input, json!({"maxResults": 100, "query": "runaway run"}));
    page.finish().await;
}
