//! A room as its Redis hash holds it (see `prelude.lua` for the fields), read
//! into seats in join order.

use std::collections::HashMap;

use crate::domain::{ConnId, JoinedAt, PeerId, PeerName, RoomId};
use crate::store::{Member, RoomView, ServerId, StoreError, StoreResult};

/// One room, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomHash {
    pub max_users: u32,
    /// In join order.
    pub seats: Vec<SeatHash>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeatHash {
    pub member: Member,
    pub joined_at: JoinedAt,
    /// `None` while the seat's connection is dropped.
    pub conn: Option<ConnId>,
    /// The server holding the connection.
    pub server: Option<ServerId>,
}

/// What a seat's fields said, while they are being collected.
#[derive(Default)]
struct SeatFields {
    name: Option<String>,
    joined_at: Option<u64>,
    conn: Option<String>,
    server: Option<String>,
}

impl RoomHash {
    /// Reads `HGETALL` of a room: field, value, field, value, ...; `None`
    /// when the room does not exist.
    pub fn parse(fields: Vec<(String, String)>) -> StoreResult<Option<Self>> {
        if fields.is_empty() {
            return Ok(None);
        }
        let mut max_users = None;
        let mut seats: HashMap<String, SeatFields> = HashMap::new();
        for (field, value) in fields {
            if field == "max" {
                max_users = value.parse().ok();
            } else if let Some(seat) = field.strip_prefix("s:") {
                let Some((peer, part)) = seat.rsplit_once(':') else {
                    continue;
                };
                let entry = seats.entry(peer.to_owned()).or_default();
                match part {
                    "n" => entry.name = Some(value),
                    "j" => entry.joined_at = value.parse().ok(),
                    "c" => entry.conn = Some(value),
                    "i" => entry.server = Some(value),
                    _ => {}
                }
            }
        }
        let max_users = max_users.ok_or_else(|| corrupt("a room without its capacity"))?;
        let mut seats = seats
            .into_iter()
            .map(|(peer, fields)| {
                let name = fields.name.ok_or_else(|| corrupt("a seat without a name"))?;
                Ok(SeatHash {
                    member: Member {
                        peer_id: PeerId::from_client(&peer),
                        name: PeerName::parse(&name).map_err(|_| corrupt("a seat with an invalid name"))?,
                    },
                    joined_at: JoinedAt(fields.joined_at.unwrap_or(0)),
                    conn: fields.conn.map(ConnId::new),
                    server: fields.server.map(ServerId::from),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        // Ties (the same microsecond) fall back to the peer id, so that every
        // server reads the same order, as in every store.
        seats.sort_by(|a, b| (a.joined_at, &a.member.peer_id).cmp(&(b.joined_at, &b.member.peer_id)));
        Ok(Some(Self { max_users, seats }))
    }

    pub fn members(&self) -> Vec<Member> {
        self.seats.iter().map(|seat| seat.member.clone()).collect()
    }

    pub fn view(&self, room_id: &RoomId) -> RoomView {
        RoomView {
            room_id: room_id.clone(),
            max_users: self.max_users,
            members: self.members(),
        }
    }

    pub fn seat(&self, peer_id: &PeerId) -> Option<&SeatHash> {
        self.seats.iter().find(|seat| &seat.member.peer_id == peer_id)
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Backend(format!("unexpected data in Redis: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(f, v)| (f.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn seats_come_out_in_join_order() {
        let room = RoomHash::parse(fields(&[
            ("max", "2"),
            ("s:bob:n", "Bob: the builder"),
            ("s:bob:j", "1700000000200000"),
            ("s:ada:n", "Ada"),
            ("s:ada:j", "1700000000100000"),
            ("s:ada:c", "sid-1"),
            ("s:ada:i", "server-1"),
            ("s:bob:g", "1700000009999"),
            ("h:eve", "1"),
            ("hseq", "1"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(room.max_users, 2);
        let names: Vec<&str> = room.seats.iter().map(|s| s.member.name.as_str()).collect();
        assert_eq!(names, ["Ada", "Bob: the builder"]);
        assert_eq!(room.seats[0].conn, Some(ConnId::new("sid-1")));
        assert_eq!(room.seats[0].server.as_deref(), Some("server-1"));
        assert_eq!(room.seats[1].conn, None, "a dropped seat");
    }

    #[test]
    fn a_missing_room_is_none_and_a_broken_one_an_error() {
        assert_eq!(RoomHash::parse(Vec::new()), Ok(None));
        assert!(RoomHash::parse(fields(&[("s:ada:n", "Ada")])).is_err());
        assert!(RoomHash::parse(fields(&[("max", "2"), ("s:ada:j", "5")])).is_err());
    }
}
