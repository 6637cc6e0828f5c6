//! The run table of a window (edges, order, the prepared facts lined up with the models) and
//! the failure groups (patterns, counts, newest), on hand-made Actors.

use super::*;
use crate::input::prepare;
use crate::report::actor_report;
use crate::testkit::{days_ago, Fx, MIN, NOW};
use JobStatus::*;

fn ids<'a>(rows: &'a [RunRow<'a>]) -> Vec<&'a str> {
    rows.iter().map(|r| r.id).collect()
}

fn w30() -> Window {
    Window::new(30, NOW)
}

// ------------------------------------------------------------------------------ run rows

#[test]
fn rows_are_the_windows_runs_newest_first() {
    let w = w30();
    let start = w.start_ms();
    let fx = Fx::new("edge")
        // r1: 1 ms before the window — not a row.
        .run(Failed, start - 1, Some(10 * MIN), Some(1.0))
        // r2: exactly at the start — a row.
        .run(Succeeded, start, Some(MIN), Some(0.1))
        // r3: the last millisecond — a row.
        .run(Running, NOW - 1, None, None)
        // r4: exactly at the end — the next window's.
        .run(Failed, NOW, Some(MIN), Some(1.0))
        // r5: in the middle, with a loaded detail.
        .run(TimedOut, days_ago(3.0), Some(2 * MIN), Some(0.5))
        .message(Some("Actor timed out."));
    let p = fx.prepared();
    let rows = run_rows(&fx.input, &p, w);
    assert_eq!(ids(&rows), ["r3", "r5", "r2"]);
    assert_eq!(
        rows[1],
        RunRow {
            id: "r5",
            status: TimedOut,
            started_ms: days_ago(3.0),
            duration_ms: Some(2 * MIN as u64),
            cost_usd: Some(0.5),
            build_number: Some("0.1.2"),
            has_detail: true,
            status_message: Some("Actor timed out."),
            dataset_id: Some("d5"),
        }
    );
    // In progress: no duration, no cost known, no detail.
    assert_eq!(
        (rows[0].duration_ms, rows[0].cost_usd, rows[0].has_detail),
        (None, None, false)
    );
    assert!(rows[1].is_failure() && !rows[0].is_failure());
    // The rows are the runs the figures count.
    assert_eq!(rows.len() as u32, actor_report(&p, w).runs.total());
    // A 7-day window: only the two recent ones.
    assert_eq!(
        ids(&run_rows(&fx.input, &p, Window::new(7, NOW))),
        ["r3", "r5"]
    );
}

#[test]
fn runs_that_started_together_keep_their_listed_order() {
    let t = days_ago(2.0);
    let fx = Fx::new("burst")
        .runs(3, Succeeded, t, None)
        .run(Failed, t + 1, Some(MIN), None)
        .runs(2, Aborted, t, None);
    let p = fx.prepared();
    assert_eq!(
        ids(&run_rows(&fx.input, &p, w30())),
        ["r4", "r1", "r2", "r3", "r5", "r6"]
    );
}

#[test]
fn rows_line_up_with_the_prepared_runs_around_unreadable_ones() {
    let mut fx = Fx::new("odd")
        .run(Succeeded, days_ago(3.0), Some(MIN), Some(0.1))
        .run(Failed, days_ago(2.0), Some(MIN), Some(0.2))
        .run(Succeeded, days_ago(1.0), Some(MIN), Some(0.3));
    // r2's start cannot be read: it is no row, and r3 keeps its own cost.
    fx.input.runs[1].started_at = "yesterday".into();
    // A cost Apify cannot have meant is no cost, as in the figures.
    fx.input.runs[0].usage_total_usd = Some(-1.0);
    let p = fx.prepared();
    assert_eq!(p.unreadable_runs, 1);
    let rows = run_rows(&fx.input, &p, w30());
    assert_eq!(ids(&rows), ["r3", "r1"]);
    assert_eq!(
        rows.iter().map(|r| r.cost_usd).collect::<Vec<_>>(),
        [Some(0.3), None]
    );
}

#[test]
fn rows_are_right_even_against_a_stale_prepared_form() {
    let before = Fx::new("grows")
        .run(Succeeded, days_ago(3.0), Some(MIN), Some(0.1))
        .run(Failed, days_ago(2.0), Some(MIN), Some(0.2));
    let stale = before.prepared();
    // The input gained runs, and a listed run changed status, since it was prepared.
    let mut after = before
        .run(Succeeded, days_ago(1.0), Some(MIN), Some(0.3))
        .run(Running, days_ago(0.5), None, None);
    after.input.runs[1].status = TimedOut;
    let fresh = after.prepared();
    let want = run_rows(&after.input, &fresh, w30());
    assert_eq!(ids(&want), ["r4", "r3", "r2", "r1"]);
    assert_eq!(want[2].status, TimedOut);
    let got = run_rows(&after.input, &stale, w30());
    // Build numbers come from the run itself here, so even those agree.
    assert_eq!(got, want);
    // Same length, one status changed: that row is parsed on its own.
    let mut changed = Fx::new("flip")
        .run(Succeeded, days_ago(3.0), Some(MIN), Some(0.1))
        .run(Running, days_ago(2.0), None, None);
    let p = changed.prepared();
    changed.input.runs[1].status = Failed;
    changed.input.runs[1].finished_at =
        Some(forge_apify::time::format_iso_millis(days_ago(2.0) + MIN));
    let rows = run_rows(&changed.input, &p, w30());
    assert_eq!(
        (rows[0].status, rows[0].duration_ms),
        (Failed, Some(MIN as u64))
    );
}

#[test]
fn a_run_naming_only_its_build_id_shows_the_builds_number() {
    let mut fx = Fx::new("ids").run(Succeeded, days_ago(1.0), Some(MIN), None);
    fx.input.runs[0].build_number = None;
    // The `latest` tag names b2 as 0.1.2.
    let p = prepare(&fx.input);
    assert_eq!(
        run_rows(&fx.input, &p, w30())[0].build_number,
        Some("0.1.2")
    );
    fx.input.runs[0].build_id = None;
    let p = prepare(&fx.input);
    assert_eq!(run_rows(&fx.input, &p, w30())[0].build_number, None);
}

#[test]
fn rows_agree_with_the_figures_on_a_synthetic_fleet() {
    let fleet = crate::synthetic::synthetic_fleet(5, 300, 9);
    for input in &fleet.actors {
        let p = prepare(input);
        for days in [1, 7, 30] {
            let w = Window::new(days, fleet.now_ms - 3 * forge_apify::time::MS_PER_DAY);
            let rows = run_rows(input, &p, w);
            let r = actor_report(&p, w);
            assert_eq!(rows.len() as u32, r.runs.total(), "{} over {days}", r.name);
            assert!(rows.windows(2).all(|x| x[0].started_ms >= x[1].started_ms));
            let groups = failure_groups(&rows);
            assert_eq!(groups.failures, r.runs.failed + r.runs.timed_out);
            assert!(groups.sampled <= groups.failures);
            assert_eq!(
                groups.groups.iter().map(|g| g.runs).sum::<u32>(),
                groups.sampled
            );
        }
    }
}

// ------------------------------------------------------------------------------ failures

/// Failures with messages: two 4xx on different pages, two navigation timeouts, a detail
/// without a message, a failure whose detail is not loaded; a success and an abort with
/// messages, which are no failures.
fn failing() -> Fx {
    Fx::new("failing")
        .run(Failed, days_ago(5.0), Some(MIN), None)
        .message(Some(
            "Request failed with status code 403 for https://shop.example/p/1",
        ))
        .run(Failed, days_ago(1.0), Some(MIN), None)
        .message(Some(
            "Request failed with status code 404 for https://shop.example/p/22",
        ))
        .run(TimedOut, days_ago(4.0), Some(MIN), None)
        .message(Some("Navigation timed out after 30000 ms"))
        .run(Failed, days_ago(2.0), Some(MIN), None)
        .message(Some("Navigation  timed out after 45000 ms\n"))
        .run(Failed, days_ago(3.0), Some(MIN), None)
        .message(None)
        .run(Failed, days_ago(0.5), Some(MIN), None)
        .run(Succeeded, days_ago(0.5), Some(MIN), None)
        .message(Some("Finished! Total 40 requests: 40 succeeded, 0 failed."))
        .run(Aborted, days_ago(0.5), Some(MIN), None)
        .message(Some("Aborted by user"))
}

#[test]
fn failures_group_by_message_pattern() {
    let fx = failing();
    let p = fx.prepared();
    let g = failure_groups(&run_rows(&fx.input, &p, w30()));
    assert_eq!((g.failures, g.sampled), (6, 5));
    let summary: Vec<(&str, u32, u32, u32, &str)> = g
        .groups
        .iter()
        .map(|g| {
            (
                g.pattern.as_str(),
                g.runs,
                g.failed,
                g.timed_out,
                g.newest_run_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            // Equal counts: the group with the newest run first.
            ("Request failed with status code # for <url>", 2, 2, 0, "r2"),
            ("Navigation timed out after # ms", 2, 1, 1, "r4"),
            (NO_STATUS_MESSAGE, 1, 1, 0, "r5"),
        ]
    );
    // The example is the newest run's message, as Apify wrote it.
    assert_eq!(
        g.groups[0].example,
        "Request failed with status code 404 for https://shop.example/p/22"
    );
    assert_eq!(
        g.groups[1].example,
        "Navigation  timed out after 45000 ms\n"
    );
    assert_eq!(g.groups[1].newest_ms, days_ago(2.0));
    assert_eq!(g.groups[2].example, NO_STATUS_MESSAGE);
    // A shorter window sees fewer: the last day holds r2 (at its very start) and r6.
    let g1 = failure_groups(&run_rows(&fx.input, &p, Window::new(1, NOW)));
    assert_eq!((g1.failures, g1.sampled, g1.groups.len()), (2, 1, 1));
}

#[test]
fn groups_order_most_runs_then_newest_then_pattern() {
    let t = days_ago(2.0);
    let fx = Fx::new("order")
        .run(Failed, t, Some(MIN), None)
        .message(Some("b"))
        .run(Failed, t, Some(MIN), None)
        .message(Some("a"))
        .run(Failed, t - 1, Some(MIN), None)
        .message(Some("c"))
        .run(Failed, t - 5, Some(MIN), None)
        .message(Some("c"));
    let p = fx.prepared();
    let g = failure_groups(&run_rows(&fx.input, &p, w30()));
    let order: Vec<(&str, u32)> = g
        .groups
        .iter()
        .map(|g| (g.pattern.as_str(), g.runs))
        .collect();
    assert_eq!(order, [("c", 2), ("a", 1), ("b", 1)]);
    assert_eq!(g.groups[0].newest_run_id, "r3");
}

#[test]
fn no_failures_no_groups() {
    assert_eq!(failure_groups(&[]), FailureGroups::default());
    let fx = Fx::new("fine").runs(3, Succeeded, days_ago(1.0), None);
    let p = fx.prepared();
    assert_eq!(
        failure_groups(&run_rows(&fx.input, &p, w30())),
        FailureGroups::default()
    );
}

#[test]
fn message_patterns() {
    let long = "word ".repeat(100);
    let cases = [
        ("plain words stay", "Actor timed out.", "Actor timed out."),
        (
            "numbers become #",
            "Failed after 3 retries",
            "Failed after # retries",
        ),
        (
            "one number across separators",
            "Used 1,024.5 MB at 12:30:01",
            "Used # MB at #",
        ),
        (
            "numbers with units",
            "took 60000ms, limit 4096MB",
            "took #ms, limit #MB",
        ),
        (
            "URLs",
            "Blocked at https://example.com/a?page=2 and www.example.com/b",
            "Blocked at <url> and <url>",
        ),
        (
            "ids and timestamps",
            "Run HG7ML7M8z78YcAPEB failed at 2026-11-30T00:00:00.000Z",
            "Run <id> failed at <id>",
        ),
        (
            "punctuation around a token is kept",
            "(page 17): \"a1b2c3d4e5\"",
            "(page #): \"<id>\"",
        ),
        (
            "whitespace collapses",
            "  two\tspaces \n here ",
            "two spaces here",
        ),
        ("an empty message", "   ", NO_STATUS_MESSAGE),
        (
            "lone punctuation stays",
            "error - see log",
            "error - see log",
        ),
        (
            "short mixed tokens are words with numbers",
            "HTTP2 err_v8",
            "HTTP# err_v#",
        ),
    ];
    for (case, message, want) in cases {
        assert_eq!(message_pattern(message), want, "{case}");
    }
    let cut = message_pattern(&long);
    assert_eq!(
        cut.chars().count(),
        MAX_PATTERN_CHARS + 1,
        "cut, with an ellipsis"
    );
    assert!(cut.ends_with('…'));
    // The same failure on other pages and times reads the same.
    assert_eq!(
        message_pattern("Timeout 30000 ms on https://a.example/1 (run AbC123dEf456GhI78)"),
        message_pattern("Timeout 45000 ms on https://b.example/2 (run XyZ987wVu654TsR32)")
    );
}
