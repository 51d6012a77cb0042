//! The protocol's error codes, and the one place where failures of the layers
//! below become them.

use std::time::Duration;

use crate::domain::{InvalidName, InvalidRoomId};
use crate::limits::Exhausted;
use crate::store::StoreError;

/// Every error code of the protocol, in the order `ALL` lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BadRequest,
    InvalidRoomId,
    InvalidName,
    NoSuchRoom,
    RoomTaken,
    FullRoom,
    NotJoined,
    AlreadyJoined,
    NoSuchPeer,
    BadToken,
    TooLarge,
    RateLimited,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 13] = [
        ErrorCode::BadRequest,
        ErrorCode::InvalidRoomId,
        ErrorCode::InvalidName,
        ErrorCode::NoSuchRoom,
        ErrorCode::RoomTaken,
        ErrorCode::FullRoom,
        ErrorCode::NotJoined,
        ErrorCode::AlreadyJoined,
        ErrorCode::NoSuchPeer,
        ErrorCode::BadToken,
        ErrorCode::TooLarge,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad-request",
            ErrorCode::InvalidRoomId => "invalid-room-id",
            ErrorCode::InvalidName => "invalid-name",
            ErrorCode::NoSuchRoom => "no-such-room",
            ErrorCode::RoomTaken => "room-taken",
            ErrorCode::FullRoom => "full-room",
            ErrorCode::NotJoined => "not-joined",
            ErrorCode::AlreadyJoined => "already-joined",
            ErrorCode::NoSuchPeer => "no-such-peer",
            ErrorCode::BadToken => "bad-token",
            ErrorCode::TooLarge => "too-large",
            ErrorCode::RateLimited => "rate-limited",
            ErrorCode::Internal => "internal",
        }
    }

    /// Its place in `ALL`.
    pub const fn place(self) -> usize {
        self as usize
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A refused request: a code for programs and a sentence for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalError {
    pub code: ErrorCode,
    pub message: String,
    /// For a spent budget: when to try again (HTTP's `Retry-After`).
    pub retry_after: Option<Duration>,
}

impl SignalError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The address's budget for `what` (e.g. "rooms created") is spent.
    pub fn budget_spent(what: &str, exhausted: Exhausted) -> Self {
        let seconds = exhausted.retry_after.as_secs().max(1);
        Self {
            retry_after: Some(Duration::from_secs(seconds)),
            ..Self::new(
                ErrorCode::RateLimited,
                format!("too many {what} from your address; try again in {seconds} s"),
            )
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn not_joined() -> Self {
        Self::new(ErrorCode::NotJoined, "you have not joined a room")
    }

    pub fn bad_token() -> Self {
        Self::new(
            ErrorCode::BadToken,
            "this rejoin token was not issued for that seat, has expired, or its seat was hung up",
        )
    }
}

impl std::fmt::Display for SignalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for SignalError {}

impl From<InvalidRoomId> for SignalError {
    fn from(e: InvalidRoomId) -> Self {
        Self::new(ErrorCode::InvalidRoomId, e.to_string())
    }
}

impl From<InvalidName> for SignalError {
    fn from(e: InvalidName) -> Self {
        Self::new(ErrorCode::InvalidName, e.to_string())
    }
}

impl From<StoreError> for SignalError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::NoSuchRoom => ErrorCode::NoSuchRoom,
            StoreError::RoomTaken => ErrorCode::RoomTaken,
            StoreError::Full { .. } => ErrorCode::FullRoom,
            StoreError::NotSeated => ErrorCode::NotJoined,
            StoreError::NoSuchPeer => ErrorCode::NoSuchPeer,
            StoreError::HungUp => ErrorCode::BadToken,
            StoreError::Backend(cause) => {
                // The store says once, not on every request, when it cannot work.
                tracing::debug!(%cause, "room store failed");
                return Self::new(
                    ErrorCode::Internal,
                    "the server cannot reach where it keeps the rooms just now; try again in a moment",
                );
            }
        };
        let message = match &e {
            StoreError::NoSuchRoom => "this room does not exist".to_owned(),
            StoreError::RoomTaken => "this room id is in use; choose another".to_owned(),
            StoreError::Full { max_users } => format!("the room is full ({max_users} people)"),
            StoreError::NotSeated => "you are not in this room".to_owned(),
            other => other.to_string(),
        };
        Self::new(code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_protocol_strings() {
        let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(all, crate::strategies::PROTOCOL_ERROR_CODES);
    }

    #[test]
    fn every_code_sits_at_its_place() {
        for (place, code) in ErrorCode::ALL.into_iter().enumerate() {
            assert_eq!(code.place(), place, "{code:?}");
        }
    }

    #[test]
    fn backend_causes_stay_out_of_the_message() {
        let err = SignalError::from(StoreError::Backend("redis at 10.0.0.5 refused".into()));
        assert_eq!(err.code, ErrorCode::Internal);
        assert!(!err.message.contains("10.0.0.5"));
    }
}
