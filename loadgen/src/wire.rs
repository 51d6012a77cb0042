//! Engine.IO 4 / Socket.IO 5 text framing, just enough of it: the load
//! generator writes packets with `write!` into one buffer and reads incoming
//! ones by slicing, instead of building JSON trees for every message.

use std::fmt::Write;

/// An incoming text frame, classified.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// Engine.IO ping: answer with [`PONG`].
    Ping,
    /// Engine.IO open, with its JSON handshake.
    Open(&'a str),
    /// Socket.IO connect acknowledgement for the default namespace.
    Connected,
    /// A server event: its name and the JSON after the name (`{...}]`).
    Event {
        name: &'a str,
        rest: &'a str,
    },
    /// The acknowledgement of request `id`, with its JSON array of arguments.
    Ack {
        id: u64,
        body: &'a str,
    },
    /// A disconnection or close.
    Closed,
    Other,
}

pub const PONG: &str = "3";
pub const CONNECT: &str = "40";
pub const DISCONNECT: &str = "41";

pub fn classify(text: &str) -> Frame<'_> {
    let bytes = text.as_bytes();
    match bytes {
        [b'2'] => Frame::Ping,
        [b'0', ..] => Frame::Open(&text[1..]),
        [b'1'] | [b'4', b'1', ..] => Frame::Closed,
        [b'4', b'0', ..] => Frame::Connected,
        [b'4', b'2', b'[', b'"', ..] => {
            let after = &text[4..];
            match after.find('"') {
                Some(end) => Frame::Event {
                    name: &after[..end],
                    rest: &after[end + 1..],
                },
                None => Frame::Other,
            }
        }
        [b'4', b'3', ..] => {
            let digits = text[2..].bytes().take_while(u8::is_ascii_digit).count();
            match text[2..2 + digits].parse() {
                Ok(id) => Frame::Ack {
                    id,
                    body: &text[2 + digits..],
                },
                Err(_) => Frame::Other,
            }
        }
        _ => Frame::Other,
    }
}

/// Writes `42[ack]["event",payload]` into `out` (cleared first).
pub fn event(out: &mut String, name: &str, ack: Option<u64>, payload: impl FnOnce(&mut String)) {
    out.clear();
    out.push_str("42");
    if let Some(id) = ack {
        let _ = write!(out, "{id}");
    }
    out.push_str("[\"");
    out.push_str(name);
    out.push_str("\",");
    payload(out);
    out.push(']');
}

/// The string value of `"key":"..."` in a JSON text whose strings carry no
/// escapes (ids, codes and the generator's own payloads).
pub fn string_field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let mut search = 0;
    while let Some(at) = json[search..].find(key) {
        let start = search + at;
        let after = &json[start + key.len()..];
        if json[..start].ends_with('"') && after.starts_with("\":\"") {
            let value = &after[3..];
            return value.find('"').map(|end| &value[..end]);
        }
        search = start + key.len();
    }
    None
}

/// Whether an acknowledgement body says `"ok":true`.
pub fn ack_ok(body: &str) -> bool {
    body.contains("\"ok\":true")
}

/// The number after `marker` in `text`, e.g. the send time the generator put
/// in a relayed payload.
pub fn number_after(text: &str, marker: &str) -> Option<u64> {
    let at = text.find(marker)? + marker.len();
    let digits = text[at..].bytes().take_while(u8::is_ascii_digit).count();
    text[at..at + digits].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_frames() {
        assert_eq!(classify("2"), Frame::Ping);
        assert_eq!(classify("0{\"sid\":\"x\"}"), Frame::Open("{\"sid\":\"x\"}"));
        assert_eq!(classify("40{\"sid\":\"y\"}"), Frame::Connected);
        assert_eq!(
            classify("42[\"offer\",{\"from\":\"p\"}]"),
            Frame::Event {
                name: "offer",
                rest: ",{\"from\":\"p\"}]"
            }
        );
        assert_eq!(
            classify("4312[{\"ok\":true}]"),
            Frame::Ack {
                id: 12,
                body: "[{\"ok\":true}]"
            }
        );
        assert_eq!(classify("41"), Frame::Closed);
        assert_eq!(classify("6"), Frame::Other);
    }

    #[test]
    fn writes_events() {
        let mut out = String::new();
        event(&mut out, "join", Some(7), |o| o.push_str("{\"room_id\":\"abc\"}"));
        assert_eq!(out, "427[\"join\",{\"room_id\":\"abc\"}]");
        event(&mut out, "cut-the-call", None, |o| o.push_str("{}"));
        assert_eq!(out, "42[\"cut-the-call\",{}]");
    }

    #[test]
    fn reads_fields_and_numbers() {
        let body = "[{\"ok\":true,\"room_id\":\"k7dq\",\"peer_id\":\"abc123\",\"members\":[]}]";
        assert_eq!(string_field(body, "peer_id"), Some("abc123"));
        assert_eq!(string_field(body, "room_id"), Some("k7dq"));
        assert_eq!(string_field(body, "nope"), None);
        assert!(ack_ok(body));
        assert_eq!(number_after("v=0 t=12345 pad", "t="), Some(12345));
        assert_eq!(number_after("none", "t="), None);
    }
}
