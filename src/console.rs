//! What the server tells the person who started it: where to open it (every
//! address, on all interfaces), a QR code for a phone on the same network,
//! and which certificate it serves.

use std::fmt;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};

use qrcode::QrCode;
use qrcode::render::unicode;

/// Prints a line for the person who started the server. Standard output
/// may be a pipe nobody reads any more: the line is then lost, where
/// `println!` would panic.
pub fn say(line: fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// The addresses of this machine's interfaces, loopback ones last.
pub fn machine_addresses() -> Vec<IpAddr> {
    let mut addresses: Vec<IpAddr> = if_addrs::get_if_addrs()
        .map(|interfaces| interfaces.into_iter().map(|i| i.ip()).collect())
        .unwrap_or_default();
    // IPv6 link-local addresses need a zone to be usable in a URL.
    addresses.retain(|ip| !matches!(ip, IpAddr::V6(v6) if v6.is_unicast_link_local()));
    addresses.sort_by_key(|ip| (ip.is_loopback(), ip.is_ipv6()));
    addresses.dedup();
    addresses
}

fn url(scheme: &str, ip: IpAddr, port: u16) -> String {
    format!("{scheme}://{}/", SocketAddr::new(ip, port))
}

/// Prints the address to open, and on all interfaces the others too, with a
/// QR code of the first one a phone can reach.
pub fn announce(addr: SocketAddr, scheme: &str) {
    tracing::info!(%addr, scheme, "serving");
    let everywhere = addr.ip().is_unspecified();
    let local = if everywhere {
        if addr.is_ipv4() {
            IpAddr::from([127, 0, 0, 1])
        } else {
            IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1])
        }
    } else {
        addr.ip()
    };
    say(format_args!(
        "duet is ready: open {} in a browser",
        url(scheme, local, addr.port())
    ));
    let reachable: Vec<IpAddr> = if everywhere {
        machine_addresses()
            .into_iter()
            .filter(|ip| !ip.is_loopback() && (addr.is_ipv6() || ip.is_ipv4()))
            .collect()
    } else if addr.ip().is_loopback() {
        Vec::new()
    } else {
        vec![addr.ip()]
    };
    if everywhere {
        for ip in &reachable {
            say(format_args!(
                "  also on this network: {}",
                url(scheme, *ip, addr.port())
            ));
        }
    }
    if let Some(first) = reachable.first() {
        let link = url(scheme, *first, addr.port());
        if let Ok(code) = QrCode::new(link.as_bytes()) {
            let drawing = code
                .render::<unicode::Dense1x2>()
                .dark_color(unicode::Dense1x2::Light)
                .light_color(unicode::Dense1x2::Dark)
                .quiet_zone(true)
                .build();
            say(format_args!("  scan to open {link} on a phone:\n{drawing}"));
        }
    }
}
