//! One incoming event, checked in the order the protocol sets before anything
//! acts on it: its size first, then the connection's allowance, then its shape.

use std::convert::Infallible;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;
use socketioxide::adapter::LocalAdapter;
use socketioxide::extract::{AckSender, Event};
use socketioxide::handler::{FromMessage, FromMessageParts, Value};
use socketioxide::socket::Socket;

use super::error::{ErrorCode, SignalError};
use super::session::Session;

/// The largest payload of any one event.
pub const MAX_PAYLOAD_BYTES: usize = 128 * 1024;

/// The events a client may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventName {
    CreateRoom,
    RoomInfo,
    Join,
    Rejoin,
    Offer,
    Answer,
    IceCandidate,
    CutTheCall,
}

impl EventName {
    pub const ALL: [EventName; 8] = [
        EventName::CreateRoom,
        EventName::RoomInfo,
        EventName::Join,
        EventName::Rejoin,
        EventName::Offer,
        EventName::Answer,
        EventName::IceCandidate,
        EventName::CutTheCall,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            EventName::CreateRoom => "create-room",
            EventName::RoomInfo => "room-info",
            EventName::Join => "join",
            EventName::Rejoin => "rejoin",
            EventName::Offer => "offer",
            EventName::Answer => "answer",
            EventName::IceCandidate => "ice-candidate",
            EventName::CutTheCall => "cut-the-call",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// What the checks on arrival decided.
pub enum Admission {
    Admitted,
    TooLarge,
    RateLimited,
    /// Carried binary attachments, which no event of the protocol has.
    Binary,
}

/// The extractor of the event handler: one event as received.
pub struct Inbound {
    /// The event name exactly as sent.
    pub event: String,
    /// The packet text, `["event", payload, ...]`, with any attachments.
    pub packet: Value,
    /// Present when the client asked for an acknowledgement.
    pub ack: Option<AckSender>,
}

impl FromMessage<LocalAdapter> for Inbound {
    type Error = Infallible;

    fn from_message(socket: Arc<Socket>, mut packet: Value, ack_id: Option<i64>) -> Result<Self, Infallible> {
        // socketioxide read the name already to route the event here.
        let event = Event::from_message_parts(&socket, &mut packet, &ack_id)
            .map(|Event(name)| name)
            .unwrap_or_default();
        let ack = ack_id.map(|_| {
            let Ok(ack) =
                AckSender::from_message_parts(&socket, &mut Value::Bytes(Default::default()), &ack_id);
            ack
        });
        Ok(Self { event, packet, ack })
    }
}

impl Inbound {
    /// Checks size, then allowance, then shape, as the event arrives.
    pub fn admit(&self, session: &Session) -> Admission {
        let Value::Str(text, attachments) = &self.packet else {
            return Admission::Binary;
        };
        let attached: usize = attachments.iter().flatten().map(|b| b.len()).sum();
        // The text is `["<event>",<payload>]`: five bytes of framing around
        // the event name, the rest is payload.
        let payload_bytes = text.len().saturating_sub(self.event.len() + 5) + attached;
        if payload_bytes > MAX_PAYLOAD_BYTES {
            return Admission::TooLarge;
        }
        if !session.allow_event() {
            return Admission::RateLimited;
        }
        if attachments.as_ref().is_some_and(|a| !a.is_empty()) {
            return Admission::Binary;
        }
        Admission::Admitted
    }
}

impl Admission {
    /// The refusal decided on arrival, if any.
    pub fn refusal(&self) -> Option<SignalError> {
        Some(match self {
            Admission::Admitted => return None,
            Admission::TooLarge => SignalError::new(
                ErrorCode::TooLarge,
                format!("a payload may be at most {} KiB", MAX_PAYLOAD_BYTES / 1024),
            ),
            Admission::RateLimited => SignalError::new(
                ErrorCode::RateLimited,
                "too many events; slow down (20 per second after a burst of 100)",
            ),
            Admission::Binary => SignalError::bad_request("binary payloads are not part of the protocol"),
        })
    }
}

/// Decodes the first argument of an admitted event as `T`, borrowing from
/// the packet where `T` does. A missing payload reads as `{}`; anything but a
/// JSON object, or fields of the wrong JSON type, is a `bad-request`.
pub fn decode<'a, T: Deserialize<'a>>(packet: &'a Value) -> Result<T, SignalError> {
    let Value::Str(text, _) = packet else {
        return Err(SignalError::bad_request(
            "binary payloads are not part of the protocol",
        ));
    };
    let args: Vec<&RawValue> = serde_json::from_str(text.as_str())
        .map_err(|_| SignalError::bad_request("the packet is not valid JSON"))?;
    let payload = args.get(1).map_or("{}", |raw| raw.get());
    if !payload.starts_with('{') {
        return Err(SignalError::bad_request("the payload must be a JSON object"));
    }
    serde_json::from_str(payload).map_err(|e| SignalError::bad_request(format!("malformed payload: {e}")))
}
