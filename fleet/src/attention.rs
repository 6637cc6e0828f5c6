//! What a fleet operator must look at first: every Actor with a run that ran away or hung
//! ([`rules::RUNAWAY_P95_FACTOR`] — it is burning money now), then every Actor the plan puts in *Fix now* (release
//! regressions among them), then every other Actor failing right now (its newest
//! [`rules::FAILING_NOW_RUNS`] or more finished runs all failed), then every Actor whose health
//! fell by at least [`rules::ATTENTION_DROP_POINTS`] since the previous stored week. One entry per Actor, with
//! every reason it is listed for, so a broken Actor cannot hide behind a fleet average.

use crate::digest::FleetDigest;
use crate::metrics::{FailingStreak, Runaway};
use crate::plan::Bucket;
use crate::rules;
use crate::trends::WeekOverWeek;
use serde::Serialize;

/// Why an Actor is listed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttentionKind {
    /// A run still in progress far beyond the Actor's normal duration, or past its timeout.
    Runaway,
    /// A release regression: the newest build fails far more often than the one before.
    Regression,
    /// In the plan's *Fix now* bucket for another reason.
    FixNow,
    /// Not in *Fix now*, but its newest finished runs all failed.
    FailingNow,
    /// Not in *Fix now*, but its health fell sharply this week.
    Drop,
}

impl AttentionKind {
    /// The tag shown before the Actor's name.
    pub fn label(self) -> &'static str {
        match self {
            AttentionKind::Runaway => "Runaway run",
            AttentionKind::Regression => "Release regression",
            AttentionKind::FixNow => "Fix now",
            AttentionKind::FailingNow => "Failing now",
            AttentionKind::Drop => "Dropped this week",
        }
    }

    /// A stable name for `data-kind` and exports.
    pub fn code(self) -> &'static str {
        match self {
            AttentionKind::Runaway => "runaway",
            AttentionKind::Regression => "regression",
            AttentionKind::FixNow => "fix-now",
            AttentionKind::FailingNow => "failing-now",
            AttentionKind::Drop => "drop",
        }
    }
}

/// One Actor to look at, with its reasons (the plan's, then this week's drop).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attention {
    pub actor_id: String,
    pub name: String,
    pub health: u8,
    pub kind: AttentionKind,
    pub reasons: Vec<String>,
    /// Health points lost since the previous stored week, when that reaches the threshold.
    pub dropped: Option<f64>,
    /// Failing right now since this time (the first of the failed runs), unix ms.
    pub failing_since_ms: Option<i64>,
    /// The run that ran away, when one did (its id links to Apify Console).
    pub runaway: Option<Runaway>,
}

/// "the newest 5 finished runs all failed".
fn failing_reason(streak: &FailingStreak) -> String {
    format!("the newest {} finished runs all failed", streak.runs)
}

/// The Actors that need attention: those with a runaway run (longest running first), then
/// *Fix now* in the plan's order (worst health first), then
/// the others failing right now (longest failing first, then name), then the sharpest drops of
/// the week (largest first, then name). Each Actor once, with all its reasons.
pub fn needs_attention(digest: &FleetDigest, wow: Option<&WeekOverWeek>) -> Vec<Attention> {
    let health_delta = |id: &str| wow.and_then(|w| w.actors.get(id)).map(|(_, d)| d.health);
    let drop_of = |id: &str| {
        health_delta(id)
            .and_then(|h| h.change)
            .map(|c| -c)
            .filter(|lost| rules::reaches(*lost, rules::ATTENTION_DROP_POINTS))
    };
    // "7-day health 94 → 71 (−23) against 2026-W47": the week's own figures, which the
    // window's health beside the name does not show.
    let drop_reason = |id: &str, lost: f64, w: &WeekOverWeek| {
        let h = health_delta(id);
        let value = |v: Option<f64>| v.map_or_else(|| "?".to_string(), |v| format!("{v:.0}"));
        format!(
            "7-day health {} → {} (−{lost:.0}) against {}",
            value(h.and_then(|h| h.previous)),
            value(h.and_then(|h| h.current)),
            w.previous_week
        )
    };
    let mut out: Vec<Attention> = Vec::new();
    let fix_now = digest.plan.iter().filter(|b| b.bucket == Bucket::FixNow);
    for entry in fix_now.flat_map(|b| &b.entries) {
        let actor = digest.actor(&entry.actor_id);
        let dropped = drop_of(&entry.actor_id);
        let failing = actor.and_then(|a| a.failing);
        let mut reasons = vec![entry.reason.clone()];
        if let Some(f) = &failing {
            reasons.push(failing_reason(f));
        }
        if let (Some(lost), Some(w)) = (dropped, wow) {
            reasons.push(drop_reason(&entry.actor_id, lost, w));
        }
        out.push(Attention {
            actor_id: entry.actor_id.clone(),
            name: entry.name.clone(),
            health: entry.health,
            kind: if actor.is_some_and(|a| a.regression.is_some()) {
                AttentionKind::Regression
            } else {
                AttentionKind::FixNow
            },
            reasons,
            dropped,
            failing_since_ms: failing.map(|f| f.since_ms),
            runaway: None,
        });
    }
    let mut failing: Vec<Attention> = digest
        .actors
        .iter()
        .filter(|a| a.bucket != Bucket::FixNow)
        .filter_map(|a| {
            let f = a.failing?;
            let dropped = drop_of(&a.id);
            let mut reasons = vec![failing_reason(&f)];
            if let (Some(lost), Some(w)) = (dropped, wow) {
                reasons.push(drop_reason(&a.id, lost, w));
            }
            Some(Attention {
                actor_id: a.id.clone(),
                name: a.name.clone(),
                health: a.health,
                kind: AttentionKind::FailingNow,
                reasons,
                dropped,
                failing_since_ms: Some(f.since_ms),
                runaway: None,
            })
        })
        .collect();
    forge_apify::sort::sort_by(&mut failing, |a, b| {
        a.failing_since_ms
            .cmp(&b.failing_since_ms)
            .then_with(|| a.name.cmp(&b.name))
    });
    out.extend(failing);
    let mut drops: Vec<Attention> = digest
        .actors
        .iter()
        .filter(|a| a.bucket != Bucket::FixNow && a.failing.is_none())
        .filter_map(|a| {
            let lost = drop_of(&a.id)?;
            Some(Attention {
                actor_id: a.id.clone(),
                name: a.name.clone(),
                health: a.health,
                kind: AttentionKind::Drop,
                reasons: vec![drop_reason(&a.id, lost, wow?)],
                dropped: Some(lost),
                failing_since_ms: None,
                runaway: None,
            })
        })
        .collect();
    forge_apify::sort::sort_by(&mut drops, |a, b| {
        let (x, y) = (a.dropped.unwrap_or(0.0), b.dropped.unwrap_or(0.0));
        y.total_cmp(&x).then_with(|| a.name.cmp(&b.name))
    });
    out.extend(drops);
    // Runaway runs first: an entry already listed moves up with the runaway as its first
    // reason; another Actor gets an entry of its own.
    let mut runaways: Vec<Attention> = digest
        .actors
        .iter()
        .filter_map(|a| {
            let run = a.runaway.clone()?;
            let mut entry = match out.iter().position(|e| e.actor_id == a.id) {
                Some(i) => out.remove(i),
                None => Attention {
                    actor_id: a.id.clone(),
                    name: a.name.clone(),
                    health: a.health,
                    kind: AttentionKind::Runaway,
                    reasons: Vec::new(),
                    dropped: None,
                    failing_since_ms: None,
                    runaway: None,
                },
            };
            entry.kind = AttentionKind::Runaway;
            entry.reasons.insert(0, run.reason());
            entry.runaway = Some(run);
            Some(entry)
        })
        .collect();
    forge_apify::sort::sort_by(&mut runaways, |a, b| {
        let running = |e: &Attention| e.runaway.as_ref().map_or(0, |r| r.running_ms);
        running(b)
            .cmp(&running(a))
            .then_with(|| a.name.cmp(&b.name))
    });
    runaways.extend(out);
    runaways
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::ActorDigest;
    use crate::plan::{PlanBucket, PlanEntry};
    use crate::trends::{Delta, Direction, FigureDeltas};
    use crate::window::Window;
    use std::collections::BTreeMap;

    fn actor(id: &str, health: u8, bucket: Bucket, regression: Option<&str>) -> ActorDigest {
        ActorDigest {
            id: id.into(),
            name: format!("{id}-name"),
            title: None,
            health,
            bucket,
            reason: format!("{id} reason"),
            runs: 10,
            success_rate: None,
            p50_ms: None,
            p95_ms: None,
            cost_per_run_usd: None,
            cost_per_1000_results_usd: None,
            memory_use: None,
            memory_suggestion: None,
            build: None,
            regression: regression.map(String::from),
            stale: false,
            empty_results: false,
            cost_spike: false,
            last_run_ms: None,
            failing: None,
            runaway: None,
            field_drift: Vec::new(),
            cost_usd: None,
            biggest_cost: None,
            month_end_usd: None,
        }
    }

    fn digest(actors: Vec<ActorDigest>) -> FleetDigest {
        let entries = |b: Bucket| {
            actors
                .iter()
                .filter(|a| a.bucket == b)
                .map(|a| PlanEntry {
                    actor_id: a.id.clone(),
                    name: a.name.clone(),
                    health: a.health,
                    reason: a.reason.clone(),
                })
                .collect()
        };
        FleetDigest {
            window: Window::new(30, 0),
            summary: Default::default(),
            drivers: vec![],
            daily: vec![],
            plan: Bucket::ALL
                .into_iter()
                .map(|bucket| PlanBucket {
                    bucket,
                    label: bucket.label().into(),
                    entries: entries(bucket),
                })
                .collect(),
            actors,
        }
    }

    fn health_change(previous: f64, current: f64) -> FigureDeltas {
        let health = Delta {
            previous: Some(previous),
            current: Some(current),
            change: Some(current - previous),
            direction: Direction::Worse,
        };
        let none = Delta {
            previous: None,
            current: None,
            change: None,
            direction: Direction::Same,
        };
        FigureDeltas {
            runs: none,
            success_rate: none,
            p95_duration_secs: none,
            cost_usd: none,
            health,
        }
    }

    fn wow(changes: &[(&str, f64, f64)]) -> WeekOverWeek {
        let none = health_change(0.0, 0.0);
        WeekOverWeek {
            week: "2026-W49".into(),
            previous_week: "2026-W48".into(),
            fleet: none,
            actors: changes
                .iter()
                .map(|(id, p, c)| {
                    (
                        id.to_string(),
                        (format!("{id}-name"), health_change(*p, *c)),
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn fix_now_comes_first_in_plan_order_then_the_sharpest_drops() {
        let d = digest(vec![
            actor("ok", 95, Bucket::Healthy, None),
            actor("reg", 40, Bucket::FixNow, Some("0.3.14")),
            actor("flaky", 20, Bucket::FixNow, None),
            actor("slid", 70, Bucket::Watch, None),
            actor("fell", 60, Bucket::Watch, None),
            actor("dip", 80, Bucket::Healthy, None),
        ]);
        // reg lost 30 (also fix now), slid 25, fell 35, dip 19 (under the 20-point threshold),
        // ok exactly 20 (the threshold is inclusive).
        let w = wow(&[
            ("reg", 70.0, 40.0),
            ("slid", 95.0, 70.0),
            ("fell", 95.0, 60.0),
            ("dip", 99.0, 80.0),
            ("ok", 100.0, 80.0),
        ]);
        let got = needs_attention(&d, Some(&w));
        let order: Vec<(&str, AttentionKind)> =
            got.iter().map(|a| (a.actor_id.as_str(), a.kind)).collect();
        // The digest's plan keeps the order it was given here (reg before flaky).
        assert_eq!(
            order,
            [
                ("reg", AttentionKind::Regression),
                ("flaky", AttentionKind::FixNow),
                ("fell", AttentionKind::Drop),
                ("slid", AttentionKind::Drop),
                ("ok", AttentionKind::Drop),
            ]
        );
        assert_eq!(
            got[0].reasons,
            ["reg reason", "7-day health 70 → 40 (−30) against 2026-W48"]
        );
        assert_eq!(got[1].reasons, ["flaky reason"]);
        assert_eq!(got[2].dropped, Some(35.0));
    }

    #[test]
    fn without_a_previous_week_only_the_plan_counts() {
        let d = digest(vec![
            actor("a", 90, Bucket::Healthy, None),
            actor("b", 10, Bucket::FixNow, None),
        ]);
        let got = needs_attention(&d, None);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].actor_id.as_str(), got[0].dropped), ("b", None));
        assert!(
            needs_attention(&digest(vec![actor("a", 90, Bucket::Healthy, None)]), None).is_empty()
        );
    }

    #[test]
    fn actors_failing_right_now_come_after_fix_now_whatever_their_bucket() {
        let streak = |runs, since_ms| Some(FailingStreak { runs, since_ms });
        let mut flaky = actor("flaky", 20, Bucket::FixNow, None);
        flaky.failing = streak(4, 500);
        let mut broke = actor("broke", 90, Bucket::Healthy, None);
        broke.failing = streak(3, 900);
        let mut older = actor("older", 80, Bucket::Watch, None);
        older.failing = streak(7, 100);
        let d = digest(vec![
            actor("ok", 95, Bucket::Healthy, None),
            broke,
            flaky,
            older,
        ]);
        // broke also dropped this week: listed once, as failing, with both reasons.
        let w = wow(&[("broke", 100.0, 70.0)]);
        let got = needs_attention(&d, Some(&w));
        let order: Vec<(&str, AttentionKind, Option<i64>)> = got
            .iter()
            .map(|a| (a.actor_id.as_str(), a.kind, a.failing_since_ms))
            .collect();
        assert_eq!(
            order,
            [
                ("flaky", AttentionKind::FixNow, Some(500)),
                // Failing longest first.
                ("older", AttentionKind::FailingNow, Some(100)),
                ("broke", AttentionKind::FailingNow, Some(900)),
            ]
        );
        assert_eq!(
            got[0].reasons,
            ["flaky reason", "the newest 4 finished runs all failed"]
        );
        assert_eq!(
            got[2].reasons,
            [
                "the newest 3 finished runs all failed",
                "7-day health 100 → 70 (−30) against 2026-W48"
            ]
        );
        assert_eq!(got[2].dropped, Some(30.0));
    }

    #[test]
    fn runaway_runs_come_first_longest_running_first_with_the_other_reasons_kept() {
        let run = |running_ms| Runaway {
            run_id: Some("r1".into()),
            status: forge_apify::models::JobStatus::Running,
            started_ms: 0,
            running_ms,
            p95_ms: Some(240_000),
            timeout_ms: Some(86_400_000),
            past_timeout: false,
            cost_so_far_usd: Some(0.84),
        };
        let mut hung = actor("hung", 90, Bucket::Healthy, None);
        hung.runaway = Some(run(33_120_000));
        let mut flaky = actor("flaky", 20, Bucket::FixNow, None);
        flaky.runaway = Some(run(3_600_000));
        let d = digest(vec![
            actor("reg", 30, Bucket::FixNow, Some("0.1.2")),
            flaky,
            hung,
        ]);
        let got = needs_attention(&d, None);
        let order: Vec<(&str, AttentionKind)> =
            got.iter().map(|a| (a.actor_id.as_str(), a.kind)).collect();
        assert_eq!(
            order,
            [
                ("hung", AttentionKind::Runaway),
                ("flaky", AttentionKind::Runaway),
                ("reg", AttentionKind::Regression),
            ]
        );
        assert_eq!(
            got[0].reasons,
            ["running for 9h 12m (p95 4m 0s), $0.840 so far"]
        );
        assert_eq!(
            got[1].reasons,
            [
                "running for 1h 0m (p95 4m 0s), $0.840 so far",
                "flaky reason"
            ]
        );
    }
}
