//! Where rooms and seats live. One small trait, so a single server keeps
//! them in memory (`MemoryStore`) and several servers share them through
//! Redis (`RedisStore`).
//!
//! Every operation that changes a room is one atomic call: taking a seat
//! cannot exceed the capacity however many joins race, and a seat is always
//! held by at most one connection. Expiry (the reconnect grace of a dropped
//! seat, the time-to-live of an empty room) belongs to the store too, so that
//! whichever instance sweeps sees the same deadlines.
//!
//! Nothing here knows about HTTP or Socket.IO.

#[cfg(test)]
#[macro_use]
pub(crate) mod contract;
mod memory;
mod redis;

use std::time::Duration;

use async_trait::async_trait;

use crate::domain::{ConnId, JoinedAt, PeerId, PeerName, RoomId};

pub use memory::MemoryStore;
pub use redis::{RedisSettings, RedisStore};

/// What every room is created with.
#[derive(Clone, Copy, Debug)]
pub struct RoomRules {
    /// Seats per room: 2 for a one-to-one call.
    pub max_users: u32,
    /// How long a room with no seats taken stays available for its link.
    pub room_ttl: Duration,
    /// How long a seat whose connection dropped is kept for a `rejoin`.
    pub reconnect_grace: Duration,
}

/// A person in a room, as others see them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    pub peer_id: PeerId,
    pub name: PeerName,
}

/// A room as `room-info` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomView {
    pub room_id: RoomId,
    pub max_users: u32,
    /// In join order.
    pub members: Vec<Member>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created {
    /// A new room.
    New,
    /// The room existed with nobody in it, and is handed out again.
    ExistingEmpty,
}

/// A seat about to be taken by `join`, or taken back by `rejoin`.
#[derive(Clone, Debug)]
pub struct NewSeat {
    pub peer_id: PeerId,
    pub name: PeerName,
    /// When the seat was first taken; seats are kept in this order.
    pub joined_at: JoinedAt,
    pub conn: ConnId,
}

/// A seat and the room it sits in, after `join` or `rejoin`.
#[derive(Clone, Debug)]
pub struct Seated {
    pub member: Member,
    /// When the seat was first taken.
    pub joined_at: JoinedAt,
    pub max_users: u32,
    /// Everyone in the room, the seat itself included, in join order.
    pub members: Vec<Member>,
    /// The connection that held the seat until this `rejoin` took it over,
    /// if it was still attached. It must stop acting for the seat.
    pub replaced_conn: Option<ConnId>,
    /// The seat was free before (a `join`, or a `rejoin` after the grace or
    /// into a forgotten room): the others must be told someone arrived.
    pub newly_seated: bool,
}

impl Seated {
    /// Whether someone took a seat before this one: the later arrival is the
    /// polite peer of perfect negotiation.
    pub fn arrived_later(&self) -> bool {
        self.members
            .first()
            .is_some_and(|first| first.peer_id != self.member.peer_id)
    }

    /// The others in the room, in join order.
    pub fn others(&self) -> Vec<Member> {
        self.members
            .iter()
            .filter(|m| m.peer_id != self.member.peer_id)
            .cloned()
            .collect()
    }
}

/// A seat given up, by hanging up or by the grace running out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vacated {
    pub room_id: RoomId,
    pub member: Member,
    /// Who is still in the room, in join order.
    pub members: Vec<Member>,
}

/// Where a relayed message goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub sender: Member,
    pub recipients: Vec<Recipient>,
}

/// A peer a message is for, and the connection holding its seat now (none
/// while its connection is dropped within the grace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub peer_id: PeerId,
    pub conn: Option<ConnId>,
    /// The server holding that connection, where several share the rooms
    /// (`None`: this one, or not known).
    pub server: Option<ServerId>,
}

/// One of the servers sharing rooms.
pub type ServerId = std::sync::Arc<str>;

/// A seat as routing sees it: who sits there, the connection holding it,
/// and on which server.
type RoutedSeat<'a> = (&'a Member, Option<&'a ConnId>, Option<&'a ServerId>);

/// The route of a message from `from`, whose seat `conn` must hold, to `to`
/// (or, if it is `None`, to everyone else), among one room's seats: each
/// seat's member and the connection holding it.
fn route_among<'a>(
    seats: impl Iterator<Item = RoutedSeat<'a>> + Clone,
    from: &PeerId,
    conn: &ConnId,
    to: Option<&PeerId>,
) -> StoreResult<Route> {
    let mut others = seats.clone().filter(|(member, _, _)| &member.peer_id != from);
    let (sender, _, _) = seats
        .into_iter()
        .find(|(member, holder, _)| &member.peer_id == from && *holder == Some(conn))
        .ok_or(StoreError::NotSeated)?;
    let recipient = |(member, holder, server): RoutedSeat<'_>| Recipient {
        peer_id: member.peer_id.clone(),
        conn: holder.cloned(),
        server: server.cloned(),
    };
    let recipients = match to {
        Some(to) => vec![recipient(
            others
                .find(|(member, _, _)| &member.peer_id == to)
                .ok_or(StoreError::NoSuchPeer)?,
        )],
        None => others.map(recipient).collect(),
    };
    Ok(Route {
        sender: sender.clone(),
        recipients,
    })
}

/// Figures for `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub rooms: u64,
    pub peers: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("no such room")]
    NoSuchRoom,
    #[error("the room is in use")]
    RoomTaken,
    #[error("the room is full")]
    Full { max_users: u32 },
    /// The connection does not hold a seat in that room (any more).
    #[error("not in the room")]
    NotSeated,
    #[error("no such peer in the room")]
    NoSuchPeer,
    /// The seat was given up with a hang-up: its ticket is spent.
    #[error("this seat was given up with a hang-up")]
    HungUp,
    /// The backend failed; the text is for the log, never for a client.
    #[error("store backend failed: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait RoomStore: Send + Sync + 'static {
    /// Creates the room, or hands out an existing one that nobody sits in.
    async fn create_room(&self, room_id: &RoomId) -> StoreResult<(Created, u32)>;

    /// The room and who sits in it.
    async fn room(&self, room_id: &RoomId) -> StoreResult<Option<RoomView>>;

    /// Takes a seat, atomically: fails with `Full` rather than exceed the
    /// capacity, whatever else runs at the same time.
    async fn take_seat(&self, room_id: &RoomId, seat: NewSeat) -> StoreResult<Seated>;

    /// Seats a peer again whose rejoin ticket was checked, atomically: moves
    /// a seat still held (within the grace, or at once if its old connection
    /// still looks alive) to `seat.conn`; takes a freed seat again, in join
    /// order, if the room has room (else `Full`); makes a room that is not
    /// known (any more) again around the seat. `HungUp` if the peer left
    /// the room with a hang-up.
    async fn return_seat(&self, room_id: &RoomId, seat: NewSeat) -> StoreResult<Seated>;

    /// Gives up the seat `conn` holds (hang-up); its ticket cannot take it
    /// back.
    async fn leave(&self, room_id: &RoomId, peer_id: &PeerId, conn: &ConnId) -> StoreResult<Vacated>;

    /// Notes that `conn` dropped: its seat is kept for the reconnect grace.
    /// Does nothing if `conn` no longer holds the seat.
    async fn detach(&self, room_id: &RoomId, peer_id: &PeerId, conn: &ConnId) -> StoreResult<()>;

    /// Checks that `conn` holds the sender's seat and that `to` (or, if it is
    /// `None`, everyone else) sits in the same room.
    async fn route(
        &self,
        room_id: &RoomId,
        from: &PeerId,
        conn: &ConnId,
        to: Option<&PeerId>,
    ) -> StoreResult<Route>;

    /// Frees the seats whose grace ran out and removes rooms empty for their
    /// time-to-live. Returns the freed seats, so their rooms can be told.
    async fn expire(&self) -> StoreResult<Vec<Vacated>>;

    async fn stats(&self) -> StoreResult<StoreStats>;

    /// Whether the store can serve requests now: `/healthz` says so, so that
    /// a load balancer sends people elsewhere while it cannot.
    fn ready(&self) -> bool {
        true
    }

    /// This server is stopping: every seat its connections hold starts its
    /// reconnect grace now, so that its people can take their seats back
    /// through another server. Nothing to do for a store that stops with
    /// the server.
    async fn stopping(&self) -> StoreResult<()> {
        Ok(())
    }
}
