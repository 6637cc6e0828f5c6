//! Week-over-week trends against `forge-relay demo`: the seeded six weeks of snapshots give
//! deltas (cost-spike and regressed-crawler got worse), a load writes exactly one snapshot for
//! the current week (and a second load writes none), and a token without Key-value stores:
//! Write says trend tracking is off and writes nothing.

use crate::harness::{open, Page, Relay};
use fantoccini::Locator;
use std::time::{Duration, Instant};

const PUT_ROUTE: &str = "/v2/key-value-stores/~forge-trends/records/{key}";

async fn wait_css(page: &Page, css: &str, secs: u64) {
    let started = Instant::now();
    while page.client.find(Locator::Css(css)).await.is_err() {
        if started.elapsed() > Duration::from_secs(secs) {
            page.fail(&format!("no element matches `{css}` after {secs} s"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn attr(page: &Page, css: &str, name: &str) -> String {
    page.find(css)
        .await
        .attr(name)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// A relay call from the page (with its session cookie): status and body.
async fn api(page: &Page, method: &str, path: &str, body: Option<&str>) -> (u64, String) {
    let v = page
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const init = {method: arguments[0], credentials: 'include',
               headers: {'Content-Type': 'application/json', 'X-Forge-Client': '1'}};
             if (arguments[2] !== null) init.body = arguments[2];
             fetch(arguments[1], init).then(r => r.text().then(t => done([r.status, t])),
               e => done([0, String(e)]));",
            vec![
                serde_json::json!(method),
                serde_json::json!(path),
                serde_json::json!(body),
            ],
        )
        .await
        .expect("fetch from the page");
    (
        v[0].as_u64().unwrap_or(0),
        v[1].as_str().unwrap_or_default().to_string(),
    )
}

async fn use_demo_token(page: &Page, label: &str) {
    page.goto("/settings").await;
    page.wait_for_text("#connection", "forge-demo").await;
    let token = forge_sim::DEMO_TOKENS
        .iter()
        .find(|t| t.label == label)
        .unwrap_or_else(|| panic!("the {label} demo token"))
        .token;
    let body = serde_json::json!({ "token": token }).to_string();
    let (status, text) = api(page, "POST", "/api/session", Some(&body)).await;
    assert_eq!(status, 201, "{text}");
}

fn puts(m: &std::collections::BTreeMap<String, u64>) -> u64 {
    m.iter()
        .filter(|(s, _)| s.starts_with('2'))
        .map(|(_, n)| n)
        .sum()
}

#[tokio::test]
async fn deltas_from_the_seeded_weeks_and_exactly_one_snapshot() {
    let page = open(Relay::Demo, "trends").await;
    page.goto("/").await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 120).await;
    wait_css(&page, "#trends[data-status=\"written\"]", 60).await;
    wait_css(&page, "#fleet-deltas", 10).await;
    let fleet = page.text("#fleet-deltas").await;
    println!("fleet deltas: {fleet:?}");
    assert!(
        fleet.contains("Health") && fleet.contains("Cost"),
        "{fleet}"
    );
    let status = page.text("#trend-status").await;
    assert!(status.contains("saved"), "{status}");

    // Sorted by "This week": what got worse first.
    page.click("th[data-col=\"this-week\"] button").await;
    assert_eq!(
        attr(&page, "th[data-col=\"this-week\"]", "aria-sort").await,
        "descending"
    );
    let row = |name: &str| format!(".fleet-table tr[data-name=\"{name}\"]");
    for name in ["cost-spike", "regressed-crawler"] {
        let cell = format!("{} td[data-col=\"this-week\"]", row(name));
        let worse = attr(&page, &cell, "data-worse").await;
        let text = page.text(&cell).await;
        println!("{name}: this week {text:?}");
        assert_eq!(worse, "true", "{name} got worse: {text}");
    }
    let mut order = Vec::new();
    for r in page
        .client
        .find_all(Locator::Css(".fleet-table tbody tr"))
        .await
        .unwrap_or_default()
    {
        order.push(r.attr("data-name").await.ok().flatten().unwrap_or_default());
    }
    let top: Vec<&String> = order.iter().take(6).collect();
    assert!(
        top.iter().any(|n| *n == "cost-spike") && top.iter().any(|n| *n == "regressed-crawler"),
        "worst first: {order:?}"
    );
    assert!(page.exists("#trends svg.week-chart polyline").await);
    page.screenshot_at("#trends", "trends").await;
    page.screenshot_at(".fleet-table", "trends-table").await;

    // Exactly one snapshot for this week: one PUT of it (and one of the index), and it reads
    // back through the relay.
    let written = puts(&page.requests_to("PUT", PUT_ROUTE).await);
    assert_eq!(written, 2, "snapshot + index");
    let (status, keys) = api(
        &page,
        "GET",
        "/api/apify/v2/key-value-stores/~forge-trends/keys?prefix=snapshot-&limit=1000",
        None,
    )
    .await;
    assert_eq!(status, 200, "{keys}");
    let keys: serde_json::Value = serde_json::from_str(&keys).expect("keys json");
    let week = attr(&page, "#trends", "data-week").await;
    assert!(week.contains("-W"), "{week:?}");
    let names: Vec<String> = keys["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["key"].as_str().map(str::to_string))
        .collect();
    assert!(names.contains(&format!("snapshot-{week}")), "{names:?}");
    let weeks = names.iter().filter(|k| *k != "snapshot-index").count();
    assert_eq!(weeks, 7, "six seeded weeks and this one: {names:?}");
    let (status, record) = api(
        &page,
        "GET",
        &format!("/api/apify/v2/key-value-stores/~forge-trends/records/snapshot-{week}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let snap: serde_json::Value = serde_json::from_str(&record).expect("the snapshot is JSON");
    assert_eq!(snap["week"], serde_json::json!(week));
    // Schema 2, beside the seeded weeks of schema 1: with the fleet's cost by kind and runaways.
    assert_eq!(snap["version"], serde_json::json!(2));
    assert!(
        snap["costByKind"]["residential-proxy"]
            .as_f64()
            .is_some_and(|v| v > 0.0),
        "{}",
        snap["costByKind"]
    );
    assert_eq!(snap["runawayActors"], serde_json::json!(1));
    let actors = snap["actors"].as_object().map_or(0, |a| a.len());
    assert!(
        (20..=24).contains(&actors),
        "{actors} Actors in the snapshot"
    );

    // SIGNALS: a column on the dashboard (hidden until chosen), a table on the Actor page.
    page.click("#columns summary").await;
    page.click("#columns input[data-col=\"signals\"]").await;
    page.click("#columns summary").await;
    let cell = format!("{} td[data-col=\"signals\"]", row("signal-emitter"));
    page.wait_until("signal-emitter's SIGNALS in the table", || async {
        !page.text(&cell).await.trim().is_empty()
    })
    .await;
    println!("signal-emitter signals: {:?}", page.text(&cell).await);
    assert!(page
        .text(&format!(
            "{} td[data-col=\"signals\"]",
            row("healthy-workhorse")
        ))
        .await
        .trim()
        .is_empty());
    page.click(&format!("{} a.actor-link", row("signal-emitter")))
        .await;
    wait_css(&page, "#signals .signals-table tbody tr", 60).await;
    let n = page
        .client
        .find_all(Locator::Css("#signals .signals-table tbody tr"))
        .await
        .unwrap_or_default()
        .len();
    assert!(n >= 2, "{n} signals");
    // Records are read only where a store's key list names them: no 404 for a record that is
    // not there (the browser would log each as an error).
    let missing_records: Vec<_> = page
        .request_counts()
        .await
        .into_iter()
        .filter(|c| c.route.contains("/records/") && c.status == "404")
        .collect();
    assert!(missing_records.is_empty(), "{missing_records:?}");
    wait_css(&page, "#actor-trends svg.week-chart", 10).await;
    page.screenshot_at("#signals", "signals").await;
    page.screenshot_at("#actor-trends", "actor-trends").await;
    page.client.back().await.expect("back");

    // A second complete load finds this week's snapshot and writes nothing.
    page.client
        .execute(
            "indexedDB.deleteDatabase('forge').onsuccess = () => location.reload();",
            vec![],
        )
        .await
        .expect("reload");
    wait_css(&page, "#fleet[data-phase=\"done\"]", 120).await;
    wait_css(&page, "#trends[data-status=\"present\"]", 60).await;
    assert_eq!(
        puts(&page.requests_to("PUT", PUT_ROUTE).await),
        2,
        "no second write"
    );
    page.assert_no_console_errors().await;
    page.finish().await;
}

#[tokio::test]
async fn without_kv_write_trend_tracking_is_off_and_nothing_is_written() {
    let page = open(Relay::Demo, "trends-no-write").await;
    use_demo_token(&page, "missing-kv-write").await;
    page.goto("/").await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 120).await;
    wait_css(&page, "#trends[data-status=\"off\"]", 60).await;
    let line = page.text("#trend-status").await;
    assert_eq!(
        line,
        "Trend tracking is off: this token lacks Key-value stores: Write"
    );
    let m = page.requests_to("PUT", PUT_ROUTE).await;
    assert_eq!(puts(&m), 0, "nothing written: {m:?}");
    // The deltas still come from the stored weeks.
    assert!(page.exists(".fleet-table td[data-col=\"this-week\"]").await);
    page.screenshot_at("#trends", "trends-off").await;
    page.assert_no_console_errors().await;
    page.finish().await;
}
