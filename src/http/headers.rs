//! Security headers on every response.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::domain::ClientAddr;

/// Only the app's own scripts and styles; media from the camera and from the
/// peer connection; no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Camera, microphone and screen capture for the app itself, nothing else.
const PERMISSIONS_POLICY: &str = "camera=(self), microphone=(self), display-capture=(self), \
fullscreen=(self), autoplay=(self), geolocation=(), payment=(), usb=()";

const HEADERS: [(HeaderName, &str); 6] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    // A room link is a secret: never pass it on to another site.
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

/// Over HTTPS, browsers are told to come back over HTTPS only, for a year.
const HSTS: &str = "max-age=31536000";

/// Adds the headers a response does not set itself, around everything,
/// Socket.IO included; HSTS on requests that came over HTTPS.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let secure = request
        .extensions()
        .get::<ClientAddr>()
        .is_some_and(|client| client.secure);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    if secure {
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(HSTS));
    }
    response
}
