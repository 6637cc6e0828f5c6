//! The action plan: every Actor in exactly one bucket, with the reason.
//!
//! A score says "how bad"; the plan says "what to do". The rules are an ordered list — the first
//! that matches places the Actor — so an Actor that is both failing and over-allocated is in
//! *Fix now*, not *Save money*, and the reason names the most urgent thing. The rules read only
//! figures the dashboard shows, so a user can check every placement by hand.
//!
//! An Actor is placed from its [figures](crate::figures) and its [health](crate::health); the
//! thresholds are in [`crate::rules`].

use crate::figures::ActorFigures;
use crate::format::{pct, usd};
use crate::health::Health;
use crate::rules::{reaches, MEMORY_NEAR_LIMIT_SHARE, MIN_OUTPUT_SAMPLES, STALE_BUILD_DAYS};
use serde::{Deserialize, Serialize};

// Where the thresholds lived before `rules`; the paths keep working, but read them from `rules`.
#[doc(no_inline)]
pub use crate::rules::{
    FIX_NOW_FAILURE_RATE, FIX_NOW_HEALTH, MIN_RATE_RUNS, WATCH_EMPTY_SHARE, WATCH_FAILURE_RATE,
    WATCH_HEALTH,
};

/// The buckets, most urgent first.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Bucket {
    FixNow,
    Watch,
    SaveMoney,
    Stale,
    #[default]
    Healthy,
}

impl Bucket {
    /// Display order.
    pub const ALL: [Bucket; 5] = [
        Bucket::FixNow,
        Bucket::Watch,
        Bucket::SaveMoney,
        Bucket::Stale,
        Bucket::Healthy,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Bucket::FixNow => "Fix now",
            Bucket::Watch => "Watch",
            Bucket::SaveMoney => "Save money",
            Bucket::Stale => "Stale",
            Bucket::Healthy => "Healthy",
        }
    }

    /// The bucket as a stable code (`fix-now`): its serde name, for data attributes, CSS
    /// classes, URLs and exports.
    pub fn code(self) -> &'static str {
        match self {
            Bucket::FixNow => "fix-now",
            Bucket::Watch => "watch",
            Bucket::SaveMoney => "save-money",
            Bucket::Stale => "stale",
            Bucket::Healthy => "healthy",
        }
    }
}

/// Where an Actor goes and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Placement {
    pub bucket: Bucket,
    /// One sentence naming the rule that matched, with its figures.
    pub reason: String,
}

/// An Actor in a bucket of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanEntry {
    pub actor_id: String,
    pub name: String,
    pub health: u8,
    pub reason: String,
}

/// One bucket of the plan with its Actors (worst health first, then most runs, then name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanBucket {
    pub bucket: Bucket,
    pub label: String,
    pub entries: Vec<PlanEntry>,
}

/// Places one Actor. Rules, in order — the first that matches wins:
///
/// 1. **Fix now** — a release regression is flagged; or the failure rate (FAILED + TIMED-OUT
///    over finished runs) is ≥ 15 % with ≥ 5 finished runs; or health < 50 with runs in the
///    window.
/// 2. **Watch** — the failure rate is ≥ 5 % with ≥ 5 finished runs; or ≥ 20 % of the sampled
///    successful runs (≥ 3 sampled) returned an empty dataset; or an output field got worse with
///    the newest build (field drift, [`crate::quality`]); or a sampled run peaked at ≥ 95 % of
///    its memory (out-of-memory risk); or health < 75 with runs in the window.
/// 3. **Stale** — no run started in the window, or the latest build is older than 90 days.
/// 4. **Save money** — a memory suggestion exists, or the cost per run spiked.
/// 5. **Healthy** — none of the above.
pub fn place(r: &ActorFigures, health: &Health) -> Placement {
    let c = &r.runs;
    let finished = c.terminal();
    let has_runs = c.total() > 0;
    let failure = c.failure_rate().filter(|_| finished >= MIN_RATE_RUNS);
    let failure_reason = |rate: f64| {
        let mut s = format!(
            "{} of {finished} finished runs failed or timed out",
            pct(rate)
        );
        if c.timed_out > 0 && c.failed > 0 {
            s.push_str(&format!(
                " ({} failed, {} timed out)",
                c.failed, c.timed_out
            ));
        } else if c.timed_out > 0 {
            s.push_str(" (all timeouts)");
        }
        s
    };
    let at = |bucket: Bucket, reason: String| Placement { bucket, reason };

    // 1. Fix now
    if let Some(check) = r.builds.release.as_ref().filter(|c| c.regression) {
        let newest = check.newest.number.as_deref().unwrap_or("?");
        // What the build changed, when both builds' details were read ("which removed the
        // input field `maxPages`").
        let changed = check
            .changes
            .as_ref()
            .and_then(|c| c.headline())
            .map_or_else(String::new, |h| format!(", which {h}"));
        return at(
            Bucket::FixNow,
            format!(
                "release regression on build {newest}: {} of runs fail vs {} on {}{changed}",
                pct(check.newest.failure_rate.unwrap_or(0.0)),
                pct(check.previous.failure_rate.unwrap_or(0.0)),
                check.previous.number.as_deref().unwrap_or("?")
            ),
        );
    }
    if let Some(rate) = failure.filter(|f| reaches(*f, FIX_NOW_FAILURE_RATE)) {
        return at(Bucket::FixNow, failure_reason(rate));
    }
    if has_runs && health.score < FIX_NOW_HEALTH {
        return at(
            Bucket::FixNow,
            format!("health {} (below {FIX_NOW_HEALTH})", health.score),
        );
    }

    // 2. Watch
    if let Some(rate) = failure.filter(|f| reaches(*f, WATCH_FAILURE_RATE)) {
        return at(Bucket::Watch, failure_reason(rate));
    }
    let out = &r.output;
    if let Some(share) = out
        .empty_share
        .filter(|s| out.sampled_succeeded >= MIN_OUTPUT_SAMPLES && reaches(*s, WATCH_EMPTY_SHARE))
    {
        return at(
            Bucket::Watch,
            format!(
                "{} of successful runs returned an empty dataset ({} of {} sampled)",
                pct(share),
                out.empty_succeeded,
                out.sampled_succeeded
            ),
        );
    }
    if let Some(drift) = r.fields.drift_texts().into_iter().next() {
        return at(Bucket::Watch, drift);
    }
    if r.memory.near_limit_runs > 0 {
        return at(
            Bucket::Watch,
            format!(
                "{} of {} sampled runs peaked at ≥ {:.0}% of memory (out-of-memory risk)",
                r.memory.near_limit_runs,
                r.memory.sampled_runs,
                MEMORY_NEAR_LIMIT_SHARE * 100.0
            ),
        );
    }
    if has_runs && health.score < WATCH_HEALTH {
        return at(
            Bucket::Watch,
            format!("health {} (below {WATCH_HEALTH})", health.score),
        );
    }

    // 3. Stale
    let st = &r.staleness;
    if st.no_runs_in_window {
        let last = st.last_run_ms.map_or_else(
            || "never ran".to_string(),
            |t| format!("last run {}", forge_apify::time::format_date(t)),
        );
        return at(
            Bucket::Stale,
            format!("no run in the last {} days ({last})", r.window_days),
        );
    }
    if st.old_build {
        return at(
            Bucket::Stale,
            format!(
                "latest build is {} days old (over {STALE_BUILD_DAYS}); rebuild to pick up fixes",
                st.build_age_days.unwrap_or(0)
            ),
        );
    }

    // 4. Save money
    if let Some(s) = &r.memory.suggestion {
        return at(Bucket::SaveMoney, s.text.clone());
    }
    let t = &r.cost.trend;
    if t.spike {
        return at(
            Bucket::SaveMoney,
            format!(
                "cost per run ×{:.1} in the last {} days: {} vs {} in the {} days before",
                t.ratio.unwrap_or(0.0),
                t.recent_days,
                usd(t.recent_per_run_usd.unwrap_or(0.0)),
                usd(t.earlier_per_run_usd.unwrap_or(0.0)),
                t.baseline_days
            ),
        );
    }

    // 5. Healthy
    let reason = match c.success_rate() {
        Some(rate) => format!(
            "health {}: {} success over {finished} finished runs",
            health.score,
            pct(rate)
        ),
        None => format!(
            "health {}: runs in progress, none finished yet",
            health.score
        ),
    };
    at(Bucket::Healthy, reason)
}

/// An Actor as the plan lists it: who, its weight in the sort (runs in the window), its score
/// and where it was placed.
#[derive(Debug, Clone, Copy)]
pub struct Planned<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub runs: u32,
    pub health: u8,
    pub placement: &'a Placement,
}

/// The plan: every bucket in display order, each with its Actors (worst health first, then most
/// runs, then name; Actors that tie on all three keep their input order).
pub fn action_plan<'a>(actors: impl IntoIterator<Item = Planned<'a>>) -> Vec<PlanBucket> {
    let actors: Vec<Planned<'a>> = actors.into_iter().collect();
    Bucket::ALL
        .iter()
        .map(|&bucket| {
            let mut members: Vec<&Planned> = actors
                .iter()
                .filter(|r| r.placement.bucket == bucket)
                .collect();
            forge_apify::sort::sort_by(&mut members, |a, b| {
                a.health
                    .cmp(&b.health)
                    .then_with(|| b.runs.cmp(&a.runs))
                    .then_with(|| a.name.cmp(b.name))
            });
            PlanBucket {
                bucket,
                label: bucket.label().to_string(),
                entries: members
                    .into_iter()
                    .map(|r| PlanEntry {
                        actor_id: r.id.to_string(),
                        name: r.name.to_string(),
                        health: r.health,
                        reason: r.placement.reason.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
