//! How servers sharing rooms pass Socket.IO events to each other: the Redis
//! pub/sub driver of socketioxide's Redis adapter. The driver that
//! socketioxide-redis ships holds one connection that stays broken once
//! Redis restarts; this one rides on a connection that reconnects by itself
//! and subscribes to its channels again (`redis_conn`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use redis::aio::ConnectionManager;
use redis::{AsyncCommands, PushInfo, PushKind, RedisResult, Value};
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use tokio::sync::mpsc;

use crate::redis_conn::{self, RedisUrl};

type Handlers = Arc<RwLock<HashMap<String, mpsc::Sender<ChanItem>>>>;

/// One connection to Redis for every channel the adapter uses; clones share it.
#[derive(Clone)]
pub struct RedisBus {
    conn: ConnectionManager,
    /// Where each subscribed channel's messages go.
    handlers: Handlers,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BusError(#[from] redis::RedisError);

impl RedisBus {
    pub async fn connect(url: &RedisUrl) -> RedisResult<Self> {
        let (pushes, mut heard) = mpsc::unbounded_channel::<PushInfo>();
        let conn = redis_conn::connect(url, Some(pushes)).await?;
        let handlers = Handlers::default();
        let routes = Arc::clone(&handlers);
        // Ends when the connection (the sender of pushes) is gone.
        tokio::spawn(async move {
            while let Some(push) = heard.recv().await {
                if let Some((channel, message)) = message_of(push) {
                    deliver(&routes, channel, message);
                }
            }
        });
        Ok(Self { conn, handlers })
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
