//! `startup`: how long the server takes from being started to answering
//! `/healthz`, and how much memory it holds when idle.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::process;

#[derive(Debug, clap::Args)]
pub struct StartupArgs {
    /// The server command and its arguments, after `--`; it must listen on `--server`.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
    /// Starts to measure, to average out the noise of a shared machine.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

pub fn run(servers: &[SocketAddr], args: &StartupArgs) -> Value {
    let &[server] = servers else {
        return json!({"scenario": "startup", "error": "startup measures one server: give --server once"});
    };
    let mut times = Vec::new();
    let mut idle_rss = None;
    for _ in 0..args.runs {
        let started = Instant::now();
        let mut child = match Command::new(&args.command[0])
            .args(&args.command[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => return json!({"scenario": "startup", "error": format!("cannot start the server: {e}")}),
        };
        let deadline = started + Duration::from_secs(10);
        let serving = loop {
            if healthz_ok(server) {
                break Some(started.elapsed());
            }
            if Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(Duration::from_micros(500));
        };
        std::thread::sleep(Duration::from_secs(1));
        // Another process on the port would have answered for it: a server
        // that could not listen has stopped by now.
        if let Ok(Some(status)) = child.try_wait() {
            return json!({"scenario": "startup", "error": format!("the server stopped ({status}); was the port taken?")});
        }
        idle_rss = process::rss_kib(child.id()).ok();
        let _ = child.kill();
        let _ = child.wait();
        match serving {
            Some(elapsed) => times.push(elapsed.as_secs_f64() * 1000.0),
            None => {
                return json!({"scenario": "startup", "error": "the server did not answer /healthz within 10 s"});
            }
        }
        // Let the port be free for the next run.
        std::thread::sleep(Duration::from_millis(200));
    }
    times.sort_by(f64::total_cmp);
    let round = |ms: f64| (ms * 10.0).round() / 10.0;
    json!({
        "scenario": "startup",
        "runs": times.len(),
        "start_to_serving_ms": {"median": round(times[times.len() / 2]), "max": round(times[times.len() - 1])},
        "idle_rss_kib": idle_rss,
    })
}

/// A plain HTTP/1.1 `GET /healthz` answered 200.
fn healthz_ok(server: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&server, Duration::from_millis(50)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}
