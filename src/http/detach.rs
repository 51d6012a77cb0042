//! Frees each Socket.IO connection from hyper's read buffer.
//!
//! engineioxide keeps a connection's request head (URI and headers) for as
//! long as the connection lives. hyper parses those as views into its 8 to
//! 16 KiB read buffer, so keeping them keeps the whole buffer: the largest
//! single cost of an idle connection. Copying the few bytes they need lets
//! the buffer go when the handshake is done.

use axum::extract::{OriginalUri, Request};

use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};

pub async fn detach_from_read_buffer(mut request: Request) -> Request {
    if !request.uri().path().starts_with("/socket.io/") {
        return request;
    }
    let headers: HeaderMap = request
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            let name = HeaderName::from_bytes(name.as_str().as_bytes()).ok()?;
            let value = HeaderValue::from_bytes(value.as_bytes()).ok()?;
            Some((name, value))
        })
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
    async fn keeps_every_header_and_the_uri() {
        let request = Request::builder()
            .uri("/socket.io/?EIO=4&transport=websocket")
            .header("upgrade", "websocket")
            .header("x-custom", "v")
            .body(axum::body::Body::empty())
            .unwrap();
        let copied = detach_from_read_buffer(request).await;
        assert_eq!(copied.uri(), "/socket.io/?EIO=4&transport=websocket");
        assert_eq!(copied.headers()["upgrade"], "websocket");
        assert_eq!(copied.headers()["x-custom"], "v");
    }
}
