//! Properties of room ids: exactly what `^[a-z0-9][a-z0-9-]{2,63}$` allows.

use proptest::prelude::*;

use super::*;
use crate::signalling::{ErrorCode, SignalError};
use crate::strategies::{ROOM_ID, text};

/// The protocol's rule, read one character at a time.
fn rule(raw: &str) -> bool {
    let chars: Vec<char> = raw.chars().collect();
    let symbol = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    (3..=64).contains(&chars.len()) && symbol(chars[0]) && chars.iter().all(|&c| symbol(c) || c == '-')
}

/// A character the rule does not allow anywhere.
fn foreign() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec![
            'A', 'Z', '_', ' ', '.', '/', '%', 'é', '\n', '\0', '😀', 'ａ', '\u{2010}', '\u{ad}',
        ]),
        any::<char>().prop_filter("outside the rule", |c| {
            !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        }),
    ]
}

fn refused_as_invalid_room_id(raw: &str) {
    assert_eq!(RoomId::parse(raw), Err(InvalidRoomId), "{raw:?}");
    assert_eq!(SignalError::from(InvalidRoomId).code, ErrorCode::InvalidRoomId);
}

proptest! {
    #[test]
    fn ids_the_rule_allows_are_accepted_as_sent(id in ROOM_ID) {
        let parsed = RoomId::parse(&id).unwrap();
        prop_assert_eq!(parsed.as_str(), &id);
        prop_assert_eq!(parsed.to_string(), id.clone());
        prop_assert_eq!(parsed.url(), format!("/r/{id}/"));
        prop_assert_eq!(serde_json::to_value(&parsed).unwrap(), serde_json::Value::String(id));
    }

    #[test]
    fn one_foreign_character_anywhere_is_refused(
        id in ROOM_ID,
        at in any::<prop::sample::Index>(),
        c in foreign(),
    ) {
        let mut chars: Vec<char> = id.chars().collect();
        let at = at.index(chars.len());
        chars[at] = c;
        refused_as_invalid_room_id(&String::from_iter(chars));
    }

    #[test]
    fn a_leading_hyphen_is_refused(rest in "[a-z0-9-]{2,63}") {
        refused_as_invalid_room_id(&format!("-{rest}"));
    }

    #[test]
    fn fewer_than_3_or_more_than_64_characters_are_refused(
        id in "([a-z0-9][a-z0-9-]?)?|[a-z0-9][a-z0-9-]{64,200}",
    ) {
        refused_as_invalid_room_id(&id);
    }

    #[test]
    fn any_string_is_judged_by_the_rule(
        raw in prop_oneof![text(), "[a-zA-Z0-9_ -]{0,70}", ROOM_ID.prop_map(|id| format!("{id} "))],
    ) {
        prop_assert_eq!(RoomId::parse(&raw).is_ok(), rule(&raw), "{:?}", raw);
    }
}

#[test]
fn generated_ids_follow_the_rule() {
    for _ in 0..1000 {
        let id = RoomId::generate();
        assert!(rule(id.as_str()), "{id}");
        assert_eq!(RoomId::parse(id.as_str()), Ok(id));
    }
}
