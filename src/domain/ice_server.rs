//! ICE servers handed to clients in the `join` acknowledgement.

use std::str::FromStr;

/// One `RTCIceServer` as the browser wants it.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an ICE server is a stun:, turn: or turns: URL, with credentials as turn:USER:PASSWORD@HOST:PORT")]
pub struct InvalidIceServer;

/// The configuration form is one URL per server, credentials written as URL
/// user info: `turn:alice:s3cret@turn.example.com:3478?transport=udp`.
impl FromStr for IceServer {
    type Err = InvalidIceServer;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        let (scheme, rest) = raw.split_once(':').ok_or(InvalidIceServer)?;
        if !matches!(scheme, "stun" | "stuns" | "turn" | "turns") {
            return Err(InvalidIceServer);
        }
        let (userinfo, host) = match rest.rsplit_once('@') {
            Some((userinfo, host)) => (Some(userinfo), host),
            None => (None, rest),
        };
        if host.is_empty() || host.starts_with(':') {
            return Err(InvalidIceServer);
        }
        let url = format!("{scheme}:{host}");
        let (username, credential) = match userinfo {
            None => (None, None),
            Some(userinfo) => {
                let (user, password) = userinfo.split_once(':').ok_or(InvalidIceServer)?;
                if user.is_empty() {
                    return Err(InvalidIceServer);
                }
                (Some(user.to_owned()), Some(password.to_owned()))
            }
        };
        Ok(Self {
            urls: vec![url],
            username,
            credential,
        })
    }
}

/// Credentials stay out of logs and `--help` output.
impl std::fmt::Debug for IceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IceServer")
            .field("urls", &self.urls)
            .field("username", &self.username)
            .field("credential", &self.credential.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_stun_url() {
        let server: IceServer = "stun:stun.example.com:3478".parse().unwrap();
        assert_eq!(server.urls, ["stun:stun.example.com:3478"]);
        assert_eq!(server.username, None);
        assert_eq!(
            serde_json::to_value(&server).unwrap(),
            serde_json::json!({"urls": ["stun:stun.example.com:3478"]})
        );
    }

    #[test]
    fn turn_with_credentials() {
        let server: IceServer = "turn:alice:pa:ss@turn.example.com:3478?transport=tcp"
            .parse()
            .unwrap();
        assert_eq!(server.urls, ["turn:turn.example.com:3478?transport=tcp"]);
        assert_eq!(server.username.as_deref(), Some("alice"));
        assert_eq!(server.credential.as_deref(), Some("pa:ss"));
        assert!(!format!("{server:?}").contains("pa:ss"));
    }

    #[test]
    fn rejects_other_schemes_and_empty_hosts() {
        for bad in [
            "http://x",
            "stun:",
            "turn:@host",
            "turn:user@host",
            "host:3478",
            "",
        ] {
            assert!(bad.parse::<IceServer>().is_err(), "{bad:?}");
        }
    }
}
