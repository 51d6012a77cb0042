//! Logs and metrics. Depends on nothing else in the crate: the rest of the
//! server reports through it.

mod logging;
mod metrics;

pub use logging::{LogFilter, LogFormat, colour_on_stderr, init_logging};
pub use metrics::Metrics;
