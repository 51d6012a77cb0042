//! What one stranger can make the server hold or do: requests that never
//! finish, connections by the thousand, messages of megabytes, rooms by the
//! thousand, room ids tried one after the other, and what the HTTP edge
//! answers when it refuses.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{TestServer, assert_error};

/// Waits for the server to close `stream`, reading whatever it says first.
async fn closed_within(stream: &mut TcpStream, patience: Duration) -> bool {
    let mut buf = [0u8; 4096];
    tokio::time::timeout(patience, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await
    .is_ok()
}

async fn healthz(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn unfinished_request_headers_are_timed_out() {
    let server = TestServer::start_with(|config| config.request_timeout = Duration::from_secs(1)).await;
    let mut unfinished = TcpStream::connect(server.addr).await.unwrap();
    unfinished
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    assert!(
        closed_within(&mut unfinished, Duration::from_secs(3)).await,
        "half a request held open"
    );
    assert!(
        closed_within(&mut idle, Duration::from_secs(3)).await,
        "a silent connection held open"
    );
}

#[tokio::test]
async fn request_heads_over_64_kib_are_refused() {
    let server = TestServer::start().await;
    let long = reqwest::Client::new()
        .get(server.http("/healthz"))
        .header("x-padding", "p".repeat(100 * 1024))
        .send()
        .await;
    assert!(
        long.is_err() || long.unwrap().status() == StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "a 100 KiB head read"
    );
    let usual = reqwest::Client::new()
        .get(server.http("/healthz"))
        .header("x-padding", "p".repeat(8 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(usual.status(), StatusCode::OK);
}

#[tokio::test]
async fn unfinished_request_bodies_are_timed_out() {
    let server = TestServer::start_with(|config| config.request_timeout = Duration::from_secs(1)).await;
    for path in ["/api/rooms", "/socket.io/?EIO=4&transport=polling&sid=whatever"] {
        let mut slow = TcpStream::connect(server.addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
        );
        slow.write_all(head.as_bytes()).await.unwrap();
        assert!(
            closed_within(&mut slow, Duration::from_secs(4)).await,
            "a body that never ends held open on {path}"
        );
    }
}

#[tokio::test]
async fn tcp_connections_per_address_are_capped() {
    let server = TestServer::start_with(|config| config.max_connections_per_ip = 5).await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(TcpStream::connect(server.addr).await.unwrap());
    }
    let mut sixth = TcpStream::connect(server.addr).await.unwrap();
    assert!(
        closed_within(&mut sixth, Duration::from_secs(2)).await,
        "a sixth connection kept"
    );
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = TcpStream::connect(server.addr).await.unwrap();
    assert!(
        healthz(&mut again).await.starts_with("HTTP/1.1 200"),
        "served once one closed"
    );
}

#[tokio::test]
async fn a_message_beyond_the_transport_limit_closes_its_connection_and_no_other() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let server = TestServer::start().await;
    let (_, ada, _, mut bob, bob_joined) = crate::harness::call_of_two(&server).await;
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", server.addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ws.send(Message::text("40")).await.unwrap();
    let huge = format!("42[\"offer\",{{\"sdp\":\"{}\"}}]", "x".repeat(300 * 1024));
    let _ = ws.send(Message::text(huge)).await;
    let closed = tokio::time::timeout(Duration::from_secs(3), async {
        while let Some(Ok(frame)) = ws.next().await {
            if frame.is_close() {
                break;
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "a 300 KiB message was read");

    // Polling: a body over the limit is refused, not buffered.
    let http = reqwest::Client::new();
    let open: String = http
        .get(server.http("/socket.io/?EIO=4&transport=polling"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let sid = serde_json::from_str::<Value>(&open[1..]).unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let post = http
        .post(server.http(&format!("/socket.io/?EIO=4&transport=polling&sid={sid}")))
        .body(format!("42[\"x\",\"{}\"]", "y".repeat(1 << 20)))
        .send()
        .await;
    assert!(
        post.is_err() || !post.unwrap().status().is_success(),
        "a 1 MiB polling body accepted"
    );

    // The call next door goes on.
    ada.emit("offer", json!({"to": bob_joined["peer_id"], "sdp": "v=0"}))
        .await;
    assert_eq!(bob.expect("offer").await["sdp"], "v=0");
}

#[tokio::test]
async fn an_address_opens_only_so_many_signalling_sessions() {
    let server = TestServer::start_with(|config| config.max_connections_per_ip = 3).await;
    let http = reqwest::Client::new();
    let open = || {
        http.get(server.http("/socket.io/?EIO=4&transport=polling"))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(open().await.unwrap().status(), StatusCode::OK);
    }
    let refused = open().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(refused.json::<Value>().await.unwrap()["error"], "rate-limited");
}

fn post_room(server: &TestServer, body: &'static str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(server.http("/api/rooms"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
}

#[tokio::test]
async fn room_creations_per_address_are_budgeted_across_http_and_socket_io() {
    let server =
        TestServer::start_with(|config| config.room_creations_per_ip = "4/1h".parse().unwrap()).await;
    let client = server.connect().await;
    for _ in 0..2 {
        assert_eq!(
            post_room(&server, "{}").send().await.unwrap().status(),
            StatusCode::CREATED
        );
        client.create_room().await;
    }
    let refused = post_room(&server, r#"{"room_id":"team-standup"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "Retry-After {wait}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "rate-limited");
    assert!(body["message"].as_str().unwrap().contains("try again"));
    assert_error(&client.call("create-room", json!({})).await, "rate-limited");
    assert!(
        reqwest::get(server.http("/api/rooms/team-standup"))
            .await
            .unwrap()
            .status()
            == StatusCode::NOT_FOUND,
        "the refused room was not made"
    );
}

#[tokio::test]
async fn looking_up_rooms_that_do_not_exist_is_budgeted_and_then_says_nothing() {
    let server = TestServer::start_with(|config| config.missing_rooms_per_ip = "4/1h".parse().unwrap()).await;
    let existing = server.connect().await.create_room().await;
    let client = server.connect().await;
    let get = |path: String| reqwest::get(server.http(&path));

    // Looking up a room that exists costs nothing.
    for _ in 0..10 {
        assert_eq!(
            get(format!("/api/rooms/{existing}")).await.unwrap().status(),
            StatusCode::OK
        );
    }
    // Four misses, by every way a room is looked up.
    assert_eq!(
        get("/api/rooms/40001".into()).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get("/r/40002/".into()).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_error(
        &client.call("room-info", json!({"room_id": "40003"})).await,
        "no-such-room",
    );
    assert_error(
        &client
            .call("join", json!({"room_id": "40004", "name": "Eve"}))
            .await,
        "no-such-room",
    );
    // Then every lookup is refused, of rooms that exist too: the refusal
    // must not tell which ids are rooms.
    let api = get(format!("/api/rooms/{existing}")).await.unwrap();
    assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(api.json::<Value>().await.unwrap()["error"], "rate-limited");
    let page = get(format!("/r/{existing}/")).await.unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.text().await.unwrap().contains("data-kind=\"rate-limited\""));
    assert_error(
        &client.call("room-info", json!({"room_id": existing})).await,
        "rate-limited",
    );
    assert_error(
        &client
            .call("join", json!({"room_id": "40005", "name": "Eve"}))
            .await,
        "rate-limited",
    );
}

#[tokio::test]
async fn every_failure_under_api_is_a_json_error() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let expect_json = |status: StatusCode, code: &'static str| {
        move |response: reqwest::Response| async move {
            assert_eq!(response.status(), status);
            assert!(
                response.headers()[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("application/json")
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"], code);
            assert!(body["message"].is_string());
        }
    };
    let three_mib = "x".repeat(3 << 20);
    let big = http
        .post(server.http("/api/rooms"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(format!("{{\"room_id\":\"{three_mib}\"}}"))
        .send()
        .await
        .unwrap();
    expect_json(StatusCode::PAYLOAD_TOO_LARGE, "too-large")(big).await;
    let unknown = http.get(server.http("/api/nothing-here")).send().await.unwrap();
    expect_json(StatusCode::NOT_FOUND, "bad-request")(unknown).await;
    let wrong = http.delete(server.http("/api/rooms")).send().await.unwrap();
    expect_json(StatusCode::METHOD_NOT_ALLOWED, "bad-request")(wrong).await;
    let wrong = http
        .put(server.http("/api/rooms/some-room"))
        .send()
        .await
        .unwrap();
    expect_json(StatusCode::METHOD_NOT_ALLOWED, "bad-request")(wrong).await;
}

#[tokio::test]
async fn rooms_are_created_from_json_only() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    // What a form on another site can send without asking first.
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut request = http.post(server.http("/api/rooms")).body("{}");
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let refused = request.send().await.unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert_eq!(refused.json::<Value>().await.unwrap()["error"], "bad-request");
    }
    let made = http
        .post(server.http("/api/rooms"))
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    assert_eq!(server.metric("rooms").await, 1.0);
}
