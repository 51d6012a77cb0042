//! The HTTP edge: pages, their assets, the rooms API, health and metrics.
//! `router` does no I/O, so tests can call it directly.

mod api;
mod assets;
mod client_addr;
mod detach;
mod headers;
mod ops;
mod pages;
mod qr;
pub mod redirect;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;

use crate::signalling::Hub;

pub use assets::Assets;
pub use pages::Pages;

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub hub: Arc<Hub>,
    pub pages: Arc<Pages>,
    pub assets: Arc<Assets>,
}

/// Every route of the protocol's HTTP table, compressed where it helps.
/// Security headers and the Socket.IO layer are added around it by the caller.
pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/r/{room_id}/", get(pages::call))
        .route("/r/{room_id}/qr.svg", get(qr::invite))
        .route("/r/{room_id}", get(pages::add_slash))
        .route("/api/rooms", post(api::create_room))
        .route("/api/rooms/{room_id}", get(api::room))
        .route("/assets/{version}/{*path}", get(assets::serve))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .fallback(pages::not_found)
        .layer(CompressionLayer::new())
        .with_state(state)
}

pub use client_addr::{Proxies, resolve_client};
pub use detach::detach_from_read_buffer;
pub use headers::security_headers;
