//! A budget per client address for requests of one kind (rooms created,
//! rooms looked up that do not exist): a token bucket each, kept while the
//! address has spent any of it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::bucket::{Allowance, TokenBucket};

pub struct AddressBudget {
    /// None: no budget, everything is allowed.
    allowance: Option<Allowance>,
    buckets: Mutex<Buckets>,
}

struct Buckets {
    by_address: HashMap<IpAddr, TokenBucket>,
    /// The size at which full buckets are dropped: twice what was left the
    /// last time, so that dropping them costs little per request.
    prune_at: usize,
}

const FIRST_PRUNE_AT: usize = 1024;

/// The budget is spent for now; a token comes back after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted {
    pub retry_after: Duration,
}

impl AddressBudget {
    pub fn new(allowance: Option<Allowance>) -> Self {
        Self {
            allowance,
            buckets: Mutex::new(Buckets {
                by_address: HashMap::new(),
                prune_at: FIRST_PRUNE_AT,
            }),
        }
    }

    /// Takes one from the address's budget.
    pub fn spend(&self, ip: IpAddr) -> Result<(), Exhausted> {
        self.with_bucket(ip, |bucket, allowance, now| {
            bucket.try_take(allowance, now).then_some(())
        })
    }

    /// Whether the address has any budget left, taking none: for requests
    /// that cost only if they turn out a certain way (see `charge`).
    pub fn check(&self, ip: IpAddr) -> Result<(), Exhausted> {
        self.with_bucket(ip, |bucket, allowance, now| {
            bucket.has_one(allowance, now).then_some(())
        })
    }

    /// Takes one from the address's budget after the fact, if any is left.
    pub fn charge(&self, ip: IpAddr) {
        let _ = self.spend(ip);
    }

    fn with_bucket(
        &self,
        ip: IpAddr,
        take: impl FnOnce(&mut TokenBucket, &Allowance, Instant) -> Option<()>,
    ) -> Result<(), Exhausted> {
        let Some(allowance) = &self.allowance else {
            return Ok(());
        };
        let now = Instant::now();
        let mut buckets = lock(&self.buckets);
        buckets.prune_if_large(allowance, now);
        let bucket = buckets
            .by_address
            .entry(budget_key(ip))
            .or_insert_with(|| TokenBucket::full(allowance, now));
        take(bucket, allowance, now).ok_or_else(|| Exhausted {
            retry_after: bucket.wait_for_one(allowance),
        })
    }

    /// How many addresses have a bucket, for tests.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        lock(&self.buckets).by_address.len()
    }
}

impl Buckets {
    /// A full bucket is no different from none: drop those.
    fn prune_if_large(&mut self, allowance: &Allowance, now: Instant) {
        if self.by_address.len() < self.prune_at {
            return;
        }
        self.by_address
            .retain(|_, bucket| !bucket.is_full(allowance, now));
        self.prune_at = (self.by_address.len() * 2).max(FIRST_PRUNE_AT);
    }
}

/// Whose budget a request spends. An IPv6 host usually holds a whole /64
/// and can pick any address in it, so IPv6 addresses are counted by /64.
fn budget_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1))),
        },
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(count: u32) -> AddressBudget {
        AddressBudget::new(Some(Allowance::per(count, Duration::from_secs(60))))
    }

    #[test]
    fn each_address_has_its_own() {
        let budget = budget(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!((0..3).all(|_| budget.spend(a).is_ok()));
        let refused = budget.spend(a).unwrap_err();
        assert!(
            refused.retry_after > Duration::from_secs(19) && refused.retry_after <= Duration::from_secs(20)
        );
        assert!(budget.spend(b).is_ok());
    }

    #[test]
    fn checking_costs_nothing_and_charging_does() {
        let budget = budget(2);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..10).all(|_| budget.check(ip).is_ok()));
        budget.charge(ip);
        budget.charge(ip);
        assert!(budget.check(ip).is_err());
        budget.charge(ip);
        assert!(budget.spend(ip).is_err());
    }

    #[test]
    fn ipv6_hosts_count_by_their_64() {
        let budget = budget(2);
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        budget.charge(one);
        budget.charge(same_64);
        assert!(budget.check(one).is_err());
        assert!(budget.check(other_64).is_ok());
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        budget.charge(mapped);
        budget.charge("192.0.2.7".parse().unwrap());
        assert!(budget.check(mapped).is_err());
    }

    #[test]
    fn no_allowance_allows_everything() {
        let budget = AddressBudget::new(None);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..10_000).all(|_| budget.spend(ip).is_ok()));
        assert_eq!(budget.tracked(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn addresses_whose_budget_came_back_are_forgotten() {
        let budget = budget(1);
        for n in 0..FIRST_PRUNE_AT as u32 {
            budget.charge(IpAddr::V4(n.into()));
        }
        assert_eq!(budget.tracked(), FIRST_PRUNE_AT);
        tokio::time::advance(Duration::from_secs(61)).await;
        budget.charge("192.0.2.1".parse().unwrap());
        assert_eq!(budget.tracked(), 1);
    }
}
