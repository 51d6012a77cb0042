//! Gives the memory glibc's allocator keeps back to the system, every few
//! seconds.
//!
//! glibc's malloc returns freed memory to the system only from the top of
//! its heap: after a burst of connections (an attack, a crowd) the heap stays
//! as large as at its peak, all of it free but resident, as long as a few
//! live allocations sit above the free ones. `malloc_trim(0)` also releases
//! the free pages in the middle of the heap. Measured with `scripts/bench
//! --burst` (BENCHMARKS.md, "Memory after a burst"): 15,000 connections,
//! 713 MiB at the peak, then 627 MiB 30 s after they closed as before and
//! 24.5 MiB with this, against 31.3 MiB with jemalloc and 64.6 MiB with
//! mimalloc, with no allocator of a C library to build and nothing else
//! changed about how memory is handed out.
//!
//! Only where the C library is glibc (musl and other systems have no
//! `malloc_trim`, and keep less anyway).

use std::time::{Duration, Instant};

/// Often enough that memory comes back within seconds of a burst. A trim
/// walks the heap's free lists: measured after 15,000 connections closed,
/// 71 ms for the first (700 MiB to give back), then 6 ms and 1.2 ms; 38 µs
/// on an idle server.
const EVERY: Duration = Duration::from_secs(10);

/// Starts the periodic trim on the current Tokio runtime.
pub fn spawn() {
    tokio::spawn(async {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is at once: nothing to give back yet.
        ticks.tick().await;
        loop {
            ticks.tick().await;
            // Off the runtime's workers: the walk holds the allocator's locks
            // and may take a while with a large heap.
            let trimmed = tokio::task::spawn_blocking(|| {
                let begun = Instant::now();
                // SAFETY: malloc_trim only walks and releases the allocator's
                // own free memory; it is safe to call at any time.
                let released = unsafe { libc::malloc_trim(0) } == 1;
                (released, begun.elapsed())
            })
            .await;
            if let Ok((released, took)) = trimmed {
                tracing::debug!(released, micros = took.as_micros() as u64, "heap trimmed");
            }
        }
    });
}
