//! Rooms as recently read, for the route of every relayed message: a relay
//! must not cost a round trip to Redis. Every change of a room is published
//! on one channel; each server forgets its copy of that room when it hears
//! of it, and keeps none longer than `LIFE` in case a message was lost
//! (while the connection to Redis was down, say).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::{PushInfo, PushKind, RedisResult, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::Shared;
use super::room::RoomHash;
use crate::domain::RoomId;
use crate::redis_conn::{self, RedisUrl};

/// The longest a copy is used without hearing of changes.
const LIFE: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct RoomCache {
    rooms: Mutex<HashMap<RoomId, (Instant, Arc<RoomHash>)>>,
}

impl RoomCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<RoomId, (Instant, Arc<RoomHash>)>> {
        // Nothing panics while the lock is held.
        self.rooms.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn get(&self, room_id: &RoomId) -> Option<Arc<RoomHash>> {
        self.lock()
            .get(room_id)
            .filter(|(read, _)| read.elapsed() < LIFE)
            .map(|(_, room)| Arc::clone(room))
    }

    pub fn put(&self, room_id: RoomId, room: RoomHash) -> Arc<RoomHash> {
        let room = Arc::new(room);
        self.lock().insert(room_id, (Instant::now(), Arc::clone(&room)));
        room
    }

    pub fn forget(&self, room_id: &RoomId) {
        self.lock().remove(room_id);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Drops the copies too old to be used.
    pub fn prune(&self) {
        self.lock().retain(|_, (read, _)| read.elapsed() < LIFE);
    }
}

/// Subscribes to the changes of rooms, and forgets each changed room as its
/// change is heard; after a reconnection (when changes may have gone
/// unheard) it forgets them all.
pub async fn listen(url: &RedisUrl, shared: Arc<Shared>) -> RedisResult<JoinHandle<()>> {
    let (pushes, mut heard) = mpsc::unbounded_channel::<PushInfo>();
    let mut conn = redis_conn::connect(url, Some(pushes)).await?;
    conn.subscribe(shared.keys.changes()).await?;
    Ok(tokio::spawn(async move {
        // Keeps the subscribing connection alive as long as the task.
        let _conn = conn;
        while let Some(push) = heard.recv().await {
            match push.kind {
                PushKind::Message => {
                    if let Some(room_id) = changed_room(&push.data) {
                        shared.cache.forget(&room_id);
                    }
                }
                PushKind::Subscribe | PushKind::Disconnection => shared.cache.clear(),
                _ => {}
            }
        }
    }))
}

/// The room id of a change: the message is `[channel, room id]`.
fn changed_room(data: &[Value]) -> Option<RoomId> {
    match data.get(1)? {
        Value::BulkString(bytes) => RoomId::parse(std::str::from_utf8(bytes).ok()?).ok(),
        _ => None,
    }
}
