//! Time-limited TURN credentials in the "TURN REST API" form that coturn's
//! `use-auth-secret` accepts: the username is `<expiry unix time>:<peer id>`,
//! the password `base64(HMAC-SHA1(secret, username))`. The server hands them
//! out; any TURN server sharing the secret can check them without asking.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::hmac;

/// The secret shared with the TURN server(s). `Debug` never shows it.
#[derive(Clone)]
pub struct TurnSecret(String);

impl TurnSecret {
    /// 32 random bytes from the operating system, base64: for a run that was
    /// given no secret (then only the built-in server can use it).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        Self(BASE64.encode(bytes))
    }

    fn key(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, self.0.as_bytes())
    }

    /// The password for `username`.
    pub fn password(&self, username: &str) -> String {
        BASE64.encode(hmac::sign(&self.key(), username.as_bytes()).as_ref())
    }
}

impl fmt::Debug for TurnSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TurnSecret(<redacted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a TURN secret must not be empty")]
pub struct EmptySecret;

impl FromStr for TurnSecret {
    type Err = EmptySecret;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw.is_empty() {
            Err(EmptySecret)
        } else {
            Ok(Self(raw.to_owned()))
        }
    }
}

/// A username and password for one peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// Credentials for `peer_id`, valid until `ttl` after `now`.
pub fn issue(secret: &TurnSecret, peer_id: &str, ttl: Duration, now: SystemTime) -> Credentials {
    let expiry = unix_seconds(now) + ttl.as_secs();
    let username = format!("{expiry}:{peer_id}");
    Credentials {
        password: secret.password(&username),
        username,
    }
}

/// Why a username is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the username is not <expiry>[:<user>]")]
    Malformed,
    #[error("the credentials expired")]
    Expired,
}

/// Checks the expiry in a username (`<expiry>` or `<expiry>:<user>`).
pub fn check_expiry(username: &str, now: SystemTime) -> Result<(), Refused> {
    let expiry = username.split_once(':').map_or(username, |(expiry, _)| expiry);
    let expiry: u64 = expiry.parse().map_err(|_| Refused::Malformed)?;
    if expiry <= unix_seconds(now) {
        return Err(Refused::Expired);
    }
    Ok(())
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
#[path = "credentials_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    fn at(unix: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(unix)
    }

    /// Computed independently:
    /// `echo -n "$USERNAME" | openssl dgst -sha1 -hmac "s3cret-shared" -binary | base64`
    #[test]
    fn passwords_match_openssl() {
        let secret: TurnSecret = "s3cret-shared".parse().unwrap();
        assert_eq!(
            secret.password("1700003600:k7dqm2xp9fztw4hcab12"),
            "dTTvMY8tcp4WjurKU/jV6PgecUU="
        );
        assert_eq!(secret.password("4102444800:peer"), "ZeVeY7Sd4SBw9fQE5BrIh+BSKhA=");
    }

    #[test]
    fn issued_credentials_carry_expiry_and_peer() {
        let secret: TurnSecret = "s3cret-shared".parse().unwrap();
        let issued = issue(
            &secret,
            "k7dqm2xp9fztw4hcab12",
            Duration::from_secs(3600),
            at(1_700_000_000),
        );
        assert_eq!(issued.username, "1700003600:k7dqm2xp9fztw4hcab12");
        assert_eq!(issued.password, "dTTvMY8tcp4WjurKU/jV6PgecUU=");
    }

    #[test]
    fn expiry_is_checked() {
        assert_eq!(check_expiry("1700003600:p", at(1_700_000_000)), Ok(()));
        assert_eq!(check_expiry("1700003600", at(1_700_000_000)), Ok(()));
        assert_eq!(
            check_expiry("1700003600:p", at(1_700_003_600)),
            Err(Refused::Expired)
        );
        assert_eq!(
            check_expiry("1699999999:p", at(1_700_000_000)),
            Err(Refused::Expired)
        );
        for bad in ["", "p", "soon:p", ":p", "-5:p"] {
            assert_eq!(
                check_expiry(bad, at(1_700_000_000)),
                Err(Refused::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let secret: TurnSecret = "s3cret-shared".parse().unwrap();
        assert!(!format!("{secret:?}").contains("s3cret"));
        assert_ne!(TurnSecret::generate().0, TurnSecret::generate().0);
        assert!("".parse::<TurnSecret>().is_err());
    }
}
