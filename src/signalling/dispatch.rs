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
use super::relay::{self, Relay};
use super::rooms;
use super::sequencer::Ticket;
use super::session::Session;

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
        return Err(unknown_event(&cx.event));
    };
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

/// Serves an event at once, as it is read off the connection, when that
/// overtakes nothing (no earlier event of the connection is still in line)
/// and needs no waiting: refusals on arrival, unknown events, and relays
/// whose store answer and recipients are at hand. `None`: the event goes in
/// line, to [`on_event`].
pub fn serve_now(
    socket: &SocketRef,
    io: &SocketIo,
    hub: &Hub,
    session: &Session,
    inbound: &Inbound,
    admission: &Admission,
) -> Option<Result<(), SignalError>> {
    if !session.line_is_idle() {
        return None;
    }
    if let Some(refusal) = admission.refusal() {
        return Some(Err(refusal));
    }
    match EventName::parse(&inbound.event) {
        None => Some(Err(unknown_event(&inbound.event))),
        Some(event @ (EventName::Offer | EventName::Answer | EventName::IceCandidate)) => {
            relay::relay_now(hub, io, socket, session, event, &inbound.packet)
        }
        Some(_) => None,
    }
}

/// Answers an event served at once.
pub fn answer_now(
    socket: SocketRef,
    io: SocketIo,
    hub: Arc<Hub>,
    session: Arc<Session>,
    inbound: Inbound,
    result: Result<(), SignalError>,
) {
    hub.metrics.event_received(&inbound.event);
    EventContext::new(socket, io, hub, session, inbound.event, inbound.ack).finish(result);
}

fn unknown_event(name: &str) -> SignalError {
    SignalError::bad_request(format!("unknown event {name:?}"))
}
