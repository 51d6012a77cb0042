//! Servers come and go. Each announces itself with a key that expires
//! unless renewed, and notes the seats its connections hold; when a server
//! stops renewing (killed, or its machine lost), another one drops its
//! seats, and their grace runs as if each connection had dropped: a
//! `rejoin` through any server takes them back. A server that stops on
//! purpose drops its own seats first.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use tokio::task::JoinHandle;

use super::{Shared, parse_seat_member};
use crate::store::StoreResult;

/// How often a server renews its key, and looks for servers gone.
const BEAT: Duration = Duration::from_secs(1);
/// How long a server's key lives without renewal: missing three beats, a
/// server is taken for gone.
const ALIVE_FOR: Duration = Duration::from_secs(3);

pub fn spawn_heartbeat(shared: Arc<Shared>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut beats = tokio::time::interval(BEAT);
        beats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            beats.tick().await;
            // A failure is logged (once) by `reached`; the next beat retries.
            if announce(&shared).await.is_ok() {
                let _ = release_the_gone(&shared).await;
            }
        }
    })
}

async fn announce(shared: &Shared) -> StoreResult<()> {
    let keys = &shared.keys;
    let mut pipe = redis::pipe();
    pipe.pset_ex(keys.alive(&shared.instance), 1, super::millis(ALIVE_FOR))
        .ignore()
        .sadd(keys.instances(), &shared.instance)
        .ignore();
    shared.reached(pipe.query_async::<()>(&mut shared.conn()).await)
}

/// Drops the seats of every server whose key expired.
async fn release_the_gone(shared: &Shared) -> StoreResult<()> {
    let keys = &shared.keys;
    let known: Vec<String> = shared.reached(shared.conn().smembers(keys.instances()).await)?;
    for id in known.iter().filter(|id| **id != shared.instance) {
        let alive: bool = shared.reached(shared.conn().exists(keys.alive(id)).await)?;
        if !alive {
            tracing::info!(instance = %id, "a server sharing the rooms is gone: its seats wait for their people to come back");
            release(shared, id).await?;
        }
    }
    Ok(())
}

/// Drops every seat the server `id` holds, then forgets the server.
pub async fn release(shared: &Shared, id: &str) -> StoreResult<()> {
    let keys = &shared.keys;
    let held: Vec<String> = shared.reached(shared.conn().smembers(keys.held_by(id)).await)?;
    for (room_id, peer_id) in held.iter().filter_map(|member| parse_seat_member(member)) {
        shared.drop_seat(&room_id, &peer_id, "i", id).await?;
    }
    let mut pipe = redis::pipe();
    pipe.del(keys.held_by(id))
        .ignore()
        .del(keys.alive(id))
        .ignore()
        .srem(keys.instances(), id)
        .ignore();
    shared.reached(pipe.query_async::<()>(&mut shared.conn()).await)
}
