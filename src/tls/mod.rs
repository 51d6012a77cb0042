//! HTTPS: a browser gives a page the camera only on `localhost` or over
//! HTTPS. Three ways to a certificate, all on rustls with the `ring`
//! provider: PEM files (reloaded when they change or on SIGHUP), a
//! self-signed certificate made at start, or certificates from an ACME CA.

mod acme;
pub mod files;
mod self_signed;

use std::path::PathBuf;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub use acme::{AcmeSettings, AcmeTls};
pub use files::reload_on_change;
pub use self_signed::SelfSigned;

/// How HTTPS is served.
#[derive(Clone, Debug)]
pub enum TlsMode {
    Files { cert: PathBuf, key: PathBuf },
    SelfSigned { names: Vec<String> },
    Acme(AcmeSettings),
}

/// The crypto provider everything here uses: `ring`, which builds fast and
/// needs no C toolchain beyond what `ring` itself brings.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server configuration for one certificate chain and key. HTTP/1.1 only:
/// WebSockets upgrade over it, and the server speaks no HTTP/2.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, rustls::Error> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// SHA-256 of a certificate, as browsers show it: `AB:CD:...`.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(cert.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}
