//! The fleet table a fleet operator reads every morning: its view is in the address (window,
//! bucket, sort, filter) and comes back from it; a filter that matches nothing says so with
//! Clear filters; at 1280 × 800 the chosen columns fit without the page scrolling sideways,
//! and with every column chosen the header and the Actor column stay while the table scrolls;
//! the choice of columns outlives a reload; on a phone each Actor is a card and no page is
//! wider than the screen.

use crate::dashboard::{attr, wait_css};
use crate::harness::{open, Page, Relay};
use serde_json::json;

/// Rows whose `data-bucket` is not `bucket`.
async fn rows_outside(page: &Page, bucket: &str) -> serde_json::Value {
    page.js(&format!(
        "return [...document.querySelectorAll('.fleet-table tbody tr')].filter(r => r.dataset.bucket !== '{bucket}').length;"
    ))
    .await
}

async fn query(page: &Page) -> String {
    page.js("return location.search;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The dashboard in a `width` × `height` window, once its load is done (at most `secs`).
async fn dashboard_at(page: &Page, width: u32, height: u32, secs: u64) {
    page.client
        .set_window_size(width, height)
        .await
        .expect("resize the window");
    page.goto("/").await;
    wait_css(
        page,
        "#fleet[data-phase=\"done\"] .fleet-table tbody tr",
        secs,
    )
    .await;
}

/// The page is no wider than its window (less the scrollbar, which `innerWidth` counts).
async fn page_fits(page: &Page) -> bool {
    page.js("const d = document.documentElement; return d.scrollWidth <= d.clientWidth;")
        .await
        == json!(true)
}

#[tokio::test]
async fn the_address_keeps_the_view_and_an_empty_filter_offers_clear_filters() {
    let page = open(Relay::Demo, "table-address").await;
    page.goto("/?window=7&bucket=fix-now&sort=-runs").await;
    wait_css(
        &page,
        "#fleet[data-phase=\"done\"] .fleet-table tbody tr",
        120,
    )
    .await;
    assert_eq!(
        attr(&page, "button[data-days=\"7\"]", "aria-pressed").await,
        "true"
    );
    page.wait_for_text("#summary-title", "last 7 days").await;
    assert_eq!(
        page.find("#bucket-filter")
            .await
            .prop("value")
            .await
            .ok()
            .flatten()
            .as_deref(),
        Some("fix-now")
    );
    assert_eq!(
        attr(&page, "th[data-col=\"runs\"]", "aria-sort").await,
        "descending"
    );
    assert_eq!(rows_outside(&page, "fix-now").await, json!(0));
    // The bucket filter counts each bucket.
    let option = page.text("#bucket-filter option[value=\"fix-now\"]").await;
    assert!(option.starts_with("Fix now ("), "{option}");

    // A filter that matches nothing: a line that says so, and a way back.
    let filter = page.find("#fleet-filter").await;
    filter.send_keys("no-such-actor").await.expect("type");
    wait_css(&page, "#table-empty #clear-filters", 10).await;
    page.wait_until("the filter in the address", || async {
        query(&page).await.contains("q=no-such-actor")
    })
    .await;
    let q = query(&page).await;
    assert!(
        q.contains("window=7") && q.contains("bucket=fix-now") && q.contains("sort=-runs"),
        "{q}"
    );
    page.screenshot("empty-filter").await;
    page.click("#clear-filters").await;
    page.wait_until("every row back", || async {
        !page.exists("#table-empty").await && rows_outside(&page, "fix-now").await != json!(0)
    })
    .await;
    let q = query(&page).await;
    assert!(!q.contains("q=") && !q.contains("bucket="), "{q}");

    // A reload opens the same view.
    page.goto("/?window=90&sort=name").await;
    wait_css(&page, "#fleet .fleet-table tbody tr", 120).await;
    page.wait_for_text("#summary-title", "last 90 days").await;
    assert_eq!(
        attr(&page, "th[data-col=\"name\"]", "aria-sort").await,
        "ascending"
    );
    // A bucket of the action plan shows its Actors in the table.
    page.click(".plan-bucket[data-bucket=\"watch\"] .plan-show")
        .await;
    page.wait_until("the table showing Watch", || async {
        rows_outside(&page, "watch").await == json!(0)
            && query(&page).await.contains("bucket=watch")
    })
    .await;
    page.assert_no_console_errors().await;
    page.finish().await;
}

#[tokio::test]
async fn the_table_fits_keeps_its_header_and_actor_column_and_remembers_columns() {
    let page = open(Relay::DemoWith(&["--actors", "200"]), "table-fit").await;
    dashboard_at(&page, 1280, 800, 180).await;
    let wrap = "document.getElementById('fleet-table-wrap')";
    let fits = format!("const w = {wrap}; return w.scrollWidth <= w.clientWidth;");
    assert_eq!(page.js(&fits).await, json!(true), "default columns fit");
    assert!(page_fits(&page).await, "the page does not scroll sideways");
    let row_height = page
        .js("return document.querySelector('.fleet-table tbody tr').getBoundingClientRect().height;")
        .await;
    println!("compact row height: {row_height} px");
    page.screenshot_at("#fleet-table-wrap", "default-columns")
        .await;

    // Every column: the table scrolls inside its card, the page still does not.
    page.click("#columns summary").await;
    for col in ["p50", "cost-per-1000", "memory", "build", "signals"] {
        page.click(&format!("#columns input[data-col=\"{col}\"]"))
            .await;
    }
    page.click("#columns summary").await;
    assert!(page_fits(&page).await, "the page does not scroll sideways");
    let stuck = page
        .js(&format!(
            "const w = {wrap}; w.scrollLeft = w.scrollWidth; w.scrollTop = 600;
             const r = w.getBoundingClientRect();
             const name = document.querySelector('.fleet-table tbody tr:nth-child(20) th[data-col=name]').getBoundingClientRect();
             const head = document.querySelector('.fleet-table thead th[data-col=health]').getBoundingClientRect();
             return [w.scrollLeft > 0, Math.round(name.left - r.left), Math.round(head.top - r.top)];"
        ))
        .await;
    let stuck = stuck.as_array().cloned().unwrap_or_default();
    assert_eq!(
        stuck.first(),
        Some(&json!(true)),
        "the table scrolled: {stuck:?}"
    );
    assert!(
        stuck[1].as_i64().is_some_and(|d| d.abs() <= 2),
        "the Actor column stays at the left edge: {stuck:?}"
    );
    assert!(
        stuck[2].as_i64().is_some_and(|d| (0..=2).contains(&d)),
        "the header stays at the top: {stuck:?}"
    );
    page.screenshot_at("#fleet-table-wrap", "every-column-scrolled")
        .await;

    // The choice outlives a reload, and so does the density.
    page.click("#density").await;
    page.goto("/").await;
    wait_css(&page, "#fleet .fleet-table tbody tr", 120).await;
    let class = attr(&page, ".fleet-table", "class").await;
    assert!(
        !class.contains("hide-signals") && class.contains("density-comfortable"),
        "{class}"
    );
    page.assert_no_console_errors().await;
    page.finish().await;
}

#[tokio::test]
async fn on_a_phone_actors_are_cards_and_no_page_is_wider_than_the_screen() {
    let page = open(Relay::Demo, "phone").await;
    dashboard_at(&page, 390, 844, 120).await;
    assert_eq!(
        page.js(
            "return getComputedStyle(document.querySelector('.fleet-table tbody tr')).display;"
        )
        .await,
        json!("grid"),
        "a card per Actor"
    );
    assert!(page.exists("#sort-select").await);
    page.screenshot_at("#table-title", "cards").await;
    let actor = attr(&page, ".fleet-table tbody tr", "data-actor").await;
    for path in [
        "/".to_string(),
        "/actors".to_string(),
        format!("/actors/{actor}"),
        "/settings".to_string(),
        "/guide".to_string(),
    ] {
        page.goto(&path).await;
        wait_css(&page, "main h1, main h2", 60).await;
        // Give the page's data a moment to arrive: wide content comes with it.
        page.wait_until(&format!("{path} settled"), || async {
            page.js("return !document.querySelector('.loading, progress');")
                .await
                == json!(true)
        })
        .await;
        let widths = page
            .js("const d = document.documentElement; return [d.scrollWidth, d.clientWidth, [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > d.clientWidth + 1).slice(0, 3).map(e => e.tagName + '.' + e.className)];")
            .await;
        assert!(
            page_fits(&page).await,
            "{path} is wider than 390 px: {widths}"
        );
    }
    page.assert_no_console_errors().await;
    page.finish().await;
}
