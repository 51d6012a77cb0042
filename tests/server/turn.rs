//! The built-in STUN/TURN server, driven by a real TURN client (webrtc-rs)
//! with the credentials the `join` acknowledgement hands out.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use duet::turn::TurnSecret;
use serde_json::{Value, json};
use turn::client::{Client, ClientConfig};

use crate::harness::TestServer;

const SECRET: &str = "test-shared-secret";

async fn server_with_turn(tune: impl FnOnce(&mut duet::Config)) -> TestServer {
    TestServer::start_with(|c| {
        c.turn = true;
        c.turn_listen = "127.0.0.1:0".parse().unwrap();
        c.turn_relay_ports = "41000-41999".parse().unwrap();
        c.turn_secret = Some(SECRET.parse().unwrap());
        tune(c);
    })
    .await
}

/// The ICE servers in a fresh peer's `join` acknowledgement.
async fn ice_servers(server: &TestServer) -> Vec<Value> {
    let client = server.connect().await;
    let room = client.create_room().await;
    let ack = client.join(&room, "Ada").await;
    ack["ice_servers"].as_array().unwrap().clone()
}

fn turn_address(servers: &[Value]) -> (SocketAddr, String, String) {
    let turn = servers
        .iter()
        .find(|s| s["urls"][0].as_str().unwrap().starts_with("turn:"))
        .expect("a TURN server");
    let url = turn["urls"][0].as_str().unwrap();
    let address = url.trim_start_matches("turn:").split('?').next().unwrap();
    (
        address.parse().unwrap(),
        turn["username"].as_str().unwrap().to_owned(),
        turn["credential"].as_str().unwrap().to_owned(),
    )
}

async fn turn_client(server: SocketAddr, username: &str, password: &str) -> Client {
    let conn = Arc::new(tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let client = Client::new(ClientConfig {
        stun_serv_addr: server.to_string(),
        turn_serv_addr: server.to_string(),
        username: username.to_owned(),
        password: password.to_owned(),
        realm: String::new(),
        software: String::new(),
        rto_in_ms: 0,
        conn,
        vnet: None,
    })
    .await
    .unwrap();
    client.listen().await.unwrap();
    client
}

#[tokio::test]
async fn join_hands_out_stun_and_turn_with_time_limited_credentials() {
    let server = server_with_turn(|_| {}).await;
    let servers = ice_servers(&server).await;
    assert_eq!(servers.len(), 2, "{servers:?}");
    let stun = servers[0]["urls"][0].as_str().unwrap();
    assert!(stun.starts_with("stun:127.0.0.1:"), "{stun}");
    assert!(servers[0].get("username").is_none());
    let (address, username, password) = turn_address(&servers);
    assert_eq!(format!("stun:{address}"), stun, "STUN and TURN on the same port");
    let (expiry, peer) = username.split_once(':').unwrap();
    let expiry: u64 = expiry.parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now + 3590..=now + 3610).contains(&expiry), "about an hour ahead");
    assert_eq!(peer.len(), 20, "the peer id");
    let secret: TurnSecret = SECRET.parse().unwrap();
    assert_eq!(password, secret.password(&username));
}

#[tokio::test]
async fn stun_answers_and_turn_allocates_with_the_credentials() {
    let server = server_with_turn(|_| {}).await;
    let (address, username, password) = turn_address(&ice_servers(&server).await);
    let client = turn_client(address, &username, &password).await;
    let mapped = client.send_binding_request().await.expect("STUN binding");
    assert_eq!(mapped.ip().to_string(), "127.0.0.1");
    let relay = client.allocate().await.expect("a TURN allocation");
    let relayed = webrtc_util::Conn::local_addr(&relay).unwrap();
    assert_eq!(relayed.ip().to_string(), "127.0.0.1");
    assert!((41000..=41999).contains(&relayed.port()), "{relayed}");
    client.close().await.unwrap();
}

#[tokio::test]
async fn expired_and_forged_credentials_are_refused() {
    let server = server_with_turn(|_| {}).await;
    let (address, username, _) = turn_address(&ice_servers(&server).await);
    let secret: TurnSecret = SECRET.parse().unwrap();

    let expired = "1600000000:somebody";
    let client = turn_client(address, expired, &secret.password(expired)).await;
    assert!(client.allocate().await.is_err(), "expired credentials");
    client.close().await.unwrap();

    let client = turn_client(address, &username, "not-the-password").await;
    assert!(client.allocate().await.is_err(), "a wrong password");
    client.close().await.unwrap();

    let other: TurnSecret = "another-secret".parse().unwrap();
    let client = turn_client(address, &username, &other.password(&username)).await;
    assert!(
        client.allocate().await.is_err(),
        "credentials from another secret"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_user_over_the_allocation_cap_loses_its_allocations() {
    let server = server_with_turn(|c| c.turn_max_allocations = 2).await;
    let (address, username, password) = turn_address(&ice_servers(&server).await);
    let mut clients = Vec::new();
    for _ in 0..3 {
        let client = turn_client(address, &username, &password).await;
        client.allocate().await.expect("allocated");
        clients.push(client);
    }
    wait_for_allocations_to_go(&server, 3.0, Duration::from_secs(10)).await;
    for client in clients {
        client.close().await.unwrap();
    }
}

#[tokio::test]
async fn allocations_end_soon_after_their_credentials_expire() {
    // Credentials for 2 s; relays made with them end half a second (a
    // quarter of that) after they expire.
    let server = server_with_turn(|c| c.turn_credential_ttl = Duration::from_secs(2)).await;
    let (address, username, password) = turn_address(&ice_servers(&server).await);
    let client = turn_client(address, &username, &password).await;
    client.allocate().await.expect("allocated");
    wait_for_allocations_to_go(&server, 1.0, Duration::from_secs(10)).await;
    client.close().await.unwrap();
}

/// Waits until the server has counted `count` allocations and then none.
async fn wait_for_allocations_to_go(server: &TestServer, count: f64, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    let mut seen = false;
    loop {
        let now = server.metric("turn_allocations").await;
        seen |= now == count;
        if seen && now == 0.0 {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {now} allocations");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn external_turn_urls_get_the_same_kind_of_credentials() {
    let server = TestServer::start_with(|c| {
        c.turn_urls = vec!["turn:turn.example.org:3478?transport=udp".into()];
        c.turn_secret = Some(SECRET.parse().unwrap());
    })
    .await;
    let servers = ice_servers(&server).await;
    assert_eq!(servers.len(), 1, "{servers:?}");
    assert_eq!(
        servers[0]["urls"],
        json!(["turn:turn.example.org:3478?transport=udp"])
    );
    let username = servers[0]["username"].as_str().unwrap();
    let secret: TurnSecret = SECRET.parse().unwrap();
    assert_eq!(servers[0]["credential"], secret.password(username));
}
