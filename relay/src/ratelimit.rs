//! A token bucket per session (keyed by the seal's nonce, never by the token), so one
//! runaway tab cannot burn the user's Apify rate limit or the relay's capacity.

use forge_apify::pace::TokenBucket;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before idle full ones are dropped.
const MAX_TRACKED: usize = 50_000;

#[derive(Debug)]
pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    /// Bucket times are milliseconds since this instant.
    epoch: Instant,
    buckets: Mutex<HashMap<[u8; 12], TokenBucket>>,
}

impl RateLimiter {
    pub fn new(per_sec: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_sec: f64::from(per_sec.max(1)),
            burst: f64::from(burst.max(1)),
            epoch: Instant::now(),
            buckets: Mutex::default(),
        }
    }

    /// Takes one token. `Err(seconds)` says when the next one is available.
    pub fn take(&self, key: [u8; 12], now: Instant) -> Result<(), u64> {
        let now_ms = now.saturating_duration_since(self.epoch).as_secs_f64() * 1000.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&key) {
            buckets.retain(|_, b| !b.is_full_at(now_ms));
        }
        buckets
            .entry(key)
            .or_insert_with(|| TokenBucket::full(self.per_sec, self.burst, now_ms))
            .take(now_ms)
            .map_err(|wait_ms| (wait_ms / 1000.0).ceil().max(1.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill() {
        let rl = RateLimiter::new(2, 3);
        // The limiter's own epoch: times are then whole milliseconds, no float rounding (a
        // `t0` taken after it made the refill at +500 ms land a hair either side of one token).
        let t0 = rl.epoch;
        let k = [1; 12];
        for _ in 0..3 {
            assert!(rl.take(k, t0).is_ok());
        }
        assert_eq!(rl.take(k, t0), Err(1));
        assert!(rl.take([2; 12], t0).is_ok(), "sessions are independent");
        assert!(rl.take(k, t0 + Duration::from_millis(500)).is_ok());
        assert!(rl.take(k, t0 + Duration::from_millis(500)).is_err());
    }
}
