//! The name a person gives before joining a call.

use std::fmt;
use std::sync::Arc;

/// 1 to 64 Unicode code points after trimming white space, with no control
/// characters. Stored trimmed; never interpreted as markup anywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerName(Arc<str>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidName {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {MAX_CHARS} characters")]
    TooLong,
    #[error("the name contains a control character")]
    ControlCharacter,
}

const MAX_CHARS: usize = 64;

impl PeerName {
    pub fn parse(raw: &str) -> Result<Self, InvalidName> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(InvalidName::Empty);
        }
        if trimmed.chars().count() > MAX_CHARS {
            return Err(InvalidName::TooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(InvalidName::ControlCharacter);
        }
        Ok(Self(trimmed.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PeerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for PeerName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
#[path = "peer_name_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_white_space() {
        assert_eq!(PeerName::parse("  Ada \t").unwrap().as_str(), "Ada");
    }

    #[test]
    fn counts_code_points_not_bytes() {
        assert!(PeerName::parse(&"é".repeat(64)).is_ok());
        assert!(PeerName::parse(&"😀".repeat(64)).is_ok());
        assert_eq!(PeerName::parse(&"é".repeat(65)), Err(InvalidName::TooLong));
        assert!(PeerName::parse(&format!("  {}  ", "a".repeat(64))).is_ok());
    }

    #[test]
    fn rejects_empty_and_blank() {
        assert_eq!(PeerName::parse(""), Err(InvalidName::Empty));
        assert_eq!(PeerName::parse(" \n\t "), Err(InvalidName::Empty));
    }

    #[test]
    fn rejects_control_characters() {
        for bad in ["a\u{0}b", "a\u{7}", "line\nbreak", "del\u{7f}", "c1\u{85}x"] {
            assert_eq!(
                PeerName::parse(bad),
                Err(InvalidName::ControlCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn keeps_markup_as_plain_text() {
        let name = PeerName::parse("<b>Bob</b> & co").unwrap();
        assert_eq!(name.as_str(), "<b>Bob</b> & co");
    }
}
