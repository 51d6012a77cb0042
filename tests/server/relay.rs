//! `offer`, `answer`, `ice-candidate`: relayed within a room, in order, and
//! never across rooms.

use std::time::Duration;

use serde_json::json;

use crate::harness::{TestServer, assert_error, call_of_two};

#[tokio::test]
async fn offer_answer_and_candidates_reach_the_other_peer() {
    let server = TestServer::start().await;
    let (_, mut ada, ada_ack, mut bob, bob_ack) = call_of_two(&server).await;
    let (ada_id, bob_id) = (&ada_ack["peer_id"], &bob_ack["peer_id"]);

    let ack = ada.call("offer", json!({"to": bob_id, "sdp": "v=0 offer"})).await;
    assert_eq!(ack, json!({"ok": true}));
    assert_eq!(
        bob.expect("offer").await,
        json!({"from": ada_id, "name": "Ada", "sdp": "v=0 offer"})
    );

    bob.call("answer", json!({"to": ada_id, "sdp": "v=0 answer"}))
        .await;
    assert_eq!(
        ada.expect("answer").await,
        json!({"from": bob_id, "sdp": "v=0 answer"})
    );

    let candidate = json!({"candidate": "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host", "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "abcd"});
    bob.call("ice-candidate", json!({"to": ada_id, "candidate": candidate}))
        .await;
    assert_eq!(
        ada.expect("ice-candidate").await,
        json!({"from": bob_id, "candidate": candidate})
    );
    bob.call("ice-candidate", json!({"to": ada_id, "candidate": null}))
        .await;
    assert_eq!(
        ada.expect("ice-candidate").await,
        json!({"from": bob_id, "candidate": null})
    );

    ada.expect_none("offer", Duration::from_millis(200)).await;
    bob.expect_none("answer", Duration::from_millis(10)).await;
}

#[tokio::test]
async fn without_to_a_message_goes_to_everyone_else_in_the_room() {
    let server = TestServer::start().await;
    let (_, mut ada, ada_ack, mut bob, _) = call_of_two(&server).await;
    ada.call("offer", json!({"sdp": "v=0 broadcast"})).await;
    let offer = bob.expect("offer").await;
    assert_eq!(offer["from"], ada_ack["peer_id"]);
    assert_eq!(offer["sdp"], "v=0 broadcast");
    ada.expect_none("offer", Duration::from_millis(200)).await;

    // Alone in a room, a message without `to` reaches nobody and is fine.
    bob.call("cut-the-call", json!({})).await;
    assert_eq!(
        ada.call("ice-candidate", json!({"to": null, "candidate": null}))
            .await["ok"],
        true
    );
}

#[tokio::test]
async fn messages_never_cross_rooms() {
    let server = TestServer::start().await;
    let (_, ada, _, mut bob, _) = call_of_two(&server).await;
    let (_, mut cy, _, dee, dee_ack) = call_of_two(&server).await;

    let ack = ada
        .call("offer", json!({"to": dee_ack["peer_id"], "sdp": "v=0 sneaky"}))
        .await;
    assert_error(&ack, "no-such-peer");
    let ack = ada
        .call(
            "ice-candidate",
            json!({"to": dee_ack["peer_id"], "candidate": null}),
        )
        .await;
    assert_error(&ack, "no-such-peer");
    ada.call("offer", json!({"sdp": "v=0 for bob"})).await;
    assert_eq!(bob.expect("offer").await["sdp"], "v=0 for bob");
    dee.call("answer", json!({"sdp": "v=0 for cy"})).await;
    assert_eq!(cy.expect("answer").await["sdp"], "v=0 for cy");
    bob.expect_none("answer", Duration::from_millis(300)).await;
    cy.expect_none("offer", Duration::from_millis(10)).await;
}

#[tokio::test]
async fn relay_rules() {
    let server = TestServer::start().await;
    let (_, ada, ada_ack, _bob, _) = call_of_two(&server).await;
    let stranger = server.connect().await;
    assert_error(&stranger.call("offer", json!({"sdp": "v=0"})).await, "not-joined");
    assert_error(
        &stranger
            .call("answer", json!({"to": ada_ack["peer_id"], "sdp": "v=0"}))
            .await,
        "not-joined",
    );
    assert_error(
        &stranger.call("ice-candidate", json!({"candidate": null})).await,
        "not-joined",
    );

    assert_error(
        &ada.call("offer", json!({"to": "nobody", "sdp": "v=0"})).await,
        "no-such-peer",
    );
    assert_error(
        &ada.call("offer", json!({"to": ada_ack["peer_id"], "sdp": "v=0"}))
            .await,
        "no-such-peer",
    );
    for bad in [
        json!({"to": 5, "sdp": "v=0"}),
        json!({"sdp": 5}),
        json!({}),
        json!({"sdp": null}),
    ] {
        assert_error(&ada.call("offer", bad.clone()).await, "bad-request");
        assert_error(&ada.call("answer", bad).await, "bad-request");
    }
    for bad in [
        json!({}),
        json!({"candidate": "candidate:1"}),
        json!({"candidate": 1}),
        json!({"candidate": [1]}),
        json!({"candidate": {"candidate": 5}}),
        json!({"candidate": {"sdpMLineIndex": "0"}}),
    ] {
        assert_error(&ada.call("ice-candidate", bad).await, "bad-request");
    }
}

#[tokio::test]
async fn an_sdp_over_64_kib_is_too_large() {
    let server = TestServer::start().await;
    let (_, ada, _, mut bob, _) = call_of_two(&server).await;
    let ok = ada.call("offer", json!({"sdp": "a".repeat(64 * 1024)})).await;
    assert_eq!(ok["ok"], true);
    assert_eq!(
        bob.expect("offer").await["sdp"].as_str().unwrap().len(),
        64 * 1024
    );
    let ack = ada.call("offer", json!({"sdp": "a".repeat(64 * 1024 + 1)})).await;
    assert_error(&ack, "too-large");
    bob.expect_none("offer", Duration::from_millis(300)).await;
}

#[tokio::test]
async fn messages_arrive_in_the_order_they_were_sent() {
    let server = TestServer::start().await;
    let (_, ada, _, mut bob, _) = call_of_two(&server).await;
    // Sent without waiting for acknowledgements, as a browser trickles ICE.
    ada.emit("offer", json!({"sdp": "v=0 first"})).await;
    for i in 0..60 {
        ada.emit(
            "ice-candidate",
            json!({"candidate": {"candidate": format!("candidate:{i}"), "sdpMid": "0"}}),
        )
        .await;
    }
    ada.emit("ice-candidate", json!({"candidate": null})).await;
    let (event, offer) = bob.next_event().await;
    assert_eq!(
        (event.as_str(), offer["sdp"].as_str()),
        ("offer", Some("v=0 first"))
    );
    for i in 0..60 {
        let (event, candidate) = bob.next_event().await;
        assert_eq!(event, "ice-candidate");
        assert_eq!(candidate["candidate"]["candidate"], format!("candidate:{i}"));
    }
    let (event, end) = bob.next_event().await;
    assert_eq!(
        (event.as_str(), &end["candidate"]),
        ("ice-candidate", &json!(null))
    );
}
