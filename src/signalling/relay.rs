//! `offer`, `answer` and `ice-candidate`: passed from one peer to another in
//! the same room, never further.

use serde::Serialize;
use serde_json::value::RawValue;
use socketioxide::socket::Sid;

use super::announce;
use super::audience;
use super::context::EventContext;
use super::error::{ErrorCode, SignalError};
use super::payloads::{
    AnswerOut, IceCandidateOut, IceCandidateRequest, IceCandidateShape, OfferOut, SdpRequest,
};
use crate::domain::PeerId;
use crate::store::Route;

/// The largest session description relayed.
pub const MAX_SDP_BYTES: usize = 64 * 1024;

pub async fn offer(cx: &EventContext, req: SdpRequest<'_>) -> Result<(), SignalError> {
    check_sdp(req.sdp)?;
    let route = route(cx, req.to.as_deref()).await?;
    let offer = OfferOut {
        from: &route.sender.peer_id,
        name: &route.sender.name,
        sdp: req.sdp,
    };
    deliver(cx, &route, "offer", &offer).await;
    Ok(())
}

pub async fn answer(cx: &EventContext, req: SdpRequest<'_>) -> Result<(), SignalError> {
    check_sdp(req.sdp)?;
    let route = route(cx, req.to.as_deref()).await?;
    let answer = AnswerOut {
        from: &route.sender.peer_id,
        sdp: req.sdp,
    };
    deliver(cx, &route, "answer", &answer).await;
    Ok(())
}

pub async fn ice_candidate(cx: &EventContext, req: IceCandidateRequest<'_>) -> Result<(), SignalError> {
    check_candidate(req.candidate.get())?;
    let route = route(cx, req.to.as_deref()).await?;
    let candidate = IceCandidateOut {
        from: &route.sender.peer_id,
        candidate: req.candidate,
    };
    deliver(cx, &route, "ice-candidate", &candidate).await;
    Ok(())
}

/// An sdp is a JSON string of at most 64 KiB, counted as the string it
/// stands for (escapes such as `\r\n` make the JSON text longer).
fn check_sdp(sdp: &RawValue) -> Result<(), SignalError> {
    let raw = sdp.get();
    if !raw.starts_with('"') {
        return Err(SignalError::bad_request("sdp must be a string"));
    }
    if raw.len() - 2 <= MAX_SDP_BYTES {
        return Ok(());
    }
    let decoded: String =
        serde_json::from_str(raw).map_err(|e| SignalError::bad_request(format!("malformed sdp: {e}")))?;
    if decoded.len() > MAX_SDP_BYTES {
        return Err(SignalError::new(
            ErrorCode::TooLarge,
            format!("an sdp may be at most {} KiB", MAX_SDP_BYTES / 1024),
        ));
    }
    Ok(())
}

/// A candidate is an `RTCIceCandidateInit` object, or `null` for the end of
/// candidates.
fn check_candidate(raw: &str) -> Result<(), SignalError> {
    if raw == "null" {
        return Ok(());
    }
    if !raw.starts_with('{') {
        return Err(SignalError::bad_request("candidate must be an object or null"));
    }
    serde_json::from_str::<IceCandidateShape>(raw)
        .map(|_| ())
        .map_err(|e| SignalError::bad_request(format!("malformed candidate: {e}")))
}

async fn route(cx: &EventContext, to: Option<&str>) -> Result<Route, SignalError> {
    let seat = cx.session.seat().ok_or_else(SignalError::not_joined)?;
    let to = to.map(PeerId::from_client);
    cx.hub
        .store
        .route(&seat.room_id, &seat.peer_id, &cx.session.conn, to.as_ref())
        .await
        .map_err(|e| cx.seat_lost_on(e))
}

/// Hands the message to each recipient's socket: directly when that socket
/// is on this server, else through the peer's Socket.IO room (which an
/// adapter carries to other servers). A recipient whose connection dropped
/// gets nothing; it restarts negotiation when it is back.
async fn deliver<T: Serialize>(cx: &EventContext, route: &Route, event: &str, data: &T) {
    for recipient in &route.recipients {
        let Some(conn) = &recipient.conn else { continue };
        let local = conn
            .as_str()
            .parse::<Sid>()
            .ok()
            .and_then(|sid| cx.io.get_socket(sid));
        match local {
            Some(socket) => {
                if let Err(e) = socket.emit(event, data) {
                    tracing::debug!(error = %e, event, "relay not delivered");
                }
            }
            None => announce::emit(&cx.io, vec![audience::peer(&recipient.peer_id)], event, data).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    #[test]
    fn candidates_are_objects_of_the_right_shape_or_null() {
        assert!(check_candidate("null").is_ok());
        let full =
            r#"{"candidate":"candidate:1 1 udp 1 192.0.2.1 5 typ host","sdpMid":"0","sdpMLineIndex":0}"#;
        assert!(check_candidate(full).is_ok());
        assert!(
            check_candidate(r#"{"candidate":"","sdpMid":null,"sdpMLineIndex":null,"extra":[1]}"#).is_ok()
        );
        for bad in [
            r#""candidate""#,
            "42",
            "[]",
            r#"{"sdpMLineIndex":"zero"}"#,
            r#"{"candidate":5}"#,
        ] {
            assert_eq!(
                check_candidate(bad).unwrap_err().code,
                ErrorCode::BadRequest,
                "{bad}"
            );
        }
    }

    #[test]
    fn sdp_limit_is_64_kib_of_the_string_itself() {
        let exactly = format!("\"{}\"", "a".repeat(MAX_SDP_BYTES));
        assert!(check_sdp(&raw(&exactly)).is_ok());
        let over = format!("\"{}\"", "a".repeat(MAX_SDP_BYTES + 1));
        assert_eq!(check_sdp(&raw(&over)).unwrap_err().code, ErrorCode::TooLarge);
        // 20,000 escaped line ends: 80,000 bytes of JSON for 40,000 of sdp.
        let escaped = format!("\"{}\"", "\\r\\n".repeat(20_000));
        assert!(check_sdp(&raw(&escaped)).is_ok());
        for not_a_string in ["null", "5", "{}", "[]"] {
            assert_eq!(
                check_sdp(&raw(not_a_string)).unwrap_err().code,
                ErrorCode::BadRequest
            );
        }
    }
}
