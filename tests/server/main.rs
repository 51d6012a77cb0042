//! Integration tests: the real server on a random port, driven over HTTP and
//! by a real Socket.IO client, one module per part of the protocol.

mod harness;

mod acme;

mod http;
mod input;
mod reconnect;
mod relay;
mod rooms;
mod tls;
mod transports;
mod turn;
