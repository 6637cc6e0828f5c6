//! No dead ends: a relay that goes away in the middle of a load ends the load with the reason
//! and Try again (the header light turns red, and green again with the relay's next answer),
//! and an account with no Actors says so instead of loading forever.

use crate::dashboard::{attr, wait_css};
use crate::harness::{open, Relay};
use forge_e2e::{relay_binary, RelayProcess};
use tokio::process::Command;

#[tokio::test]
async fn a_relay_stopped_mid_load_ends_in_an_error_with_try_again_and_back() {
    let args: &[&str] = &["--actors", "60", "--latency-ms", "300"];
    let mut page = open(Relay::DemoWith(args), "relay-stopped").await;
    page.goto("/").await;
    wait_css(
        &page,
        "#fleet[data-phase=\"lists\"], #fleet[data-phase=\"enriching\"]",
        60,
    )
    .await;
    let addr = page.relay.addr;
    page.relay.child.kill().await.expect("stop the relay");

    // Each request gives up after its tries (about 15–30 s of back-off): the wait here is
    // generous, and what matters is that the load ends at all.
    wait_css(&page, "#load-error .try-again", 120).await;
    let error = page.text("#load-error").await;
    assert!(
        error.contains("The load stopped") && error.contains("Cannot reach the Forge relay"),
        "{error}"
    );
    assert_eq!(attr(&page, "#fleet", "data-phase").await, "failed");
    assert!(page.exists("#connection .light-red").await);
    assert!(page
        .text("#connection")
        .await
        .contains("relay not answering"));
    page.screenshot("stopped").await;

    // The same relay again, on the same address: Try again finishes the load.
    let mut cmd = Command::new(relay_binary());
    let dist = crate::harness::dist_dir();
    cmd.args(["demo", "--app-dir", dist.to_str().expect("utf-8 path")])
        .args(args)
        .args(["--bind", &addr.to_string()]);
    page.relay = RelayProcess::spawn(cmd).await;
    page.click("#load-error .try-again").await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 120).await;
    assert!(!page.exists("#load-error").await);
    assert!(page.exists("#connection .light-green").await);
    let rows = page
        .js("return document.querySelectorAll('.fleet-table tbody tr[data-state=\"ok\"]').length")
        .await;
    assert_eq!(
        rows.as_u64(),
        Some(60),
        "every Actor has figures after Try again"
    );
    // Refused `/api` requests are the relay being away; nothing else may be in the console.
    page.finish().await;
}

#[tokio::test]
async fn an_account_with_no_actors_says_so() {
    let page = open(Relay::DemoWith(&["--actors", "0"]), "no-actors").await;
    page.goto("/").await;
    wait_css(&page, "#fleet[data-phase=\"done\"]", 60).await;
    let empty = page.text("#fleet-empty").await;
    assert!(empty.contains("no Actors of its own yet"), "{empty}");
    assert!(
        !page.exists(".loading").await,
        "nothing still says it is loading"
    );
    page.goto("/actors").await;
    let empty = page.wait_for_text("main", "no Actors of its own yet").await;
    assert!(!empty.contains("Loading"), "{empty}");
    page.screenshot("no-actors").await;
    page.finish().await;
}
