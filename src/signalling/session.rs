//! What the server remembers about one signalling connection: its place in
//! line, its allowance, the seat it holds and the room it watches. The
//! Socket.IO rooms a socket is in always follow this state, and only the
//! methods here change either.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use tokio::time::Instant;

use super::audience;
use super::sequencer::{Sequencer, Ticket};
use crate::domain::{ConnId, PeerId, RoomId};
use crate::limits::{Allowance, Permit, TokenBucket};

/// The protocol's allowance of events per connection: a burst of 100, then
/// 20 a second.
const EVENTS: Allowance = Allowance {
    burst: 100.0,
    per_second: 20.0,
};

/// A seat as the connection knows it; the store has the final word on
/// whether the connection still holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeatRef {
    pub room_id: RoomId,
    pub peer_id: PeerId,
}

pub struct Session {
    pub conn: ConnId,
    /// This connection's place under the per-address cap, kept until the
    /// session is dropped with its socket.
    _permit: Option<Permit>,
    sequencer: Arc<Sequencer>,
    allowance: Mutex<TokenBucket>,
    place: Mutex<Place>,
}

#[derive(Default)]
struct Place {
    seat: Option<SeatRef>,
    watching: Option<RoomId>,
}

impl Session {
    pub fn new(conn: ConnId, permit: Option<Permit>) -> Self {
        Self {
            conn,
            _permit: permit,
            sequencer: Arc::default(),
            allowance: Mutex::new(TokenBucket::full(&EVENTS, Instant::now())),
            place: Mutex::default(),
        }
    }

    pub fn ticket(&self) -> Ticket {
        self.sequencer.ticket()
    }

    /// Takes one event's worth of allowance, if any is left.
    pub fn allow_event(&self) -> bool {
        lock(&self.allowance).try_take(&EVENTS, Instant::now())
    }

    pub fn seat(&self) -> Option<SeatRef> {
        lock(&self.place).seat.clone()
    }

    /// Puts the socket where a seated peer must be: reachable as the peer and
    /// as a member of the room, and no longer watching.
    pub fn sit<A: Adapter>(&self, socket: &SocketRef<A>, seat: SeatRef) {
        let mut place = lock(&self.place);
        if let Some(watched) = place.watching.take() {
            socket.leave(audience::watchers(&watched));
        }
        socket.join([audience::peer(&seat.peer_id), audience::members(&seat.room_id)]);
        place.seat = Some(seat);
    }

    /// Leaves the seat's rooms; the seat itself is the store's business.
    pub fn stand<A: Adapter>(&self, socket: &SocketRef<A>) {
        let mut place = lock(&self.place);
        if let Some(seat) = place.seat.take() {
            socket.leave([audience::peer(&seat.peer_id), audience::members(&seat.room_id)]);
        }
    }

    /// Watches `room_id` for `members` events, or stops watching.
    pub fn watch<A: Adapter>(&self, socket: &SocketRef<A>, room_id: Option<RoomId>) {
        let mut place = lock(&self.place);
        if place.watching == room_id {
            return;
        }
        if let Some(previous) = place.watching.take() {
            socket.leave(audience::watchers(&previous));
        }
        if let Some(room_id) = &room_id {
            socket.join(audience::watchers(room_id));
        }
        place.watching = room_id;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while these locks are held; the data stays consistent.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
