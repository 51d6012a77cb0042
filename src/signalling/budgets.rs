//! The per-address budgets of the requests that cost the server or tell a
//! stranger something, the same whether they come over HTTP or Socket.IO:
//! rooms created, and rooms looked up that do not exist (so short chosen
//! room ids cannot be enumerated).

use std::future::Future;
use std::net::IpAddr;

use super::error::{ErrorCode, SignalError};
use super::hub::Hub;
use crate::domain::RoomId;
use crate::store::{RoomView, StoreError};

/// Spends one of the client's room creations. A request with no known
/// client (only tests build those) spends nothing.
pub fn spend_room_creation(hub: &Hub, client: Option<IpAddr>) -> Result<(), SignalError> {
    let Some(ip) = client else { return Ok(()) };
    hub.limits
        .room_creations
        .spend(ip)
        .map_err(|spent| SignalError::budget_spent("rooms created", spent))
}

/// Runs `lookup`, which names a room, under the client's budget of rooms
/// not found: once it is spent every lookup is refused, found or not, so
/// that the refusal says nothing about the room; a lookup that finds no
/// room spends one.
pub async fn look_up<T>(
    hub: &Hub,
    client: Option<IpAddr>,
    lookup: impl Future<Output = Result<T, SignalError>>,
) -> Result<T, SignalError> {
    let Some(ip) = client else { return lookup.await };
    let budget = &hub.limits.missing_rooms;
    budget
        .check(ip)
        .map_err(|spent| SignalError::budget_spent("rooms looked up that do not exist", spent))?;
    let found = lookup.await;
    if matches!(&found, Err(e) if e.code == ErrorCode::NoSuchRoom) {
        budget.charge(ip);
    }
    found
}

/// The room a link or an API request names by `raw` id, under the client's
/// budget of rooms not found. An id that cannot exist names no room.
pub async fn find_room(hub: &Hub, client: Option<IpAddr>, raw: &str) -> Result<RoomView, SignalError> {
    look_up(hub, client, async {
        let room_id = RoomId::parse(raw).map_err(|_| StoreError::NoSuchRoom)?;
        Ok(hub.store.room(&room_id).await?.ok_or(StoreError::NoSuchRoom)?)
    })
    .await
}
