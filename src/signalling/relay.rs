//! `offer`, `answer` and `ice-candidate`: passed from one peer to another in
//! the same room, never further.

use serde::Serialize;

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

pub async fn offer(cx: &EventContext, req: SdpRequest) -> Result<(), SignalError> {
    check_sdp(&req.sdp)?;
    let route = route(cx, req.to.as_deref()).await?;
    let offer = OfferOut {
        from: &route.sender.peer_id,
        name: &route.sender.name,
        sdp: &req.sdp,
    };
    deliver(cx, &route, "offer", &offer).await;
    Ok(())
}

pub async fn answer(cx: &EventContext, req: SdpRequest) -> Result<(), SignalError> {
    check_sdp(&req.sdp)?;
    let route = route(cx, req.to.as_deref()).await?;
    let answer = AnswerOut {
        from: &route.sender.peer_id,
        sdp: &req.sdp,
    };
    deliver(cx, &route, "answer", &answer).await;
    Ok(())
}

pub async fn ice_candidate(cx: &EventContext, req: IceCandidateRequest) -> Result<(), SignalError> {
    check_candidate(req.candidate.get())?;
    let route = route(cx, req.to.as_deref()).await?;
    let candidate = IceCandidateOut {
        from: &route.sender.peer_id,
        candidate: &req.candidate,
    };
    deliver(cx, &route, "ice-candidate", &candidate).await;
    Ok(())
}

fn check_sdp(sdp: &str) -> Result<(), SignalError> {
    if sdp.len() > MAX_SDP_BYTES {
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
        return Err(SignalError::bad_request(
            "candidate must be an object or null",
        ));
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

async fn deliver<T: Serialize>(cx: &EventContext, route: &Route, event: &str, data: &T) {
    if route.recipients.is_empty() {
        return;
    }
    let rooms = route.recipients.iter().map(audience::peer).collect();
    announce::emit(&cx.io, rooms, event, data).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_objects_of_the_right_shape_or_null() {
        assert!(check_candidate("null").is_ok());
        assert!(check_candidate(r#"{"candidate":"candidate:1 1 udp 1 1.2.3.4 5 typ host","sdpMid":"0","sdpMLineIndex":0}"#).is_ok());
        assert!(
            check_candidate(r#"{"candidate":"","sdpMid":null,"sdpMLineIndex":null,"extra":[1]}"#)
                .is_ok()
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
    fn sdp_limit_is_64_kib() {
        assert!(check_sdp(&"a".repeat(MAX_SDP_BYTES)).is_ok());
        assert_eq!(
            check_sdp(&"a".repeat(MAX_SDP_BYTES + 1)).unwrap_err().code,
            ErrorCode::TooLarge
        );
    }
}
