//! At most so many connections per client address, so that one client
//! cannot take every file descriptor the server has: counted for TCP
//! connections by the address they come from (trusted proxies exempt), and
//! for signalling connections by the client's address (behind a trusted
//! proxy, the one it names).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

pub struct ConnectionCap {
    /// 0: no cap.
    max_per_ip: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's place under the cap, given back when dropped.
pub struct Permit {
    cap: Arc<ConnectionCap>,
    ip: IpAddr,
}

#[derive(Debug, thiserror::Error)]
#[error("too many connections from your address")]
pub struct TooManyConnections;

impl ConnectionCap {
    pub fn new(max_per_ip: usize) -> Arc<Self> {
        Arc::new(Self {
            max_per_ip,
            open: Mutex::default(),
        })
    }

    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Permit, TooManyConnections> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(ip).or_default();
        if self.max_per_ip != 0 && *count >= self.max_per_ip {
            return Err(TooManyConnections);
        }
        *count += 1;
        Ok(Permit {
            cap: Arc::clone(self),
            ip,
        })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut open = self.cap.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_each_address_and_frees_on_drop() {
        let cap = ConnectionCap::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = cap.admit(a).unwrap();
        let _second = cap.admit(a).unwrap();
        assert!(cap.admit(a).is_err());
        let _other = cap.admit(b).unwrap();
        drop(first);
        assert!(cap.admit(a).is_ok());
    }

    #[test]
    fn zero_means_no_cap() {
        let cap = ConnectionCap::new(0);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let permits: Vec<_> = (0..10_000).map(|_| cap.admit(ip).unwrap()).collect();
        assert_eq!(permits.len(), 10_000);
    }
}
