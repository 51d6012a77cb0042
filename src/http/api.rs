//! The rooms API: `POST /api/rooms` and `GET /api/rooms/{room_id}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::HttpState;
use crate::domain::RoomId;
use crate::signalling::payloads::{RoomCreated, RoomInfo};
use crate::signalling::{self, ErrorCode, SignalError};
use crate::store::{Created, StoreError};

/// A refused API request: `{"error": CODE, "message": TEXT}` with the status
/// that fits the code. This is the only place codes become statuses.
pub struct ApiError(SignalError);

impl From<SignalError> for ApiError {
    fn from(e: SignalError) -> Self {
        Self(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self(e.into())
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self.0.code {
            ErrorCode::BadRequest | ErrorCode::InvalidRoomId | ErrorCode::InvalidName => {
                StatusCode::BAD_REQUEST
            }
            ErrorCode::NoSuchRoom | ErrorCode::NoSuchPeer => StatusCode::NOT_FOUND,
            ErrorCode::RoomTaken | ErrorCode::FullRoom | ErrorCode::AlreadyJoined => StatusCode::CONFLICT,
            ErrorCode::NotJoined | ErrorCode::BadToken => StatusCode::FORBIDDEN,
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = ErrorBody {
            error: self.0.code.as_str(),
            message: &self.0.message,
        };
        (status, Json(body)).into_response()
    }
}

#[derive(Deserialize)]
struct CreateRoomBody {
    #[serde(default)]
    room_id: Option<String>,
}

/// 201 for a new room, 200 for an existing empty one.
pub async fn create_room(State(state): State<HttpState>, body: Bytes) -> Result<Response, ApiError> {
    let requested = parse_create_body(&body)?;
    let room = signalling::create_room(&*state.hub.store, requested).await?;
    let status = match room.created {
        Created::New => StatusCode::CREATED,
        Created::ExistingEmpty => StatusCode::OK,
    };
    Ok((status, Json(RoomCreated::from(room))).into_response())
}

/// An empty body counts as `{}`, as for a `curl -X POST`.
fn parse_create_body(body: &[u8]) -> Result<Option<RoomId>, SignalError> {
    if body.len() > signalling::MAX_PAYLOAD_BYTES {
        return Err(SignalError::new(
            ErrorCode::TooLarge,
            "the request body is too large",
        ));
    }
    let text = std::str::from_utf8(body).map_err(|_| SignalError::bad_request("the body is not UTF-8"))?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if !text.starts_with('{') {
        return Err(SignalError::bad_request("the body must be a JSON object"));
    }
    let body: CreateRoomBody =
        serde_json::from_str(text).map_err(|e| SignalError::bad_request(format!("malformed body: {e}")))?;
    Ok(body.room_id.as_deref().map(RoomId::parse).transpose()?)
}

pub async fn room(
    State(state): State<HttpState>,
    Path(raw): Path<String>,
) -> Result<Json<RoomInfo>, ApiError> {
    // An id that cannot exist names no room.
    let room_id = RoomId::parse(&raw).map_err(|_| StoreError::NoSuchRoom)?;
    let view = state
        .hub
        .store
        .room(&room_id)
        .await?
        .ok_or(StoreError::NoSuchRoom)?;
    Ok(Json(RoomInfo::from(view)))
}

#[cfg(test)]
#[path = "api_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_body_forms() {
        assert_eq!(parse_create_body(b"").unwrap(), None);
        assert_eq!(parse_create_body(b"{}").unwrap(), None);
        assert_eq!(parse_create_body(br#"{"room_id":null}"#).unwrap(), None);
        assert_eq!(
            parse_create_body(br#"{"room_id":"team-standup"}"#).unwrap(),
            Some(RoomId::parse("team-standup").unwrap())
        );
        for (body, code) in [
            (&br#"{"room_id":"Bad Id"}"#[..], ErrorCode::InvalidRoomId),
            (br#"{"room_id":42}"#, ErrorCode::BadRequest),
            (br#"[]"#, ErrorCode::BadRequest),
            (br#""x""#, ErrorCode::BadRequest),
            (br#"{"#, ErrorCode::BadRequest),
            (b"\xff", ErrorCode::BadRequest),
        ] {
            assert_eq!(parse_create_body(body).unwrap_err().code, code, "{body:?}");
        }
    }
}
