//! Who receives what: the Socket.IO rooms that stand for a peer, for the
//! members of a room and for its watchers. Emitting through these rooms, not
//! to socket handles, is what lets a Socket.IO adapter carry the events to
//! sockets on other server instances.

use crate::domain::{PeerId, RoomId};

/// The socket currently holding a peer's seat.
pub fn peer(peer_id: &PeerId) -> String {
    format!("p:{peer_id}")
}

/// The sockets holding seats in a room.
pub fn members(room_id: &RoomId) -> String {
    format!("m:{room_id}")
}

/// The sockets that asked `room-info` with `watch: true`.
pub fn watchers(room_id: &RoomId) -> String {
    format!("w:{room_id}")
}
