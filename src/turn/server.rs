//! The built-in STUN/TURN server: UDP, one listener, relays in a port range,
//! per-user quotas: a cap on allocations, and a lifetime that ends with the
//! credentials.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket as StdUdpSocket};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::net::UdpSocket;
use tokio::task::JoinHandle;
use turn::relay::relay_range::RelayAddressGeneratorRanges;
use turn::server::Server;
use turn::server::config::{ConnConfig, ServerConfig};
use webrtc_util::vnet::net::Net;

use super::auth::RestCredentials;
use super::credentials::{TurnSecret, check_expiry};
use crate::telemetry::Metrics;

/// How often allocations are checked against the per-user quotas.
const QUOTA_CHECK: Duration = Duration::from_secs(2);

/// UDP ports for relays, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub min: u16,
    pub max: u16,
}

impl FromStr for PortRange {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let (min, max) = raw
            .split_once('-')
            .ok_or("a port range is MIN-MAX, e.g. 49152-65535")?;
        let min: u16 = min.trim().parse().map_err(|e| format!("{min}: {e}"))?;
        let max: u16 = max.trim().parse().map_err(|e| format!("{max}: {e}"))?;
        if min == 0 || max < min {
            return Err("a port range is MIN-MAX with 0 < MIN <= MAX".into());
        }
        Ok(Self { min, max })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.min, self.max)
    }
}

#[derive(Clone, Debug)]
pub struct TurnSettings {
    pub listen: SocketAddr,
    /// The address announced for relays; found from the routing table when
    /// not given.
    pub external_ip: Option<IpAddr>,
    pub relay_ports: PortRange,
    pub realm: String,
    pub max_allocations_per_user: usize,
    /// How long allocations outlive the expiry of their credentials, for a
    /// page whose clock is a little ahead, or whose renewal is under way.
    pub expiry_grace: Duration,
}

pub struct TurnServer {
    server: Arc<Server>,
    pub local_addr: SocketAddr,
    pub relay_ip: IpAddr,
    quota: JoinHandle<()>,
}

impl TurnServer {
    /// Binds the listener and starts serving.
    pub async fn start(
        settings: &TurnSettings,
        secret: TurnSecret,
        metrics: Arc<Metrics>,
    ) -> io::Result<Self> {
        let socket = UdpSocket::bind(settings.listen).await?;
        let local_addr = socket.local_addr()?;
        let relay_ip = settings
            .external_ip
            .unwrap_or_else(|| announced_ip(settings.listen.ip()));
        let bind_ip = settings.listen.ip();
        let config = ServerConfig {
            conn_configs: vec![ConnConfig {
                conn: Arc::new(socket),
                relay_addr_generator: Box::new(RelayAddressGeneratorRanges {
                    relay_address: relay_ip,
                    min_port: settings.relay_ports.min,
                    max_port: settings.relay_ports.max,
                    max_retries: 16,
                    address: bind_ip.to_string(),
                    net: Arc::new(Net::new(None)),
                }),
            }],
            realm: settings.realm.clone(),
            auth_handler: Arc::new(RestCredentials { secret }),
            channel_bind_timeout: Duration::ZERO,
            alloc_close_notify: None,
        };
        let server = Arc::new(Server::new(config).await.map_err(io::Error::other)?);
        let quota = tokio::spawn(enforce_quota(Arc::clone(&server), settings.clone(), metrics));
        Ok(Self {
            server,
            local_addr,
            relay_ip,
            quota,
        })
    }

    pub async fn stop(self) {
        self.quota.abort();
        if let Err(e) = self.server.close().await {
            tracing::debug!(error = %e, "TURN server did not close cleanly");
        }
    }
}

/// The address other machines reach this one by: the listen address if it
/// is a specific one, else the source address of the default route.
fn announced_ip(listen: IpAddr) -> IpAddr {
    if !listen.is_unspecified() {
        return listen;
    }
    // Connecting a UDP socket sends nothing; it only picks the route.
    let routed = StdUdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|socket| socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).map(|()| socket))
        .and_then(|socket| socket.local_addr());
    match routed {
        Ok(addr) => addr.ip(),
        Err(e) => {
            tracing::warn!(error = %e, "no default route: TURN relays announced on 127.0.0.1; set --turn-external-ip");
            Ipv4Addr::LOCALHOST.into()
        }
    }
}

/// Checks allocations by username now and then. A user over the cap (a
/// leaked credential, say) loses all of its allocations, and so does a user
/// whose credentials expired more than the grace ago: TURN itself only
/// refuses new requests with them, and would let an allocation refreshed
/// just before the expiry live up to an hour longer. Pages fetch fresh
/// credentials and restart ICE before theirs expire.
async fn enforce_quota(server: Arc<Server>, settings: TurnSettings, metrics: Arc<Metrics>) {
    let max_per_user = settings.max_allocations_per_user;
    let mut ticks = tokio::time::interval(QUOTA_CHECK);
    loop {
        ticks.tick().await;
        let Ok(allocations) = server.get_allocations_info(None).await else {
            return;
        };
        metrics.turn_allocations.set(allocations.len() as f64);
        let mut per_user: HashMap<String, usize> = HashMap::new();
        for info in allocations.values() {
            *per_user.entry(info.username.clone()).or_default() += 1;
        }
        let grace_start = SystemTime::now() - settings.expiry_grace;
        for (username, count) in per_user {
            if count > max_per_user {
                tracing::warn!(%username, count, max_per_user, "TURN allocations over the per-user cap: removed");
            } else if check_expiry(&username, grace_start).is_err() {
                tracing::info!(%username, count, "TURN allocations past their credentials' expiry: removed");
            } else {
                continue;
            }
            if let Err(e) = server.delete_allocations_by_username(username).await {
                tracing::warn!(error = %e, "could not remove TURN allocations");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        assert_eq!(
            "49152-65535".parse(),
            Ok(PortRange {
                min: 49152,
                max: 65535
            })
        );
        assert_eq!("5000-5000".parse(), Ok(PortRange { min: 5000, max: 5000 }));
        for bad in ["", "5000", "0-10", "10-5", "a-b", "1-70000"] {
            assert!(bad.parse::<PortRange>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_specific_listen_address_is_announced() {
        assert_eq!(
            announced_ip("10.0.0.5".parse().unwrap()),
            "10.0.0.5".parse::<IpAddr>().unwrap()
        );
    }
}
