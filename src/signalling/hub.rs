//! What every handler shares: the room store, the metrics, the ticket key,
//! the rules rooms are made with, the ICE servers handed out and what each
//! client address may hold and spend.

use std::sync::Arc;

use super::bus::RedisBus;
use crate::domain::{IceServer, PeerId, TicketKey};
use crate::limits::ClientLimits;
use crate::store::{RoomRules, RoomStore};
use crate::telemetry::Metrics;
use crate::turn::IceServerList;

pub struct Hub {
    pub store: Arc<dyn RoomStore>,
    pub metrics: Arc<Metrics>,
    /// Signs the rejoin tickets handed out, and checks those that come back.
    pub tickets: TicketKey,
    pub rules: RoomRules,
    /// What each peer is handed in the `join` acknowledgement.
    pub ice: Arc<IceServerList>,
    /// Connections, room creations and missing rooms per client address.
    pub limits: ClientLimits,
    /// Where several servers share the rooms: how relayed messages reach
    /// recipients connected to another server.
    pub bus: Option<RedisBus>,
}

impl Hub {
    /// The ICE servers for one peer, whose connection came in for `host`.
    pub fn ice_servers_for(&self, peer_id: &PeerId, host: Option<&str>) -> Vec<IceServer> {
        self.ice.for_peer(peer_id, host)
    }
}
