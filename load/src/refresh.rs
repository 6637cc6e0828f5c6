//! A later visit: the table of the last load is shown at once, then only what changed is read —
//! runs started since the newest one known, and again every run that was still in progress
//! then — and merged in.
//!
//! "Since" is one instant for the whole account (the account-wide lists take one
//! `startedAfter`): the newest run start known, moved back to the start of the oldest run that
//! was still in progress. Everything the last load had from before that instant is kept;
//! everything from after it is replaced by what the lists say now. Runs older than the window
//! fall out. An Actor's detail is read again only when something says it changed (a new
//! build, a new `modifiedAt`) or the last load never got it.

use crate::requests::RECENT_BUILDS;
use forge_fleet::PreparedActor;
use std::collections::HashMap;

/// What the last complete load had: its Actors, prepared (what the app caches).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Known {
    pub actors: Vec<PreparedActor>,
}

/// The instant a refresh reads from (unix ms): the newest run start known, or the start of
/// the oldest run then in progress if earlier; never before `window_start_ms`. `None` when
/// nothing is known (a full load).
pub fn since_ms(known: &Known, window_start_ms: i64) -> Option<i64> {
    let mut newest: Option<i64> = None;
    let mut oldest_open: Option<i64> = None;
    for r in known.actors.iter().flat_map(|a| &a.runs) {
        let t = r.started_ms;
        newest = Some(newest.map_or(t, |n| n.max(t)));
        if !r.status.is_terminal() {
            oldest_open = Some(oldest_open.map_or(t, |o| o.min(t)));
        }
    }
    let since = match (newest, oldest_open) {
        (Some(n), Some(o)) => n.min(o),
        (Some(n), None) => n,
        (None, _) => return None,
    };
    Some(since.max(window_start_ms))
}

/// The fleet now: the Actors of the fresh list, each with what was known from before `since`
/// (and inside the window) and what the fresh lists brought from `since` on
/// ([`PreparedActor::merged`]). Also, per Actor, whether its detail must be read again.
pub fn merge(
    known: Known,
    fresh: Vec<PreparedActor>,
    since_ms: i64,
    window_start_ms: i64,
) -> (Vec<PreparedActor>, Vec<bool>) {
    let mut old: HashMap<String, PreparedActor> = known
        .actors
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    fresh
        .into_iter()
        .map(|now| match old.remove(&now.id) {
            Some(before) => before.merged(now, since_ms, window_start_ms, RECENT_BUILDS),
            None => (now, true),
        })
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::models::{Actor, ActorShort, JobStatus, RunShort};
    use forge_apify::time::format_iso_millis;
    use forge_fleet::{prepare, ActorInput};

    const DAY: i64 = 86_400_000;
    const NOW: i64 = 100 * DAY;

    fn run(id: &str, actor: &str, status: JobStatus, started_ms: i64) -> RunShort {
        RunShort {
            id: id.into(),
            act_id: actor.into(),
            status,
            started_at: format_iso_millis(started_ms),
            finished_at: None,
            build_id: None,
            build_number: None,
            meta: None,
            usage_total_usd: None,
            default_dataset_id: None,
            default_key_value_store_id: None,
        }
    }

    fn actor(id: &str, runs: Vec<RunShort>) -> PreparedActor {
        let mut a = ActorInput::new(Actor::from(ActorShort {
            id: id.into(),
            created_at: None,
            modified_at: Some("m1".into()),
            name: id.into(),
            username: "u".into(),
            title: None,
            stats: None,
        }));
        for r in &runs {
            a.item_counts.insert(r.id.clone(), 1);
        }
        a.runs = runs;
        prepare(&a)
    }

    #[test]
    fn a_refresh_reads_from_the_newest_run_or_the_oldest_one_in_progress() {
        let done = |id, t| run(id, "a", JobStatus::Succeeded, t);
        let known = Known {
            actors: vec![actor(
                "a",
                vec![done("r1", NOW - 3 * DAY), done("r2", NOW - DAY)],
            )],
        };
        assert_eq!(since_ms(&known, 0), Some(NOW - DAY));
        let known = Known {
            actors: vec![
                actor("a", vec![done("r1", NOW - DAY)]),
                actor("b", vec![run("r3", "b", JobStatus::Running, NOW - 2 * DAY)]),
            ],
        };
        assert_eq!(since_ms(&known, 0), Some(NOW - 2 * DAY));
        // Never before the window.
        assert_eq!(since_ms(&known, NOW - DAY - 5), Some(NOW - DAY - 5));
        assert_eq!(since_ms(&Known::default(), 0), None);
    }

    #[test]
    fn merge_keeps_the_past_replaces_the_recent_and_drops_what_left_the_window() {
        let since = NOW - DAY;
        let start = NOW - 30 * DAY;
        let known = Known {
            actors: vec![
                actor(
                    "a",
                    vec![
                        run("old", "a", JobStatus::Succeeded, start - 1),
                        run("kept", "a", JobStatus::Succeeded, NOW - 5 * DAY),
                        run("was-running", "a", JobStatus::Running, since),
                    ],
                ),
                actor(
                    "gone",
                    vec![run("g1", "gone", JobStatus::Succeeded, NOW - 2 * DAY)],
                ),
            ],
        };
        let fresh = vec![
            actor(
                "a",
                vec![
                    run("was-running", "a", JobStatus::Succeeded, since),
                    run("new", "a", JobStatus::Running, NOW - 1),
                ],
            ),
            actor(
                "added",
                vec![run("n1", "added", JobStatus::Succeeded, NOW - 2)],
            ),
        ];
        let (merged, stale) = merge(known, fresh, since, start);
        fn ids(a: &PreparedActor) -> Vec<&str> {
            a.run_ids.iter().map(|r| r.as_str()).collect()
        }
        assert_eq!(merged.len(), 2, "the Actor no longer listed is gone");
        assert_eq!(ids(&merged[0]), ["kept", "was-running", "new"]);
        assert_eq!(merged[0].runs[1].status, JobStatus::Succeeded);
        assert_eq!(merged[0].samples.len(), 3, "item counts follow their runs");
        assert_eq!(ids(&merged[1]), ["n1"]);
        // Never read in full (list items only), and new: both read again.
        assert_eq!(stale, [true, true]);
    }
}
