//! The room store of a single server: everything in one map behind one lock.
//!
//! A std `Mutex` is right here: every operation is a few map lookups, nothing
//! awaits while the lock is held, and the async trait methods never yield
//! inside it.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use tokio::time::Instant;

use super::{
    Created, Member, NewSeat, RoomRules, RoomStore, RoomView, Route, Seated, StoreError, StoreResult,
    StoreStats, Vacated,
};

use crate::domain::{ConnId, JoinedAt, PeerId, RoomId};

/// How many hang-ups a room remembers, to refuse their tickets. A ticket is
/// only of use to the person it was issued to, who could as well join again
/// with the link; remembering a few keeps a hang-up final without letting a
/// room that sees many joins grow without bound.
const HANG_UPS_REMEMBERED: usize = 32;

pub struct MemoryStore {
    rules: RoomRules,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    rooms: HashMap<RoomId, Room>,
    deadlines: Deadlines,
    seated: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Due {
    Grace(RoomId, PeerId),
    EmptyRoom(RoomId),
}

/// What comes due when: at most one deadline per empty room (its
/// time-to-live) and per dropped seat (its grace), replaced when set again
/// and removed when it no longer applies, so that its size follows the rooms
/// and seats there are, however much they churn.
#[derive(Default)]
struct Deadlines {
    by_time: BTreeSet<(Instant, Due)>,
    by_due: HashMap<Due, Instant>,
}

impl Deadlines {
    fn set(&mut self, due: Due, at: Instant) {
        if let Some(previous) = self.by_due.insert(due.clone(), at) {
            self.by_time.remove(&(previous, due.clone()));
        }
        self.by_time.insert((at, due));
    }

    fn clear(&mut self, due: Due) {
        if let Some(at) = self.by_due.remove(&due) {
            self.by_time.remove(&(at, due));
        }
    }

    /// The earliest deadline passed by `now`, taken out.
    fn take_passed(&mut self, now: Instant) -> Option<Due> {
        if self.by_time.first()?.0 > now {
            return None;
        }
        let (_, due) = self.by_time.pop_first()?;
        self.by_due.remove(&due);
        Some(due)
    }

    /// Whether `due` is set and passed by `now`.
    fn passed(&self, due: &Due, now: Instant) -> bool {
        self.by_due.get(due).is_some_and(|at| *at <= now)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_due.len()
    }
}

struct Room {
    max_users: u32,
    /// In join order.
    seats: Vec<Seat>,
    /// The latest peers that hung up, oldest first.
    hung_up: VecDeque<PeerId>,
}

struct Seat {
    member: Member,
    joined_at: JoinedAt,
    /// `None` while the connection is gone and the grace runs.
    conn: Option<ConnId>,
}

impl Room {
    fn new(max_users: u32) -> Self {
        Self {
            max_users,
            seats: Vec::new(),
            hung_up: VecDeque::new(),
        }
    }

    fn members(&self) -> Vec<Member> {
        self.seats.iter().map(|s| s.member.clone()).collect()
    }

    fn seat(&self, peer_id: &PeerId) -> Option<&Seat> {
        self.seats.iter().find(|s| &s.member.peer_id == peer_id)
    }

    fn seat_mut(&mut self, peer_id: &PeerId) -> Option<&mut Seat> {
        self.seats.iter_mut().find(|s| &s.member.peer_id == peer_id)
    }

    /// Seats someone new (or back after the seat was freed), in join order.
    fn sit(&mut self, seat: NewSeat) -> StoreResult<Seated> {
        if self.seats.len() >= self.max_users as usize {
            return Err(StoreError::Full {
                max_users: self.max_users,
            });
        }
        // Ties (the same microsecond) fall back to the peer id, as in every store.
        let key = (seat.joined_at, &seat.peer_id);
        let place = self
            .seats
            .partition_point(|s| (s.joined_at, &s.member.peer_id) <= key);
        let peer_id = seat.peer_id.clone();
        self.seats.insert(
            place,
            Seat {
                member: Member {
                    peer_id: seat.peer_id,
                    name: seat.name,
                },
                joined_at: seat.joined_at,
                conn: Some(seat.conn),
            },
        );
        Ok(self.seated(&peer_id, None, true))
    }

    fn seated(&self, peer_id: &PeerId, replaced_conn: Option<ConnId>, newly_seated: bool) -> Seated {
        let seat = self.seat(peer_id).expect("the seat was just taken");
        Seated {
            member: seat.member.clone(),
            joined_at: seat.joined_at,
            max_users: self.max_users,
            members: self.members(),
            replaced_conn,
            newly_seated,
        }
    }
}

impl MemoryStore {
    pub fn new(rules: RoomRules) -> Self {
        Self {
            rules,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change below is completed before anything can panic, so the
        // state behind a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The room, unless it outlived its time-to-live (then it is removed now
    /// rather than at the next sweep).
    fn live_room(&mut self, room_id: &RoomId, now: Instant) -> Option<&mut Room> {
        let emptied = Due::EmptyRoom(room_id.clone());
        if self.deadlines.passed(&emptied, now) {
            self.rooms.remove(room_id);
            self.deadlines.clear(emptied);
        }
        self.rooms.get_mut(room_id)
    }

    fn remove_seat(
        &mut self,
        room_id: &RoomId,
        peer_id: &PeerId,
        rules: &RoomRules,
        now: Instant,
    ) -> Option<Vacated> {
        let room = self.rooms.get_mut(room_id)?;
        let index = room.seats.iter().position(|s| &s.member.peer_id == peer_id)?;
        let seat = room.seats.remove(index);
        self.seated -= 1;
        self.deadlines.clear(Due::Grace(room_id.clone(), peer_id.clone()));
        if room.seats.is_empty() {
            self.deadlines
                .set(Due::EmptyRoom(room_id.clone()), now + rules.room_ttl);
        }
        Some(Vacated {
            room_id: room_id.clone(),
            member: seat.member,
            members: room.members(),
        })
    }
}

#[async_trait]
impl RoomStore for MemoryStore {
    async fn create_room(&self, room_id: &RoomId) -> StoreResult<(Created, u32)> {
        let now = Instant::now();
        let rules = self.rules;
        let mut state = self.lock();
        if let Some(room) = state.live_room(room_id, now) {
            return if room.seats.is_empty() {
                Ok((Created::ExistingEmpty, room.max_users))
            } else {
                Err(StoreError::RoomTaken)
            };
        }
        state.rooms.insert(room_id.clone(), Room::new(rules.max_users));
        state
            .deadlines
            .set(Due::EmptyRoom(room_id.clone()), now + rules.room_ttl);
        Ok((Created::New, rules.max_users))
    }

    async fn room(&self, room_id: &RoomId) -> StoreResult<Option<RoomView>> {
        let now = Instant::now();
        let mut state = self.lock();
        Ok(state.live_room(room_id, now).map(|room| RoomView {
            room_id: room_id.clone(),
            max_users: room.max_users,
            members: room.members(),
        }))
    }

    async fn take_seat(&self, room_id: &RoomId, seat: NewSeat) -> StoreResult<Seated> {
        let now = Instant::now();
        let mut state = self.lock();
        let seated = state
            .live_room(room_id, now)
            .ok_or(StoreError::NoSuchRoom)?
            .sit(seat)?;
        state.seated += 1;
        state.deadlines.clear(Due::EmptyRoom(room_id.clone()));
        Ok(seated)
    }

    async fn return_seat(&self, room_id: &RoomId, seat: NewSeat) -> StoreResult<Seated> {
        let now = Instant::now();
        let rules = self.rules;
        let mut state = self.lock();
        if state.live_room(room_id, now).is_none() {
            // Forgotten (a restart) or expired: made again around the seat.
            state.rooms.insert(room_id.clone(), Room::new(rules.max_users));
        }
        let room = state.rooms.get_mut(room_id).expect("live or just made");
        if let Some(held) = room.seat_mut(&seat.peer_id) {
            let replaced_conn = held.conn.replace(seat.conn);
            let seated = room.seated(&seat.peer_id, replaced_conn, false);
            state.deadlines.clear(Due::Grace(room_id.clone(), seat.peer_id));
            return Ok(seated);
        }
        if room.hung_up.contains(&seat.peer_id) {
            return Err(StoreError::HungUp);
        }
        let seated = room.sit(seat)?;
        state.seated += 1;
        state.deadlines.clear(Due::EmptyRoom(room_id.clone()));
        Ok(seated)
    }

    async fn leave(&self, room_id: &RoomId, peer_id: &PeerId, conn: &ConnId) -> StoreResult<Vacated> {
        let now = Instant::now();
        let rules = self.rules;
        let mut state = self.lock();
        let room = state
            .live_room(room_id, now)
            .filter(|room| {
                room.seat(peer_id)
                    .is_some_and(|seat| seat.conn.as_ref() == Some(conn))
            })
            .ok_or(StoreError::NotSeated)?;
        if room.hung_up.len() == HANG_UPS_REMEMBERED {
            room.hung_up.pop_front();
        }
        room.hung_up.push_back(peer_id.clone());
        state
            .remove_seat(room_id, peer_id, &rules, now)
            .ok_or(StoreError::NotSeated)
    }

    async fn detach(&self, room_id: &RoomId, peer_id: &PeerId, conn: &ConnId) -> StoreResult<()> {
        let now = Instant::now();
        let rules = self.rules;
        let mut state = self.lock();
        let Some(seat) = state
            .live_room(room_id, now)
            .and_then(|room| room.seat_mut(peer_id))
            .filter(|seat| seat.conn.as_ref() == Some(conn))
        else {
            return Ok(());
        };
        let until = now + rules.reconnect_grace;
        seat.conn = None;
        state
            .deadlines
            .set(Due::Grace(room_id.clone(), peer_id.clone()), until);
        Ok(())
    }

    async fn route(
        &self,
        room_id: &RoomId,
        from: &PeerId,
        conn: &ConnId,
        to: Option<&PeerId>,
    ) -> StoreResult<Route> {
        let state = self.lock();
        let room = state.rooms.get(room_id).ok_or(StoreError::NotSeated)?;
        let seats = room
            .seats
            .iter()
            .map(|seat| (&seat.member, seat.conn.as_ref(), None));
        super::route_among(seats, from, conn, to)
    }

    async fn expire(&self) -> StoreResult<Vec<Vacated>> {
        let now = Instant::now();
        let rules = self.rules;
        let mut state = self.lock();
        let mut vacated = Vec::new();
        while let Some(due) = state.deadlines.take_passed(now) {
            match due {
                Due::Grace(room_id, peer_id) => {
                    vacated.extend(state.remove_seat(&room_id, &peer_id, &rules, now));
                }
                Due::EmptyRoom(room_id) => {
                    state.rooms.remove(&room_id);
                }
            }
        }
        Ok(vacated)
    }

    async fn stats(&self) -> StoreResult<StoreStats> {
        let state = self.lock();
        Ok(StoreStats {
            rooms: state.rooms.len() as u64,
            peers: state.seated,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::MemoryStore;
    use crate::store::RoomRules;
    use crate::store::contract::Made;

    async fn memory(rules: RoomRules) -> Made {
        Made {
            store: Arc::new(MemoryStore::new(rules)),
            keep: Box::new(()),
        }
    }

    crate::room_store_contract!(
        #[tokio::test(start_paused = true)]
        memory
    );

    /// Found by an attack: every emptied room added a deadline, kept until
    /// it came due a day later.
    #[tokio::test(start_paused = true)]
    async fn churn_keeps_as_many_deadlines_as_there_are_rooms_and_dropped_seats() {
        use crate::domain::RoomId;
        use crate::store::RoomStore;
        use crate::store::contract::{RULES, guest};

        let store = MemoryStore::new(RULES);
        let room = RoomId::generate();
        store.create_room(&room).await.unwrap();
        for _ in 0..1000 {
            let ada = guest("Ada");
            store.take_seat(&room, ada.seat.clone()).await.unwrap();
            store.detach(&room, ada.peer(), ada.conn()).await.unwrap();
            store.return_seat(&room, ada.returning("again")).await.unwrap();
            store
                .leave(&room, ada.peer(), &crate::domain::ConnId::new("again"))
                .await
                .unwrap();
        }
        assert_eq!(
            store.lock().deadlines.len(),
            1,
            "the empty room's time-to-live alone"
        );
    }
}
