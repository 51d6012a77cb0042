//! duet-load: a load generator for signalling servers that speak the duet
//! protocol (Socket.IO over WebSocket), built to share a small machine with
//! the server it measures: one thread, raw Socket.IO framing, no JSON trees
//! on the hot path. Every scenario prints one JSON line.

mod conn;
mod process;
mod redis_memory;
mod scenario;
mod server_metrics;
mod stats;
mod watched;
mod wire;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use conn::Target;
use scenario::{burst, churn, hold, relay, soak, startup};
use watched::Watched;

#[derive(Debug, Parser)]
#[command(name = "duet-load", version, about)]
struct Cli {
    /// The server's address. Given more than once, connections go to the
    /// servers in turn, and the two peers of a room to different servers.
    #[arg(long = "server", default_value = "127.0.0.1:8080")]
    servers: Vec<SocketAddr>,
    /// Loopback source addresses to spread connections over, as a range of
    /// the last octet (127.0.0.2-127.0.0.40) or a comma-separated list.
    #[arg(long, default_value = "127.0.0.2-127.0.0.33")]
    sources: String,
    /// The server's process id: its memory and CPU time are read from /proc.
    /// With several servers, once per server in the order of `--server`.
    #[arg(long = "server-pid")]
    server_pids: Vec<u32>,
    /// The process id of the Redis the servers share: its memory and CPU time
    /// are reported beside theirs.
    #[arg(long)]
    redis_pid: Option<u32>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Many connected peers held open; server memory per peer.
    Hold(hold::HoldArgs),
    /// Offers, answers and candidates relayed at a fixed rate; throughput, latency, CPU per message.
    Relay(relay::RelayArgs),
    /// Complete call set-ups by concurrent workers; set-ups per second and their latency.
    Churn(churn::ChurnArgs),
    /// Starts the server command given after `--`; time to serving, and idle memory.
    Startup(startup::StartupArgs),
    /// A held population and steady call churn for a long time; the server's
    /// memory and counts every sample, and whether they come back after.
    Soak(soak::SoakArgs),
    /// Many connections, messages (some large), all closed; the server's
    /// memory before, at the peak, and a while after.
    Burst(burst::BurstArgs),
}

fn parse_sources(spec: &str) -> Result<Vec<IpAddr>, String> {
    if let Some((first, last)) = spec.split_once('-') {
        let first: Ipv4Addr = first.trim().parse().map_err(|e| format!("{first}: {e}"))?;
        let last: Ipv4Addr = last.trim().parse().map_err(|e| format!("{last}: {e}"))?;
        let [a, b, c, from] = first.octets();
        let to = last.octets()[3];
        if last.octets()[..3] != [a, b, c] || to < from {
            return Err("a range differs only in its last octet, low to high".into());
        }
        return Ok((from..=to)
            .map(|d| IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
            .collect());
    }
    spec.split(',')
        .map(|s| s.trim().parse().map_err(|e| format!("{s}: {e}")))
        .collect()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let sources = match parse_sources(&cli.sources) {
        Ok(sources) if !sources.is_empty() => sources,
        Ok(_) => {
            eprintln!("duet-load: no source addresses");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("duet-load: --sources: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !cli.server_pids.is_empty() && cli.server_pids.len() != cli.servers.len() {
        eprintln!("duet-load: give --server-pid once per --server, or not at all");
        return ExitCode::FAILURE;
    }
    // Each connection is a file descriptor: take all the process may have.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("duet-load: could not raise the open-file limit: {e}");
    }
    let target = Target {
        servers: cli.servers,
        sources,
    };
    let watched = Watched {
        servers: cli.server_pids,
        redis: cli.redis_pid,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async {
        match &cli.scenario {
            Scenario::Hold(args) => hold::run(&target, &watched, args).await,
            Scenario::Relay(args) => relay::run(&target, &watched, args).await,
            Scenario::Churn(args) => churn::run(&target, &watched, args).await,
            Scenario::Startup(args) => startup::run(&target.servers, args),
            Scenario::Soak(args) => soak::run(&target, &watched, args).await,
            Scenario::Burst(args) => burst::run(&target, &watched, args).await,
        }
    });

    println!("{result}");
    if result.get("error").is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ranges_and_lists() {
        assert_eq!(parse_sources("127.0.0.2-127.0.0.4").unwrap().len(), 3);
        assert_eq!(parse_sources("127.0.0.1, 127.0.0.9").unwrap().len(), 2);
        assert!(parse_sources("127.0.0.5-127.0.0.4").is_err());
        assert!(parse_sources("127.0.0.5-127.0.1.9").is_err());
        assert!(parse_sources("nonsense").is_err());
    }
}
