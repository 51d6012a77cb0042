//! Calls across NATs: the ICE servers each browser is given, with
//! time-limited TURN credentials, and the built-in STUN/TURN server (UDP, on
//! the `turn` crate of webrtc-rs) that `--turn` starts. A production TURN
//! server such as coturn, sharing the secret, can take its place with no
//! code change (`--turn-url`).

mod auth;
pub mod credentials;
mod offer;
mod server;

pub use credentials::{Credentials, TurnSecret};
pub use offer::{BuiltinTurn, IceServerList};
pub use server::{PortRange, TurnServer, TurnSettings};
