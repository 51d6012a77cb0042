//! What the server tells the person who started it: where to open it (every
//! address, on all interfaces), a QR code for a phone on the same network
//! over HTTPS, or, over plain HTTP, that other machines will get no camera
//! and the flag that mends it; and which certificate it serves.

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

/// How the server is served, for what start-up says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Serving {
    pub addr: SocketAddr,
    pub https: bool,
    /// Behind a reverse proxy (`--trusted-proxy`), which serves browsers
    /// HTTPS itself.
    pub proxied: bool,
}

impl Serving {
    fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    /// Reachable from other machines over plain HTTP, where their browsers
    /// give a page no camera or microphone (only `localhost` and HTTPS are
    /// trusted with them).
    fn camera_refused_elsewhere(&self) -> bool {
        !self.https && !self.proxied && !self.addr.ip().is_loopback()
    }
}

/// The advice printed when other machines would get the page without a
/// camera: what happens, and the exact flag that mends it.
pub const PLAIN_HTTP_ADVICE: &str =
    "  Over plain HTTP, browsers on other machines get no camera or microphone:
  to call from a phone or another computer, add --tls-self-signed (HTTPS
  with a certificate made at start; the browser asks once to accept it),
  or serve HTTPS with a certificate or behind a proxy (README: Deploying it).";

/// Prints where to open the server, and on all interfaces the other
/// addresses too, with a QR code of the first one a phone can reach when
/// it would get a camera there, or else how to make it so.
pub fn announce(serving: Serving) {
    tracing::info!(addr = %serving.addr, scheme = serving.scheme(), "serving");
    if serving.camera_refused_elsewhere() {
        tracing::warn!(
            addr = %serving.addr,
            "plain HTTP beyond this machine: other machines' browsers get no camera or microphone; add --tls-self-signed"
        );
    }
    say(format_args!("{}", announcement(serving, &machine_addresses())));
}

/// What [`announce`] prints, for a machine with `machine` addresses.
pub fn announcement(serving: Serving, machine: &[IpAddr]) -> String {
    let Serving { addr, .. } = serving;
    let scheme = serving.scheme();
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
    let mut text = format!(
        "duet is ready: open {} in a browser",
        url(scheme, local, addr.port())
    );
    let reachable: Vec<IpAddr> = if everywhere {
        machine
            .iter()
            .copied()
            .filter(|ip| !ip.is_loopback() && (addr.is_ipv6() || ip.is_ipv4()))
            .collect()
    } else if addr.ip().is_loopback() {
        Vec::new()
    } else {
        vec![addr.ip()]
    };
    if everywhere {
        for ip in &reachable {
            text += &format!("\n  also on this network: {}", url(scheme, *ip, addr.port()));
        }
    }
    if serving.camera_refused_elsewhere() {
        text += "\n";
        text += PLAIN_HTTP_ADVICE;
        return text;
    }
    if serving.proxied {
        return text;
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
            text += &format!("\n  scan to open {link} on a phone:\n{drawing}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAN: [IpAddr; 2] = [
        IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 20)),
        IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
    ];

    fn serving(addr: &str, https: bool, proxied: bool) -> Serving {
        Serving {
            addr: addr.parse().unwrap(),
            https,
            proxied,
        }
    }

    #[test]
    fn on_this_machine_alone_it_only_says_where() {
        let said = announcement(serving("127.0.0.1:8080", false, false), &LAN);
        assert_eq!(said, "duet is ready: open http://127.0.0.1:8080/ in a browser");
    }

    #[test]
    fn plain_http_for_other_machines_says_they_get_no_camera_and_how_to_mend_it() {
        for addr in ["0.0.0.0:8080", "192.168.1.20:8080"] {
            let said = announcement(serving(addr, false, false), &LAN);
            assert!(said.contains("no camera or microphone"), "{said}");
            assert!(said.contains("add --tls-self-signed"), "{said}");
            assert!(
                !said.contains("scan to open"),
                "no QR code of an address without a camera: {said}"
            );
        }
        let said = announcement(serving("0.0.0.0:8080", false, false), &LAN);
        assert!(said.starts_with("duet is ready: open http://127.0.0.1:8080/ in a browser\n"));
        assert!(said.contains("also on this network: http://192.168.1.20:8080/"));
    }

    #[test]
    fn https_for_other_machines_shows_the_qr_code() {
        let said = announcement(serving("0.0.0.0:8443", true, false), &LAN);
        assert!(
            said.contains("scan to open https://192.168.1.20:8443/ on a phone"),
            "{said}"
        );
        assert!(!said.contains("--tls-self-signed"), "{said}");
    }

    #[test]
    fn behind_a_proxy_plain_http_is_expected() {
        let said = announcement(serving("0.0.0.0:8080", false, true), &LAN);
        assert!(said.contains("also on this network"), "{said}");
        assert!(!said.contains("--tls-self-signed"), "{said}");
        assert!(!said.contains("scan to open"), "{said}");
    }
}
