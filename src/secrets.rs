//! The server's secrets and where they are kept across restarts: the key
//! that signs rejoin tickets, and the TURN secret when none is configured.
//! A server that comes back with the same secrets still honours the tickets
//! and the TURN credentials it handed out, so calls in progress carry on
//! through a crash or a deploy.
//!
//! Each secret comes from configuration, or else from a file of its own in
//! the state directory, made on first start with permissions for the owner
//! alone. Nothing is written after start-up.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::domain::TicketKey;
use crate::turn::TurnSecret;

const REJOIN_FILE: &str = "rejoin-secret";
const TURN_FILE: &str = "turn-secret";

/// The secret rejoin tickets are signed with, when given by configuration
/// (several instances sharing rooms must share it). `Debug` never shows it.
#[derive(Clone)]
pub struct RejoinSecret(String);

impl RejoinSecret {
    const MIN_BYTES: usize = 16;
}

impl FromStr for RejoinSecret {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw.len() < Self::MIN_BYTES {
            return Err(format!(
                "a rejoin secret has at least {} characters",
                Self::MIN_BYTES
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

impl fmt::Debug for RejoinSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RejoinSecret(<redacted>)")
    }
}

/// Where the state directory is, and whether someone chose it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateDir {
    /// `--state-dir`: failing to use it stops the server.
    Chosen(PathBuf),
    /// The per-user default, if the platform has one: failing to use it
    /// only costs calls their survival of a restart, with a warning.
    Default(Option<PathBuf>),
}

impl StateDir {
    /// The default: systemd's `StateDirectory=` (`$STATE_DIRECTORY`), else
    /// the platform's per-user state directory (`$XDG_STATE_HOME/duet` or
    /// `~/.local/state/duet` on Linux), else its local data directory.
    pub fn default_for_user() -> Self {
        let systemd = std::env::var_os("STATE_DIRECTORY")
            .and_then(|dirs| std::env::split_paths(&dirs).next())
            .filter(|dir| !dir.as_os_str().is_empty());
        let per_user = || {
            dirs::state_dir()
                .or_else(dirs::data_local_dir)
                .map(|dir| dir.join("duet"))
        };
        Self::Default(systemd.or_else(per_user))
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            StateDir::Chosen(dir) => Some(dir),
            StateDir::Default(dir) => dir.as_deref(),
        }
    }
}

/// The secrets in use.
pub struct Secrets {
    pub tickets: TicketKey,
    pub turn: TurnSecret,
    /// Where the secrets not configured are kept; `None` when every secret
    /// was configured, or when they could not be kept (then they last only
    /// as long as the process).
    pub kept_in: Option<PathBuf>,
}

impl Secrets {
    /// The configured secrets, and the others from (or, the first time, into)
    /// the state directory.
    pub fn load(
        state_dir: &StateDir,
        rejoin: Option<&RejoinSecret>,
        turn: Option<&TurnSecret>,
    ) -> io::Result<Self> {
        if let (Some(rejoin), Some(turn)) = (rejoin, turn) {
            return Ok(Self {
                tickets: TicketKey::new(rejoin.0.as_bytes()),
                turn: turn.clone(),
                kept_in: None,
            });
        }
        match Self::load_from(state_dir.path(), rejoin, turn) {
            Ok(secrets) => Ok(secrets),
            Err(e) if matches!(state_dir, StateDir::Chosen(_)) => {
                Err(io::Error::new(e.kind(), format!("--state-dir: {e}")))
            }
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    "no state directory (set --state-dir): secrets last until the server stops, so calls in progress will not survive a restart"
                );
                let rejoin = rejoin.map_or_else(fresh_secret, |secret| secret.0.clone());
                Ok(Self {
                    tickets: TicketKey::new(rejoin.as_bytes()),
                    turn: turn.cloned().unwrap_or_else(TurnSecret::generate),
                    kept_in: None,
                })
            }
        }
    }

    fn load_from(
        dir: Option<&Path>,
        rejoin: Option<&RejoinSecret>,
        turn: Option<&TurnSecret>,
    ) -> io::Result<Self> {
        let dir =
            dir.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no per-user state directory"))?;
        create_private_dir(dir)?;
        let tickets = match rejoin {
            Some(secret) => TicketKey::new(secret.0.as_bytes()),
            None => TicketKey::new(kept_secret(&dir.join(REJOIN_FILE))?.as_bytes()),
        };
        let turn = match turn {
            Some(secret) => secret.clone(),
            None => kept_secret(&dir.join(TURN_FILE))?
                .parse()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{e}")))?,
        };
        Ok(Self {
            tickets,
            turn,
            kept_in: Some(dir.to_owned()),
        })
    }
}

/// 32 random bytes from the operating system, base64.
pub fn fresh_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    BASE64.encode(bytes)
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot create the state directory {}: {e}", dir.display()),
        )
    })
}

/// The secret in `path`, made first if there is none. Two servers starting
/// at once on one directory agree: the file appears whole or not at all, and
/// a second writer finds the first one's and uses it.
fn kept_secret(path: &Path) -> io::Result<String> {
    match read_secret(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        read => return read,
    }
    let dir = path.parent().expect("a file in the state directory");
    // Made with permissions for the owner alone.
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    writeln!(file, "{}", fresh_secret())?;
    file.as_file().sync_all()?;
    match file.persist_noclobber(path) {
        Ok(_) => {}
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e.error),
    }
    read_secret(path)
}

fn read_secret(path: &Path) -> io::Result<String> {
    let text = fs::read_to_string(path)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))?;
    let secret = text.trim();
    if secret.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is empty; remove it to have a new secret made", path.display()),
        ));
    }
    Ok(secret.to_owned())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::domain::{JoinedAt, PeerId, PeerName, RoomId, SeatTicket};

    fn ticket() -> SeatTicket {
        let now = SystemTime::now();
        SeatTicket {
            room_id: RoomId::generate(),
            peer_id: PeerId::generate(),
            name: PeerName::parse("Ada").unwrap(),
            joined_at: JoinedAt::at(now),
            expires: now + Duration::from_secs(60),
        }
    }

    fn same_keys(a: &Secrets, b: &Secrets) -> bool {
        let ticket = ticket();
        let token = a.tickets.issue(&ticket);
        b.tickets.check(&token, SystemTime::now()).is_ok() && a.turn.password("u") == b.turn.password("u")
    }

    #[test]
    fn secrets_made_once_are_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::Chosen(dir.path().join("nested/duet"));
        let first = Secrets::load(&state, None, None).unwrap();
        let again = Secrets::load(&state, None, None).unwrap();
        assert!(same_keys(&first, &again));
        assert_eq!(again.kept_in.as_deref(), state.path());

        let elsewhere = tempfile::tempdir().unwrap();
        let other = Secrets::load(&StateDir::Chosen(elsewhere.path().to_owned()), None, None).unwrap();
        assert!(!same_keys(&first, &other));
    }

    #[cfg(unix)]
    #[test]
    fn only_the_owner_can_read_them() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let state_dir = dir.path().join("duet");
        Secrets::load(&StateDir::Chosen(state_dir.clone()), None, None).unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&state_dir), 0o700);
        assert_eq!(mode(&state_dir.join(REJOIN_FILE)), 0o600);
        assert_eq!(mode(&state_dir.join(TURN_FILE)), 0o600);
    }

    #[test]
    fn configured_secrets_need_no_directory() {
        let rejoin: RejoinSecret = "a shared rejoin secret".parse().unwrap();
        let turn: TurnSecret = "a shared turn secret".parse().unwrap();
        let nowhere = StateDir::Chosen(PathBuf::from("/proc/no/such/dir"));
        let one = Secrets::load(&nowhere, Some(&rejoin), Some(&turn)).unwrap();
        let two = Secrets::load(&nowhere, Some(&rejoin), Some(&turn)).unwrap();
        assert!(same_keys(&one, &two));
        assert!(one.kept_in.is_none());
    }

    #[test]
    fn a_chosen_directory_that_cannot_be_used_stops_the_server_and_a_default_one_does_not() {
        let nowhere = PathBuf::from("/proc/no/such/dir");
        assert!(Secrets::load(&StateDir::Chosen(nowhere.clone()), None, None).is_err());
        let fallback = Secrets::load(&StateDir::Default(Some(nowhere.clone())), None, None).unwrap();
        assert!(fallback.kept_in.is_none());
        assert!(Secrets::load(&StateDir::Default(None), None, None).is_ok());

        let rejoin: RejoinSecret = "a shared rejoin secret".parse().unwrap();
        let turn: TurnSecret = "a shared turn secret".parse().unwrap();
        let (one, two) = (
            Secrets::load(&StateDir::Default(Some(nowhere)), Some(&rejoin), None).unwrap(),
            Secrets::load(&StateDir::Default(None), Some(&rejoin), Some(&turn)).unwrap(),
        );
        let token = one.tickets.issue(&ticket());
        assert!(
            two.tickets.check(&token, SystemTime::now()).is_ok(),
            "a configured secret is used even without a state directory"
        );
    }

    #[test]
    fn an_empty_secret_file_is_an_error_not_a_new_secret() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(REJOIN_FILE), "\n").unwrap();
        let Err(err) = Secrets::load(&StateDir::Chosen(dir.path().to_owned()), None, None) else {
            panic!("an empty secret file was taken");
        };
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn short_or_shown_rejoin_secrets_are_refused() {
        assert!("too short".parse::<RejoinSecret>().is_err());
        let secret: RejoinSecret = "long enough to be a secret".parse().unwrap();
        assert!(!format!("{secret:?}").contains("long enough"));
    }
}
