//! What one client may take of the server: connections held at once, and
//! budgets of costly requests per address. Knows nothing of HTTP or
//! Socket.IO; the edges ask it before doing the work.
//!
//! - `bucket`: a token bucket, and the allowances it is made with.
//! - `cap`: connections per address, each counted while it lasts.
//! - `budget`: a token bucket per address, for requests of one kind.

mod bucket;
mod budget;
mod cap;

use std::sync::Arc;
use std::time::Duration;

pub use bucket::{Allowance, TokenBucket};
pub use budget::{AddressBudget, Exhausted};
pub use cap::{ConnectionCap, Permit, TooManyConnections};

/// A budget as an operator writes it: `300/10m` (300 at once, then 300 over
/// each ten minutes), or `off`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget(pub Option<Allowance>);

impl std::str::FromStr for Budget {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw == "off" {
            return Ok(Self(None));
        }
        let usage = || format!("{raw:?}: write COUNT/DURATION such as 300/10m, or off");
        let (count, window) = raw.split_once('/').ok_or_else(usage)?;
        let count: u32 = count.trim().parse().map_err(|_| usage())?;
        let window = humantime::parse_duration(window.trim()).map_err(|_| usage())?;
        if count == 0 || window.is_zero() {
            return Err(format!(
                "{raw:?}: the count and the duration must be above zero (or write off)"
            ));
        }
        Ok(Self(Some(Allowance::per(count, window))))
    }
}

/// What every client address may hold and spend, as configured.
pub struct ClientLimits {
    /// Signalling (Socket.IO) connections held at once.
    pub connections: Arc<ConnectionCap>,
    pub room_creations: AddressBudget,
    /// Lookups of rooms that turn out not to exist.
    pub missing_rooms: AddressBudget,
}

impl ClientLimits {
    pub fn new(max_connections: usize, room_creations: Budget, missing_rooms: Budget) -> Self {
        Self {
            connections: ConnectionCap::new(max_connections),
            room_creations: AddressBudget::new(room_creations.0),
            missing_rooms: AddressBudget::new(missing_rooms.0),
        }
    }
}

/// New signalling sessions an address may open: as many as it may hold at
/// once, then as many again every 10 s. A session that never joins the
/// namespace holds no connection to count, and lives until the engine drops
/// it (`SESSION_JOIN_TIMEOUT`), so this is what bounds those.
pub fn session_openings(max_connections: usize) -> Budget {
    let count = u32::try_from(max_connections).unwrap_or(u32::MAX);
    Budget((count > 0).then(|| Allowance::per(count, SESSION_OPENINGS_WINDOW)))
}

const SESSION_OPENINGS_WINDOW: Duration = Duration::from_secs(10);

/// How long a new signalling session may take to join the namespace before
/// the engine drops it (a client does so at once; socketioxide's default is
/// 45 s).
pub const SESSION_JOIN_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_as_written() {
        let budget: Budget = "300/10m".parse().unwrap();
        assert_eq!(
            budget,
            Budget(Some(Allowance::per(300, Duration::from_secs(600))))
        );
        assert_eq!("off".parse::<Budget>().unwrap(), Budget(None));
        for bad in ["", "300", "0/1m", "5/0s", "x/1m", "5/soon", "-1/1m"] {
            assert!(bad.parse::<Budget>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn no_cap_no_opening_budget() {
        assert_eq!(session_openings(0), Budget(None));
        assert_eq!(
            session_openings(1000),
            Budget(Some(Allowance::per(1000, Duration::from_secs(10))))
        );
    }
}
