//! [`SimOptions`]: the size and behaviour of the simulated account.

use std::time::Duration;

/// Size and behaviour of the simulated account.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Seed of the generator: same seed + same `now` → identical answers.
    pub seed: u64,
    /// Actors owned by the account (the nine story Actors come first).
    pub actors: usize,
    /// Days of run history.
    pub days: u32,
    /// Average runs per ordinary Actor per day; story Actors scale from it.
    pub runs_per_actor_per_day: f64,
    /// Builds per Actor.
    pub builds: u32,
    /// Added to every response.
    pub latency: Duration,
    /// Per-resource (token + method + path) requests per second; 0 disables the limit.
    pub rate_limit_per_sec: u32,
    /// "Now" as unix seconds; `None` = the wall clock when the simulator starts.
    pub now: Option<u64>,
    /// Simulated seconds per real second for runs started through the API.
    pub run_speed: f64,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 1,
            actors: 24,
            days: 45,
            runs_per_actor_per_day: 6.0,
            builds: 5,
            latency: Duration::ZERO,
            rate_limit_per_sec: 60,
            now: None,
            run_speed: 1.0,
        }
    }
}
