//! Servers that restart, and servers that share (or do not share) the
//! secret of rejoin tickets: every server here keeps its rooms in memory.

use std::time::Duration;

use serde_json::json;

use crate::harness::{TestServer, assert_error, call_of_two, rejoin_request};

#[tokio::test]
async fn after_a_restart_both_take_their_seats_back_in_a_room_made_again() {
    let first = TestServer::start_with(|c| c.reconnect_grace = Duration::from_millis(800)).await;
    let (room, ada, ada_ack, bob, bob_ack) = call_of_two(&first).await;
    ada.disconnect().await;
    bob.disconnect().await;
    let restarted = first.start_again().await;
    first.stop().await.unwrap();

    // Bob's page is back first.
    let mut bob = restarted.connect().await;
    let ack = bob.call("rejoin", rejoin_request(&room, &bob_ack)).await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(ack["members"], json!([]), "Ada is not back yet");
    bob.clear();
    let mut ada = restarted.connect().await;
    let ack = ada.call("rejoin", rejoin_request(&room, &ada_ack)).await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(ack["polite"], false, "Ada joined first, before the restart");
    assert_eq!(
        bob.expect("user-arrived").await,
        json!({"peer_id": ada_ack["peer_id"], "name": "Ada"})
    );

    // An ICE restart goes through the new server both ways.
    ada.call(
        "offer",
        json!({"to": bob_ack["peer_id"], "sdp": "v=0 ice restart"}),
    )
    .await;
    assert_eq!(bob.expect("offer").await["from"], ada_ack["peer_id"]);
    bob.call("answer", json!({"to": ada_ack["peer_id"], "sdp": "v=0 ok"}))
        .await;
    assert_eq!(ada.expect("answer").await["sdp"], "v=0 ok");
    let info = reqwest::get(restarted.http(&format!("/api/rooms/{room}")))
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
}

#[tokio::test]
async fn another_server_with_the_same_secret_accepts_the_ticket_and_others_do_not() {
    let secret = "a rejoin secret the instances share";
    let one = TestServer::start_with(|c| c.rejoin_secret = Some(secret.parse().unwrap())).await;
    let two = TestServer::start_with(|c| c.rejoin_secret = Some(secret.parse().unwrap())).await;
    let stranger = TestServer::start().await;
    let (room, _ada, ada_ack, _bob, _) = call_of_two(&one).await;

    let elsewhere = stranger.connect().await;
    assert_error(
        &elsewhere.call("rejoin", rejoin_request(&room, &ada_ack)).await,
        "bad-token",
    );
    let on_two = two.connect().await;
    let ack = on_two.call("rejoin", rejoin_request(&room, &ada_ack)).await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(ack["peer_id"], ada_ack["peer_id"]);
}
