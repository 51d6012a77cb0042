//! `burst`: what an attack leaves behind in the server's memory. Many
//! connections are opened in rooms of two, every peer sends its peer a few
//! offers, answers and candidates (some offers large, about 100 KiB of JSON),
//! all are closed, and after a pause the server's resident memory is read
//! again: what it kept is what its allocator did not give back (the server's
//! own state is gone by then, given a short reconnect grace and room TTL).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::set_up_rooms;
use crate::conn::{Conn, Target};
use crate::process;
use crate::server_metrics::{self, Counts};
use crate::watched::Watched;
use crate::wire::{self, Frame};

#[derive(Debug, clap::Args)]
pub struct BurstArgs {
    /// Connections opened, two per room.
    #[arg(long, default_value_t = 15_000)]
    pub connections: usize,
    /// Messages each peer sends its peer: offer, answer, then candidates.
    #[arg(long, default_value_t = 10)]
    pub messages: usize,
    /// Every Nth peer's offer is a large one (0: none).
    #[arg(long, default_value_t = 10)]
    pub large_every: usize,
    /// Bytes of a large offer's SDP as JSON text. Its lines are written with
    /// escapes (`\u00e9`, `\r\n`), so the SDP they stand for stays within
    /// the 64 KiB the server relays.
    #[arg(long, default_value_t = 100 * 1024)]
    pub large_bytes: usize,
    /// Seconds to wait after all are closed before reading the memory.
    #[arg(long, default_value_t = 30)]
    pub settle_seconds: u64,
    /// Bursts one after another, each measured.
    #[arg(long, default_value_t = 1)]
    pub rounds: usize,
    /// Rooms set up at the same time.
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
}

/// How long a peer waits for its peer's messages.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(60);

pub async fn run(target: &Target, watched: &Watched, args: &BurstArgs) -> Value {
    let large_sdp = Arc::new(large_sdp(args.large_bytes));
    let mut rounds = Vec::new();
    // A few peers failing among thousands is reported, not fatal: the
    // memory figures stand. A round that delivered nothing is.
    let mut failed = false;
    for round in 0..args.rounds {
        let report = burst(target, watched, args, &large_sdp).await;
        eprintln!("burst {}: {report}", round + 1);
        failed |= report["delivered"].as_u64() == Some(0) && args.connections > 1;
        rounds.push(report);
    }
    let first = rounds.first().cloned().unwrap_or(Value::Null);
    let mut report = json!({
        "scenario": "burst",
        "connections": args.connections,
        "messages_per_peer": args.messages,
        "large_every": args.large_every,
        "large_bytes": args.large_bytes,
        "settle_seconds": args.settle_seconds,
    });
    // The first round's figures at the top, every round's in `rounds`.
    for key in [
        "rss_kib_idle",
        "rss_kib_peak",
        "rss_kib_connected",
        "rss_kib_exchanged",
        "rss_kib_closed",
        "rss_kib_settled",
        "failures",
        "delivered",
        "refused",
        "counts_settled",
    ] {
        report[key] = first[key].clone();
    }
    report["rounds"] = Value::Array(rounds);
    if failed {
        report["error"] = json!("a round delivered nothing; see the rounds");
    }
    report
}

async fn burst(target: &Target, watched: &Watched, args: &BurstArgs, large_sdp: &Arc<String>) -> Value {
    let rss = || watched.read(process::rss_kib).servers_total();
    let rss_idle = rss();
    // The peak, read every 50 ms while the burst lasts.
    let peak = Arc::new(AtomicU64::new(rss_idle.unwrap_or(0)));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done, watched) = (Arc::clone(&peak), Arc::clone(&done), watched.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Some(kib) = watched.read(process::rss_kib).servers_total() {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    let begun = Instant::now();
    let (pairs, setup_failures) = set_up_rooms(target, args.connections / 2, args.concurrency).await;
    let setup_seconds = begun.elapsed().as_secs_f64();
    let rss_connected = rss();

    // Every peer sends, then reads what its peer sent.
    let mut peers = Vec::new();
    for (room, pair) in pairs.into_iter().enumerate() {
        for (side, (conn, to)) in [(pair.first, pair.second_id), (pair.second, pair.first_id)]
            .into_iter()
            .enumerate()
        {
            let peer = room * 2 + side;
            let large = (args.large_every > 0 && peer.is_multiple_of(args.large_every))
                .then(|| Arc::clone(large_sdp));
            peers.push(tokio::spawn(exchange(conn, to, args.messages, large)));
        }
    }
    let exchange_begun = Instant::now();
    let mut conns = Vec::new();
    let (mut delivered, mut refused, mut exchange_failures) = (0, 0, 0);
    for peer in peers {
        match peer.await {
            Ok(Ok((conn, outcome))) => {
                delivered += outcome.received;
                refused += outcome.refused;
                if outcome.received < args.messages as u64 {
                    if exchange_failures < 3 {
                        eprintln!(
                            "burst: a peer got {} of {} messages: {}",
                            outcome.received,
                            args.messages,
                            outcome.ended.as_deref().unwrap_or("?")
                        );
                    }
                    exchange_failures += 1;
                }
                conns.push(conn);
            }
            Ok(Err(e)) => {
                if exchange_failures < 3 {
                    eprintln!("burst: {e}");
                }
                exchange_failures += 1;
            }
            Err(_) => exchange_failures += 1,
        }
    }
    let exchange_seconds = exchange_begun.elapsed().as_secs_f64();
    let rss_exchanged = rss();

    for conn in conns {
        conn.close().await;
    }
    // A moment for the server to see them go.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_closed = rss();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    tokio::time::sleep(Duration::from_secs(args.settle_seconds)).await;
    let rss_settled = rss();
    let counts_settled = server_metrics::read(&target.servers)
        .await
        .inspect_err(|e| eprintln!("/metrics: {e}"))
        .ok();

    let mib = |kib: Option<u64>| kib.map(|k| (k as f64 / 1024.0 * 10.0).round() / 10.0);
    json!({
        "rss_kib_idle": rss_idle,
        "rss_kib_peak": peak.load(Ordering::Relaxed),
        "rss_kib_connected": rss_connected,
        "rss_kib_exchanged": rss_exchanged,
        "rss_kib_closed": rss_closed,
        "rss_kib_settled": rss_settled,
        "rss_mib": {
            "idle": mib(rss_idle),
            "peak": mib(Some(peak.load(Ordering::Relaxed))),
            "settled": mib(rss_settled),
        },
        "setup_seconds": (setup_seconds * 10.0).round() / 10.0,
        "exchange_seconds": (exchange_seconds * 10.0).round() / 10.0,
        "failures": setup_failures * 2 + exchange_failures,
        "delivered": delivered,
        "refused": refused,
        "counts_settled": counts_settled.map(Counts::to_json),
    })
}

struct Outcome {
    received: u64,
    refused: u64,
    /// Why the reading stopped short.
    ended: Option<String>,
}

/// Sends `messages` to the peer `to` (the first an offer, large if given,
/// then an answer, then candidates) and reads until as many came from it.
async fn exchange(
    mut conn: Conn,
    to: String,
    messages: usize,
    large: Option<Arc<String>>,
) -> std::io::Result<(Conn, Outcome)> {
    let small_sdp = "v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n";
    let candidate = "{\"candidate\":\"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}";
    for i in 0..messages {
        let (event, field, body) = match i {
            0 => ("offer", "sdp", large.as_deref().map_or(small_sdp, String::as_str)),
            1 => ("answer", "sdp", small_sdp),
            _ => ("ice-candidate", "candidate", candidate),
        };
        conn.emit(event, |o| {
            o.push_str("{\"to\":\"");
            o.push_str(&to);
            o.push_str("\",\"");
            o.push_str(field);
            o.push_str("\":");
            if field == "sdp" {
                o.push('"');
                o.push_str(body);
                o.push('"');
            } else {
                o.push_str(body);
            }
            o.push('}');
        })
        .await?;
    }
    let mut outcome = Outcome {
        received: 0,
        refused: 0,
        ended: None,
    };
    let deadline = Instant::now() + EXCHANGE_TIMEOUT;
    while outcome.received < messages as u64 {
        let text = match tokio::time::timeout_at(deadline, conn.recv_text()).await {
            Ok(Ok(Some(text))) => text,
            Ok(Ok(None)) => {
                outcome.ended = Some("closed by the server".into());
                break;
            }
            Ok(Err(e)) => {
                outcome.ended = Some(e.to_string());
                break;
            }
            Err(_) => {
                outcome.ended = Some(format!("not all came within {} s", EXCHANGE_TIMEOUT.as_secs()));
                break;
            }
        };
        match wire::classify(&text) {
            Frame::Ping => conn.send_raw(wire::PONG).await?,
            Frame::Event {
                name: "offer" | "answer" | "ice-candidate",
                ..
            } => {
                outcome.received += 1;
            }
            Frame::Event { name: "error", .. } => outcome.refused += 1,
            _ => {}
        }
    }
    Ok((conn, outcome))
}

/// An SDP of about `bytes` of JSON text that stands for far fewer: lines of
/// escaped accented letters, each 104 characters written for 38 bytes meant.
fn large_sdp(bytes: usize) -> String {
    let line = format!("a=x:{}\\r\\n", "\\u00e9".repeat(16));
    let mut sdp = String::from("v=0\\r\\n");
    while sdp.len() + line.len() <= bytes {
        sdp.push_str(&line);
    }
    sdp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_sdp_stays_within_what_the_server_relays() {
        let sdp = large_sdp(100 * 1024);
        assert!(sdp.len() > 95 * 1024 && sdp.len() <= 100 * 1024);
        let meant: String = serde_json::from_str(&format!("\"{sdp}\"")).unwrap();
        assert!(meant.len() <= 64 * 1024, "{} bytes", meant.len());
    }
}
