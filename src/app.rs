//! Wires the layers together: store, signalling, HTTP. Building does no I/O;
//! `serve` runs the result on a listener the caller owns, until the shutdown
//! future resolves.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use socketioxide::SocketIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::http::{self, Assets, HttpState, Pages};
use crate::signalling::{self, Hub};
use crate::store::{MemoryStore, RoomStore};
use crate::telemetry::Metrics;
use crate::turn::{BuiltinTurn, IceServerList, TurnSecret, TurnServer, TurnSettings};

/// How long the engine accepts a single message before closing the
/// connection. Far above the protocol's payload limit, which is answered with
/// `too-large` instead; this only stops a client from making the server
/// buffer without bound.
const TRANSPORT_MAX_MESSAGE_BYTES: usize = 4 << 20;

/// What each WebSocket reads at a time. Signalling messages are mostly a few
/// hundred bytes (an offer a few KiB); the default 4 KiB, held by every idle
/// connection, costs more memory than it saves in reads.
const WS_READ_CHUNK_BYTES: usize = 1024;

/// How long shutdown waits for open requests before giving up on them.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

pub struct App {
    pub router: Router,
    pub io: SocketIo,
    pub hub: Arc<Hub>,
    sweeper: JoinHandle<()>,
    /// The built-in STUN/TURN server to start, with `--turn`.
    turn: Option<(TurnSettings, TurnSecret)>,
}

impl App {
    /// Builds the server with the in-memory room store.
    pub fn new(config: &Config) -> Self {
        Self::with_store(config, Arc::new(MemoryStore::new(config.room_rules())))
    }

    pub fn with_store(config: &Config, store: Arc<dyn RoomStore>) -> Self {
        let metrics = Arc::new(Metrics::new(
            &signalling::event_names(),
            &signalling::error_codes(),
        ));
        let turn_settings = config.turn_settings();
        let secret = config.turn_secret.clone().unwrap_or_else(TurnSecret::generate);
        let ice = Arc::new(IceServerList {
            configured: config.ice_servers.clone(),
            secret: secret.clone(),
            credential_ttl: config.turn_credential_ttl,
            builtin: turn_settings.as_ref().map(|settings| BuiltinTurn {
                port: AtomicU16::new(settings.listen.port()),
                host: settings.external_ip.map(|ip| ip.to_string()),
            }),
            external_turn_urls: config.turn_urls.clone(),
        });
        let hub = Arc::new(Hub {
            store,
            metrics,
            rules: config.room_rules(),
            ice,
        });
        let (socket_layer, io) = SocketIo::builder()
            .max_payload(TRANSPORT_MAX_MESSAGE_BYTES as u64)
            .ws_max_message_size(TRANSPORT_MAX_MESSAGE_BYTES)
            .max_buffer_size(256)
            .ws_read_buffer_size(WS_READ_CHUNK_BYTES)
            .with_state(Arc::clone(&hub))
            .build_layer();
        let sweeper = signalling::attach(&io, Arc::clone(&hub));

        let assets = Arc::new(Assets::new());
        let pages = Arc::new(Pages::render(&assets.base()));
        let state = HttpState {
            hub: Arc::clone(&hub),
            pages,
            assets,
        };
        let router = http::router(state)
            .layer(socket_layer)
            .layer(axum::middleware::map_request(http::detach_from_read_buffer))
            .layer(axum::middleware::map_response(http::security_headers));

        Self {
            router,
            io,
            hub,
            sweeper,
            turn: turn_settings.map(|settings| (settings, secret)),
        }
    }

    /// Serves until `shutdown` resolves, then closes every Socket.IO
    /// connection and waits (a bounded time) for open requests.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let Self {
            router,
            io,
            sweeper,
            hub,
            turn,
        } = self;
        let turn = match turn {
            Some((settings, secret)) => Some(start_turn(&settings, secret, &hub).await?),
            None => None,
        };
        announce(listener.local_addr()?);
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let graceful = async move {
            shutdown.await;
            tracing::info!("shutting down");
            let _ = stopping_tx.send(());
            io.close().await;
        };
        // Signalling messages are small and each one matters now: no Nagle delay.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY not set");
            }
        });
        let server = axum::serve(listener, router).with_graceful_shutdown(graceful);
        let result = tokio::select! {
            result = server => result,
            () = async {
                let _ = stopping_rx.await;
                tokio::time::sleep(SHUTDOWN_TIMEOUT).await;
            } => {
                tracing::warn!("open connections did not finish in time; stopping anyway");
                Ok(())
            }
        };
        sweeper.abort();
        if let Some(turn) = turn {
            turn.stop().await;
        }
        result
    }
}

/// Starts the built-in STUN/TURN server and points the ICE server list at
/// the port it got.
async fn start_turn(settings: &TurnSettings, secret: TurnSecret, hub: &Hub) -> io::Result<TurnServer> {
    let server = TurnServer::start(settings, secret, Arc::clone(&hub.metrics))
        .await
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot start the TURN server on {}: {e}", settings.listen),
            )
        })?;
    if let Some(builtin) = &hub.ice.builtin {
        builtin.port.store(server.local_addr.port(), Ordering::Relaxed);
    }
    tracing::info!(listen = %server.local_addr, relay_ip = %server.relay_ip, relay_ports = %settings.relay_ports, "STUN/TURN serving");
    println!(
        "STUN/TURN on udp {} (relays announced on {}, ports {})",
        server.local_addr, server.relay_ip, settings.relay_ports
    );
    Ok(server)
}

/// Tells the person who started the server where to open it.
pub fn announce(addr: std::net::SocketAddr) {
    let shown = if addr.ip().is_unspecified() {
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    };
    tracing::info!(%addr, "serving");
    println!("duet is ready: open http://{shown}/ in a browser");
    if addr.ip().is_unspecified() {
        println!(
            "(listening on every interface: other machines use this machine's address, port {})",
            addr.port()
        );
    }
}
