//! What the property tests generate: text a stranger might send, JSON values
//! of every type, and the many ways one value can be written as JSON text.
//! Test-only; each module's properties sit beside it in `*_properties.rs`.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// The client-to-server events, as PROTOCOL.md names them: written out
/// here, so that the tests do not take the server's own table for the truth.
pub const PROTOCOL_EVENTS: [&str; 8] = [
    "create-room",
    "room-info",
    "join",
    "rejoin",
    "offer",
    "answer",
    "ice-candidate",
    "cut-the-call",
];

/// The error codes, as PROTOCOL.md lists them, in its order.
pub const PROTOCOL_ERROR_CODES: [&str; 13] = [
    "bad-request",
    "invalid-room-id",
    "invalid-name",
    "no-such-room",
    "room-taken",
    "full-room",
    "not-joined",
    "already-joined",
    "no-such-peer",
    "bad-token",
    "too-large",
    "rate-limited",
    "internal",
];

/// The protocol's room id rule, as a generator of ids it allows.
pub const ROOM_ID: &str = "[a-z0-9][a-z0-9-]{2,63}";

/// Characters that trip decoders up: what JSON must escape, look-alikes,
/// white space that is also a control character, markup, wide characters.
const AWKWARD: &[char] = &[
    '"', '\\', '/', '\0', '\u{1}', '\u{8}', '\t', '\n', '\r', '\u{1f}', '\u{7f}', '\u{85}', '\u{a0}',
    '\u{200b}', '\u{2028}', '\u{2029}', '\u{feff}', '\u{fffd}', 'é', 'ǅ', 'ａ', '😀', '<', '>', '&', '\'',
    '-', '.', ',', '[', ']', '{', '}', ':',
];

/// Any string, with a bias for awkward characters.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9 -]{0,20}",
        prop::collection::vec(
            prop_oneof![prop::sample::select(AWKWARD), any::<char>(), Just('a')],
            0..16
        )
        .prop_map(String::from_iter),
    ]
}

/// Any JSON number: small, negative, beyond i64, fractional.
pub fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-3i64..70_000).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
    ]
}

/// Any JSON value, nested a few levels deep.
pub fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 20, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Any JSON object.
pub fn object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((text(), json()), 0..4).prop_map(|members| members.into_iter().collect())
}

/// `value` written as JSON text in one of its many spellings: white space
/// between tokens and `\u` escapes of ordinary characters, chosen by `seed`.
/// Every spelling decodes to `value`.
pub fn spell(value: &Value, seed: u64) -> String {
    let mut out = String::new();
    Speller(seed).value(value, &mut out);
    out
}

/// A string as JSON text, spelled as [`spell`] does.
pub fn spell_str(text: &str, seed: u64) -> String {
    let mut out = String::new();
    Speller(seed).string(text, &mut out);
    out
}

struct Speller(u64);

impl Speller {
    /// SplitMix64: enough randomness for choosing spellings.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    fn space(&mut self, out: &mut String) {
        if self.one_in(4) {
            for _ in 0..=self.next() % 3 {
                out.push([' ', '\t', '\n', '\r'][(self.next() % 4) as usize]);
            }
        }
    }

    fn value(&mut self, value: &Value, out: &mut String) {
        self.space(out);
        match value {
            Value::String(text) => self.string(text, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.value(item, out);
                }
                self.space(out);
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (key, item)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.space(out);
                    self.string(key, out);
                    self.space(out);
                    out.push(':');
                    self.value(item, out);
                }
                self.space(out);
                out.push('}');
            }
            other => out.push_str(&other.to_string()),
        }
        self.space(out);
    }

    fn string(&mut self, text: &str, out: &mut String) {
        out.push('"');
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' if self.one_in(2) => out.push_str("\\n"),
                '\r' if self.one_in(2) => out.push_str("\\r"),
                '/' if self.one_in(2) => out.push_str("\\/"),
                c if c < ' ' || self.one_in(8) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        if self.one_in(2) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        } else {
                            out.push_str(&format!("\\u{unit:04X}"));
                        }
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}
