//! A token bucket: a burst, then a steady rate.

use std::time::Duration;

use tokio::time::Instant;

/// How much a bucket holds and how fast it fills again.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Allowance {
    pub burst: f64,
    pub per_second: f64,
}

impl Allowance {
    /// `count` at once, then `count` again over each `window`.
    pub fn per(count: u32, window: Duration) -> Self {
        Self {
            burst: f64::from(count),
            per_second: f64::from(count) / window.as_secs_f64(),
        }
    }
}

/// An action takes one token; a refused action takes none.
#[derive(Debug)]
pub struct TokenBucket {
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    pub fn full(allowance: &Allowance, now: Instant) -> Self {
        Self {
            tokens: allowance.burst,
            updated: now,
        }
    }

    /// Takes a token if there is one.
    pub fn try_take(&mut self, allowance: &Allowance, now: Instant) -> bool {
        if self.has_one(allowance, now) {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether a token is there to take, taking none.
    pub fn has_one(&mut self, allowance: &Allowance, now: Instant) -> bool {
        self.refill(allowance, now);
        self.tokens >= 1.0
    }

    /// How long until a token is there to take (as of the last look).
    pub fn wait_for_one(&self, allowance: &Allowance) -> Duration {
        Duration::from_secs_f64(((1.0 - self.tokens) / allowance.per_second).max(0.0))
    }

    /// Whether the bucket is as full as a new one would be at `now`.
    pub fn is_full(&mut self, allowance: &Allowance, now: Instant) -> bool {
        self.refill(allowance, now);
        self.tokens >= allowance.burst
    }

    fn refill(&mut self, allowance: &Allowance, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * allowance.per_second).min(allowance.burst);
        self.updated = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: Allowance = Allowance {
        burst: 100.0,
        per_second: 20.0,
    };

    #[test]
    fn allows_a_burst_then_the_steady_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(&EVENTS, start);
        assert!((0..100).all(|_| bucket.try_take(&EVENTS, start)));
        assert!(!bucket.try_take(&EVENTS, start));
        // 20 per second: one token every 50 ms.
        assert!(!bucket.try_take(&EVENTS, start + Duration::from_millis(40)));
        assert!(bucket.try_take(&EVENTS, start + Duration::from_millis(55)));
        assert!(!bucket.try_take(&EVENTS, start + Duration::from_millis(60)));
    }

    #[test]
    fn refusals_cost_nothing() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(&EVENTS, start);
        for _ in 0..100 {
            bucket.try_take(&EVENTS, start);
        }
        for _ in 0..1000 {
            assert!(!bucket.try_take(&EVENTS, start));
        }
        let one_second = start + Duration::from_secs(1);
        assert_eq!(
            (0..30).filter(|_| bucket.try_take(&EVENTS, one_second)).count(),
            20
        );
    }

    #[test]
    fn refills_up_to_the_burst_only() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(&EVENTS, start);
        let later = start + Duration::from_secs(3600);
        assert!(bucket.is_full(&EVENTS, later));
        assert_eq!((0..200).filter(|_| bucket.try_take(&EVENTS, later)).count(), 100);
    }

    #[test]
    fn a_count_per_window() {
        let allowance = Allowance::per(300, Duration::from_secs(600));
        let start = Instant::now();
        let mut bucket = TokenBucket::full(&allowance, start);
        assert_eq!(
            (0..400).filter(|_| bucket.try_take(&allowance, start)).count(),
            300
        );
        assert_eq!(bucket.wait_for_one(&allowance), Duration::from_secs(2));
    }
}
