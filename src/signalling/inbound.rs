//! One incoming event, checked in the order the protocol sets before anything
//! acts on it: its size first, then the connection's allowance, then its shape.

use std::convert::Infallible;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Event};
use socketioxide::handler::{FromMessage, FromMessageParts, Value};
use socketioxide::socket::Socket;

use super::error::{ErrorCode, SignalError};
use super::session::Session;

/// The largest payload of any one event.
pub const MAX_PAYLOAD_BYTES: usize = 128 * 1024;

/// The events a client may send, in the order `ALL` lists them.
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

    /// Its place in `ALL`.
    pub const fn place(self) -> usize {
        self as usize
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
pub struct Inbound<A: Adapter> {
    /// The event name exactly as sent.
    pub name: String,
    /// The event, read once here; `None` for a name outside the protocol.
    pub event: Option<EventName>,
    /// The packet text, `["event", payload, ...]`, with any attachments.
    pub packet: Value,
    /// Present when the client asked for an acknowledgement.
    pub ack: Option<AckSender<A>>,
}

impl<A: Adapter> FromMessage<A> for Inbound<A> {
    type Error = Infallible;

    fn from_message(
        socket: Arc<Socket<A>>,
        mut packet: Value,
        ack_id: Option<i64>,
    ) -> Result<Self, Infallible> {
        // socketioxide read the name already to route the event here, but
        // its reader walks the whole packet (the SDP included); the name is
        // the first string, and the protocol's names have no escapes.
        let name = match plain_event_name(&packet) {
            Some(name) => name.to_owned(),
            None => Event::from_message_parts(&socket, &mut packet, &ack_id)
                .map(|Event(name)| name)
                .unwrap_or_default(),
        };
        let ack = ack_id.map(|_| {
            let Ok(ack) =
                AckSender::from_message_parts(&socket, &mut Value::Bytes(Default::default()), &ack_id);
            ack
        });
        Ok(Self {
            event: EventName::parse(&name),
            name,
            packet,
            ack,
        })
    }
}

/// The event name at the start of `["name", ...]`, if it is written without
/// escapes.
fn plain_event_name(packet: &Value) -> Option<&str> {
    let text = packet.as_str()?.as_str().strip_prefix("[\"")?;
    let end = text.find(['"', '\\'])?;
    (text.as_bytes()[end] == b'"').then(|| &text[..end])
}

impl<A: Adapter> Inbound<A> {
    /// Checks size, then allowance, then shape, as the event arrives.
    pub fn admit(&self, session: &Session) -> Admission {
        let Value::Str(text, attachments) = &self.packet else {
            return Admission::Binary;
        };
        let attached: usize = attachments.iter().flatten().map(|b| b.len()).sum();
        // The text is `["<event>",<payload>]`: five bytes of framing around
        // the event name, the rest is payload.
        let payload_bytes = text.len().saturating_sub(self.name.len() + 5) + attached;
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
    let payload = payload_text(packet)?;
    if !payload.starts_with('{') {
        return Err(SignalError::bad_request("the payload must be a JSON object"));
    }
    // One pass over the payload: what follows it (more arguments, the closing
    // bracket) was already checked as JSON by socketioxide and is left alone.
    let mut reader = serde_json::Deserializer::from_str(payload);
    T::deserialize(&mut reader).map_err(|e| SignalError::bad_request(format!("malformed payload: {e}")))
}

/// Where the first argument starts in `["event", payload, ...]`: found by
/// skipping the event name when it is plain, else by reading the array.
fn payload_text(packet: &Value) -> Result<&str, SignalError> {
    let Value::Str(text, _) = packet else {
        return Err(SignalError::bad_request(
            "binary payloads are not part of the protocol",
        ));
    };
    if let Some(name) = plain_event_name(packet) {
        let after_name = text.as_str()[2 + name.len() + 1..].trim_start();
        return Ok(match after_name.strip_prefix(',') {
            Some(rest) => rest.trim_start(),
            None => "{}",
        });
    }
    let args: Vec<&RawValue> = serde_json::from_str(text.as_str())
        .map_err(|_| SignalError::bad_request("the packet is not valid JSON"))?;
    Ok(args.get(1).map_or("{}", |raw| raw.get()))
}

#[cfg(test)]
#[path = "inbound_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(text: &str) -> Value {
        Value::Str(text.to_owned().into(), None)
    }

    #[test]
    fn every_event_sits_at_its_place() {
        for (place, event) in EventName::ALL.into_iter().enumerate() {
            assert_eq!(event.place(), place, "{event:?}");
            assert_eq!(EventName::parse(event.as_str()), Some(event));
        }
    }

    #[test]
    fn event_names_are_read_from_the_start_of_the_packet() {
        assert_eq!(
            plain_event_name(&packet(r#"["offer",{"sdp":"v=0 \"x\""}]"#)),
            Some("offer")
        );
        assert_eq!(
            plain_event_name(&packet(r#"["cut-the-call"]"#)),
            Some("cut-the-call")
        );
        assert_eq!(
            plain_event_name(&packet(r#"["we\"ird",{}]"#)),
            None,
            "left to socketioxide's reader"
        );
        assert_eq!(plain_event_name(&packet(r#"[1,{}]"#)), None);
        assert_eq!(plain_event_name(&Value::Bytes(Default::default())), None);
    }

    #[test]
    fn payloads_are_found_after_the_name() {
        let payload = |text: &str| payload_text(&packet(text)).map(|p| p.to_owned()).unwrap();
        assert!(payload(r#"["join",{"room_id":"abc"}]"#).starts_with(r#"{"room_id":"abc"}"#));
        assert!(payload(r#"["join" , {"a":1},"extra"]"#).starts_with(r#"{"a":1}"#));
        assert_eq!(payload(r#"["create-room"]"#), "{}");
        assert!(payload(r#"["we\"ird",[1]]"#).starts_with("[1]"));
    }

    #[test]
    fn decoding_takes_objects_of_the_right_shape() {
        #[derive(Debug, serde::Deserialize)]
        struct Named {
            name: String,
        }
        let named: Named = decode(&packet(r#"["x",{"name":"Ada"},"ignored"]"#)).unwrap();
        assert_eq!(named.name, "Ada");
        for bad in [
            r#"["x","text"]"#,
            r#"["x",["Ada"]]"#,
            r#"["x",{"name":5}]"#,
            r#"["x",null]"#,
            r#"["x"]"#,
        ] {
            assert_eq!(
                decode::<Named>(&packet(bad)).unwrap_err().code,
                ErrorCode::BadRequest,
                "{bad}"
            );
        }
    }
}
