//! forge-load: loading a fleet, as logic (DESIGN §9).
//!
//! What to request and in what order, paging, pacing, back-off, cancellation and the events a
//! load reports — with no browser and no socket. Everything outside goes through one small
//! [`Transport`] trait: the app implements it over `fetch` to the relay, native tools over
//! reqwest, and the tests over the simulator, counting every request.
//!
//! ```text
//! answer     Answer, ApiError: one reply and what went wrong, worded once
//! transport  the trait: send, cancelled, now, sleep, random
//! fetch      Pacer (per resource + per session, pause on 429), Fetcher (retries), pools
//! requests   every request the loader builds, from forge_apify::paths
//! account    the fleet through account-wide lists, then detail and memory in the background
//! refresh    a later visit: only runs newer than the newest known, plus those in progress
//! actor      one Actor through its own endpoints (the Actor page; the old fleet strategy)
//! trends     the weekly snapshots in the user's forge-trends store: read, and write this week's
//! ```

pub mod account;
pub mod actor;
pub mod answer;
pub mod fetch;
pub mod refresh;
pub mod requests;
pub mod transport;
pub mod trends;

pub use account::{load_fleet, Event, FleetPlan, ListProblems};
pub use actor::ActorProblem;
pub use answer::{Answer, ApiError};
pub use fetch::{Cancelled, Fetcher, LoadOptions, RequestStats};
pub use transport::Transport;
