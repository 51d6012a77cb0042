//! The signalling edge: Socket.IO connections, the protocol's events, and the
//! replies. Handlers validate, call the room store, and emit.
//!
//! - `inbound`: every event's checks on arrival (size, allowance, binary).
//! - `dispatch`: the event table.
//! - `rooms`, `relay`: the handlers.
//! - `announce`, `audience`: what others are told, and through which rooms.
//! - `session`, `sequencer`, `rate_limit`: per-connection state.
//! - `expiry`: the sweeper that ends seats after the reconnect grace.
//! - `error`: the protocol's error codes.

mod announce;
mod audience;
mod cap;
mod context;
mod dispatch;
pub mod error;
mod expiry;
mod inbound;
pub mod payloads;
mod rate_limit;
mod relay;
mod rooms;
mod sequencer;
mod session;

use std::sync::Arc;

use futures_util::future::Either;
use socketioxide::SocketIo;
use socketioxide::extract::{SocketRef, State};
use socketioxide::handler::ConnectHandler;
use tokio::task::JoinHandle;

use crate::domain::{ConnId, IceServer, PeerId, TicketKey};
use crate::http::ClientAddr;
use crate::store::{RoomRules, RoomStore};
use crate::telemetry::Metrics;
use crate::turn::IceServerList;

pub use cap::{ConnectionCap, TooManyConnections};
pub use error::{ErrorCode, SignalError};
use inbound::Inbound;
pub use inbound::{EventName, MAX_PAYLOAD_BYTES};
pub use rooms::{CreatedRoom, create_room};
use session::Session;

/// What every handler shares.
pub struct Hub {
    pub store: Arc<dyn RoomStore>,
    pub metrics: Arc<Metrics>,
    /// Signs the rejoin tickets handed out, and checks those that come back.
    pub tickets: TicketKey,
    pub rules: RoomRules,
    /// What each peer is handed in the `join` acknowledgement.
    pub ice: Arc<IceServerList>,
    /// Signalling connections per client address.
    pub cap: Arc<ConnectionCap>,
}

impl Hub {
    /// The ICE servers for one peer, whose connection came in for `host`.
    pub fn ice_servers_for(&self, peer_id: &PeerId, host: Option<&str>) -> Vec<IceServer> {
        self.ice.for_peer(peer_id, host)
    }
}

/// The names of the events, for metrics.
pub fn event_names() -> Vec<&'static str> {
    EventName::ALL.iter().map(|e| e.as_str()).collect()
}

/// The error codes, for metrics.
pub fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

/// Serves the protocol on the default namespace of `io`, and starts the
/// sweeper; the returned task runs until aborted.
pub fn attach(io: &SocketIo, hub: Arc<Hub>) -> JoinHandle<()> {
    io.ns("/", on_connect.with(prepare));
    expiry::spawn_sweeper(Arc::clone(&hub), io.clone(), expiry::sweep_interval(&hub.rules))
}

/// Runs before the client is told it is connected: a client may send its
/// first event the moment it is, and the handlers must be there to take it.
/// (The connect handler itself runs later, as a task of its own.)
async fn prepare(socket: SocketRef, State(hub): State<Arc<Hub>>) -> Result<(), TooManyConnections> {
    let client = socket.req_parts().extensions.get::<ClientAddr>().copied();
    let permit = match client {
        Some(client) => Some(hub.cap.admit(client.ip).inspect_err(|_| {
            tracing::info!(client = %client.ip, "connection refused: too many from one address");
        })?),
        None => None,
    };
    let session = Arc::new(Session::new(ConnId::new(socket.id.to_string()), permit));
    socket.on_fallback({
        let session = Arc::clone(&session);
        move |socket: SocketRef, io: SocketIo, State(hub): State<Arc<Hub>>, inbound: Inbound| {
            // This part runs as the event is read off the connection, so the
            // checks on arrival, and the event's place in line, follow
            // arrival order. Most events (relays) are served right here.
            let admission = inbound.admit(&session);
            if let Some(result) = dispatch::serve_now(&socket, &io, &hub, &session, &inbound, &admission) {
                dispatch::answer_now(socket, io, hub, Arc::clone(&session), inbound, result);
                return Either::Left(std::future::ready(()));
            }
            let arrival = dispatch::Arrival {
                ticket: session.ticket(),
                admission,
                inbound,
            };
            // socketioxide spawns whatever is returned: boxed, the future of
            // an event served at once stays a few bytes instead of the size
            // of `on_event`'s.
            Either::Right(Box::pin(dispatch::on_event(
                socket,
                io,
                hub,
                Arc::clone(&session),
                arrival,
            )))
        }
    });
    socket.on_disconnect(move |State(hub): State<Arc<Hub>>| on_disconnect(hub, Arc::clone(&session)));
    Ok(())
}

async fn on_connect(State(hub): State<Arc<Hub>>) {
    hub.metrics.connections.increment(1.0);
}

/// A dropped connection keeps its seat for the reconnect grace; the media
/// between the browsers does not need the signalling socket.
async fn on_disconnect(hub: Arc<Hub>, session: Arc<Session>) {
    hub.metrics.connections.decrement(1.0);
    let ticket = session.ticket();
    ticket.turn().await;
    if let Some(seat) = session.seat() {
        if let Err(e) = hub
            .store
            .detach(&seat.room_id, &seat.peer_id, &session.conn)
            .await
        {
            tracing::warn!(error = %e, "could not hold the seat of a dropped connection");
        }
    }
}
