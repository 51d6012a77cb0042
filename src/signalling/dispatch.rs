//! The event table: every event of the protocol and the handler that serves
//! it, behind the checks every event goes through.

use std::sync::Arc;

use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::handler::Value;

use super::Hub;
use super::context::EventContext;
use super::error::SignalError;
use super::inbound::{Admission, EventName, Inbound, decode};
use super::sequencer::Ticket;
use super::session::Session;
use super::{relay, rooms};

/// An event as it arrived: what was sent, what the checks on arrival
/// decided, and its place in the connection's line.
pub struct Arrival {
    pub inbound: Inbound,
    pub admission: Admission,
    pub ticket: Ticket,
}

/// Serves one event, after every earlier event of the same connection.
pub async fn on_event(
    socket: SocketRef,
    io: SocketIo,
    hub: Arc<Hub>,
    session: Arc<Session>,
    arrival: Arrival,
) {
    let Arrival {
        inbound: Inbound { event, packet, ack },
        admission,
        ticket,
    } = arrival;
    ticket.turn().await;
    hub.metrics.event_received(&event);
    let cx = EventContext::new(socket, io, hub, session, event, ack);
    let result = match admission.refusal() {
        None => serve(&cx, &packet).await,
        Some(refusal) => Err(refusal),
    };
    cx.finish(result);
    drop(ticket);
}

async fn serve(cx: &EventContext, packet: &Value) -> Result<(), SignalError> {
    let Some(event) = EventName::parse(&cx.event) else {
        return Err(SignalError::bad_request(format!("unknown event {:?}", cx.event)));
    };
    match event {
        EventName::CreateRoom => rooms::create(cx, decode(packet)?).await,
        EventName::RoomInfo => rooms::info(cx, decode(packet)?).await,
        EventName::Join => rooms::join(cx, decode(packet)?).await,
        EventName::Rejoin => rooms::rejoin(cx, decode(packet)?).await,
        EventName::CutTheCall => rooms::cut_the_call(cx, decode(packet)?).await,
        EventName::Offer => relay::offer(cx, decode(packet)?).await,
        EventName::Answer => relay::answer(cx, decode(packet)?).await,
        EventName::IceCandidate => relay::ice_candidate(cx, decode(packet)?).await,
    }
}
