//! The scenarios; each prints one JSON line of results.

pub mod burst;
pub mod churn;
pub mod hold;
pub mod relay;
pub mod soak;
pub mod startup;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::conn::{Pair, Target, pair_up};

/// Sets up `rooms` rooms of two joined peers, `concurrency` at a time.
/// Returns the pairs that made it and the number of failures.
pub async fn set_up_rooms(target: &Target, rooms: usize, concurrency: usize) -> (Vec<Pair>, usize) {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let failures = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for room in 0..rooms {
        let permits = Arc::clone(&permits);
        let target = target.clone();
        let failures = Arc::clone(&failures);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            match pair_up(&target, room * 2).await {
                Ok(pair) => Some(pair),
                Err(e) => {
                    if failures.fetch_add(1, Ordering::Relaxed) < 3 {
                        eprintln!("room {room}: {e}");
                    }
                    None
                }
            }
        });
    }
    let mut pairs = Vec::with_capacity(rooms);
    while let Some(done) = tasks.join_next().await {
        if let Ok(Some(pair)) = done {
            pairs.push(pair);
        }
    }
    let failed = failures.load(Ordering::Relaxed);
    (pairs, failed)
}
