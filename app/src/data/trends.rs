//! Weekly trend snapshots in the user's own `forge-trends` key-value store: `forge_load::trends`
//! over the page's relay fetcher (one implementation with `forge check`).

use crate::api::{Abort, Client};
use crate::data::loader;
use forge_fleet::trends::Snapshot;
pub use forge_load::trends::{TrendStatus, Trends};

/// Reads the stored snapshots and writes this week's when it is missing.
pub async fn sync(client: Client, current: Snapshot) -> Trends {
    forge_load::trends::sync(&loader::fetcher(client, Abort::new()), current).await
}
