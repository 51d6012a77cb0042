//! `churn`: the whole set-up of a call, over and over, by concurrent workers:
//! connect two sockets, create a room, both join, offer, answer, two
//! candidates, hang up, disconnect.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::conn::{Conn, Target, other_error};
use crate::process;
use crate::stats;
use crate::watched::Watched;
use crate::wire;

#[derive(Debug, clap::Args)]
pub struct ChurnArgs {
    /// Workers running call set-ups side by side.
    #[arg(long, default_value_t = 32)]
    pub workers: usize,
    /// Seconds to run.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
}

struct Tally {
    setup: Histogram<u64>,
    cycle: Histogram<u64>,
    failures: u64,
}

pub async fn run(target: &Target, watched: &Watched, args: &ChurnArgs) -> Value {
    let tally = Arc::new(Mutex::new(Tally {
        setup: stats::histogram(),
        cycle: stats::histogram(),
        failures: 0,
    }));
    let next_conn = Arc::new(AtomicUsize::new(0));
    let cpu_start = watched.read(process::cpu_seconds);
    let own_start = process::own_cpu_seconds();
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let mut workers = Vec::new();
    for _ in 0..args.workers {
        let (target, tally, next_conn) = (target.clone(), Arc::clone(&tally), Arc::clone(&next_conn));
        workers.push(tokio::spawn(async move {
            while Instant::now() < until {
                let n = next_conn.fetch_add(2, Ordering::Relaxed);
                let begun = Instant::now();
                let outcome = cycle(&target, n, Ending::HangUp).await;
                let mut tally = tally.lock().await;
                match outcome {
                    Ok(setup) => {
                        stats::record(&mut tally.setup, setup);
                        stats::record(&mut tally.cycle, begun.elapsed());
                    }
                    Err(e) => {
                        if tally.failures < 3 {
                            eprintln!("churn cycle failed: {e}");
                        }
                        tally.failures += 1;
                    }
                }
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let own_cpu = process::own_cpu_seconds()
        .zip(own_start)
        .map(|(end, start)| end - start);
    let cpu = watched.read(process::cpu_seconds).since(&cpu_start);
    let tally = tally.lock().await;
    let cycles = tally.cycle.len();
    let mut report = json!({
        "scenario": "churn",
        "workers": args.workers,
        "seconds": (elapsed * 10.0).round() / 10.0,
        "cycles": cycles,
        "cycles_per_sec": (cycles as f64 / elapsed).round(),
        "failures": tally.failures,
        "setup_ms": stats::summary_millis(&tally.setup),
        "cycle_ms": stats::summary_millis(&tally.cycle),
        "generator_cpu_percent": own_cpu.map(|c| (c / elapsed * 1000.0).round() / 10.0),
    });
    cpu.report(&mut report, |cpu| {
        json!({
            "cpu_seconds": cpu.map(|c| (c * 100.0).round() / 100.0),
            "cpu_us_per_cycle": cpu.filter(|_| cycles > 0).map(|c| (c * 1e6 / cycles as f64).round()),
            "cpu_percent": cpu.map(|c| (c / elapsed * 1000.0).round() / 10.0),
        })
    });
    report
}

/// How a call ends once set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// `cut-the-call`, then both leave the namespace and close.
    HangUp,
    /// Both connections dropped without a word (a reset): the server holds
    /// both seats for the reconnect grace, then empties the room.
    Drop,
}

/// One call from nothing to its end. Returns the set-up time: from the
/// first connect until both peers have each other's candidate.
pub async fn cycle(target: &Target, n: usize, ending: Ending) -> io::Result<Duration> {
    let begun = Instant::now();
    let (a, b) = tokio::join!(Conn::connect(target, n), Conn::connect(target, n + 1));
    let (mut a, mut b) = (a?, b?);
    let created = a.request("create-room", |o| o.push_str("{}")).await?;
    let room = wire::string_field(&created, "room_id")
        .ok_or_else(|| other_error("no room_id"))?
        .to_owned();
    let join = |name: &'static str| {
        let room = room.clone();
        move |o: &mut String| {
            o.push_str("{\"room_id\":\"");
            o.push_str(&room);
            o.push_str("\",\"name\":\"");
            o.push_str(name);
            o.push_str("\"}");
        }
    };
    let a_ack = a.request("join", join("caller")).await?;
    let b_ack = b.request("join", join("callee")).await?;
    let a_id = wire::string_field(&a_ack, "peer_id")
        .ok_or_else(|| other_error("no peer_id"))?
        .to_owned();
    let b_id = wire::string_field(&b_ack, "peer_id")
        .ok_or_else(|| other_error("no peer_id"))?
        .to_owned();
    a.expect_event("user-arrived").await?;

    let to = |id: &str, body: &str| format!("{{\"to\":\"{id}\",{body}}}");
    let offer = to(&b_id, "\"sdp\":\"v=0 offer\"");
    a.emit("offer", |o| o.push_str(&offer)).await?;
    b.expect_event("offer").await?;
    let answer = to(&a_id, "\"sdp\":\"v=0 answer\"");
    b.emit("answer", |o| o.push_str(&answer)).await?;
    a.expect_event("answer").await?;
    let candidate = "\"candidate\":{\"candidate\":\"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}";
    let (to_b, to_a) = (to(&b_id, candidate), to(&a_id, candidate));
    a.emit("ice-candidate", |o| o.push_str(&to_b)).await?;
    b.emit("ice-candidate", |o| o.push_str(&to_a)).await?;
    b.expect_event("ice-candidate").await?;
    a.expect_event("ice-candidate").await?;
    let setup = begun.elapsed();
    if ending == Ending::Drop {
        drop((a, b));
        return Ok(setup);
    }

    a.request("cut-the-call", |o| o.push_str("{}")).await?;
    b.expect_event("cut-the-call").await?;
    a.close().await;
    b.close().await;
    Ok(setup)
}
