//! The reconnect grace, `rejoin`, and the time-to-live of empty rooms.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use serde_json::json;

use crate::harness::{Client, TestServer, assert_error, call_of_two, rejoin_request};

const GRACE: Duration = Duration::from_millis(1500);

async fn server_with_short_grace() -> TestServer {
    TestServer::start_with(|c| c.reconnect_grace = GRACE).await
}

#[tokio::test]
async fn a_dropped_peer_is_let_go_after_the_grace() {
    let server = server_with_short_grace().await;
    let (_room, ada, ada_ack, mut bob, _) = call_of_two(&server).await;
    let dropped = Instant::now();
    ada.disconnect().await;
    bob.expect_none("cut-the-call", GRACE - Duration::from_millis(200))
        .await;
    let cut = bob.expect("cut-the-call").await;
    assert!(
        dropped.elapsed() >= GRACE,
        "not before the grace: {:?}",
        dropped.elapsed()
    );
    assert_eq!(
        cut,
        json!({"peer_id": ada_ack["peer_id"], "name": "Ada", "reason": "disconnected"})
    );
    assert_eq!(
        bob.expect("members").await["members"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn after_the_grace_a_rejoin_takes_the_seat_back_and_the_room_is_told() {
    let server = server_with_short_grace().await;
    let (room, ada, ada_ack, mut bob, bob_ack) = call_of_two(&server).await;
    ada.disconnect().await;
    bob.expect("cut-the-call").await;
    bob.expect("members").await;
    bob.clear();

    let mut ada = server.connect().await;
    let ack = ada.call("rejoin", rejoin_request(&room, &ada_ack)).await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(ack["peer_id"], ada_ack["peer_id"], "the same peer");
    assert_eq!(ack["polite"], false, "still the first to have arrived");
    assert_eq!(
        ack["members"],
        json!([{"peer_id": bob_ack["peer_id"], "name": "Bob"}])
    );
    assert_eq!(
        bob.expect("user-arrived").await,
        json!({"peer_id": ada_ack["peer_id"], "name": "Ada"})
    );
    let members = bob.expect("members").await;
    assert_eq!(
        members["members"],
        json!([
            {"peer_id": ada_ack["peer_id"], "name": "Ada"},
            {"peer_id": bob_ack["peer_id"], "name": "Bob"}
        ]),
        "in join order"
    );
    bob.call("offer", json!({"to": ada_ack["peer_id"], "sdp": "v=0 again"}))
        .await;
    assert_eq!(ada.expect("offer").await["sdp"], "v=0 again");
}

#[tokio::test]
async fn a_ticket_for_a_full_room_gets_full_room() {
    let server = server_with_short_grace().await;
    let (room, ada, ada_ack, mut bob, _) = call_of_two(&server).await;
    ada.disconnect().await;
    bob.expect("cut-the-call").await;
    let eve = server.connect().await;
    eve.join(&room, "Eve").await;

    let mut ada = server.connect().await;
    assert_error(
        &ada.call("rejoin", rejoin_request(&room, &ada_ack)).await,
        "full-room",
    );
    assert_eq!(
        ada.expect("full-room").await,
        json!({"room_id": room, "max_users": 2})
    );
}

#[tokio::test]
async fn a_ticket_after_cut_the_call_takes_nothing_back() {
    let server = server_with_short_grace().await;
    let (room, ada, ada_ack, mut bob, _) = call_of_two(&server).await;
    assert_eq!(ada.call("cut-the-call", json!({})).await["ok"], true);
    bob.expect("cut-the-call").await;
    bob.clear();
    let again = server.connect().await;
    assert_error(
        &again.call("rejoin", rejoin_request(&room, &ada_ack)).await,
        "bad-token",
    );
    bob.expect_none("user-arrived", Duration::from_millis(300)).await;
}

#[tokio::test]
async fn forged_and_expired_tickets_are_refused() {
    let ttl = Duration::from_secs(2);
    let server = TestServer::start_with(|c| c.room_ttl = ttl).await;
    let (room, ada, ada_ack, _bob, _) = call_of_two(&server).await;
    ada.disconnect().await;
    let client = server.connect().await;

    // The claims say another peer, the signature is the original one.
    let token = ada_ack["rejoin_token"].as_str().unwrap();
    let (body, tag) = token.split_once('.').expect("claims.signature");
    let claims = String::from_utf8(BASE64URL.decode(body).unwrap()).unwrap();
    let peer = ada_ack["peer_id"].as_str().unwrap();
    let forged_claims = claims.replace(peer, "someone-else-entirely");
    let forged = format!("{}.{tag}", BASE64URL.encode(forged_claims));
    assert_error(
        &client
            .call(
                "rejoin",
                json!({"room_id": room, "peer_id": "someone-else-entirely", "rejoin_token": forged}),
            )
            .await,
        "bad-token",
    );

    tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    assert_error(
        &client.call("rejoin", rejoin_request(&room, &ada_ack)).await,
        "bad-token",
    );
}

#[tokio::test]
async fn rejoin_within_the_grace_takes_the_same_seat() {
    let server = server_with_short_grace().await;
    let (room, ada, ada_ack, mut bob, bob_ack) = call_of_two(&server).await;
    ada.disconnect().await;
    tokio::time::sleep(GRACE / 3).await;

    let mut ada = server.connect_polling().await;
    let ack = ada.call("rejoin", rejoin_request(&room, &ada_ack)).await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(ack["peer_id"], ada_ack["peer_id"]);
    assert_eq!(ack["room_id"], room);
    assert_eq!(ack["max_users"], 2);
    assert_eq!(ack["polite"], false, "still the first to arrive");
    assert_eq!(
        ack["members"],
        json!([{"peer_id": bob_ack["peer_id"], "name": "Bob"}])
    );
    assert!(ack["ice_servers"].is_array());
    assert!(ack["rejoin_token"].is_string());

    bob.expect_none("cut-the-call", GRACE + Duration::from_millis(300))
        .await;
    assert!(
        !bob.held_names().contains(&"user-arrived".to_owned()),
        "a seat still held is taken back quietly"
    );
    bob.call("offer", json!({"to": ada_ack["peer_id"], "sdp": "v=0 restart"}))
        .await;
    assert_eq!(ada.expect("offer").await["sdp"], "v=0 restart");
    ada.call("answer", json!({"sdp": "v=0 back"})).await;
    assert_eq!(bob.expect("answer").await["from"], ada_ack["peer_id"]);
}

#[tokio::test]
async fn a_valid_rejoin_wins_over_a_connection_that_looks_alive() {
    let server = server_with_short_grace().await;
    let (room, mut old, ada_ack, mut bob, _) = call_of_two(&server).await;
    let mut new = server.connect().await;
    let ack = new.call("rejoin", rejoin_request(&room, &ada_ack)).await;
    assert_eq!(ack["ok"], true, "{ack}");

    bob.call("offer", json!({"sdp": "v=0 to the new one"})).await;
    assert_eq!(new.expect("offer").await["sdp"], "v=0 to the new one");
    old.expect_none("offer", Duration::from_millis(300)).await;

    // The old connection stays open, but no longer acts for the seat.
    assert_error(
        &old.call("offer", json!({"sdp": "v=0 stale"})).await,
        "not-joined",
    );
    assert_error(&old.call("cut-the-call", json!({})).await, "not-joined");
    bob.expect_none("offer", Duration::from_millis(10)).await;
    assert_eq!(
        old.call("create-room", json!({})).await["ok"],
        true,
        "still connected"
    );

    // Its disconnection does not start a grace for the seat.
    old.disconnect().await;
    bob.expect_none("cut-the-call", GRACE + Duration::from_millis(400))
        .await;
    new.call("cut-the-call", json!({})).await;
    assert_eq!(bob.expect("cut-the-call").await["reason"], "hangup");
}

#[tokio::test]
async fn rejoin_refuses_wrong_tokens_and_second_seats() {
    let server = server_with_short_grace().await;
    let (room, ada, ada_ack, _bob, bob_ack) = call_of_two(&server).await;
    ada.disconnect().await;
    let client = server.connect().await;
    let wrong = [
        json!({"room_id": room, "peer_id": ada_ack["peer_id"], "rejoin_token": "guess"}),
        json!({"room_id": room, "peer_id": ada_ack["peer_id"], "rejoin_token": bob_ack["rejoin_token"]}),
        json!({"room_id": room, "peer_id": "someone", "rejoin_token": ada_ack["rejoin_token"]}),
        json!({"room_id": "other-room", "peer_id": ada_ack["peer_id"], "rejoin_token": ada_ack["rejoin_token"]}),
    ];
    for request in wrong {
        assert_error(&client.call("rejoin", request).await, "bad-token");
    }
    assert_error(
        &client
            .call(
                "rejoin",
                json!({"room_id": "NOPE", "peer_id": "p", "rejoin_token": "t"}),
            )
            .await,
        "invalid-room-id",
    );
    let seated = server.connect().await;
    let elsewhere = seated.create_room().await;
    seated.join(&elsewhere, "Cy").await;
    assert_error(
        &seated.call("rejoin", rejoin_request(&room, &ada_ack)).await,
        "already-joined",
    );
    // The right token still works after all those attempts.
    assert_eq!(
        client.call("rejoin", rejoin_request(&room, &ada_ack)).await["ok"],
        true
    );
}

#[tokio::test]
async fn a_rejoined_seat_can_drop_and_rejoin_again() {
    let server = server_with_short_grace().await;
    let (room, ada, ada_ack, mut bob, _) = call_of_two(&server).await;
    let mut current: Client = ada;
    let mut token = ada_ack["rejoin_token"].clone();
    for _ in 0..3 {
        current.disconnect().await;
        current = server.connect().await;
        let ack = current
            .call(
                "rejoin",
                json!({"room_id": room, "peer_id": ada_ack["peer_id"], "rejoin_token": token}),
            )
            .await;
        assert_eq!(ack["peer_id"], ada_ack["peer_id"], "{ack}");
        token = ack["rejoin_token"].clone();
    }
    bob.expect_none("cut-the-call", GRACE + Duration::from_millis(300))
        .await;
}

#[tokio::test]
async fn an_empty_room_lives_for_its_time_to_live() {
    let ttl = Duration::from_millis(900);
    let server = TestServer::start_with(|c| c.room_ttl = ttl).await;
    let client = server.connect().await;
    let unused = client.create_room().await;
    let used = client.create_room().await;
    client.join(&used, "Ada").await;
    tokio::time::sleep(ttl / 2).await;
    client.call("cut-the-call", json!({})).await;
    tokio::time::sleep(ttl / 2 + Duration::from_millis(250)).await;

    assert_error(
        &client.call("room-info", json!({"room_id": unused})).await,
        "no-such-room",
    );
    assert_error(
        &client
            .call("join", json!({"room_id": unused, "name": "Ada"}))
            .await,
        "no-such-room",
    );
    let status = reqwest::get(server.http(&format!("/r/{unused}/")))
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
    assert_eq!(
        client.call("room-info", json!({"room_id": used})).await["ok"],
        true,
        "the time-to-live runs from when the room emptied"
    );
    tokio::time::sleep(ttl / 2).await;
    assert_error(
        &client.call("room-info", json!({"room_id": used})).await,
        "no-such-room",
    );
}
