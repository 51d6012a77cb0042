//! Properties of rejoin tickets: a ticket this key signed names its seat
//! until it expires; nothing else is ever accepted, and nothing panics.

use proptest::prelude::*;
use serde_json::Value;

use super::*;
use crate::strategies::{ROOM_ID, json, object, spell, text};

const SECRET: &[u8] = b"the secret of the property tests";

/// Expiries up to about 35,000 years after 1970, in milliseconds.
const LATEST: u64 = 1 << 50;

fn at_millis(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn name() -> impl Strategy<Value = PeerName> {
    prop_oneof!["\\PC{1,64}", text()].prop_filter_map("a valid name", |raw| PeerName::parse(&raw).ok())
}

/// Any seat a server could issue a ticket for (peer ids of any text).
fn seat() -> impl Strategy<Value = SeatTicket> {
    (ROOM_ID, text(), name(), any::<u64>(), 1..LATEST).prop_map(|(room, peer, name, joined, expires)| {
        SeatTicket {
            room_id: RoomId::parse(&room).unwrap(),
            peer_id: PeerId::from_client(&peer),
            name,
            joined_at: JoinedAt(joined),
            expires: at_millis(expires),
        }
    })
}

/// A token carrying `claims` as given, signed with `key`: what a server
/// sharing the secret could have issued.
fn signed(key: &TicketKey, claims: &str) -> RejoinToken {
    let body = BASE64URL.encode(claims);
    let tag = BASE64URL.encode(hmac::sign(&key.0, body.as_bytes()));
    RejoinToken(format!("{body}.{tag}"))
}

/// One claim: mostly of its own type, sometimes any JSON, sometimes absent.
fn claim(typed: impl Strategy<Value = Value>) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        1 => Just(None),
        6 => typed.prop_map(Some),
        2 => json().prop_map(Some),
    ]
}

/// Claims objects, most of them well typed, with any other members.
fn claims() -> impl Strategy<Value = Value> {
    (
        claim(prop_oneof![
            ROOM_ID.prop_map(Value::from),
            text().prop_map(Value::from)
        ]),
        claim(text().prop_map(Value::from)),
        claim(prop_oneof![
            "\\PC{1,64}".prop_map(Value::from),
            text().prop_map(Value::from)
        ]),
        claim(any::<u64>().prop_map(Value::from)),
        claim(prop_oneof![
            (0..LATEST).prop_map(Value::from),
            any::<u64>().prop_map(Value::from)
        ]),
        object(),
    )
        .prop_map(|(r, p, n, j, e, mut members)| {
            for (key, claim) in [("r", r), ("p", p), ("n", n), ("j", j), ("e", e)] {
                members.remove(key);
                if let Some(claim) = claim {
                    members.insert(key.to_owned(), claim);
                }
            }
            Value::Object(members)
        })
}

proptest! {
    // JSON of every shape is slow to make: fewer cases than the default.
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_signed_ticket_names_its_seat_until_it_expires(
        seat in seat(),
        before in any::<prop::sample::Index>(),
        after in 0..LATEST,
    ) {
        let key = TicketKey::new(SECRET);
        let token = key.issue(&seat);
        let expires = unix_millis(seat.expires);
        let now = at_millis(before.index(expires as usize) as u64);
        prop_assert_eq!(key.check(&token, now), Ok(seat.clone()));
        prop_assert_eq!(key.check(&token, at_millis(expires - 1)), Ok(seat.clone()));
        prop_assert_eq!(key.check(&token, seat.expires), Err(BadTicket::Expired));
        prop_assert_eq!(key.check(&token, at_millis(expires + after)), Err(BadTicket::Expired));
    }

    #[test]
    fn another_key_never_accepts_it(seat in seat(), other in prop::collection::vec(any::<u8>(), 0..64)) {
        prop_assume!(other != SECRET);
        let token = TicketKey::new(SECRET).issue(&seat);
        prop_assert_eq!(
            TicketKey::new(&other).check(&token, UNIX_EPOCH),
            Err(BadTicket::Forged)
        );
    }

    #[test]
    fn any_one_character_changed_is_refused(
        seat in seat(),
        at in any::<prop::sample::Index>(),
        replacement in prop_oneof![
            prop::sample::select(b"ABCXYZabcxyz0189-_.=+/ ".to_vec()).prop_map(char::from),
            any::<char>(),
        ],
    ) {
        let key = TicketKey::new(SECRET);
        let token = key.issue(&seat);
        let mut chars: Vec<char> = token.as_str().chars().collect();
        let at = at.index(chars.len());
        prop_assume!(chars[at] != replacement);
        chars[at] = replacement;
        let altered = RejoinToken::from_client(&String::from_iter(chars));
        prop_assert!(key.check(&altered, UNIX_EPOCH).is_err(), "{:?} at {}", replacement, at);
    }

    #[test]
    fn truncated_or_extended_tickets_are_refused(
        seat in seat(),
        cut in any::<prop::sample::Index>(),
        tail in "[A-Za-z0-9_.=-]{1,8}",
    ) {
        let key = TicketKey::new(SECRET);
        let token = key.issue(&seat);
        let cut = cut.index(token.as_str().len());
        let truncated = RejoinToken::from_client(&token.as_str()[..cut]);
        prop_assert!(key.check(&truncated, UNIX_EPOCH).is_err(), "cut at {}", cut);
        let extended = RejoinToken::from_client(&format!("{}{tail}", token.as_str()));
        prop_assert!(key.check(&extended, UNIX_EPOCH).is_err(), "{} added", tail);
    }

    #[test]
    fn made_up_tickets_are_refused(
        raw in text(),
        body in prop::collection::vec(any::<u8>(), 0..200),
        tag in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let key = TicketKey::new(SECRET);
        prop_assert!(key.check(&RejoinToken::from_client(&raw), UNIX_EPOCH).is_err());
        let well_formed = format!("{}.{}", BASE64URL.encode(&body), BASE64URL.encode(&tag));
        prop_assert_eq!(
            key.check(&RejoinToken::from_client(&well_formed), UNIX_EPOCH),
            Err(BadTicket::Forged)
        );
    }

    /// What a server sharing the secret signed is still checked: claims of
    /// the wrong shape are malformed, a room id or name the protocol does
    /// not allow makes the ticket a forgery, and the expiry holds.
    #[test]
    fn signed_claims_are_believed_only_when_they_make_a_seat(
        claims in claims(),
        seed in any::<u64>(),
        now in 0..LATEST,
    ) {
        let key = TicketKey::new(SECRET);
        let checked = key.check(&signed(&key, &spell(&claims, seed)), at_millis(now));
        let typed = (
            claims["r"].as_str(),
            claims["p"].as_str(),
            claims["n"].as_str(),
            claims["j"].as_u64(),
            claims["e"].as_u64(),
        );
        let (Some(r), Some(p), Some(n), Some(j), Some(e)) = typed else {
            prop_assert_eq!(checked, Err(BadTicket::Malformed), "{}", claims);
            return Ok(());
        };
        if e <= now {
            prop_assert_eq!(checked, Err(BadTicket::Expired));
        } else if let (Ok(room_id), Ok(name)) = (RoomId::parse(r), PeerName::parse(n)) {
            prop_assert_eq!(
                checked,
                Ok(SeatTicket {
                    room_id,
                    peer_id: PeerId::from_client(p),
                    name,
                    joined_at: JoinedAt(j),
                    expires: at_millis(e),
                })
            );
        } else {
            prop_assert_eq!(checked, Err(BadTicket::Forged));
        }
    }

    #[test]
    fn signed_json_of_any_shape_never_panics(value in json(), now in any::<u64>()) {
        let key = TicketKey::new(SECRET);
        let now = at_millis(now % LATEST);
        if let Ok(seat) = key.check(&signed(&key, &value.to_string()), now) {
            prop_assert!(seat.expires > now, "{}", value);
        }
    }
}
