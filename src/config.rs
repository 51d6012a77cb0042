//! Command-line flags, each with an environment-variable fallback. The doc
//! comments are the `--help` text.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Arg, CommandFactory, FromArgMatches, Parser};
use ipnet::IpNet;

use crate::domain::IceServer;
use crate::limits::{Budget, ClientLimits};
use crate::redis_conn::RedisUrl;
use crate::secrets::{RejoinSecret, StateDir};
use crate::store::RoomRules;
use crate::telemetry::{LogFilter, LogFormat};
use crate::tls::{AcmeSettings, TlsMode};
use crate::turn::{PortRange, TurnSecret, TurnSettings};

/// The headings `--help` groups the options under, in this order.
mod heading {
    pub const LISTENING: &str = "Listening";
    pub const ROOMS: &str = "Rooms and limits";
    pub const TLS: &str = "HTTPS (certificate files, self-signed, or ACME)";
    pub const TURN: &str = "ICE and TURN servers";
    pub const PROXIES: &str = "Reverse proxies";
    pub const STATE: &str = "State, and rooms shared with other servers";
    pub const LOGGING: &str = "Logging";
}

#[derive(Clone, Debug, Parser)]
#[command(name = "duet", version, about, long_about = None)]
pub struct Config {
    /// Address and port to serve on: IP:PORT, localhost:PORT, or a port alone
    /// (this machine only). 0.0.0.0:8080 lets other machines connect; their
    /// browsers give a page the camera only over HTTPS (add
    /// --tls-self-signed on a LAN).
    #[arg(long, env = "DUET_LISTEN", default_value = "127.0.0.1:8080", value_name = "ADDRESS",
          value_parser = parse_socket_addr, help_heading = heading::LISTENING)]
    pub listen: SocketAddr,

    /// People per room: 2 for a one-to-one call.
    #[arg(long, env = "DUET_MAX_USERS", default_value_t = 2, value_name = "COUNT", value_parser = clap::value_parser!(u32).range(1..=64),
          help_heading = heading::ROOMS)]
    pub max_users: u32,

    /// How long an empty room stays available for its link (e.g. 30m, 24h).
    #[arg(long, env = "DUET_ROOM_TTL", default_value = "24h", value_name = "DURATION", value_parser = parse_duration,
          help_heading = heading::ROOMS)]
    pub room_ttl: Duration,

    /// How long a seat is kept for a peer whose signalling connection dropped,
    /// so that it can rejoin (e.g. 20s).
    #[arg(long, env = "DUET_RECONNECT_GRACE", default_value = "20s", value_name = "DURATION",
          value_parser = parse_duration, help_heading = heading::ROOMS)]
    pub reconnect_grace: Duration,

    /// Connections one client address may hold at once (0: no cap), TCP
    /// connections and signalling connections each counted; it may also open
    /// this many signalling sessions at once, then as many again every 10 s.
    #[arg(long, env = "DUET_MAX_CONNECTIONS_PER_IP", default_value_t = 1000, value_name = "COUNT",
          help_heading = heading::ROOMS)]
    pub max_connections_per_ip: usize,

    /// Rooms one client address may create (HTTP and Socket.IO together):
    /// COUNT/DURATION, that many at once and as many again over each such
    /// time, or off.
    #[arg(long, env = "DUET_ROOM_CREATIONS_PER_IP", default_value = "1000/1h", value_name = "BUDGET",
          help_heading = heading::ROOMS)]
    pub room_creations_per_ip: Budget,

    /// Lookups of rooms that do not exist one client address may make (the
    /// rooms API, room pages, room-info, join), as COUNT/DURATION or off;
    /// once spent, its lookups are refused until the budget comes back.
    #[arg(long, env = "DUET_MISSING_ROOMS_PER_IP", default_value = "500/1h", value_name = "BUDGET",
          help_heading = heading::ROOMS)]
    pub missing_rooms_per_ip: Budget,

    /// How long a client may take to send a request's headers, and again
    /// its body, before the connection is closed.
    #[arg(long, env = "DUET_REQUEST_TIMEOUT", default_value = "15s", value_name = "DURATION",
          value_parser = parse_duration, help_heading = heading::ROOMS)]
    pub request_timeout: Duration,

    /// Serve HTTPS with this certificate chain (PEM); with --tls-key. Both
    /// files are read again when they change, and on SIGHUP.
    #[arg(long, env = "DUET_TLS_CERT", requires = "tls_key", value_name = "FILE", value_parser = readable_file,
          help_heading = heading::TLS)]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "DUET_TLS_KEY", requires = "tls_cert", value_name = "FILE", value_parser = readable_file,
          help_heading = heading::TLS)]
    pub tls_key: Option<PathBuf>,

    /// Serve HTTPS with a certificate made at start for localhost, this
    /// machine's addresses and every --tls-name; its SHA-256 fingerprint is
    /// printed, to check in the browser's warning. Enough for a LAN.
    #[arg(long, env = "DUET_TLS_SELF_SIGNED", value_parser = BoolishValueParser::new(), help_heading = heading::TLS)]
    pub tls_self_signed: bool,

    /// A host name for the self-signed certificate; repeatable.
    #[arg(long = "tls-name", env = "DUET_TLS_NAMES", value_delimiter = ',', value_name = "NAME",
          requires = "tls_self_signed", help_heading = heading::TLS)]
    pub tls_names: Vec<String>,

    /// Serve HTTPS with certificates from an ACME CA (Let's Encrypt by
    /// default) for this domain; repeatable. The server must be reachable on
    /// port 443 of the domain (TLS-ALPN-01 challenge).
    #[arg(long = "acme-domain", env = "DUET_ACME_DOMAINS", value_delimiter = ',', value_name = "DOMAIN",
          help_heading = heading::TLS)]
    pub acme_domains: Vec<String>,

    /// Contact e-mail address for the ACME account.
    #[arg(long, env = "DUET_ACME_EMAIL", value_name = "EMAIL", requires = "acme_domains", help_heading = heading::TLS)]
    pub acme_email: Option<String>,

    /// Where ACME certificates and the account key are kept across restarts.
    #[arg(long, env = "DUET_ACME_CACHE", default_value = "acme-cache", value_name = "DIR",
          requires = "acme_domains", help_heading = heading::TLS)]
    pub acme_cache: PathBuf,

    /// The ACME directory URL of a CA other than Let's Encrypt.
    #[arg(long, env = "DUET_ACME_DIRECTORY", value_name = "URL", requires = "acme_domains",
          help_heading = heading::TLS)]
    pub acme_directory: Option<String>,

    /// A root certificate (PEM) to trust for talking to the ACME CA, for a
    /// private or test CA.
    #[arg(long, env = "DUET_ACME_CA_ROOT", value_name = "FILE", value_parser = readable_file,
          requires = "acme_domains", help_heading = heading::TLS)]
    pub acme_ca_root: Option<PathBuf>,

    /// With HTTPS on, also listen here for plain HTTP that only redirects to
    /// HTTPS (e.g. 0.0.0.0:80).
    #[arg(long, env = "DUET_HTTP_REDIRECT", value_name = "ADDRESS", value_parser = parse_socket_addr,
          help_heading = heading::TLS)]
    pub http_redirect: Option<SocketAddr>,

    /// An ICE server handed to browsers; repeat the flag for several. Written
    /// as a URL, credentials as user info:
    /// stun:stun.example.com:3478 or turn:USER:PASSWORD@turn.example.com:3478.
    /// In the environment, separate several with commas.
    #[arg(
        long = "ice-server",
        env = "DUET_ICE_SERVERS",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "URL",
        help_heading = heading::TURN
    )]
    pub ice_servers: Vec<IceServer>,

    /// Run the built-in STUN/TURN server (UDP) and hand browsers its address,
    /// with credentials that expire. Open --turn-listen's port and the relay
    /// ports (UDP) in the firewall.
    #[arg(long, env = "DUET_TURN", value_parser = BoolishValueParser::new(), help_heading = heading::TURN)]
    pub turn: bool,

    /// Where the built-in STUN/TURN server listens (UDP); with --turn.
    #[arg(long, env = "DUET_TURN_LISTEN", default_value = "0.0.0.0:3478", value_name = "ADDRESS",
          value_parser = parse_socket_addr, requires = "turn", help_heading = heading::TURN)]
    pub turn_listen: SocketAddr,

    /// The public IP address of this machine, announced for relays and handed
    /// to browsers; needed behind 1:1 NAT, as on most cloud VMs. Without it,
    /// relays are announced on the address of the default route and browsers
    /// are sent to the host they loaded the page from. With --turn.
    #[arg(long, env = "DUET_TURN_EXTERNAL_IP", value_name = "IP", requires = "turn", help_heading = heading::TURN)]
    pub turn_external_ip: Option<IpAddr>,

    /// UDP ports the built-in TURN server relays media on, MIN-MAX; with --turn.
    #[arg(long, env = "DUET_TURN_RELAY_PORTS", default_value = "49152-65535", value_name = "MIN-MAX",
          requires = "turn", help_heading = heading::TURN)]
    pub turn_relay_ports: PortRange,

    /// The secret shared with TURN servers, from which each peer's
    /// credentials are derived (coturn: static-auth-secret). When not given,
    /// a random one is made and kept in the state directory, or with
    /// --redis-url in Redis (fine for the built-in server alone).
    #[arg(long, env = "DUET_TURN_SECRET", hide_env_values = true, value_name = "SECRET", help_heading = heading::TURN)]
    pub turn_secret: Option<TurnSecret>,

    /// An external TURN server configured with the same secret (coturn's
    /// use-auth-secret), e.g. turn:turn.example.com:3478?transport=udp;
    /// repeat the flag for several. In the environment, comma-separated.
    #[arg(long = "turn-url", env = "DUET_TURN_URLS", value_delimiter = ',', value_parser = parse_turn_url,
          value_name = "URL", help_heading = heading::TURN)]
    pub turn_urls: Vec<String>,

    /// How long TURN credentials stay valid (e.g. 1h, 12h). The built-in
    /// server ends relays made with them a quarter of this (at most a minute)
    /// after they expire; pages renew them before.
    #[arg(long, env = "DUET_TURN_CREDENTIAL_TTL", default_value = "1h", value_name = "DURATION",
          value_parser = parse_duration, help_heading = heading::TURN)]
    pub turn_credential_ttl: Duration,

    /// Relay allocations one user (one peer's credentials) may hold on the
    /// built-in server; a user over it loses them all. With --turn.
    #[arg(long, env = "DUET_TURN_MAX_ALLOCATIONS", default_value_t = 10, value_name = "COUNT",
          requires = "turn", help_heading = heading::TURN)]
    pub turn_max_allocations: usize,

    /// The realm of the built-in TURN server; with --turn.
    #[arg(long, env = "DUET_TURN_REALM", default_value = "duet", value_name = "REALM", requires = "turn",
          help_heading = heading::TURN)]
    pub turn_realm: String,

    /// A reverse proxy (address or CIDR) whose X-Forwarded-For and
    /// X-Forwarded-Proto headers are believed, so that logs and per-client
    /// limits see the real client; repeatable. Headers from anyone else are
    /// ignored.
    #[arg(long = "trusted-proxy", env = "DUET_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net,
          value_name = "ADDRESS", help_heading = heading::PROXIES)]
    pub trusted_proxies: Vec<IpNet>,

    /// Where the server keeps what must survive a restart: the secret that
    /// signs rejoin tickets and, unless --turn-secret is given, the TURN
    /// secret, so that calls in progress carry on after a crash or a deploy.
    /// Made with permissions for its owner alone. Default: systemd's
    /// StateDirectory, else ~/.local/state/duet (or the platform's own).
    #[arg(long, env = "DUET_STATE_DIR", value_name = "DIR", help_heading = heading::STATE)]
    pub state_dir: Option<PathBuf>,

    /// The secret rejoin tickets are signed with, instead of the one kept
    /// in the state directory (or, with --redis-url, in Redis, shared by
    /// every server there). At least 16 characters.
    #[arg(long, env = "DUET_REJOIN_SECRET", hide_env_values = true, value_name = "SECRET",
          help_heading = heading::STATE)]
    pub rejoin_secret: Option<RejoinSecret>,

    /// Share rooms and signalling with other duet servers through this Redis
    /// (7 or later), e.g. redis://127.0.0.1:6379/0, rediss:// for TLS, a
    /// password as redis://:PASSWORD@host:6379/0. Without it, rooms live in
    /// this server's memory.
    #[arg(long, env = "DUET_REDIS_URL", hide_env_values = true, value_name = "URL", help_heading = heading::STATE)]
    pub redis_url: Option<RedisUrl>,

    /// Log format: text for people, json for log collectors.
    #[arg(long, env = "DUET_LOG_FORMAT", value_enum, default_value = "text", help_heading = heading::LOGGING)]
    pub log_format: LogFormat,

    /// Log level (error, warn, info, debug, trace, off) or a filter such as
    /// duet=debug,info.
    #[arg(long, env = "RUST_LOG", default_value = "info", value_name = "FILTER", help_heading = heading::LOGGING)]
    pub log_level: LogFilter,
}

impl Config {
    /// The flags and environment of this process; on an error, or for
    /// `--help`, prints clap's message and exits.
    pub fn from_command_line() -> Self {
        let matches = Self::command()
            .mut_args(show_env_values_only_when_set)
            .get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }

    pub fn room_rules(&self) -> RoomRules {
        RoomRules {
            max_users: self.max_users,
            room_ttl: self.room_ttl,
            reconnect_grace: self.reconnect_grace,
        }
    }

    /// What each client address may hold and spend.
    pub fn client_limits(&self) -> ClientLimits {
        ClientLimits::new(
            self.max_connections_per_ip,
            self.room_creations_per_ip,
            self.missing_rooms_per_ip,
        )
    }

    /// Where the secrets not given by flags are kept.
    pub fn state_dir(&self) -> StateDir {
        match &self.state_dir {
            Some(dir) => StateDir::Chosen(dir.clone()),
            None => StateDir::default_for_user(),
        }
    }

    /// The built-in TURN server's settings, when `--turn` is on.
    pub fn turn_settings(&self) -> Option<TurnSettings> {
        self.turn.then(|| TurnSettings {
            listen: self.turn_listen,
            external_ip: self.turn_external_ip,
            relay_ports: self.turn_relay_ports,
            realm: self.turn_realm.clone(),
            max_allocations_per_user: self.turn_max_allocations,
            expiry_grace: (self.turn_credential_ttl / 4).min(Duration::from_secs(60)),
        })
    }

    /// Checks what flags cannot check one by one.
    pub fn validate(&self) -> Result<(), String> {
        if !self.turn_urls.is_empty() && self.turn_secret.is_none() {
            return Err(
                "--turn-url needs --turn-secret: the secret that TURN server was configured with".into(),
            );
        }
        let tls_modes = [
            self.tls_cert.is_some(),
            self.tls_self_signed,
            !self.acme_domains.is_empty(),
        ];
        if tls_modes.iter().filter(|on| **on).count() > 1 {
            return Err("choose one of --tls-cert/--tls-key, --tls-self-signed and --acme-domain".into());
        }
        if self.http_redirect.is_some() && self.tls().is_none() {
            return Err("--http-redirect redirects to HTTPS: it needs one of the TLS options".into());
        }
        Ok(())
    }

    /// How HTTPS is served, if it is.
    pub fn tls(&self) -> Option<TlsMode> {
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            return Some(TlsMode::Files {
                cert: cert.clone(),
                key: key.clone(),
            });
        }
        if self.tls_self_signed {
            return Some(TlsMode::SelfSigned {
                names: self.tls_names.clone(),
            });
        }
        if !self.acme_domains.is_empty() {
            return Some(TlsMode::Acme(AcmeSettings {
                domains: self.acme_domains.clone(),
                email: self.acme_email.clone(),
                cache: self.acme_cache.clone(),
                directory: self.acme_directory.clone(),
                ca_root: self.acme_ca_root.clone(),
            }));
        }
        None
    }

    /// The defaults, listening on `listen`: what tests start from.
    pub fn with_listen(listen: SocketAddr) -> Self {
        let mut config = Self::parse_from(["duet"]);
        config.listen = listen;
        config
    }
}

/// `--help` shows an environment variable's value when it is set (and not
/// a secret), and its name alone when not, rather than `[env: NAME=]`, which
/// reads as set to nothing.
fn show_env_values_only_when_set(arg: Arg) -> Arg {
    let unset = arg
        .get_env()
        .is_some_and(|name| std::env::var_os(name).is_none_or(|value| value.is_empty()));
    if unset { arg.hide_env_values(true) } else { arg }
}

/// An address (`10.0.0.1`) or a network (`10.0.0.0/8`).
fn parse_net(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{raw:?} is not an address or a network such as 10.0.0.0/8"))
}

/// A TURN server URL: `turn:` or `turns:`.
fn parse_turn_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if (raw.starts_with("turn:") || raw.starts_with("turns:")) && raw.len() > "turns:".len() {
        Ok(raw.to_owned())
    } else {
        Err("a TURN URL starts with turn: or turns:, e.g. turn:turn.example.com:3478?transport=udp".into())
    }
}

/// Durations the human way: `3s`, `10m`, `24h`, `1h 30m`. A number alone
/// is refused: seconds or minutes, nobody can tell.
fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let last = raw.split_whitespace().last().unwrap_or_default();
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{last} needs a unit: write e.g. {last}s or {last}m (units: s, m, h, d)"
        ));
    }
    let duration = humantime::parse_duration(raw)
        .map_err(|e| format!("{e}: write a duration such as 30s, 10m, 24h or 1h 30m"))?;
    if duration.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(duration)
}

/// An address to listen on: `IP:PORT`, `localhost:PORT` (127.0.0.1), or a
/// port alone, which means this machine only (127.0.0.1): listening beyond
/// it is asked for by name, never by leaving something out.
fn parse_socket_addr(raw: &str) -> Result<SocketAddr, String> {
    let raw = raw.trim();
    if let Ok(addr) = raw.parse() {
        return Ok(addr);
    }
    let port = raw.strip_prefix("localhost:").unwrap_or(raw);
    port.parse::<u16>()
        .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
        .map_err(|_| {
            "write IP:PORT, localhost:PORT or a port alone, e.g. 8080 (this machine only), \
             0.0.0.0:8080 (every network interface) or [::]:8080 (IPv6 too)"
                .to_owned()
        })
}

/// A file the server will read: refused at once, with its flag, when it
/// cannot be, rather than after start-up with a bare operating-system error.
fn readable_file(raw: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(raw);
    match std::fs::File::open(&path).and_then(|file| file.metadata()) {
        Ok(meta) if meta.is_file() => Ok(path),
        Ok(_) => Err(format!("{raw} is not a file")),
        Err(e) => Err(format!("cannot read {raw}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let config = Config::parse_from(["duet"]);
        assert_eq!(config.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.max_users, 2);
        assert_eq!(config.room_ttl, Duration::from_secs(24 * 3600));
        assert_eq!(config.reconnect_grace, Duration::from_secs(20));
        assert!(config.ice_servers.is_empty());
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.max_connections_per_ip, 1000);
        assert_eq!(config.room_creations_per_ip, "1000/1h".parse().unwrap());
        assert_eq!(config.missing_rooms_per_ip, "500/1h".parse().unwrap());
        assert_eq!(config.request_timeout, Duration::from_secs(15));
    }

    #[test]
    fn flags_take_human_durations_and_repeated_ice_servers() {
        let config = Config::parse_from([
            "duet",
            "--listen",
            "0.0.0.0:9000",
            "--max-users",
            "3",
            "--room-ttl",
            "10m",
            "--reconnect-grace",
            "3s",
            "--ice-server",
            "stun:a.example:3478",
            "--ice-server",
            "turn:u:p@b.example:3478",
            "--log-format",
            "json",
        ]);
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.max_users, 3);
        assert_eq!(config.room_ttl, Duration::from_secs(600));
        assert_eq!(config.reconnect_grace, Duration::from_secs(3));
        assert_eq!(config.ice_servers.len(), 2);
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn rejects_bad_values() {
        for args in [
            &["duet", "--room-ttl", "soon"][..],
            &["duet", "--reconnect-grace", "0s"],
            &["duet", "--max-users", "0"],
            &["duet", "--ice-server", "http://example.com"],
            &["duet", "--log-format", "xml"],
            &["duet", "--turn", "--turn-relay-ports", "70000-80000"],
            &["duet", "--room-ttl", "5"],
            &["duet", "--log-level", "verbose"],
            &[
                "duet",
                "--tls-cert",
                "/nonexistent/cert.pem",
                "--tls-key",
                "/nonexistent/key.pem",
            ],
            &["duet", "--turn-url", "stun:example.com"],
            &["duet", "--turn-secret", ""],
        ] {
            assert!(Config::try_parse_from(args).is_err(), "{args:?}");
        }
    }

    #[test]
    fn listen_takes_an_address_localhost_or_a_port_alone_on_loopback() {
        for (given, meant) in [
            ("0.0.0.0:9000", "0.0.0.0:9000"),
            ("[::]:9000", "[::]:9000"),
            ("localhost:9000", "127.0.0.1:9000"),
            ("9000", "127.0.0.1:9000"),
        ] {
            let config = Config::try_parse_from(["duet", "--listen", given]).unwrap();
            assert_eq!(config.listen, meant.parse().unwrap(), "{given}");
        }
        for bad in ["example.com:80", "localhost", "70000", "0.0.0.0"] {
            let error = Config::try_parse_from(["duet", "--listen", bad])
                .unwrap_err()
                .to_string();
            assert!(error.contains("e.g. 8080"), "{bad}: {error}");
        }
    }

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(
            parse_duration("5").unwrap_err(),
            "5 needs a unit: write e.g. 5s or 5m (units: s, m, h, d)"
        );
        assert!(parse_duration("1h 30").unwrap_err().contains("30s or 30m"));
        assert!(parse_duration("soon").unwrap_err().contains("such as 30s"));
    }

    #[test]
    fn settings_of_a_mode_not_chosen_are_refused() {
        for args in [
            &["duet", "--turn-external-ip", "203.0.113.7"][..],
            &["duet", "--turn-listen", "0.0.0.0:3478"],
            &["duet", "--turn-relay-ports", "40000-40999"],
            &["duet", "--turn-max-allocations", "3"],
            &["duet", "--turn-realm", "example"],
            &["duet", "--tls-name", "call.lan"],
            &["duet", "--acme-email", "me@example.com"],
        ] {
            assert!(Config::try_parse_from(args).is_err(), "{args:?}");
        }
        // Those that serve external TURN servers need no --turn.
        Config::try_parse_from([
            "duet",
            "--turn-url",
            "turn:t.example.com:3478",
            "--turn-secret",
            "s3cret",
            "--turn-credential-ttl",
            "2h",
        ])
        .unwrap();
    }

    #[test]
    fn turn_flags() {
        let config = Config::parse_from(["duet"]);
        assert!(config.turn_settings().is_none());
        assert_eq!(config.turn_credential_ttl, Duration::from_secs(3600));
        assert_eq!(
            config.turn_relay_ports,
            PortRange {
                min: 49152,
                max: 65535
            }
        );

        let config = Config::parse_from([
            "duet",
            "--turn",
            "--turn-listen",
            "127.0.0.1:3479",
            "--turn-external-ip",
            "203.0.113.7",
            "--turn-secret",
            "s3cret",
            "--turn-url",
            "turn:turn.example.com:3478?transport=udp",
        ]);
        let settings = config.turn_settings().unwrap();
        assert_eq!(settings.listen.port(), 3479);
        assert_eq!(settings.external_ip, Some("203.0.113.7".parse().unwrap()));
        assert_eq!(settings.expiry_grace, Duration::from_secs(60), "at most a minute");
        assert!(config.validate().is_ok());
        let short = Config::parse_from(["duet", "--turn", "--turn-credential-ttl", "20s"]);
        assert_eq!(
            short.turn_settings().unwrap().expiry_grace,
            Duration::from_secs(5),
            "a quarter of the credentials' life"
        );
        assert!(
            !format!("{config:?}").contains("s3cret"),
            "the secret stays out of Debug"
        );

        let external_without_secret = Config::parse_from(["duet", "--turn-url", "turn:t.example.com:3478"]);
        assert!(external_without_secret.validate().is_err());
    }
}
