//! Properties of the client address behind proxies: headers are believed
//! from trusted proxies only, a client cannot name itself someone else by
//! what it writes, and no header value makes the server fail.

use std::net::Ipv6Addr;

use axum::http::HeaderValue;
use proptest::prelude::*;

use super::*;

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| IpAddr::V4(Ipv4Addr::from(o))),
        any::<[u16; 8]>().prop_map(|s| IpAddr::V6(Ipv6Addr::from(s))),
        any::<[u8; 4]>().prop_map(|o| IpAddr::V6(Ipv4Addr::from(o).to_ipv6_mapped())),
        prop::sample::select(vec![
            "127.0.0.1",
            "10.1.2.3",
            "::1",
            "192.0.2.1",
            "::ffff:10.0.0.1"
        ])
        .prop_map(|ip| ip.parse().unwrap()),
    ]
}

/// Networks to trust, small and large; always 10.0.0.0/8 among them, so
/// that trusted hops are easy to find.
fn trusted() -> impl Strategy<Value = Proxies> {
    (prop::collection::vec((ip(), 0u8..=128), 0..4), any::<bool>()).prop_map(|(nets, tls)| {
        let mut nets: Vec<IpNet> = nets
            .into_iter()
            .map(|(ip, len)| {
                let len = if ip.is_ipv4() { len % 33 } else { len };
                IpNet::new(ip, len).unwrap().trunc()
            })
            .collect();
        nets.push("10.0.0.0/8".parse().unwrap());
        Proxies::new(nets, tls)
    })
}

/// A hop as a proxy or a client may write it: with white space around.
fn written(ip: IpAddr) -> impl Strategy<Value = String> {
    ("[ \t]{0,2}", "[ \t]{0,2}").prop_map(move |(l, r)| format!("{l}{ip}{r}"))
}

/// Something in X-Forwarded-For that is not an address.
fn garbage() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("unknown".to_owned()),
        Just("[::1]:80".to_owned()),
        Just("1.2.3.4:5".to_owned()),
        Just("300.1.1.1".to_owned()),
        "[ -+/-~]{1,20}",
    ]
    .prop_filter("not an address", |s| s.trim().parse::<IpAddr>().is_err())
}

/// Header values, any bytes that HTTP allows in one.
fn header_value() -> impl Strategy<Value = HeaderValue> {
    prop_oneof![
        prop::collection::vec(prop_oneof![0x20u8..=0x7e, 0x80u8..=0xff, Just(b'\t')], 0..60),
        "[0-9a-f:., \t]{0,60}".prop_map(String::into_bytes),
    ]
    .prop_map(|bytes| HeaderValue::from_bytes(&bytes).expect("bytes HTTP allows"))
}

fn headers_with(values: &[(&'static str, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in values {
        map.append(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

/// Joins hops into X-Forwarded-For values, starting another header where
/// `cuts` says.
fn forwarded_for(hops: &[String], cuts: &[bool]) -> HeaderMap {
    let mut values: Vec<String> = Vec::new();
    for (i, hop) in hops.iter().enumerate() {
        match values.last_mut() {
            Some(value) if !cuts.get(i).copied().unwrap_or(false) => {
                value.push(',');
                value.push_str(hop);
            }
            _ => values.push(hop.clone()),
        }
    }
    let values: Vec<_> = values.into_iter().map(|v| ("x-forwarded-for", v)).collect();
    headers_with(&values)
}

proptest! {
    // JSON of every shape is slow to make: fewer cases than the default.
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn strangers_headers_are_ignored(
        proxies in trusted(),
        peer in ip(),
        names in prop::collection::vec(
            prop::sample::select(vec!["x-forwarded-for", "x-forwarded-proto", "forwarded", "x-real-ip"]),
            0..6,
        ),
        values in prop::collection::vec(header_value(), 6),
    ) {
        prop_assume!(!proxies.trusts(peer.to_canonical()));
        let mut headers = HeaderMap::new();
        for (name, value) in names.into_iter().zip(values) {
            headers.append(name, value);
        }
        prop_assert_eq!(
            proxies.resolve(peer, &headers),
            ClientAddr { ip: peer.to_canonical(), secure: proxies.tls }
        );
    }

    /// Whatever a client writes to the left, and whatever garbage is mixed
    /// in, the client is the rightmost hop that is not a trusted proxy.
    #[test]
    fn the_client_is_the_rightmost_stranger(
        proxies in trusted(),
        claimed in prop::collection::vec(prop_oneof![ip().prop_flat_map(written), garbage()], 0..4),
        client in ip(),
        proxy_hops in prop::collection::vec(0u32..1 << 24, 0..4),
        noise in prop::collection::vec(garbage(), 0..3),
        cuts in prop::collection::vec(any::<bool>(), 12),
        spacing in "[ \t]{0,2}",
    ) {
        prop_assume!(!proxies.trusts(client.to_canonical()));
        let mut hops = claimed;
        hops.push(format!("{spacing}{client}{spacing}"));
        for (hop, noise) in proxy_hops.iter().zip(noise.iter().chain(std::iter::repeat(&String::new()))) {
            hops.push(Ipv4Addr::from(0x0a00_0000 | hop).to_string());
            if !noise.is_empty() {
                hops.push(noise.clone());
            }
        }
        let resolved = proxies.resolve("10.0.0.1".parse().unwrap(), &forwarded_for(&hops, &cuts));
        prop_assert_eq!(resolved.ip, client.to_canonical(), "{:?}", hops);
    }

    #[test]
    fn when_every_hop_is_ours_the_first_one_is_the_client(
        proxies in trusted(),
        hops in prop::collection::vec(0u32..1 << 24, 0..5),
        cuts in prop::collection::vec(any::<bool>(), 6),
    ) {
        let hops: Vec<String> = hops.iter().map(|h| Ipv4Addr::from(0x0a00_0000 | h).to_string()).collect();
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        let expected = hops.first().map_or(peer, |first| first.parse().unwrap());
        prop_assert_eq!(proxies.resolve(peer, &forwarded_for(&hops, &cuts)).ip, expected);
    }

    #[test]
    fn https_is_believed_from_trusted_proxies_only(
        proxies in trusted(),
        peer in ip(),
        protos in prop::collection::vec(
            prop_oneof![Just("https"), Just("HTTPS"), Just(" https "), Just("http"), Just("https, http"), Just("http, https"), Just("")],
            0..3,
        ),
    ) {
        let headers = headers_with(
            &protos.iter().map(|p| ("x-forwarded-proto", (*p).to_owned())).collect::<Vec<_>>(),
        );
        let says_https = protos
            .first()
            .is_some_and(|p| p.split(',').next().unwrap().trim().eq_ignore_ascii_case("https"));
        let believed = proxies.trusts(peer.to_canonical()) && says_https;
        prop_assert_eq!(proxies.resolve(peer, &headers).secure, proxies.tls || believed);
    }

    #[test]
    fn mapped_addresses_are_their_ipv4_selves(proxies in trusted(), octets in any::<[u8; 4]>(), hop in any::<[u8; 4]>()) {
        let v4 = Ipv4Addr::from(octets);
        let headers = headers_with(&[("x-forwarded-for", v4.to_ipv6_mapped().to_string())]);
        let plain = headers_with(&[("x-forwarded-for", v4.to_string())]);
        let hop = IpAddr::V4(Ipv4Addr::from(hop));
        let mapped_peer = IpAddr::V6(v4.to_ipv6_mapped());
        prop_assert_eq!(proxies.resolve(mapped_peer, &plain), proxies.resolve(IpAddr::V4(v4), &plain));
        prop_assert_eq!(proxies.resolve(hop, &headers), proxies.resolve(hop, &plain));
    }
}
