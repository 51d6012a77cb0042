//! The pages' scripts, styles and vendored libraries, embedded in the binary.
//!
//! They are served under `/assets/<version>/`, where the version is a hash of
//! every file: a browser may then keep them for a year, and a new release is
//! fetched at once because its pages point at a new version.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;
use sha2::{Digest, Sha256};

use super::HttpState;

#[derive(Embed)]
#[folder = "web/assets/"]
struct Files;

pub struct Assets {
    version: String,
}

impl Assets {
    pub fn new() -> Self {
        let mut names: Vec<_> = Files::iter().collect();
        names.sort();
        let mut hasher = Sha256::new();
        for name in names {
            let file = Files::get(&name).expect("listed by the embed itself");
            hasher.update(name.as_bytes());
            hasher.update(file.metadata.sha256_hash());
        }
        let digest = hasher.finalize();
        let version = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Self { version }
    }

    /// The path prefix the pages load their assets from.
    pub fn base(&self) -> String {
        format!("/assets/{}", self.version)
    }
}

impl Default for Assets {
    fn default() -> Self {
        Self::new()
    }
}

pub async fn serve(
    State(state): State<HttpState>,
    Path((version, path)): Path<(String, String)>,
    request_headers: HeaderMap,
) -> Response {
    if version != state.assets.version {
        return (StatusCode::NOT_FOUND, "no such asset version; reload the page\n").into_response();
    }
    let Some(file) = Files::get(&path) else {
        return (StatusCode::NOT_FOUND, "no such asset\n").into_response();
    };
    let hash: String = file.metadata.sha256_hash()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let etag = HeaderValue::from_str(&format!("W/\"{hash}\"")).expect("hex is a valid header value");
    let cache = HeaderValue::from_static("public, max-age=31536000, immutable");
    if request_headers.get(header::IF_NONE_MATCH) == Some(&etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    let content_type = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        file.data.into_owned(),
    )
        .into_response()
}
