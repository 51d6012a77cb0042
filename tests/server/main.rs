//! Integration tests: the real server on a random port, driven over HTTP and
//! by a real Socket.IO client, one module per part of the protocol.

mod harness;

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
