//! `offer`, `answer` and `ice-candidate`: passed from one peer to another in
//! the same room, never further.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::value::RawValue;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::handler::Value;
use socketioxide::socket::Sid;

use super::bus::{Forwarded, Inbox};
use super::context::EventContext;
use super::error::{ErrorCode, SignalError};
use super::hub::Hub;
use super::inbound::{EventName, decode};
use super::payloads::{
    AnswerOut, IceCandidateOut, IceCandidateRequest, IceCandidateShape, OfferOut, SdpRequest,
};
use super::session::Session;
use super::{announce, audience};
use crate::domain::PeerId;
use crate::store::{Member, Recipient, Route, StoreError};

/// The largest session description relayed.
pub const MAX_SDP_BYTES: usize = 64 * 1024;

/// A relay message, checked: the event, who it is for, and what it carries
/// (the SDP string or the candidate), still as the raw JSON that was sent.
pub struct Relay<'a> {
    event: EventName,
    to: Option<Cow<'a, str>>,
    body: &'a RawValue,
}

/// What the recipient gets: the message with its sender added.
#[derive(Serialize)]
#[serde(untagged)]
enum Outgoing<'a> {
    Offer(OfferOut<'a>),
    Answer(AnswerOut<'a>),
    Candidate(IceCandidateOut<'a>),
}

impl<'a> Relay<'a> {
    /// Decodes and checks `offer`, `answer` or `ice-candidate`.
    pub fn decode(event: EventName, packet: &'a Value) -> Result<Self, SignalError> {
        match event {
            EventName::Offer | EventName::Answer => {
                let request: SdpRequest<'a> = decode(packet)?;
                check_sdp(request.sdp)?;
                Ok(Self {
                    event,
                    to: request.to,
                    body: request.sdp,
                })
            }
            EventName::IceCandidate => {
                let request: IceCandidateRequest<'a> = decode(packet)?;
                check_candidate(request.candidate.get())?;
                Ok(Self {
                    event,
                    to: request.to,
                    body: request.candidate,
                })
            }
            other => Err(SignalError::bad_request(format!(
                "{} is not relayed",
                other.as_str()
            ))),
        }
    }

    fn outgoing<'b>(&'b self, sender: &'b Member) -> Outgoing<'b> {
        match self.event {
            EventName::Offer => Outgoing::Offer(OfferOut {
                from: &sender.peer_id,
                name: &sender.name,
                sdp: self.body,
            }),
            EventName::Answer => Outgoing::Answer(AnswerOut {
                from: &sender.peer_id,
                sdp: self.body,
            }),
            _ => Outgoing::Candidate(IceCandidateOut {
                from: &sender.peer_id,
                candidate: self.body,
            }),
        }
    }

    /// The route from the store, as soon as it has it.
    async fn route(&self, hub: &Hub, session: &Session) -> Result<Route, StoreError> {
        let seat = session.seat().ok_or(StoreError::NotSeated)?;
        let to = self.to.as_deref().map(PeerId::from_client);
        hub.store
            .route(&seat.room_id, &seat.peer_id, &session.conn, to.as_ref())
            .await
    }
}

/// Relays a message to its recipients in the sender's room. With the store
/// answering at once and every recipient on this server, nothing here waits
/// (so the relay is served inside the read of the sender's connection);
/// otherwise it waits for the store, and for the adapter to carry the
/// message to other servers.
pub async fn relay<A: Adapter>(cx: &EventContext<A>, relay: Relay<'_>) -> Result<(), SignalError> {
    let route = relay
        .route(&cx.hub, &cx.session)
        .await
        .map_err(|e| cx.seat_lost_on(e))?;
    let outgoing = relay.outgoing(&route.sender);
    for recipient in &route.recipients {
        match local_socket(&cx.io, recipient) {
            Some(Some(socket)) => emit(&socket, relay.event, &outgoing),
            Some(None) => {}
            None => forward(cx, relay.event, recipient, &outgoing).await,
        }
    }
    Ok(())
}

/// Delivers a message to a recipient connected to another server: to that
/// server alone when the store says which it is, else through the adapter.
async fn forward<A: Adapter>(
    cx: &EventContext<A>,
    event: EventName,
    recipient: &Recipient,
    outgoing: &Outgoing<'_>,
) {
    if let (Some(bus), Some(server), Some(conn)) = (&cx.hub.bus, &recipient.server, &recipient.conn) {
        let message = Forwarded {
            conn: conn.clone(),
            peer_id: recipient.peer_id.clone(),
            event,
            payload: serde_json::value::to_raw_value(outgoing).expect("relayed messages serialise"),
        };
        bus.forward(server, &message);
        return;
    }
    let rooms = vec![audience::peer(&recipient.peer_id)];
    announce::emit(&cx.io, rooms, event.as_str(), outgoing).await;
}

/// Delivers the messages other servers forwarded here, to their recipients'
/// connections; one that moved meanwhile (it took its seat back through
/// another server) is found through the adapter. Runs until the bus ends.
pub async fn deliver_forwarded<A: Adapter>(io: SocketIo<A>, mut inbox: Inbox) {
    while let Some(message) = inbox.next().await {
        let here = message
            .conn
            .as_str()
            .parse::<Sid>()
            .ok()
            .and_then(|sid| io.get_socket(sid));
        match here {
            Some(socket) => emit(&socket, message.event, &message.payload),
            None => {
                let rooms = vec![audience::peer(&message.peer_id)];
                announce::emit(&io, rooms, message.event.as_str(), &message.payload).await;
            }
        }
    }
}

/// The recipient's socket when it is on this server (`Some(None)` when its
/// connection dropped: nothing to deliver to); `None` when it is elsewhere.
fn local_socket<A: Adapter>(io: &SocketIo<A>, recipient: &Recipient) -> Option<Option<SocketRef<A>>> {
    let Some(conn) = &recipient.conn else {
        return Some(None);
    };
    conn.as_str()
        .parse::<Sid>()
        .ok()
        .and_then(|sid| io.get_socket(sid))
        .map(Some)
}

fn emit<A: Adapter, T: Serialize + ?Sized>(socket: &SocketRef<A>, event: EventName, outgoing: &T) {
    if let Err(e) = socket.emit(event.as_str(), outgoing) {
        tracing::debug!(error = %e, event = event.as_str(), "relay not delivered");
    }
}

/// An sdp is a JSON string of at most 64 KiB, counted as the string it
/// stands for (escapes such as `\r\n` make the JSON text longer).
fn check_sdp(sdp: &RawValue) -> Result<(), SignalError> {
    let raw = sdp.get();
    if !raw.starts_with('"') {
        return Err(SignalError::bad_request("sdp must be a string"));
    }
    if raw.len() - 2 <= MAX_SDP_BYTES {
        return Ok(());
    }
    let decoded: String =
        serde_json::from_str(raw).map_err(|e| SignalError::bad_request(format!("malformed sdp: {e}")))?;
    if decoded.len() > MAX_SDP_BYTES {
        return Err(SignalError::new(
            ErrorCode::TooLarge,
            format!("an sdp may be at most {} KiB", MAX_SDP_BYTES / 1024),
        ));
    }
    Ok(())
}

/// A candidate is an `RTCIceCandidateInit` object, or `null` for the end of
/// candidates.
fn check_candidate(raw: &str) -> Result<(), SignalError> {
    if raw == "null" {
        return Ok(());
    }
    if !raw.starts_with('{') {
        return Err(SignalError::bad_request("candidate must be an object or null"));
    }
    serde_json::from_str::<IceCandidateShape>(raw)
        .map(|_| ())
        .map_err(|e| SignalError::bad_request(format!("malformed candidate: {e}")))
}

#[cfg(test)]
#[path = "relay_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    #[test]
    fn candidates_are_objects_of_the_right_shape_or_null() {
        assert!(check_candidate("null").is_ok());
        let full =
            r#"{"candidate":"candidate:1 1 udp 1 192.0.2.1 5 typ host","sdpMid":"0","sdpMLineIndex":0}"#;
        assert!(check_candidate(full).is_ok());
        assert!(
            check_candidate(r#"{"candidate":"","sdpMid":null,"sdpMLineIndex":null,"extra":[1]}"#).is_ok()
        );
        for bad in [
            r#""candidate""#,
            "42",
            "[]",
            r#"{"sdpMLineIndex":"zero"}"#,
            r#"{"candidate":5}"#,
        ] {
            assert_eq!(
                check_candidate(bad).unwrap_err().code,
                ErrorCode::BadRequest,
                "{bad}"
            );
        }
    }

    #[test]
    fn sdp_limit_is_64_kib_of_the_string_itself() {
        let exactly = format!("\"{}\"", "a".repeat(MAX_SDP_BYTES));
        assert!(check_sdp(&raw(&exactly)).is_ok());
        let over = format!("\"{}\"", "a".repeat(MAX_SDP_BYTES + 1));
        assert_eq!(check_sdp(&raw(&over)).unwrap_err().code, ErrorCode::TooLarge);
        // 20,000 escaped line ends: 80,000 bytes of JSON for 40,000 of sdp.
        let escaped = format!("\"{}\"", "\\r\\n".repeat(20_000));
        assert!(check_sdp(&raw(&escaped)).is_ok());
        for not_a_string in ["null", "5", "{}", "[]"] {
            assert_eq!(
                check_sdp(&raw(not_a_string)).unwrap_err().code,
                ErrorCode::BadRequest
            );
        }
    }
}
