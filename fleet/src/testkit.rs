//! Test fixtures shared by the modules' tests: a builder of hand-made Actors ([`Fx`]), the
//! scenarios several modules assert on (each module checks its own part of them), and a few
//! helpers. Everything is relative to [`NOW`], the end of every fixture window.

use crate::figures::{actor_figures, ActorFigures};
use crate::health::{self, Health};
use crate::input::{prepare, ActorInput, PreparedActor};
use crate::plan::{self, Placement};
use crate::report::{actor_report, ActorReport};
use crate::window::Window;
use forge_apify::models::{
    Actor, BuildShort, DefaultRunOptions, JobStatus, Run, RunOptions, RunShort, RunStats,
    TaggedBuild,
};
use forge_apify::time::{format_iso_millis, MS_PER_DAY, MS_PER_SEC};
use std::collections::BTreeMap;
use JobStatus::*;

/// 2026-11-30T00:00:00Z — the end of every fixture window.
pub const NOW: i64 = 1_795_996_800_000;
pub const MIN: i64 = 60 * MS_PER_SEC;
pub const MB: u64 = 1_048_576;

pub fn days_ago(d: f64) -> i64 {
    NOW - (d * MS_PER_DAY as f64) as i64
}

/// An Actor whose `latest` build 0.1.2 finished `build_age_days` before NOW.
pub fn actor_aged(name: &str, build_age_days: i64) -> Actor {
    let finished = format_iso_millis(NOW - build_age_days * MS_PER_DAY);
    Actor {
        id: format!("id-{name}"),
        name: name.into(),
        username: "me".into(),
        user_id: None,
        title: None,
        description: None,
        is_public: Some(false),
        is_deprecated: None,
        categories: None,
        created_at: None,
        modified_at: None,
        stats: None,
        default_run_options: Some(DefaultRunOptions {
            memory_mbytes: Some(1024),
            timeout_secs: Some(3600),
            build: Some("latest".into()),
        }),
        tagged_builds: Some(BTreeMap::from([(
            "latest".to_string(),
            Some(TaggedBuild {
                build_id: Some("b2".into()),
                build_number: Some("0.1.2".into()),
                finished_at: Some(finished),
            }),
        )])),
    }
}

pub struct Fx {
    pub input: ActorInput,
    next: usize,
}

impl Fx {
    pub fn new(name: &str) -> Fx {
        Fx::aged(name, 10)
    }

    pub fn aged(name: &str, build_age_days: i64) -> Fx {
        Fx {
            input: ActorInput::new(actor_aged(name, build_age_days)),
            next: 0,
        }
    }

    /// A run on build `b2` (0.1.2); `dur_ms` None = no `finishedAt`.
    pub fn run(
        self,
        status: JobStatus,
        started: i64,
        dur_ms: Option<i64>,
        cost: Option<f64>,
    ) -> Fx {
        self.run_on(status, started, dur_ms, cost, "b2", "0.1.2")
    }

    pub fn run_on(
        mut self,
        status: JobStatus,
        started: i64,
        dur_ms: Option<i64>,
        cost: Option<f64>,
        build_id: &str,
        build_number: &str,
    ) -> Fx {
        self.next += 1;
        self.input.runs.push(RunShort {
            id: format!("r{}", self.next),
            act_id: self.input.actor.id.clone(),
            status,
            started_at: format_iso_millis(started),
            finished_at: dur_ms.map(|d| format_iso_millis(started + d)),
            build_id: Some(build_id.into()),
            build_number: Some(build_number.into()),
            meta: None,
            usage_total_usd: cost,
            default_dataset_id: Some(format!("d{}", self.next)),
            default_key_value_store_id: None,
        });
        self
    }

    /// `n` identical runs.
    pub fn runs(mut self, n: usize, status: JobStatus, started: i64, cost: Option<f64>) -> Fx {
        let dur = status.is_terminal().then_some(MIN);
        for _ in 0..n {
            self = self.run(status, started, dur, cost);
        }
        self
    }

    /// Item count for the most recent run added.
    pub fn items(mut self, n: u64) -> Fx {
        self.input.item_counts.insert(format!("r{}", self.next), n);
        self
    }

    /// The run detail of the most recent run added (a bare one the first time).
    fn detail(&mut self) -> &mut Run {
        let short = self.input.runs.last().unwrap().clone();
        self.input
            .run_details
            .entry(short.id.clone())
            .or_insert_with(|| Run {
                id: short.id,
                act_id: short.act_id,
                status: short.status,
                started_at: short.started_at,
                finished_at: short.finished_at,
                status_message: None,
                exit_code: None,
                build_id: short.build_id,
                build_number: short.build_number,
                meta: None,
                stats: None,
                options: None,
                usage_total_usd: short.usage_total_usd,
                usage_usd: None,
                default_dataset_id: None,
                default_key_value_store_id: None,
            })
    }

    /// `usageUsd` of the most recent run added (its detail's cost by usage kind).
    pub fn usage_usd(mut self, pairs: &[(&str, f64)]) -> Fx {
        self.detail().usage_usd = Some(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect());
        self
    }

    /// Memory figures for the most recent run added.
    pub fn memory(mut self, peak_mb: f64, alloc_mb: u32) -> Fx {
        let detail = self.detail();
        detail.stats = Some(RunStats {
            mem_max_bytes: Some((peak_mb * MB as f64) as u64),
            ..RunStats::default()
        });
        detail.options = Some(RunOptions {
            memory_mbytes: Some(alloc_mb),
            ..RunOptions::default()
        });
        self
    }

    /// A loaded run detail, with this status message, for the most recent run added.
    pub fn message(mut self, message: Option<&str>) -> Fx {
        self.detail().status_message = message.map(str::to_string);
        self
    }

    pub fn report(&self) -> ActorReport {
        self.report_days(30)
    }

    pub fn report_days(&self, days: u32) -> ActorReport {
        actor_report(&prepare(&self.input), Window::new(days, NOW))
    }

    pub fn prepared(&self) -> PreparedActor {
        prepare(&self.input)
    }

    /// The figures over the 30 days before [`NOW`].
    pub fn figures(&self) -> ActorFigures {
        self.figures_days(30)
    }

    pub fn figures_days(&self, days: u32) -> ActorFigures {
        actor_figures(&self.prepared(), Window::new(days, NOW))
    }

    /// The health of [`Fx::figures`].
    pub fn health(&self) -> Health {
        health::score(&self.figures())
    }

    /// The figures, their health and their placement.
    pub fn placed(&self) -> (ActorFigures, Health, Placement) {
        let f = self.figures();
        let h = health::score(&f);
        let p = plan::place(&f, &h);
        (f, h, p)
    }

    /// Where [`Fx::figures`] land in the plan.
    pub fn placement(&self) -> Placement {
        self.placed().2
    }
}

pub fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// `old` finished runs on 0.1.1 (build b1) with `old_failed` failures, then `new` on 0.1.2.
pub fn two_builds(old: usize, old_failed: usize, new: usize, new_failed: usize) -> Fx {
    let mut fx = Fx::new("crawler");
    fx.input.builds = vec![
        BuildShort {
            id: "b1".into(),
            act_id: None,
            status: Succeeded,
            started_at: Some(format_iso_millis(days_ago(40.0))),
            finished_at: Some(format_iso_millis(days_ago(40.0) + 2 * MIN)),
            build_number: Some("0.1.1".into()),
            usage_total_usd: None,
        },
        BuildShort {
            id: "b2".into(),
            act_id: None,
            status: Succeeded,
            started_at: Some(format_iso_millis(days_ago(10.0) - 2 * MIN)),
            finished_at: Some(format_iso_millis(days_ago(10.0))),
            build_number: Some("0.1.2".into()),
            usage_total_usd: None,
        },
    ];
    for i in 0..old {
        let status = if i < old_failed { Failed } else { Succeeded };
        fx = fx.run_on(status, days_ago(20.0), Some(MIN), None, "b1", "0.1.1");
    }
    for i in 0..new {
        let status = if i < new_failed { TimedOut } else { Succeeded };
        fx = fx.run_on(status, days_ago(5.0), Some(MIN), None, "b2", "0.1.2");
    }
    fx
}

/// The scenarios that more than one module's tests assert on.
pub mod scenario {
    use super::*;

    /// No run at all.
    pub fn idle() -> Fx {
        Fx::new("idle")
    }

    /// Four runs, all in progress.
    pub fn busy() -> Fx {
        Fx::new("busy")
            .run(Running, days_ago(0.1), None, Some(0.01))
            .run(Ready, days_ago(0.05), None, None)
            .run(TimingOut, days_ago(0.2), None, Some(0.02))
            .run(Aborting, days_ago(0.3), None, Some(0.03))
    }

    /// Three successful runs peaking at 300–400 MB of 4096 MB, $4.00 in all.
    pub fn hog() -> Fx {
        let t = days_ago(3.0);
        Fx::new("hog")
            .run(Succeeded, t, Some(MIN), Some(1.0))
            .memory(300.0, 4096)
            .run(Succeeded, t + 1, Some(MIN), Some(1.0))
            .memory(350.0, 4096)
            .run(Succeeded, t + 2, Some(MIN), Some(2.0))
            .memory(400.0, 4096)
    }

    /// Three sampled runs, one of which peaked at 4090 of 4096 MB.
    pub fn oom() -> Fx {
        let t = days_ago(3.0);
        Fx::new("oom")
            .runs(1, Succeeded, t, None)
            .memory(100.0, 4096)
            .runs(1, Succeeded, t, None)
            .memory(100.0, 4096)
            .runs(1, Succeeded, t, None)
            .memory(4090.0, 4096)
    }

    /// Five sampled successful runs of which two are empty, and one failed run.
    pub fn empty() -> Fx {
        let t = days_ago(6.0);
        Fx::new("empty")
            .run(Succeeded, t, Some(MIN), None)
            .items(0)
            .run(Succeeded, t, Some(MIN), None)
            .items(0)
            .run(Succeeded, t, Some(MIN), None)
            .items(12)
            .run(Succeeded, t, Some(MIN), None)
            .items(40)
            .run(Succeeded, t, Some(MIN), None)
            .items(3)
            // A failed run with nothing is a failure, not an empty success.
            .run(Failed, t, Some(MIN), None)
            .items(0)
    }

    /// 0.1.1: 1 of 20 fail (5%); 0.1.2: 3 of 10 time out (30%): +25 points and 6×.
    pub fn regression() -> Fx {
        two_builds(20, 1, 10, 3)
    }

    /// Three successful runs of 400 items on 0.1.1 with `price` null in 4 of each (1%), then
    /// three on 0.1.2 with it null in 152 of each (38%), their dataset statistics read.
    pub fn field_drift() -> PreparedActor {
        let mut fx = two_builds(0, 0, 0, 0);
        for (build, number) in [("b1", "0.1.1"), ("b2", "0.1.2")] {
            for _ in 0..3 {
                fx = fx
                    .run_on(Succeeded, days_ago(5.0), Some(MIN), None, build, number)
                    .items(400);
            }
        }
        let mut p = fx.prepared();
        for (run, null) in [
            ("r1", 4),
            ("r2", 4),
            ("r3", 4),
            ("r4", 152),
            ("r5", 152),
            ("r6", 152),
        ] {
            let stats = serde_json::from_value(serde_json::json!({
                "fieldStatistics": {
                    "price": {"nullCount": null, "emptyCount": 0, "min": 5, "max": 400},
                    "url": {"nullCount": 0, "emptyCount": 0}
                }
            }))
            .map(|mut s: forge_apify::models::DatasetStatistics| {
                if let Some(f) = s
                    .field_statistics
                    .as_mut()
                    .and_then(|m| m.get_mut("price"))
                    .and_then(|f| f.as_mut())
                {
                    f.null_count = Some(null);
                }
                s
            })
            .unwrap();
            assert!(p.read_field_statistics(run, &stats));
        }
        p
    }

    /// Ten successful runs on a build 120 days old.
    pub fn old_build() -> Fx {
        Fx::aged("old", 120).runs(10, Succeeded, days_ago(1.0), None)
    }

    /// No run in the window (the last one on 2026-09-10) and a build 130 days old.
    pub fn monitor() -> Fx {
        let mut fx = Fx::aged("monitor", 130);
        fx.input.actor.stats = Some(forge_apify::models::ActorStats {
            last_run_started_at: Some("2026-09-10T06:00:00.000Z".into()),
            ..Default::default()
        });
        fx
    }

    /// Five runs at $0.04 before the last 7 days, four at $0.12 in them.
    pub fn spike() -> Fx {
        let mut fx = Fx::new("spike");
        for d in [25.0, 20.0, 15.0, 12.0, 9.0] {
            fx = fx.run(Succeeded, days_ago(d), Some(MIN), Some(0.04));
        }
        for d in [6.0, 4.0, 2.0, 1.0] {
            fx = fx.run(Succeeded, days_ago(d), Some(MIN), Some(0.12));
        }
        fx
    }

    /// The worked example of the README and `health::score`: 200 finished runs, 38 FAILED and
    /// 4 TIMED-OUT, 3 of 20 sampled successful runs empty.
    pub fn documented_example() -> Fx {
        let t = days_ago(3.0);
        let mut fx = Fx::new("example")
            .runs(138, Succeeded, t, None)
            .runs(38, Failed, t, None)
            .runs(4, TimedOut, t, None);
        for i in 0..20 {
            fx = fx
                .run(Succeeded, t, Some(MIN), None)
                .items(if i < 3 { 0 } else { 10 });
        }
        fx
    }
}
