//! Unguessable identifiers from the operating system's secure random source.

/// Lower-case letters and digits without the look-alikes `i`, `l`, `o`, `u`
/// (Crockford's base 32): 32 symbols, so each one carries exactly five bits.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// `len` symbols of [`ALPHABET`], each drawn from five fresh random bits.
pub(crate) fn random_symbols(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    // The OS random source only fails when the process cannot work at all
    // (no /dev/urandom, no getrandom syscall); ids must never be predictable.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    // 256 is a multiple of 32, so masking keeps every symbol equally likely.
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn symbols_come_from_the_alphabet() {
        let s = random_symbols(200);
        assert_eq!(s.len(), 200);
        assert!(s.bytes().all(|b| ALPHABET.contains(&b)));
    }

    #[test]
    fn draws_do_not_repeat() {
        let seen: HashSet<String> = (0..10_000).map(|_| random_symbols(16)).collect();
        assert_eq!(seen.len(), 10_000);
    }
}
