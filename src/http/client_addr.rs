//! Who is really asking: the client's address and whether it came over
//! HTTPS, believing X-Forwarded-For and X-Forwarded-Proto only from the
//! reverse proxies the operator trusts.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::domain::ClientAddr;

#[derive(Clone, Debug, Default)]
pub struct Proxies {
    trusted: Arc<[IpNet]>,
    /// This server terminates TLS itself.
    tls: bool,
}

impl Proxies {
    pub fn new(trusted: Vec<IpNet>, tls: bool) -> Self {
        Self {
            trusted: trusted.into(),
            tls,
        }
    }

    /// The networks whose forwarding headers are believed.
    pub fn trusted(&self) -> Arc<[IpNet]> {
        Arc::clone(&self.trusted)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: the peer itself, unless it is a trusted
    /// proxy; then the rightmost address in X-Forwarded-For that is not one
    /// of ours (the leftmost ones could be made up by the client).
    pub fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> ClientAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return ClientAddr {
                ip: peer,
                secure: self.tls,
            };
        }
        let chain: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
            .map(|ip| ip.to_canonical())
            .collect();
        let ip = chain
            .iter()
            .rev()
            .find(|ip| !self.trusts(**ip))
            .or(chain.first())
            .copied()
            .unwrap_or(peer);
        let forwarded_https = headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(',').next())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
        ClientAddr {
            ip,
            secure: self.tls || forwarded_https,
        }
    }
}

/// The address of the request's client, for handlers that count what each
/// address does; none when no client was resolved (tests that call the
/// router directly).
pub struct Client(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ClientAddr>().map(|client| client.ip)))
    }
}

/// Puts the request's [`ClientAddr`] among its extensions.
pub async fn resolve_client(State(proxies): State<Proxies>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let client = proxies.resolve(peer, request.headers());
    request.extensions_mut().insert(client);
    next.run(request).await
}

#[cfg(test)]
#[path = "client_addr_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn proxies() -> Proxies {
        Proxies::new(
            vec!["127.0.0.1/32".parse().unwrap(), "10.0.0.0/8".parse().unwrap()],
            false,
        )
    }

    #[test]
    fn headers_from_strangers_are_ignored() {
        let client = proxies().resolve(
            "198.51.100.7".parse().unwrap(),
            &headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-proto", "https")]),
        );
        assert_eq!(
            client,
            ClientAddr {
                ip: "198.51.100.7".parse().unwrap(),
                secure: false
            }
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let client = proxies().resolve(
            "127.0.0.1".parse().unwrap(),
            &headers(&[("x-forwarded-for", "203.0.113.9"), ("x-forwarded-proto", "https")]),
        );
        assert_eq!(
            client,
            ClientAddr {
                ip: "203.0.113.9".parse().unwrap(),
                secure: true
            }
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        // The client claimed 6.6.6.6 itself; our proxies added the rest.
        let client = proxies().resolve(
            "127.0.0.1".parse().unwrap(),
            &headers(&[
                ("x-forwarded-for", "6.6.6.6, 203.0.113.9"),
                ("x-forwarded-for", "10.1.2.3"),
            ]),
        );
        assert_eq!(client.ip, "203.0.113.9".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn without_headers_the_proxy_is_the_client() {
        let client = proxies().resolve("10.0.0.5".parse().unwrap(), &HeaderMap::new());
        assert_eq!(client.ip, "10.0.0.5".parse::<IpAddr>().unwrap());
        let mapped = Proxies::default().resolve("::ffff:192.0.2.1".parse().unwrap(), &HeaderMap::new());
        assert_eq!(mapped.ip, "192.0.2.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn our_own_tls_makes_every_request_secure() {
        let client = Proxies::new(vec![], true).resolve("192.0.2.1".parse().unwrap(), &HeaderMap::new());
        assert!(client.secure);
    }
}
