//! One Actor's runs as its page lists them: the run table of a window, and its failures grouped
//! by status message.
//!
//! Both read what [`prepare`](crate::prepare) already parsed — start, end, cost and build of
//! every run, with the window's edge rule ([`Window::contains`]) — and borrow the few strings a
//! row shows (run id, build number, status message) from the [`ActorInput`] it was prepared
//! from. No timestamp is parsed again and no run is copied.
//!
//! **Failure groups.** Apify's status messages carry the details of each failure — a URL, a
//! count, an id, a time — so two runs that failed the same way rarely have the same message.
//! Runs are grouped by the message's *pattern* ([`message_pattern`]): whitespace collapsed,
//! URLs shown as `<url>`, ids and timestamps as `<id>`, other numbers as `#`. A group counts its
//! runs and shows its newest run's message as Apify wrote it.

use crate::input::{ActorInput, PreparedActor, RunFact, NO_BUILD};
use crate::window::Window;
use forge_apify::models::{JobStatus, RunShort};
use forge_apify::time::parse_iso_millis;
use std::collections::BTreeMap;

/// The pattern of a run whose detail has no status message.
pub const NO_STATUS_MESSAGE: &str = "(no status message)";
/// Longest pattern kept, characters; longer messages are grouped by their beginning.
pub const MAX_PATTERN_CHARS: usize = 200;
/// A token at least this long that mixes letters and digits is an id (run and dataset ids,
/// hashes, UUIDs, timestamps) and shown as `<id>`.
pub const MIN_ID_CHARS: usize = 8;

/// One row of an Actor's run table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunRow<'a> {
    pub id: &'a str,
    pub status: JobStatus,
    pub started_ms: i64,
    /// `finishedAt − startedAt` of a finished run ([`RunFact::duration_ms`]): `None` in
    /// progress or when the end cannot be read.
    pub duration_ms: Option<u64>,
    /// `usageTotalUsd`; `None` ("n/a") when Apify did not give it.
    pub cost_usd: Option<f64>,
    /// The run's build number, else the number of the build it names (from the builds list).
    pub build_number: Option<&'a str>,
    /// The run detail has been loaded (memory figures, status message).
    pub has_detail: bool,
    /// `statusMessage` of the run detail, when loaded and present.
    pub status_message: Option<&'a str>,
    /// The run's default dataset (its results), when listed.
    pub dataset_id: Option<&'a str>,
}

impl RunRow<'_> {
    /// FAILED or TIMED-OUT — what the failure groups count (ABORTED is not a failure).
    pub fn is_failure(&self) -> bool {
        matches!(self.status, JobStatus::Failed | JobStatus::TimedOut)
    }
}

/// The runs of `input` started in `window`, newest first (runs that started at the same
/// millisecond keep the order they were listed in).
///
/// `prepared` is `prepare(input)`. Runs whose `startedAt` cannot be read are not rows (as they
/// are in no figure). Should `prepared` come from another version of the input, the rows are
/// still right: a run the prepared form does not match is parsed on its own.
pub fn run_rows<'a>(
    input: &'a ActorInput,
    prepared: &'a PreparedActor,
    window: Window,
) -> Vec<RunRow<'a>> {
    let window = Window::new(window.days, window.end_ms);
    let mut rows: Vec<RunRow<'a>> = paired(input, prepared)
        .filter(|(_, fact)| window.contains(fact.started_ms))
        .map(|(run, fact)| {
            let detail = input.run_details.get(&run.id);
            RunRow {
                id: &run.id,
                status: fact.status,
                started_ms: fact.started_ms,
                duration_ms: fact.duration_ms(),
                cost_usd: fact.cost_usd,
                build_number: run.build_number.as_deref().or_else(|| {
                    prepared
                        .builds
                        .get(fact.build as usize)
                        .and_then(|b| b.number.as_deref())
                }),
                has_detail: detail.is_some(),
                status_message: detail.and_then(|d| d.status_message.as_deref()),
                dataset_id: run.default_dataset_id.as_deref(),
            }
        })
        .collect();
    forge_apify::sort::sort_by_key(&mut rows, |r| std::cmp::Reverse(r.started_ms));
    rows
}

/// Each listed run with its prepared fact, skipping runs with an unreadable start.
fn paired<'a>(
    input: &'a ActorInput,
    prepared: &'a PreparedActor,
) -> impl Iterator<Item = (&'a RunShort, RunFact)> + 'a {
    let unreadable = prepared.unreadable_runs as usize;
    let aligned = prepared.runs.len() + unreadable == input.runs.len();
    let mut facts = prepared.runs.iter();
    input.runs.iter().filter_map(move |run| {
        if aligned && unreadable > 0 && parse_iso_millis(&run.started_at).is_none() {
            return None;
        }
        let fact = if aligned { facts.next().copied() } else { None };
        match fact {
            Some(f) if f.status == run.status => Some((run, f)),
            _ => RunFact::parse(run, NO_BUILD).map(|f| (run, f)),
        }
    })
}

/// Failed and timed-out runs that share a status message pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureGroup {
    /// The messages' common pattern ([`message_pattern`]).
    pub pattern: String,
    /// The newest run's status message, as Apify wrote it ([`NO_STATUS_MESSAGE`] without one).
    pub example: String,
    /// Runs in the group: `failed + timed_out`.
    pub runs: u32,
    pub failed: u32,
    pub timed_out: u32,
    /// The newest run of the group.
    pub newest_ms: i64,
    pub newest_run_id: String,
}

/// The failures of a run table, grouped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureGroups {
    /// FAILED + TIMED-OUT runs among the rows.
    pub failures: u32,
    /// …of which the run detail is loaded — the runs grouped (the run list carries no status
    /// message).
    pub sampled: u32,
    /// Most runs first, then the most recent, then by pattern.
    pub groups: Vec<FailureGroup>,
}

/// Groups the failed and timed-out runs among `rows` (normally [`run_rows`] of a window) by
/// the pattern of their status message. Runs without a loaded detail are counted in
/// `failures` only.
pub fn failure_groups<'r, 'a: 'r>(rows: impl IntoIterator<Item = &'r RunRow<'a>>) -> FailureGroups {
    let mut failures = 0u32;
    let mut sampled = 0u32;
    let mut by_pattern: BTreeMap<String, FailureGroup> = BTreeMap::new();
    for row in rows.into_iter().filter(|r| r.is_failure()) {
        failures += 1;
        if !row.has_detail {
            continue;
        }
        sampled += 1;
        let message = row.status_message.unwrap_or(NO_STATUS_MESSAGE);
        let group = by_pattern
            .entry(message_pattern(message))
            .or_insert_with_key(|pattern| FailureGroup {
                pattern: pattern.clone(),
                example: message.to_string(),
                runs: 0,
                failed: 0,
                timed_out: 0,
                newest_ms: row.started_ms,
                newest_run_id: row.id.to_string(),
            });
        group.runs += 1;
        if row.status == JobStatus::TimedOut {
            group.timed_out += 1;
        } else {
            group.failed += 1;
        }
        if row.started_ms > group.newest_ms {
            group.newest_ms = row.started_ms;
            group.newest_run_id = row.id.to_string();
            group.example = message.to_string();
        }
    }
    let mut groups: Vec<FailureGroup> = by_pattern.into_values().collect();
    forge_apify::sort::sort_by(&mut groups, |a, b| {
        b.runs
            .cmp(&a.runs)
            .then(b.newest_ms.cmp(&a.newest_ms))
            .then_with(|| a.pattern.cmp(&b.pattern))
    });
    FailureGroups {
        failures,
        sampled,
        groups,
    }
}

/// Characters trimmed off a token before it is classified (and kept around its placeholder).
fn is_edge_punctuation(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '`'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '<'
            | '>'
            | ','
            | ';'
            | ':'
            | '.'
            | '!'
            | '?'
    )
}

/// The pattern of a status message: what stays the same when the same failure happens again.
///
/// Token by token (whitespace-separated; whitespace collapses to one space), after trimming
/// quotes, brackets and punctuation off its ends: a URL (`://`, or starting `www.`) becomes
/// `<url>`; a token of at least [`MIN_ID_CHARS`] characters mixing letters and digits becomes
/// `<id>`; in any other token each number (digits, with `.`, `,` or `:` between digits) becomes
/// `#`. The result is cut at [`MAX_PATTERN_CHARS`] characters (with `…`); an empty message is
/// [`NO_STATUS_MESSAGE`].
///
/// ```
/// use forge_fleet::runs::message_pattern;
/// assert_eq!(
///     message_pattern("Request failed with status code 403 for https://shop.example/p/17?page=2"),
///     "Request failed with status code # for <url>"
/// );
/// assert_eq!(
///     message_pattern("Navigation timed out after 60000 ms (run HG7ML7M8z78YcAPEB)."),
///     "Navigation timed out after # ms (run <id>)."
/// );
/// ```
pub fn message_pattern(message: &str) -> String {
    let mut out = String::new();
    for token in message.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        let core = token.trim_matches(is_edge_punctuation);
        if core.is_empty() {
            out.push_str(token);
            continue;
        }
        let start = token.len() - token.trim_start_matches(is_edge_punctuation).len();
        let (prefix, suffix) = (&token[..start], &token[start + core.len()..]);
        out.push_str(prefix);
        let has_digit = core.chars().any(|c| c.is_ascii_digit());
        if core.contains("://") || core.starts_with("www.") {
            out.push_str("<url>");
        } else if has_digit
            && core.chars().count() >= MIN_ID_CHARS
            && core.chars().any(char::is_alphabetic)
        {
            out.push_str("<id>");
        } else if has_digit {
            mask_numbers(core, &mut out);
        } else {
            out.push_str(core);
        }
        out.push_str(suffix);
    }
    if out.is_empty() {
        return NO_STATUS_MESSAGE.to_string();
    }
    if out.chars().count() > MAX_PATTERN_CHARS {
        out = out.chars().take(MAX_PATTERN_CHARS).collect();
        out.push('…');
    }
    out
}

/// Appends `s` with each number (digits, and `.` `,` `:` between digits) as `#`.
fn mask_numbers(s: &str, out: &mut String) {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (matches!(chars[i], '.' | ',' | ':')
                        && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            out.push('#');
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests;
