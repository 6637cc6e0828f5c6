//! The app's side of `forge-load`: every request of a page goes through a [`Fetcher`] over the
//! [`Relay`] transport, and every fetcher of the page shares one pacer — the session's — so the
//! fleet load, an Actor page, the trend sync and the SIGNALS reads together stay below what
//! Apify and the relay allow. What to request and in what order is `forge_load`'s.

use crate::api::{clock, Abort, Client, Relay};
use forge_load::fetch::{Pacer, SharedPacer};
use forge_load::LoadOptions;
use std::cell::RefCell;
use std::rc::Rc;

pub use forge_load::actor::{
    describe_builds, enrich_one, list_actors, load_actor, measure_fields, ActorProblem,
};
pub use forge_load::fetch::pool;
pub use forge_load::requests::last_succeeded_run;
pub use forge_load::RequestStats;

/// A paced, retrying sender of allow-listed requests.
pub type Fetcher = forge_load::Fetcher<Relay>;

thread_local! {
    /// The page's one pacer: a tab holds one session.
    static SESSION_PACER: SharedPacer =
        Rc::new(RefCell::new(Pacer::new(LoadOptions::default(), clock::now_ms())));
}

/// A fetcher whose requests are aborted with `abort`, paced with the session's pacer.
pub fn fetcher(client: Client, abort: Abort) -> Fetcher {
    let pacer = SESSION_PACER.with(Rc::clone);
    Fetcher::with_pacer(Relay { client, abort }, LoadOptions::default(), pacer)
}
