//! Frees each Socket.IO connection from hyper's read buffer, and keeps of
//! its request head only what is read again.
//!
//! engineioxide keeps a connection's request head (URI, headers and
//! extensions) for as long as the connection lives. hyper parses those as
//! views into its 8 to 16 KiB read buffer, so keeping them keeps the whole
//! buffer: the largest single cost of an idle connection. Copying the few
//! bytes they need lets the buffer go when the handshake is done.
//!
//! Only the headers something reads are copied: a browser sends a dozen
//! more (user agent, languages, extensions...), about 1 KiB per connection
//! that nothing would ever look at again. The same goes for the extensions
//! the HTTP layers put on the request (the original URI, the route's
//! parameters, the peer's socket address): a connection keeps only who the
//! client is ([`crate::domain::ClientAddr`], settled before this point) and
//! hyper's handle of the WebSocket upgrade, which engineioxide takes.

use axum::extract::Request;

use axum::http::header::{CONTENT_TYPE, HOST, SEC_WEBSOCKET_KEY};
use axum::http::{Extensions, HeaderMap, HeaderName, HeaderValue, Uri};
use hyper::upgrade::OnUpgrade;

use crate::domain::ClientAddr;

/// The headers read after this point: the WebSocket key (engineioxide,
/// for the upgrade), the content type (engineioxide, for a polling post),
/// and the host (the signalling handlers, for the TURN address).
const KEPT_HEADERS: [HeaderName; 3] = [SEC_WEBSOCKET_KEY, CONTENT_TYPE, HOST];

pub async fn detach_from_read_buffer(mut request: Request) -> Request {
    if !request.uri().path().starts_with("/socket.io/") {
        return request;
    }
    let kept = |(name, _): &(&HeaderName, &HeaderValue)| KEPT_HEADERS.contains(name);
    // Sized to what it keeps: grown one insert at a time, a map of three
    // headers reserves room for six.
    let mut headers = HeaderMap::with_capacity(request.headers().iter().filter(kept).count());
    for (name, value) in request.headers().iter().filter(kept) {
        if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
            headers.append(name.clone(), value);
        }
    }
    *request.headers_mut() = headers;
    if let Ok(uri) = request.uri().to_string().parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    let mut extensions = Extensions::new();
    if let Some(client) = request.extensions().get::<ClientAddr>() {
        extensions.insert(*client);
    }
    if let Some(upgrade) = request.extensions_mut().remove::<OnUpgrade>() {
        extensions.insert(upgrade);
    }
    // Without its own copy, axum's `OriginalUri` is the URI, as here.
    *request.extensions_mut() = extensions;
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::OriginalUri;

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
        assert!(copied.headers().capacity() < 6);
    }

    #[tokio::test]
    async fn keeps_only_the_client_and_the_upgrade_among_the_extensions() {
        let client = ClientAddr {
            ip: "192.0.2.1".parse().unwrap(),
            secure: false,
        };
        let request = Request::builder()
            .uri("/socket.io/?EIO=4&transport=websocket")
            .extension(client)
            .extension(OriginalUri(
                "/socket.io/?EIO=4&transport=websocket".parse().unwrap(),
            ))
            .extension(42u32)
            .body(axum::body::Body::empty())
            .unwrap();
        let copied = detach_from_read_buffer(request).await;
        assert_eq!(copied.extensions().get::<ClientAddr>(), Some(&client));
        assert!(copied.extensions().get::<OriginalUri>().is_none());
        assert!(copied.extensions().get::<u32>().is_none());
        assert_eq!(copied.extensions().len(), 1);
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
