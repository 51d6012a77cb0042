//! One Socket.IO client connection over a raw WebSocket: connect from a
//! chosen loopback source address, answer pings, send events, wait for acks.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{WebSocketStream, client_async};

use crate::wire::{self, Frame};

/// How long a request waits for its acknowledgement.
const ACK_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Conn {
    ws: WebSocketStream<TcpStream>,
    next_ack: u64,
    /// Reused for every outgoing packet.
    out: String,
}

/// Where connections go and where they come from.
#[derive(Clone, Debug)]
pub struct Target {
    /// Servers, used in turn: connections `n` and `n + 1` (the two peers of
    /// a room) go to different servers whenever there are several.
    pub servers: Vec<SocketAddr>,
    /// Source addresses, used in turn so that ephemeral ports do not run out.
    pub sources: Vec<IpAddr>,
}

impl Target {
    pub fn server(&self, n: usize) -> SocketAddr {
        self.servers[n % self.servers.len()]
    }

    pub fn source(&self, n: usize) -> IpAddr {
        self.sources[n % self.sources.len()]
    }
}

pub fn other_error(message: impl Into<String>) -> io::Error {
    io::Error::other(message.into())
}

impl Conn {
    /// Opens the WebSocket transport and connects to the default namespace.
    pub async fn connect(target: &Target, n: usize) -> io::Result<Self> {
        let server = target.server(n);
        let socket = match server {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        socket.bind(SocketAddr::new(target.source(n), 0))?;
        let stream = socket.connect(server).await?;
        stream.set_nodelay(true)?;
        // Close with a reset: a load test opening thousands of connections a
        // second must not leave each port in TIME_WAIT.
        stream.set_zero_linger()?;
        let url = format!("ws://{server}/socket.io/?EIO=4&transport=websocket");
        let (ws, _) = client_async(url, stream)
            .await
            .map_err(|e| other_error(e.to_string()))?;
        let mut conn = Self {
            ws,
            next_ack: 0,
            out: String::with_capacity(256),
        };
        match conn.recv_text().await? {
            Some(text) if matches!(wire::classify(&text), Frame::Open(_)) => {}
            other => {
                return Err(other_error(format!(
                    "expected the engine.io open packet, got {other:?}"
                )));
            }
        }
        conn.send_raw(wire::CONNECT).await?;
        conn.wait_for("the socket.io handshake", |frame| {
            (frame == Frame::Connected).then_some(())
        })
        .await?;
        Ok(conn)
    }

    /// Reads frames until `pick` takes one, answering pings and skipping
    /// the rest.
    async fn wait_for<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(Frame<'_>) -> Option<T>,
    ) -> io::Result<T> {
        loop {
            let Some(text) = self.recv_text().await? else {
                return Err(other_error(format!("closed while waiting for {what}")));
            };
            match wire::classify(&text) {
                Frame::Ping => self.send_raw(wire::PONG).await?,
                frame => {
                    if let Some(picked) = pick(frame) {
                        return Ok(picked);
                    }
                }
            }
        }
    }

    /// The next text frame, or `None` once the connection is closed.
    pub async fn recv_text(&mut self) -> io::Result<Option<String>> {
        loop {
            match self.ws.next().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(other_error(e.to_string())),
                Some(Ok(Message::Text(text))) => return Ok(Some(text.as_str().to_owned())),
                Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The next message, as the WebSocket delivered it, for loops that
    /// classify frames in place.
    pub async fn recv(&mut self) -> Option<Result<Message, tokio_tungstenite::tungstenite::Error>> {
        self.ws.next().await
    }

    pub async fn send_raw(&mut self, text: &str) -> io::Result<()> {
        self.ws
            .send(Message::text(text))
            .await
            .map_err(|e| other_error(e.to_string()))
    }

    /// Sends an event without an acknowledgement; the payload is written by
    /// `payload` straight into the outgoing buffer.
    pub async fn emit(&mut self, name: &str, payload: impl FnOnce(&mut String)) -> io::Result<()> {
        let mut out = std::mem::take(&mut self.out);
        wire::event(&mut out, name, None, payload);
        let sent = self.send_raw(&out).await;
        self.out = out;
        sent
    }

    /// Sends an event and waits for its acknowledgement, answering pings and
    /// skipping other events meanwhile. Returns the acknowledgement's body.
    pub async fn request(&mut self, name: &str, payload: impl FnOnce(&mut String)) -> io::Result<String> {
        let id = self.next_ack;
        self.next_ack += 1;
        let mut out = std::mem::take(&mut self.out);
        wire::event(&mut out, name, Some(id), payload);
        let sent = self.send_raw(&out).await;
        self.out = out;
        sent?;
        let waited = tokio::time::timeout(
            ACK_TIMEOUT,
            self.wait_for(&format!("the {name} ack"), |frame| match frame {
                Frame::Ack { id: got, body } if got == id => Some(body.to_owned()),
                _ => None,
            }),
        )
        .await;
        let body = waited.map_err(|_| other_error(format!("no {name} ack in time")))??;
        if wire::ack_ok(&body) {
            Ok(body)
        } else {
            Err(other_error(format!("{name} refused: {body}")))
        }
    }

    /// Waits for the next server event called `name`, answering pings.
    pub async fn expect_event(&mut self, name: &str) -> io::Result<String> {
        self.wait_for(name, |frame| match frame {
            Frame::Event { name: got, rest } if got == name => Some(rest.to_owned()),
            _ => None,
        })
        .await
    }

    /// Keeps the connection open, answering pings, until `stop` completes
    /// (true) or the connection drops first (false).
    pub async fn idle_until(&mut self, stop: impl std::future::Future) -> bool {
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => return true,
                message = self.recv() => match message {
                    Some(Ok(Message::Text(text))) => {
                        if wire::classify(text.as_str()) == Frame::Ping && self.send_raw(wire::PONG).await.is_err() {
                            return false;
                        }
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return false,
                    Some(Ok(_)) => {}
                },
            }
        }
    }

    /// Leaves the namespace and drops the connection (with a reset).
    pub async fn close(mut self) {
        let _ = self.send_raw(wire::DISCONNECT).await;
    }
}

/// Two connections joined in a fresh room: `(first, its peer id, second, its peer id)`.
pub struct Pair {
    pub first: Conn,
    pub first_id: String,
    pub second: Conn,
    pub second_id: String,
}

/// Connects two peers, creates a room and joins both; connection numbers
/// `n` and `n + 1` pick their servers and source addresses.
pub async fn pair_up(target: &Target, n: usize) -> io::Result<Pair> {
    let mut first = Conn::connect(target, n).await?;
    let created = first.request("create-room", |o| o.push_str("{}")).await?;
    let room = wire::string_field(&created, "room_id")
        .ok_or_else(|| other_error("create-room ack without room_id"))?
        .to_owned();
    let join = |o: &mut String, name: &str| {
        o.push_str("{\"room_id\":\"");
        o.push_str(&room);
        o.push_str("\",\"name\":\"");
        o.push_str(name);
        o.push_str("\"}");
    };
    let joined = first.request("join", |o| join(o, "first")).await?;
    let first_id = peer_id(&joined)?;
    let mut second = Conn::connect(target, n + 1).await?;
    let joined = second.request("join", |o| join(o, "second")).await?;
    let second_id = peer_id(&joined)?;
    Ok(Pair {
        first,
        first_id,
        second,
        second_id,
    })
}

fn peer_id(join_ack: &str) -> io::Result<String> {
    wire::string_field(join_ack, "peer_id")
        .map(str::to_owned)
        .ok_or_else(|| other_error("join ack without peer_id"))
}
