//! HTTPS: a self-signed certificate made at start, certificates from PEM
//! files (and their reload), the plain-HTTP redirect, and Socket.IO over wss.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rust_socketio::TransportType;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{Client, TestServer};

/// A certificate for localhost and 127.0.0.1, signed by a CA of its own.
pub struct TestCa {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

pub fn test_ca(names: &[&str]) -> TestCa {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "duet test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    TestCa {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// Completes a TLS handshake with `server_name` at `addr`, trusting only
/// `root_pem`, and asks for `/healthz`; true if all of it worked.
pub async fn serves_trusted(addr: std::net::SocketAddr, server_name: &str, root_pem: &str) -> bool {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(root_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let Ok(tcp) = tokio::net::TcpStream::connect(addr).await else {
        return false;
    };
    let name = ServerName::try_from(server_name.to_owned()).unwrap();
    let Ok(mut tls) = connector.connect(name, tcp).await else {
        return false;
    };
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {server_name}\r\nConnection: close\r\n\r\n");
    if tls.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    answer.starts_with(b"HTTP/1.1 200")
}

fn https_client(root_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(root_pem.as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn native_tls_trusting(root_pem: &str) -> native_tls::TlsConnector {
    native_tls::TlsConnector::builder()
        .add_root_certificate(native_tls::Certificate::from_pem(root_pem.as_bytes()).unwrap())
        .build()
        .unwrap()
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// A server on certificate files in `dir`, first holding `ca`'s certificate.
async fn serving_files(dir: &Path, ca: &TestCa) -> (TestServer, PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    write(&cert, &ca.cert_pem);
    write(&key, &ca.key_pem);
    let server = TestServer::start_with(|c| {
        c.tls_cert = Some(cert.clone());
        c.tls_key = Some(key.clone());
    })
    .await;
    (server, cert, key)
}

#[tokio::test]
async fn self_signed_https_with_hsts_and_socket_io_over_wss() {
    let server = TestServer::start_with(|c| c.tls_self_signed = true).await;
    assert!(server.url.starts_with("https://"));
    let certificate = server.certificate.clone().expect("a certificate was made");
    let http = https_client(&certificate);
    let home = http
        .get(server.http("/"))
        .send()
        .await
        .expect("HTTPS with the made certificate");
    assert_eq!(home.status(), 200);
    assert_eq!(home.headers()["strict-transport-security"], "max-age=31536000");
    let localhost = server.url.replace("127.0.0.1", "localhost");
    assert_eq!(
        http.get(format!("{localhost}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    for transport in [TransportType::Websocket, TransportType::Polling] {
        let client =
            Client::connect_with(&server.url, transport, Some(native_tls_trusting(&certificate))).await;
        let ack = client.call("create-room", json!({})).await;
        assert_eq!(ack["ok"], true, "{ack}");
    }
    assert!(
        !serves_trusted(server.addr, "localhost", &test_ca(&["localhost"]).ca_pem).await,
        "not another CA's"
    );
}

#[tokio::test]
async fn pem_files_are_served_and_reloaded_when_they_change() {
    let dir = tempfile::tempdir().unwrap();
    let first = test_ca(&["localhost", "127.0.0.1"]);
    let (server, cert, key) = serving_files(dir.path(), &first).await;
    assert!(serves_trusted(server.addr, "localhost", &first.ca_pem).await);
    let client = Client::connect_with(
        &server.url,
        TransportType::Websocket,
        Some(native_tls_trusting(&first.ca_pem)),
    )
    .await;
    assert_eq!(client.call("create-room", json!({})).await["ok"], true);

    // A renewal replaces both files; the server picks them up by itself.
    let second = test_ca(&["localhost", "127.0.0.1"]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    write(&key, &second.key_pem);
    write(&cert, &second.cert_pem);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !serves_trusted(server.addr, "localhost", &second.ca_pem).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new certificate was not picked up"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !serves_trusted(server.addr, "localhost", &first.ca_pem).await,
        "the old one is gone"
    );
    // Connections made before go on.
    assert_eq!(client.call("create-room", json!({})).await["ok"], true);
}

#[tokio::test]
async fn a_broken_renewal_keeps_the_current_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let first = test_ca(&["localhost"]);
    let (server, cert, _key) = serving_files(dir.path(), &first).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    write(&cert, "not a certificate");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(serves_trusted(server.addr, "localhost", &first.ca_pem).await);
}

#[tokio::test]
async fn plain_http_is_redirected_to_https() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let server = TestServer::start_with(|c| {
        c.tls_self_signed = true;
        c.http_redirect = Some(format!("127.0.0.1:{port}").parse().unwrap());
    })
    .await;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = plain
        .get(format!("http://localhost:{port}/r/team-standup/?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 308);
    assert_eq!(
        response.headers()["location"],
        format!("https://localhost:{}/r/team-standup/?x=1", server.addr.port())
    );
}

#[tokio::test]
async fn sighup_reloads_the_files_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = test_ca(&["localhost"]);
    let (server, cert, key) = serving_files(dir.path(), &first).await;
    assert!(serves_trusted(server.addr, "localhost", &first.ca_pem).await);
    // New contents, old modification times: only the signal can tell.
    let stamps: Vec<_> = [&cert, &key]
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .collect();
    let second = test_ca(&["localhost"]);
    write(&cert, &second.cert_pem);
    write(&key, &second.key_pem);
    for (path, stamp) in [&cert, &key].iter().zip(stamps) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(stamp)
            .unwrap();
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        serves_trusted(server.addr, "localhost", &first.ca_pem).await,
        "no change seen without the signal"
    );
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !serves_trusted(server.addr, "localhost", &second.ca_pem).await {
        assert!(tokio::time::Instant::now() < deadline, "SIGHUP did not reload");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
