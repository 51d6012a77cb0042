//! What the server says to a fuzz connection, checked against the protocol.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use serde_json::Value;

use super::packets::{Expect, Verdict};
use super::{MAX_USERS, Stats};
use crate::strategies::PROTOCOL_ERROR_CODES as ERROR_CODES;

/// What one connection waits for, and what it has been told so far.
pub struct Conversation {
    /// The acknowledgements still to come, by id.
    pub pending: HashMap<i64, Expect>,
    /// The place of the event acknowledged last: events are served, and so
    /// answered, in the order they were sent.
    answered: Option<usize>,
    /// The room this connection sits in, from its `join` acknowledgement.
    room: Option<String>,
    /// The peers it has been told of in that room: the only ones whose
    /// relays may reach it.
    peers: HashSet<String>,
    /// It sent a `join` or `rejoin` without an acknowledgement, so it may
    /// sit in a room it was not told of.
    room_unknown: bool,
    label: String,
}

impl Conversation {
    pub fn new(label: &str) -> Self {
        Self {
            pending: HashMap::new(),
            answered: None,
            room: None,
            peers: HashSet::new(),
            room_unknown: false,
            label: label.to_owned(),
        }
    }

    /// Notes an event sent: its acknowledgement, if there is one to wait for.
    pub fn sent(&mut self, name: &str, expect: Option<(i64, Expect)>) {
        match expect {
            Some((id, expect)) => {
                self.pending.insert(id, expect);
            }
            None => self.room_unknown |= name == "join" || name == "rejoin",
        }
    }

    /// What is still unanswered, for a failure's message.
    pub fn unanswered(&self) -> Vec<&Expect> {
        self.pending.values().collect()
    }

    /// Reads one Engine.IO text packet from the server. Returns whether the
    /// server asked for a pong.
    pub fn read(&mut self, packet: &str, stats: &Stats) -> Result<bool, String> {
        match packet.as_bytes().first() {
            Some(b'2') => return Ok(true),
            Some(b'4') => {}
            _ => return Ok(false),
        }
        let label = self.label.clone();
        let fail = |e: String| format!("{label}: {e}");
        let socket_io = &packet[1..];
        if let Some(rest) = socket_io.strip_prefix('3') {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let id: i64 = rest[..digits]
                .parse()
                .map_err(|_| fail(format!("an acknowledgement without an id: {packet:.300}")))?;
            let reply: Value = serde_json::from_str(&rest[digits..])
                .map_err(|e| fail(format!("an acknowledgement not JSON ({e}): {packet:.300}")))?;
            if let Some(expect) = self.pending.remove(&id) {
                self.acknowledged(&expect, &reply).map_err(fail)?;
                stats.acks.fetch_add(1, Ordering::Relaxed);
            }
        } else if let Some(rest) = socket_io.strip_prefix('2') {
            let event: Value = serde_json::from_str(rest)
                .map_err(|e| fail(format!("an event not JSON ({e}): {packet:.300}")))?;
            let name = event[0].as_str().unwrap_or_default();
            if matches!(name, "offer" | "answer" | "ice-candidate") {
                stats.relays.fetch_add(1, Ordering::Relaxed);
            }
            self.event(name, &event[1])
                .map_err(|e| fail(format!("{e}, in {event:.300}")))?;
        }
        Ok(false)
    }

    fn acknowledged(&mut self, expect: &Expect, reply: &Value) -> Result<(), String> {
        if self.answered.is_some_and(|last| last > expect.place) {
            return Err(format!(
                "{expect:?} answered after the event at {}, sent later",
                self.answered.unwrap_or_default()
            ));
        }
        self.answered = Some(expect.place);
        let [answer] = reply.as_array().map(Vec::as_slice).unwrap_or_default() else {
            return Err(format!("{expect:?}: one object expected, got {reply}"));
        };
        match &answer["ok"] {
            Value::Bool(true) if expect.verdict == Verdict::Any => self.accepted(expect, answer),
            Value::Bool(true) => Err(format!("{expect:?} was accepted: {answer}")),
            Value::Bool(false) => refused(expect, answer),
            _ => Err(format!("{expect:?}: no ok in {answer}")),
        }
    }

    /// A success acknowledgement: of the protocol's shape for its event.
    fn accepted(&mut self, expect: &Expect, answer: &Value) -> Result<(), String> {
        let fits = match expect.name.as_str() {
            "create-room" => {
                let room = answer["room_id"].as_str().unwrap_or_default();
                !room.is_empty() && answer["url"] == format!("/r/{room}/") && max_users(answer)
            }
            "room-info" => answer["room_id"].is_string() && max_users(answer) && members(answer, MAX_USERS),
            "join" | "rejoin" => {
                let fits = answer["room_id"].is_string()
                    && answer["peer_id"].is_string()
                    && max_users(answer)
                    && members(answer, MAX_USERS - 1)
                    && answer["ice_servers"].is_array()
                    && answer["rejoin_token"].is_string()
                    && answer["polite"].is_boolean();
                if fits {
                    self.room = answer["room_id"].as_str().map(str::to_owned);
                    self.peers = peer_ids(&answer["members"]);
                }
                fits
            }
            "cut-the-call" => {
                self.room = None;
                self.peers.clear();
                answer.as_object().is_some_and(|a| a.len() == 1)
            }
            _ => answer.as_object().is_some_and(|a| a.len() == 1),
        };
        if fits {
            Ok(())
        } else {
            Err(format!(
                "{expect:?}: not the protocol's acknowledgement: {answer}"
            ))
        }
    }

    /// An event from the server: one of the protocol's, of its shape; a
    /// relay only from a peer of this connection's room.
    fn event(&mut self, name: &str, payload: &Value) -> Result<(), String> {
        let strings = |keys: &[&str]| keys.iter().all(|key| payload[*key].is_string());
        let fits = match name {
            "error" => {
                payload["error"]
                    .as_str()
                    .is_some_and(|code| ERROR_CODES.contains(&code))
                    && payload["message"].as_str().is_some_and(|m| !m.is_empty())
                    && payload["event"].is_string()
            }
            "user-arrived" => {
                self.peers.extend(payload["peer_id"].as_str().map(str::to_owned));
                strings(&["peer_id", "name"])
            }
            "members" => {
                if payload["room_id"].as_str() == self.room.as_deref() {
                    self.peers.extend(peer_ids(&payload["members"]));
                }
                strings(&["room_id"]) && members(payload, MAX_USERS)
            }
            "offer" | "answer" | "ice-candidate" => {
                let from = payload["from"].as_str().unwrap_or_default();
                if !self.room_unknown && !self.peers.contains(from) {
                    return Err(format!("{name} from {from:?}, not a peer of this room"));
                }
                match name {
                    "offer" => strings(&["from", "name", "sdp"]),
                    "answer" => strings(&["from", "sdp"]),
                    _ => payload.get("candidate").is_some(),
                }
            }
            "cut-the-call" => {
                strings(&["peer_id", "name"])
                    && (payload["reason"] == "hangup" || payload["reason"] == "disconnected")
            }
            "full-room" => strings(&["room_id"]) && max_users(payload),
            _ => false,
        };
        if fits {
            Ok(())
        } else {
            Err(format!("not the protocol's {name:?} event"))
        }
    }
}

/// A failure acknowledgement: a protocol code the event can have, and a
/// message for people.
fn refused(expect: &Expect, answer: &Value) -> Result<(), String> {
    let code = answer["error"].as_str().unwrap_or_default();
    if !ERROR_CODES.contains(&code) {
        return Err(format!("{expect:?}: not a protocol code: {answer}"));
    }
    if answer["message"].as_str().is_none_or(str::is_empty) {
        return Err(format!("{expect:?}: no message for people: {answer}"));
    }
    let allowed = match expect.verdict {
        Verdict::TooLarge => code == "too-large",
        Verdict::BadRequest => code == "bad-request" || code == "rate-limited",
        Verdict::Any => true,
    };
    if allowed {
        Ok(())
    } else {
        Err(format!("{expect:?} answered {answer}"))
    }
}

fn max_users(payload: &Value) -> bool {
    payload["max_users"] == MAX_USERS
}

/// A list of at most `most` members, each a peer id and a name.
fn members(payload: &Value, most: usize) -> bool {
    payload["members"].as_array().is_some_and(|members| {
        members.len() <= most
            && members
                .iter()
                .all(|m| m["peer_id"].is_string() && m["name"].is_string())
    })
}

fn peer_ids(members: &Value) -> HashSet<String> {
    members
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["peer_id"].as_str().map(str::to_owned))
        .collect()
}
