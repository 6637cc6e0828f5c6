//! The fleet dashboard against `forge-relay demo`: the demo fleet's stories, sorting, filtering,
//! CSV export, the Actor page, the cached result on a reload, and a token without Actor runs:
//! Read. Prints the loader's request count against the minimum and the load times.

use crate::harness::{open, Page, Relay, RequestCount};
use fantoccini::Locator;
use std::time::{Duration, Instant};

/// Waits (up to `secs`) until `css` matches; returns the time it took.
pub(crate) async fn wait_css(page: &Page, css: &str, secs: u64) -> Duration {
    let started = Instant::now();
    while page.client.find(Locator::Css(css)).await.is_err() {
        if started.elapsed() > Duration::from_secs(secs) {
            page.screenshot("timeout").await;
            panic!("no element matches `{css}` after {secs} s");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    started.elapsed()
}

pub(crate) async fn attr(page: &Page, css: &str, name: &str) -> String {
    page.find(css)
        .await
        .attr(name)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

pub(crate) async fn row_names(page: &Page) -> Vec<String> {
    let mut out = Vec::new();
    for r in page
        .client
        .find_all(Locator::Css(".fleet-table tbody tr"))
        .await
        .unwrap_or_default()
    {
        out.push(r.attr("data-name").await.ok().flatten().unwrap_or_default());
    }
    out
}

async fn column(page: &Page, col: &str) -> Vec<String> {
    let mut out = Vec::new();
    for c in page
        .client
        .find_all(Locator::Css(&format!(
            ".fleet-table tbody td[data-col=\"{col}\"]"
        )))
        .await
        .unwrap_or_default()
    {
        out.push(c.text().await.unwrap_or_default());
    }
    out
}

fn number(s: &str) -> Option<f64> {
    s.replace([',', '%', '$'], "").trim().parse().ok()
}

#[tokio::test]
async fn the_dashboard_tells_the_stories_of_the_demo_fleet() {
    // Every Apify answer 50 ms late, as the speed note measures it.
    let page = open(Relay::DemoWith(&["--latency-ms", "50"]), "dashboard").await;
    let opened = Instant::now();
    page.goto("/").await;
    let first = wait_css(&page, ".fleet-table tbody tr[data-state=\"ok\"]", 60).await;
    page.screenshot("loading").await;
    let done = wait_css(&page, "#fleet[data-phase=\"done\"]", 120).await;
    let _ = opened;

    // Requests: what the loader sent vs the minimum pages the data needs.
    let m = page.request_counts().await;
    let apify: Vec<_> = m.iter().filter(|c| c.route.starts_with("/v2/")).collect();
    let sent: u64 = apify.iter().map(|c| c.n).sum();
    let throttled: u64 = apify
        .iter()
        .filter(|c| c.status == "429")
        .map(|c| c.n)
        .sum();
    let per_route = |route: &str| -> u64 {
        apify
            .iter()
            .filter(|c| c.route == route && c.status == "200")
            .map(|c| c.n)
            .sum()
    };
    let actors = row_names(&page).await.len() as u64;
    // The account-wide lists: one page of Actors, the run pages the window needs, as many
    // dataset pages (one default dataset per run), the build pages; then per Actor its detail
    // and at most 3 run details (memory). Nothing per Actor before the table.
    let run_pages = per_route("/v2/actor-runs");
    let lists = per_route("/v2/actors")
        + run_pages
        + per_route("/v2/datasets")
        + per_route("/v2/actor-builds");
    let details = per_route("/v2/actors/{actorId}");
    let samples = per_route("/v2/actor-runs/{runId}");
    // …and the dataset statistics of at most 2 successful runs on each side of its newest
    // build (output quality per field).
    let statistics = per_route("/v2/datasets/{datasetId}/statistics");
    let minimum =
        1 + 2 * run_pages + per_route("/v2/actor-builds") + details + samples + statistics;
    println!(
        "MEASURE requests: loader sent {sent} Apify requests (app counted {}): {lists} list \
         pages, {details} Actor details, {samples} run details, {statistics} dataset statistics; minimum {minimum}, ratio {:.2}, \
         429s: {throttled}",
        attr(&page, "#fleet", "data-requests").await,
        sent as f64 / minimum as f64
    );
    assert_eq!(
        per_route("/v2/actors/{actorId}/runs"),
        0,
        "no per-Actor run pages"
    );
    assert!(
        details <= actors && samples <= 3 * actors && statistics <= 4 * actors,
        "{details} / {samples} / {statistics}"
    );
    println!(
        "MEASURE first rows with figures after {} ms, complete table after {} ms (wall, from \
         navigation: {:?} / {:?})",
        attr(&page, "#fleet", "data-first-rows-ms").await,
        attr(&page, "#fleet", "data-done-ms").await,
        first,
        done
    );
    assert_eq!(throttled, 0, "no 429 at the default limits: {m:?}");
    assert!(sent as f64 <= minimum as f64 * 1.2, "{sent} vs {minimum}");
    assert_eq!(actors, 24);

    // The stories.
    let plan = |bucket: &str, name: &str| {
        format!("#plan [data-bucket=\"{bucket}\"] [data-name=\"{name}\"]")
    };
    for name in ["flaky-scraper", "timeout-prone"] {
        assert!(
            page.exists(&plan("fix-now", name)).await,
            "{name} in Fix now"
        );
    }
    assert!(page.exists(&plan("healthy", "healthy-workhorse")).await);
    let row = |name: &str| format!(".fleet-table tr[data-name=\"{name}\"]");
    let flags = |name: &str| format!("{} td[data-col=\"flags\"]", row(name));
    assert!(page
        .text(&flags("regressed-crawler"))
        .await
        .contains("regression on 0.3.14"));
    assert!(
        page.exists(&format!(
            "{} [data-flag=\"empty\"]",
            row("empty-success-api")
        ))
        .await
    );
    assert!(
        page.exists(&format!("{} [data-flag=\"stale\"]", row("stale-monitor")))
            .await
    );
    assert!(
        page.exists(&format!("{} [data-flag=\"memory\"]", row("memory-hog")))
            .await
    );
    assert!(
        page.exists(&format!("{} [data-flag=\"cost-spike\"]", row("cost-spike")))
            .await
    );
    assert_eq!(
        attr(&page, &row("healthy-workhorse"), "data-bucket").await,
        "healthy"
    );
    let plan_text = page.text("#plan").await;
    assert!(
        plan_text.contains("you could"),
        "memory suggestion: {plan_text}"
    );
    assert!(
        plan_text.contains("cost per run"),
        "cost spike: {plan_text}"
    );
    // Three Actors in Fix now hold the fleet score below the Watch line, and say so.
    let drivers = page.text("#fleet-health").await;
    assert!(drivers.contains("reliability"), "{drivers}");
    assert!(
        drivers.contains("74") && drivers.contains("needs fixing: 3 Actors in Fix now"),
        "{drivers}"
    );

    // Needs attention: first on the page the runaway run (runaway-run's, RUNNING for over
    // 9 hours while its runs take about 4 minutes), with its cost so far and the way to abort
    // it in Apify Console; then the plan's Fix-now Actors in the plan's order (the regression
    // tagged as one), and the fleet figure says how many need fixing.
    let first = page.text("#attention li:first-child").await;
    assert!(
        first.contains("runaway-run") || first.contains("Runaway Run"),
        "{first}"
    );
    assert_eq!(
        attr(&page, "#attention li:first-child", "data-kind").await,
        "runaway"
    );
    assert!(
        first.contains("running for 9h 1") && first.contains("(p95 ") && first.contains("so far"),
        "{first}"
    );
    let abort = attr(&page, "#attention li:first-child a.runaway-link", "href").await;
    assert!(
        abort.starts_with("https://console.apify.com/actors/") && abort.contains("/runs/"),
        "{abort}"
    );
    assert!(
        page.exists(".fleet-table [data-flag=\"runaway\"]").await,
        "the table flags the runaway run"
    );
    let fix_now: Vec<String> = serde_json::from_value(page.js("return [...document.querySelectorAll('#plan [data-bucket=\"fix-now\"] [data-actor]')].map(e => e.dataset.actor);").await).unwrap_or_default();
    let listed: Vec<(String, String)> = serde_json::from_value(page.js("return [...document.querySelectorAll('#attention li')].map(e => [e.dataset.actor, e.dataset.kind]);").await).unwrap_or_default();
    assert!(
        fix_now.len() >= 2,
        "the demo has Fix-now Actors: {fix_now:?}"
    );
    assert_eq!(
        listed
            .iter()
            .skip(1)
            .take(fix_now.len())
            .map(|(id, _)| id.clone())
            .collect::<Vec<_>>(),
        fix_now,
        "Needs attention lists Fix now first, in the plan's order"
    );
    let attention = page.text("#attention").await;
    for name in ["flaky-scraper", "timeout-prone", "regressed-crawler"] {
        assert!(
            attention.contains(name),
            "{name} needs attention: {attention}"
        );
    }
    assert!(
        listed.iter().any(|(_, kind)| kind == "regression"),
        "the release regression is tagged: {listed:?}"
    );
    // regressed-crawler has failed every run for the last hours: it says so, and since when.
    let crawler = page
        .text("#attention li[data-kind=\"regression\"] .reason")
        .await;
    assert!(
        crawler.contains("finished runs all failed") && crawler.contains("failing since"),
        "{crawler}"
    );
    let above: bool = page
        .client
        .execute(
            "return document.getElementById('attention').getBoundingClientRect().top < document.getElementById('fleet-health').getBoundingClientRect().top;",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    assert!(above, "Needs attention comes before the fleet figure");
    assert_eq!(
        page.text("#fix-count").await,
        format!(
            "{} need{} fixing",
            fix_now.len(),
            if fix_now.len() == 1 { "s" } else { "" }
        )
    );
    page.screenshot("top").await;
    page.screenshot_at("#plan", "plan").await;
    page.screenshot_at(".fleet-table", "table").await;

    // Sorting: by clicking, then with the keyboard.
    page.click("th[data-col=\"runs\"] button").await;
    assert_eq!(
        attr(&page, "th[data-col=\"runs\"]", "aria-sort").await,
        "descending"
    );
    let runs: Vec<f64> = column(&page, "runs")
        .await
        .iter()
        .filter_map(|s| number(s))
        .collect();
    assert!(
        runs.windows(2).all(|w| w[0] >= w[1]),
        "runs descending: {runs:?}"
    );
    let button = page.find("th[data-col=\"name\"] button").await;
    button
        .send_keys("\u{E007}")
        .await
        .expect("Enter on a heading");
    page.wait_until("name sort", || async {
        attr(&page, "th[data-col=\"name\"]", "aria-sort").await == "ascending"
    })
    .await;
    let names = column(&page, "name").await;
    let mut sorted = names.clone();
    sorted.sort_by_key(|s| s.to_lowercase());
    assert_eq!(names, sorted);

    // Filtering by name and by bucket.
    let filter = page.find("#fleet-filter").await;
    filter.send_keys("scraper").await.expect("type a filter");
    page.wait_until("the name filter", || async {
        let n = row_names(&page).await;
        !n.is_empty() && n.len() < 24 && n.iter().all(|x| x.contains("scraper"))
    })
    .await;
    filter.clear().await.expect("clear");
    filter.send_keys(" ").await.expect("type");
    let select = page.find("#bucket-filter").await;
    select
        .select_by_value("fix-now")
        .await
        .expect("pick a bucket");
    page.wait_until("the bucket filter", || async {
        let n = row_names(&page).await;
        n.contains(&"flaky-scraper".to_string()) && !n.contains(&"healthy-workhorse".to_string())
    })
    .await;
    page.screenshot("filtered").await;
    select.select_by_value("").await.expect("all buckets");

    // CSV export: a download named with the day and the window
    // (`forge-fleet-2026-12-01-30d.csv`); its text is kept on the page.
    page.click("#export-csv").await;
    page.wait_until("an export", || async {
        let name = attr(&page, "#fleet", "data-last-export").await;
        name.starts_with("forge-fleet-20") && name.ends_with("-30d.csv")
    })
    .await;
    let csv = attr(&page, "#fleet", "data-last-export-text").await;
    assert!(
        csv.starts_with("id,name,title,state,note,health,bucket,bucket_reason,runs"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 25, "header + 24 Actors:\n{csv}");
    assert!(csv
        .lines()
        .any(|l| l.contains(",flaky-scraper,") && l.contains(",fix-now,") && l.contains(",30,")));
    assert!(csv
        .lines()
        .any(|l| l.contains(",regressed-crawler,") && l.contains("0.3.14")));

    // Window selector: re-computed, not reloaded.
    page.click("button[data-days=\"7\"]").await;
    page.wait_for_text("#summary-title", "last 7 days").await;
    page.click("button[data-days=\"30\"]").await;
    page.wait_for_text("#summary-title", "last 30 days").await;

    // The Actor page.
    page.click(&format!("{} a.actor-link", row("flaky-scraper")))
        .await;
    wait_css(&page, "#actor-analytics", 60).await;
    wait_css(&page, "#failures li", 60).await;
    let drivers = page.text("#actor-drivers").await;
    assert!(drivers.contains("reliability"), "{drivers}");
    assert!(page.exists(".runs-table tbody tr").await);
    page.screenshot("actor").await;
    page.screenshot_at("#failures", "actor-failures").await;

    // A reload shows the last table at once, then reads only what changed since.
    let before = page.request_counts().await;
    let t = Instant::now();
    page.goto("/").await;
    wait_css(&page, ".fleet-table tbody tr[data-state=\"ok\"]", 30).await;
    let cached_first = t.elapsed();
    page.screenshot("cached").await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 120).await;
    let updated = page.text("#updated").await;
    assert!(updated.starts_with("Updated"), "{updated:?}");
    let sent = attr(&page, "#fleet", "data-requests").await;
    let lists_again = {
        let after = page.request_counts().await;
        let n = |m: &[RequestCount], route: &str| -> u64 {
            m.iter().filter(|c| c.route == route).map(|c| c.n).sum()
        };
        ["/v2/actor-runs", "/v2/datasets", "/v2/actor-builds"].map(|r| n(&after, r) - n(&before, r))
    };
    println!(
        "MEASURE reload: the last table after {cached_first:?}; the refresh sent {sent} \
         requests (runs, datasets, builds pages: {lists_again:?})"
    );
    assert_eq!(lists_again, [1, 1, 1], "one page of each list");
    let sent: u64 = sent.parse().unwrap();
    assert!(sent < 24, "{sent} requests for a refresh");

    page.assert_no_console_errors().await;
    page.finish().await;
}

#[tokio::test]
async fn without_actor_runs_read_the_dashboard_names_the_permission() {
    let page = open(Relay::Demo, "dashboard-no-runs").await;
    page.goto("/settings").await;
    page.wait_for_text("#connection", "forge-demo").await;
    page.connect_demo_token("missing-runs-read").await;
    page.goto("/").await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 60).await;
    let notice = page.wait_for_text("#runs-denied", "Actor runs: Read").await;
    assert!(
        notice.contains("Your token lacks Actor runs: Read"),
        "{notice}"
    );
    let denied = page
        .client
        .find_all(Locator::Css(".fleet-table tr[data-state=\"denied\"]"))
        .await
        .unwrap_or_default()
        .len();
    assert_eq!(denied, 24);
    // One notice instead of a row of dashes per Actor: the figure columns hide.
    let notice = page
        .wait_for_text("#no-run-history", "Actor runs: Read")
        .await;
    assert!(notice.contains("only the names"), "{notice}");
    let shown_columns = page
        .js("return [...document.querySelectorAll('.fleet-table thead th')].filter(th => th.offsetParent !== null).map(th => th.dataset.col);")
        .await;
    assert_eq!(shown_columns, serde_json::json!(["name"]));
    // No numbers: no health or run counts for any Actor, and no summary built from nothing.
    assert!(!page.exists(".fleet-table tr[data-state=\"ok\"]").await);
    assert!(!page.exists("#summary-title").await);
    page.screenshot("denied").await;
    page.assert_no_console_errors().await;
    page.finish().await;
}

#[tokio::test]
async fn the_plans_retention_is_named_where_it_limits_the_window() {
    // A plan that keeps 14 days: the simulated account has no older runs but each Actor's ten
    // newest, and the dashboard says so for the 30- and 90-day windows.
    let page = open(Relay::DemoWith(&["--retention-days", "14"]), "retention").await;
    page.goto("/").await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 120).await;
    let note = page.wait_for_text("#retention-note", "14 days").await;
    assert!(
        note.contains("this 30-day window shows the last 14 days"),
        "{note}"
    );
    page.click("button[data-days=\"7\"]").await;
    page.wait_for_text("#summary-title", "last 7 days").await;
    assert!(!page.exists("#retention-note").await, "7 days are all kept");
    page.screenshot("retention").await;
    page.assert_no_console_errors().await;
    page.finish().await;
}
