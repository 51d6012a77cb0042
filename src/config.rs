//! Command-line flags, each with an environment-variable fallback. The doc
//! comments are the `--help` text.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

use crate::domain::IceServer;
use crate::store::RoomRules;
use crate::telemetry::LogFormat;

#[derive(Clone, Debug, Parser)]
#[command(name = "duet", version, about, long_about = None)]
pub struct Config {
    /// Address and port to serve on. Use 0.0.0.0:8080 to let other machines
    /// (a phone on the same network) connect.
    #[arg(long, env = "DUET_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// People per room: 2 for a one-to-one call.
    #[arg(long, env = "DUET_MAX_USERS", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub max_users: u32,

    /// How long an empty room stays available for its link (e.g. 30m, 24h).
    #[arg(long, env = "DUET_ROOM_TTL", default_value = "24h", value_parser = parse_duration)]
    pub room_ttl: Duration,

    /// How long a seat is kept for a peer whose signalling connection dropped,
    /// so that it can rejoin (e.g. 20s).
    #[arg(long, env = "DUET_RECONNECT_GRACE", default_value = "20s", value_parser = parse_duration)]
    pub reconnect_grace: Duration,

    /// An ICE server handed to browsers; repeat the flag for several. Written
    /// as a URL, credentials as user info:
    /// stun:stun.example.com:3478 or turn:USER:PASSWORD@turn.example.com:3478.
    /// In the environment, separate several with commas.
    #[arg(
        long = "ice-server",
        env = "DUET_ICE_SERVERS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub ice_servers: Vec<IceServer>,

    /// Log format: text for people, json for log collectors.
    #[arg(long, env = "DUET_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Log level or filter, e.g. info, debug, or duet=debug,socketioxide=info.
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log_level: String,
}

impl Config {
    pub fn room_rules(&self) -> RoomRules {
        RoomRules {
            max_users: self.max_users,
            room_ttl: self.room_ttl,
            reconnect_grace: self.reconnect_grace,
        }
    }

    /// The defaults, listening on `listen`: what tests start from.
    pub fn with_listen(listen: SocketAddr) -> Self {
        let mut config = Self::parse_from(["duet"]);
        config.listen = listen;
        config
    }
}

/// Durations the human way: `3s`, `10m`, `24h`, `1h 30m`.
fn parse_duration(raw: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(raw).map_err(|e| e.to_string())?;
    if duration.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(duration)
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
        ] {
            assert!(Config::try_parse_from(args).is_err(), "{args:?}");
        }
    }
}
