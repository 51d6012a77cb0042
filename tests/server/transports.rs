//! Both Socket.IO transports carry the whole protocol, and talk to each other.

use std::time::Duration;

use serde_json::json;

use crate::harness::TestServer;

#[tokio::test]
async fn a_polling_peer_and_a_websocket_peer_make_a_call() {
    let server = TestServer::start().await;
    let mut ada = server.connect_polling().await;
    let mut bob = server.connect().await;
    let room = ada.create_room().await;
    let ada_ack = ada.join(&room, "Ada").await;
    let bob_ack = bob.join(&room, "Bob").await;
    assert_eq!(ada.expect("user-arrived").await["peer_id"], bob_ack["peer_id"]);
    ada.call(
        "offer",
        json!({"to": bob_ack["peer_id"], "sdp": "v=0 over polling"}),
    )
    .await;
    assert_eq!(bob.expect("offer").await["sdp"], "v=0 over polling");
    bob.call(
        "answer",
        json!({"to": ada_ack["peer_id"], "sdp": "v=0 over websocket"}),
    )
    .await;
    assert_eq!(ada.expect("answer").await["sdp"], "v=0 over websocket");
    bob.call("cut-the-call", json!({})).await;
    assert_eq!(ada.expect("cut-the-call").await["reason"], "hangup");
}

#[tokio::test]
async fn engine_io_handshake_offers_the_websocket_upgrade() {
    let server = TestServer::start().await;
    let body = server.get_text("/socket.io/?EIO=4&transport=polling").await;
    assert!(body.starts_with('0'), "open packet: {body}");
    let open: serde_json::Value = serde_json::from_str(&body[1..]).unwrap();
    assert_eq!(open["upgrades"], json!(["websocket"]));
    assert!(open["sid"].is_string());
    assert!(open["pingInterval"].is_number());
}

/// Opens a raw WebSocket, completes the Socket.IO handshake and sends
/// `packet` (an event asking for acknowledgement 0) the moment the
/// connection is acknowledged, as a fast client does; returns the
/// acknowledgement frame.
pub async fn ack_right_after_connecting(addr: std::net::SocketAddr, packet: &str) -> String {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket");
    let mut frames = Vec::new();
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let text = text.to_string();
        if text.starts_with('0') {
            ws.send(Message::text("40")).await.unwrap();
        } else if text.starts_with("40") {
            ws.send(Message::text(packet)).await.unwrap();
        } else if text.starts_with("430") {
            return text;
        } else {
            frames.push(text);
        }
    }
    panic!("closed before the acknowledgement; got {frames:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_event_after_connecting_is_always_served() {
    // A client may send the moment it is told it is connected; the server
    // must already be listening for events then. 2,000 connections from one
    // address, each making a room: no per-address limits.
    let server = TestServer::start_with(|config| {
        config.max_connections_per_ip = 0;
        config.room_creations_per_ip = "off".parse().unwrap();
    })
    .await;
    for _ in 0..20 {
        let batch = (0..100).map(|_| async {
            let ack = tokio::time::timeout(
                Duration::from_secs(5),
                ack_right_after_connecting(server.addr, r#"420["create-room",{}]"#),
            )
            .await
            .expect("acknowledged in time");
            assert!(ack.contains("\"ok\":true"), "{ack}");
        });
        futures_util::future::join_all(batch).await;
    }
}
