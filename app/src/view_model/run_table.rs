//! The Actor page's run table: which runs a status filter keeps, the page of them shown, and
//! the time of a run reads in [`super::time::short_local`]. The rows themselves come from
//! `forge_fleet::run_rows`; this module only chooses among them.

use forge_apify::models::JobStatus;

/// Runs on one page of the table.
pub const RUNS_PER_PAGE: usize = 25;

/// The status filter above the run table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunFilter {
    All,
    /// FAILED or TIMED-OUT: what the failure groups count.
    Failures,
    Succeeded,
    /// READY or RUNNING (and the short-lived transitional states).
    InProgress,
    Aborted,
}

impl RunFilter {
    /// Every filter, in the order the buttons show.
    pub const ALL: [RunFilter; 5] = [
        RunFilter::All,
        RunFilter::Failures,
        RunFilter::Succeeded,
        RunFilter::InProgress,
        RunFilter::Aborted,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RunFilter::All => "All",
            RunFilter::Failures => "Failed or timed out",
            RunFilter::Succeeded => "Succeeded",
            RunFilter::InProgress => "In progress",
            RunFilter::Aborted => "Aborted",
        }
    }

    /// For tests and styling: `failures`.
    pub fn code(self) -> &'static str {
        match self {
            RunFilter::All => "all",
            RunFilter::Failures => "failures",
            RunFilter::Succeeded => "succeeded",
            RunFilter::InProgress => "in-progress",
            RunFilter::Aborted => "aborted",
        }
    }

    pub fn keeps(self, status: JobStatus) -> bool {
        match self {
            RunFilter::All => true,
            RunFilter::Failures => matches!(status, JobStatus::Failed | JobStatus::TimedOut),
            RunFilter::Succeeded => status == JobStatus::Succeeded,
            RunFilter::Aborted => matches!(status, JobStatus::Aborted | JobStatus::Aborting),
            RunFilter::InProgress => status.is_in_progress() && status != JobStatus::Aborting,
        }
    }

    /// How many of `statuses` the filter keeps.
    pub fn count(self, statuses: impl IntoIterator<Item = JobStatus>) -> usize {
        statuses.into_iter().filter(|s| self.keeps(*s)).count()
    }
}

/// One page of a filtered table: rows `start..end` of `total`, page `page` of `pages` (both
/// counted from 0 and 1 respectively in what people read: "Runs 26–50 of 180, page 2 of 8").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunPage {
    pub start: usize,
    pub end: usize,
    pub total: usize,
    /// 0-based, clamped to the last page.
    pub page: usize,
    pub pages: usize,
}

impl RunPage {
    /// Page `page` (0-based; past the end means the last page) of `total` rows.
    pub fn of(total: usize, page: usize) -> RunPage {
        let pages = total.div_ceil(RUNS_PER_PAGE).max(1);
        let page = page.min(pages - 1);
        let start = (page * RUNS_PER_PAGE).min(total);
        RunPage {
            start,
            end: (start + RUNS_PER_PAGE).min(total),
            total,
            page,
            pages,
        }
    }

    pub fn has_newer(&self) -> bool {
        self.page > 0
    }

    pub fn has_older(&self) -> bool {
        self.page + 1 < self.pages
    }

    /// `Runs 26–50 of 180` (or `No runs`).
    pub fn text(&self) -> String {
        match self.total {
            0 => "No runs".to_string(),
            t => format!("Runs {}–{} of {t}", self.start + 1, self.end),
        }
    }
}

/// A run's Duration cell: how long it took; for a run still in progress, how long it has
/// been going at `end_ms` ("9h 12m so far"); "—" when unknown.
pub fn duration_cell(
    status: JobStatus,
    duration_ms: Option<u64>,
    started_ms: i64,
    end_ms: i64,
) -> String {
    match duration_ms {
        Some(d) => crate::view_model::format::duration(d),
        None if matches!(status, JobStatus::Ready | JobStatus::Running) => format!(
            "{} so far",
            crate::view_model::format::duration(u64::try_from(end_ms - started_ms).unwrap_or(0))
        ),
        None => crate::view_model::format::DASH.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_in_progress_shows_how_long_it_has_been_going() {
        assert_eq!(
            duration_cell(JobStatus::Succeeded, Some(90_000), 0, 5),
            "1m 30s"
        );
        assert_eq!(
            duration_cell(JobStatus::Running, None, 0, 33_120_000),
            "9h 12m so far"
        );
        assert_eq!(duration_cell(JobStatus::Failed, None, 0, 10), "—");
    }
    use JobStatus::*;

    #[test]
    fn filters_keep_their_statuses() {
        let all = JobStatus::ALL;
        let kept = |f: RunFilter| all.iter().filter(|s| f.keeps(**s)).count();
        assert_eq!(kept(RunFilter::All), 8);
        assert_eq!(RunFilter::Failures.count(all), 2);
        assert_eq!(RunFilter::Succeeded.count(all), 1);
        assert_eq!(RunFilter::Aborted.count(all), 2);
        // READY, RUNNING and TIMING-OUT are still going.
        assert_eq!(RunFilter::InProgress.count(all), 3);
        // Every documented status is in exactly one of the specific filters; one this version
        // does not know only in All.
        assert!(RunFilter::ALL[1..].iter().all(|f| !f.keeps(Unknown)));
        for s in all {
            let n = RunFilter::ALL[1..].iter().filter(|f| f.keeps(s)).count();
            assert_eq!(n, 1, "{s:?}");
        }
    }

    #[test]
    fn pages_of_twenty_five() {
        let cases = [
            // (case, total, asked, start, end, page, pages, text)
            ("empty", 0, 0, 0, 0, 0, 1, "No runs"),
            ("one", 1, 0, 0, 1, 0, 1, "Runs 1–1 of 1"),
            ("full page", 25, 0, 0, 25, 0, 1, "Runs 1–25 of 25"),
            ("second", 180, 1, 25, 50, 1, 8, "Runs 26–50 of 180"),
            ("last", 180, 7, 175, 180, 7, 8, "Runs 176–180 of 180"),
            ("past the end", 30, 9, 25, 30, 1, 2, "Runs 26–30 of 30"),
        ];
        for (case, total, asked, start, end, page, pages, text) in cases {
            let p = RunPage::of(total, asked);
            assert_eq!(
                (p.start, p.end, p.page, p.pages, p.text().as_str()),
                (start, end, page, pages, text),
                "{case}"
            );
        }
        let p = RunPage::of(180, 0);
        assert!(!p.has_newer() && p.has_older());
        let p = RunPage::of(180, 7);
        assert!(p.has_newer() && !p.has_older());
    }
}
