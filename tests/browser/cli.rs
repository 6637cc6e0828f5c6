//! `forge check` and the dashboard agree: the same relay, the same window, the same health and
//! bucket for every story Actor in the CLI's JSON and the dashboard's JSON export.

use crate::dashboard::{attr, wait_css};
use crate::harness::{open, Relay};
use serde_json::Value;
use std::collections::BTreeMap;

const STORIES: [&str; 12] = [
    "healthy-workhorse",
    "flaky-scraper",
    "regressed-crawler",
    "empty-success-api",
    "stale-monitor",
    "memory-hog",
    "cost-spike",
    "timeout-prone",
    "signal-emitter",
    "runaway-run",
    "proxy-heavy",
    "field-drift",
];

/// name → (health, bucket) of a JSON report's `actors[].figures`.
fn verdicts(report: &Value) -> BTreeMap<String, (Value, Value)> {
    report["actors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let f = &a["figures"];
            Some((
                a["name"].as_str()?.to_string(),
                (f["health"].clone(), f["bucket"].clone()),
            ))
        })
        .collect()
}

#[tokio::test]
async fn forge_check_reports_what_the_dashboard_exports() {
    let page = open(Relay::Demo, "cli-vs-dashboard").await;
    page.goto("/").await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 120).await;
    let sealed = forge_e2e::sealed_session(&page.relay, forge_sim::DEFAULT_DEMO_TOKEN).await;
    let relay = page.relay.url("");
    // A run of the demo can end between the two loads: compare again once if they differ.
    let mut last = String::new();
    for _ in 0..2 {
        page.click("#export-json").await;
        page.wait_until("the JSON export", || async {
            attr(&page, "#fleet", "data-last-export")
                .await
                .ends_with("-30d.json")
        })
        .await;
        let export: Value =
            serde_json::from_str(&attr(&page, "#fleet", "data-last-export-text").await)
                .expect("the export is JSON");
        let out = tokio::process::Command::new(forge_e2e::cli_binary())
            .args([
                "check",
                "--relay",
                relay.trim_end_matches('/'),
                "--format",
                "json",
                "--window",
                "30",
                "--quiet",
            ])
            .env("FORGE_SEALED", &sealed)
            .env_remove("APIFY_TOKEN")
            .output()
            .await
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cli: Value = serde_json::from_slice(&out.stdout).expect("the CLI's JSON");
        assert_eq!(cli["windowDays"], export["windowDays"]);
        let (a, b) = (verdicts(&export), verdicts(&cli));
        let differ: Vec<String> = STORIES
            .iter()
            .filter(|s| !a.contains_key(**s) || a.get(**s) != b.get(**s))
            .map(|s| {
                format!(
                    "{s}: dashboard {:?}, forge check {:?}",
                    a.get(*s),
                    b.get(*s)
                )
            })
            .collect();
        if differ.is_empty() {
            page.assert_no_console_errors().await;
            page.finish().await;
            return;
        }
        last = differ.join("\n");
    }
    panic!("the dashboard and forge check disagree:\n{last}");
}
