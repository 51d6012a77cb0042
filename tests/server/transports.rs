//! Both Socket.IO transports carry the whole protocol, and talk to each other.

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
    assert_eq!(
        ada.expect("user-arrived").await["peer_id"],
        bob_ack["peer_id"]
    );
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
    let body = reqwest::get(server.http("/socket.io/?EIO=4&transport=polling"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.starts_with('0'), "open packet: {body}");
    let open: serde_json::Value = serde_json::from_str(&body[1..]).unwrap();
    assert_eq!(open["upgrades"], json!(["websocket"]));
    assert!(open["sid"].is_string());
    assert!(open["pingInterval"].is_number());
}
