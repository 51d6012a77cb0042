//! How servers sharing rooms pass Socket.IO events to each other, through
//! Redis pub/sub on a connection that reconnects by itself and subscribes to
//! its channels again (`redis_conn`):
//!
//! - announcements (`members`, `user-arrived`, `cut-the-call`) go through
//!   socketioxide's Redis adapter, to every server, of which this is the
//!   driver (the one socketioxide-redis ships stays broken once Redis
//!   restarts);
//! - relayed messages, the bulk, go to the one server holding the
//!   recipient's connection, on a channel of its own, as the JSON they are
//!   delivered as: no other server reads them, nothing re-encodes them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use redis::aio::ConnectionManager;
use redis::{AsyncCommands, PushInfo, PushKind, RedisResult, Value};
use serde_json::value::RawValue;
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use tokio::sync::mpsc;

use super::inbound::EventName;
use crate::domain::{ConnId, PeerId};
use crate::redis_conn::{self, RedisUrl};

type Handlers = Arc<RwLock<HashMap<String, mpsc::Sender<ChanItem>>>>;

/// One connection to Redis for every channel; clones share it.
#[derive(Clone)]
pub struct RedisBus {
    conn: ConnectionManager,
    /// Where each channel the adapter subscribed to goes.
    handlers: Handlers,
    /// The prefix of the channels of relayed messages, one per server.
    relays: String,
    /// Relayed messages on their way out: `(channel, message)`.
    outbox: mpsc::UnboundedSender<(String, String)>,
}

/// A relayed message for a connection on another server.
pub struct Forwarded {
    pub conn: ConnId,
    /// The seat, to find it through the adapter if it moved.
    pub peer_id: PeerId,
    pub event: EventName,
    pub payload: Box<RawValue>,
}

impl Forwarded {
    /// `conn`, `peer`, `event` and the payload, one per line: ids and event
    /// names hold no line ends, and the payload comes last.
    fn encode(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}",
            self.conn,
            self.peer_id,
            self.event.as_str(),
            self.payload.get()
        )
    }

    fn decode(message: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(message).ok()?;
        let mut parts = text.splitn(4, '\n');
        let (conn, peer, event, payload) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        Some(Self {
            conn: ConnId::new(conn),
            peer_id: PeerId::from_client(peer),
            event: EventName::parse(event)?,
            payload: RawValue::from_string(payload.to_owned()).ok()?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BusError(#[from] redis::RedisError);

/// The most relayed messages sent to Redis in one write.
const OUTBOX_BATCH: usize = 256;

impl RedisBus {
    /// Connects; the messages relayed to the server `server` come out of
    /// the `Inbox`.
    pub async fn connect(url: &RedisUrl, prefix: &str, server: &str) -> RedisResult<(Self, Inbox)> {
        let (pushes, heard) = mpsc::unbounded_channel::<PushInfo>();
        let mut conn = redis_conn::connect(url, Some(pushes)).await?;
        let relays = format!("{prefix}relay:");
        let channel = format!("{relays}{server}");
        conn.subscribe(&channel).await?;
        let handlers = Handlers::default();
        let (outbox, queued) = mpsc::unbounded_channel();
        tokio::spawn(send_queued(conn.clone(), queued));
        let inbox = Inbox {
            heard,
            handlers: Arc::clone(&handlers),
            channel,
        };
        Ok((
            Self {
                conn,
                handlers,
                relays,
                outbox,
            },
            inbox,
        ))
    }

    /// Sends a relayed message to the server holding its recipient, after
    /// every message sent before it, without waiting: a relay is served
    /// without a task of its own, and messages that pile up meanwhile leave
    /// in one write.
    pub fn forward(&self, server: &str, message: &Forwarded) {
        let channel = format!("{}{server}", self.relays);
        // The queue ends only with the bus.
        let _ = self.outbox.send((channel, message.encode()));
    }
}

/// Publishes what `forward` queued, in order, in batches; ends with the bus.
async fn send_queued(conn: ConnectionManager, mut queued: mpsc::UnboundedReceiver<(String, String)>) {
    let mut batch = Vec::with_capacity(OUTBOX_BATCH);
    while queued.recv_many(&mut batch, OUTBOX_BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for (channel, message) in batch.drain(..) {
            pipe.publish(channel, message).ignore();
        }
        if let Err(e) = pipe.query_async::<()>(&mut conn.clone()).await {
            tracing::debug!(error = %e, "relays not forwarded to another server");
        }
    }
}

/// What reaches this server through Redis: the messages relayed to it, and
/// on the way, the adapter's, handed to the adapter.
pub struct Inbox {
    heard: mpsc::UnboundedReceiver<PushInfo>,
    handlers: Handlers,
    /// This server's channel of relayed messages.
    channel: String,
}

impl Inbox {
    /// The next message relayed to this server; `None` once the bus is gone.
    pub async fn next(&mut self) -> Option<Forwarded> {
        while let Some(push) = self.heard.recv().await {
            let Some((channel, message)) = message_of(push) else {
                continue;
            };
            if channel != self.channel {
                deliver(&self.handlers, channel, message);
                continue;
            }
            match Forwarded::decode(&message) {
                Some(relayed) => return Some(relayed),
                None => tracing::warn!("an unreadable relayed message from another server"),
            }
        }
        None
    }
}

/// A channel's message: `[channel, payload]` of a `message` push.
fn message_of(push: PushInfo) -> Option<(String, Vec<u8>)> {
    if push.kind != PushKind::Message {
        return None;
    }
    let mut data = push.data.into_iter();
    let (Some(Value::BulkString(channel)), Some(Value::BulkString(message))) = (data.next(), data.next())
    else {
        return None;
    };
    Some((String::from_utf8(channel).ok()?, message))
}

fn deliver(handlers: &Handlers, channel: String, message: Vec<u8>) {
    let handlers = handlers.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(handler) = handlers.get(&channel) {
        // Never block the connection: a full channel loses the message, as
        // pub/sub may anyway.
        if let Err(e) = handler.try_send((channel, message)) {
            tracing::warn!(error = %e, "an adapter message between servers was dropped");
        }
    }
}

impl Driver for RedisBus {
    type Error = BusError;

    async fn publish(&self, channel: String, message: Vec<u8>) -> Result<(), Self::Error> {
        self.conn.clone().publish::<_, _, ()>(channel, message).await?;
        Ok(())
    }

    async fn subscribe(&self, channel: String, size: usize) -> Result<MessageStream<ChanItem>, Self::Error> {
        let (tx, rx) = mpsc::channel(size);
        self.handlers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(channel.clone(), tx);
        self.conn.clone().subscribe(channel).await?;
        Ok(MessageStream::new(rx))
    }

    async fn unsubscribe(&self, channel: String) -> Result<(), Self::Error> {
        self.handlers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&channel);
        self.conn.clone().unsubscribe(channel).await?;
        Ok(())
    }

    async fn num_serv(&self, channel: &str) -> Result<u16, Self::Error> {
        let (_, count): (String, u16) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forwarded_message_reads_back() {
        let message = Forwarded {
            conn: ConnId::new("sid-1"),
            peer_id: PeerId::generate(),
            event: EventName::Offer,
            payload: RawValue::from_string(r#"{"from":"p","name":"A\nB","sdp":"v=0\r\n"}"#.into()).unwrap(),
        };
        let read = Forwarded::decode(message.encode().as_bytes()).unwrap();
        assert_eq!(read.conn, message.conn);
        assert_eq!(read.peer_id, message.peer_id);
        assert_eq!(read.event, message.event);
        assert_eq!(read.payload.get(), message.payload.get());
        assert!(Forwarded::decode(b"sid\npeer\nnot-an-event\n{}").is_none());
        assert!(Forwarded::decode(b"too few").is_none());
    }
}
