//! Rooms and seats: `create-room`, `room-info`, `join`, `rejoin`, `cut-the-call`.

use std::time::SystemTime;

use socketioxide::adapter::Adapter;

use super::announce::{self, Departure};
use super::audience;
use super::budgets;
use super::context::EventContext;
use super::error::{ErrorCode, SignalError};
use super::payloads::{
    CreateRoomRequest, Empty, FullRoom, JoinRequest, Joined, RejoinRequest, RoomCreated, RoomInfo,
    RoomInfoRequest,
};
use super::session::SeatRef;
use crate::domain::{JoinedAt, PeerId, PeerName, RejoinToken, RoomId, SeatTicket};
use crate::store::{Created, NewSeat, RoomStore, Seated, StoreError};

/// A room made or handed out again, for `create-room` and `POST /api/rooms`.
pub struct CreatedRoom {
    pub room_id: RoomId,
    pub created: Created,
    pub max_users: u32,
}

impl From<CreatedRoom> for RoomCreated {
    fn from(room: CreatedRoom) -> Self {
        Self {
            url: room.room_id.url(),
            room_id: room.room_id,
            max_users: room.max_users,
        }
    }
}

/// Creates the requested room, or a fresh one with an unguessable id.
pub async fn create_room(
    store: &dyn RoomStore,
    requested: Option<RoomId>,
) -> Result<CreatedRoom, SignalError> {
    if let Some(room_id) = requested {
        let (created, max_users) = store.create_room(&room_id).await?;
        return Ok(CreatedRoom {
            room_id,
            created,
            max_users,
        });
    }
    loop {
        // With 80 random bits a collision is all but impossible; if one ever
        // happens, someone else's room must not be handed out.
        let room_id = RoomId::generate();
        match store.create_room(&room_id).await {
            Ok((Created::New, max_users)) => {
                return Ok(CreatedRoom {
                    room_id,
                    created: Created::New,
                    max_users,
                });
            }
            Ok((Created::ExistingEmpty, _)) | Err(StoreError::RoomTaken) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

pub async fn create<A: Adapter>(cx: &EventContext<A>, req: CreateRoomRequest) -> Result<(), SignalError> {
    let requested = req.room_id.as_deref().map(RoomId::parse).transpose()?;
    budgets::spend_room_creation(&cx.hub, cx.client_ip())?;
    let room = create_room(&*cx.hub.store, requested).await?;
    cx.ack(RoomCreated::from(room));
    Ok(())
}

pub async fn info<A: Adapter>(cx: &EventContext<A>, req: RoomInfoRequest) -> Result<(), SignalError> {
    budgets::look_up(&cx.hub, cx.client_ip(), watch_room(cx, req)).await
}

async fn watch_room<A: Adapter>(cx: &EventContext<A>, req: RoomInfoRequest) -> Result<(), SignalError> {
    let room_id = RoomId::parse(&req.room_id)?;
    let watch = req.watch.unwrap_or(false);
    // Watch before reading, so no change between the two is missed.
    cx.session.watch(&cx.socket, watch.then(|| room_id.clone()));
    let Some(view) = cx.hub.store.room(&room_id).await? else {
        cx.session.watch(&cx.socket, None);
        return Err(StoreError::NoSuchRoom.into());
    };
    cx.ack(RoomInfo::from(view));
    Ok(())
}

pub async fn join<A: Adapter>(cx: &EventContext<A>, req: JoinRequest) -> Result<(), SignalError> {
    budgets::look_up(&cx.hub, cx.client_ip(), take_seat(cx, req)).await
}

async fn take_seat<A: Adapter>(cx: &EventContext<A>, req: JoinRequest) -> Result<(), SignalError> {
    let room_id = RoomId::parse(&req.room_id)?;
    let name = PeerName::parse(&req.name);
    let already_seated = cx.session.seat().is_some();
    // The protocol ranks a missing room above a bad name or a second join.
    if (name.is_err() || already_seated) && cx.hub.store.room(&room_id).await?.is_none() {
        return Err(StoreError::NoSuchRoom.into());
    }
    let name = name?;
    if already_seated {
        return Err(SignalError::new(
            ErrorCode::AlreadyJoined,
            "this connection is already in a room; hang up first",
        ));
    }

    let seat = SeatRef {
        room_id: room_id.clone(),
        peer_id: PeerId::generate(),
    };
    // In the seat's rooms before taking it, so that nothing addressed to the
    // new seat can go past the socket.
    cx.session.sit(&cx.socket, seat.clone());
    let new_seat = NewSeat {
        peer_id: seat.peer_id.clone(),
        name,
        joined_at: JoinedAt::at(SystemTime::now()),
        conn: cx.session.conn.clone(),
    };
    let seated = match cx.hub.store.take_seat(&room_id, new_seat).await {
        Ok(seated) => seated,
        Err(e) => {
            cx.session.stand(&cx.socket);
            return Err(refused_seat(cx, &room_id, e));
        }
    };
    tracing::debug!(peer = %seat.peer_id, "joined");
    welcome(cx, &room_id, &seated).await;
    Ok(())
}

/// Takes a seat back with its ticket: within the grace, after it, or on a
/// server that no longer knows the room (a restart, another instance).
pub async fn rejoin<A: Adapter>(cx: &EventContext<A>, req: RejoinRequest) -> Result<(), SignalError> {
    let room_id = RoomId::parse(&req.room_id)?;
    if cx.session.seat().is_some() {
        return Err(SignalError::new(
            ErrorCode::AlreadyJoined,
            "this connection is already in a room",
        ));
    }
    let ticket = cx
        .hub
        .tickets
        .check(&RejoinToken::from_client(&req.rejoin_token), SystemTime::now())
        .inspect_err(|why| tracing::debug!(%why, "rejoin ticket refused"))
        .ok()
        .filter(|ticket| ticket.room_id == room_id && ticket.peer_id.as_str() == req.peer_id)
        .ok_or_else(SignalError::bad_token)?;
    let peer_id = ticket.peer_id.clone();
    let returning = NewSeat {
        peer_id: ticket.peer_id,
        name: ticket.name,
        joined_at: ticket.joined_at,
        conn: cx.session.conn.clone(),
    };
    let seated = cx
        .hub
        .store
        .return_seat(&room_id, returning)
        .await
        .map_err(|e| refused_seat(cx, &room_id, e))?;
    if seated.replaced_conn.is_some() {
        // The old connection may still be open (its network dropped and the
        // server has not noticed): it stops receiving for the seat at once.
        // The new one is not in these rooms yet.
        let rooms = [audience::peer(&peer_id), audience::members(&room_id)];
        if let Err(e) = cx.io.within(audience::peer(&peer_id)).leave(rooms).await {
            tracing::warn!(error = %e, "replaced connection not moved out of the room");
        }
    }
    cx.session.sit(
        &cx.socket,
        SeatRef {
            room_id: room_id.clone(),
            peer_id,
        },
    );
    tracing::debug!(peer = %seated.member.peer_id, back = !seated.newly_seated, "rejoined");
    welcome(cx, &room_id, &seated).await;
    Ok(())
}

/// A store's refusal of a seat; a full room is also told with `full-room`.
fn refused_seat<A: Adapter>(cx: &EventContext<A>, room_id: &RoomId, error: StoreError) -> SignalError {
    if let StoreError::Full { max_users } = error {
        let full = FullRoom { room_id, max_users };
        if let Err(e) = cx.socket.emit("full-room", &full) {
            tracing::debug!(error = %e, "full-room not sent");
        }
    }
    error.into()
}

/// Acknowledges a seat taken, then tells the room if the seat was free.
async fn welcome<A: Adapter>(cx: &EventContext<A>, room_id: &RoomId, seated: &Seated) {
    cx.session.watch(&cx.socket, None);
    cx.ack(joined(cx, room_id.clone(), seated));
    if seated.newly_seated {
        announce::arrival(&cx.io, room_id, seated).await;
    }
}

pub async fn cut_the_call<A: Adapter>(cx: &EventContext<A>, _: Empty) -> Result<(), SignalError> {
    let seat = cx.session.seat().ok_or_else(SignalError::not_joined)?;
    let vacated = cx
        .hub
        .store
        .leave(&seat.room_id, &seat.peer_id, &cx.session.conn)
        .await
        .map_err(|e| cx.seat_lost_on(e))?;
    cx.session.stand(&cx.socket);
    tracing::debug!(peer = %seat.peer_id, "hung up");
    cx.ack(super::payloads::Nothing {});
    announce::departure(&cx.io, &vacated, Departure::Hangup).await;
    Ok(())
}

fn joined<A: Adapter>(cx: &EventContext<A>, room_id: RoomId, seated: &Seated) -> Joined {
    // A fresh ticket each time: it lasts the room time-to-live from now.
    let ticket = SeatTicket {
        room_id: room_id.clone(),
        peer_id: seated.member.peer_id.clone(),
        name: seated.member.name.clone(),
        joined_at: seated.joined_at,
        expires: SystemTime::now() + cx.hub.rules.room_ttl,
    };
    Joined {
        peer_id: seated.member.peer_id.clone(),
        max_users: seated.max_users,
        members: seated.others(),
        ice_servers: cx.hub.ice_servers_for(&seated.member.peer_id, cx.request_host()),
        rejoin_token: cx.hub.tickets.issue(&ticket),
        polite: seated.arrived_later(),
        room_id,
    }
}
