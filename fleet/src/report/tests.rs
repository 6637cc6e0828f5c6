//! The report is its figures, scored and placed — nothing recomputed, nothing lost — in the
//! JSON shape the app caches.

use super::*;
use crate::figures::actor_figures;
use crate::testkit::{scenario, NOW};

#[test]
fn a_report_is_its_figures_scored_and_placed() {
    for fx in [
        scenario::idle(),
        scenario::busy(),
        scenario::hog(),
        scenario::regression(),
        scenario::monitor(),
        scenario::documented_example(),
    ] {
        let prepared = fx.prepared();
        let w = Window::new(30, NOW);
        let figures = actor_figures(&prepared, w);
        let report = actor_report(&prepared, w);
        let health = health::score(&figures);
        let placement = plan::place(&figures, &health);
        assert_eq!(report.health, health);
        assert_eq!(report.placement, placement);
        assert_eq!(report, ActorReport::from_figures(figures.clone()));
        // Every figure is carried over as it was computed.
        assert_eq!(
            (report.id.as_str(), report.window_days, report.runs),
            (figures.id.as_str(), figures.window_days, figures.runs)
        );
        assert_eq!(report.daily, figures.daily);
        assert_eq!(report.builds, figures.builds);
        assert_eq!(report.memory, figures.memory);
        assert_eq!(report.cost, figures.cost);
    }
}

#[test]
fn json_shape_is_unchanged() {
    let report = scenario::regression().report();
    let json = serde_json::to_value(&report).unwrap();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut want = vec![
        "id",
        "name",
        "title",
        "username",
        "windowDays",
        "runs",
        "successRate",
        "failureRate",
        "abortedRate",
        "duration",
        "cost",
        "memory",
        "output",
        "builds",
        "staleness",
        "daily",
        "unreadableRuns",
        "failing",
        "runaway",
        "fields",
        "health",
        "placement",
    ];
    want.sort_unstable();
    assert_eq!(keys, want);
    let back: ActorReport = serde_json::from_value(json).unwrap();
    assert_eq!(back.health, report.health);
    assert_eq!(back.placement, report.placement);
}

#[test]
fn summary_and_display_name() {
    let mut report = scenario::regression().report();
    let s = report.summary();
    assert_eq!((s.runs, s.finished_runs, s.health), (30, 30, 63));
    assert_eq!(s.bucket, Bucket::FixNow);
    assert_eq!(report.display_name(), "crawler");
    report.title = Some("  ".into());
    assert_eq!(
        report.display_name(),
        "crawler",
        "a blank title is no title"
    );
    report.title = Some("The Crawler".into());
    assert_eq!(report.display_name(), "The Crawler");
}
