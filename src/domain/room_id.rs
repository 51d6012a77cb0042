//! Room ids: the secret part of an invite link.

use std::fmt;
use std::sync::Arc;

use super::random::random_symbols;

/// A room id as the protocol allows it: `^[a-z0-9][a-z0-9-]{2,63}$`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomId(Arc<str>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a room id is 3 to 64 characters of a-z, 0-9 and '-', not starting with '-'")]
pub struct InvalidRoomId;

/// Four groups of four symbols: 16 x 5 = 80 random bits, well over the
/// protocol's minimum of 64, and still easy to read out over the phone.
const GROUPS: usize = 4;
const GROUP_LEN: usize = 4;

impl RoomId {
    pub fn parse(raw: &str) -> Result<Self, InvalidRoomId> {
        let bytes = raw.as_bytes();
        let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
        let valid = (3..=64).contains(&bytes.len()) && bytes[0] != b'-' && bytes.iter().all(allowed);
        if valid {
            Ok(Self(raw.into()))
        } else {
            Err(InvalidRoomId)
        }
    }

    /// A fresh, unguessable id such as `k7dq-m2xp-9fzt-w4hc`.
    pub fn generate() -> Self {
        let symbols = random_symbols(GROUPS * GROUP_LEN);
        let groups: Vec<&str> = (0..GROUPS)
            .map(|g| &symbols[g * GROUP_LEN..(g + 1) * GROUP_LEN])
            .collect();
        Self(groups.join("-").into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path of the call page for this room.
    pub fn url(&self) -> String {
        format!("/r/{}/", self.0)
    }
}

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for RoomId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
#[path = "room_id_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_protocol_allows() {
        for ok in ["48213", "team-standup", "abc", "a--", "0-0", &"a".repeat(64)] {
            assert!(RoomId::parse(ok).is_ok(), "{ok:?} should be accepted");
        }
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "ab",
            "-abc",
            "Abc",
            "abc_def",
            "abc def",
            "abc/",
            "äbc",
            "abc\n",
            &"a".repeat(65),
        ] {
            assert_eq!(RoomId::parse(bad), Err(InvalidRoomId), "{bad:?}");
        }
    }

    #[test]
    fn generated_ids_are_valid_and_distinct() {
        let a = RoomId::generate();
        let b = RoomId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 19);
        assert_eq!(RoomId::parse(a.as_str()), Ok(a.clone()));
        assert_eq!(a.as_str().matches('-').count(), 3);
    }

    #[test]
    fn url_is_the_call_page() {
        assert_eq!(RoomId::parse("team-standup").unwrap().url(), "/r/team-standup/");
    }
}
