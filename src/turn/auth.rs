//! The built-in TURN server's check of REST-API credentials.

use std::net::SocketAddr;
use std::time::SystemTime;

use turn::auth::{AuthHandler, generate_auth_key};

use super::credentials::{TurnSecret, check_expiry};

pub struct RestCredentials {
    pub secret: TurnSecret,
}

impl AuthHandler for RestCredentials {
    /// The long-term key for `username`, if its expiry has not passed: the
    /// password is derived from the secret, so nothing is stored per user.
    fn auth_handle(&self, username: &str, realm: &str, source: SocketAddr) -> Result<Vec<u8>, turn::Error> {
        if let Err(refused) = check_expiry(username, SystemTime::now()) {
            tracing::debug!(%source, %refused, "TURN credentials refused");
            return Err(turn::Error::Other(refused.to_string()));
        }
        Ok(generate_auth_key(
            username,
            realm,
            &self.secret.password(username),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_and_refuses_expired_usernames() {
        let auth = RestCredentials {
            secret: "s3cret-shared".parse().unwrap(),
        };
        let source: SocketAddr = "192.0.2.1:5000".parse().unwrap();
        let future = "4102444800:peer";
        let key = auth.auth_handle(future, "duet", source).unwrap();
        // MD5("4102444800:peer:duet:" + password), the RFC 5389 long-term key.
        assert_eq!(
            key,
            generate_auth_key(future, "duet", "ZeVeY7Sd4SBw9fQE5BrIh+BSKhA=")
        );
        assert!(auth.auth_handle("1600000000:peer", "duet", source).is_err());
        assert!(auth.auth_handle("someone", "duet", source).is_err());
    }
}
