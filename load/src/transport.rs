//! The loader's one door to the outside world: a request goes out and an answer (or a failure)
//! comes back, time passes, and a coin is tossed for back-off jitter.
//!
//! The app implements it over gloo-net `fetch` to the relay, a native tool over reqwest, and the
//! tests over the simulator's router with a clock that never really waits — so everything the
//! loader decides (what to ask, in what order, when to pause) is tested natively.

use crate::answer::{Answer, ApiError};
use forge_apify::paths::ApifyPath;

/// Sends allow-listed Apify requests and keeps time.
///
/// Futures need not be `Send`: the browser is single-threaded, and the loader runs its
/// concurrent requests on one task.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends `request` once (the body is JSON). An answer of any status is `Ok`; `Err` is
    /// [`ApiError::Unreachable`] (no answer) or [`ApiError::Aborted`] (cancelled).
    async fn send(&self, request: &ApifyPath, body: Option<String>) -> Result<Answer, ApiError>;

    /// The load was cancelled (the page went away): nothing more is sent.
    fn cancelled(&self) -> bool {
        false
    }

    /// Unix milliseconds now.
    fn now_ms(&self) -> f64;

    /// Resolves after `ms` milliseconds.
    async fn sleep(&self, ms: f64);

    /// A number in `[0, 1)`, for back-off jitter.
    fn random(&self) -> f64;
}
