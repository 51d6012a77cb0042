//! The event table: every event of the protocol and the handler that serves
//! it, behind the checks every event goes through. One path for every event,
//! like mini-redis' `Command::from_frame` then `apply`: the name is read once
//! (`Inbound`), the payload decoded once, then the handler runs.

use std::sync::Arc;

use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::handler::Value;

use super::context::EventContext;
use super::error::SignalError;
use super::hub::Hub;
use super::inbound::{Admission, EventName, Inbound, decode};
use super::relay::{self, Relay};
use super::rooms;
use super::sequencer::Ticket;
use super::session::Session;

/// An event as it arrived: what was sent, what the checks on arrival
/// decided, and its place in the connection's line.
pub struct Arrival<A: Adapter> {
    pub inbound: Inbound<A>,
    pub admission: Admission,
    pub ticket: Ticket,
}

/// Serves one event, after every earlier event of the same connection.
pub async fn serve<A: Adapter>(
    socket: SocketRef<A>,
    io: SocketIo<A>,
    hub: Arc<Hub>,
    session: Arc<Session>,
    arrival: Arrival<A>,
) {
    let Arrival {
        inbound: Inbound {
            name,
            event,
            packet,
            ack,
        },
        admission,
        ticket,
    } = arrival;
    ticket.turn().await;
    hub.metrics.event_received(event.map(EventName::place));
    let cx = EventContext::new(socket, io, hub, session, name, ack);
    let result = match (admission.refusal(), event) {
        (Some(refusal), _) => Err(refusal),
        (None, None) => Err(SignalError::bad_request(format!("unknown event {:?}", cx.name))),
        (None, Some(event)) => apply(&cx, event, &packet).await,
    };
    cx.finish(result);
    drop(ticket);
}

async fn apply<A: Adapter>(
    cx: &EventContext<A>,
    event: EventName,
    packet: &Value,
) -> Result<(), SignalError> {
    match event {
        EventName::CreateRoom => rooms::create(cx, decode(packet)?).await,
        EventName::RoomInfo => rooms::info(cx, decode(packet)?).await,
        EventName::Join => rooms::join(cx, decode(packet)?).await,
        EventName::Rejoin => rooms::rejoin(cx, decode(packet)?).await,
        EventName::CutTheCall => rooms::cut_the_call(cx, decode(packet)?).await,
        EventName::Offer | EventName::Answer | EventName::IceCandidate => {
            relay::relay(cx, Relay::decode(event, packet)?).await
        }
    }
}
