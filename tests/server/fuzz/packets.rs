//! What the fuzz connections send: generated from a seed, one stream per
//! connection, with what each acknowledgement must say.

use std::time::Duration;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

use super::{Call, EVENTS_PER_CONNECTION, FUZZ_ROOMS, MAX_PAYLOAD_BYTES};
use crate::strategies::PROTOCOL_EVENTS;
use crate::strategies::{self, json, object, spell, text};

/// A seeded source of packets, one per connection so that the order in
/// which connections run does not change what each sends.
pub struct Generator {
    runner: TestRunner,
    call: Call,
}

impl Generator {
    pub fn new(seed: u64, stream: u64, call: Call) -> Self {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..16].copy_from_slice(&stream.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
        Self {
            runner: TestRunner::new_with_rng(ProptestConfig::default(), rng),
            call,
        }
    }

    pub fn draw<S: Strategy>(&mut self, strategy: S) -> S::Value {
        strategy.new_tree(&mut self.runner).expect("a value").current()
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.runner.rng().random_range(0..n)
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A seed for what draws its own randomness.
    pub fn seed(&mut self) -> u64 {
        self.runner.rng().random()
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    /// An event name: mostly the protocol's, else near misses, the server's
    /// own events, any text, long ones. Never one that JSON must escape.
    fn name(&mut self) -> String {
        let name = match self.below(12) {
            0..=5 => self.pick(&PROTOCOL_EVENTS).to_owned(),
            6 => {
                let name = self.pick(&PROTOCOL_EVENTS);
                match self.below(4) {
                    0 => name.to_uppercase(),
                    1 => format!("{name} "),
                    2 => format!("{name}\u{200b}"),
                    _ => name[1..].to_owned(),
                }
            }
            7 => self
                .pick(&[
                    "members",
                    "user-arrived",
                    "error",
                    "full-room",
                    "connect",
                    "disconnect",
                    "message",
                ])
                .to_owned(),
            8 | 9 => self.draw(text()),
            10 => "é😀-".repeat(1 + self.below(300)),
            _ => String::new(),
        };
        name.chars()
            .filter(|c| !matches!(c, '"' | '\\' | '\0'..='\u{1f}'))
            .collect()
    }

    /// A string a field of the protocol might hold, right or wrong.
    pub fn field(&mut self) -> Value {
        Value::String(match self.below(12) {
            0 => self.call.room.clone(),
            1 => self.call.ada.clone(),
            2 => self.call.bob.clone(),
            3 => self.pick(&FUZZ_ROOMS).to_owned(),
            4 => self.draw(strategies::ROOM_ID),
            5 => self.altered_token(),
            6 => "<b>Mallory</b> \u{202e}".to_owned(),
            7 => format!("v=0\r\no=- {} 2 IN IP4 127.0.0.1\r\n", self.below(1000)),
            _ => self.draw(text()),
        })
    }

    /// Bob's rejoin token, changed so that it can never take his seat.
    fn altered_token(&mut self) -> String {
        let token: Vec<char> = self.call.bob_token.chars().collect();
        let at = self.below(token.len());
        match self.below(3) {
            0 => token[..at].iter().collect(),
            1 => {
                let mut altered = token.clone();
                altered[at] = if token[at] == 'A' { 'B' } else { 'A' };
                altered.into_iter().collect()
            }
            _ => format!("{}x", self.call.bob_token),
        }
    }

    /// A payload in the protocol's vocabulary, with values right or wrong.
    fn shaped(&mut self) -> Value {
        let mut members = serde_json::Map::new();
        for key in [
            "room_id",
            "name",
            "watch",
            "to",
            "sdp",
            "candidate",
            "peer_id",
            "rejoin_token",
        ] {
            if self.chance(45) {
                let value = match (key, self.below(6)) {
                    (_, 0) => self.draw(json()),
                    ("watch", _) => Value::Bool(self.chance(50)),
                    ("candidate", 1) => Value::Null,
                    ("candidate", _) => json!({
                        "candidate": "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host",
                        "sdpMid": "0",
                        "sdpMLineIndex": self.below(3),
                    }),
                    _ => self.field(),
                };
                members.insert(key.to_owned(), value);
            }
        }
        if self.chance(20) {
            members.extend(self.draw(object()));
        }
        Value::Object(members)
    }

    /// The arguments of an event.
    fn args(&mut self) -> Vec<Value> {
        match self.below(10) {
            0 => Vec::new(),
            1 => vec![self.draw(json())],
            2 => vec![self.shaped(), self.draw(json())],
            3 => {
                let depth = 1 + self.below(100);
                let nested = (0..depth).fold(json!("deep"), |inner, i| {
                    if i % 2 == 0 {
                        json!([inner])
                    } else {
                        json!({"a": inner})
                    }
                });
                vec![nested]
            }
            _ => vec![self.shaped()],
        }
    }

    /// A well-formed EVENT, or BINARY_EVENT with its attachments, of any name.
    fn event(&mut self, ack: Ack, place: usize) -> Event {
        let name = self.name();
        let args = self.args();
        self.encode(name, args, ack, place)
    }

    /// An event of the protocol with a payload that means something: the
    /// relays of a peer in a call.
    fn relay(&mut self, ack: Ack, place: usize) -> Event {
        let (name, mut payload) = match self.below(3) {
            0 => ("offer", json!({"sdp": format!("v=0 offer {place}")})),
            1 => ("answer", json!({"sdp": format!("v=0 answer {place}\r\n")})),
            _ => (
                "ice-candidate",
                json!({"candidate": {"candidate": "candidate:1 1 udp 1 192.0.2.1 5 typ host", "sdpMLineIndex": 0}}),
            ),
        };
        if self.chance(20) {
            payload["to"] = self.field();
        }
        if self.chance(10) {
            self.encode(name.to_owned(), vec![payload], ack, place)
        } else {
            self.plain(name, payload, ack, place)
        }
    }

    /// Writes `name` and `args` as a packet (with binary attachments now and
    /// then, or a payload over the limit), and says what its acknowledgement
    /// must be.
    fn encode(&mut self, name: String, args: Vec<Value>, ack: Ack, place: usize) -> Event {
        self.write(name, args, ack, place, true)
    }

    /// Writes `name` and `args` as a packet, as they are (only spelled in
    /// one of the ways JSON allows).
    fn plain(&mut self, name: &str, payload: Value, ack: Ack, place: usize) -> Event {
        self.write(name.to_owned(), vec![payload], ack, place, false)
    }

    fn write(&mut self, name: String, mut args: Vec<Value>, ack: Ack, place: usize, garble: bool) -> Event {
        if garble && self.chance(4) {
            // Over the limit (but within what the transport reads), or just under it.
            let size = if self.chance(60) {
                MAX_PAYLOAD_BYTES + 1 + self.below(60_000)
            } else {
                MAX_PAYLOAD_BYTES - 2048 - self.below(60_000)
            };
            let pad = "x".repeat(size);
            args.insert(0, json!({"sdp": pad, "to": self.field()}));
        }
        // Written compactly: its size is what the server will count, and it
        // stays within what the transport reads of one message.
        let compact = args.first().is_some_and(|arg| arg.to_string().len() > 16 * 1024);
        let attachments: Vec<Vec<u8>> = match self.below(12) {
            0 if garble => (0..1 + self.below(3))
                .map(|_| self.draw(prop::collection::vec(any::<u8>(), 0..300)))
                .collect(),
            _ => Vec::new(),
        };
        let binary = !attachments.is_empty() || garble && self.chance(2);
        let mut data = format!("[{}", serde_json::to_string(&name).unwrap());
        if self.chance(10) {
            data.insert(1, ' ');
        }
        let seed = self.runner.rng().random();
        for (i, arg) in args.iter().enumerate() {
            data.push(',');
            if i < attachments.len() {
                data.push_str(&format!("{{\"_placeholder\":true,\"num\":{i}}}"));
            } else if i == 0 && compact {
                data.push_str(&arg.to_string());
            } else {
                data.push_str(&spell(arg, seed));
            }
        }
        for i in args.len()..attachments.len() {
            data.push_str(&format!(",{{\"_placeholder\":true,\"num\":{i}}}"));
        }
        data.push(']');

        let attached: usize = attachments.iter().map(Vec::len).sum();
        let payload_bytes = data.len().saturating_sub(name.len() + 5) + attached;
        let first_is_object = match args.first() {
            _ if !attachments.is_empty() => true,
            None => true,
            Some(arg) => arg.is_object(),
        };
        let verdict = if payload_bytes > MAX_PAYLOAD_BYTES {
            Verdict::TooLarge
        } else if !attachments.is_empty() || !PROTOCOL_EVENTS.contains(&name.as_str()) || !first_is_object {
            Verdict::BadRequest
        } else {
            Verdict::Any
        };
        let id = match ack {
            Ack::None => String::new(),
            Ack::Id(id) => id.to_string(),
            Ack::Huge => format!("{}{}", u64::MAX, self.below(10)),
        };
        // The default namespace is usually left out, and may be written.
        let namespace = if self.chance(5) { "/," } else { "" };
        let text = if binary {
            format!("5{}-{namespace}{id}{data}", attachments.len())
        } else {
            format!("2{namespace}{id}{data}")
        };
        Event {
            text,
            attachments,
            name: name.clone(),
            expect: match ack {
                Ack::Id(id) => Some((id, Expect { name, verdict, place })),
                _ => None,
            },
        }
    }

    /// A packet that is not a well-formed event: any of them may end the
    /// connection. Text for the Engine.IO layer, or a binary frame.
    fn junk(&mut self) -> Junk {
        let text = match self.below(10) {
            0 => {
                let event = self.event(Ack::Id(1), 0).text;
                let cut = self.below(event.len());
                let cut = (0..=cut).rev().find(|&i| event.is_char_boundary(i)).unwrap_or(0);
                format!("4{}", &event[..cut])
            }
            1 => format!("4{}", self.draw(text())),
            2 => self.draw(text()),
            3 => self
                .pick(&[
                    "41",
                    "40",
                    "43",
                    "43[]",
                    "4310[\"x\"]",
                    "44{}",
                    "45",
                    "46",
                    "47",
                    "4x",
                    "4-1[\"join\",{}]",
                    "4/admin,2[\"join\",{}]",
                    "40/admin,",
                    "42/admin,[\"create-room\",{}]",
                    "451-[\"offer\",{}]",
                    "452-7[\"offer\",{\"_placeholder\":true,\"num\":0}]",
                ])
                .to_owned(),
            4 => self
                .pick(&[
                    "1", "2", "2probe", "3", "3probe", "5", "6", "", "7", "9abc", "x", "b", "bAAAA",
                ])
                .to_owned(),
            5 => {
                let depth = 130 + self.below(3000);
                format!("42[\"join\",{}{}]", "[".repeat(depth), "]".repeat(depth))
            }
            6 => return Junk::Binary(self.draw(prop::collection::vec(any::<u8>(), 0..64))),
            7 => self
                .pick(&[
                    "42[1,{}]",
                    "42[]",
                    "42{}",
                    "42\"join\"",
                    "42null",
                    "42[null]",
                    "42[[\"join\"]]",
                    "42[\"join\"",
                ])
                .to_owned(),
            _ => format!("42[\"{}\",{}]", self.name(), self.draw(text())),
        };
        Junk::Text(text)
    }

    /// What one connection sends: well-formed events, perhaps a bad packet
    /// last. Half the connections are people in a call: they join one of
    /// the shared rooms first, relay among their other events, and mostly
    /// hang up at the end.
    pub fn script(&mut self) -> Vec<Step> {
        let count = EVENTS_PER_CONNECTION.start + self.below(EVENTS_PER_CONNECTION.len());
        let in_a_call = self.chance(50);
        let mut steps = Vec::new();
        if in_a_call {
            let room = self.pick(&FUZZ_ROOMS);
            let name = self.pick(&["Ada", "  Zoë \"the\" <b>  ", "😀", "Ω\u{301}"]);
            let join = json!({"room_id": room, "name": name});
            let join = self.plain("join", join, Ack::Id(0), 0);
            steps.push(Step::Event(join));
            // Long enough for another to come in and talk.
            steps.push(Step::Pause(Duration::from_millis(200 + self.below(300) as u64)));
        }
        while steps.len() < count {
            let place = steps.len();
            let ack = match self.below(20) {
                0 | 1 => Ack::None,
                2 => Ack::Huge,
                3 => Ack::Id(i64::MAX - place as i64),
                _ => Ack::Id(place as i64),
            };
            let event = if in_a_call && self.chance(60) {
                self.relay(ack, place)
            } else {
                self.event(ack, place)
            };
            steps.push(Step::Event(event));
        }
        if in_a_call && self.chance(70) {
            steps.push(Step::Pause(Duration::from_millis(200 + self.below(300) as u64)));
            let place = steps.len();
            let hang_up = self.plain("cut-the-call", json!({}), Ack::Id(place as i64), place);
            steps.push(Step::Event(hang_up));
        }
        if self.chance(60) {
            steps.push(Step::Junk(self.junk()));
        }
        steps
    }
}

pub enum Ack {
    None,
    Id(i64),
    /// Beyond i64: socketioxide reads no acknowledgement id then.
    Huge,
}

pub enum Step {
    Event(Event),
    Junk(Junk),
    /// Sends nothing for a while.
    Pause(Duration),
}

pub struct Event {
    /// The Socket.IO packet, without the Engine.IO `4`.
    pub text: String,
    pub attachments: Vec<Vec<u8>>,
    pub name: String,
    pub expect: Option<(i64, Expect)>,
}

pub enum Junk {
    Text(String),
    Binary(Vec<u8>),
}

/// What an acknowledgement must say.
#[derive(Debug)]
pub struct Expect {
    pub name: String,
    pub verdict: Verdict,
    /// Its place in what the connection sent: acknowledgements come in order.
    pub place: usize,
}

#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// Over 128 KiB: `too-large`, whatever else is wrong.
    TooLarge,
    /// Binary, an unknown event or a payload that is not an object.
    BadRequest,
    /// Whatever the server decides, as long as it is the protocol's.
    Any,
}
