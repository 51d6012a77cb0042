//! A certificate and key from PEM files, read again when either file
//! changes and on SIGHUP, so a renewal (certbot, cert-manager) needs no
//! restart.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum_server::tls_rustls::RustlsConfig;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::task::JoinHandle;

use super::{fingerprint, server_config};

/// How often the files are looked at for a change.
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// Reads the chain and key into a server configuration.
pub fn load(cert: &Path, key: &Path) -> io::Result<(Arc<ServerConfig>, String)> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| io::Error::other(format!("{}: {e}", cert.display())))?;
    let first = chain
        .first()
        .ok_or_else(|| io::Error::other(format!("{}: no certificate in it", cert.display())))?;
    let shown = fingerprint(first);
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| io::Error::other(format!("{}: {e}", key.display())))?;
    let config =
        server_config(chain, key).map_err(|e| io::Error::other(format!("certificate and key: {e}")))?;
    Ok((config, shown))
}

/// Keeps `live` in step with the files: checks their modification times
/// now and then, and reloads at once on SIGHUP. A file that does not load
/// leaves the current certificate in place.
pub fn reload_on_change(live: RustlsConfig, cert: PathBuf, key: PathBuf) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut stamps = modified(&cert, &key);
        #[cfg(unix)]
        let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            let hangup = async {
                match hangups.as_mut() {
                    Some(signals) => signals.recv().await.is_some(),
                    None => std::future::pending().await,
                }
            };
            #[cfg(not(unix))]
            let hangup = std::future::pending::<bool>();
            let asked = tokio::select! {
                got = hangup => got,
                () = tokio::time::sleep(CHECK_EVERY) => false,
            };
            let now = modified(&cert, &key);
            if !asked && now == stamps {
                continue;
            }
            stamps = now;
            match load(&cert, &key) {
                Ok((config, fingerprint)) => {
                    live.reload_from_config(config);
                    tracing::info!(%fingerprint, "TLS certificate reloaded");
                }
                Err(e) => tracing::warn!(error = %e, "TLS certificate not reloaded; keeping the current one"),
            }
        }
    })
}

fn modified(cert: &Path, key: &Path) -> [Option<SystemTime>; 2] {
    [cert, key].map(|path| std::fs::metadata(path).and_then(|m| m.modified()).ok())
}
