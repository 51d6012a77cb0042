//! The two pages: home, and the call page of a room.

use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use rust_embed::Embed;

use super::{Client, HttpState};
use crate::signalling::{self, ErrorCode};

#[derive(Embed)]
#[folder = "web/pages/"]
struct Templates;

/// The pages, rendered once at start.
pub struct Pages {
    home: String,
    missing_room: String,
    lookups_spent: String,
    not_found: String,
    call: String,
}

const MISSING_ROOM: &str = "This room does not exist. The link may be mistyped, or the room \
expired after staying empty. Start a new call, or ask for a new link.";

const NOT_FOUND: &str = "There is no page at this address. Start a new call, or paste an invite \
link below.";

const LOOKUPS_SPENT: &str = "Too many links to rooms that do not exist were opened from your \
address. Wait a few minutes, then open the link again.";

impl Pages {
    /// Fills in the asset path, the home page's notices, and whether the
    /// call page offers "always relay" (only with a TURN server to relay).
    pub fn render(assets_base: &str, offers_turn: bool) -> Self {
        let template = |name: &str| {
            let file = Templates::get(name).unwrap_or_else(|| panic!("page template {name} is embedded"));
            String::from_utf8_lossy(&file.data).replace("{{assets}}", assets_base)
        };
        let home = template("index.html");
        let with_notice = |notice: &str, kind: &str| {
            home.replace("{{notice}}", notice)
                .replace("{{notice-kind}}", kind)
        };
        Self {
            missing_room: with_notice(MISSING_ROOM, "missing-room"),
            lookups_spent: with_notice(LOOKUPS_SPENT, "rate-limited"),
            not_found: with_notice(NOT_FOUND, "not-found"),
            home: with_notice("", ""),
            call: template("call.html").replace("{{relay-option}}", if offers_turn { "" } else { "hidden" }),
        }
    }
}

fn html(status: StatusCode, body: &str) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            // Pages are small and say which asset version to load: always ask.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body.to_owned(),
    )
        .into_response()
}

pub async fn home(State(state): State<HttpState>) -> Response {
    html(StatusCode::OK, &state.pages.home)
}

/// The call page when the room exists; otherwise the home page saying so.
pub async fn call(
    State(state): State<HttpState>,
    Client(client): Client,
    Path(raw): Path<String>,
) -> Response {
    let found = signalling::find_room(&state.hub, client, &raw).await;
    let Err(refused) = found else {
        return html(StatusCode::OK, &state.pages.call);
    };
    match refused.code {
        ErrorCode::NoSuchRoom => html(StatusCode::NOT_FOUND, &state.pages.missing_room),
        ErrorCode::RateLimited => html(StatusCode::TOO_MANY_REQUESTS, &state.pages.lookups_spent),
        _ => {
            tracing::error!(error = %refused, "room lookup failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the server cannot look rooms up right now\n",
            )
                .into_response()
        }
    }
}

/// `/r/{room_id}` to `/r/{room_id}/`, keeping any query.
pub async fn add_slash(OriginalUri(uri): OriginalUri) -> Redirect {
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    Redirect::permanent(&format!("{}/{query}", uri.path()))
}

/// Any other path: the home page, saying there is nothing here.
pub async fn not_found(State(state): State<HttpState>) -> Response {
    html(StatusCode::NOT_FOUND, &state.pages.not_found)
}
