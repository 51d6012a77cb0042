//! The words of the protocol as validated types: what a room id, a peer id or a
//! name may be, and the rejoin ticket. Everything that enters the server is
//! parsed into one of these before any other layer sees it, so the rest of the
//! code never re-checks.

mod client_addr;
mod ice_server;
mod peer_name;
mod random;
mod room_id;
mod ticket;
mod tokens;

pub use client_addr::ClientAddr;
pub use ice_server::{IceServer, InvalidIceServer};
pub use peer_name::{InvalidName, PeerName};
pub use room_id::{InvalidRoomId, RoomId};
pub use ticket::{BadTicket, JoinedAt, RejoinToken, SeatTicket, TicketKey};
pub use tokens::{ConnId, PeerId};
