//! Properties of an event as it arrives: its name, where its payload is,
//! and the checks on arrival (size first, then allowance, then binary).

use std::collections::VecDeque;

use bytes::Bytes;
use proptest::prelude::*;
use serde_json::{Map, Value as Json};
use socketioxide::adapter::LocalAdapter;

use super::*;
use crate::domain::ConnId;
use crate::strategies::{PROTOCOL_EVENTS, json, spell, text};

fn packet(text: String) -> Value {
    Value::Str(text.into(), None)
}

/// A name one slip away from one of the protocol's.
fn near_miss() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&PROTOCOL_EVENTS[..]),
        any::<prop::sample::Index>(),
        0..6u8,
        prop::sample::select(vec!['-', ' ', '\0', 's', 'J', '\u{200b}', 'é', '"']),
    )
        .prop_map(|(name, at, slip, c)| {
            let mut chars: Vec<char> = name.chars().collect();
            let at = at.index(chars.len());
            match slip {
                0 => chars[at] = chars[at].to_ascii_uppercase(),
                1 => chars.insert(at, c),
                2 => {
                    chars.remove(at);
                }
                3 => chars.push(c),
                4 => chars.insert(0, c),
                _ => chars[at] = c,
            }
            String::from_iter(chars)
        })
        .prop_filter("not a protocol name", |s| !PROTOCOL_EVENTS.contains(&s.as_str()))
}

/// Event names as clients may send them: right, nearly right, anything.
fn event_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(&PROTOCOL_EVENTS[..]).prop_map(str::to_owned),
        near_miss(),
        text(),
    ]
}

/// An event name that JSON writes without escapes.
fn plain_name() -> impl Strategy<Value = String> {
    event_name().prop_filter("written without escapes", |name| {
        !serde_json::to_string(name).unwrap().contains('\\')
    })
}

fn inbound(name: &str, text: String, attachments: Vec<Vec<u8>>) -> Inbound<LocalAdapter> {
    let attachments: VecDeque<Bytes> = attachments.into_iter().map(Bytes::from).collect();
    Inbound {
        name: name.to_owned(),
        event: EventName::parse(name),
        packet: Value::Str(text.into(), Some(attachments).filter(|a| !a.is_empty())),
        ack: None,
    }
}

/// The packet text of `name` with `payload` as its one argument.
fn event_text(name: &str, payload: &str) -> String {
    format!("[{},{payload}]", serde_json::to_string(name).unwrap())
}

fn session() -> Session {
    Session::new(ConnId::new("properties"), None)
}

/// A runtime whose clock stands still, so that no allowance refills unless
/// a test moves it on.
fn stopped_clock() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

/// A JSON payload of more than `size` bytes, of any shape.
fn payload_over(size: usize) -> impl Strategy<Value = String> {
    (json(), any::<u64>(), 1usize..8192, 0..4u8).prop_map(move |(junk, seed, over, shape)| {
        let pad = "x".repeat(size + over);
        let value = match shape {
            0 => serde_json::json!({"sdp": pad, "to": junk}),
            1 => serde_json::json!([junk, pad]),
            2 => Json::String(pad),
            _ => serde_json::json!({"candidate": {"candidate": pad}, "junk": junk}),
        };
        spell(&value, seed)
    })
}

#[test]
fn the_event_table_is_the_protocol_s() {
    let mut table: Vec<&str> = EventName::ALL.iter().map(|e| e.as_str()).collect();
    let mut protocol = PROTOCOL_EVENTS.to_vec();
    table.sort_unstable();
    protocol.sort_unstable();
    assert_eq!(table, protocol);
}

proptest! {
    /// The generator the properties below rely on: however it spells a
    /// value, the text decodes to that value.
    #[test]
    fn every_spelling_decodes_to_its_value(value in json(), seed in any::<u64>()) {
        let text = spell(&value, seed);
        let decoded: Json = serde_json::from_str(&text).unwrap();
        // Through the same float reader on both sides.
        let expected: Json = serde_json::from_str(&value.to_string()).unwrap();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn only_the_protocol_s_names_are_events(name in event_name()) {
        match EventName::parse(&name) {
            Some(event) => prop_assert_eq!(event.as_str(), name.as_str()),
            None => prop_assert!(!PROTOCOL_EVENTS.contains(&name.as_str()), "{:?}", name),
        }
    }

    /// The name read from the start of the packet is the one a JSON reader
    /// reads, and it is read there whenever it has no escapes.
    #[test]
    fn the_name_read_at_the_start_is_the_json_s(
        name in event_name(),
        args in prop::collection::vec(json(), 0..3),
        seed in any::<u64>(),
    ) {
        let mut array = vec![Json::String(name.clone())];
        array.extend(args.iter().cloned());
        if let Some(read) = plain_event_name(&packet(spell(&Json::Array(array), seed))) {
            prop_assert_eq!(read, name.as_str());
        }
        let compact = serde_json::to_string(&Json::Array(
            std::iter::once(Json::String(name.clone())).chain(args).collect(),
        ))
        .unwrap();
        let escaped = serde_json::to_string(&name).unwrap().contains('\\');
        let compact = packet(compact);
        prop_assert_eq!(plain_event_name(&compact), (!escaped).then_some(name.as_str()));
    }

    /// The payload is the first argument, however the packet is spelled;
    /// none is `{}`; anything but an object is a bad request.
    #[test]
    fn the_payload_is_the_first_argument(
        name in event_name(),
        args in prop::collection::vec(prop_oneof![json(), crate::strategies::object().prop_map(Json::Object)], 0..3),
        seed in any::<u64>(),
    ) {
        let mut array = vec![Json::String(name)];
        array.extend(args);
        let text = spell(&Json::Array(array), seed);
        // What a JSON reader makes of the same text (the same float reader).
        let read: Vec<Json> = serde_json::from_str(&text).unwrap();
        let decoded = decode::<Map<String, Json>>(&packet(text));
        match read.get(1) {
            None => prop_assert_eq!(decoded, Ok(Map::new())),
            Some(Json::Object(members)) => prop_assert_eq!(decoded, Ok(members.clone())),
            Some(_) => prop_assert_eq!(decoded.unwrap_err().code, ErrorCode::BadRequest),
        }
    }

    #[test]
    fn any_text_is_decoded_or_refused_without_a_panic(
        raw in prop_oneof![
            text(),
            text().prop_map(|t| format!("[\"{t}")),
            (json(), any::<u64>(), any::<prop::sample::Index>()).prop_map(|(v, seed, cut)| {
                let text = spell(&serde_json::json!(["offer", v]), seed);
                let cut = text.char_indices().nth(cut.index(text.chars().count())).unwrap().0;
                text[..cut].to_owned()
            }),
        ],
    ) {
        if let Err(refusal) = decode::<Map<String, Json>>(&packet(raw.clone())) {
            prop_assert_eq!(refusal.code, ErrorCode::BadRequest);
        }
        let _ = inbound("offer", raw, Vec::new()).admit(&session());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// `too-large` whatever else is wrong: the name, the shape, binary
    /// attachments, an allowance used up.
    #[test]
    fn payloads_over_128_kib_are_too_large_whatever_else_is_wrong(
        name in plain_name(),
        payload in payload_over(MAX_PAYLOAD_BYTES),
        attachments in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..16), 0..3),
        used_up in any::<bool>(),
    ) {
        stopped_clock().block_on(async {
            let session = session();
            if used_up {
                while session.allow_event() {}
            }
            let admission = inbound(&name, event_text(&name, &payload), attachments).admit(&session);
            assert!(matches!(admission, Admission::TooLarge));
            assert_eq!(admission.refusal().unwrap().code, ErrorCode::TooLarge);
        });
    }

    #[test]
    fn attachments_count_towards_the_size(
        name in plain_name(),
        sizes in prop::collection::vec(1usize..MAX_PAYLOAD_BYTES, 1..4),
    ) {
        let total: usize = sizes.iter().sum();
        let text = event_text(&name, r#"{"_placeholder":true,"num":0}"#);
        let attachments = sizes.into_iter().map(|size| vec![0u8; size]).collect();
        let admission = inbound(&name, text.clone(), attachments).admit(&session());
        let payload = text.len() - name.len() - 5 + total;
        if payload > MAX_PAYLOAD_BYTES {
            prop_assert!(matches!(admission, Admission::TooLarge));
        } else {
            prop_assert!(matches!(admission, Admission::Binary));
            prop_assert_eq!(admission.refusal().unwrap().code, ErrorCode::BadRequest);
        }
    }

    /// The limit is exact: 128 KiB of payload is admitted, one byte more is not.
    #[test]
    fn the_limit_is_128_kib_of_payload(
        name in plain_name(),
        size in prop_oneof![
            Just(MAX_PAYLOAD_BYTES),
            Just(MAX_PAYLOAD_BYTES + 1),
            (MAX_PAYLOAD_BYTES - 64)..(MAX_PAYLOAD_BYTES + 64),
        ],
    ) {
        let payload = format!("{{\"sdp\":\"{}\"}}", "x".repeat(size - 10));
        prop_assert_eq!(payload.len(), size);
        let admission = inbound(&name, event_text(&name, &payload), Vec::new()).admit(&session());
        if size <= MAX_PAYLOAD_BYTES {
            prop_assert!(matches!(admission, Admission::Admitted));
            prop_assert!(admission.refusal().is_none());
        } else {
            prop_assert!(matches!(admission, Admission::TooLarge));
        }
    }

    /// Events refused as too large or as over the allowance use none of it:
    /// after any number of them, a burst of 100 still goes through, and
    /// then one event every 50 ms.
    #[test]
    fn refused_events_use_no_allowance(
        name in plain_name(),
        too_large in 0usize..150,
        limited in 0usize..50,
    ) {
        stopped_clock().block_on(async {
            let session = session();
            let huge = event_text(&name, &format!("\"{}\"", "x".repeat(MAX_PAYLOAD_BYTES)));
            for _ in 0..too_large {
                let admission = inbound(&name, huge.clone(), Vec::new()).admit(&session);
                assert!(matches!(admission, Admission::TooLarge));
            }
            let small = || inbound(&name, event_text(&name, "{}"), Vec::new());
            for _ in 0..100 {
                assert!(matches!(small().admit(&session), Admission::Admitted));
            }
            for _ in 0..=limited {
                let admission = small().admit(&session);
                assert!(matches!(admission, Admission::RateLimited));
                assert_eq!(admission.refusal().unwrap().code, ErrorCode::RateLimited);
            }
            tokio::time::advance(std::time::Duration::from_millis(50)).await;
            assert!(matches!(small().admit(&session), Admission::Admitted));
            assert!(matches!(small().admit(&session), Admission::RateLimited));
        });
    }
}
