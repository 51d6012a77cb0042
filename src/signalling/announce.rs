//! The events the server sends to people other than the one who asked.

use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;

use super::audience;
use super::payloads::{CutTheCall, Members, UserArrived};
use crate::domain::RoomId;
use crate::store::{Member, Seated, Vacated};

/// Why a seat was given up, as `cut-the-call` tells it.
#[derive(Clone, Copy, Debug)]
pub enum Departure {
    Hangup,
    Disconnected,
}

impl Departure {
    fn as_str(self) -> &'static str {
        match self {
            Departure::Hangup => "hangup",
            Departure::Disconnected => "disconnected",
        }
    }
}

/// Tells the others in the room that someone took a seat.
pub async fn arrival<A: Adapter>(io: &SocketIo<A>, room_id: &RoomId, seated: &Seated) {
    let others: Vec<String> = seated
        .others()
        .iter()
        .map(|m| audience::peer(&m.peer_id))
        .collect();
    if !others.is_empty() {
        let arrived = UserArrived {
            peer_id: &seated.member.peer_id,
            name: &seated.member.name,
        };
        emit(io, others, "user-arrived", &arrived).await;
    }
    members(io, room_id, &seated.members).await;
}

/// Tells the room that someone left, and who is still there.
pub async fn departure<A: Adapter>(io: &SocketIo<A>, vacated: &Vacated, why: Departure) {
    let cut = CutTheCall {
        peer_id: &vacated.member.peer_id,
        name: &vacated.member.name,
        reason: why.as_str(),
    };
    emit(
        io,
        vec![audience::members(&vacated.room_id)],
        "cut-the-call",
        &cut,
    )
    .await;
    members(io, &vacated.room_id, &vacated.members).await;
}

/// Sends the member list to the members of the room and its watchers.
pub async fn members<A: Adapter>(io: &SocketIo<A>, room_id: &RoomId, members: &[Member]) {
    let audience = vec![audience::members(room_id), audience::watchers(room_id)];
    emit(io, audience, "members", &Members { room_id, members }).await;
}

pub async fn emit<A: Adapter, T: serde::Serialize + ?Sized>(
    io: &SocketIo<A>,
    rooms: Vec<String>,
    event: &str,
    data: &T,
) {
    if let Err(e) = io.to(rooms).emit(event, data).await {
        // A recipient that just went away; its seat logic runs on disconnect.
        tracing::debug!(error = %e, event, "event not delivered to every recipient");
    }
}
