//! `hold`: many peers, every pair in a joined room, held open; what each
//! connected peer costs the server in resident memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::{server_figure, set_up_rooms};
use crate::conn::{Conn, Target};
use crate::server_proc;
use crate::wire::{self, Frame};

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
}

pub async fn run(target: &Target, server_pid: Option<u32>, args: &HoldArgs) -> Value {
    let rss_before = server_figure(server_pid, server_proc::rss_kib);
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
    let rss_after = server_figure(server_pid, server_proc::rss_kib);
    for holder in holders {
        let _ = holder.await;
    }
    let dropped = dropped.load(Ordering::Relaxed);
    let per_peer = match (rss_before, rss_after) {
        (Some(before), Some(after)) if connected > 0 => {
            Some(((after.saturating_sub(before)) as f64 / connected as f64 * 100.0).round() / 100.0)
        }
        _ => None,
    };
    json!({
        "scenario": "hold",
        "connections": args.connections,
        "connected": connected,
        "held": connected - dropped,
        "failures": setup_failures * 2 + dropped,
        "setup_seconds": (setup_seconds * 10.0).round() / 10.0,
        "hold_seconds": args.seconds,
        "server_rss_kib_before": rss_before,
        "server_rss_kib_after": rss_after,
        "server_kib_per_peer": per_peer,
    })
}

/// Keeps a connection open until `until`, answering pings.
async fn hold(mut conn: Conn, until: tokio::time::Instant, dropped: Arc<AtomicUsize>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(until) => return,
            message = conn.recv() => match message {
                Some(Ok(Message::Text(text))) => {
                    if wire::classify(text.as_str()) == Frame::Ping && conn.send_raw(wire::PONG).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    dropped.fetch_add(1, Ordering::Relaxed);
}
