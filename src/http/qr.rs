//! A QR code of a room's invite link, so a phone can join by its camera.

use axum::Extension;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qrcode::QrCode;
use qrcode::render::svg;

use crate::domain::ClientAddr;
use crate::domain::RoomId;

/// `GET /r/{room_id}/qr.svg`: the link the page is on, as the browser
/// reached it (host and scheme).
pub async fn invite(
    Path(raw): Path<String>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
) -> Response {
    let (Ok(room_id), Some(host)) = (
        RoomId::parse(&raw),
        headers.get(header::HOST).and_then(|h| h.to_str().ok()),
    ) else {
        return (StatusCode::NOT_FOUND, "no such room\n").into_response();
    };
    let scheme = if client.is_some_and(|c| c.secure) {
        "https"
    } else {
        "http"
    };
    let link = format!("{scheme}://{host}{}", room_id.url());
    match QrCode::new(link.as_bytes()) {
        Ok(code) => {
            let image = code
                .render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build();
            (
                [
                    (header::CONTENT_TYPE, "image/svg+xml"),
                    (header::CACHE_CONTROL, "private, max-age=3600"),
                ],
                image,
            )
                .into_response()
        }
        Err(e) => {
            tracing::debug!(error = %e, "no QR code for an invite link");
            (StatusCode::BAD_REQUEST, "the link does not fit a QR code\n").into_response()
        }
    }
}
