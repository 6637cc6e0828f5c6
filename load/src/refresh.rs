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

use forge_apify::models::{Actor, ActorShort};
use forge_apify::time::parse_iso_millis;
use forge_fleet::ActorInput;
use std::collections::{HashMap, HashSet};

/// What the last complete load had.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Known {
    pub inputs: Vec<ActorInput>,
}

/// The instant a refresh reads from (unix ms): the newest run start known, or the start of
/// the oldest run then in progress if earlier; never before `window_start_ms`. `None` when
/// nothing is known (a full load).
pub fn since_ms(known: &Known, window_start_ms: i64) -> Option<i64> {
    let mut newest: Option<i64> = None;
    let mut oldest_open: Option<i64> = None;
    for r in known.inputs.iter().flat_map(|a| &a.runs) {
        let Some(t) = parse_iso_millis(&r.started_at) else {
            continue;
        };
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
/// (and inside the window) and what the fresh lists brought from `since` on. Also, per Actor,
/// whether its detail must be read again.
pub fn merge(
    known: Known,
    fresh: Vec<ActorInput>,
    since_ms: i64,
    window_start_ms: i64,
) -> (Vec<ActorInput>, Vec<bool>) {
    let mut old: HashMap<String, ActorInput> = known
        .inputs
        .into_iter()
        .map(|a| (a.actor.id.clone(), a))
        .collect();
    let mut stale = Vec::with_capacity(fresh.len());
    let merged = fresh
        .into_iter()
        .map(|mut now| {
            let Some(mut before) = old.remove(&now.actor.id) else {
                stale.push(true);
                return now;
            };
            let kept = |t: Option<i64>| t.is_some_and(|t| t >= window_start_ms && t < since_ms);
            before
                .runs
                .retain(|r| kept(parse_iso_millis(&r.started_at)));
            let ids: HashSet<&str> = before.runs.iter().map(|r| r.id.as_str()).collect();
            before.item_counts.retain(|k, _| ids.contains(k.as_str()));
            before.run_details.retain(|k, _| ids.contains(k.as_str()));
            let new_build = now
                .builds
                .iter()
                .any(|b| before.builds.iter().all(|o| o.id != b.id));
            let changed = now.actor.modified_at != before.actor.modified_at;
            let never_read =
                before.actor.tagged_builds.is_none() && before.actor.default_run_options.is_none();
            stale.push(new_build || changed || never_read);
            // Names, title and stats from the list; defaults and tags from the last detail.
            before.actor = refreshed_actor(before.actor, &now.actor);
            let fresh_ids: HashSet<String> = now.runs.iter().map(|r| r.id.clone()).collect();
            before.runs.retain(|r| !fresh_ids.contains(&r.id));
            before.runs.append(&mut now.runs);
            before.item_counts.append(&mut now.item_counts);
            let mut builds = std::mem::take(&mut now.builds);
            let ids: HashSet<String> = builds.iter().map(|b| b.id.clone()).collect();
            builds.extend(before.builds.into_iter().filter(|b| !ids.contains(&b.id)));
            builds.sort_by(|a, b| b.started_at.cmp(&a.started_at));
            builds.truncate(crate::requests::RECENT_BUILDS);
            before.builds = builds;
            before
        })
        .collect();
    (merged, stale)
}

/// `before` (a full detail, perhaps) with what the fresh list item says.
fn refreshed_actor(before: Actor, listed: &Actor) -> Actor {
    let short = ActorShort {
        id: listed.id.clone(),
        created_at: listed.created_at.clone(),
        modified_at: listed.modified_at.clone(),
        name: listed.name.clone(),
        username: listed.username.clone(),
        title: listed.title.clone(),
        stats: listed.stats.clone(),
    };
    let mut a = Actor::from(short);
    a.user_id = before.user_id;
    a.description = before.description;
    a.is_public = before.is_public;
    a.is_deprecated = before.is_deprecated;
    a.categories = before.categories;
    a.default_run_options = before.default_run_options;
    a.tagged_builds = before.tagged_builds;
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::models::{JobStatus, RunShort};
    use forge_apify::time::format_iso_millis;

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

    fn actor(id: &str, runs: Vec<RunShort>) -> ActorInput {
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
        a
    }

    #[test]
    fn a_refresh_reads_from_the_newest_run_or_the_oldest_one_in_progress() {
        let done = |id, t| run(id, "a", JobStatus::Succeeded, t);
        let known = Known {
            inputs: vec![actor(
                "a",
                vec![done("r1", NOW - 3 * DAY), done("r2", NOW - DAY)],
            )],
        };
        assert_eq!(since_ms(&known, 0), Some(NOW - DAY));
        let known = Known {
            inputs: vec![
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
            inputs: vec![
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
        fn ids(a: &ActorInput) -> Vec<&str> {
            a.runs.iter().map(|r| r.id.as_str()).collect()
        }
        assert_eq!(merged.len(), 2, "the Actor no longer listed is gone");
        assert_eq!(ids(&merged[0]), ["kept", "was-running", "new"]);
        assert_eq!(merged[0].runs[1].status, JobStatus::Succeeded);
        assert!(!merged[0].item_counts.contains_key("old"));
        assert_eq!(merged[0].item_counts.len(), 3);
        assert_eq!(ids(&merged[1]), ["n1"]);
        // Never read in full (list items only), and new: both read again.
        assert_eq!(stale, [true, true]);
    }
}
