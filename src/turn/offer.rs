//! The ICE servers handed to each peer in the `join` acknowledgement.

use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, SystemTime};

use super::credentials::{TurnSecret, issue};
use crate::domain::{IceServer, PeerId};

/// Everything a browser needs to find a path to the other one: the
/// configured STUN/TURN servers, the built-in one, and external TURN servers
/// sharing the secret, the TURN ones with credentials for this peer alone.
pub struct IceServerList {
    pub configured: Vec<IceServer>,
    pub secret: TurnSecret,
    pub credential_ttl: Duration,
    pub builtin: Option<BuiltinTurn>,
    /// External TURN servers (e.g. coturn with `use-auth-secret`).
    pub external_turn_urls: Vec<String>,
}

/// Where browsers find the built-in STUN/TURN server.
pub struct BuiltinTurn {
    /// The UDP port, known once the server is bound (it may be asked for 0).
    pub port: AtomicU16,
    /// The host to hand out; without one, the host the browser reached this
    /// server by (the page's own address).
    pub host: Option<String>,
}

impl IceServerList {
    /// Whether peers are handed a TURN server (a relay), so that "always
    /// relay" can be offered.
    pub fn offers_turn(&self) -> bool {
        self.builtin.is_some()
            || !self.external_turn_urls.is_empty()
            || self
                .configured
                .iter()
                .flat_map(|server| &server.urls)
                .any(|url| url.starts_with("turn:") || url.starts_with("turns:"))
    }

    /// The list for `peer_id`, whose connection came in for `request_host`
    /// (the HTTP `Host`, port included or not).
    pub fn for_peer(&self, peer_id: &PeerId, request_host: Option<&str>) -> Vec<IceServer> {
        let mut servers = self.configured.clone();
        let credentials = || {
            issue(
                &self.secret,
                peer_id.as_str(),
                self.credential_ttl,
                SystemTime::now(),
            )
        };
        if let Some(builtin) = &self.builtin {
            let host = builtin
                .host
                .clone()
                .or_else(|| request_host.map(hostname).map(str::to_owned))
                .unwrap_or_else(|| "localhost".to_owned());
            let address = url_host(&host);
            let port = builtin.port.load(Ordering::Relaxed);
            let issued = credentials();
            servers.push(IceServer {
                urls: vec![format!("stun:{address}:{port}")],
                username: None,
                credential: None,
            });
            servers.push(IceServer {
                urls: vec![format!("turn:{address}:{port}?transport=udp")],
                username: Some(issued.username),
                credential: Some(issued.password),
            });
        }
        if !self.external_turn_urls.is_empty() {
            let issued = credentials();
            servers.push(IceServer {
                urls: self.external_turn_urls.clone(),
                username: Some(issued.username),
                credential: Some(issued.password),
            });
        }
        servers
    }
}

/// `example.org:8080` → `example.org`, `[::1]:8080` → `::1`.
fn hostname(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.contains(':') => name,
        _ => host,
    }
}

/// An IPv6 address in a URL goes in brackets.
fn url_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::turn::credentials::check_expiry;

    fn list(builtin: Option<BuiltinTurn>, external: &[&str]) -> IceServerList {
        IceServerList {
            configured: vec!["stun:stun.example.org:3478".parse().unwrap()],
            secret: "s3cret-shared".parse().unwrap(),
            credential_ttl: Duration::from_secs(3600),
            builtin,
            external_turn_urls: external.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn built_in_server_at_the_host_the_browser_used() {
        let list = list(
            Some(BuiltinTurn {
                port: AtomicU16::new(3478),
                host: None,
            }),
            &[],
        );
        let peer = PeerId::from_client("peer1");
        let servers = list.for_peer(&peer, Some("call.example.org:8443"));
        assert_eq!(servers.len(), 3);
        assert_eq!(servers[1].urls, ["stun:call.example.org:3478"]);
        assert_eq!(servers[2].urls, ["turn:call.example.org:3478?transport=udp"]);
        let username = servers[2].username.as_deref().unwrap();
        assert!(username.ends_with(":peer1"), "{username}");
        assert_eq!(check_expiry(username, SystemTime::now()), Ok(()));
        assert_eq!(
            servers[2].credential.as_deref(),
            Some(list.secret.password(username).as_str())
        );
        let v6 = list.for_peer(&peer, Some("[2001:db8::1]:8080"));
        assert_eq!(v6[1].urls, ["stun:[2001:db8::1]:3478"]);
    }

    #[test]
    fn a_configured_host_wins() {
        let list = list(
            Some(BuiltinTurn {
                port: AtomicU16::new(3478),
                host: Some("203.0.113.7".into()),
            }),
            &[],
        );
        let servers = list.for_peer(&PeerId::from_client("p"), Some("localhost:8080"));
        assert_eq!(servers[1].urls, ["stun:203.0.113.7:3478"]);
    }

    #[test]
    fn external_turn_servers_share_the_credentials_scheme() {
        let list = list(
            None,
            &[
                "turn:turn.example.org:3478?transport=udp",
                "turns:turn.example.org:5349",
            ],
        );
        let servers = list.for_peer(&PeerId::from_client("p"), None);
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[1].urls.len(), 2);
        assert!(servers[1].username.as_deref().unwrap().ends_with(":p"));
    }

    #[test]
    fn hostnames() {
        assert_eq!(hostname("example.org"), "example.org");
        assert_eq!(hostname("example.org:80"), "example.org");
        assert_eq!(hostname("[::1]:8080"), "::1");
        assert_eq!(hostname("127.0.0.1:8080"), "127.0.0.1");
    }
}
