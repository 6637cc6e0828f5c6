//! The token bucket — one implementation for the relay (a bucket per session, so one runaway
//! tab cannot burn the user's Apify rate limit) and for the app's loader (which paces itself
//! below the relay's bucket, so a fleet loads without a 429).
//!
//! Time is an input in milliseconds, so the bucket is pure and tested without a clock: the relay
//! passes `Instant`-derived milliseconds, the browser `Date.now()`.

/// `burst` tokens at most, refilled at `rate_per_sec`; each request takes one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenBucket {
    rate_per_sec: f64,
    burst: f64,
    tokens: f64,
    updated_ms: f64,
}

impl TokenBucket {
    /// A full bucket at `now_ms`. Rates and bursts below one are raised to one.
    pub fn full(rate_per_sec: f64, burst: f64, now_ms: f64) -> TokenBucket {
        let burst = burst.max(1.0);
        TokenBucket {
            rate_per_sec: rate_per_sec.max(1.0),
            burst,
            tokens: burst,
            updated_ms: now_ms,
        }
    }

    /// Takes one token at `now_ms`. `Err(ms)` says how long until the next one; a clock that
    /// goes backwards refills nothing.
    pub fn take(&mut self, now_ms: f64) -> Result<(), f64> {
        self.refill(now_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - self.tokens) / self.rate_per_sec * 1000.0)
        }
    }

    /// How long (ms) until a token is there at `now_ms`: 0 when one is. Takes nothing, so a
    /// caller holding several buckets can take from all or none.
    pub fn wait_ms(&self, now_ms: f64) -> f64 {
        let mut b = *self;
        b.refill(now_ms);
        if b.tokens >= 1.0 {
            0.0
        } else {
            (1.0 - b.tokens) / b.rate_per_sec * 1000.0
        }
    }

    /// The bucket would be full at `now_ms` (nothing to remember about this client).
    pub fn is_full_at(&self, now_ms: f64) -> bool {
        let mut b = *self;
        b.refill(now_ms);
        b.tokens >= b.burst
    }

    fn refill(&mut self, now_ms: f64) {
        let elapsed = (now_ms - self.updated_ms).max(0.0);
        self.tokens = (self.tokens + elapsed / 1000.0 * self.rate_per_sec).min(self.burst);
        self.updated_ms = self.updated_ms.max(now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_at_the_rate() {
        let mut b = TokenBucket::full(10.0, 3.0, 0.0);
        for _ in 0..3 {
            assert_eq!(b.take(0.0), Ok(()));
        }
        assert_eq!(b.take(0.0), Err(100.0));
        assert_eq!(b.take(50.0), Err(50.0));
        assert_eq!(b.take(100.0), Ok(()));
        assert!(!b.is_full_at(100.0));
        assert!(b.is_full_at(400.0));
    }

    #[test]
    fn a_clock_going_backwards_refills_nothing() {
        let mut b = TokenBucket::full(1.0, 1.0, 10_000.0);
        assert_eq!(b.take(10_000.0), Ok(()));
        assert!(b.take(0.0).is_err());
        assert!(b.take(10_500.0).is_err());
        assert_eq!(b.take(11_000.0), Ok(()));
    }

    #[test]
    fn rates_below_one_are_raised() {
        let mut b = TokenBucket::full(0.0, 0.0, 0.0);
        assert_eq!(b.take(0.0), Ok(()));
        assert_eq!(b.take(0.0), Err(1000.0));
    }
}
