//! The per-connection allowance: a burst of 100 events, then 20 per second.

use tokio::time::Instant;

pub const BURST: f64 = 100.0;
pub const PER_SECOND: f64 = 20.0;

/// A token bucket. An event takes one token; a refused event takes none.
#[derive(Debug)]
pub struct TokenBucket {
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    pub fn full(now: Instant) -> Self {
        Self {
            tokens: BURST,
            updated: now,
        }
    }

    /// Takes a token if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * PER_SECOND).min(BURST);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_a_burst_then_the_steady_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(start);
        assert!((0..100).all(|_| bucket.try_take(start)));
        assert!(!bucket.try_take(start));
        // 20 per second: one token every 50 ms.
        assert!(!bucket.try_take(start + Duration::from_millis(40)));
        assert!(bucket.try_take(start + Duration::from_millis(55)));
        assert!(!bucket.try_take(start + Duration::from_millis(60)));
    }

    #[test]
    fn refusals_cost_nothing() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(start);
        for _ in 0..100 {
            bucket.try_take(start);
        }
        for _ in 0..1000 {
            assert!(!bucket.try_take(start));
        }
        let one_second = start + Duration::from_secs(1);
        assert_eq!((0..30).filter(|_| bucket.try_take(one_second)).count(), 20);
    }

    #[test]
    fn refills_up_to_the_burst_only() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(start);
        let later = start + Duration::from_secs(3600);
        assert_eq!((0..200).filter(|_| bucket.try_take(later)).count(), 100);
    }
}
