//! "Run" from the dashboard against `forge-relay demo --run-speed 20`: the dialog checks the JSON
//! input in the browser, starts a run, follows it to SUCCEEDED and refreshes the Actor's
//! figures; a token without Actors: Run gets its one-line message.

use crate::harness::{open, Page, Relay};
use fantoccini::Locator;
use std::time::{Duration, Instant};

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

const ACTOR: &str = "empty-success-api";

fn row(name: &str) -> String {
    format!(".fleet-table tr[data-name=\"{name}\"]")
}

#[tokio::test]
async fn run_starts_a_run_and_follows_it_to_succeeded() {
    let page = open(Relay::DemoWith(&["--run-speed", "20"]), "run").await;
    page.goto("/").await;
    wait_css(&page, "#fleet[data-extras=\"done\"]", 120).await;
    let runs_before = page
        .text(&format!("{} td[data-col=\"runs\"]", row(ACTOR)))
        .await;
    page.click(&format!("{} .row-menu summary", row(ACTOR)))
        .await;
    page.click(&format!("{} button.run-button", row(ACTOR)))
        .await;
    wait_css(&page, "#run-dialog", 10).await;
    let memory = page
        .find("#run-memory")
        .await
        .prop("value")
        .await
        .ok()
        .flatten();
    let timeout = page
        .find("#run-timeout")
        .await
        .prop("value")
        .await
        .ok()
        .flatten();
    println!("defaults: memory {memory:?} MB, timeout {timeout:?} s");
    assert!(memory.is_some_and(|m| m.parse::<u32>().is_ok()));
    // The input starts from the build's input schema: prefill, else default, no secret.
    let value = "return document.getElementById('run-input').value;";
    page.wait_until("the input filled in from the build", || async {
        page.js(value).await.as_str().is_some_and(|v| !v.is_empty())
    })
    .await;
    let prefilled: serde_json::Value =
        serde_json::from_str(page.js(value).await.as_str().unwrap()).expect("JSON input");
    assert_eq!(
        prefilled,
        serde_json::json!({"maxResults": 100, "query": "empty success api"}),
        "secret fields (apiKey, sessionCookie) and fields without a default are left out"
    );
    let note = page.text("#run-input-note").await;
    assert!(note.contains("input schema of build"), "{note}");
    page.screenshot_at("#run-dialog", "run-prefilled").await;
    let input = page.find("#run-input").await;
    input.send_keys("{not json").await.expect("type");
    page.click("#run-confirm").await;
    let problem = page.wait_for_text("#run-problem", "not valid JSON").await;
    println!("invalid input: {problem}");
    page.screenshot_at("#run-dialog", "run-invalid").await;
    input.clear().await.expect("clear");
    input
        .send_keys("{\"query\": \"forge\"}")
        .await
        .expect("type");
    // The build: the Actor's default, or one of its builds (the newest marked latest).
    let builds: Vec<String> = serde_json::from_value(
        page.js(
            "return [...document.querySelectorAll('#run-build option')].map(o => o.textContent);",
        )
        .await,
    )
    .unwrap();
    assert_eq!(builds[0], "The Actor's default build", "{builds:?}");
    assert!(
        builds.iter().skip(1).any(|b| b.ends_with("(latest)")),
        "{builds:?}"
    );
    // The browser keeps 250 resource timings; the fleet load before this fills them, so the
    // start request is looked for among those after this point.
    page.js("performance.clearResourceTimings(); const s = document.getElementById('run-build'); s.selectedIndex = 1; s.dispatchEvent(new Event('change')); return s.value;")
        .await;
    page.click("#run-confirm").await;
    wait_css(&page, "#run-status", 20).await;
    page.screenshot_at("#run-dialog", "run-following").await;
    let started = Instant::now();
    wait_css(&page, "#run-status[data-ended=\"true\"]", 180).await;
    let status = attr(&page, "#run-status", "data-status").await;
    println!(
        "MEASURE the run ended {status} after {:?}",
        started.elapsed()
    );
    page.screenshot_at("#run-dialog", "run-ended").await;
    assert_eq!(status, "SUCCEEDED");
    // Once ended: its status, how long it ran and what it cost.
    let progress = page.text("#run-progress").await;
    assert!(
        progress.starts_with("SUCCEEDED · ")
            && progress.contains('$')
            && !progress.contains("so far"),
        "{progress}"
    );
    // It was started on the build chosen (the start request names it).
    let starts = page
        .js("return performance.getEntriesByType('resource').map(e => e.name).filter(n => /\\/runs\\?/.test(n) && n.includes('memory='));")
        .await;
    let chosen = builds[1].trim_end_matches(" (latest)").to_string();
    assert!(
        starts.as_array().is_some_and(|a| a.len() == 1
            && a[0]
                .as_str()
                .unwrap_or("")
                .contains(&format!("build={chosen}"))),
        "{starts} should name build={chosen}"
    );
    let console = attr(&page, "#run-console", "href").await;
    assert!(
        console.starts_with("https://console.apify.com/actors/") && console.contains("/runs/"),
        "a link to the run in Apify Console: {console}"
    );
    wait_css(&page, "#fleet[data-refreshed=\"1\"]", 30).await;
    page.click("#run-dialog button.secondary").await;
    page.click("a[href=\"/settings\"]").await;
    page.wait_until("the scope matrix knows Actors: Run is granted", || async {
        page.verdicts().await.get("ActorsRun").map(String::as_str) == Some("granted")
    })
    .await;
    page.client.back().await.expect("back");
    wait_css(&page, ".fleet-table tbody tr", 30).await;
    let runs_after = page
        .text(&format!("{} td[data-col=\"runs\"]", row(ACTOR)))
        .await;
    println!("runs of {ACTOR}: {runs_before} → {runs_after}");
    let n = |s: &str| s.replace(',', "").trim().parse::<u64>().unwrap_or(0);
    assert_eq!(n(&runs_after), n(&runs_before) + 1, "the figures refreshed");
    page.assert_no_console_errors().await;
    page.finish().await;
}

#[tokio::test]
async fn without_actors_run_the_dialog_says_so() {
    let page = open(Relay::Demo, "run-missing").await;
    page.goto("/settings").await;
    page.wait_for_text("#connection", "forge-demo").await;
    page.connect_demo_token("missing-run").await;
    page.goto("/").await;
    wait_css(&page, "#fleet[data-extras=\"done\"]", 120).await;
    page.click(&format!("{} .row-menu summary", row(ACTOR)))
        .await;
    page.click(&format!("{} button.run-button", row(ACTOR)))
        .await;
    wait_css(&page, "#run-dialog", 10).await;
    page.click("#run-confirm").await;
    let m = page.wait_for_text("#run-refused", "Actors: Run").await;
    assert_eq!(
        m,
        "Your token lacks Actors: Run; everything else keeps working"
    );
    page.screenshot_at("#run-dialog", "run-refused").await;
    page.click("#run-dialog button.secondary").await;
    // The scope check learned it (client-side navigation keeps the app state).
    page.click("a[href=\"/settings\"]").await;
    page.wait_until("the scope matrix knows Actors: Run is missing", || async {
        page.verdicts().await.get("ActorsRun").map(String::as_str) == Some("missing")
    })
    .await;
    page.screenshot_at("#scope-check", "run-scope-learned")
        .await;
    // A reload keeps what the refused run taught (for this connection, in this tab), the banner
    // names the permission, and the demo token in use is still marked.
    page.goto("/settings").await;
    page.wait_until("the reloaded scope matrix still knows", || async {
        page.verdicts().await.get("ActorsRun").map(String::as_str) == Some("missing")
    })
    .await;
    let banner = page.text("#scope-check .scope-summary").await;
    assert!(
        banner.contains("Actors: Run — Run buttons fail"),
        "{banner}"
    );
    page.wait_for_text("[data-demo-token=\"missing-run\"]", "in use")
        .await;
    page.assert_no_console_errors().await;
    page.finish().await;
}

/// The dialog with the keyboard only: Enter on Run opens it with focus on its first field, Tab
/// and Shift+Tab stay inside it, Escape closes it and focus is back on the Run button.
#[tokio::test]
async fn the_run_dialog_holds_focus_and_gives_it_back() {
    let page = open(Relay::Demo, "run-keyboard").await;
    page.goto("/").await;
    wait_css(&page, "#fleet[data-extras=\"done\"]", 120).await;
    let js = |script: &'static str| page.js(script);
    let key = |k: &'static str| page.press(k);
    let focused =
        || js("const e = document.activeElement; return e ? (e.id || e.className) : null;");
    let button = format!("{} button.run-button", row(ACTOR));
    // The row's actions are behind its "⋯": Enter opens them, Tab reaches Run.
    let menu = page
        .find(&format!("{} .row-menu summary", row(ACTOR)))
        .await;
    page.client
        .execute(
            "arguments[0].focus();",
            vec![serde_json::to_value(&menu).expect("element")],
        )
        .await
        .expect("focus the row's menu");
    key("\u{E007}").await; // Enter
    key("\u{E004}").await; // Tab
    assert_eq!(
        js("return document.activeElement.classList.contains('run-button');").await,
        serde_json::json!(true),
        "Tab from the open menu reaches Run"
    );
    key("\u{E007}").await; // Enter
    wait_css(&page, "#run-dialog", 10).await;
    page.wait_until("focus on the memory choice", || async {
        focused().await == serde_json::json!("run-memory")
    })
    .await;
    let inside = || js("return !!document.activeElement.closest('#run-dialog');");
    for _ in 0..8 {
        key("\u{E004}").await; // Tab
        assert_eq!(
            inside().await,
            serde_json::json!(true),
            "Tab left the dialog"
        );
    }
    for _ in 0..8 {
        key("\u{E008}\u{E004}").await; // Shift+Tab
        assert_eq!(
            inside().await,
            serde_json::json!(true),
            "Shift+Tab left the dialog"
        );
    }
    page.screenshot_at("#run-dialog", "run-keyboard").await;
    key("\u{E00C}").await; // Escape
    page.wait_until("the dialog closed", || async {
        !page.exists("#run-dialog").await
    })
    .await;
    page.wait_until("focus back on the Run button", || async {
        js("return document.activeElement && document.activeElement.classList.contains('run-button') && document.activeElement.dataset.run;")
            .await
            .is_string()
    })
    .await;
    // The × button closes it too.
    page.click(&button).await;
    wait_css(&page, "#run-dialog", 10).await;
    page.click("#run-dialog .modal-close").await;
    page.wait_until("closed by ×", || async {
        !page.exists("#run-dialog").await
    })
    .await;
    page.finish().await;
}
