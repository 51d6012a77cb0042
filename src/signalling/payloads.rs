//! The JSON shapes of the protocol: what clients send (parsed strictly by
//! type; rules on values are checked by the domain types) and what the server
//! sends back.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use serde_json::value::RawValue;

use crate::domain::{IceServer, PeerId, PeerName, RejoinToken, RoomId};
use crate::store::{Member, RoomView};

// ---- client to server ----

#[derive(Debug, Deserialize)]
pub struct CreateRoomRequest {
    #[serde(default)]
    pub room_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RoomInfoRequest {
    pub room_id: String,
    #[serde(default)]
    pub watch: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct JoinRequest {
    pub room_id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct RejoinRequest {
    pub room_id: String,
    pub peer_id: String,
    pub rejoin_token: String,
}

/// `offer` and `answer`. The description stays raw JSON, borrowed from the
/// packet: it is checked, then relayed as sent, never decoded and re-encoded.
#[derive(Debug, Deserialize)]
pub struct SdpRequest<'a> {
    #[serde(default, borrow)]
    pub to: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub sdp: &'a RawValue,
}

#[derive(Debug, Deserialize)]
pub struct IceCandidateRequest<'a> {
    #[serde(default, borrow)]
    pub to: Option<Cow<'a, str>>,
    /// Required, and `null` is a value (end of candidates), so it stays raw:
    /// relayed exactly as sent once its shape is checked.
    #[serde(borrow)]
    pub candidate: &'a RawValue,
}

/// The members of `RTCIceCandidateInit`, to check their types; whatever else
/// the object holds is relayed untouched.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IceCandidateShape {
    #[serde(default)]
    pub candidate: Option<String>,
    #[serde(default)]
    pub sdp_mid: Option<String>,
    #[serde(default, rename = "sdpMLineIndex")]
    pub sdp_m_line_index: Option<u16>,
    #[serde(default)]
    pub username_fragment: Option<String>,
}

/// `cut-the-call` carries nothing, but it must still be an object.
#[derive(Debug, Deserialize)]
pub struct Empty {}

// ---- server to client: acknowledgements ----

/// The success acknowledgement around any body: `{"ok": true, ...body}`.
#[derive(Debug, Serialize)]
pub struct Ok<T> {
    pub ok: bool,
    #[serde(flatten)]
    pub body: T,
}

#[derive(Debug, Serialize)]
pub struct Nothing {}

#[derive(Debug, Serialize)]
pub struct RoomCreated {
    pub room_id: RoomId,
    pub url: String,
    pub max_users: u32,
}

#[derive(Debug, Serialize)]
pub struct RoomInfo {
    pub room_id: RoomId,
    pub max_users: u32,
    pub members: Vec<Member>,
}

impl From<RoomView> for RoomInfo {
    fn from(view: RoomView) -> Self {
        Self {
            room_id: view.room_id,
            max_users: view.max_users,
            members: view.members,
        }
    }
}

/// The acknowledgement of `join` and `rejoin`.
#[derive(Debug, Serialize)]
pub struct Joined {
    pub room_id: RoomId,
    pub peer_id: PeerId,
    pub max_users: u32,
    pub members: Vec<Member>,
    pub ice_servers: Vec<IceServer>,
    pub rejoin_token: RejoinToken,
    pub polite: bool,
}

/// The failure acknowledgement.
#[derive(Debug, Serialize)]
pub struct Failed<'a> {
    pub ok: bool,
    pub error: &'static str,
    pub message: &'a str,
}

// ---- server to client: events ----

#[derive(Debug, Serialize)]
pub struct UserArrived<'a> {
    pub peer_id: &'a PeerId,
    pub name: &'a PeerName,
}

#[derive(Debug, Serialize)]
pub struct OfferOut<'a> {
    pub from: &'a PeerId,
    pub name: &'a PeerName,
    pub sdp: &'a RawValue,
}

#[derive(Debug, Serialize)]
pub struct AnswerOut<'a> {
    pub from: &'a PeerId,
    pub sdp: &'a RawValue,
}

#[derive(Debug, Serialize)]
pub struct IceCandidateOut<'a> {
    pub from: &'a PeerId,
    pub candidate: &'a RawValue,
}

#[derive(Debug, Serialize)]
pub struct CutTheCall<'a> {
    pub peer_id: &'a PeerId,
    pub name: &'a PeerName,
    pub reason: &'static str,
}

#[derive(Debug, Serialize)]
pub struct FullRoom<'a> {
    pub room_id: &'a RoomId,
    pub max_users: u32,
}

#[derive(Debug, Serialize)]
pub struct Members<'a> {
    pub room_id: &'a RoomId,
    pub members: &'a [Member],
}

#[derive(Debug, Serialize)]
pub struct ErrorEvent<'a> {
    pub error: &'static str,
    pub message: &'a str,
    pub event: &'a str,
}

#[cfg(test)]
#[path = "payloads_properties.rs"]
mod properties;
