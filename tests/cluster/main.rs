//! The protocol's integration tests again, with the clients spread over two
//! servers that share their rooms through a real Redis (each test starts
//! its own `redis-server`); and what only servers sharing rooms do: come
//! and go, race for seats, and ride out Redis going away.

#[path = "../server/harness.rs"]
mod harness;
/// The protocol's words and the generators the unit properties use
/// (`src/strategies.rs`), shared.
#[allow(dead_code)]
#[path = "../../src/strategies.rs"]
mod strategies;

/// Clients connect to the servers in turn.
const SPREAD: bool = true;

#[path = "../server/input.rs"]
mod input;
#[path = "../server/reconnect.rs"]
mod reconnect;
#[path = "../server/relay.rs"]
mod relay;
#[path = "../server/rooms.rs"]
mod rooms;
#[path = "../server/transports.rs"]
mod transports;

mod instances;
