//! The rooms API: `POST /api/rooms` and `GET /api/rooms/{room_id}`, and
//! the JSON answer to every request under `/api/` that fails.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::{Client, HttpState};
use crate::domain::RoomId;
use crate::signalling::payloads::{RoomCreated, RoomInfo};
use crate::signalling::{self, ErrorCode, SignalError};
use crate::store::{Created, StoreError};

/// A refused API request: `{"error": CODE, "message": TEXT}` with the status
/// that fits the code. This is the only place codes become statuses.
pub struct ApiError {
    error: SignalError,
    /// Where the code alone does not say it (a body that is not JSON).
    status: Option<StatusCode>,
}

impl From<SignalError> for ApiError {
    fn from(error: SignalError) -> Self {
        Self { error, status: None }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        SignalError::from(e).into()
    }
}

impl ApiError {
    fn with_status(status: StatusCode, message: &str) -> Self {
        Self {
            error: SignalError::bad_request(message),
            status: Some(status),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or(match self.error.code {
            ErrorCode::BadRequest | ErrorCode::InvalidRoomId | ErrorCode::InvalidName => {
                StatusCode::BAD_REQUEST
            }
            ErrorCode::NoSuchRoom | ErrorCode::NoSuchPeer => StatusCode::NOT_FOUND,
            ErrorCode::RoomTaken | ErrorCode::FullRoom | ErrorCode::AlreadyJoined => StatusCode::CONFLICT,
            ErrorCode::NotJoined | ErrorCode::BadToken => StatusCode::FORBIDDEN,
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        });
        let body = ErrorBody {
            error: self.error.code.as_str(),
            message: &self.error.message,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(wait) = self.error.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs()));
        }
        response
    }
}

#[derive(Deserialize)]
struct CreateRoomBody {
    #[serde(default)]
    room_id: Option<String>,
}

/// 201 for a new room, 200 for an existing empty one. The body must be
/// sent as JSON: a form on another site cannot send that without asking
/// first (a CORS preflight this server never grants), so it cannot make
/// rooms in a visitor's name.
pub async fn create_room(
    State(state): State<HttpState>,
    Client(client): Client,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|rejection| match rejection {
        BytesRejection::FailedToBufferBody(failed) if is_too_large(&failed) => too_large(),
        other => SignalError::bad_request(format!("the body could not be read: {other}")),
    })?;
    if body.len() > signalling::MAX_PAYLOAD_BYTES {
        return Err(too_large().into());
    }
    if !is_json(&headers) {
        return Err(ApiError::with_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the body as JSON, with Content-Type: application/json",
        ));
    }
    let requested = parse_create_body(&body)?;
    signalling::spend_room_creation(&state.hub, client)?;
    let room = signalling::create_room(&*state.hub.store, requested).await?;
    let status = match room.created {
        Created::New => StatusCode::CREATED,
        Created::ExistingEmpty => StatusCode::OK,
    };
    Ok((status, Json(RoomCreated::from(room))).into_response())
}

fn too_large() -> SignalError {
    SignalError::new(ErrorCode::TooLarge, "the request body is too large")
}

fn is_too_large(failed: &axum::extract::rejection::FailedToBufferBody) -> bool {
    matches!(
        failed,
        axum::extract::rejection::FailedToBufferBody::LengthLimitError(_)
    )
}

/// `application/json`, with or without parameters such as a charset.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// An empty body counts as `{}`.
fn parse_create_body(body: &[u8]) -> Result<Option<RoomId>, SignalError> {
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
    Client(client): Client,
    Path(raw): Path<String>,
) -> Result<Json<RoomInfo>, ApiError> {
    let view = signalling::find_room(&state.hub, client, &raw).await?;
    Ok(Json(RoomInfo::from(view)))
}

/// Any other path under `/api/`.
pub async fn unknown() -> ApiError {
    ApiError::with_status(StatusCode::NOT_FOUND, "there is no such API request")
}

/// A known path asked with a method it does not take.
pub async fn wrong_method() -> ApiError {
    ApiError::with_status(
        StatusCode::METHOD_NOT_ALLOWED,
        "this API request does not take that method",
    )
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
