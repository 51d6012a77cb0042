//! `create-room`, `room-info`, `join`, `cut-the-call`, and what others see.

use std::time::Duration;

use serde_json::json;

use crate::harness::{TestServer, assert_error, call_of_two};

#[tokio::test]
async fn create_room_makes_an_unguessable_room() {
    let server = TestServer::start().await;
    let client = server.connect().await;
    let ack = client.call("create-room", json!({})).await;
    assert_eq!(ack["ok"], true);
    let room_id = ack["room_id"].as_str().unwrap();
    let symbols: String = room_id.chars().filter(|c| *c != '-').collect();
    assert!(symbols.len() >= 13, "at least 64 random bits: {room_id}");
    assert_eq!(ack["url"], format!("/r/{room_id}/"));
    assert_eq!(ack["max_users"], 2);
    let other = client.call("create-room", json!({})).await;
    assert_ne!(other["room_id"], ack["room_id"]);
}

#[tokio::test]
async fn create_room_with_a_chosen_id() {
    let server = TestServer::start().await;
    let client = server.connect().await;
    for id in ["48213", "team-standup"] {
        let ack = client.call("create-room", json!({"room_id": id})).await;
        assert_eq!(ack["ok"], true, "{ack}");
        assert_eq!(ack["room_id"], id);
        assert_eq!(ack["url"], format!("/r/{id}/"));
    }
    let again = client.call("create-room", json!({"room_id": "48213"})).await;
    assert_eq!(again["ok"], true, "an existing empty room is returned: {again}");
    let null_id = client.call("create-room", json!({"room_id": null})).await;
    assert_eq!(null_id["ok"], true, "null means not given: {null_id}");

    client.join("48213", "Ada").await;
    let taken = server
        .connect()
        .await
        .call("create-room", json!({"room_id": "48213"}))
        .await;
    assert_error(&taken, "room-taken");

    for bad in ["ab", "Team", "-abc", "a b c", &"x".repeat(65)] {
        let ack = client.call("create-room", json!({"room_id": bad})).await;
        assert_error(&ack, "invalid-room-id");
    }
    let ack = client.call("create-room", json!({"room_id": 48213})).await;
    assert_error(&ack, "bad-request");
}

#[tokio::test]
async fn room_info_lists_members_in_join_order() {
    let server = TestServer::start().await;
    let (room, _ada, _, _bob, _) = call_of_two(&server).await;
    let viewer = server.connect().await;
    let ack = viewer.call("room-info", json!({"room_id": room})).await;
    assert_eq!(ack["ok"], true);
    assert_eq!(ack["room_id"], room);
    assert_eq!(ack["max_users"], 2);
    let names: Vec<&str> = ack["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada", "Bob"]);
    assert!(ack["members"][0]["peer_id"].is_string());

    assert_error(
        &viewer
            .call("room-info", json!({"room_id": "no-such-room-here"}))
            .await,
        "no-such-room",
    );
    assert_error(
        &viewer.call("room-info", json!({"room_id": "NO"})).await,
        "invalid-room-id",
    );
    assert_error(&viewer.call("room-info", json!({})).await, "bad-request");
    assert_error(
        &viewer
            .call("room-info", json!({"room_id": room, "watch": "yes"}))
            .await,
        "bad-request",
    );
}

#[tokio::test]
async fn watchers_see_members_change_until_they_look_elsewhere() {
    let server = TestServer::start().await;
    let mut watcher = server.connect().await;
    let host = server.connect().await;
    let room = host.create_room().await;
    let other_room = host.create_room().await;
    let ack = watcher
        .call("room-info", json!({"room_id": room, "watch": true}))
        .await;
    assert_eq!(ack["members"], json!([]));

    let ada = host.join(&room, "Ada").await;
    let members = watcher.expect("members").await;
    assert_eq!(members["room_id"], room);
    assert_eq!(
        members["members"],
        json!([{"peer_id": ada["peer_id"], "name": "Ada"}])
    );

    host.call("cut-the-call", json!({})).await;
    assert_eq!(watcher.expect("members").await["members"], json!([]));

    // Looking at another room ends the watch of the first.
    watcher
        .call("room-info", json!({"room_id": other_room, "watch": true}))
        .await;
    host.join(&room, "Ada").await;
    watcher.expect_none("members", Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_watcher_that_joins_stops_watching() {
    let server = TestServer::start().await;
    let mut ada = server.connect().await;
    let room = ada.create_room().await;
    ada.call("room-info", json!({"room_id": room, "watch": true}))
        .await;
    ada.join(&room, "Ada").await;
    ada.expect("members").await;
    let bob = server.connect().await;
    bob.join(&room, "Bob").await;
    ada.expect("members").await;
    ada.expect_none("members", Duration::from_millis(300)).await;
}

#[tokio::test]
async fn join_answers_with_the_seat_and_tells_the_others() {
    let server = TestServer::start_with(|c| {
        c.ice_servers = vec!["stun:stun.example.org:3478".parse().unwrap()];
    })
    .await;
    let mut ada = server.connect().await;
    let mut bob = server.connect().await;
    let room = ada.create_room().await;

    let ada_ack = ada.join(&room, "  Ada Lovelace ").await;
    assert_eq!(ada_ack["room_id"], room);
    assert_eq!(ada_ack["max_users"], 2);
    assert_eq!(ada_ack["members"], json!([]));
    assert_eq!(ada_ack["polite"], false);
    assert_eq!(
        ada_ack["ice_servers"],
        json!([{"urls": ["stun:stun.example.org:3478"]}])
    );
    assert!(ada_ack["rejoin_token"].as_str().is_some_and(|t| t.len() >= 20));
    let ada_id = ada_ack["peer_id"].clone();
    let own = ada.expect("members").await;
    assert_eq!(
        own["members"],
        json!([{"peer_id": ada_id, "name": "Ada Lovelace"}])
    );

    let bob_ack = bob.join(&room, "Bob").await;
    assert_eq!(bob_ack["polite"], true, "the later arrival is polite");
    assert_eq!(
        bob_ack["members"],
        json!([{"peer_id": ada_id, "name": "Ada Lovelace"}])
    );
    assert_ne!(bob_ack["peer_id"], ada_id);
    let bob_id = bob_ack["peer_id"].clone();

    let arrived = ada.expect("user-arrived").await;
    assert_eq!(arrived, json!({"peer_id": bob_id, "name": "Bob"}));
    let everyone = json!([{"peer_id": ada_id, "name": "Ada Lovelace"}, {"peer_id": bob_id, "name": "Bob"}]);
    assert_eq!(ada.expect("members").await["members"], everyone);
    assert_eq!(bob.expect("members").await["members"], everyone);
    bob.expect_none("user-arrived", Duration::from_millis(200)).await;
}

#[tokio::test]
async fn join_errors_in_the_protocols_order() {
    let server = TestServer::start().await;
    let client = server.connect().await;
    let room = client.create_room().await;
    let call = |payload| client.call("join", payload);

    assert_error(
        &call(json!({"room_id": "Bad!", "name": "Ada"})).await,
        "invalid-room-id",
    );
    assert_error(
        &call(json!({"room_id": "nowhere-room", "name": "Ada"})).await,
        "no-such-room",
    );
    assert_error(
        &call(json!({"room_id": "nowhere-room", "name": ""})).await,
        "no-such-room",
    );
    for bad_name in ["", "   ", "a\u{7}b", "line\nbreak", &"n".repeat(65)] {
        assert_error(
            &call(json!({"room_id": room, "name": bad_name})).await,
            "invalid-name",
        );
    }
    assert_eq!(
        call(json!({"room_id": room, "name": "é".repeat(64)})).await["ok"],
        true
    );
    assert_error(
        &call(json!({"room_id": room, "name": "Again"})).await,
        "already-joined",
    );
    let other = client.create_room().await;
    assert_error(
        &call(json!({"room_id": other, "name": "Again"})).await,
        "already-joined",
    );
    for bad in [
        json!({"room_id": room}),
        json!({"name": "Ada"}),
        json!({"room_id": room, "name": 7}),
        json!({"room_id": null, "name": "Ada"}),
    ] {
        assert_error(&call(bad).await, "bad-request");
    }
}

#[tokio::test]
async fn a_full_room_refuses_a_third_person() {
    let server = TestServer::start().await;
    let (room, mut ada, _, _bob, _) = call_of_two(&server).await;
    let mut eve = server.connect().await;
    let ack = eve.call("join", json!({"room_id": room, "name": "Eve"})).await;
    assert_error(&ack, "full-room");
    assert_eq!(
        eve.expect("full-room").await,
        json!({"room_id": room, "max_users": 2})
    );
    ada.expect_none("user-arrived", Duration::from_millis(200)).await;
    ada.expect_none("members", Duration::from_millis(10)).await;
    // Refused, Eve is in no room and may join elsewhere.
    let elsewhere = eve.create_room().await;
    eve.join(&elsewhere, "Eve").await;
}

#[tokio::test]
async fn capacity_follows_the_configuration() {
    let server = TestServer::start_with(|c| c.max_users = 3).await;
    let host = server.connect().await;
    let room = host.create_room().await;
    assert_eq!(
        host.call("room-info", json!({"room_id": room})).await["max_users"],
        3
    );
    let mut people = Vec::new();
    for name in ["A", "B", "C"] {
        let client = server.connect().await;
        assert_eq!(client.join(&room, name).await["max_users"], 3);
        people.push(client);
    }
    let late = server.connect().await;
    assert_error(
        &late.call("join", json!({"room_id": room, "name": "D"})).await,
        "full-room",
    );
}

#[tokio::test]
async fn many_racing_joins_fill_exactly_the_capacity() {
    let server = TestServer::start().await;
    let host = server.connect().await;
    let room = host.create_room().await;
    let mut clients = Vec::new();
    for _ in 0..8 {
        clients.push(server.connect().await);
    }
    let joins = clients
        .iter()
        .enumerate()
        .map(|(i, c)| c.call("join", json!({"room_id": room, "name": format!("p{i}")})));
    let acks = futures_util::future::join_all(joins).await;
    let seated = acks.iter().filter(|a| a["ok"] == true).count();
    assert_eq!(seated, 2, "{acks:?}");
    assert!(
        acks.iter()
            .filter(|a| a["ok"] == false)
            .all(|a| a["error"] == "full-room")
    );
}

#[tokio::test]
async fn hanging_up_tells_the_other_and_frees_the_seat() {
    let server = TestServer::start().await;
    let (room, ada, ada_ack, mut bob, _) = call_of_two(&server).await;
    let ack = ada.call("cut-the-call", json!({})).await;
    assert_eq!(ack, json!({"ok": true}));
    let cut = bob.expect("cut-the-call").await;
    assert_eq!(
        cut,
        json!({"peer_id": ada_ack["peer_id"], "name": "Ada", "reason": "hangup"})
    );
    let members = bob.expect("members").await;
    assert_eq!(members["members"].as_array().unwrap().len(), 1);

    assert_error(&ada.call("cut-the-call", json!({})).await, "not-joined");
    assert_error(&ada.call("offer", json!({"sdp": "v=0"})).await, "not-joined");
    // The seat is free: someone else can take it, and Ada can come back as a new peer.
    let eve = server.connect().await;
    eve.join(&room, "Eve").await;
    eve.call("cut-the-call", json!({})).await;
    let again = ada.join(&room, "Ada").await;
    assert_ne!(again["peer_id"], ada_ack["peer_id"], "peer ids are never reused");
}

#[tokio::test]
async fn cut_the_call_without_a_room_is_not_joined() {
    let server = TestServer::start().await;
    let client = server.connect().await;
    assert_error(&client.call("cut-the-call", json!({})).await, "not-joined");
}
