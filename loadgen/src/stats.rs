//! Latency histograms and the clock the generator stamps messages with.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::{Value, json};

static EPOCH: OnceLock<Instant> = OnceLock::new();

/// Microseconds since the generator started: stamped into relayed payloads
/// and read back by the receiving connection of the same process.
pub fn now_micros() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_micros() as u64
}

/// A histogram of durations in microseconds, 1 µs to 10 minutes, 3 figures.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

pub fn record(histogram: &mut Histogram<u64>, duration: Duration) {
    histogram.saturating_record(duration.as_micros().max(1) as u64);
}

/// p50, p90, p99 and max, in microseconds.
pub fn summary_micros(histogram: &Histogram<u64>) -> Value {
    json!({
        "p50": histogram.value_at_quantile(0.50),
        "p90": histogram.value_at_quantile(0.90),
        "p99": histogram.value_at_quantile(0.99),
        "max": histogram.max(),
        "count": histogram.len(),
    })
}

/// p50, p99 and max, in milliseconds with one decimal.
pub fn summary_millis(histogram: &Histogram<u64>) -> Value {
    let ms = |us: u64| (us as f64 / 100.0).round() / 10.0;
    json!({
        "p50": ms(histogram.value_at_quantile(0.50)),
        "p99": ms(histogram.value_at_quantile(0.99)),
        "max": ms(histogram.max()),
        "count": histogram.len(),
    })
}
