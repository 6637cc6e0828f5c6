//! The bucket rules in order, on the fixtures whose figures and health the tests of `figures`
//! and `health` check; and the plan's order within a bucket.

use super::*;
use crate::testkit::scenario;
use crate::testkit::{days_ago, Fx};
use forge_apify::models::JobStatus::*;

#[test]
fn each_fixture_lands_in_its_bucket() {
    let t = days_ago(3.0);
    // (case, fixture, bucket, reason)
    let cases: [(&str, Fx, Bucket, Option<&str>); 16] = [
        (
            "no runs: stale, never ran",
            scenario::idle(),
            Bucket::Stale,
            Some("no run in the last 30 days (never ran)"),
        ),
        (
            "all running: healthy",
            scenario::busy(),
            Bucket::Healthy,
            Some("health 100: runs in progress, none finished yet"),
        ),
        (
            "over-allocated: the memory suggestion is the reason",
            scenario::hog(),
            Bucket::SaveMoney,
            Some("you could cut memory to 1/4: 4096 → 1024 MB (peak 400 MB in 3 sampled runs, 1.5× headroom kept), up to $3.00 less in this window"),
        ),
        (
            "a run near its memory limit: watch",
            scenario::oom(),
            Bucket::Watch,
            Some("1 of 3 sampled runs peaked at ≥ 95% of memory (out-of-memory risk)"),
        ),
        (
            "release regression: fix now",
            scenario::regression(),
            Bucket::FixNow,
            Some("release regression on build 0.1.2: 30% of runs fail vs 5% on 0.1.1"),
        ),
        (
            "old build: stale",
            scenario::old_build(),
            Bucket::Stale,
            Some("latest build is 120 days old (over 90); rebuild to pick up fixes"),
        ),
        (
            "no runs in the window: stale, naming the last run",
            scenario::monitor(),
            Bucket::Stale,
            Some("no run in the last 30 days (last run 2026-09-10)"),
        ),
        (
            "cost spike: save money",
            scenario::spike(),
            Bucket::SaveMoney,
            Some("cost per run ×3.0 in the last 7 days: $0.120 vs $0.040 in the 21 days before"),
        ),
        (
            "documented example: 21% failed or timed out",
            scenario::documented_example(),
            Bucket::FixNow,
            Some("21% of 200 finished runs failed or timed out (38 failed, 4 timed out)"),
        ),
        (
            "40% empty successful runs, but 1 of 6 failed (17%) comes first: fix now",
            scenario::empty(),
            Bucket::FixNow,
            Some("17% of 6 finished runs failed or timed out"),
        ),
        (
            "5 finished runs needed before a rate places: 1 of 4 failed is health 50, < 75",
            Fx::new("few")
                .runs(3, Succeeded, t, None)
                .runs(1, Failed, t, None),
            Bucket::Watch,
            Some("health 50 (below 75)"),
        ),
        (
            "1 of 10 failed: watch by failure rate",
            Fx::new("w").runs(9, Succeeded, t, None).runs(1, Failed, t, None),
            Bucket::Watch,
            Some("10% of 10 finished runs failed or timed out"),
        ),
        (
            "3 of 20 timed out = 15%: fix now (inclusive)",
            Fx::new("f")
                .runs(17, Succeeded, t, None)
                .runs(3, TimedOut, t, None),
            Bucket::FixNow,
            Some("15% of 20 finished runs failed or timed out (all timeouts)"),
        ),
        (
            "failing and over-allocated: the failure wins",
            Fx::new("both")
                .runs(6, Failed, t, None)
                .runs(4, Succeeded, t, None)
                .memory(100.0, 4096)
                .runs(1, Succeeded, t, None)
                .memory(100.0, 4096)
                .runs(1, Succeeded, t, None)
                .memory(100.0, 4096),
            Bucket::FixNow,
            None,
        ),
        (
            "1 of 5 sampled successful runs empty = 20%: watch (inclusive)",
            Fx::new("hollow")
                .run(Succeeded, t, None, None)
                .items(0)
                .run(Succeeded, t, None, None)
                .items(1)
                .run(Succeeded, t, None, None)
                .items(1)
                .run(Succeeded, t, None, None)
                .items(1)
                .run(Succeeded, t, None, None)
                .items(1),
            Bucket::Watch,
            Some("20% of successful runs returned an empty dataset (1 of 5 sampled)"),
        ),
        (
            "clean: healthy",
            Fx::new("ok").runs(10, Succeeded, t, Some(0.01)),
            Bucket::Healthy,
            Some("health 100: 100% success over 10 finished runs"),
        ),
    ];
    for (case, fx, bucket, reason) in cases {
        let p = fx.placement();
        assert_eq!(p.bucket, bucket, "{case}");
        if let Some(reason) = reason {
            assert_eq!(p.reason, reason, "{case}");
        }
    }
}

#[test]
fn the_rules_read_the_figures_and_the_health() {
    let t = days_ago(3.0);
    // Health 50 is not below 50: the Watch rule, by health, places it.
    let (_, health, _) = Fx::new("few")
        .runs(3, Succeeded, t, None)
        .runs(1, Failed, t, None)
        .placed();
    assert_eq!(health.score, 50);
    // The failure wins over a memory suggestion that exists.
    let (figures, _, placement) = Fx::new("both")
        .runs(6, Failed, t, None)
        .runs(4, Succeeded, t, None)
        .memory(100.0, 4096)
        .runs(1, Succeeded, t, None)
        .memory(100.0, 4096)
        .runs(1, Succeeded, t, None)
        .memory(100.0, 4096)
        .placed();
    assert!(figures.memory.suggestion.is_some());
    assert_eq!(placement.bucket, Bucket::FixNow);
    // The over-allocation reason is the suggestion, word for word.
    let (figures, _, placement) = scenario::hog().placed();
    assert_eq!(placement.reason, figures.memory.suggestion.unwrap().text);
    // The same figures with a worse score: the health rules move it.
    let figures = Fx::new("ok").runs(10, Succeeded, t, None).figures();
    let at = |score| {
        place(
            &figures,
            &Health {
                score,
                drivers: vec![],
            },
        )
    };
    assert_eq!(at(49).bucket, Bucket::FixNow);
    assert_eq!(at(49).reason, "health 49 (below 50)");
    assert_eq!(at(74).bucket, Bucket::Watch);
    assert_eq!(at(75).bucket, Bucket::Healthy);
}

#[test]
fn plan_lists_worst_health_first_then_most_runs_then_name() {
    let placement = |bucket| Placement {
        bucket,
        reason: format!("{bucket:?}"),
    };
    let (fix, watch) = (placement(Bucket::FixNow), placement(Bucket::Watch));
    fn actor<'a>(id: &'a str, runs: u32, health: u8, placement: &'a Placement) -> Planned<'a> {
        Planned {
            id,
            name: id,
            runs,
            health,
            placement,
        }
    }
    let plan = action_plan([
        actor("c", 10, 40, &fix),
        actor("b", 20, 40, &fix),
        actor("a", 10, 40, &fix),
        actor("w", 5, 70, &watch),
        actor("z", 1, 10, &fix),
    ]);
    let names: Vec<(Bucket, Vec<&str>)> = plan
        .iter()
        .map(|b| {
            (
                b.bucket,
                b.entries.iter().map(|e| e.name.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            (Bucket::FixNow, vec!["z", "b", "a", "c"]),
            (Bucket::Watch, vec!["w"]),
            (Bucket::SaveMoney, vec![]),
            (Bucket::Stale, vec![]),
            (Bucket::Healthy, vec![]),
        ]
    );
    assert_eq!(plan[0].label, "Fix now");
    assert_eq!(plan[0].entries[0].reason, "FixNow");
    assert_eq!(plan[0].entries[0].health, 10);
    assert_eq!(action_plan([]).len(), Bucket::ALL.len());
}

#[test]
fn bucket_codes_are_the_serde_names() {
    for b in Bucket::ALL {
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            format!("\"{}\"", b.code())
        );
    }
}

#[test]
fn a_regression_says_what_its_build_changed_once_both_details_are_read() {
    use forge_apify::definition::BuildDetail;
    let mut fx = scenario::regression();
    fx.input.build_details = [
        ("b1", r#"{"properties":{"maxPages":{"type":"integer"}}}"#),
        ("b2", r#"{"properties":{}}"#),
    ]
    .map(|(id, schema)| BuildDetail {
        id: id.into(),
        input_schema: Some(schema.into()),
        ..BuildDetail::default()
    })
    .to_vec();
    assert_eq!(
        fx.placement().reason,
        "release regression on build 0.1.2: 30% of runs fail vs 5% on 0.1.1, which removed the input field `maxPages`"
    );
}

/// A field worse since the newest build puts the Actor in *Watch* with the sentence.
#[test]
fn field_drift_is_watch() {
    use crate::figures::actor_figures;
    use crate::testkit::{scenario, NOW};
    use crate::window::Window;
    let f = actor_figures(&scenario::field_drift(), Window::new(30, NOW));
    let h = crate::health::score(&f);
    let p = place(&f, &h);
    assert_eq!(p.bucket, Bucket::Watch);
    assert_eq!(p.reason, "price null in 38% of items since 0.1.2, was 1%");
}
