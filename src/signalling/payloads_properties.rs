//! Properties of the request payloads: an object whose required members are
//! there with their JSON type, whose optional ones are absent, `null` or of
//! their type, and whatever other members, is read as sent; any other
//! payload is a `bad-request`. (The rules on values are the domain types'.)

use proptest::prelude::*;
use serde_json::{Map, Value as Json};
use socketioxide::handler::Value;

use super::*;
use crate::signalling::error::ErrorCode;
use crate::signalling::inbound::decode;
use crate::strategies::{json, object, spell, text};

#[derive(Clone, Copy, Debug)]
enum Kind {
    Str,
    Bool,
    /// Any JSON value, `null` included, kept raw.
    Raw,
}

#[derive(Clone, Copy, Debug)]
struct Member {
    key: &'static str,
    kind: Kind,
    required: bool,
}

const fn required(key: &'static str, kind: Kind) -> Member {
    Member {
        key,
        kind,
        required: true,
    }
}

const fn optional(key: &'static str, kind: Kind) -> Member {
    Member {
        key,
        kind,
        required: false,
    }
}

const CREATE_ROOM: &[Member] = &[optional("room_id", Kind::Str)];
const ROOM_INFO: &[Member] = &[required("room_id", Kind::Str), optional("watch", Kind::Bool)];
const JOIN: &[Member] = &[required("room_id", Kind::Str), required("name", Kind::Str)];
const REJOIN: &[Member] = &[
    required("room_id", Kind::Str),
    required("peer_id", Kind::Str),
    required("rejoin_token", Kind::Str),
];
const SDP: &[Member] = &[optional("to", Kind::Str), required("sdp", Kind::Raw)];
const CANDIDATE: &[Member] = &[optional("to", Kind::Str), required("candidate", Kind::Raw)];

/// Whether `payload` meets the shape `members` give it.
fn fits(members: &[Member], payload: &Json) -> bool {
    let Json::Object(payload) = payload else {
        return false;
    };
    members
        .iter()
        .all(|member| match (payload.get(member.key), member.kind) {
            (None, _) => !member.required,
            (Some(_), Kind::Raw) => true,
            (Some(Json::Null), _) => !member.required,
            (Some(value), Kind::Str) => value.is_string(),
            (Some(value), Kind::Bool) => value.is_boolean(),
        })
}

/// Payloads for `members`: each member absent, `null`, of its type or any
/// JSON, among any other members; sometimes not an object at all.
fn payload(members: &'static [Member]) -> impl Strategy<Value = Json> {
    let member = |kind: Kind| {
        let typed = match kind {
            Kind::Str => text().prop_map(Json::String).boxed(),
            Kind::Bool => any::<bool>().prop_map(Json::Bool).boxed(),
            Kind::Raw => json().boxed(),
        };
        prop_oneof![
            1 => Just(None),
            1 => Just(Some(Json::Null)),
            6 => typed.prop_map(Some),
            2 => json().prop_map(Some),
        ]
    };
    let chosen: Vec<_> = members.iter().map(|m| member(m.kind)).collect();
    prop_oneof![
        9 => (chosen, object()).prop_map(move |(values, mut others)| {
            for (member, value) in members.iter().zip(values) {
                others.remove(member.key);
                if let Some(value) = value {
                    others.insert(member.key.to_owned(), value);
                }
            }
            Json::Object(others)
        }),
        1 => json(),
    ]
}

fn packet(event: &str, payload: &Json, seed: u64) -> Value {
    Value::Str(format!("[\"{event}\",{}]", spell(payload, seed)).into(), None)
}

/// Decodes `payload` as `T` and checks that it was read exactly when it
/// fits, and refused as a `bad-request` otherwise.
fn judged<'a, T: serde::Deserialize<'a>>(members: &[Member], payload: &Json, packet: &'a Value) -> Option<T> {
    match decode::<T>(packet) {
        Ok(read) => {
            assert!(fits(members, payload), "{payload} read");
            Some(read)
        }
        Err(refusal) => {
            assert!(!fits(members, payload), "{payload} refused: {refusal}");
            assert_eq!(refusal.code, ErrorCode::BadRequest);
            None
        }
    }
}

fn string(payload: &Json, key: &str) -> Option<String> {
    payload[key].as_str().map(str::to_owned)
}

proptest! {
    // JSON of every shape is slow to make: fewer cases than the default.
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn create_room_reads_an_optional_room_id(payload in payload(CREATE_ROOM), seed in any::<u64>()) {
        let packet = packet("create-room", &payload, seed);
        if let Some(read) = judged::<CreateRoomRequest>(CREATE_ROOM, &payload, &packet) {
            prop_assert_eq!(read.room_id, string(&payload, "room_id"));
        }
    }

    #[test]
    fn room_info_reads_a_room_id_and_an_optional_watch(payload in payload(ROOM_INFO), seed in any::<u64>()) {
        let packet = packet("room-info", &payload, seed);
        if let Some(read) = judged::<RoomInfoRequest>(ROOM_INFO, &payload, &packet) {
            prop_assert_eq!(Some(read.room_id), string(&payload, "room_id"));
            prop_assert_eq!(read.watch, payload["watch"].as_bool());
        }
    }

    #[test]
    fn join_reads_a_room_id_and_a_name(payload in payload(JOIN), seed in any::<u64>()) {
        let packet = packet("join", &payload, seed);
        if let Some(read) = judged::<JoinRequest>(JOIN, &payload, &packet) {
            prop_assert_eq!(Some(read.room_id), string(&payload, "room_id"));
            prop_assert_eq!(Some(read.name), string(&payload, "name"));
        }
    }

    #[test]
    fn rejoin_reads_its_three_strings(payload in payload(REJOIN), seed in any::<u64>()) {
        let packet = packet("rejoin", &payload, seed);
        if let Some(read) = judged::<RejoinRequest>(REJOIN, &payload, &packet) {
            prop_assert_eq!(Some(read.room_id), string(&payload, "room_id"));
            prop_assert_eq!(Some(read.peer_id), string(&payload, "peer_id"));
            prop_assert_eq!(Some(read.rejoin_token), string(&payload, "rejoin_token"));
        }
    }

    #[test]
    fn offers_and_answers_read_an_sdp_of_any_json_and_an_optional_to(
        payload in payload(SDP),
        seed in any::<u64>(),
    ) {
        let packet = packet("offer", &payload, seed);
        if let Some(read) = judged::<SdpRequest<'_>>(SDP, &payload, &packet) {
            prop_assert_eq!(read.to.map(|to| to.into_owned()), string(&payload, "to"));
            let sdp: Json = serde_json::from_str(read.sdp.get()).unwrap();
            let expected: Json = serde_json::from_str(&payload["sdp"].to_string()).unwrap();
            prop_assert_eq!(sdp, expected);
        }
    }

    #[test]
    fn candidates_read_any_json_and_an_optional_to(payload in payload(CANDIDATE), seed in any::<u64>()) {
        let packet = packet("ice-candidate", &payload, seed);
        if let Some(read) = judged::<IceCandidateRequest<'_>>(CANDIDATE, &payload, &packet) {
            prop_assert_eq!(read.to.map(|to| to.into_owned()), string(&payload, "to"));
            let candidate: Json = serde_json::from_str(read.candidate.get()).unwrap();
            let expected: Json = serde_json::from_str(&payload["candidate"].to_string()).unwrap();
            prop_assert_eq!(candidate, expected);
        }
    }

    #[test]
    fn cut_the_call_reads_any_object(payload in prop_oneof![object().prop_map(Json::Object), json()], seed in any::<u64>()) {
        let packet = packet("cut-the-call", &payload, seed);
        judged::<Empty>(&[], &payload, &packet);
    }
}

#[test]
fn the_model_tells_required_members_from_optional_ones() {
    let empty = Json::Object(Map::new());
    assert!(fits(CREATE_ROOM, &empty));
    assert!(!fits(JOIN, &empty));
    assert!(!fits(CREATE_ROOM, &Json::Null));
}
