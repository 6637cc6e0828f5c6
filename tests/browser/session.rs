//! Connecting and disconnecting: live validation that sends nothing, and Disconnect.

use crate::harness::{open, Relay};
use forge_sim::Sim;

#[tokio::test]
async fn a_token_with_a_trailing_space_is_explained_and_nothing_is_sent() {
    let page = open(Relay::Serve, "trailing-space").await;
    let sim = &page.sim.as_ref().expect("simulator").sim;
    page.goto("/settings").await;
    page.find("#connect-step").await;
    page.wait_for_text("#connection", "not connected").await;
    sim.clear_requests();
    let before = page.requests_to("POST", "/api/session").await;

    let token = format!("{} ", Sim::demo_tokens()[0].token);
    page.type_token(&token).await;
    let message = page
        .wait_for_text("#apify-token-problem", "Remove the trailing space")
        .await;
    assert!(
        message.starts_with("Remove the trailing space"),
        "{message}"
    );
    assert!(
        page.disabled("#save-token").await,
        "Save must stay disabled"
    );
    page.screenshot("message").await;

    // Pressing Enter in the field submits the form: it must still send nothing.
    page.find("#apify-token")
        .await
        .send_keys("\u{E007}")
        .await
        .expect("press Enter");
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;

    // The relay answered no new /api/session request (a POST would be a 400 or a 201), and
    // nothing reached the upstream.
    let after = page.requests_to("POST", "/api/session").await;
    assert_eq!(before, after, "a request reached POST /api/session");
    let upstream = sim.requests();
    assert!(
        upstream.is_empty(),
        "requests reached the upstream: {:?}",
        upstream
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );

    // Fixing it enables Save.
    page.type_token(Sim::demo_tokens()[0].token).await;
    page.wait_for_text("#apify-token-problem", "Looks like an Apify token")
        .await;
    assert!(
        !page.disabled("#save-token").await,
        "Save should be enabled now"
    );
    page.finish().await;
}

#[tokio::test]
async fn disconnect_returns_to_the_connect_step() {
    let page = open(Relay::Serve, "disconnect").await;
    page.goto("/settings").await;
    page.type_token(Sim::demo_tokens()[0].token).await;
    page.wait_until("Save to be enabled", || async {
        !page.disabled("#save-token").await
    })
    .await;
    page.click("#save-token").await;
    page.wait_for_text("#connected-user", "forge-demo").await;
    let age = page.wait_for_text("#token-age", "connected today").await;
    assert!(age.contains("The session ends on"), "{age}");
    page.screenshot("connected").await;

    // The dashboard lists the fleet once connected.
    page.goto("/").await;
    page.find(".fleet-table tbody tr").await;

    page.goto("/settings").await;
    page.click("#disconnect").await;
    page.find("#connect-step").await;
    let note = page
        .wait_for_text("#disconnected-note", "definitive off switch")
        .await;
    assert!(note.contains("Revoking the token in Apify"), "{note}");
    page.wait_for_text("#connection", "not connected").await;
    page.screenshot("disconnected").await;

    // The cookie is gone: a reload is still disconnected.
    page.goto("/settings").await;
    page.find("#connect-step").await;
    page.wait_for_text("#connection", "not connected").await;
    page.finish().await;
}

#[tokio::test]
async fn a_session_ending_within_ten_days_asks_for_rotation() {
    let page = open(Relay::ServeWithTtl("8d"), "rotate-reminder").await;
    page.goto("/settings").await;
    page.type_token(Sim::demo_tokens()[0].token).await;
    page.wait_until("Save to be enabled", || async {
        !page.disabled("#save-token").await
    })
    .await;
    page.click("#save-token").await;
    page.wait_for_text("#connected-user", "forge-demo").await;
    let reminder = page
        .wait_for_text("#rotate-reminder", "Time to rotate this token")
        .await;
    assert!(
        reminder.contains("This session ends in 8 days")
            || reminder.contains("This session ends in 7 days"),
        "{reminder}"
    );
    assert!(reminder.contains("Revoke the old token"), "{reminder}");
    // A correctly scoped token, but the header asks for attention.
    page.find("#scope-check .scope-check").await;
    page.wait_for_text("#connection", "token needs attention")
        .await;
    page.screenshot_at("#token-card", "settings").await;
    page.finish().await;
}
