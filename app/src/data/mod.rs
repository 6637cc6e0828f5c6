//! State and workflows, over the [`api`](crate::api) layer: the session and scope check, loading
//! the fleet (paced, retried, cancellable), trend snapshots, `SIGNALS`, one Actor's page data,
//! and starting and following a run. Stores are Leptos signals provided as context by the app
//! root; views read them and call their actions, and never send a request themselves.

pub mod actor;
pub mod fleet;
pub mod loader;
pub mod run;
pub mod session;
pub mod signals;
pub mod trends;
