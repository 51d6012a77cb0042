//! Rejoin tickets: what the protocol calls the `rejoin_token`. A ticket names
//! the seat it was issued for (room, peer, name, when the seat was first
//! taken) and when it expires, and is signed with a server secret. Any server
//! holding the secret (this one after a restart, or another instance) can
//! therefore seat its holder again without having stored anything.
//!
//! On the wire: `base64url(claims JSON) "." base64url(HMAC-SHA256 of the
//! first part)`. The claims are not secret from their holder, who knows
//! them anyway; only the signature matters.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use ring::hmac;
use serde::{Deserialize, Serialize};

use super::{PeerId, PeerName, RoomId};

/// A rejoin token as it travels: opaque to clients. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct RejoinToken(String);

impl RejoinToken {
    pub fn from_client(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RejoinToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RejoinToken(<redacted>)")
    }
}

impl serde::Serialize for RejoinToken {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// The seat a ticket lets its holder take back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeatTicket {
    pub room_id: RoomId,
    pub peer_id: PeerId,
    pub name: PeerName,
    /// When the seat was first taken: a room made again from tickets keeps
    /// its join order, and so who is the polite peer.
    pub joined_at: JoinedAt,
    /// From then on the ticket is refused (kept to the millisecond).
    pub expires: SystemTime,
}

/// When a seat was first taken, in Unix microseconds: it orders the seats
/// of a room, also across server restarts. (Two people joining one after
/// the other can fall in the same millisecond.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JoinedAt(pub u64);

impl JoinedAt {
    pub fn at(time: SystemTime) -> Self {
        Self(
            time.duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
        )
    }
}

/// The claims as signed; short keys keep the token short.
#[derive(Serialize, Deserialize)]
struct Claims<'a> {
    #[serde(borrow)]
    r: Cow<'a, str>,
    #[serde(borrow)]
    p: Cow<'a, str>,
    /// A name may need escapes in JSON, so it is not always borrowed.
    #[serde(borrow)]
    n: Cow<'a, str>,
    /// When the seat was first taken, Unix microseconds.
    j: u64,
    /// When the ticket expires, Unix milliseconds.
    e: u64,
}

/// Why a ticket was refused; the client is only ever told `bad-token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadTicket {
    #[error("not a ticket")]
    Malformed,
    #[error("the signature does not match (another secret, or altered)")]
    Forged,
    #[error("the ticket expired")]
    Expired,
}

/// Signs and checks tickets with one server secret.
pub struct TicketKey(hmac::Key);

impl TicketKey {
    pub fn new(secret: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }

    /// The signed token of `ticket`.
    pub fn issue(&self, ticket: &SeatTicket) -> RejoinToken {
        let claims = Claims {
            r: ticket.room_id.as_str().into(),
            p: ticket.peer_id.as_str().into(),
            n: ticket.name.as_str().into(),
            j: ticket.joined_at.0,
            e: unix_millis(ticket.expires),
        };
        let body = BASE64URL.encode(serde_json::to_vec(&claims).expect("claims serialise"));
        let tag = BASE64URL.encode(hmac::sign(&self.0, body.as_bytes()));
        RejoinToken(format!("{body}.{tag}"))
    }

    /// The seat `token` names, if this key signed it and it has not expired.
    pub fn check(&self, token: &RejoinToken, now: SystemTime) -> Result<SeatTicket, BadTicket> {
        let (body, tag) = token.0.split_once('.').ok_or(BadTicket::Malformed)?;
        let tag = BASE64URL.decode(tag).map_err(|_| BadTicket::Malformed)?;
        // Constant time: the response reveals nothing of a valid signature.
        hmac::verify(&self.0, body.as_bytes(), &tag).map_err(|_| BadTicket::Forged)?;
        let json = BASE64URL.decode(body).map_err(|_| BadTicket::Malformed)?;
        let claims: Claims<'_> = serde_json::from_slice(&json).map_err(|_| BadTicket::Malformed)?;
        if claims.e <= unix_millis(now) {
            return Err(BadTicket::Expired);
        }
        // Signed by us, so these parse; a failure means a secret was reused
        // by something else, which is as bad as a forgery.
        Ok(SeatTicket {
            room_id: RoomId::parse(&claims.r).map_err(|_| BadTicket::Forged)?,
            peer_id: PeerId::from_client(&claims.p),
            name: PeerName::parse(&claims.n).map_err(|_| BadTicket::Forged)?,
            joined_at: JoinedAt(claims.j),
            expires: UNIX_EPOCH + Duration::from_millis(claims.e),
        })
    }
}

fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
#[path = "ticket_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn seat(expires: SystemTime) -> SeatTicket {
        SeatTicket {
            room_id: RoomId::parse("team-standup").unwrap(),
            peer_id: PeerId::generate(),
            name: PeerName::parse("Zoë \"the\" <b>.dot.</b>").unwrap(),
            joined_at: JoinedAt(1_700_000_000_123_456),
            expires,
        }
    }

    fn at(unix: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(unix)
    }

    #[test]
    fn a_ticket_names_its_seat_until_it_expires() {
        let key = TicketKey::new(b"0123456789abcdef0123456789abcdef");
        let seat = seat(at(1_700_000_000) + DAY);
        let token = key.issue(&seat);
        assert_eq!(key.check(&token, at(1_700_000_000 + 3600)), Ok(seat.clone()));
        assert!(
            key.check(&token, seat.expires - Duration::from_millis(1)).is_ok(),
            "to the millisecond"
        );
        assert_eq!(
            key.check(&token, at(1_700_000_000 + 24 * 3600)),
            Err(BadTicket::Expired)
        );
    }

    #[test]
    fn only_the_key_that_signed_it_accepts_it() {
        let key = TicketKey::new(b"one secret, long enough");
        let other = TicketKey::new(b"another secret, long enough");
        let now = SystemTime::now();
        let token = key.issue(&seat(now + DAY));
        assert_eq!(other.check(&token, now), Err(BadTicket::Forged));
    }

    #[test]
    fn altered_or_made_up_tickets_are_refused() {
        let key = TicketKey::new(b"one secret, long enough");
        let now = SystemTime::now();
        let token = key.issue(&seat(now + DAY));
        let (body, tag) = token.as_str().split_once('.').unwrap();
        let claims = String::from_utf8(BASE64URL.decode(body).unwrap()).unwrap();
        let longer = claims.replace(
            &format!("\"e\":{}", unix_millis(now + DAY)),
            "\"e\":9999999999999",
        );
        assert_ne!(longer, claims);
        let forged = format!("{}.{tag}", BASE64URL.encode(longer));
        assert_eq!(
            key.check(&RejoinToken::from_client(&forged), now),
            Err(BadTicket::Forged)
        );
        for junk in [
            "",
            ".",
            "guess",
            "a.b",
            &format!("{body}."),
            &format!("{body}.{tag}x"),
        ] {
            assert!(
                key.check(&RejoinToken::from_client(junk), now).is_err(),
                "{junk:?}"
            );
        }
    }

    #[test]
    fn tokens_stay_out_of_debug() {
        let key = TicketKey::new(b"one secret, long enough");
        let now = SystemTime::now();
        let token = key.issue(&seat(now + DAY));
        assert!(!format!("{token:?}").contains(token.as_str()));
    }
}
