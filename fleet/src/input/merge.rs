//! A refresh, in the prepared form: what the last load had from before one instant, then what
//! the lists say from that instant on. Nothing is parsed again; the runs kept are copied as
//! 48-byte facts and the fresh ones are appended with their builds looked up in the kept table.

use super::{intern_build, FieldSample, PreparedActor, RunId, Sample, NO_BUILD};
use crate::quality::Measured;

impl PreparedActor {
    /// This Actor after a refresh that read every list from `since_ms` on: its runs from
    /// before `since_ms` (and from `window_start_ms` on), then every run of `fresh` (prepared
    /// from the fresh lists). Names and `modifiedAt` come from `fresh`; defaults and the
    /// `latest` tag from the last detail unless `fresh` read one. As in a full load, only the
    /// newest `recent_builds` builds count as listed.
    ///
    /// Also whether the Actor's detail must be read again: a new build, a new `modifiedAt`, or
    /// a detail never read.
    pub fn merged(
        mut self,
        fresh: PreparedActor,
        since_ms: i64,
        window_start_ms: i64,
        recent_builds: usize,
    ) -> (PreparedActor, bool) {
        let new_build = fresh
            .builds
            .iter()
            .any(|b| b.listed && b.id.is_some() && self.builds.iter().all(|o| o.id != b.id));
        let stale = new_build || fresh.modified_at != self.modified_at || !self.detail_read;

        // The runs kept, and where each old index went.
        let kept = |t: i64| t >= window_start_ms && t < since_ms;
        // Details already read of runs that had ended: they cannot change, so a run the fresh
        // lists bring again keeps them (else one run in progress for hours, which moves
        // "since" back by as much, would have every refresh read those hours' details again).
        let ended_and_read: std::collections::HashMap<RunId, Sample> = self
            .samples
            .iter()
            .filter(|s| s.detail)
            .filter_map(|s| {
                let r = self.runs.get(s.run as usize)?;
                (!kept(r.started_ms) && r.status.is_terminal())
                    .then(|| Some((*self.run_ids.get(s.run as usize)?, *s)))
                    .flatten()
            })
            .collect();
        // Field statistics of runs that had ended keep, like their details, when the fresh
        // lists bring the run again; the rest move with their runs.
        let ended_fields: std::collections::HashMap<RunId, Measured> = self
            .field_samples
            .iter()
            .filter_map(|s| {
                let r = self.runs.get(s.run as usize)?;
                let id = *self.run_ids.get(s.run as usize)?;
                (!kept(r.started_ms) && r.status.is_terminal()).then(|| (id, s.measured.clone()))
            })
            .collect();
        let mut moved = vec![u32::MAX; self.runs.len()];
        let mut n = 0usize;
        for (i, to) in moved.iter_mut().enumerate() {
            let r = self.runs[i];
            if kept(r.started_ms) {
                *to = n as u32;
                self.runs[n] = r;
                self.run_ids[n] = self.run_ids[i];
                n += 1;
            }
        }
        self.runs.truncate(n);
        self.run_ids.truncate(n);
        // A sample follows its run to its new index, or goes with it.
        let follow = |run: &mut u32| match moved.get(*run as usize) {
            Some(&to) if to != u32::MAX => {
                *run = to;
                true
            }
            _ => false,
        };
        self.samples.retain_mut(|s| follow(&mut s.run));
        self.field_samples.retain_mut(|s| follow(&mut s.run));

        // Fresh builds into the kept table.
        let build_of: Vec<u32> = fresh
            .builds
            .iter()
            .map(|b| {
                let i = intern_build(&mut self.builds, b.id.as_deref(), b.number.as_deref());
                let into = &mut self.builds[i as usize];
                into.listed |= b.listed;
                into.started_ms = b.started_ms.or(into.started_ms);
                into.finished_ms = b.finished_ms.or(into.finished_ms);
                if into.definition.is_none() {
                    into.definition.clone_from(&b.definition);
                }
                i
            })
            .collect();
        let offset = self.runs.len() as u32;
        self.runs.extend(fresh.runs.iter().map(|r| {
            let mut r = *r;
            if r.build != NO_BUILD {
                r.build = build_of.get(r.build as usize).copied().unwrap_or(NO_BUILD);
            }
            r
        }));
        self.run_ids.extend_from_slice(&fresh.run_ids);
        self.samples.extend(fresh.samples.iter().map(|s| {
            let mut s = *s;
            s.run += offset;
            s
        }));
        self.field_samples
            .extend(fresh.field_samples.iter().map(|s| FieldSample {
                run: s.run + offset,
                measured: s.measured.clone(),
            }));
        for (k, id) in fresh.run_ids.iter().enumerate() {
            if ended_fields.is_empty() {
                break;
            }
            let run = offset + k as u32;
            if let Some(m) = ended_fields.get(id) {
                if self.field_samples.iter().all(|s| s.run != run) {
                    self.field_samples.push(FieldSample {
                        run,
                        measured: m.clone(),
                    });
                }
            }
        }
        if !ended_and_read.is_empty() {
            let sampled: std::collections::HashMap<u32, usize> = self
                .samples
                .iter()
                .enumerate()
                .filter(|(_, s)| s.run >= offset)
                .map(|(k, s)| (s.run, k))
                .collect();
            for (k, id) in fresh.run_ids.iter().enumerate() {
                let Some(old) = ended_and_read.get(id) else {
                    continue;
                };
                let run = offset + k as u32;
                match sampled.get(&run) {
                    Some(&at) if !self.samples[at].detail => {
                        let s = &mut self.samples[at];
                        s.detail = true;
                        s.mem_max_bytes = old.mem_max_bytes;
                        s.memory_mbytes = old.memory_mbytes;
                        s.usd = old.usd;
                    }
                    Some(_) => {}
                    None => self.samples.push(Sample { run, ..*old }),
                }
            }
        }

        // Listed: the newest few, as the builds list a full load reads.
        let mut listed: Vec<(Option<i64>, usize)> = self
            .builds
            .iter()
            .enumerate()
            .filter(|(_, b)| b.listed)
            .map(|(i, b)| (b.started_ms, i))
            .collect();
        forge_apify::sort::sort_by(&mut listed, |a, b| b.cmp(a));
        for &(_, i) in listed.iter().skip(recent_builds) {
            self.builds[i].listed = false;
        }

        self.name = fresh.name;
        self.title = fresh.title;
        self.username = fresh.username;
        self.modified_at = fresh.modified_at;
        if fresh.detail_read {
            self.detail_read = true;
            self.default_run_options = fresh.default_run_options;
            self.latest_build = fresh
                .latest_build
                .and_then(|i| build_of.get(i as usize).copied());
        }
        self.last_run_ms = self.last_run_ms.max(fresh.last_run_ms);
        // The newest succeeded run is in the fresh lists when it started since; else it was
        // known.
        self.signals_store = fresh.signals_store.or(self.signals_store);
        // What the lists could not read: the known and the fresh count cannot be told apart by
        // time, so the larger of the two.
        self.unreadable_runs = self.unreadable_runs.max(fresh.unreadable_runs);
        (self, stale)
    }
}

#[cfg(test)]
mod tests {
    use crate::input::{prepare, ActorInput, RunId, NO_BUILD};
    use forge_apify::models::{Actor, ActorShort, BuildShort, JobStatus, RunShort};
    use forge_apify::time::format_iso_millis;

    const DAY: i64 = 86_400_000;
    const NOW: i64 = 100 * DAY;

    fn run(id: &str, build: &str, status: JobStatus, started_ms: i64) -> RunShort {
        RunShort {
            id: id.into(),
            act_id: "a".into(),
            status,
            started_at: format_iso_millis(started_ms),
            finished_at: None,
            build_id: Some(build.into()),
            build_number: None,
            meta: None,
            usage_total_usd: Some(0.1),
            default_dataset_id: None,
            default_key_value_store_id: Some(format!("kv-{id}")),
        }
    }

    fn build(id: &str, number: &str, started_ms: i64) -> BuildShort {
        serde_json::from_value(serde_json::json!({
            "id": id, "actId": "a", "status": "SUCCEEDED", "buildNumber": number,
            "startedAt": format_iso_millis(started_ms),
        }))
        .unwrap()
    }

    fn actor(modified: &str, runs: Vec<RunShort>, builds: Vec<BuildShort>) -> ActorInput {
        let mut a = ActorInput::new(Actor::from(ActorShort {
            id: "a".into(),
            created_at: None,
            modified_at: Some(modified.into()),
            name: "a".into(),
            username: "u".into(),
            title: None,
            stats: None,
        }));
        for r in &runs {
            a.item_counts.insert(r.id.clone(), 3);
        }
        a.runs = runs;
        a.builds = builds;
        a
    }

    fn ids(p: &crate::PreparedActor) -> Vec<&str> {
        p.run_ids.iter().map(RunId::as_str).collect()
    }

    #[test]
    fn runs_listed_again_keep_the_details_read_while_they_had_ended() {
        let (since, start) = (NOW - DAY, NOW - 30 * DAY);
        let ok = JobStatus::Succeeded;
        let runs = || {
            vec![
                run("ended", "b1", ok, since + 1),
                run("running", "b1", JobStatus::Running, since + 2),
            ]
        };
        let mut known = prepare(&actor("m1", runs(), vec![]));
        for id in ["ended", "running"] {
            let detail: forge_apify::models::Run = serde_json::from_value(serde_json::json!({
                "id": id, "actId": "a", "status": "SUCCEEDED", "startedAt": "2026-01-01T00:00:00.000Z",
                "stats": {"memMaxBytes": 1_000_000}, "options": {"memoryMbytes": 1024}
            }))
            .unwrap();
            known.read_run_detail(&detail);
        }
        // Both listed again (since moved back for a run in progress elsewhere): the ended one
        // keeps its detail; the one that was running then is read again.
        let fresh = prepare(&actor("m1", runs(), vec![]));
        let (merged, _) = known.merged(fresh, since, start, 10);
        assert_eq!(ids(&merged), ["ended", "running"]);
        let unread: Vec<String> = merged
            .unread_finished_runs(3)
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect();
        assert!(unread.is_empty(), "{unread:?}");
        let detail: Vec<(u32, bool, Option<u64>)> = merged
            .samples
            .iter()
            .map(|s| (s.run, s.detail, s.mem_max_bytes))
            .collect();
        assert!(detail.contains(&(0, true, Some(1_000_000))), "{detail:?}");
        assert!(!detail.iter().any(|d| d.0 == 1 && d.1), "{detail:?}");
    }

    #[test]
    fn field_statistics_move_with_their_runs_and_survive_a_relisting() {
        let (since, start) = (NOW - DAY, NOW - 30 * DAY);
        let ok = JobStatus::Succeeded;
        let stats: forge_apify::models::DatasetStatistics = serde_json::from_value(
            serde_json::json!({"fieldStatistics": {"price": {"nullCount": 1, "emptyCount": 0}}}),
        )
        .unwrap();
        let mut known = prepare(&actor(
            "m1",
            vec![
                run("gone", "b1", ok, start - 1),
                run("kept", "b1", ok, NOW - 5 * DAY),
                run("again", "b1", ok, since + 1),
            ],
            vec![],
        ));
        for id in ["gone", "kept", "again"] {
            assert!(known.read_field_statistics(id, &stats));
        }
        assert!(!known.read_field_statistics("unknown", &stats));
        let fresh = prepare(&actor(
            "m1",
            vec![run("again", "b1", ok, since + 1)],
            vec![],
        ));
        let (merged, _) = known.merged(fresh, since, start, 10);
        let measured: Vec<&str> = merged
            .field_samples
            .iter()
            .map(|s| merged.run_ids[s.run as usize].as_str())
            .collect();
        assert_eq!(measured, ["kept", "again"]);
    }

    #[test]
    fn a_merge_keeps_the_past_replaces_the_recent_and_drops_what_left_the_window() {
        let (since, start) = (NOW - DAY, NOW - 30 * DAY);
        let ok = JobStatus::Succeeded;
        let known = prepare(&actor(
            "m1",
            vec![
                run("old", "b1", ok, start - 1),
                run("kept", "b1", ok, NOW - 5 * DAY),
                run("was-running", "b1", JobStatus::Running, since),
            ],
            vec![build("b1", "0.1.1", NOW - 9 * DAY)],
        ));
        let fresh = prepare(&actor(
            "m1",
            vec![
                run("was-running", "b1", ok, since),
                run("new", "b2", JobStatus::Running, NOW - 1),
            ],
            vec![
                build("b2", "0.1.2", NOW - 2),
                build("b1", "0.1.1", NOW - 9 * DAY),
            ],
        ));
        let (merged, stale) = known.merged(fresh, since, start, 10);
        assert_eq!(ids(&merged), ["kept", "was-running", "new"]);
        assert_eq!(
            merged.runs[1].status, ok,
            "the fresh status replaces the old"
        );
        // Builds: b1 kept at its index, b2 added; the new run points at b2.
        assert_eq!(merged.builds.len(), 2);
        let b2 = merged.runs[2].build as usize;
        assert_eq!(merged.builds[b2].number.as_deref(), Some("0.1.2"));
        assert_eq!(
            merged.builds[merged.runs[0].build as usize].id.as_deref(),
            Some("b1")
        );
        // Item counts follow their runs; the one of the run that left the window is gone.
        let mut sampled: Vec<u32> = merged.samples.iter().map(|s| s.run).collect();
        sampled.sort_unstable();
        assert_eq!(sampled, [0, 1, 2]);
        assert_eq!(merged.signals_store.as_deref(), Some("kv-was-running"));
        assert!(stale, "a new build, and the detail was never read");
    }

    #[test]
    fn an_unchanged_actor_with_its_detail_read_is_not_read_again() {
        let mut input = actor("m1", vec![], vec![build("b1", "0.1.1", NOW - 9 * DAY)]);
        input.actor.default_run_options = Some(Default::default());
        let known = prepare(&input);
        assert!(known.detail_read);
        let fresh = prepare(&actor(
            "m1",
            vec![],
            vec![build("b1", "0.1.1", NOW - 9 * DAY)],
        ));
        let (merged, stale) = known.clone().merged(fresh, NOW - DAY, 0, 10);
        assert!(!stale);
        assert!(merged.detail_read, "the last detail's defaults are kept");
        let moved = prepare(&actor("m2", vec![], vec![]));
        assert!(known.merged(moved, NOW - DAY, 0, 10).1, "modifiedAt moved");
    }

    #[test]
    fn only_the_newest_builds_stay_listed() {
        let known = prepare(&actor(
            "m",
            vec![],
            vec![build("b1", "0.0.1", 1), build("b2", "0.0.2", 2)],
        ));
        let fresh = prepare(&actor("m", vec![], vec![build("b3", "0.0.3", 3)]));
        let (merged, _) = known.merged(fresh, NOW, 0, 2);
        let listed: Vec<_> = merged
            .builds
            .iter()
            .filter(|b| b.listed)
            .filter_map(|b| b.id.as_deref())
            .collect();
        assert_eq!(listed, ["b2", "b3"]);
        assert!(merged
            .runs
            .iter()
            .all(|r| r.build == NO_BUILD || (r.build as usize) < 3));
    }
}
