//! Who a request or a connection comes from, as the HTTP edge resolved it
//! (behind trusted proxies, their word for it).

use std::net::IpAddr;

/// The client of a request (or of a Socket.IO connection, which keeps its
/// handshake's extensions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr {
    pub ip: IpAddr,
    /// Reached over HTTPS: ours, or a trusted proxy's.
    pub secure: bool,
}
