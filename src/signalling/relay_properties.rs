//! Properties of what is relayed: `offer` and `answer` carry an sdp string of
//! at most 64 KiB (counted as the string, not its JSON), `ice-candidate` an
//! `RTCIceCandidateInit` or `null`; what passes is relayed exactly as sent.

use proptest::prelude::*;
use serde_json::{Map, Value as Json};

use super::*;
use crate::strategies::{json, object, spell, spell_str, text};

/// The members of `RTCIceCandidateInit` whose types are checked.
const CANDIDATE_STRINGS: [&str; 3] = ["candidate", "sdpMid", "usernameFragment"];
const LINE_INDEX: &str = "sdpMLineIndex";

fn raw(text: String) -> Box<RawValue> {
    RawValue::from_string(text).unwrap()
}

/// A string of exactly `len` bytes, of pieces that JSON writes with escapes.
fn sdp_of(len: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "v=0",
            "\r\n",
            "a=candidate:1 1 udp",
            "é",
            "😀",
            "\"",
            "\\",
            "\0",
            " ",
        ]),
        0..3000,
    )
    .prop_map(move |pieces| {
        let mut sdp = String::with_capacity(len);
        for piece in pieces.iter().cycle().take(len) {
            if sdp.len() + piece.len() > len {
                break;
            }
            sdp.push_str(piece);
        }
        while sdp.len() < len {
            sdp.push('a');
        }
        sdp
    })
}

/// Absent, `null`, or a value of the member's type.
fn optional(typed: impl Strategy<Value = Json>) -> impl Strategy<Value = Option<Json>> {
    prop_oneof![Just(None), Just(Some(Json::Null)), typed.prop_map(Some)]
}

/// A well-typed `RTCIceCandidateInit`, with any other members.
fn candidate() -> impl Strategy<Value = Map<String, Json>> {
    (
        optional(text().prop_map(Json::String)),
        optional(text().prop_map(Json::String)),
        optional((0u64..=65_535).prop_map(Json::from)),
        optional(text().prop_map(Json::String)),
        object(),
    )
        .prop_map(|(candidate, mid, index, fragment, mut members)| {
            for (key, value) in [
                ("candidate", candidate),
                ("sdpMid", mid),
                (LINE_INDEX, index),
                ("usernameFragment", fragment),
            ] {
                members.remove(key);
                if let Some(value) = value {
                    members.insert(key.to_owned(), value);
                }
            }
            members
        })
}

/// The rule for a candidate member: absent, null or of its type.
fn candidate_fits(candidate: &Json) -> bool {
    let Json::Object(members) = candidate else {
        return candidate.is_null();
    };
    let fits = |key: &str, typed: fn(&Json) -> bool| members.get(key).is_none_or(|v| v.is_null() || typed(v));
    CANDIDATE_STRINGS.iter().all(|key| fits(key, Json::is_string))
        && fits(LINE_INDEX, |v| v.as_u64().is_some_and(|i| i <= 65_535))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sdps_of_up_to_64_kib_pass_and_longer_are_too_large(
        (len, sdp) in prop_oneof![Just(MAX_SDP_BYTES), Just(MAX_SDP_BYTES + 1), (MAX_SDP_BYTES - 40)..(MAX_SDP_BYTES + 40)]
            .prop_flat_map(|len| (Just(len), sdp_of(len))),
        seed in any::<u64>(),
    ) {
        prop_assert_eq!(sdp.len(), len);
        let checked = check_sdp(&raw(spell_str(&sdp, seed)));
        if len <= MAX_SDP_BYTES {
            prop_assert!(checked.is_ok(), "{:?}", checked);
        } else {
            prop_assert_eq!(checked.unwrap_err().code, ErrorCode::TooLarge);
        }
    }
}

proptest! {
    // JSON of every shape is slow to make: fewer cases than the default.
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn short_sdps_pass(sdp in text(), seed in any::<u64>()) {
        prop_assert!(check_sdp(&raw(spell_str(&sdp, seed))).is_ok());
    }

    #[test]
    fn an_sdp_that_is_not_a_string_is_a_bad_request(
        sdp in json().prop_filter("not a string", |v| !v.is_string()),
        seed in any::<u64>(),
    ) {
        let text = spell(&sdp, seed);
        prop_assert_eq!(check_sdp(&raw(text.trim().to_owned())).unwrap_err().code, ErrorCode::BadRequest);
    }

    #[test]
    fn candidates_of_the_right_shape_pass(candidate in candidate(), seed in any::<u64>()) {
        let text = spell(&Json::Object(candidate), seed);
        prop_assert!(check_candidate(text.trim()).is_ok(), "{}", text);
        prop_assert!(check_candidate("null").is_ok());
    }

    #[test]
    fn a_member_of_the_wrong_type_is_a_bad_request(
        candidate in candidate(),
        member in prop::sample::select(vec!["candidate", "sdpMid", LINE_INDEX, "usernameFragment"]),
        wrong in prop_oneof![
            json(),
            Just(Json::from(-1)),
            Just(Json::from(65_536)),
            Just(Json::from(0.5)),
            Just(Json::from("0")),
        ],
        seed in any::<u64>(),
    ) {
        let mut candidate = candidate;
        candidate.insert(member.to_owned(), wrong);
        let candidate = Json::Object(candidate);
        prop_assume!(!candidate_fits(&candidate));
        let text = spell(&candidate, seed);
        prop_assert_eq!(check_candidate(text.trim()).unwrap_err().code, ErrorCode::BadRequest);
    }

    #[test]
    fn a_candidate_that_is_neither_an_object_nor_null_is_a_bad_request(
        candidate in json().prop_filter("not an object or null", |v| !v.is_object() && !v.is_null()),
        seed in any::<u64>(),
    ) {
        let text = spell(&candidate, seed);
        prop_assert_eq!(check_candidate(text.trim()).unwrap_err().code, ErrorCode::BadRequest);
    }

    /// A relay message, whole: checked by the rules above, refused with
    /// their codes, and when it passes, its sdp or candidate is the very
    /// text that was sent and `to` the string that was meant.
    #[test]
    fn relay_messages_pass_as_sent_or_are_refused_by_the_rules(
        event in prop::sample::select(EventName::ALL.to_vec()),
        to in prop_oneof![Just(None), Just(Some(Json::Null)), text().prop_map(|t| Some(Json::String(t))), json().prop_map(Some)],
        body in prop_oneof![
            Just(None),
            text().prop_map(|t| Some(Json::String(t))),
            candidate().prop_map(|c| Some(Json::Object(c))),
            Just(Some(Json::Null)),
            json().prop_map(Some),
        ],
        others in object(),
        seed in any::<u64>(),
    ) {
        let body_key = match event {
            EventName::IceCandidate => "candidate",
            _ => "sdp",
        };
        let mut members: Vec<String> = others
            .iter()
            .filter(|(key, _)| !["to", "sdp", "candidate"].contains(&key.as_str()))
            .map(|(key, value)| format!("{}:{}", spell_str(key, seed), spell(value, seed)))
            .collect();
        if let Some(to) = &to {
            members.push(format!("{}:{}", spell_str("to", seed), spell(to, seed)));
        }
        let body_text = body.as_ref().map(|body| spell(body, seed ^ 1));
        if let Some(body_text) = &body_text {
            members.push(format!("{}:{body_text}", spell_str(body_key, seed)));
        }
        let packet = Value::Str(
            format!("[\"{}\",{{{}}}]", event.as_str(), members.join(",")).into(),
            None,
        );
        let relayed = Relay::decode(event, &packet);

        let to_fits = to.as_ref().is_none_or(|to| to.is_null() || to.is_string());
        let expected = match (event, &body) {
            (EventName::Offer | EventName::Answer | EventName::IceCandidate, _) if !to_fits => {
                Err(ErrorCode::BadRequest)
            }
            (EventName::Offer | EventName::Answer | EventName::IceCandidate, None) => Err(ErrorCode::BadRequest),
            (EventName::Offer | EventName::Answer, Some(Json::String(_))) => Ok(()),
            (EventName::IceCandidate, Some(candidate)) if candidate_fits(candidate) => Ok(()),
            _ => Err(ErrorCode::BadRequest),
        };
        match relayed {
            Ok(relay) => {
                prop_assert_eq!(expected, Ok(()));
                prop_assert_eq!(relay.event, event);
                prop_assert_eq!(relay.body.get(), body_text.as_deref().unwrap().trim());
                prop_assert_eq!(relay.to.as_deref(), to.as_ref().and_then(Json::as_str));
            }
            Err(refusal) => prop_assert_eq!(Err(refusal.code), expected, "{}", refusal),
        }
    }
}
