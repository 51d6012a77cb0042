//! The server stops when told (SIGTERM from a service manager, Ctrl-C's
//! SIGINT), whatever became of its output: its logs may go to a pipe whose
//! reader is gone (`duet 2>&1 | head -c 10`, a log collector restarted), or
//! to one nobody reads any more (a stalled collector), and its standard
//! output is closed once it said where it listens.

use std::process::Stdio;
use std::time::Duration;

use crate::harness::ServerProcess;

/// Makes the server log until aborted: every join is a debug line, and a
/// pipe holds 64 KiB.
fn keep_logging(url: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = crate::harness::Client::connect(&url, rust_socketio::TransportType::Websocket).await;
        for round in 0.. {
            let room = client.create_room().await;
            client
                .join(&room, &format!("someone with a long name, round {round}"))
                .await;
            client.emit("cut-the-call", serde_json::json!({})).await;
        }
    })
}

/// Logs for a while, sends `signal`, and expects a clean exit soon after.
async fn stops_on(mut server: ServerProcess, signal: &str) {
    let load = keep_logging(server.url.clone());
    tokio::time::sleep(Duration::from_secs(3)).await;
    server.signal(signal);
    let exit = server.exit_within(Duration::from_secs(10)).await;
    load.abort();
    let exit = exit.unwrap_or_else(|| panic!("still running 10 s after SIG{signal}"));
    assert!(exit.success(), "stopped cleanly: {exit:?}");
}

#[tokio::test]
async fn sigterm_stops_it_when_its_logs_go_to_a_pipe_whose_reader_is_gone() {
    let mut server = ServerProcess::start_logging(&[], "debug", Stdio::piped()).await;
    drop(server.take_logs());
    stops_on(server, "TERM").await;
}

#[tokio::test]
async fn ctrl_c_stops_it_when_nobody_reads_its_logs_any_more() {
    let mut server = ServerProcess::start_logging(&[], "debug", Stdio::piped()).await;
    // The pipe stays open, unread, and fills up.
    let _unread = server.take_logs();
    stops_on(server, "INT").await;
}
