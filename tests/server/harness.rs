//! A real server on a random port, and a real Socket.IO client to talk to it.
//! In the spread suite (`SPREAD`), a "server" is two servers sharing their
//! rooms through a real Redis, and clients connect to them in turn.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use duet::{App, Config};
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client as SioClient, ClientBuilder};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

/// How long a test waits for something that should happen.
pub const PATIENCE: Duration = Duration::from_secs(5);

#[path = "../support/redis_server.rs"]
mod redis_server;
pub use redis_server::RedisServer;

/// The secrets servers sharing rooms must share.
pub const SHARED_REJOIN_SECRET: &str = "the rejoin secret of the test servers";
pub const SHARED_TURN_SECRET: &str = "the TURN secret of the test servers";

pub struct TestServer {
    pub addr: SocketAddr,
    pub url: String,
    /// The certificate made at start, with `--tls-self-signed`.
    pub certificate: Option<String>,
    /// What it was started with, its state directory included.
    pub config: Config,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// The state directory the test made for it, removed with the last
    /// server that used it.
    _state: Arc<TempDir>,
    /// In the spread suite: the other servers sharing the rooms, whose
    /// clients alternate with this one's.
    others: Vec<TestServer>,
    /// Which server the next client connects to.
    next: AtomicUsize,
    /// The Redis the servers share, if they do.
    pub redis: Option<Arc<RedisServer>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts the server with the default configuration as changed by `tune`,
    /// and a state directory of its own; in the spread suite, two servers
    /// on a Redis of their own.
    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> Self {
        if crate::SPREAD {
            let redis = Arc::new(RedisServer::start());
            let mut config = Self::config_on(Some(&redis));
            tune(&mut config);
            return Self::start_shared(config, redis, 2).await;
        }
        let mut config = Self::config_on(None);
        tune(&mut config);
        let state = Arc::new(tempfile::tempdir().unwrap());
        config.state_dir = Some(state.path().to_owned());
        Self::start_from(config, state).await
    }

    /// The test configuration: port 0 and, with `redis`, the rooms and
    /// secrets shared.
    pub fn config_on(redis: Option<&RedisServer>) -> Config {
        let mut config = Config::with_listen("127.0.0.1:0".parse().unwrap());
        if let Some(redis) = redis {
            config.redis_url = Some(redis.url().parse().unwrap());
            config.rejoin_secret = Some(SHARED_REJOIN_SECRET.parse().unwrap());
            config.turn_secret = Some(SHARED_TURN_SECRET.parse().unwrap());
        }
        config
    }

    /// `count` servers sharing `redis`, each with a state directory of its
    /// own; the first one stands for them all.
    pub async fn start_shared(config: Config, redis: Arc<RedisServer>, count: usize) -> Self {
        let mut servers = Vec::new();
        for _ in 0..count {
            let state = Arc::new(tempfile::tempdir().unwrap());
            let mut config = config.clone();
            config.state_dir = Some(state.path().to_owned());
            servers.push(Self::start_from(config, state).await);
        }
        let mut first = servers.remove(0);
        first.others = servers;
        first.redis = Some(redis);
        first
    }

    /// Another server on the same state directory and configuration, as
    /// after a restart (on a port of its own).
    pub async fn start_again(&self) -> Self {
        Self::start_from(self.config.clone(), Arc::clone(&self._state)).await
    }

    async fn start_from(config: Config, state: Arc<TempDir>) -> Self {
        let listener = TcpListener::bind(config.listen).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = App::new(&config).await.expect("server builds");
        let certificate = app.self_signed_certificate().map(str::to_owned);
        let scheme = if config.tls().is_some() { "https" } else { "http" };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.serve(listener, async move {
            let _ = stopped.await;
        }));
        Self {
            addr,
            url: format!("{scheme}://{addr}"),
            certificate,
            config,
            stop: Some(stop),
            task: Some(task),
            _state: state,
            others: Vec::new(),
            next: AtomicUsize::new(0),
            redis: None,
        }
    }

    /// The servers sharing the rooms, this one first.
    pub fn instances(&self) -> impl Iterator<Item = &TestServer> {
        std::iter::once(self).chain(&self.others)
    }

    /// The server the next client connects to: each in turn.
    fn next_url(&self) -> &str {
        let count = 1 + self.others.len();
        let turn = self.next.fetch_add(1, Ordering::Relaxed) % count;
        &self.instances().nth(turn).expect("in range").url
    }

    pub async fn connect(&self) -> Client {
        Client::connect(self.next_url(), TransportType::Websocket).await
    }

    pub async fn connect_polling(&self) -> Client {
        Client::connect(self.next_url(), TransportType::Polling).await
    }

    /// Stops the server (every one of them) and waits until it has.
    pub async fn stop(mut self) -> std::io::Result<()> {
        for other in std::mem::take(&mut self.others) {
            Box::pin(other.stop()).await?;
        }
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap()
    }

    pub fn http(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The body of a plain GET of `path`.
    pub async fn get_text(&self, path: &str) -> String {
        reqwest::get(self.http(path)).await.unwrap().text().await.unwrap()
    }

    /// One series of `/metrics`, by its name after any prefix.
    pub async fn metric(&self, name: &str) -> f64 {
        series(&self.get_text("/metrics").await, name)
    }
}

/// The value of the series `name` (after any prefix) in Prometheus text.
pub fn series(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|line| line.split_whitespace().next().is_some_and(|s| s.ends_with(name)))
        .unwrap_or_else(|| panic!("{name} missing from\n{text}"))
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// One Socket.IO connection, with every event it receives kept in order.
pub struct Client {
    pub socket: SioClient,
    events: mpsc::UnboundedReceiver<(String, Value)>,
    /// Events received while waiting for another one.
    held: Vec<(String, Value)>,
}

impl Client {
    pub async fn connect(url: &str, transport: TransportType) -> Self {
        Self::connect_with(url, transport, None).await
    }

    /// Connects with a TLS configuration of its own (to trust a test CA).
    pub async fn connect_with(
        url: &str,
        transport: TransportType,
        tls: Option<native_tls::TlsConnector>,
    ) -> Self {
        let (tx, events) = mpsc::unbounded_channel();
        let (connected_tx, connected) = mpsc::unbounded_channel::<()>();
        let any_tx = tx.clone();
        let builder = ClientBuilder::new(url);
        let builder = match tls {
            Some(tls) => builder.tls_config(tls),
            None => builder,
        };
        let socket = builder
            .transport_type(transport)
            .reconnect(false)
            .on(Event::Connect, move |_, _| {
                let connected_tx = connected_tx.clone();
                async move {
                    let _ = connected_tx.send(());
                }
                .boxed()
            })
            .on_any(move |event, payload, _| {
                let tx = any_tx.clone();
                async move {
                    let _ = tx.send((String::from(event), first_arg(payload)));
                }
                .boxed()
            })
            // rust_socketio reserves `error` for itself; the server's `error`
            // events (objects) arrive here too.
            .on(Event::Error, move |payload, _| {
                let tx = tx.clone();
                async move {
                    let value = first_arg(payload);
                    if value.is_object() {
                        let _ = tx.send(("error".to_owned(), value));
                    }
                }
                .boxed()
            })
            .connect()
            .await
            .expect("socket.io connection");
        let mut connected = connected;
        tokio::time::timeout(PATIENCE, connected.recv())
            .await
            .expect("connected in time");
        Self {
            socket,
            events,
            held: Vec::new(),
        }
    }

    /// Sends an event with an acknowledgement and returns the acknowledgement.
    pub async fn call(&self, event: &str, payload: Value) -> Value {
        self.call_with(event, Payload::Text(vec![payload])).await
    }

    /// Like `call`, with any payload form (none, several arguments, binary).
    pub async fn call_with(&self, event: &str, payload: Payload) -> Value {
        let (tx, rx) = oneshot::channel();
        let tx = std::sync::Mutex::new(Some(tx));
        self.socket
            .emit_with_ack(event, payload, PATIENCE, move |payload, _| {
                if let Some(tx) = tx.lock().unwrap().take() {
                    // rust_socketio hands an acknowledgement over as one array
                    // of all its arguments.
                    let args = first_arg(payload);
                    let first = args.as_array().and_then(|a| a.first()).cloned().unwrap_or(args);
                    let _ = tx.send(first);
                }
                async {}.boxed()
            })
            .await
            .expect("emit");
        tokio::time::timeout(PATIENCE, rx)
            .await
            .unwrap_or_else(|_| panic!("no acknowledgement for {event}"))
            .expect("ack callback kept")
    }

    /// Sends an event without asking for an acknowledgement.
    pub async fn emit(&self, event: &str, payload: Value) {
        self.emit_with(event, Payload::Text(vec![payload])).await;
    }

    pub async fn emit_with(&self, event: &str, payload: Payload) {
        self.socket.emit(event, payload).await.expect("emit");
    }

    /// The next event called `name`; other events received meanwhile are kept
    /// for later calls.
    pub async fn expect(&mut self, name: &str) -> Value {
        self.expect_within(name, PATIENCE).await
    }

    /// `expect`, for something that may take longer than usual.
    pub async fn expect_within(&mut self, name: &str, patience: Duration) -> Value {
        if let Some(i) = self.held.iter().position(|(n, _)| n == name) {
            return self.held.remove(i).1;
        }
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let received = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("no {name} event; had {:?}", self.held))
                .expect("client alive");
            if received.0 == name {
                return received.1;
            }
            self.held.push(received);
        }
    }

    /// The next event of any name.
    pub async fn next_event(&mut self) -> (String, Value) {
        if !self.held.is_empty() {
            return self.held.remove(0);
        }
        tokio::time::timeout(PATIENCE, self.events.recv())
            .await
            .expect("an event")
            .expect("client alive")
    }

    /// Asserts that no event called `name` arrives within `window`.
    pub async fn expect_none(&mut self, name: &str, window: Duration) {
        assert!(
            !self.held.iter().any(|(n, _)| n == name),
            "unexpected {name}: {:?}",
            self.held
        );
        let deadline = tokio::time::Instant::now() + window;
        while let Ok(Some(received)) = tokio::time::timeout_at(deadline, self.events.recv()).await {
            assert_ne!(received.0, name, "unexpected {name}: {}", received.1);
            self.held.push(received);
        }
    }

    /// The names of the events received while waiting for others.
    pub fn held_names(&self) -> Vec<String> {
        self.held.iter().map(|(name, _)| name.clone()).collect()
    }

    /// Forgets the events received so far.
    pub fn clear(&mut self) {
        self.held.clear();
        while self.events.try_recv().is_ok() {}
    }

    pub async fn disconnect(self) {
        self.socket.disconnect().await.expect("disconnect");
    }

    // ---- protocol shortcuts ----

    pub async fn create_room(&self) -> String {
        let ack = self.call("create-room", json!({})).await;
        assert_eq!(ack["ok"], true, "{ack}");
        ack["room_id"].as_str().unwrap().to_owned()
    }

    pub async fn join(&self, room_id: &str, name: &str) -> Value {
        let ack = self.call("join", json!({"room_id": room_id, "name": name})).await;
        assert_eq!(ack["ok"], true, "{ack}");
        ack
    }
}

fn first_arg(payload: Payload) -> Value {
    match payload {
        Payload::Text(mut values) if !values.is_empty() => values.remove(0),
        Payload::Text(_) => Value::Null,
        Payload::Binary(bytes) => json!({"binary": bytes.len()}),
        #[allow(deprecated)]
        Payload::String(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

/// Asserts a failure acknowledgement with `code`, and a message for people.
#[track_caller]
pub fn assert_error(ack: &Value, code: &str) {
    assert_eq!(ack["ok"], false, "expected {code}, got {ack}");
    assert_eq!(ack["error"], code, "expected {code}, got {ack}");
    assert!(
        ack["message"].as_str().is_some_and(|m| !m.is_empty()),
        "a message for people: {ack}"
    );
}

/// The `rejoin` of the seat `ack` (of `join` or `rejoin`) gave.
pub fn rejoin_request(room: &str, ack: &Value) -> Value {
    json!({"room_id": room, "peer_id": ack["peer_id"], "rejoin_token": ack["rejoin_token"]})
}

/// Two people in a fresh room: (room id, Ada, Ada's join ack, Bob, Bob's ack).
pub async fn call_of_two(server: &TestServer) -> (String, Client, Value, Client, Value) {
    let mut ada = server.connect().await;
    let mut bob = server.connect().await;
    let room = ada.create_room().await;
    let ada_ack = ada.join(&room, "Ada").await;
    ada.expect("members").await;
    let bob_ack = bob.join(&room, "Bob").await;
    ada.expect("user-arrived").await;
    ada.expect("members").await;
    ada.clear();
    bob.expect("members").await;
    bob.clear();
    (room, ada, ada_ack, bob, bob_ack)
}

/// The server binary in a process of its own, so that it can be killed as a
/// crash would (`kill -9`): no goodbye to anyone.
pub struct ServerProcess {
    pub url: String,
    child: std::process::Child,
    _state: TempDir,
}

impl ServerProcess {
    /// Starts `duet` with `args` on a port of its own, logging warnings to
    /// the test's standard error; resolves once it says where it listens.
    pub async fn start(args: &[&str]) -> Self {
        Self::start_logging(args, "warn", std::process::Stdio::inherit()).await
    }

    /// Starts `duet` logging at `level` to `logs`. Its standard output is
    /// read up to the line saying where it listens, then closed.
    pub async fn start_logging(args: &[&str], level: &str, logs: std::process::Stdio) -> Self {
        use std::io::BufRead;
        let state = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_duet"))
            .args(["--listen", "127.0.0.1:0", "--log-level", level, "--state-dir"])
            .arg(state.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(logs)
            .spawn()
            .expect("the duet binary starts");
        let stdout = child.stdout.take().unwrap();
        let url = tokio::task::spawn_blocking(move || {
            std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .find_map(|line| {
                    let rest = line.split("open ").nth(1)?;
                    Some(rest.split_whitespace().next()?.trim_end_matches('/').to_owned())
                })
        })
        .await
        .unwrap()
        .expect("the server says where it listens");
        Self {
            url,
            child,
            _state: state,
        }
    }

    /// The pipe of its logs, when started with `Stdio::piped()`.
    pub fn take_logs(&mut self) -> Option<std::process::ChildStderr> {
        self.child.stderr.take()
    }

    /// Sends `signal` (`TERM`, `INT`) as a service manager or a terminal would.
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIG{signal} sent");
    }

    /// How it exited, if it did within `patience`.
    pub async fn exit_within(&mut self, patience: Duration) -> Option<std::process::ExitStatus> {
        let deadline = tokio::time::Instant::now() + patience;
        while tokio::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    pub async fn connect(&self) -> Client {
        Client::connect(&self.url, TransportType::Websocket).await
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
