//! Wires the layers together: store, signalling, HTTP, TURN, TLS. Building
//! opens no sockets; `serve` runs the result on a listener the caller owns,
//! until the shutdown future resolves.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state, map_request};
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use socketioxide::adapter::Emitter;
use socketioxide::{ParserConfig, SocketIo};
use socketioxide_redis::{CustomRedisAdapter, RedisAdapterConfig, RedisAdapterCtr};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::config::Config;
use crate::console;
use crate::http::{self, Assets, HttpState, Pages, Proxies};
use crate::limits::{self, AddressBudget, ConnectionCap};
use crate::secrets::{self, Secrets};
use crate::serve::{self, Guard, Transport};
use crate::signalling::bus::{Inbox, RedisBus};
use crate::signalling::{self, Hub};
use crate::store::{MemoryStore, RedisSettings, RedisStore, RoomStore};
use crate::telemetry::Metrics;
use crate::tls::{self, AcmeSettings, AcmeTls, SelfSigned, TlsMode};
use crate::turn::{BuiltinTurn, IceServerList, TurnSecret, TurnServer, TurnSettings};

/// The largest message the engine reads (a WebSocket message, or a polling
/// POST's body) before closing the connection, so that no connection makes
/// the server hold more than this. Twice the protocol's payload limit: a
/// payload at the limit, with its event name, escapes and framing, always
/// fits, and gets `too-large` from the handler when over it.
const TRANSPORT_MAX_MESSAGE_BYTES: usize = 2 * signalling::MAX_PAYLOAD_BYTES;

/// Binary attachments of one event (the protocol's events have none; an
/// event that carries some is answered `bad-request`).
const MAX_ATTACHMENTS: usize = 16;

/// What each WebSocket reads at a time. Signalling messages are mostly a few
/// hundred bytes (an offer a few KiB); the default 4 KiB, held by every idle
/// connection, costs more memory than it saves in reads.
const WS_READ_CHUNK_BYTES: usize = 1024;

/// How long shutdown waits for open requests before giving up on them.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

pub struct App {
    pub router: Router,
    /// What each listener holds TCP connections to.
    guard: Guard,
    io: Io,
    pub hub: Arc<Hub>,
    /// The expiry sweeper, and with Redis the delivery of forwarded relays.
    background: Vec<JoinHandle<()>>,
    /// The built-in STUN/TURN server to start, with `--turn`.
    turn: Option<(TurnSettings, TurnSecret)>,
    tls: Option<Tls>,
    http_redirect: Option<SocketAddr>,
    /// Behind trusted reverse proxies, which serve browsers HTTPS.
    proxied: bool,
}

/// Where rooms and events are shared: nowhere (one server), or in Redis.
enum Sharing {
    Alone,
    /// The bus, and what other servers send this one.
    Redis(RedisBus, Inbox),
}

/// The Socket.IO server on the adapter chosen at start-up.
enum Io {
    Alone(SocketIo),
    Shared(SocketIo<SharedAdapter>),
}

impl Io {
    /// Closes every Socket.IO connection.
    async fn close(self) {
        match self {
            Io::Alone(io) => io.close().await,
            Io::Shared(io) => io.close().await,
        }
    }
}

/// The adapter of servers sharing rooms: socketioxide's Redis adapter, on
/// our reconnecting driver.
type SharedAdapter = CustomRedisAdapter<Emitter, RedisBus>;

/// The prefix of every Redis key and channel of duet.
const REDIS_PREFIX: &str = "duet:";

/// How many announcements from other servers may wait to be handled (each a
/// few hundred bytes); socketioxide-redis's 1,024 overflowed under load.
const ADAPTER_BUFFER: usize = 16 * 1024;

/// HTTPS, as prepared before serving.
enum Tls {
    Files {
        cert: std::path::PathBuf,
        key: std::path::PathBuf,
    },
    SelfSigned(SelfSigned),
    Acme(AcmeSettings),
}

impl App {
    /// Builds the server: alone, with its rooms in memory, or (with
    /// `--redis-url`) sharing rooms and events with other servers through
    /// Redis, which it connects to here.
    pub async fn new(config: &Config) -> io::Result<Self> {
        let Some(url) = &config.redis_url else {
            let store = Arc::new(MemoryStore::new(config.room_rules()));
            return Self::assemble(config, store, Sharing::Alone).await;
        };
        let unreachable =
            |e: redis::RedisError| io::Error::other(format!("cannot reach Redis at {url}: {e}"));
        let settings = RedisSettings {
            url: url.clone(),
            prefix: REDIS_PREFIX.to_owned(),
        };
        let store = RedisStore::connect(settings, config.room_rules())
            .await
            .map_err(unreachable)?;
        let (bus, inbox) = RedisBus::connect(url, REDIS_PREFIX, store.server_id())
            .await
            .map_err(unreachable)?;
        let config = with_shared_secrets(config, &store).await?;
        Self::assemble(&config, Arc::new(store), Sharing::Redis(bus, inbox)).await
    }

    async fn assemble(config: &Config, store: Arc<dyn RoomStore>, sharing: Sharing) -> io::Result<Self> {
        let metrics = Arc::new(Metrics::new(
            &signalling::event_names(),
            &signalling::error_codes(),
        ));
        let turn_settings = config.turn_settings();
        let secrets = Secrets::load(
            &config.state_dir(),
            config.rejoin_secret.as_ref(),
            config.turn_secret.as_ref(),
        )?;
        if let Some(dir) = &secrets.kept_in {
            tracing::info!(dir = %dir.display(), "secrets kept in the state directory");
        }
        let secret = secrets.turn;
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
            tickets: secrets.tickets,
            rules: config.room_rules(),
            ice,
            limits: config.client_limits(),
            bus: match &sharing {
                Sharing::Alone => None,
                Sharing::Redis(bus, _) => Some(bus.clone()),
            },
        });
        let tls = match config.tls() {
            None => None,
            Some(TlsMode::Files { cert, key }) => Some(Tls::Files { cert, key }),
            Some(TlsMode::SelfSigned { names }) => Some(Tls::SelfSigned(
                SelfSigned::generate(&names, &console::machine_addresses()).map_err(io::Error::other)?,
            )),
            Some(TlsMode::Acme(settings)) => Some(Tls::Acme(settings)),
        };

        let assets = Arc::new(Assets::new());
        let pages = Arc::new(Pages::render(&assets.base(), hub.ice.offers_turn()));
        let routes = http::router(HttpState {
            hub: Arc::clone(&hub),
            pages,
            assets,
        });
        // Socket.IO in front of the HTTP routes, on the adapter chosen here.
        let builder = SocketIo::builder()
            .max_payload(TRANSPORT_MAX_MESSAGE_BYTES as u64)
            .ws_max_message_size(TRANSPORT_MAX_MESSAGE_BYTES)
            .max_buffer_size(256)
            .connect_timeout(limits::SESSION_JOIN_TIMEOUT)
            // Attachments of an event still arriving are held until it is
            // complete; no payload of the protocol may be larger than the
            // transport's limit, and none carries more than a few.
            .with_parser(
                ParserConfig::common()
                    .max_incoming_binary_buf_size(TRANSPORT_MAX_MESSAGE_BYTES)
                    .max_incoming_binaries(MAX_ATTACHMENTS),
            )
            .ws_read_buffer_size(WS_READ_CHUNK_BYTES)
            .with_state(Arc::clone(&hub));
        let (routes, io, background) = match sharing {
            Sharing::Alone => {
                let (layer, io) = builder.build_layer();
                let ((), sweeper) = signalling::attach(&io, Arc::clone(&hub));
                (routes.layer(layer), Io::Alone(io), vec![sweeper])
            }
            Sharing::Redis(bus, inbox) => {
                let adapter = RedisAdapterCtr::new_with_driver(
                    bus,
                    RedisAdapterConfig::default()
                        .with_prefix(format!("{REDIS_PREFIX}sio"))
                        .with_stream_buffer(ADAPTER_BUFFER),
                );
                let (layer, io) = builder.with_adapter::<SharedAdapter>(adapter).build_layer();
                let (init, sweeper) = signalling::attach(&io, Arc::clone(&hub));
                init.await
                    .map_err(|e| io::Error::other(format!("cannot subscribe to Redis: {e}")))?;
                let delivery = tokio::spawn(signalling::deliver_forwarded(io.clone(), inbox));
                (routes.layer(layer), Io::Shared(io), vec![sweeper, delivery])
            }
        };
        let proxies = Proxies::new(config.trusted_proxies.clone(), tls.is_some());
        let guard = Guard {
            cap: ConnectionCap::new(config.max_connections_per_ip),
            exempt: proxies.trusted(),
            header_timeout: config.request_timeout,
        };
        let openings = Arc::new(AddressBudget::new(
            limits::session_openings(config.max_connections_per_ip).0,
        ));
        // Outermost first, as a request meets them: the body's deadline, who
        // the client is, the security headers, the copy out of hyper's
        // buffer, the budget of new signalling sessions, then Socket.IO or
        // the HTTP routes.
        let router = routes
            .layer(from_fn_with_state(openings, http::budget_session_openings))
            .layer(map_request(http::detach_from_read_buffer))
            .layer(from_fn(http::security_headers))
            .layer(from_fn_with_state(proxies, http::resolve_client))
            .layer(RequestBodyTimeoutLayer::new(config.request_timeout));
        Ok(Self {
            router,
            guard,
            io,
            hub,
            background,
            turn: turn_settings.map(|settings| (settings, secret)),
            tls,
            http_redirect: config.http_redirect,
            proxied: !config.trusted_proxies.is_empty(),
        })
    }

    /// The certificate made at start with `--tls-self-signed`, in PEM.
    pub fn self_signed_certificate(&self) -> Option<&str> {
        match &self.tls {
            Some(Tls::SelfSigned(made)) => Some(&made.pem),
            _ => None,
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
            guard,
            io,
            background,
            hub,
            turn,
            tls,
            http_redirect,
            proxied,
        } = self;
        let turn = match turn {
            Some((settings, secret)) => Some(start_turn(&settings, secret, &hub).await?),
            None => None,
        };
        let local_addr = listener.local_addr()?;
        let (transport, scheme) = match tls {
            None => (Transport::Plain, "http"),
            Some(tls) => (start_tls(tls).await?, "https"),
        };
        let redirect = match http_redirect {
            Some(addr) => {
                let redirector = std::net::TcpListener::bind(addr)
                    .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
                redirector.set_nonblocking(true)?;
                console::say(format_args!("plain HTTP on {addr} redirects to HTTPS"));
                Some((redirector, http::redirect::to_https(local_addr.port())))
            }
            None => None,
        };
        console::announce(console::Serving {
            addr: local_addr,
            https: scheme == "https",
            proxied,
        });

        let handle = Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down");
            // The seats go to the grace first, so that people whose pages
            // reconnect through another server find them there at once.
            if let Err(e) = hub.store.stopping().await {
                tracing::warn!(error = %e, "could not hand the seats over before stopping");
            }
            io.close().await;
            stopper.graceful_shutdown(Some(SHUTDOWN_TIMEOUT));
        });
        let result = serve::run(router, listener.into_std()?, transport, redirect, handle, guard).await;
        for task in background {
            task.abort();
        }
        if let Some(turn) = turn {
            turn.stop().await;
        }
        result
    }
}

/// `config` with the secrets that servers sharing rooms must share: those
/// it gives, else the ones kept in their Redis (the first server makes them),
/// so that a ticket or TURN credential from one is good on all.
async fn with_shared_secrets(config: &Config, store: &RedisStore) -> io::Result<Config> {
    let mut config = config.clone();
    let shared = |name: &'static str| async move {
        store
            .shared_secret(name, secrets::fresh_secret)
            .await
            .map_err(|e| io::Error::other(format!("cannot read the shared {name} secret from Redis: {e}")))
    };
    if config.rejoin_secret.is_none() {
        config.rejoin_secret = Some(shared("rejoin").await?.parse().map_err(io::Error::other)?);
    }
    if config.turn_secret.is_none() {
        config.turn_secret = Some(shared("turn").await?.parse().map_err(io::Error::other)?);
    }
    Ok(config)
}

/// Loads or makes the certificate, or starts ACME, and reports it.
async fn start_tls(tls: Tls) -> io::Result<Transport> {
    Ok(match tls {
        Tls::Files { cert, key } => {
            let (config, fingerprint) = tls::files::load(&cert, &key).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot serve HTTPS with --tls-cert and --tls-key: {e}"),
                )
            })?;
            console::say(format_args!(
                "TLS certificate {} (SHA-256 {fingerprint})",
                cert.display()
            ));
            let live = RustlsConfig::from_config(config);
            // Runs for the life of the process, like the certificate.
            tls::reload_on_change(live.clone(), cert, key);
            Transport::Tls(live)
        }
        Tls::SelfSigned(made) => {
            console::say(format_args!(
                "TLS certificate: self-signed for {}\n  SHA-256 fingerprint {} (compare it with the one your browser shows)",
                made.names.join(", "),
                made.fingerprint()
            ));
            let config =
                tls::server_config(vec![made.cert.clone()], made.key_der()).map_err(io::Error::other)?;
            Transport::Tls(RustlsConfig::from_config(config))
        }
        Tls::Acme(settings) => {
            console::say(format_args!(
                "TLS certificates from ACME for {} (kept in {})",
                settings.domains.join(", "),
                settings.cache.display()
            ));
            Transport::Acme(AcmeTls::start(&settings)?)
        }
    })
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
    console::say(format_args!(
        "STUN/TURN on udp {} (relays announced on {}, ports {})",
        server.local_addr, server.relay_ip, settings.relay_ports
    ));
    Ok(server)
}
