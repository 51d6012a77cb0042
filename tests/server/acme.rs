//! ACME against Debian's pebble, a local test CA: the server orders a
//! certificate for a domain at start and serves with it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::harness::TestServer;
use crate::tls::{serves_trusted, test_ca};

struct Pebble {
    child: Child,
    directory: String,
    management: String,
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts pebble with its own HTTPS certificate (signed by `ca`), every
/// challenge taken as valid (no DNS here), and no nonces refused at random.
fn start_pebble(dir: &std::path::Path, ca: &crate::tls::TestCa) -> Option<Pebble> {
    if Command::new("pebble").arg("-h").output().is_err() {
        eprintln!("ACME test skipped: pebble is not installed (apt-get install pebble)");
        return None;
    }
    std::fs::write(dir.join("pebble-cert.pem"), &ca.cert_pem).unwrap();
    std::fs::write(dir.join("pebble-key.pem"), &ca.key_pem).unwrap();
    let (port, management) = (free_port(), free_port());
    let config = serde_json::json!({"pebble": {
        "listenAddress": format!("127.0.0.1:{port}"),
        "managementListenAddress": format!("127.0.0.1:{management}"),
        "certificate": dir.join("pebble-cert.pem"),
        "privateKey": dir.join("pebble-key.pem"),
        "httpPort": free_port(),
        "tlsPort": free_port(),
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false,
    }});
    std::fs::write(dir.join("pebble.json"), config.to_string()).unwrap();
    let child = Command::new("pebble")
        .arg("-config")
        .arg(dir.join("pebble.json"))
        .env("PEBBLE_VA_ALWAYS_VALID", "1")
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env("PEBBLE_WFE_NONCEREJECT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pebble starts");
    Some(Pebble {
        child,
        directory: format!("https://127.0.0.1:{port}/dir"),
        management: format!("https://127.0.0.1:{management}"),
    })
}

#[tokio::test]
async fn obtains_a_certificate_from_an_acme_ca_and_serves_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let pebble_tls = test_ca(&["localhost", "127.0.0.1"]);
    let Some(pebble) = start_pebble(dir.path(), &pebble_tls) else {
        return;
    };
    let trusting_pebble = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pebble_tls.ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while trusting_pebble.get(&pebble.directory).send().await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "pebble did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    std::fs::write(dir.path().join("pebble-ca.pem"), &pebble_tls.ca_pem).unwrap();

    let cache = dir.path().join("acme-cache");
    let server = TestServer::start_with(|c| {
        c.acme_domains = vec!["duet.test".into()];
        c.acme_email = Some("admin@duet.test".into());
        c.acme_cache = cache.clone();
        c.acme_directory = Some(pebble.directory.clone());
        c.acme_ca_root = Some(dir.path().join("pebble-ca.pem"));
    })
    .await;

    // Pebble makes a new root at each start; it hands it out for testing.
    let root = trusting_pebble
        .get(format!("{}/roots/0", pebble.management))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !serves_trusted(server.addr, "duet.test", &root).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no certificate from the ACME CA"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let cached: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
    assert!(
        !cached.is_empty(),
        "the certificate and account are cached for the next start"
    );
}
