//! Properties of TURN usernames, which strangers send to the built-in TURN
//! server: `<expiry>` or `<expiry>:<anything>`, refused once expired, and
//! nothing else accepted.

use proptest::prelude::*;

use super::*;
use crate::strategies::text;

fn at(unix: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix)
}

/// Unix times up to about the year 35,000.
const LATEST: u64 = 1 << 40;

proptest! {
    #[test]
    fn usernames_are_judged_by_their_expiry(
        expiry in 0..LATEST,
        user in prop::option::of(text()),
        now in 0..LATEST,
    ) {
        let username = match &user {
            Some(user) => format!("{expiry}:{user}"),
            None => expiry.to_string(),
        };
        let expected = if expiry > now { Ok(()) } else { Err(Refused::Expired) };
        prop_assert_eq!(check_expiry(&username, at(now)), expected);
    }

    #[test]
    fn a_username_without_a_number_first_is_malformed(
        first in prop_oneof![
            text(),
            // Beyond u64: 21 digits or more, the first not a zero.
            "[1-9][0-9]{20,29}",
            "-[0-9]{1,5}",
            "[0-9]{1,5}[ .eE][0-9]{0,3}",
        ],
        rest in prop::option::of(text()),
    ) {
        let first = first.split(':').next().unwrap().to_owned();
        // A decimal number, perhaps with a plus sign, is an expiry.
        let digits = first.strip_prefix('+').unwrap_or(&first);
        prop_assume!(digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 20);
        let username = match rest {
            Some(rest) => format!("{first}:{rest}"),
            None => first,
        };
        prop_assert_eq!(check_expiry(&username, at(0)), Err(Refused::Malformed), "{:?}", username);
    }

    #[test]
    fn issued_credentials_are_good_until_they_expire(
        secret in "[ -~]{1,40}",
        other in "[ -~]{1,40}",
        peer in text(),
        ttl in 1u64..1 << 30,
        now in 0..LATEST,
    ) {
        let secret: TurnSecret = secret.parse().unwrap();
        let issued = issue(&secret, &peer, Duration::from_secs(ttl), at(now));
        prop_assert_eq!(check_expiry(&issued.username, at(now)), Ok(()));
        prop_assert_eq!(check_expiry(&issued.username, at(now + ttl)), Err(Refused::Expired));
        prop_assert_eq!(&issued.password, &secret.password(&issued.username));
        let other: TurnSecret = other.parse().unwrap();
        if other.0 != secret.0 {
            prop_assert_ne!(&issued.password, &other.password(&issued.username));
        }
    }
}
