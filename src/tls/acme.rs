//! Certificates from an ACME CA (Let's Encrypt unless told otherwise), by
//! the TLS-ALPN-01 challenge on the HTTPS port itself, renewed in the
//! background and kept in a cache directory across restarts.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use futures_util::StreamExt;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use rustls_acme::AcmeConfig;
use rustls_acme::axum::AxumAcceptor;
use rustls_acme::caches::DirCache;
use tokio::task::JoinHandle;

use super::provider;

#[derive(Clone, Debug)]
pub struct AcmeSettings {
    pub domains: Vec<String>,
    pub email: Option<String>,
    pub cache: PathBuf,
    /// The CA's directory URL; Let's Encrypt's production one when `None`.
    pub directory: Option<String>,
    /// A root to trust for the CA's own HTTPS (a private or test CA).
    pub ca_root: Option<PathBuf>,
}

pub struct AcmeTls {
    pub acceptor: AxumAcceptor,
    /// Orders, renews and reports; runs until aborted.
    pub worker: JoinHandle<()>,
}

impl AcmeTls {
    pub fn start(settings: &AcmeSettings) -> io::Result<Self> {
        let client = Arc::new(
            ClientConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .map_err(io::Error::other)?
                .with_root_certificates(trusted_roots(settings.ca_root.as_ref())?)
                .with_no_client_auth(),
        );
        let config = AcmeConfig::new_with_client_config(&settings.domains, client)
            .contact(settings.email.iter().map(|email| format!("mailto:{email}")))
            .cache(DirCache::new(settings.cache.clone()));
        let config = match &settings.directory {
            Some(url) => config.directory(url),
            None => config.directory_lets_encrypt(true),
        };
        let mut state = config.state();
        let mut server = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_cert_resolver(state.resolver());
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = state.axum_acceptor(Arc::new(server));
        let worker = tokio::spawn(async move {
            while let Some(event) = state.next().await {
                match event {
                    Ok(done) => tracing::info!(event = ?done, "ACME"),
                    Err(failed) => tracing::warn!(error = ?failed, "ACME"),
                }
            }
        });
        Ok(Self { acceptor, worker })
    }
}

/// The web's usual roots, plus the given one.
fn trusted_roots(extra: Option<&PathBuf>) -> io::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = extra {
        for cert in CertificateDer::pem_file_iter(path)
            .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?
        {
            let cert = cert.map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
            roots
                .add(cert)
                .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
        }
    }
    Ok(roots)
}
