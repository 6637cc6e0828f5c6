//! Weekly trend snapshots in the user's own `forge-trends` key-value store.
//!
//! ```text
//! after a complete fleet load:
//!   GET  /v2/key-value-stores/~forge-trends/keys?prefix=snapshot-&limit=1000
//!   GET  /v2/key-value-stores/~forge-trends/records/snapshot-<week>     each stored week
//!   when this ISO week has no snapshot yet:
//!     PUT  /v2/key-value-stores/~forge-trends/records/snapshot-<week>
//!     PUT  /v2/key-value-stores/~forge-trends/records/snapshot-index
//!   a 404 for the store: POST /v2/key-value-stores?name=forge-trends, then the PUTs
//! ```
//!
//! Nothing else in the account is written. A snapshot that cannot be read is skipped with a
//! note. A 403 on a write turns trend tracking off with one line, and nothing is written.
//!
//! One implementation for the app (after a fleet load) and `forge check` (after each check), so
//! both write the same week's snapshot the same way.

use crate::answer::{Answer, ApiError};
use crate::fetch::Fetcher;
use crate::transport::Transport;
use forge_apify::limits::MAX_PAGE_LIMIT;
use forge_apify::models::KeyList;
use forge_apify::paths::{self, ApifyPath, KeysQuery};
use forge_fleet::trends::{
    self, decode, encode, index_with, snapshot_key, week_of_key, Snapshot, SnapshotIndex,
    INDEX_KEY, MAX_WEEKS, SNAPSHOT_PREFIX,
};

/// Where trend tracking stands.
#[derive(Debug, Clone, PartialEq)]
pub enum TrendStatus {
    Idle,
    Working,
    /// This week's snapshot was written now (`true`) or was already there (`false`).
    Ready {
        written: bool,
    },
    /// Tracking is off, with the one line that says why.
    Off(String),
    /// Something else failed, as a sentence.
    Failed(String),
}

impl TrendStatus {
    pub fn code(&self) -> &'static str {
        match self {
            TrendStatus::Idle => "idle",
            TrendStatus::Working => "working",
            TrendStatus::Ready { written: true } => "written",
            TrendStatus::Ready { written: false } => "present",
            TrendStatus::Off(_) => "off",
            TrendStatus::Failed(_) => "failed",
        }
    }
}

/// The snapshots read back, this week's, and notes about skipped records.
#[derive(Debug, Clone, PartialEq)]
pub struct Trends {
    pub status: TrendStatus,
    /// Stored snapshots of earlier weeks (and this week's, if it was already stored), oldest
    /// first.
    pub stored: Vec<Snapshot>,
    /// This week's snapshot from the load.
    pub current: Option<Snapshot>,
    pub notes: Vec<String>,
}

impl Default for Trends {
    fn default() -> Self {
        Trends {
            status: TrendStatus::Idle,
            stored: Vec::new(),
            current: None,
            notes: Vec::new(),
        }
    }
}

impl Trends {
    /// This week against the stored week it should be compared with.
    pub fn week_over_week(&self) -> Option<trends::WeekOverWeek> {
        trends::week_over_week(self.current.as_ref()?, &self.stored)
    }

    /// Every week for the trend chart, oldest first.
    pub fn series(&self) -> Vec<Snapshot> {
        trends::series(&self.stored, self.current.as_ref())
            .into_iter()
            .cloned()
            .collect()
    }
}

/// The line shown when writes are refused.
pub const WRITE_OFF: &str = "Trend tracking is off: this token lacks Key-value stores: Write";
/// The line shown when Apify refuses to create the store.
pub const CREATE_REFUSED: &str = "Trend tracking needs a key-value store named forge-trends: create a key-value store named forge-trends in the Console, or allow Storages: Create";

/// The weeks of `keys` worth reading: snapshot keys only, newest [`MAX_WEEKS`], oldest first.
pub fn weeks_to_read(keys: &[String]) -> Vec<String> {
    let mut weeks: Vec<String> = keys
        .iter()
        .filter_map(|k| week_of_key(k).map(str::to_string))
        .collect();
    forge_apify::sort::sort(&mut weeks);
    weeks.dedup();
    let skip = weeks.len().saturating_sub(MAX_WEEKS);
    weeks.split_off(skip)
}

/// The answer to `request` (paced and retried); an unreachable relay and a cancelled load are
/// both "no answer".
async fn send<T: Transport>(
    f: &Fetcher<T>,
    request: &ApifyPath,
    body: Option<String>,
) -> Result<Answer, ApiError> {
    f.send(request, body)
        .await
        .unwrap_or(Err(ApiError::Unreachable))
}

/// "What failed: why", for the status line.
fn failed(what: &str, e: &ApiError) -> TrendStatus {
    TrendStatus::Failed(format!("{what}: {}", e.message()))
}

/// Reads the stored snapshots and writes this week's when it is missing.
pub async fn sync<T: Transport>(f: &Fetcher<T>, current: Snapshot) -> Trends {
    let mut out = Trends {
        status: TrendStatus::Working,
        stored: Vec::new(),
        current: Some(current.clone()),
        notes: Vec::new(),
    };
    let mut store_missing = false;
    let mut index: Option<SnapshotIndex> = None;
    const READ: &str = "Could not read the trend snapshots";
    let record = paths::trends_record;
    let keys = paths::trends_keys(&KeysQuery {
        prefix: Some(SNAPSHOT_PREFIX.to_string()),
        limit: Some(MAX_PAGE_LIMIT),
        ..KeysQuery::default()
    });
    match send(
        f,
        &keys.unwrap_or_else(|_| unreachable!("a constant prefix")),
        None,
    )
    .await
    {
        Ok(a) if a.status == 200 => {
            let keys: Vec<String> = a
                .data::<KeyList>()
                .map(|k| k.items.into_iter().map(|i| i.key).collect())
                .unwrap_or_default();
            if keys.iter().any(|k| k == INDEX_KEY) {
                if let Ok(request) = record(INDEX_KEY) {
                    if let Ok(a) = send(f, &request, None).await {
                        index = a.json().ok();
                    }
                }
            }
            for week in weeks_to_read(&keys) {
                let Ok(request) = record(&snapshot_key(&week)) else {
                    continue;
                };
                match send(f, &request, None).await {
                    Ok(a) if a.status == 200 => match decode(a.body.as_bytes()) {
                        Ok(s) => out.stored.push(s),
                        Err(p) => out.notes.push(format!("Snapshot {week}: {p}")),
                    },
                    Ok(a) => out
                        .notes
                        .push(format!("Snapshot {week}: {}; skipped", a.error().message())),
                    Err(e) => out
                        .notes
                        .push(format!("Snapshot {week}: {}; skipped", e.message())),
                }
            }
        }
        Ok(a) if a.status == 404 => store_missing = true,
        Ok(a) => {
            out.status = failed(READ, &a.error());
            return out;
        }
        Err(e) => {
            out.status = failed(READ, &e);
            return out;
        }
    }
    forge_apify::sort::sort_by(&mut out.stored, |a, b| a.week.cmp(&b.week));
    if out.stored.iter().any(|s| s.week == current.week) {
        out.status = TrendStatus::Ready { written: false };
        return out;
    }
    if store_missing {
        const CREATE: &str = "Could not create the forge-trends store";
        match send(f, &paths::create_trends_store(), None).await {
            Ok(a) if a.ok() => {}
            Ok(a) if a.status == 403 => {
                out.status = TrendStatus::Off(CREATE_REFUSED.into());
                return out;
            }
            Ok(a) => {
                out.status = failed(CREATE, &a.error());
                return out;
            }
            Err(e) => {
                out.status = failed(CREATE, &e);
                return out;
            }
        }
    }
    let put = |key: String, body: String| async move {
        match paths::put_trends_record(&key) {
            Ok(request) => send(f, &request, Some(body)).await,
            Err(_) => Err(ApiError::BadAnswer(format!("bad record key {key}"))),
        }
    };
    const SAVE: &str = "Could not save this week's snapshot";
    match put(snapshot_key(&current.week), encode(&current)).await {
        Ok(a) if a.ok() => {}
        Ok(a) if a.status == 403 => {
            out.status = TrendStatus::Off(WRITE_OFF.into());
            return out;
        }
        Ok(a) => {
            out.status = failed(SAVE, &a.error());
            return out;
        }
        Err(e) => {
            out.status = failed(SAVE, &e);
            return out;
        }
    }
    let index = index_with(index.as_ref(), &current.week);
    if let Ok(json) = serde_json::to_string(&index) {
        // The index is a convenience: a failure here leaves the snapshot in place.
        let _ = put(INDEX_KEY.to_string(), json).await;
    }
    out.status = TrendStatus::Ready { written: true };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_snapshot_weeks_newest_26() {
        let mut keys: Vec<String> = (1..=30).map(|w| format!("snapshot-2026-W{w:02}")).collect();
        keys.push("snapshot-index".into());
        keys.push("snapshot-bogus".into());
        let w = weeks_to_read(&keys);
        assert_eq!(w.len(), MAX_WEEKS);
        assert_eq!(w[0], "2026-W05");
        assert_eq!(w.last().unwrap(), "2026-W30");
    }
}
