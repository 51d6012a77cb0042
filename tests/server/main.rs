//! Integration tests: the real server on a random port, driven over HTTP and
//! by a real Socket.IO client, one module per part of the protocol.

mod harness;
/// The protocol's words and the generators the unit properties use
/// (`src/strategies.rs`), shared.
#[allow(dead_code)]
#[path = "../../src/strategies.rs"]
mod strategies;

/// Every client talks to one server, which keeps its rooms in memory.
const SPREAD: bool = false;

mod acme;

mod fuzz;
mod http;
mod input;
mod limits;
mod reconnect;
mod relay;
mod restart;
mod rooms;
mod signals;
mod tls;
mod transports;
mod turn;
