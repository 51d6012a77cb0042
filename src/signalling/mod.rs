//! The signalling edge: Socket.IO connections, the protocol's events, and the
//! replies. Handlers validate, call the room store, and emit. The code is
//! generic over the Socket.IO adapter, chosen once at start-up: in memory for
//! one server, Redis for several sharing the rooms.
//!
//! - `inbound`: every event as read, and its checks on arrival (size,
//!   allowance, binary).
//! - `dispatch`: the event table, one path for every event.
//! - `rooms`, `relay`: the handlers.
//! - `announce`, `audience`: what others are told, and through which rooms.
//! - `session`, `sequencer`: per-connection state.
//! - `budgets`: what rooms an address may create and look up.
//! - `expiry`: the sweeper that ends seats after the reconnect grace.
//! - `hub`: what every handler shares; `context`: what one handler has.
//! - `error`: the protocol's error codes.
//! - `bus`: the Redis driver of the adapter, for servers sharing rooms.

mod announce;
mod audience;
mod budgets;
pub mod bus;
mod context;
mod dispatch;
pub mod error;
mod expiry;
mod hub;
mod inbound;
pub mod payloads;
mod relay;
mod rooms;
mod sequencer;
mod session;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_util::future::Either;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State};
use socketioxide::handler::ConnectHandler;
use socketioxide_core::adapter::DefinedAdapter;
use tokio::task::JoinHandle;

use crate::domain::{ClientAddr, ConnId};
use crate::limits::TooManyConnections;

pub use budgets::{find_room, spend_room_creation};
pub use error::{ErrorCode, SignalError};
pub use hub::Hub;
use inbound::Inbound;
pub use inbound::{EventName, MAX_PAYLOAD_BYTES};
pub use relay::deliver_forwarded;
pub use rooms::{CreatedRoom, create_room};
use session::Session;

/// The names of the events, for metrics, in the order of their places.
pub fn event_names() -> Vec<&'static str> {
    EventName::ALL.iter().map(|e| e.as_str()).collect()
}

/// The error codes, for metrics, in the order of their places.
pub fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

/// Serves the protocol on the default namespace of `io`, and starts the
/// sweeper (a task that runs until aborted). The adapter's start-up (for
/// Redis, its subscriptions) is returned, for the caller to complete.
pub fn attach<A: Adapter + DefinedAdapter>(io: &SocketIo<A>, hub: Arc<Hub>) -> (A::InitRes, JoinHandle<()>) {
    let init = io.ns("/", on_connect.with(prepare::<A>));
    let sweeper = expiry::spawn_sweeper(Arc::clone(&hub), io.clone(), expiry::sweep_interval(&hub.rules));
    (init, sweeper)
}

/// Runs before the client is told it is connected: a client may send its
/// first event the moment it is, and the handlers must be there to take it.
/// (The connect handler itself runs later, as a task of its own.)
async fn prepare<A: Adapter>(
    socket: SocketRef<A>,
    State(hub): State<Arc<Hub>>,
) -> Result<(), TooManyConnections> {
    let client = socket.req_parts().extensions.get::<ClientAddr>().copied();
    let permit = match client {
        Some(client) => Some(hub.limits.connections.admit(client.ip).inspect_err(|_| {
            tracing::info!(client = %client.ip, "connection refused: too many from one address");
        })?),
        None => None,
    };
    let session = Arc::new(Session::new(ConnId::new(socket.id.to_string()), permit));
    socket.on_fallback({
        let session = Arc::clone(&session);
        move |socket: SocketRef<A>, io: SocketIo<A>, State(hub): State<Arc<Hub>>, inbound: Inbound<A>| {
            // This part runs as the event is read off the connection, so the
            // checks on arrival, and the event's place in line, follow
            // arrival order.
            let arrival = dispatch::Arrival {
                admission: inbound.admit(&session),
                ticket: session.ticket(),
                inbound,
            };
            let served = dispatch::serve(socket, io, hub, Arc::clone(&session), arrival);
            serve_in_the_read(Box::pin(served))
        }
    });
    socket.on_disconnect(move |State(hub): State<Arc<Hub>>| on_disconnect(hub, Arc::clone(&session)));
    Ok(())
}

/// Polls an event's service once, right here in the read of the
/// connection: most events (relays, with the store answering at once and
/// the recipient on this server) are done then, without a task of their own,
/// and a connection sending faster than the server serves is slowed down by
/// TCP instead of piling up in memory. What is not done goes on as the task
/// socketioxide spawns for the event (it spawns an empty one otherwise), and
/// is polled again there, with a waker that wakes it.
fn serve_in_the_read<F>(mut served: Pin<Box<F>>) -> Either<std::future::Ready<()>, Pin<Box<F>>>
where
    F: Future<Output = ()>,
{
    match served.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(()) => Either::Left(std::future::ready(())),
        Poll::Pending => Either::Right(served),
    }
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
    if let Some(seat) = session.seat()
        && let Err(e) = hub
            .store
            .detach(&seat.room_id, &seat.peer_id, &session.conn)
            .await
    {
        tracing::warn!(error = %e, "could not hold the seat of a dropped connection");
    }
}
