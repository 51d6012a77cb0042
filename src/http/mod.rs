//! The HTTP edge: pages, their assets, the rooms API, health and metrics.
//! `router` does no I/O, so tests can call it directly.

mod api;
mod assets;
mod client_addr;
mod detach;
mod headers;
mod openings;
mod ops;
mod pages;
mod qr;
pub mod redirect;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;

use crate::signalling::{self, Hub};

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
        .nest("/api", api_router())
        .route("/assets/{version}/{*path}", get(assets::serve))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .fallback(pages::not_found)
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// The rooms API: JSON in, JSON out, failures included.
fn api_router() -> Router<HttpState> {
    Router::new()
        .route("/rooms", post(api::create_room))
        .route("/rooms/{room_id}", get(api::room))
        .fallback(api::unknown)
        .method_not_allowed_fallback(api::wrong_method)
        .layer(DefaultBodyLimit::max(signalling::MAX_PAYLOAD_BYTES))
}

pub use client_addr::{Client, Proxies, resolve_client};
pub use detach::detach_from_read_buffer;
pub use headers::security_headers;
pub use openings::budget_session_openings;
