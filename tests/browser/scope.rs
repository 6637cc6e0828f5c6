//! Connect with each demo token and see the expected scope matrix — by pasting (serve mode,
//! sealed as in production) and with the demo relay's "Try this token" buttons.

use crate::harness::{open, Page, Relay};
use forge_apify::audit::{consequence, TOO_BROAD_ADVICE};
use forge_apify::Grant;
use forge_sim::Sim;

/// What the scope check must show for a demo token.
struct Expected {
    /// Grants shown as missing (✗).
    missing: &'static [Grant],
    /// Permissions outside the five that must be listed (⚠).
    extra: &'static [&'static str],
    full_access: bool,
    /// Apify answers 401: connecting fails with the rejection message.
    rejected: bool,
}

fn expected(label: &str) -> Expected {
    let e = |missing, extra, full_access, rejected| Expected {
        missing,
        extra,
        full_access,
        rejected,
    };
    match label {
        // Actors: Run cannot be probed without starting a run: a token without it looks exactly
        // like the scoped one until the first Run.
        "scoped" | "missing-run" => e(&[], &[], false, false),
        "missing-kv-write" => e(&[Grant::KeyValueStoresWrite], &[], false, false),
        "missing-runs-read" => e(&[Grant::ActorRunsRead], &[], false, false),
        "too-broad" => e(&[], &["Schedules", "Webhooks"], false, false),
        "full-access" => e(&[], &["Schedules", "Webhooks"], true, false),
        "unknown" => e(&[], &[], false, true),
        other => panic!("no expectation for the demo token {other:?}: add one"),
    }
}

/// Checks the matrix on the page against `want`.
async fn check_matrix(page: &Page, label: &str, want: &Expected) {
    // The check has finished: the matrix is there and nothing is loading.
    page.find("#scope-check .scope-check").await;
    page.wait_until("the scope check to finish", || async {
        !page.exists("#scope-check .loading").await
    })
    .await;

    let verdicts = page.verdicts().await;
    assert_eq!(
        verdicts.len(),
        7,
        "{label}: seven grants in the matrix: {verdicts:?}"
    );
    for grant in Grant::ALL {
        let want_verdict = if grant == Grant::ActorsRun {
            "untestable"
        } else if want.missing.contains(&grant) {
            "missing"
        } else {
            "granted"
        };
        let got = verdicts.get(&format!("{grant:?}")).map(String::as_str);
        if got != Some(want_verdict) {
            page.fail(&format!(
                "{label}: {} should be {want_verdict}, the page shows {got:?} (all: {verdicts:?})",
                grant.label()
            ))
            .await;
        }
    }
    let run = page.text("#scope-check tr[data-grant='ActorsRun']").await;
    assert!(
        run.to_lowercase().contains("not yet verified"),
        "{label}: Actors: Run row says {run:?}"
    );
    for grant in want.missing {
        let row = page
            .text(&format!("#scope-check tr[data-grant='{grant:?}']"))
            .await;
        assert!(
            row.contains(consequence(*grant)),
            "{label}: the {} row should say what stops working: {row:?}",
            grant.label()
        );
    }
    if want.missing.contains(&Grant::KeyValueStoresWrite) {
        let row = page
            .text("#scope-check tr[data-grant='KeyValueStoresWrite']")
            .await;
        assert!(row.contains("Trend tracking is off"), "{label}: {row:?}");
    }

    let extras = page.extras().await;
    let section = page.text("#scope-check").await;
    if want.extra.is_empty() && !want.full_access {
        if !extras.is_empty() || section.contains(TOO_BROAD_ADVICE) {
            page.fail(&format!(
                "{label}: the token should not be reported as too broad, the page lists {extras:?}"
            ))
            .await;
        }
    } else {
        for name in want.extra {
            assert!(
                extras.iter().any(|e| e == name),
                "{label}: {name} should be listed as extra, the page lists {extras:?}"
            );
        }
        assert!(
            section.contains(TOO_BROAD_ADVICE),
            "{label}: the too-broad advice is missing: {section}"
        );
    }
    assert_eq!(
        page.exists("#scope-check .full-access").await,
        want.full_access,
        "{label}: full-access warning"
    );
    if want.full_access {
        assert!(section.contains("full-access token"), "{label}: {section}");
    }

    // The header: green when exact, amber ("token needs attention") otherwise.
    let exact = want.missing.is_empty() && want.extra.is_empty() && !want.full_access;
    let header = page
        .wait_for_text(
            "#connection",
            if exact {
                "connected as forge-demo"
            } else {
                "token needs attention"
            },
        )
        .await;
    let light = page
        .find("#connection .light")
        .await
        .attr("class")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let want_light = if exact { "light-green" } else { "light-amber" };
    assert!(
        light.contains(want_light),
        "{label}: header {header:?} light {light:?}"
    );
}

#[tokio::test]
async fn pasting_each_demo_token_shows_its_scope_matrix() {
    let page = open(Relay::Serve, "paste-each-demo-token").await;
    let username = page.sim.as_ref().expect("simulator").sim.username();
    assert_eq!(username, "forge-demo");

    for demo in Sim::demo_tokens() {
        let want = expected(demo.label);
        // A fresh page for each token: an empty form, no feedback left from the previous one.
        page.goto("/settings").await;
        page.find("#apify-token").await;
        page.type_token(demo.token).await;
        page.wait_until("Save to be enabled", || async {
            !page.disabled("#save-token").await
        })
        .await;
        page.click("#save-token").await;
        if want.rejected {
            let message = page
                .wait_for_text("#token-feedback", "Apify rejected this token")
                .await;
            assert!(
                message.contains("copy the whole token again"),
                "{}: {message}",
                demo.label
            );
            // The input keeps the token so it can be corrected; nothing else changed.
            page.screenshot_at("#rotate-title", demo.label).await;
            continue;
        }
        // The first connect replaces the connect step with the connected card ("flash"); later
        // ones happen in its "Replace the token" form.
        page.wait_for_text(
            "#connected-flash, #token-feedback",
            "Connected as forge-demo",
        )
        .await;
        // The input is cleared once the token is sealed.
        let value = page
            .find("#apify-token")
            .await
            .prop("value")
            .await
            .ok()
            .flatten();
        assert_eq!(
            value.as_deref(),
            Some(""),
            "{}: the input was not cleared",
            demo.label
        );
        check_matrix(&page, demo.label, &want).await;
        page.screenshot_at("#scope-check", demo.label).await;
    }
    page.finish().await;
}

#[tokio::test]
async fn demo_relay_try_each_token_then_back_to_default() {
    let page = open(Relay::Demo, "demo-try-each-token").await;
    page.goto("/settings").await;
    page.wait_for_text("#demo-mode", "simulated Apify account")
        .await;
    // No paste box in demo mode.
    assert!(
        !page.exists("#apify-token").await,
        "demo mode shows no token input"
    );
    // The default token is the correctly scoped one.
    check_matrix(&page, "default", &expected("scoped")).await;
    page.screenshot_at("#scope-check", "default").await;

    for demo in Sim::demo_tokens() {
        if demo.label == "scoped" {
            // In use already (the default token), checked above; its button says "In use".
            let button = format!("li[data-demo-token='{}'] button", demo.label);
            assert!(
                page.disabled(&button).await,
                "the token in use cannot be tried again"
            );
            continue;
        }
        let want = expected(demo.label);
        page.click(&format!("li[data-demo-token='{}'] button", demo.label))
            .await;
        if want.rejected {
            page.wait_for_text("#demo-feedback", "Apify rejected this token")
                .await;
            page.screenshot_at("li[data-demo-token='unknown']", demo.label)
                .await;
            // The refused token changed nothing: exactly one token is still marked in use.
            let marked = page
                .js("return [...document.querySelectorAll('li.demo-token.in-use')].map(l => l.dataset.demoToken);")
                .await;
            assert_eq!(
                marked.as_array().map(Vec::len),
                Some(1),
                "after {}: {marked}",
                demo.label
            );
            continue;
        }
        page.wait_for_text("#demo-feedback", &format!("“{}” demo token", demo.label))
            .await;
        check_matrix(&page, demo.label, &want).await;
        page.screenshot_at("#scope-check", demo.label).await;
    }

    page.click("#demo-default").await;
    page.wait_for_text("#demo-feedback", "Back to the default")
        .await;
    check_matrix(&page, "back to default", &expected("scoped")).await;
    assert!(
        !page.exists("#demo-default").await,
        "already on the default token"
    );
    page.screenshot_at("#scope-check", "back-to-default").await;
    page.finish().await;
}
