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

use crate::client::{ApiError, Client};
use crate::loader::{Cancel, Fetcher};
use forge_fleet::trends::{
    self, decode, encode, index_with, snapshot_key, week_of_key, Snapshot, SnapshotIndex,
    INDEX_KEY, MAX_WEEKS, SNAPSHOT_PREFIX,
};
use serde::Deserialize;

/// The store, by name (the token owner's).
pub const STORE: &str = "~forge-trends";

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

#[derive(Deserialize)]
struct KeysData {
    data: KeysPage,
}

#[derive(Deserialize)]
struct KeysPage {
    #[serde(default)]
    items: Vec<KeyItem>,
}

#[derive(Deserialize)]
struct KeyItem {
    key: String,
}

/// The line shown when writes are refused.
pub const WRITE_OFF: &str = "Trend tracking is off: this token lacks Key-value stores: Write";
/// The line shown when Apify refuses to create the store.
pub const CREATE_REFUSED: &str = "Trend tracking needs a key-value store named forge-trends: create a key-value store named forge-trends in the Console, or allow Storages: Create";

fn records_path(key: &str) -> String {
    format!("/api/apify/v2/key-value-stores/{STORE}/records/{key}")
}

/// The weeks of `keys` worth reading: snapshot keys only, newest [`MAX_WEEKS`], oldest first.
pub fn weeks_to_read(keys: &[String]) -> Vec<String> {
    let mut weeks: Vec<String> = keys
        .iter()
        .filter_map(|k| week_of_key(k).map(str::to_string))
        .collect();
    weeks.sort();
    weeks.dedup();
    let skip = weeks.len().saturating_sub(MAX_WEEKS);
    weeks.split_off(skip)
}

async fn send(
    f: &Fetcher,
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<(u16, String), ApiError> {
    let path = path.strip_prefix("/api/apify").unwrap_or(path);
    f.send(method, path, body)
        .await
        .unwrap_or(Err(ApiError::Unreachable))
}

/// Reads the stored snapshots and writes this week's when it is missing.
pub async fn sync(client: Client, current: Snapshot) -> Trends {
    let opts = crate::fleet_store::gentle();
    let client = &Fetcher::new(client, opts, Cancel::default());
    let mut out = Trends {
        status: TrendStatus::Working,
        stored: Vec::new(),
        current: Some(current.clone()),
        notes: Vec::new(),
    };
    let keys_path =
        format!("/api/apify/v2/key-value-stores/{STORE}/keys?prefix={SNAPSHOT_PREFIX}&limit=1000");
    let mut store_missing = false;
    let mut index: Option<SnapshotIndex> = None;
    match send(client, "GET", &keys_path, None).await {
        Ok((200, body)) => {
            let keys: Vec<String> = serde_json::from_str::<KeysData>(&body)
                .map(|k| k.data.items.into_iter().map(|i| i.key).collect())
                .unwrap_or_default();
            if keys.iter().any(|k| k == INDEX_KEY) {
                if let Ok((200, body)) = send(client, "GET", &records_path(INDEX_KEY), None).await {
                    index = serde_json::from_str(&body).ok();
                }
            }
            for week in weeks_to_read(&keys) {
                let key = snapshot_key(&week);
                match send(client, "GET", &records_path(&key), None).await {
                    Ok((200, body)) => match decode(body.as_bytes()) {
                        Ok(s) => out.stored.push(s),
                        Err(p) => out.notes.push(format!("Snapshot {week}: {p}")),
                    },
                    Ok((status, body)) => out.notes.push(format!(
                        "Snapshot {week}: {}; skipped",
                        ApiError::from_answer(status, &body).message()
                    )),
                    Err(e) => out
                        .notes
                        .push(format!("Snapshot {week}: {}; skipped", e.message())),
                }
            }
        }
        Ok((404, _)) => store_missing = true,
        Ok((status, body)) => {
            out.status = TrendStatus::Failed(format!(
                "Could not read the trend snapshots: {}",
                ApiError::from_answer(status, &body).message()
            ));
            return out;
        }
        Err(e) => {
            out.status = TrendStatus::Failed(format!(
                "Could not read the trend snapshots: {}",
                e.message()
            ));
            return out;
        }
    }
    out.stored.sort_by(|a, b| a.week.cmp(&b.week));
    if out.stored.iter().any(|s| s.week == current.week) {
        out.status = TrendStatus::Ready { written: false };
        return out;
    }
    if store_missing {
        let create = "/api/apify/v2/key-value-stores?name=forge-trends";
        match send(client, "POST", create, None).await {
            Ok((s, _)) if (200..300).contains(&s) => {}
            Ok((403, _)) => {
                out.status = TrendStatus::Off(CREATE_REFUSED.into());
                return out;
            }
            Ok((status, body)) => {
                out.status = TrendStatus::Failed(format!(
                    "Could not create the forge-trends store: {}",
                    ApiError::from_answer(status, &body).message()
                ));
                return out;
            }
            Err(e) => {
                out.status = TrendStatus::Failed(format!(
                    "Could not create the forge-trends store: {}",
                    e.message()
                ));
                return out;
            }
        }
    }
    let put = |key: String, body: String| async move {
        send(client, "PUT", &records_path(&key), Some(body)).await
    };
    match put(snapshot_key(&current.week), encode(&current)).await {
        Ok((s, _)) if (200..300).contains(&s) => {}
        Ok((403, _)) => {
            out.status = TrendStatus::Off(WRITE_OFF.into());
            return out;
        }
        Ok((status, body)) => {
            out.status = TrendStatus::Failed(format!(
                "Could not save this week's snapshot: {}",
                ApiError::from_answer(status, &body).message()
            ));
            return out;
        }
        Err(e) => {
            out.status = TrendStatus::Failed(format!(
                "Could not save this week's snapshot: {}",
                e.message()
            ));
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
