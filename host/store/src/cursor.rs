//! Opaque page cursors (API-03): the keyset position of the last item
//! returned, as URL-safe base64 of a small JSON value. Clients must treat the
//! string as opaque; the engine rejects anything it did not produce.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::StoreError;

/// Encodes a keyset position as a cursor.
pub fn encode<K: Serialize>(key: &K) -> String {
    let json = serde_json::to_vec(key).expect("cursor keys serialise");
    URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor produced by [`encode`] with the same key type.
///
/// # Errors
/// [`StoreError::Invalid`] on the `page` field for anything else.
pub fn decode<K: DeserializeOwned>(cursor: &str) -> Result<K, StoreError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            StoreError::invalid(
                "page",
                "not a cursor this listing returned; pass next_page from the previous response",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_03_cursor_round_trips_and_rejects_garbage() {
        let c = encode(&("/a/b".to_string(), 7_i64));
        assert_eq!(decode::<(String, i64)>(&c).unwrap(), ("/a/b".into(), 7));
        assert!(decode::<i64>("not a cursor!").is_err());
        assert!(decode::<i64>(&encode(&"text")).is_err());
    }
}
