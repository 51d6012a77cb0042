//! What only servers sharing rooms do: pass every event between them, keep
//! rooms apart and capacity whole when joins race from every server, free a
//! seat once whoever sweeps, let people take their seats back through
//! another server when theirs dies or stops, and ride out Redis going away.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::harness::{
    Client, RedisServer, SHARED_REJOIN_SECRET, SHARED_TURN_SECRET, ServerProcess, TestServer, assert_error,
    rejoin_request,
};

const GRACE: Duration = Duration::from_secs(3);

/// `count` servers, each on its own, sharing `redis`.
async fn servers(redis: &Arc<RedisServer>, count: usize) -> Vec<TestServer> {
    let mut config = TestServer::config_on(Some(redis));
    config.reconnect_grace = GRACE;
    let mut servers = Vec::new();
    for _ in 0..count {
        servers.push(TestServer::start_shared(config.clone(), Arc::clone(redis), 1).await);
    }
    servers
}

/// The server binary, sharing `redis` with the others.
async fn process(redis: &RedisServer) -> ServerProcess {
    let url = redis.url();
    let grace = format!("{}s", GRACE.as_secs());
    ServerProcess::start(&[
        "--redis-url",
        &url,
        "--rejoin-secret",
        SHARED_REJOIN_SECRET,
        "--turn-secret",
        SHARED_TURN_SECRET,
        "--reconnect-grace",
        &grace,
    ])
    .await
}

/// Ada joins through `ada`'s server, Bob through `bob`'s; both settled.
async fn call_across(ada: Client, bob: Client) -> (String, Client, Value, Client, Value) {
    let (mut ada, mut bob) = (ada, bob);
    let room = ada.create_room().await;
    let ada_ack = ada.join(&room, "Ada").await;
    ada.expect("members").await;
    let bob_ack = bob.join(&room, "Bob").await;
    ada.expect("user-arrived").await;
    ada.expect("members").await;
    bob.expect("members").await;
    (room, ada, ada_ack, bob, bob_ack)
}

#[tokio::test]
async fn every_event_goes_between_three_servers() {
    let redis = Arc::new(RedisServer::start());
    let [one, two, three] = <[TestServer; 3]>::try_from(servers(&redis, 3).await)
        .ok()
        .unwrap();
    let mut watcher = three.connect().await;
    let mut ada = one.connect().await;
    let room = ada.create_room().await;
    let info = watcher
        .call("room-info", json!({"room_id": room, "watch": true}))
        .await;
    assert_eq!(info["members"], json!([]));

    let ada_ack = ada.join(&room, "Ada").await;
    assert_eq!(watcher.expect("members").await["members"][0]["name"], "Ada");
    let mut bob = two.connect().await;
    let bob_ack = bob.join(&room, "Bob").await;
    assert_eq!(bob_ack["members"][0]["name"], "Ada");
    assert_eq!(
        ada.expect("user-arrived").await,
        json!({"peer_id": bob_ack["peer_id"], "name": "Bob"})
    );
    assert_eq!(watcher.expect("members").await["members"][1]["name"], "Bob");

    ada.call("offer", json!({"to": bob_ack["peer_id"], "sdp": "v=0 ada"}))
        .await;
    assert_eq!(
        bob.expect("offer").await,
        json!({"from": ada_ack["peer_id"], "name": "Ada", "sdp": "v=0 ada"})
    );
    bob.call("answer", json!({"sdp": "v=0 bob"})).await;
    assert_eq!(ada.expect("answer").await["sdp"], "v=0 bob");
    let candidate = json!({"candidate": {"candidate": "candidate:1", "sdpMid": "0"}});
    ada.call("ice-candidate", candidate.clone()).await;
    assert_eq!(
        bob.expect("ice-candidate").await["candidate"],
        candidate["candidate"]
    );
    bob.call("ice-candidate", candidate.clone()).await;
    assert_eq!(
        ada.expect("ice-candidate").await["candidate"],
        candidate["candidate"]
    );

    let mut eve = three.connect().await;
    assert_error(
        &eve.call("join", json!({"room_id": room, "name": "Eve"})).await,
        "full-room",
    );
    eve.expect("full-room").await;

    bob.call("cut-the-call", json!({})).await;
    assert_eq!(
        ada.expect("cut-the-call").await,
        json!({"peer_id": bob_ack["peer_id"], "name": "Bob", "reason": "hangup"})
    );
    assert_eq!(
        watcher.expect("members").await["members"],
        json!([{"peer_id": ada_ack["peer_id"], "name": "Ada"}])
    );
}

#[tokio::test]
async fn servers_given_no_secrets_share_those_kept_in_redis() {
    let redis = Arc::new(RedisServer::start());
    let mut config = TestServer::config_on(Some(&redis));
    config.rejoin_secret = None;
    config.turn_secret = None;
    let one = TestServer::start_shared(config.clone(), Arc::clone(&redis), 1).await;
    let two = TestServer::start_shared(config, Arc::clone(&redis), 1).await;
    let (room, ada, ada_ack, _bob, _) = call_across(one.connect().await, two.connect().await).await;
    ada.disconnect().await;
    let back = two.connect().await;
    let ack = back.call("rejoin", rejoin_request(&room, &ada_ack)).await;
    assert_eq!(ack["ok"], true, "a ticket of one is good on the other: {ack}");
}

#[tokio::test]
async fn nothing_crosses_from_one_room_to_another_between_servers() {
    let redis = Arc::new(RedisServer::start());
    let [one, two] = <[TestServer; 2]>::try_from(servers(&redis, 2).await)
        .ok()
        .unwrap();
    let (_, ada, _, mut bob, _) = call_across(one.connect().await, two.connect().await).await;
    let (_, carol, _, mut dave, dave_ack) = call_across(two.connect().await, one.connect().await).await;
    assert_error(
        &ada.call("offer", json!({"to": dave_ack["peer_id"], "sdp": "v=0 stray"}))
            .await,
        "no-such-peer",
    );
    carol.call("offer", json!({"sdp": "v=0 for dave"})).await;
    assert_eq!(dave.expect("offer").await["sdp"], "v=0 for dave");
    bob.expect_none("offer", Duration::from_millis(300)).await;
    dave.expect_none("offer", Duration::from_millis(10)).await;
}

#[tokio::test]
async fn joins_racing_from_every_server_never_exceed_the_capacity() {
    let redis = Arc::new(RedisServer::start());
    let servers = servers(&redis, 3).await;
    let mut clients = Vec::new();
    for server in &servers {
        for _ in 0..2 {
            clients.push(server.connect().await);
        }
    }
    for round in 0..25 {
        let room = clients[0].create_room().await;
        let joins = clients
            .iter()
            .enumerate()
            .map(|(i, client)| client.call("join", json!({"room_id": room, "name": format!("p{i}")})));
        let acks = join_all(joins).await;
        let seated: Vec<&Value> = acks.iter().filter(|ack| ack["ok"] == true).collect();
        assert_eq!(seated.len(), 2, "round {round}: {acks:?}");
        for ack in acks.iter().filter(|ack| ack["ok"] != true) {
            assert_eq!(ack["error"], "full-room", "round {round}: {ack}");
        }
        let info = clients[5].call("room-info", json!({"room_id": room})).await;
        assert_eq!(info["members"].as_array().unwrap().len(), 2);
        // Everyone seated hangs up, for the next round.
        for (client, ack) in clients.iter().zip(&acks) {
            if ack["ok"] == true {
                client.call("cut-the-call", json!({})).await;
            }
        }
    }
}

#[tokio::test]
async fn a_seat_whose_grace_runs_out_is_announced_once() {
    let redis = Arc::new(RedisServer::start());
    let [one, two, three] = <[TestServer; 3]>::try_from(servers(&redis, 3).await)
        .ok()
        .unwrap();
    let (room, ada, ada_ack, mut bob, _) = call_across(one.connect().await, two.connect().await).await;
    let mut watcher = three.connect().await;
    watcher
        .call("room-info", json!({"room_id": room, "watch": true}))
        .await;
    ada.disconnect().await;
    let cut = bob.expect("cut-the-call").await;
    assert_eq!(cut["peer_id"], ada_ack["peer_id"]);
    assert_eq!(cut["reason"], "disconnected");
    assert_eq!(
        watcher.expect("members").await["members"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Three sweepers, one announcement.
    bob.expect("members").await;
    bob.expect_none("cut-the-call", Duration::from_secs(2)).await;
    bob.expect_none("members", Duration::from_millis(10)).await;
    watcher.expect_none("members", Duration::from_millis(10)).await;
}

#[tokio::test]
async fn the_people_of_a_killed_server_take_their_seats_back_through_another() {
    let redis = Arc::new(RedisServer::start());
    let mut doomed = process(&redis).await;
    let [survivor] = <[TestServer; 1]>::try_from(servers(&redis, 1).await)
        .ok()
        .unwrap();
    let (room, _ada, ada_ack, mut bob, bob_ack) =
        call_across(doomed.connect().await, survivor.connect().await).await;
    let (_, _carol, carol_ack, mut dave, _) =
        call_across(doomed.connect().await, survivor.connect().await).await;

    doomed.kill();
    // Ada's page reconnects through the survivor, within the grace.
    let mut ada = survivor.connect().await;
    let ack = ada.call("rejoin", rejoin_request(&room, &ada_ack)).await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(ack["peer_id"], ada_ack["peer_id"]);
    bob.call(
        "offer",
        json!({"to": ada_ack["peer_id"], "sdp": "v=0 still here"}),
    )
    .await;
    assert_eq!(ada.expect("offer").await["sdp"], "v=0 still here");
    ada.call("answer", json!({"to": bob_ack["peer_id"], "sdp": "v=0 back"}))
        .await;
    assert_eq!(bob.expect("answer").await["sdp"], "v=0 back");

    // Carol never comes back: the survivor noticed her server was gone,
    // and her grace ran out.
    // Gone noticed within a few seconds, then the grace.
    let cut = dave.expect_within("cut-the-call", Duration::from_secs(10)).await;
    assert_eq!(cut["peer_id"], carol_ack["peer_id"]);
    assert_eq!(cut["reason"], "disconnected");
    bob.expect_none("cut-the-call", Duration::from_millis(10)).await;
}

#[tokio::test]
async fn a_stopping_server_hands_its_seats_over_at_once() {
    let redis = Arc::new(RedisServer::start());
    let [stopping, staying] = <[TestServer; 2]>::try_from(servers(&redis, 2).await)
        .ok()
        .unwrap();
    let (room, _ada, ada_ack, mut bob, _) =
        call_across(stopping.connect().await, staying.connect().await).await;
    stopping.stop().await.unwrap();
    let mut ada = staying.connect().await;
    let ack = ada.call("rejoin", rejoin_request(&room, &ada_ack)).await;
    assert_eq!(ack["ok"], true, "{ack}");
    bob.call("offer", json!({"sdp": "v=0 after the deploy"})).await;
    assert_eq!(ada.expect("offer").await["sdp"], "v=0 after the deploy");
    bob.expect_none("cut-the-call", GRACE + Duration::from_secs(1))
        .await;
    bob.expect_none("user-arrived", Duration::from_millis(10)).await;
}

#[tokio::test]
async fn redis_going_away_under_load_fails_plainly_and_everything_comes_back() {
    let redis = Arc::new(RedisServer::start());
    let [one, two] = <[TestServer; 2]>::try_from(servers(&redis, 2).await)
        .ok()
        .unwrap();
    let (room, ada, ada_ack, bob, bob_ack) = call_across(one.connect().await, two.connect().await).await;
    let load = tokio::spawn(async move {
        // Offers keep coming, as renegotiations would, whatever happens.
        for i in 0.. {
            ada.emit("offer", json!({"sdp": format!("v=0 {i}")})).await;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    redis.stop();
    let eve = one.connect().await;
    let started = tokio::time::Instant::now();
    let ack = eve.call("create-room", json!({})).await;
    assert_error(&ack, "internal");
    assert!(started.elapsed() < Duration::from_secs(3), "answered, not hung");
    for server in [&one, &two] {
        let health = reqwest::get(server.http("/healthz")).await.unwrap();
        assert_eq!(health.status(), 503);
    }

    redis.start_again();
    for server in [&one, &two] {
        let mut ready = false;
        for _ in 0..100 {
            if reqwest::get(server.http("/healthz")).await.unwrap().status() == 200 {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "ready again once Redis is back");
    }
    assert_eq!(eve.call("create-room", json!({})).await["ok"], true);
    // Redis came back empty: the people take their seats back with their
    // tickets, and the call's signalling works again.
    load.abort();
    let (ada, mut bob) = (one.connect().await, bob);
    let mut bob_back = two.connect().await;
    assert_eq!(
        ada.call("rejoin", rejoin_request(&room, &ada_ack)).await["ok"],
        true
    );
    assert_eq!(
        bob_back.call("rejoin", rejoin_request(&room, &bob_ack)).await["ok"],
        true
    );
    bob.clear();
    ada.call("offer", json!({"sdp": "v=0 after the outage"})).await;
    assert_eq!(bob_back.expect("offer").await["sdp"], "v=0 after the outage");
}
