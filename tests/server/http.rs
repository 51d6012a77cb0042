//! The HTTP routes: pages, assets, the rooms API, health, metrics, headers.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use serde_json::{Value, json};

use crate::harness::{TestServer, assert_error, call_of_two, series};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(server: &TestServer, path: &str) -> reqwest::Response {
    client().get(server.http(path)).send().await.unwrap()
}

fn assert_content_type(response: &reqwest::Response, expected: &str) {
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(
        content_type.starts_with(expected),
        "{content_type} is not {expected}"
    );
}

fn assert_security_headers(headers: &HeaderMap) {
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let permissions = headers["permissions-policy"].to_str().unwrap();
    assert!(permissions.contains("camera=(self)"), "{permissions}");
    assert!(permissions.contains("microphone=(self)"), "{permissions}");
}

#[tokio::test]
async fn home_page() {
    let server = TestServer::start().await;
    let response = get(&server, "/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_content_type(&response, "text/html");
    assert_security_headers(response.headers());
    let body = response.text().await.unwrap();
    for hook in ["create-room", "room-id-input", "join-room", "notice"] {
        assert!(
            body.contains(&format!("data-testid=\"{hook}\"")),
            "{hook} missing"
        );
    }
}

#[tokio::test]
async fn call_page_for_a_room_and_home_404_for_none() {
    let server = TestServer::start().await;
    let room = server.connect().await.create_room().await;
    let response = get(&server, &format!("/r/{room}/")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_security_headers(response.headers());
    let body = response.text().await.unwrap();
    assert!(body.contains("data-testid=\"join-call\""));

    for path in ["/r/no-such-room/", "/r/NOT%20VALID/", "/r/x/"] {
        let response = get(&server, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_content_type(&response, "text/html");
        let body = response.text().await.unwrap();
        assert!(body.contains("data-testid=\"create-room\""), "the home page");
        assert!(body.contains("does not exist"), "says the room does not exist");
    }
}

#[tokio::test]
async fn room_path_without_slash_redirects() {
    let server = TestServer::start().await;
    let response = get(&server, "/r/team-standup?x=1").await;
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(response.headers()[header::LOCATION], "/r/team-standup/?x=1");
}

#[tokio::test]
async fn assets_are_versioned_typed_cached_and_compressed() {
    let server = TestServer::start().await;
    let page = get(&server, "/").await.text().await.unwrap();
    let start = page.find("src=\"/assets/").expect("the page loads a script") + 5;
    let script: String = page[start..].chars().take_while(|c| *c != '"').collect();
    assert!(script.ends_with(".js"), "{script}");

    let response = get(&server, &script).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/javascript");
    let cache = response.headers()[header::CACHE_CONTROL].to_str().unwrap();
    assert!(cache.contains("immutable"), "{cache}");
    let etag = response.headers()[header::ETAG].clone();
    let revalidated = client()
        .get(server.http(&script))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);

    let version = script.split('/').nth(2).unwrap();
    let vendor = format!("/assets/{version}/vendor/socket.io-client/socket.io.esm.min.js");
    let compressed = client()
        .get(server.http(&vendor))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.status(), StatusCode::OK);
    assert_eq!(compressed.headers()[header::CONTENT_ENCODING], "gzip");
    let licence = get(
        &server,
        &format!("/assets/{version}/vendor/socket.io-client/LICENSE"),
    )
    .await;
    assert_eq!(licence.status(), StatusCode::OK);

    let stale = get(&server, &script.replace(version, "0000")).await;
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);
    let missing = get(&server, &format!("/assets/{version}/nope.js")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let escape = get(&server, &format!("/assets/{version}/../Cargo.toml")).await;
    assert_eq!(escape.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rooms_api_creates_and_describes_rooms() {
    let server = TestServer::start().await;
    let http = client();
    let post = |body: &'static str| {
        http.post(server.http("/api/rooms"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
    };

    let created = post("{}").await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    let room = body["room_id"].as_str().unwrap().to_owned();
    assert_eq!(body["url"], format!("/r/{room}/"));
    assert_eq!(body["max_users"], 2);

    assert_eq!(
        post("").await.unwrap().status(),
        StatusCode::CREATED,
        "an empty body is {{}}"
    );
    assert_eq!(
        post(r#"{"room_id":"team-standup"}"#).await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(
        post(r#"{"room_id":"team-standup"}"#).await.unwrap().status(),
        StatusCode::OK
    );

    let client = server.connect().await;
    client.join("team-standup", "Ada").await;
    let taken = post(r#"{"room_id":"team-standup"}"#).await.unwrap();
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let body: Value = taken.json().await.unwrap();
    assert_eq!(body["error"], "room-taken");
    assert!(body["message"].is_string());

    for (body, code) in [
        (r#"{"room_id":"Bad Id"}"#, "invalid-room-id"),
        (r#"{"room_id":5}"#, "bad-request"),
        ("[1]", "bad-request"),
        ("nonsense", "bad-request"),
    ] {
        let response = post(body).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(response.json::<Value>().await.unwrap()["error"], code, "{body}");
    }

    let info: Value = get(&server, "/api/rooms/team-standup")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["room_id"], "team-standup");
    assert_eq!(info["max_users"], 2);
    assert_eq!(info["members"][0]["name"], "Ada");
    assert!(info["members"][0]["peer_id"].is_string());
    let missing = get(&server, "/api/rooms/not-a-room").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.json::<Value>().await.unwrap()["error"], "no-such-room");
    assert_eq!(
        get(&server, &format!("/api/rooms/{room}")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn healthz_answers() {
    let server = TestServer::start().await;
    let response = get(&server, "/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_rooms_peers_connections_events_and_errors() {
    let server = TestServer::start().await;
    let (_, ada, _, _bob, _) = call_of_two(&server).await;
    let spare = server.connect().await;
    spare.create_room().await;
    assert_error(&ada.call("nonsense", json!({})).await, "bad-request");
    assert_error(&spare.call("cut-the-call", json!({})).await, "not-joined");

    let response = get(&server, "/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_content_type(&response, "text/plain");
    let text = response.text().await.unwrap();
    assert_eq!(series(&text, "rooms"), 2.0);
    assert_eq!(series(&text, "peers"), 2.0);
    assert_eq!(series(&text, "connections"), 3.0);
    assert_eq!(series(&text, "events_total{event=\"join\"}"), 2.0);
    assert_eq!(series(&text, "events_total{event=\"create-room\"}"), 2.0);
    assert_eq!(series(&text, "events_total{event=\"cut-the-call\"}"), 1.0);
    assert_eq!(series(&text, "events_total{event=\"unknown\"}"), 1.0);
    assert_eq!(series(&text, "errors_total{code=\"bad-request\"}"), 1.0);
    assert_eq!(series(&text, "errors_total{code=\"not-joined\"}"), 1.0);
    assert_eq!(series(&text, "errors_total{code=\"rate-limited\"}"), 0.0);

    spare.disconnect().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let text = get(&server, "/metrics").await.text().await.unwrap();
    assert_eq!(series(&text, "connections"), 2.0);
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let server = TestServer::start().await;
    assert_eq!(get(&server, "/nope").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn shutdown_closes_connections_and_returns() {
    let server = TestServer::start().await;
    let (_, _ada, _, _bob, _) = call_of_two(&server).await;
    let addr = server.addr;
    tokio::time::timeout(Duration::from_secs(5), server.stop())
        .await
        .expect("stops promptly")
        .expect("stops cleanly");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}
