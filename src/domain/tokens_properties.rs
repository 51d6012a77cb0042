//! Properties of the ids the server hands out and clients send back.

use std::collections::HashSet;

use proptest::prelude::*;

use super::*;
use crate::strategies::text;

proptest! {
    /// A peer id from a client is opaque: kept exactly as sent, and sent
    /// back in JSON as the same string, so it can only ever match itself.
    #[test]
    fn client_peer_ids_are_kept_as_sent(raw in text()) {
        let id = PeerId::from_client(&raw);
        prop_assert_eq!(id.as_str(), raw.as_str());
        prop_assert_eq!(id.to_string(), raw.clone());
        prop_assert_eq!(serde_json::to_value(&id).unwrap(), serde_json::Value::String(raw));
    }
}

#[test]
fn generated_peer_ids_are_20_symbols_and_never_repeat() {
    let ids: HashSet<PeerId> = (0..10_000).map(|_| PeerId::generate()).collect();
    assert_eq!(ids.len(), 10_000);
    for id in ids {
        assert_eq!(id.as_str().len(), 20, "{id}");
        assert!(
            id.as_str()
                .bytes()
                .all(|b| b"0123456789abcdefghjkmnpqrstvwxyz".contains(&b)),
            "{id}"
        );
    }
}
