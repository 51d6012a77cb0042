//! `hold`: many peers, every pair in a joined room, held open; what each
//! connected peer costs the server in resident memory, and what each room
//! costs the Redis that servers sharing rooms keep them in.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::set_up_rooms;
use crate::conn::{Conn, Target};
use crate::process;
use crate::redis_memory;
use crate::watched::Watched;

#[derive(Debug, clap::Args)]
pub struct HoldArgs {
    /// Connections to open (two per room).
    #[arg(long, default_value_t = 1000)]
    pub connections: usize,
    /// How long to hold them once all are up, in seconds.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Rooms set up at the same time.
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
    /// The address of the Redis the servers keep their rooms in: its
    /// `used_memory` is read before and after, for the bytes per room.
    #[arg(long)]
    pub redis: Option<SocketAddr>,
}

pub async fn run(target: &Target, watched: &Watched, args: &HoldArgs) -> Value {
    let rss_before = watched.read(process::rss_kib);
    let redis_before = redis_used_memory(args.redis);
    let started = Instant::now();
    let (pairs, setup_failures) = set_up_rooms(target, args.connections / 2, args.concurrency).await;
    let setup_seconds = started.elapsed().as_secs_f64();

    let dropped = Arc::new(AtomicUsize::new(0));
    let until = tokio::time::Instant::now() + Duration::from_secs(args.seconds);
    let mut holders = Vec::new();
    for pair in pairs {
        for conn in [pair.first, pair.second] {
            holders.push(tokio::spawn(hold(conn, until, Arc::clone(&dropped))));
        }
    }
    let connected = holders.len();
    // Let the server settle before reading its memory.
    tokio::time::sleep(Duration::from_secs(2).min(Duration::from_secs(args.seconds))).await;
    let rss_after = watched.read(process::rss_kib);
    let redis_after = redis_used_memory(args.redis);
    for holder in holders {
        let _ = holder.await;
    }
    let dropped = dropped.load(Ordering::Relaxed);
    let per_peer = match (rss_before.servers_total(), rss_after.servers_total()) {
        (Some(before), Some(after)) if connected > 0 => {
            Some(((after.saturating_sub(before)) as f64 / connected as f64 * 100.0).round() / 100.0)
        }
        _ => None,
    };
    let mut report = json!({
        "scenario": "hold",
        "connections": args.connections,
        "connected": connected,
        "held": connected - dropped,
        "failures": setup_failures * 2 + dropped,
        "setup_seconds": (setup_seconds * 10.0).round() / 10.0,
        "hold_seconds": args.seconds,
        "server_kib_per_peer": per_peer,
    });
    rss_before.report(&mut report, |kib| json!({"rss_kib_before": kib}));
    rss_after.report(&mut report, |kib| json!({"rss_kib_after": kib}));
    if args.redis.is_some() {
        let rooms = connected / 2;
        report["redis_used_memory_before"] = json!(redis_before);
        report["redis_used_memory_after"] = json!(redis_after);
        report["redis_bytes_per_room"] = json!(
            redis_before
                .zip(redis_after)
                .filter(|_| rooms > 0)
                .map(|(before, after)| (after.saturating_sub(before) as f64 / rooms as f64).round())
        );
    }
    report
}

/// Redis's `used_memory` if its address was given; a failure to read it is
/// told on standard error and leaves the figure empty.
fn redis_used_memory(redis: Option<SocketAddr>) -> Option<u64> {
    let redis = redis?;
    redis_memory::used_memory(redis)
        .inspect_err(|e| eprintln!("Redis at {redis}: {e}"))
        .ok()
}

/// Keeps a connection open until `until`, answering pings.
async fn hold(mut conn: Conn, until: tokio::time::Instant, dropped: Arc<AtomicUsize>) {
    if !conn.idle_until(tokio::time::sleep_until(until)).await {
        dropped.fetch_add(1, Ordering::Relaxed);
    }
}
