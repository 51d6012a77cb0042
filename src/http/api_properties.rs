//! Properties of the `POST /api/rooms` body: `{}`, `{"room_id": ID}` or
//! nothing; anything else is a bad-request, or an invalid-room-id when the
//! id is a string the rule refuses.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::*;
use crate::signalling::MAX_PAYLOAD_BYTES;
use crate::strategies::{ROOM_ID, json, object, spell, text};

/// A body object with `room_id` set to `id` (or left out), among other members.
fn body(id: Option<Value>, mut others: Map<String, Value>, seed: u64) -> String {
    others.remove("room_id");
    if let Some(id) = id {
        others.insert("room_id".to_owned(), id);
    }
    spell(&Value::Object(others), seed)
}

fn code(body: &[u8]) -> ErrorCode {
    parse_create_body(body).unwrap_err().code
}

fn rule(raw: &str) -> bool {
    RoomId::parse(raw).is_ok()
}

proptest! {
    // JSON of every shape is slow to make: fewer cases than the default.
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_bytes_get_an_answer_of_the_protocol(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Err(refusal) = parse_create_body(&bytes) {
            prop_assert!(
                matches!(refusal.code, ErrorCode::BadRequest | ErrorCode::InvalidRoomId),
                "{:?}",
                refusal
            );
            prop_assert!(!refusal.message.is_empty());
        }
    }

    #[test]
    fn a_room_id_is_taken_however_the_body_spells_it(
        id in ROOM_ID,
        others in object(),
        seed in any::<u64>(),
    ) {
        let body = body(Some(Value::String(id.clone())), others, seed);
        prop_assert_eq!(parse_create_body(body.as_bytes()), Ok(Some(RoomId::parse(&id).unwrap())));
    }

    #[test]
    fn no_room_id_or_null_asks_for_a_fresh_room(
        null in any::<bool>(),
        others in object(),
        seed in any::<u64>(),
        blank in "[ \t\r\n]{0,3}",
    ) {
        let body = format!("{blank}{}{blank}", body(null.then_some(Value::Null), others, seed));
        prop_assert_eq!(parse_create_body(body.as_bytes()), Ok(None));
        prop_assert_eq!(parse_create_body(blank.as_bytes()), Ok(None));
    }

    #[test]
    fn a_string_the_rule_refuses_is_an_invalid_room_id(
        id in text().prop_filter("breaks the rule", |s| !rule(s)),
        others in object(),
        seed in any::<u64>(),
    ) {
        let body = body(Some(Value::String(id)), others, seed);
        prop_assert_eq!(code(body.as_bytes()), ErrorCode::InvalidRoomId);
    }

    #[test]
    fn a_room_id_of_another_type_is_a_bad_request(
        id in json().prop_filter("not a string or null", |v| !v.is_string() && !v.is_null()),
        others in object(),
        seed in any::<u64>(),
    ) {
        let body = body(Some(id), others, seed);
        prop_assert_eq!(code(body.as_bytes()), ErrorCode::BadRequest);
    }

    #[test]
    fn a_body_that_is_not_an_object_is_a_bad_request(
        value in json().prop_filter("not an object", |v| !v.is_object()),
        seed in any::<u64>(),
    ) {
        prop_assert_eq!(code(spell(&value, seed).as_bytes()), ErrorCode::BadRequest);
    }

    #[test]
    fn truncated_or_trailed_bodies_are_bad_requests(
        id in ROOM_ID,
        others in object(),
        seed in any::<u64>(),
        cut in any::<prop::sample::Index>(),
        trailer in "[\\]}\"a,{0-9]{1,4}",
    ) {
        let body = body(Some(Value::String(id)), others, seed).trim().to_owned();
        let cut = body.char_indices().nth(cut.index(body.chars().count())).unwrap().0;
        let truncated = &body[..cut];
        if !truncated.trim().is_empty() {
            prop_assert_eq!(code(truncated.as_bytes()), ErrorCode::BadRequest, "{:?}", truncated);
        }
        prop_assert_eq!(code(format!("{body}{trailer}").as_bytes()), ErrorCode::BadRequest);
    }

    #[test]
    fn bodies_that_are_not_utf8_are_bad_requests(
        id in ROOM_ID,
        at in any::<prop::sample::Index>(),
        byte in 0x80u8..=0xff,
    ) {
        let mut body = format!("{{\"room_id\":\"{id}\"}}").into_bytes();
        let at = at.index(body.len() + 1);
        body.insert(at, byte);
        prop_assert_eq!(code(&body), ErrorCode::BadRequest);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// A body of exactly 128 KiB is read like the same body without its
    /// padding. (Over the limit, `too-large` comes before this parser: the
    /// integration test `fuzz` checks that over HTTP.)
    #[test]
    fn a_body_of_exactly_128_kib_is_read(
        id in prop_oneof![ROOM_ID.prop_map(Value::String), json()],
        others in object(),
        seed in any::<u64>(),
    ) {
        let body = body(Some(id), others, seed).into_bytes();
        let mut padded = body.clone();
        padded.resize(MAX_PAYLOAD_BYTES, b' ');
        prop_assert_eq!(parse_create_body(&padded), parse_create_body(&body));
    }
}
