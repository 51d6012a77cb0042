//! What the server remembers about one signalling connection: its place in
//! line, its allowance, the seat it holds and the room it watches. The
//! Socket.IO rooms a socket is in always follow this state, and only the
//! methods here change either.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use socketioxide::extract::SocketRef;
use tokio::time::Instant;

use super::audience;
use super::cap::Permit;
use super::error::SignalError;
use super::rate_limit::TokenBucket;
use super::sequencer::{Sequencer, Ticket};
use crate::domain::{ConnId, PeerId, RoomId};
use crate::store::StoreError;

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
            allowance: Mutex::new(TokenBucket::full(Instant::now())),
            place: Mutex::default(),
        }
    }

    pub fn ticket(&self) -> Ticket {
        self.sequencer.ticket()
    }

    /// No event of this connection is waiting or being served: the next one
    /// may be served at once without overtaking anything.
    pub fn line_is_idle(&self) -> bool {
        self.sequencer.is_idle()
    }

    /// Passes a store error on as the protocol's, first letting go of a seat
    /// that the store says this connection no longer holds (another
    /// connection took it back with `rejoin`).
    pub fn give_up_lost_seat(&self, socket: &SocketRef, error: StoreError) -> SignalError {
        if error == StoreError::NotSeated {
            self.stand(socket);
        }
        error.into()
    }

    /// Takes one event's worth of allowance, if any is left.
    pub fn allow_event(&self) -> bool {
        lock(&self.allowance).try_take(Instant::now())
    }

    pub fn seat(&self) -> Option<SeatRef> {
        lock(&self.place).seat.clone()
    }

    /// Puts the socket where a seated peer must be: reachable as the peer and
    /// as a member of the room, and no longer watching.
    pub fn sit(&self, socket: &SocketRef, seat: SeatRef) {
        let mut place = lock(&self.place);
        if let Some(watched) = place.watching.take() {
            socket.leave(audience::watchers(&watched));
        }
        socket.join([audience::peer(&seat.peer_id), audience::members(&seat.room_id)]);
        place.seat = Some(seat);
    }

    /// Leaves the seat's rooms; the seat itself is the store's business.
    pub fn stand(&self, socket: &SocketRef) {
        let mut place = lock(&self.place);
        if let Some(seat) = place.seat.take() {
            socket.leave([audience::peer(&seat.peer_id), audience::members(&seat.room_id)]);
        }
    }

    /// Watches `room_id` for `members` events, or stops watching.
    pub fn watch(&self, socket: &SocketRef, room_id: Option<RoomId>) {
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
