//! Malformed input: refused with a clear code, never closing the connection,
//! never touching anyone else.

use std::time::{Duration, Instant};

use rust_socketio::Payload;
use serde_json::{Value, json};

use crate::harness::{TestServer, assert_error, call_of_two};
use crate::strategies::PROTOCOL_EVENTS;

#[tokio::test]
async fn payloads_that_are_not_objects_are_bad_requests() {
    let server = TestServer::start().await;
    let (_, ada, _, mut bob, _) = call_of_two(&server).await;
    let mallory = server.connect().await;
    for event in PROTOCOL_EVENTS {
        for payload in [
            json!("text"),
            json!(42),
            json!([1, 2]),
            json!(null),
            json!(true),
            json!([{}]),
        ] {
            let ack = mallory.call(event, payload.clone()).await;
            assert_error(&ack, "bad-request");
            let ack = ada.call(event, payload.clone()).await;
            assert_error(&ack, "bad-request");
        }
    }
    // Everyone is still connected, and the call carries on.
    ada.call("offer", json!({"sdp": "v=0 still here"})).await;
    assert_eq!(bob.expect("offer").await["sdp"], "v=0 still here");
    assert_eq!(mallory.call("create-room", json!({})).await["ok"], true);
}

#[tokio::test]
async fn wrong_types_and_missing_fields_are_bad_requests() {
    let server = TestServer::start().await;
    let client = server.connect().await;
    let room = client.create_room().await;
    for (event, payload) in [
        ("create-room", json!({"room_id": ["a"]})),
        ("room-info", json!({"room_id": 1})),
        ("room-info", json!({"room_id": room, "watch": 1})),
        ("join", json!({"room_id": room, "name": {"first": "Ada"}})),
        ("join", json!({"room_id": room, "name": null})),
        ("rejoin", json!({"room_id": room, "peer_id": "x"})),
        (
            "rejoin",
            json!({"room_id": room, "peer_id": 1, "rejoin_token": "t"}),
        ),
    ] {
        assert_error(&client.call(event, payload).await, "bad-request");
    }
}

#[tokio::test]
async fn a_missing_payload_reads_as_an_empty_object() {
    let server = TestServer::start().await;
    let client = server.connect().await;
    let ack = client.call_with("create-room", Payload::Text(vec![])).await;
    assert_eq!(ack["ok"], true, "{ack}");
    let ack = client.call_with("join", Payload::Text(vec![])).await;
    assert_error(&ack, "bad-request");
}

#[tokio::test]
async fn an_event_name_written_with_an_escape_is_a_bad_request() {
    let server = TestServer::start().await;
    let ack = crate::transports::ack_right_after_connecting(
        server.addr,
        r#"420["jo\u0069n",{"room_id":"some-room","name":"Eve"}]"#,
    )
    .await;
    let ack: Value = serde_json::from_str(ack.strip_prefix("430").unwrap()).unwrap();
    assert_error(&ack[0], "bad-request");
}

#[tokio::test]
async fn unknown_events_are_bad_requests() {
    let server = TestServer::start().await;
    let client = server.connect().await;
    for event in ["hello", "JOIN", "join ", "members", "user-arrived"] {
        assert_error(&client.call(event, json!({})).await, "bad-request");
    }
    assert_eq!(client.call("create-room", json!({})).await["ok"], true);
}

#[tokio::test]
async fn failures_without_an_acknowledgement_come_back_as_error_events() {
    let server = TestServer::start().await;
    let mut client = server.connect().await;
    client
        .emit("join", json!({"room_id": "no-room-here", "name": "Ada"}))
        .await;
    let error = client.expect("error").await;
    assert_eq!(error["error"], "no-such-room");
    assert_eq!(error["event"], "join");
    assert!(error["message"].is_string());

    client.emit("bogus-event", json!({})).await;
    let error = client.expect("error").await;
    assert_eq!(
        (error["error"].as_str(), error["event"].as_str()),
        (Some("bad-request"), Some("bogus-event"))
    );

    client.emit("create-room", json!({})).await;
    client.expect_none("error", Duration::from_millis(300)).await;
}

#[tokio::test]
async fn binary_payloads_are_bad_requests() {
    let server = TestServer::start().await;
    let (_, ada, _, mut bob, _) = call_of_two(&server).await;
    let mut mallory = server.connect().await;
    mallory
        .emit_with("offer", Payload::Binary(vec![1, 2, 3].into()))
        .await;
    let error = mallory.expect("error").await;
    assert_eq!(error["error"], "bad-request");
    assert_eq!(error["event"], "offer");
    ada.emit_with("offer", Payload::Binary(vec![0; 100].into())).await;
    bob.expect_none("offer", Duration::from_millis(300)).await;
    ada.call("offer", json!({"sdp": "v=0 text"})).await;
    assert_eq!(bob.expect("offer").await["sdp"], "v=0 text");
}

#[tokio::test]
async fn payloads_over_128_kib_are_too_large_whatever_else_is_wrong() {
    let server = TestServer::start().await;
    let (_, ada, _, mut bob, _) = call_of_two(&server).await;
    let huge = "x".repeat(128 * 1024 + 1);
    for (event, payload) in [
        ("offer", json!({"sdp": huge})),
        ("ice-candidate", json!({"candidate": {"candidate": huge}})),
        ("join", json!({"room_id": 1, "name": huge})),
        ("nonsense", json!({"junk": huge})),
        ("create-room", json!([huge])),
    ] {
        assert_error(&ada.call(event, payload).await, "too-large");
    }
    // Up to the transport's limit (twice the protocol's), still an answer.
    let twice = "y".repeat(255 * 1024);
    assert_error(&ada.call("offer", json!({"sdp": twice})).await, "too-large");
    bob.expect_none("offer", Duration::from_millis(300)).await;
    // A long name within the payload limit is the name's problem, not the size's.
    let room = ada.create_room().await;
    let other = server.connect().await;
    assert_error(
        &other
            .call("join", json!({"room_id": room, "name": "n".repeat(100_000)}))
            .await,
        "invalid-name",
    );
}

#[tokio::test]
async fn the_allowance_is_a_burst_of_100_then_20_per_second() {
    let server = TestServer::start().await;
    let (_, _ada, _, mut bob, _) = call_of_two(&server).await;
    let flooder = server.connect().await;
    let started = Instant::now();
    let mut accepted = 0;
    let mut first_refusal: Option<Value> = None;
    for _ in 0..130 {
        let ack = flooder
            .call("room-info", json!({"room_id": "no-room-here"}))
            .await;
        match ack["error"].as_str() {
            Some("no-such-room") => accepted += 1,
            Some("rate-limited") => {
                first_refusal.get_or_insert(ack);
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    let refill = (started.elapsed().as_secs_f64() * 20.0).ceil() as i32;
    assert!(
        (100..=100 + refill).contains(&accepted),
        "accepted {accepted}, refill {refill}"
    );
    assert_error(&first_refusal.expect("some were refused"), "rate-limited");

    // Refused events cost nothing: after a second, 20 more go through.
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let mut later = 0;
    for _ in 0..25 {
        if flooder
            .call("room-info", json!({"room_id": "no-room-here"}))
            .await["error"]
            == "no-such-room"
        {
            later += 1;
        }
    }
    assert!((20..=22).contains(&later), "{later} accepted after a second");

    // Other connections have their own allowance.
    let room = bob.create_room().await;
    assert_eq!(bob.call("room-info", json!({"room_id": room})).await["ok"], true);
    bob.expect_none("error", Duration::from_millis(10)).await;
}
