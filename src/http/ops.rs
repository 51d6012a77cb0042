//! For operators: `/healthz` and `/metrics`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::HttpState;

/// 200 while this server can serve calls; 503 while the room store cannot
/// be reached (Redis is away), so that a load balancer sends people to
/// another server meanwhile.
pub async fn healthz(State(state): State<HttpState>) -> (StatusCode, &'static str) {
    if state.hub.store.ready() {
        (StatusCode::OK, "ok\n")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the room store (Redis) does not answer\n",
        )
    }
}

pub async fn metrics(State(state): State<HttpState>) -> impl IntoResponse {
    let metrics = &state.hub.metrics;
    match state.hub.store.stats().await {
        Ok(stats) => {
            metrics.rooms.set(stats.rooms as f64);
            metrics.peers.set(stats.peers as f64);
        }
        Err(e) => tracing::warn!(error = %e, "room store figures unavailable for /metrics"),
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        metrics.render(),
    )
}
