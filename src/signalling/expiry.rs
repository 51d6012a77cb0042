//! The sweeper: asks the store, a few times a second, for seats whose
//! reconnect grace ran out, and tells their rooms.

use std::sync::Arc;
use std::time::Duration;

use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use tokio::task::JoinHandle;

use super::announce::{self, Departure};
use super::hub::Hub;
use crate::store::RoomRules;

/// Often enough that a short grace (as in tests) ends on time, rarely enough
/// that an idle server stays idle.
pub fn sweep_interval(rules: &RoomRules) -> Duration {
    (rules.reconnect_grace.min(rules.room_ttl) / 20)
        .clamp(Duration::from_millis(10), Duration::from_millis(500))
}

pub fn spawn_sweeper<A: Adapter>(hub: Arc<Hub>, io: SocketIo<A>, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match hub.store.expire().await {
                Ok(vacated) => {
                    for seat in &vacated {
                        tracing::debug!(peer = %seat.member.peer_id, "reconnect grace over");
                        announce::departure(&io, seat, Departure::Disconnected).await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "expiry sweep failed"),
            }
        }
    })
}
