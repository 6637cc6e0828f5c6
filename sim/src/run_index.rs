//! [`RunIndex`]: the account's runs sorted the ways its lists are asked for, so a page of
//! `/v2/actor-runs` (account-wide or an Actor's, in a `startedAfter`/`startedBefore` window, by
//! status) is a few binary searches and a slice instead of a scan of a million runs.
//!
//! Lists hold positions in `State::runs` (which never move) ordered by [`key`]: `startedAt`,
//! then position. Runs started through the API are appended to `State::runs` and inserted where
//! they start (a synchronous run is created already finished, so it can start before runs
//! created earlier). Their status changes with the clock, so only generated runs are in the
//! per-status lists; a status filter looks at the few live runs one by one.
//!
//! A run's *number* — what its ids derive from (`crate::ids`) — is its place among every run the
//! generator made, before the plan's retention removed the old ones ([`RunNumbers`]). So a run
//! has the same ids whatever the retention, and the id of a run retention removed answers 404
//! rather than naming another run.

use crate::entities::{Run, Status};

/// The order of every run list: by `startedAt`, then by position.
pub fn key(runs: &[Run], n: u32) -> (u64, u32) {
    (runs[n as usize].started_at, n)
}

#[derive(Debug, Default)]
pub struct RunIndex {
    /// Every run.
    pub order: Vec<u32>,
    /// Each Actor's runs (by the Actor's index).
    pub by_actor: Vec<Vec<u32>>,
    /// Generated runs by their status, in [`Status::TERMINAL`]'s order.
    pub by_status: [Vec<u32>; 4],
}

impl RunIndex {
    /// The index of `runs` (sorted by `startedAt`, all generated) of `actors` Actors.
    pub fn build(runs: &[Run], actors: usize) -> RunIndex {
        // Exact capacities: at a million runs, growing by doubling would waste megabytes.
        let mut per_actor = vec![0usize; actors];
        let mut per_status = [0usize; 4];
        for run in runs {
            per_actor[run.actor as usize] += 1;
            if let Some(s) = run.outcome.status.terminal_index() {
                per_status[s] += 1;
            }
        }
        let mut index = RunIndex {
            order: Vec::with_capacity(runs.len()),
            by_actor: per_actor.into_iter().map(Vec::with_capacity).collect(),
            by_status: per_status.map(Vec::with_capacity),
        };
        for (n, run) in runs.iter().enumerate() {
            let n = n as u32;
            index.order.push(n);
            index.by_actor[run.actor as usize].push(n);
            if let Some(s) = run.outcome.status.terminal_index() {
                index.by_status[s].push(n);
            }
        }
        index
    }

    /// Adds run `n` (started through the API) where it starts.
    pub fn insert(&mut self, runs: &[Run], n: u32) {
        let k = key(runs, n);
        let at = self.order.partition_point(|&m| key(runs, m) < k);
        self.order.insert(at, n);
        let list = &mut self.by_actor[runs[n as usize].actor as usize];
        let at = list.partition_point(|&m| key(runs, m) < k);
        list.insert(at, n);
    }

    /// The generated runs that ended with `status`.
    pub fn with_status(&self, status: Status) -> &[u32] {
        status
            .terminal_index()
            .map_or(&[][..], |i| &self.by_status[i])
    }
}

/// The part of `list` (sorted by [`key`]) started in `[after, before]` (both inclusive, as
/// Apify's `startedAfter` and `startedBefore`).
pub fn window<'a>(
    list: &'a [u32],
    runs: &[Run],
    after: Option<u64>,
    before: Option<u64>,
) -> &'a [u32] {
    let started = |n: &u32| runs[*n as usize].started_at;
    let lo = after.map_or(0, |t| list.partition_point(|n| started(n) < t));
    let hi = before.map_or(list.len(), |t| list.partition_point(|n| started(n) <= t));
    &list[lo..hi.max(lo)]
}

/// Run numbers ↔ positions in `State::runs`. Retention keeps every generated run that started
/// after its cutoff — a contiguous run of numbers — and a few older ones (each Actor's most
/// recent), so the mapping is a short sorted list and two offsets.
#[derive(Debug, Clone, Default)]
pub struct RunNumbers {
    /// Numbers of the kept runs older than the cutoff, ascending (positions `0..kept.len()`).
    pub kept: Vec<u32>,
    /// Number of the first generated run at or after the cutoff.
    pub recent_from: u32,
    /// How many runs the generator made (the numbers of runs started later follow).
    pub generated: u32,
}

impl RunNumbers {
    /// Generated runs in `State::runs`.
    pub fn stored(&self) -> u32 {
        self.kept.len() as u32 + (self.generated - self.recent_from)
    }

    /// The number of the run at `pos`.
    pub fn number(&self, pos: u32) -> u32 {
        let k = self.kept.len() as u32;
        if pos < k {
            self.kept[pos as usize]
        } else if pos < self.stored() {
            self.recent_from + (pos - k)
        } else {
            self.generated + (pos - self.stored())
        }
    }

    /// Where run number `n` is, if it is there (`runs` runs are held).
    pub fn position(&self, n: u32, runs: u32) -> Option<u32> {
        let pos = if n >= self.generated {
            self.stored().checked_add(n - self.generated)?
        } else if n >= self.recent_from {
            self.kept.len() as u32 + (n - self.recent_from)
        } else {
            self.kept.binary_search(&n).ok()? as u32
        };
        (pos < runs).then_some(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_positions_round_trip() {
        // Ten runs generated; 1, 4 and 5 kept from before the cutoff, 7.. after it; two live.
        let numbers = RunNumbers {
            kept: vec![1, 4, 5],
            recent_from: 7,
            generated: 10,
        };
        let held = numbers.stored() + 2;
        assert_eq!(numbers.stored(), 6);
        let all: Vec<u32> = (0..held).map(|p| numbers.number(p)).collect();
        assert_eq!(all, [1, 4, 5, 7, 8, 9, 10, 11]);
        for (p, n) in all.iter().enumerate() {
            assert_eq!(numbers.position(*n, held), Some(p as u32));
        }
        for gone in [0, 2, 3, 6, 12, u32::MAX] {
            assert_eq!(numbers.position(gone, held), None, "{gone}");
        }
    }
}
