//! Connections to Redis, for the room store and the Socket.IO adapter that
//! servers sharing rooms use: RESP3 (pub/sub messages arrive on the same
//! connection as replies), reconnecting by itself and subscribing again to
//! its channels after a reconnection, with bounded waits so that a Redis
//! that does not answer never holds a request for long.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{IntoConnectionInfo, ProtocolVersion, PushInfo};
use tokio::sync::mpsc::UnboundedSender;

/// How long a command may wait for its answer.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest pause between attempts to reconnect.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(2);
/// Attempts to reconnect before a waiting request is failed (the next
/// request tries again): requests fail at once while Redis is away, rather
/// than waiting through a long series of retries.
const RECONNECT_ATTEMPTS: usize = 1;

/// Where Redis is: `redis://[user:password@]host:port/db`, or `rediss://`
/// for TLS. `Debug` and `Display` leave the password out.
#[derive(Clone)]
pub struct RedisUrl(String);

impl FromStr for RedisUrl {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        raw.into_connection_info()
            .map_err(|e| format!("not a Redis URL (redis://host:6379/0 or rediss://...): {e}"))?;
        Ok(Self(raw.to_owned()))
    }
}

impl RedisUrl {
    /// The URL without its user and password, for logs.
    fn redacted(&self) -> String {
        match self.0.split_once("://") {
            Some((scheme, rest)) => match rest.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://***@{host}"),
                None => self.0.clone(),
            },
            None => self.0.clone(),
        }
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({})", self.redacted())
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// A connection that reconnects by itself. With `pushes`, the messages of
/// the channels it subscribes to are sent there, and it subscribes to them
/// again after every reconnection.
pub async fn connect(
    url: &RedisUrl,
    pushes: Option<UnboundedSender<PushInfo>>,
) -> redis::RedisResult<ConnectionManager> {
    if url.0.starts_with("rediss:") {
        // redis-rs builds its TLS configuration on the process's default
        // provider: make it ring, as for the rest of the server.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let info = url.0.as_str().into_connection_info()?;
    let settings = info.redis_settings().clone().set_protocol(ProtocolVersion::RESP3);
    // Every command is small and each one matters now: no Nagle delay,
    // which redis-rs leaves on (measured: relays between servers waited
    // milliseconds for it).
    let tcp = info.tcp_settings().clone().set_nodelay(true);
    let client = redis::Client::open(info.set_redis_settings(settings).set_tcp_settings(tcp))?;
    let mut config = ConnectionManagerConfig::new()
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_max_delay(MAX_RECONNECT_DELAY)
        .set_number_of_retries(RECONNECT_ATTEMPTS);
    if let Some(pushes) = pushes {
        config = config.set_push_sender(pushes).set_automatic_resubscription();
    }
    client.get_connection_manager_with_config(config).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_passwords_stay_out_of_logs() {
        let url: RedisUrl = "redis://:s3cret@redis.internal:6379/2".parse().unwrap();
        assert!(!format!("{url:?} {url}").contains("s3cret"));
        assert!(url.to_string().contains("redis.internal:6379/2"));
        assert!(
            "rediss://user:pw@redis.example:6380/0"
                .parse::<RedisUrl>()
                .is_ok()
        );
        assert!("http://example.com".parse::<RedisUrl>().is_err());
        assert!("".parse::<RedisUrl>().is_err());
    }
}
