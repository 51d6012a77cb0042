//! `soak`: a long steady load, to see whether the server comes back to
//! where it started. A population of connections is held the whole time (in
//! rooms of two, answering pings) while calls come and go at a steady rate:
//! connect two sockets, create a room, both join, offer, answer, a candidate
//! each way, then hang up with `cut-the-call` and disconnect, or (every Nth
//! call) drop both connections without a word. Every sample the server's
//! resident memory and its `/metrics` counts are read. When the load stops,
//! the counts must come back to the held population's once the reconnect
//! grace and the room TTL have run out, and to zero once it leaves too.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use super::churn::{self, Ending};
use super::set_up_rooms;
use crate::conn::{Conn, Target};
use crate::process;
use crate::server_metrics::{self, Counts};
use crate::stats;
use crate::watched::Watched;

#[derive(Debug, clap::Args)]
pub struct SoakArgs {
    /// Connections held open the whole time, two per room.
    #[arg(long, default_value_t = 2000)]
    pub hold: usize,
    /// Call set-ups started per second beside them.
    #[arg(long, default_value_t = 300.0)]
    pub rate: f64,
    /// Every Nth call ends with both connections dropped instead of hung up
    /// (0: none).
    #[arg(long, default_value_t = 4)]
    pub drop_every: u64,
    /// Seconds of load.
    #[arg(long, default_value_t = 1800)]
    pub seconds: u64,
    /// Seconds between samples of the server's memory and counts.
    #[arg(long, default_value_t = 60)]
    pub sample_seconds: u64,
    /// Calls under way at most: a set-up due while this many are under way
    /// is skipped, and counted.
    #[arg(long, default_value_t = 500)]
    pub max_in_flight: usize,
    /// How long to wait at most, once the load stops (and again once the
    /// held connections leave), for the server's counts to come back, in
    /// seconds. Must exceed the server's reconnect grace plus its room TTL.
    #[arg(long, default_value_t = 60)]
    pub settle_seconds: u64,
    /// Rooms of the held population set up at the same time.
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
}

/// The calls' figures, since the start and since the last sample.
struct Tally {
    setup: Histogram<u64>,
    setup_since: Histogram<u64>,
    failures: u64,
    failures_since: u64,
    dropped: u64,
    skipped: u64,
    skipped_since: u64,
}

pub async fn run(target: &Target, watched: &Watched, args: &SoakArgs) -> Value {
    let rss = || watched.read(process::rss_kib).servers_total();
    let counts = || async {
        server_metrics::read(&target.servers)
            .await
            .inspect_err(|e| eprintln!("/metrics: {e}"))
            .ok()
    };
    let rss_idle = rss();
    let counts_idle = counts().await;

    // The held population.
    let (pairs, setup_failures) = set_up_rooms(target, args.hold / 2, args.concurrency).await;
    let (leave, leave_seen) = watch::channel(false);
    let mut holders = Vec::new();
    let mut alive = Vec::new();
    for pair in pairs {
        let both = [Arc::new(AtomicBool::new(true)), Arc::new(AtomicBool::new(true))];
        for (conn, alive) in [pair.first, pair.second].into_iter().zip(&both) {
            holders.push(tokio::spawn(hold(conn, leave_seen.clone(), Arc::clone(alive))));
        }
        alive.push(both);
    }
    let held = holders.len();
    let rss_held = rss();
    let counts_held = counts().await;
    eprintln!(
        "soak: {held} of {} connections held; calls at {}/s for {} s",
        args.hold, args.rate, args.seconds
    );

    // The calls, at a steady rate, until told to stop.
    let tally = Arc::new(Mutex::new(Tally {
        setup: stats::histogram(),
        setup_since: stats::histogram(),
        failures: 0,
        failures_since: 0,
        dropped: 0,
        skipped: 0,
        skipped_since: 0,
    }));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let calls = tokio::spawn(make_calls(
        target.clone(),
        args.hold,
        args.rate,
        args.drop_every,
        args.max_in_flight,
        Arc::clone(&tally),
        Arc::clone(&in_flight),
        Arc::clone(&stop),
    ));

    let cpu_start = watched.read(process::cpu_seconds);
    let own_start = process::own_cpu_seconds();
    let begun = Instant::now();
    let end = begun + Duration::from_secs(args.seconds);
    let every = Duration::from_secs(args.sample_seconds.max(1));
    let mut samples = Vec::new();
    let mut next = begun + every;
    let mut cpu_last = watched.read(process::cpu_seconds);
    let mut cycles_before = 0;
    let mut last_at = begun;
    loop {
        let at = next.min(end);
        tokio::time::sleep_until(at).await;
        let (cycles, failures, skipped, setup) = {
            let mut tally = tally.lock().expect("tally");
            let setup = stats::summary_millis(&tally.setup_since);
            tally.setup_since.reset();
            let total = tally.setup.len();
            let since = (
                total - cycles_before,
                tally.failures_since,
                tally.skipped_since,
                setup,
            );
            cycles_before = total;
            tally.failures_since = 0;
            tally.skipped_since = 0;
            since
        };
        let cpu_now = watched.read(process::cpu_seconds);
        let cpu_window = cpu_now.since(&cpu_last).servers_total();
        cpu_last = cpu_now;
        let seconds = at.duration_since(last_at).as_secs_f64();
        last_at = at;
        let now = counts().await;
        let sample = json!({
            "t_s": at.duration_since(begun).as_secs(),
            "rss_kib": rss(),
            "rooms": now.map(|c| c.rooms),
            "peers": now.map(|c| c.peers),
            "connections": now.map(|c| c.connections),
            "cycles": cycles,
            "cycles_per_sec": (cycles as f64 / seconds).round(),
            "failures": failures,
            "skipped": skipped,
            "setup_ms": setup,
            "server_cpu_percent": cpu_window.map(|c| (c / seconds * 1000.0).round() / 10.0),
        });
        eprintln!("soak: {sample}");
        samples.push(sample);
        if at >= end {
            break;
        }
        next += every;
    }
    let elapsed = begun.elapsed().as_secs_f64();
    let cpu = watched.read(process::cpu_seconds).since(&cpu_start);
    let own_cpu = process::own_cpu_seconds()
        .zip(own_start)
        .map(|(end, start)| end - start);

    // The load stops; the calls under way finish.
    stop.store(true, Ordering::Relaxed);
    let _ = calls.await;
    let drain_deadline = Instant::now() + Duration::from_secs(60);
    while in_flight.load(Ordering::Relaxed) > 0 && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let unfinished = in_flight.load(Ordering::Relaxed);

    // Back to the held population, once grace and TTL have run out.
    let still_held = alive
        .iter()
        .flatten()
        .filter(|a| a.load(Ordering::Relaxed))
        .count() as u64;
    let rooms_held = alive
        .iter()
        .filter(|both| both.iter().any(|a| a.load(Ordering::Relaxed)))
        .count() as u64;
    let expected = Counts {
        rooms: rooms_held,
        peers: still_held,
        connections: still_held,
    };
    let settle = Duration::from_secs(args.settle_seconds);
    let (after_load, after_load_s) = settle_to(&target.servers, expected, settle).await;
    let rss_after_load = rss();

    // The held population leaves too: back to nothing.
    let _ = leave.send(true);
    for holder in holders {
        let _ = holder.await;
    }
    let (after_leaving, after_leaving_s) = settle_to(&target.servers, Counts::default(), settle).await;
    let rss_after_leaving = rss();

    let tally = tally.lock().expect("tally");
    let cycles = tally.setup.len();
    let rss_of = |sample: &Value| sample["rss_kib"].as_u64();
    let at_five = samples
        .iter()
        .find(|s| s["t_s"].as_u64().is_some_and(|t| t >= 300))
        .or(samples.first())
        .and_then(rss_of);
    let at_end = samples.last().and_then(rss_of);
    let growth = at_five
        .zip(at_end)
        .filter(|(five, _)| *five > 0)
        .map(|(five, end)| ((end as f64 - five as f64) / five as f64 * 1000.0).round() / 10.0);
    let back_to_held = after_load == Some(expected);
    let back_to_zero = after_leaving == Some(Counts::default());
    let mut report = json!({
        "scenario": "soak",
        "hold": args.hold,
        "held": held,
        "held_at_end": still_held,
        "rate": args.rate,
        "drop_every": args.drop_every,
        "seconds": (elapsed * 10.0).round() / 10.0,
        "cycles": cycles,
        "cycles_per_sec": (cycles as f64 / elapsed).round(),
        "cycles_dropped": tally.dropped,
        "failures": setup_failures * 2 + tally.failures as usize,
        "skipped": tally.skipped,
        "unfinished": unfinished,
        "setup_ms": stats::summary_millis(&tally.setup),
        "generator_cpu_percent": own_cpu.map(|c| (c / elapsed * 1000.0).round() / 10.0),
        "rss_kib_idle": rss_idle,
        "rss_kib_held": rss_held,
        "rss_kib_at_5_min": at_five,
        "rss_kib_at_end": at_end,
        "rss_growth_percent": growth,
        "rss_within_10_percent": growth.map(|g| g <= 10.0),
        "rss_kib_after_load": rss_after_load,
        "rss_kib_after_leaving": rss_after_leaving,
        "counts_idle": counts_idle.map(Counts::to_json),
        "counts_held": counts_held.map(Counts::to_json),
        "expected_after_load": expected.to_json(),
        "counts_after_load": after_load.map(Counts::to_json),
        "seconds_to_held": after_load_s,
        "counts_after_leaving": after_leaving.map(Counts::to_json),
        "seconds_to_zero": after_leaving_s,
        "back_to_held": back_to_held,
        "back_to_zero": back_to_zero,
        "samples": samples,
    });
    cpu.report(&mut report, |cpu| {
        json!({
            "cpu_us_per_cycle": cpu.filter(|_| cycles > 0).map(|c| (c * 1e6 / cycles as f64).round()),
            "cpu_percent": cpu.map(|c| (c / elapsed * 1000.0).round() / 10.0),
        })
    });
    if !(back_to_held && back_to_zero) {
        report["error"] = json!(format!(
            "the server's counts did not come back: {} after the load (expected {}), {} after the held connections left (expected 0)",
            after_load.map_or(json!(null), Counts::to_json),
            expected.to_json(),
            after_leaving.map_or(json!(null), Counts::to_json),
        ));
    }
    report
}

/// Starts call set-ups at `rate` a second until `stop`, each in a task of
/// its own; connection numbers start after the held population's.
#[allow(clippy::too_many_arguments)]
async fn make_calls(
    target: Target,
    first_conn: usize,
    rate: f64,
    drop_every: u64,
    max_in_flight: usize,
    tally: Arc<Mutex<Tally>>,
    in_flight: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) {
    let target = Arc::new(target);
    let mut ticks = tokio::time::interval(Duration::from_millis(10));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let begun = Instant::now();
    let mut started: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        ticks.tick().await;
        // As many as are due by now: a late tick catches up.
        let due = (begun.elapsed().as_secs_f64() * rate) as u64;
        while started < due {
            started += 1;
            if in_flight.load(Ordering::Relaxed) >= max_in_flight {
                let mut tally = tally.lock().expect("tally");
                tally.skipped += 1;
                tally.skipped_since += 1;
                continue;
            }
            in_flight.fetch_add(1, Ordering::Relaxed);
            let ending = if drop_every > 0 && started.is_multiple_of(drop_every) {
                Ending::Drop
            } else {
                Ending::HangUp
            };
            let n = first_conn + 2 * started as usize;
            let (target, tally, in_flight) =
                (Arc::clone(&target), Arc::clone(&tally), Arc::clone(&in_flight));
            tokio::spawn(async move {
                let outcome = churn::cycle(&target, n, ending).await;
                let mut tally = tally.lock().expect("tally");
                match outcome {
                    Ok(setup) => {
                        stats::record(&mut tally.setup, setup);
                        stats::record(&mut tally.setup_since, setup);
                        if ending == Ending::Drop {
                            tally.dropped += 1;
                        }
                    }
                    Err(e) => {
                        if tally.failures < 3 {
                            eprintln!("soak call failed: {e}");
                        }
                        tally.failures += 1;
                        tally.failures_since += 1;
                    }
                }
                in_flight.fetch_sub(1, Ordering::Relaxed);
            });
        }
    }
}

/// Reads the server's counts every half second until they are `expected`
/// or `patience` has passed: the last counts read, and the seconds it took.
async fn settle_to(
    servers: &[std::net::SocketAddr],
    expected: Counts,
    patience: Duration,
) -> (Option<Counts>, f64) {
    let begun = Instant::now();
    let mut last = None;
    loop {
        match server_metrics::read(servers).await {
            Ok(counts) => last = Some(counts),
            Err(e) => eprintln!("/metrics: {e}"),
        }
        if last == Some(expected) || begun.elapsed() >= patience {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let seconds = (begun.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    eprintln!("soak: {last:?} after {seconds} s (expected {expected:?})");
    (last, seconds)
}

/// Keeps a connection open, answering pings, until told to leave (then it
/// leaves the namespace and closes). `alive` turns false if it drops first.
async fn hold(mut conn: Conn, mut leave: watch::Receiver<bool>, alive: Arc<AtomicBool>) {
    if conn.idle_until(leave.changed()).await {
        conn.close().await;
    } else {
        alive.store(false, Ordering::Relaxed);
        eprintln!("soak: a held connection dropped");
    }
}
