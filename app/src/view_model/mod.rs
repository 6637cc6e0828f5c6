//! What the views show, as plain data and pure functions — rows, sorting, filtering, exports,
//! wording, chart geometry — tested natively with `cargo test -p forge-app`.
//!
//! Nothing here touches the browser or Leptos. Thresholds and rules are read from `forge-fleet`
//! (`forge_fleet::rules`), never re-typed; limits from `forge_apify::limits`.

pub mod actors;
pub mod charts;
pub mod connection;
pub mod console;
pub mod dashboard_view;
pub mod fleet_table;
pub mod format;
pub mod formula;
pub mod progress;
pub mod route;
pub mod run_form;
pub mod run_table;
pub mod scope;
pub mod spend;
pub mod table_prefs;
pub mod time;
pub mod token;
pub mod trends;
