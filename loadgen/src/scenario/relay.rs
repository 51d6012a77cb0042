//! `relay`: rooms of two joined peers trading offers, answers and ICE
//! candidates at a fixed aggregate rate; how fast and how late the server
//! relays them, and what each message costs it in CPU.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;

use super::set_up_rooms;
use crate::conn::{Conn, Target};
use crate::process;
use crate::stats::{self, now_micros};
use crate::watched::Watched;
use crate::wire::{self, Frame};

/// The protocol lets a connection send 20 events a second after its burst;
/// a fixed-rate run stays under it so that nothing is refused.
const MAX_PER_PEER: f64 = 19.5;

#[derive(Debug, clap::Args)]
pub struct RelayArgs {
    /// Rooms, each with two peers sending to each other.
    #[arg(long, default_value_t = 500)]
    pub rooms: usize,
    /// Messages per second offered, all peers together.
    #[arg(long, default_value_t = 10_000.0)]
    pub rate: f64,
    /// Seconds of sending before measuring.
    #[arg(long, default_value_t = 3)]
    pub warmup: u64,
    /// Seconds measured.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Seconds after sending stops to wait for messages still on their way.
    #[arg(long, default_value_t = 5)]
    pub drain: u64,
    /// Bytes of each offer's and answer's SDP.
    #[arg(long, default_value_t = 1000)]
    pub sdp_bytes: usize,
    /// Rooms set up at the same time.
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
}

/// What all peers count together. The runtime has one thread, so a RefCell
/// is enough and nothing contends.
struct Tally {
    /// Latency of the messages sent within the window.
    histogram: Histogram<u64>,
    /// Messages sent within the window.
    sent: u64,
    /// Of those, how many arrived (before the drain ended).
    arrived: u64,
    /// Messages that arrived within the window, whenever sent: the server's
    /// output rate, which is what its CPU time is divided by.
    delivered: u64,
    errors: u64,
}

/// The window whose messages are counted, in generator microseconds.
#[derive(Clone, Copy)]
struct Window {
    start: u64,
    end: u64,
}

impl Window {
    fn contains(&self, micros: u64) -> bool {
        (self.start..self.end).contains(&micros)
    }
}

pub async fn run(target: &Target, watched: &Watched, args: &RelayArgs) -> Value {
    let per_peer = args.rate / (args.rooms as f64 * 2.0);
    if per_peer > MAX_PER_PEER {
        return json!({
            "scenario": "relay",
            "error": format!("{per_peer:.1} messages/s per peer is over the protocol's allowance; use at least {} rooms", (args.rate / (2.0 * MAX_PER_PEER)).ceil()),
        });
    }
    let (pairs, setup_failures) = set_up_rooms(target, args.rooms, args.concurrency).await;
    let peers = pairs.len() * 2;

    let tally = Rc::new(RefCell::new(Tally {
        histogram: stats::histogram(),
        sent: 0,
        arrived: 0,
        delivered: 0,
        errors: 0,
    }));
    let begin = now_micros() + 200_000;
    let window = Window {
        start: begin + args.warmup * 1_000_000,
        end: begin + (args.warmup + args.seconds) * 1_000_000,
    };
    let drain = Duration::from_secs(args.drain);
    let local = tokio::task::LocalSet::new();
    let interval = Duration::from_secs_f64(1.0 / per_peer);
    for (i, pair) in pairs.into_iter().enumerate() {
        let plan = |index: usize, to: String| Plan {
            to,
            interval,
            // Spread the peers' sending evenly over one interval.
            phase: interval.mul_f64(index as f64 / peers as f64),
            begin,
            window,
            drain,
            sdp_bytes: args.sdp_bytes,
        };
        let first = plan(2 * i, pair.second_id.clone());
        let second = plan(2 * i + 1, pair.first_id.clone());
        local.spawn_local(peer(pair.first, first, Rc::clone(&tally)));
        local.spawn_local(peer(pair.second, second, Rc::clone(&tally)));
    }
    let (cpu, own_cpu) = local
        .run_until(async {
            sleep_until_micros(window.start).await;
            let cpu_start = watched.read(process::cpu_seconds);
            let own_start = process::own_cpu_seconds();
            sleep_until_micros(window.end).await;
            let cpu_end = watched.read(process::cpu_seconds);
            let own_end = process::own_cpu_seconds();
            (
                cpu_end.since(&cpu_start),
                own_start.zip(own_end).map(|(a, b)| b - a),
            )
        })
        .await;
    // Let the last messages arrive and every peer finish.
    local.await;
    let rss = watched.read(process::rss_kib);

    let tally = tally.borrow();
    let seconds = args.seconds as f64;
    let mut report = json!({
        "scenario": "relay",
        "rooms": args.rooms,
        "peers": peers,
        "setup_failures": setup_failures,
        "offered_per_sec": args.rate,
        "seconds": args.seconds,
        "sent": tally.sent,
        "delivered": tally.delivered,
        "delivered_per_sec": (tally.delivered as f64 / seconds).round(),
        "lost": tally.sent.saturating_sub(tally.arrived),

        "errors": tally.errors,
        "latency_us": stats::summary_micros(&tally.histogram),
        "generator_cpu_percent": own_cpu.map(|c| round2(c / seconds * 100.0)),
    });
    cpu.report(&mut report, |cpu| {
        json!({
            "cpu_seconds": cpu.map(round2),
            "cpu_us_per_message": cpu
                .filter(|_| tally.delivered > 0)
                .map(|c| round2(c * 1e6 / tally.delivered as f64)),
            "cpu_percent": cpu.map(|c| round2(c / seconds * 100.0)),
        })
    });
    rss.report(&mut report, |kib| json!({"rss_kib": kib}));
    report
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

async fn sleep_until_micros(micros: u64) {
    let now = now_micros();
    if micros > now {
        tokio::time::sleep(Duration::from_micros(micros - now)).await;
    }
}

struct Plan {
    to: String,
    interval: Duration,
    phase: Duration,
    begin: u64,
    window: Window,
    drain: Duration,
    sdp_bytes: usize,
}

/// One peer: sends on its own schedule, receives its partner's messages.
async fn peer(mut conn: Conn, plan: Plan, tally: Rc<RefCell<Tally>>) {
    sleep_until_micros(plan.begin).await;
    let start = Instant::now() + plan.phase;
    let stop_sending = start + Duration::from_micros(plan.window.end - plan.begin);
    let stop = stop_sending + plan.drain;
    let mut ticks = tokio::time::interval_at(start, plan.interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let padding = "x".repeat(plan.sdp_bytes.saturating_sub(24));
    let mut sequence = 0u64;
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(stop) => break,
            _ = ticks.tick(), if Instant::now() < stop_sending => {
                let stamp = now_micros();
                if send(&mut conn, &plan.to, sequence, stamp, &padding).await.is_err() {
                    break;
                }
                sequence += 1;
                if plan.window.contains(stamp) {
                    tally.borrow_mut().sent += 1;
                }
            }
            message = conn.recv() => match message {
                Some(Ok(Message::Text(text))) => match wire::classify(text.as_str()) {
                    Frame::Ping if conn.send_raw(wire::PONG).await.is_err() => break,
                    Frame::Event { name: "offer" | "answer", rest } => arrived(&tally, plan.window, rest, "t="),
                    Frame::Event { name: "ice-candidate", rest } => arrived(&tally, plan.window, rest, "candidate:"),
                    Frame::Event { name: "error", .. } => tally.borrow_mut().errors += 1,
                    _ => {}
                },
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            },
        }
    }
    conn.close().await;
}

/// Sends the next message of the cycle offer, answer, candidate, candidate.
async fn send(conn: &mut Conn, to: &str, sequence: u64, stamp: u64, padding: &str) -> std::io::Result<()> {
    use std::fmt::Write;
    match sequence % 4 {
        kind @ (0 | 1) => {
            let event = if kind == 0 { "offer" } else { "answer" };
            conn.emit(event, |o| {
                let _ = write!(o, "{{\"to\":\"{to}\",\"sdp\":\"v=0 t={stamp} {padding}\"}}");
            })
            .await
        }
        _ => {
            conn.emit("ice-candidate", |o| {
                let _ = write!(
                    o,
                    "{{\"to\":\"{to}\",\"candidate\":{{\"candidate\":\"candidate:{stamp} 1 udp 2122260223 127.0.0.1 50000 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}}}"
                );
            })
            .await
        }
    }
}

fn arrived(tally: &RefCell<Tally>, window: Window, rest: &str, marker: &str) {
    let Some(stamp) = wire::number_after(rest, marker) else {
        return;
    };
    let now = now_micros();
    let mut tally = tally.borrow_mut();
    if window.contains(now) {
        tally.delivered += 1;
    }
    if window.contains(stamp) {
        tally.arrived += 1;
        stats::record(
            &mut tally.histogram,
            Duration::from_micros(now.saturating_sub(stamp)),
        );
    }
}
