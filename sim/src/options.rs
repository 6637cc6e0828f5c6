//! [`SimOptions`]: the size and behaviour of the simulated account.

use std::time::Duration;

/// Size and behaviour of the simulated account.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Seed of the generator: same seed + same `now` → identical answers.
    pub seed: u64,
    /// Actors owned by the account (the story Actors, `fleet::STORIES`, come first).
    pub actors: usize,
    /// Days of run history.
    pub days: u32,
    /// Average runs per ordinary Actor per day; story Actors scale from it.
    pub runs_per_actor_per_day: f64,
    /// Builds per Actor.
    pub builds: u32,
    /// Added to every response.
    pub latency: Duration,
    /// Apify's per-resource rate limit: requests per second per token and resource (an Actor, a
    /// run, a dataset, a store, a list endpoint); record CRUD gets 10/3 of it and starting runs
    /// and pushing items 20/3 (Apify: 60, 200, 400). 0 disables it.
    pub rate_limit_per_sec: u32,
    /// Apify's global rate limit: requests per minute per user (250,000); 0 disables it.
    pub global_rate_limit_per_min: u32,
    /// "Now" as unix seconds; `None` = the wall clock when the simulator starts.
    pub now: Option<u64>,
    /// Simulated seconds per real second for runs started through the API.
    pub run_speed: f64,
    /// The plan's data retention (`plan.dataRetentionDays`): runs that started longer ago — except
    /// each Actor's ten most recent — are gone with their default storages, as Apify deletes
    /// them. The default (90) keeps the default 45 days of history whole.
    pub retention_days: u32,
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
            global_rate_limit_per_min: 250_000,
            now: None,
            run_speed: 1.0,
            retention_days: 90,
        }
    }
}
