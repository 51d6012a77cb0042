//! Properties of names: 1 to 64 code points after trimming white space, no
//! control characters, kept as sent otherwise.

use proptest::prelude::*;

use super::*;
use crate::signalling::{ErrorCode, SignalError};
use crate::strategies::text;

/// Unicode white space, some of it control characters too (trimmed first).
const WHITE_SPACE: &[char] = &[
    ' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}', '\u{200a}',
    '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
];

fn white_space() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WHITE_SPACE), 0..4).prop_map(String::from_iter)
}

fn control() -> impl Strategy<Value = char> {
    prop_oneof![
        (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
        (0x7fu32..=0x9f).prop_map(|c| char::from_u32(c).unwrap()),
    ]
}

/// A character that may end a name: neither white space nor control.
fn visible() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec![
            'a', 'Z', 'é', '😀', '<', '&', '"', '\'', '\u{200b}', '\u{fffd}'
        ]),
        any::<char>(),
    ]
    .prop_filter("visible", |c| !c.is_control() && !c.is_whitespace())
}

/// A character that may sit inside a name.
fn inner() -> impl Strategy<Value = char> {
    prop_oneof![visible(), Just(' '), Just('\u{3000}')]
}

/// `len` code points that trimming leaves alone.
fn core(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    len.prop_flat_map(|len| match len {
        1 => visible().prop_map(String::from).boxed(),
        _ => (visible(), prop::collection::vec(inner(), len - 2), visible())
            .prop_map(|(first, middle, last)| {
                std::iter::once(first)
                    .chain(middle)
                    .chain(std::iter::once(last))
                    .collect()
            })
            .boxed(),
    })
}

fn refused(raw: &str, why: InvalidName) {
    let refusal = PeerName::parse(raw).unwrap_err();
    assert_eq!(refusal, why, "{raw:?}");
    assert_eq!(SignalError::from(refusal).code, ErrorCode::InvalidName);
}

proptest! {
    #[test]
    fn names_of_1_to_64_code_points_are_kept_trimmed(
        name in core(1..=64),
        before in white_space(),
        after in white_space(),
    ) {
        let parsed = PeerName::parse(&format!("{before}{name}{after}")).unwrap();
        prop_assert_eq!(parsed.as_str(), &name);
        prop_assert_eq!(parsed.to_string(), name.clone());
        prop_assert_eq!(serde_json::to_value(&parsed).unwrap(), serde_json::Value::String(name));
    }

    #[test]
    fn markup_is_kept_as_text(name in "[<>&\"'/=a-z ]{0,20}") {
        let raw = format!("<{name}>");
        let parsed = PeerName::parse(&raw).unwrap();
        prop_assert_eq!(parsed.as_str(), raw.as_str());
    }

    #[test]
    fn a_control_character_inside_is_refused(
        name in core(2..=64),
        at in any::<prop::sample::Index>(),
        c in control(),
    ) {
        let mut chars: Vec<char> = name.chars().collect();
        chars.insert(1 + at.index(chars.len() - 1), c);
        if chars.len() <= 64 {
            refused(&String::from_iter(chars), InvalidName::ControlCharacter);
        } else {
            prop_assert_eq!(
                SignalError::from(PeerName::parse(&String::from_iter(chars)).unwrap_err()).code,
                ErrorCode::InvalidName
            );
        }
    }

    #[test]
    fn more_than_64_code_points_are_refused(name in core(65..=130), before in white_space()) {
        refused(&format!("{before}{name}{before}"), InvalidName::TooLong);
    }

    #[test]
    fn blank_names_are_refused(blank in white_space()) {
        refused(&blank, InvalidName::Empty);
    }

    #[test]
    fn any_string_is_judged_by_the_rule(raw in text()) {
        let trimmed = raw.trim();
        let allowed = (1..=64).contains(&trimmed.chars().count())
            && !trimmed.chars().any(char::is_control);
        match PeerName::parse(&raw) {
            Ok(name) => {
                prop_assert!(allowed, "{:?} accepted", raw);
                prop_assert_eq!(name.as_str(), trimmed);
            }
            Err(refusal) => {
                prop_assert!(!allowed, "{:?} refused: {}", raw, refusal);
                prop_assert_eq!(SignalError::from(refusal).code, ErrorCode::InvalidName);
            }
        }
    }
}
