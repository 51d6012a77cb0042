//! Frees each Socket.IO connection from hyper's read buffer.
//!
//! engineioxide keeps a connection's request head (URI and headers) for as
//! long as the connection lives. hyper parses those as views into its 8 to
//! 16 KiB read buffer, so keeping them keeps the whole buffer: the largest
//! single cost of an idle connection. Copying the few bytes they need lets
//! the buffer go when the handshake is done.
//!
//! Only the headers something reads are copied: a browser sends a dozen
//! more (user agent, languages, extensions...), about 1 KiB per connection
//! that nothing would ever look at again. Who the client is was settled
//! before this point ([`crate::domain::ClientAddr`]).

use axum::extract::{OriginalUri, Request};

use axum::http::header::{CONTENT_TYPE, HOST, SEC_WEBSOCKET_KEY};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};

/// The headers read after this point: the WebSocket key (engineioxide,
/// for the upgrade), the content type (engineioxide, for a polling post),
/// and the host (the signalling handlers, for the TURN address).
const KEPT_HEADERS: [HeaderName; 3] = [SEC_WEBSOCKET_KEY, CONTENT_TYPE, HOST];

pub async fn detach_from_read_buffer(mut request: Request) -> Request {
    if !request.uri().path().starts_with("/socket.io/") {
        return request;
    }
    let headers: HeaderMap = request
        .headers()
        .iter()
        .filter(|(name, _)| KEPT_HEADERS.contains(name))
        .filter_map(|(name, value)| Some((name.clone(), HeaderValue::from_bytes(value.as_bytes()).ok()?)))
        .collect();
    *request.headers_mut() = headers;
    if let Ok(uri) = request.uri().to_string().parse::<Uri>() {
        // axum keeps a copy of the URI too, as an extension.
        if request.extensions().get::<OriginalUri>().is_some() {
            request.extensions_mut().insert(OriginalUri(uri.clone()));
        }
        *request.uri_mut() = uri;
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_the_uri_and_the_headers_read_later() {
        let request = Request::builder()
            .uri("/socket.io/?EIO=4&transport=websocket")
            .header("host", "call.example")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .header("content-type", "text/plain")
            .header("user-agent", "Mozilla/5.0")
            .body(axum::body::Body::empty())
            .unwrap();
        let copied = detach_from_read_buffer(request).await;
        assert_eq!(copied.uri(), "/socket.io/?EIO=4&transport=websocket");
        assert_eq!(copied.headers()["host"], "call.example");
        assert_eq!(copied.headers()["sec-websocket-key"], "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(copied.headers()["content-type"], "text/plain");
        assert_eq!(copied.headers().len(), 3);
    }

    #[tokio::test]
    async fn leaves_other_requests_alone() {
        let request = Request::builder()
            .uri("/r/team-standup/")
            .header("user-agent", "Mozilla/5.0")
            .body(axum::body::Body::empty())
            .unwrap();
        let untouched = detach_from_read_buffer(request).await;
        assert_eq!(untouched.headers()["user-agent"], "Mozilla/5.0");
    }
}
