//! A certificate made at start, for trying the product on a LAN (a phone
//! joining a laptop) without a domain name.

use std::net::IpAddr;

use rcgen::{CertificateParams, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::fingerprint;

pub struct SelfSigned {
    pub cert: CertificateDer<'static>,
    pub key: PrivatePkcs8KeyDer<'static>,
    /// The certificate in PEM, for clients that want to trust it.
    pub pem: String,
    /// The names and addresses it is valid for.
    pub names: Vec<String>,
}

impl SelfSigned {
    /// A certificate for `localhost`, the loopback addresses, every address of
    /// this machine and `extra_names`.
    pub fn generate(extra_names: &[String], machine_addresses: &[IpAddr]) -> Result<Self, rcgen::Error> {
        let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        names.extend(machine_addresses.iter().map(IpAddr::to_string));
        names.extend(extra_names.iter().cloned());
        let mut seen = std::collections::HashSet::new();
        names.retain(|name| seen.insert(name.clone()));
        let mut params = CertificateParams::default();
        params.subject_alt_names = names
            .iter()
            .map(|name| match name.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => Ok(SanType::DnsName(name.clone().try_into()?)),
            })
            .collect::<Result<_, rcgen::Error>>()?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "duet (self-signed)");
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(Self {
            pem: cert.pem(),
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
            names,
        })
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.cert)
    }

    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key.clone_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_localhost_the_machine_and_the_extra_names() {
        let made = SelfSigned::generate(&["call.lan".into()], &["192.168.1.20".parse().unwrap()]).unwrap();
        for name in ["localhost", "127.0.0.1", "::1", "192.168.1.20", "call.lan"] {
            assert!(made.names.iter().any(|n| n == name), "{name}");
        }
        assert!(made.pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(made.fingerprint().len(), 32 * 3 - 1);
        super::super::server_config(vec![made.cert.clone()], made.key_der()).expect("usable by rustls");
    }
}
