//! New signalling sessions per client address. A session that never joins
//! the namespace holds no signalling connection to count, yet costs memory
//! until the engine drops it; this budget bounds how many an address opens.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api::ApiError;
use crate::domain::ClientAddr;
use crate::limits::AddressBudget;
use crate::signalling::SignalError;

/// Where Socket.IO is served; a request there without a session id opens one.
const SOCKET_IO_PATH: &str = "/socket.io/";

pub async fn budget_session_openings(
    State(budget): State<Arc<AddressBudget>>,
    request: Request,
    next: Next,
) -> Response {
    if opens_a_session(&request)
        && let Some(client) = request.extensions().get::<ClientAddr>()
        && let Err(spent) = budget.spend(client.ip)
    {
        return ApiError::from(SignalError::budget_spent("signalling sessions opened", spent))
            .into_response();
    }
    next.run(request).await
}

fn opens_a_session(request: &Request) -> bool {
    request.uri().path().starts_with(SOCKET_IO_PATH)
        && !request
            .uri()
            .query()
            .unwrap_or_default()
            .split('&')
            .any(|pair| pair.starts_with("sid="))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> Request {
        Request::builder()
            .uri(uri)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[test]
    fn a_handshake_opens_a_session_and_its_polls_do_not() {
        assert!(opens_a_session(&request(
            "/socket.io/?EIO=4&transport=polling&t=x"
        )));
        assert!(opens_a_session(&request("/socket.io/?EIO=4&transport=websocket")));
        assert!(!opens_a_session(&request(
            "/socket.io/?EIO=4&transport=polling&sid=abc"
        )));
        assert!(!opens_a_session(&request(
            "/socket.io/?EIO=4&transport=websocket&sid=abc"
        )));
        assert!(!opens_a_session(&request("/api/rooms")));
    }
}
