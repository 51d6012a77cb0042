//! duet: a private one-to-one video call. Two people open the same link; the
//! video and audio go straight between their browsers, and this server only
//! introduces them (signalling over Socket.IO) and serves the pages.
//!
//! # Layout
//!
//! Data flows one way, from the edges to the store:
//!
//! - [`http`]: the HTTP edge: pages, embedded assets, the rooms API,
//!   `/healthz`, `/metrics`, security headers, the client's address behind
//!   trusted proxies, the invite QR code, the HTTP-to-HTTPS redirect.
//! - [`signalling`]: the Socket.IO edge and the protocol's handlers: checks on
//!   arrival, the event table, relaying, announcements, the expiry sweeper;
//!   generic over the Socket.IO adapter (in memory, or Redis for servers
//!   sharing rooms).
//! - [`store`]: rooms and seats behind the [`store::RoomStore`] trait, in
//!   memory or in Redis; knows nothing of HTTP or Socket.IO.
//! - [`domain`]: validated words of the protocol (room ids, names, rejoin
//!   tickets, client addresses).
//!
//! At the side: [`config`] (flags and environment), [`limits`] (what one
//! client address may hold and spend), [`redis_conn`]
//! (connections to Redis, for servers sharing rooms), [`secrets`] (the keys
//! that outlive a restart, and the state directory they are kept in),
//! [`telemetry`] (logs and metrics), [`turn`] (ICE servers, TURN credentials
//! and the built-in STUN/TURN server), [`tls`] (certificates), [`serve`]
//! (listeners),
//! [`console`] (what start-up prints), [`shutdown`] (the stop signal), and
//! [`app`], which wires it all together and serves it.

pub mod app;
pub mod config;
pub mod console;
pub mod domain;
pub mod http;
pub mod limits;
pub mod redis_conn;
pub mod secrets;
pub mod serve;
pub mod shutdown;
pub mod signalling;
pub mod store;
#[cfg(test)]
mod strategies;
pub mod telemetry;
pub mod tls;
pub mod turn;

pub use app::App;
pub use config::Config;
