//! Identifiers the server hands out: peer ids and connection ids.

use std::fmt;
use std::sync::Arc;

use super::random::random_symbols;

/// Names one seat taken by one `join`; never reused, so a message addressed to
/// a peer who has left can never reach whoever sits down next. Like the other
/// ids here it is shared text, cheap to clone into every relayed message.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(Arc<str>);

impl PeerId {
    /// 20 symbols = 100 random bits: unique without any coordination between
    /// server instances.
    pub fn generate() -> Self {
        Self(random_symbols(20).into())
    }

    /// A peer id as a client sent it; it is opaque, so any string is accepted
    /// here and simply matches no seat if it is not one.
    pub fn from_client(raw: &str) -> Self {
        Self(raw.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for PeerId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// One signalling connection (a Socket.IO socket id). A seat remembers which
/// connection holds it, so that a connection replaced by a `rejoin` can no
/// longer act for the seat.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConnId(Arc<str>);

impl ConnId {
    pub fn new(raw: impl Into<Arc<str>>) -> Self {
        Self(raw.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[path = "tokens_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_ids_are_unique() {
        assert_ne!(PeerId::generate(), PeerId::generate());
        assert_eq!(PeerId::generate().as_str().len(), 20);
    }
}
