//! The fuzz connections' transports: a raw WebSocket, and HTTP long-polling,
//! each doing the Engine.IO and Socket.IO handshakes itself.

use std::sync::atomic::Ordering;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use super::checks::Conversation;
use super::packets::{Generator, Junk, Step};
use super::{PATIENCE, Stats};

/// One raw WebSocket: the Engine.IO open and the Socket.IO CONNECT, then
/// the script, then the acknowledgements.
pub async fn websocket(
    server: &str,
    mut generator: Generator,
    stats: &Stats,
    label: &str,
) -> Result<(), String> {
    let script = generator.script();
    let mut ws = open_websocket(server, label).await?;
    let mut conversation = Conversation::new(label);

    let mut sent_junk = false;
    for step in script {
        let sent = match step {
            Step::Event(event) => {
                stats.packets.fetch_add(1, Ordering::Relaxed);
                conversation.sent(&event.name, event.expect);
                let mut sent = ws.send(Message::text(format!("4{}", event.text))).await;
                for attachment in event.attachments {
                    if sent.is_ok() {
                        sent = ws.send(Message::binary(attachment)).await;
                    }
                }
                sent
            }
            Step::Pause(pause) => {
                tokio::time::sleep(pause).await;
                Ok(())
            }
            Step::Junk(junk) => {
                stats.packets.fetch_add(1, Ordering::Relaxed);
                sent_junk = true;
                match junk {
                    Junk::Text(text) => ws.send(Message::text(text)).await,
                    Junk::Binary(bytes) => ws.send(Message::binary(bytes)).await,
                }
            }
        };
        if let Err(e) = sent {
            return Err(format!("{label}: could not send a well-formed packet: {e}"));
        }
    }

    // The acknowledgements, until all are in or the server closes; after a
    // bad packet, a moment more to see whether it does.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut closed = false;
    loop {
        let waiting = !conversation.pending.is_empty();
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if !waiting && !sent_junk {
            break;
        }
        if left.is_zero() && waiting {
            return Err(format!(
                "{label}: no acknowledgement for {:?}",
                conversation.unanswered()
            ));
        }
        let patience = if waiting {
            left
        } else {
            Duration::from_millis(100).min(left)
        };
        match tokio::time::timeout(patience, ws.next()).await {
            Err(_) if !waiting => break,
            Err(_) => {}
            Ok(Some(Ok(Message::Text(text)))) => {
                if conversation.read(&text, stats)? {
                    let _ = ws.send(Message::text("3")).await;
                }
            }
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => {
                closed = true;
                break;
            }
            Ok(Some(Ok(_))) => {}
        }
    }
    if closed {
        stats.closed.fetch_add(1, Ordering::Relaxed);
        if !sent_junk {
            return Err(format!(
                "{label}: closed after well-formed packets only, with {:?} unanswered",
                conversation.unanswered()
            ));
        }
    } else {
        let _ = ws.close(None).await;
    }
    Ok(())
}

pub type WebSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A raw WebSocket to `server`, past the Engine.IO open packet and the
/// Socket.IO CONNECT to the default namespace.
pub async fn open_websocket(server: &str, label: &str) -> Result<WebSocket, String> {
    let url = format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        server.replacen("http", "ws", 1)
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|e| format!("{label}: no WebSocket: {e}"))?;
    let open = next_text(&mut ws)
        .await
        .ok_or(format!("{label}: no open packet"))?;
    if !open.starts_with('0') {
        return Err(format!("{label}: open packet expected, got {open}"));
    }
    ws.send(Message::text("40"))
        .await
        .map_err(|e| format!("{label}: {e}"))?;
    // Events only once the namespace said it is connected, as clients do.
    loop {
        match next_text(&mut ws).await.as_deref() {
            Some(ping) if ping.starts_with('2') => {
                let _ = ws.send(Message::text("3")).await;
            }
            Some(connected) if connected.starts_with("40") => return Ok(ws),
            other => return Err(format!("{label}: CONNECT answered {other:?}")),
        }
    }
}

async fn next_text<S>(ws: &mut S) -> Option<String>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match tokio::time::timeout(PATIENCE, ws.next()).await.ok()??.ok()? {
            Message::Text(text) => return Some(text.to_string()),
            _ => continue,
        }
    }
}

/// One HTTP long-polling session: the handshake, then the script in POSTs
/// (batches of small packets, big ones alone), then GETs for the answers.
/// The body of a GET of `url`; a failure says `what` failed.
async fn get_text(http: &reqwest::Client, url: &str, what: &str) -> Result<String, String> {
    let response = http.get(url).send().await.map_err(|e| format!("{what}: {e}"))?;
    response.text().await.map_err(|e| format!("{what}: {e}"))
}

pub async fn polling(
    server: &str,
    mut generator: Generator,
    stats: &Stats,
    label: &str,
) -> Result<(), String> {
    let script = generator.script();
    let http = reqwest::Client::builder().timeout(PATIENCE).build().unwrap();
    let base = format!("{server}/socket.io/?EIO=4&transport=polling");
    let open = get_text(&http, &base, &format!("{label}: handshake")).await?;
    let open: Value = serde_json::from_str(open.strip_prefix('0').unwrap_or_default())
        .map_err(|e| format!("{label}: open packet {open}: {e}"))?;
    let url = format!("{base}&sid={}", open["sid"].as_str().unwrap_or_default());
    // Sends a POST; a refusal says what was refused, and how.
    let post = |body: String| {
        let request = http.post(&url).body(body.clone());
        async move {
            let refused = match request.send().await {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => format!(
                    "{}: {}",
                    response.status(),
                    response.text().await.unwrap_or_default()
                ),
                Err(e) => e.to_string(),
            };
            Err(format!("{refused:.200}, for {body:.300}"))
        }
    };
    let mut conversation = Conversation::new(label);
    post("40".to_owned())
        .await
        .map_err(|e| format!("{label}: CONNECT refused: {e}"))?;
    // Events only once the namespace said it is connected, as clients do:
    // socketioxide (like socket.io itself) ends a session whose events
    // arrive before that.
    let mut connected = false;
    while !connected {
        let answer = get_text(&http, &url, &format!("{label}: no CONNECT answer")).await?;
        for packet in answer.split('\x1e') {
            if packet.starts_with('2') {
                post("3".to_owned()).await?;
            }
            connected |= packet.starts_with("40");
            if packet.starts_with('1') || packet.starts_with("44") {
                return Err(format!("{label}: CONNECT answered {answer}"));
            }
        }
    }

    let mut sent_junk = false;
    let mut batch: Vec<String> = Vec::new();
    let mut closed = false;
    for step in script {
        match step {
            Step::Event(event) => {
                stats.packets.fetch_add(1, Ordering::Relaxed);
                conversation.sent(&event.name, event.expect);
                let big = event.text.len() > 16 * 1024;
                let mut packets = vec![format!("4{}", event.text)];
                packets.extend(event.attachments.iter().map(|a| format!("b{}", BASE64.encode(a))));
                if big {
                    if !batch.is_empty() {
                        post(std::mem::take(&mut batch).join("\x1e"))
                            .await
                            .map_err(|e| format!("{label}: well-formed packets refused: {e}"))?;
                    }
                    post(packets.join("\x1e"))
                        .await
                        .map_err(|e| format!("{label}: a large well-formed packet refused: {e}"))?;
                } else {
                    batch.extend(packets);
                    if batch.len() >= 8 {
                        post(std::mem::take(&mut batch).join("\x1e"))
                            .await
                            .map_err(|e| format!("{label}: well-formed packets refused: {e}"))?;
                    }
                }
            }
            Step::Pause(pause) => {
                if !batch.is_empty() {
                    post(std::mem::take(&mut batch).join("\x1e"))
                        .await
                        .map_err(|e| format!("{label}: well-formed packets refused: {e}"))?;
                }
                tokio::time::sleep(pause).await;
            }
            Step::Junk(junk) => {
                stats.packets.fetch_add(1, Ordering::Relaxed);
                sent_junk = true;
                if !batch.is_empty() {
                    post(std::mem::take(&mut batch).join("\x1e"))
                        .await
                        .map_err(|e| format!("{label}: well-formed packets refused: {e}"))?;
                }
                let text = match junk {
                    Junk::Text(text) => text,
                    Junk::Binary(bytes) => format!("b{}", BASE64.encode(bytes)),
                };
                closed = post(text).await.is_err();
            }
        }
    }
    if !batch.is_empty() {
        post(std::mem::take(&mut batch).join("\x1e"))
            .await
            .map_err(|e| format!("{label}: well-formed packets refused: {e}"))?;
    }

    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !closed && !conversation.pending.is_empty() {
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "{label}: no acknowledgement for {:?}",
                conversation.unanswered()
            ));
        }
        let response = match http.get(&url).send().await {
            Ok(response) if response.status().is_success() => response,
            Err(e) if e.is_timeout() => {
                return Err(format!(
                    "{label}: no acknowledgement for {:?}",
                    conversation.unanswered()
                ));
            }
            _ => {
                closed = true;
                break;
            }
        };
        let Ok(body) = response.text().await else {
            closed = true;
            break;
        };
        for packet in body.split('\x1e') {
            if packet.starts_with('1') {
                closed = true;
            }
            if conversation.read(packet, stats)? && post("3".to_owned()).await.is_err() {
                closed = true;
            }
        }
    }
    if closed {
        stats.closed.fetch_add(1, Ordering::Relaxed);
        if !sent_junk {
            return Err(format!(
                "{label}: closed after well-formed packets only, with {:?} unanswered",
                conversation.unanswered()
            ));
        }
    }
    // Leave the namespace and close the session, so that it is not left to
    // the ping timeout. (A refused POST does not always end the session:
    // engineioxide refuses `2probe` or `5` over polling and goes on.)
    let _ = post("41\x1e1".to_owned()).await;
    Ok(())
}
