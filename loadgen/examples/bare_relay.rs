//! A bare relay, for calibration only: the least a server can do for the
//! `relay` scenario. It speaks just enough Engine.IO/Socket.IO to pass the
//! generator's set-up (open, connect, create-room, join) and forwards each
//! relayed frame, unparsed, to the peer it names. No validation, no rate
//! limit, no ordering guarantees beyond one task per connection: a floor to
//! compare the real server against, over the same sockets and syscalls.
//!
//! cargo run --release -p duet-load --example bare_relay -- 127.0.0.1:8095

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

type Peers = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Message>>>>;

fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8095".into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let listener = TcpListener::bind(&addr).await.expect("bind");
        println!("bare relay on {addr}");
        let peers: Peers = Arc::default();
        let ids = Arc::new(AtomicU64::new(0));
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(serve(stream, Arc::clone(&peers), Arc::clone(&ids)));
        }
    });
}

async fn serve(stream: TcpStream, peers: Peers, ids: Arc<AtomicU64>) {
    // The same 1 KiB read chunk as the real server, so memory compares fairly.
    let config = WebSocketConfig::default().read_buffer_size(1024);
    let Ok(ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
        return;
    };
    let (mut sink, mut source) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    let open =
        r#"0{"sid":"bare","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
    let _ = tx.send(Message::text(open));
    let writer = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            if sink.send(message).await.is_err() {
                break;
            }
        }
    });
    let mut me = None;
    while let Some(Ok(Message::Text(text))) = source.next().await {
        let text = text.as_str();
        if text == "40" {
            let _ = tx.send(Message::text(r#"40{"sid":"bare"}"#));
        } else if let Some(rest) = text.strip_prefix("42") {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let (ack, body) = rest.split_at(digits);
            if body.starts_with(r#"["create-room""#) {
                let room = ids.fetch_add(1, Ordering::Relaxed);
                let _ = tx.send(Message::text(format!(
                    r#"43{ack}[{{"ok":true,"room_id":"r{room}"}}]"#
                )));
            } else if body.starts_with(r#"["join""#) {
                let id = format!("p{}", ids.fetch_add(1, Ordering::Relaxed));
                peers.lock().unwrap().insert(id.clone(), tx.clone());
                let _ = tx.send(Message::text(format!(
                    r#"43{ack}[{{"ok":true,"peer_id":"{id}"}}]"#
                )));
                me = Some(id);
            } else if let Some(to) = field(body, "\"to\":\"") {
                let target = peers.lock().unwrap().get(to).cloned();
                if let Some(target) = target {
                    let _ = target.send(Message::text(text));
                }
            }
        }
    }
    if let Some(id) = me {
        peers.lock().unwrap().remove(&id);
    }
    writer.abort();
}

fn field<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let start = text.find(marker)? + marker.len();
    let end = text[start..].find('"')?;
    Some(&text[start..start + end])
}
