//! Identifiers: a type prefix (`memstore_`, `mem_`, `memver_`, …) and 24
//! random base62 characters (~143 bits), so ids are unguessable and never
//! reveal creation order or count.

use rand::Rng;
use rand::distr::Alphanumeric;

/// Prefix of memory store ids.
pub const STORE_PREFIX: &str = "memstore_";
/// Prefix of memory ids.
pub const MEMORY_PREFIX: &str = "mem_";
/// Prefix of memory version ids.
pub const VERSION_PREFIX: &str = "memver_";
/// Prefix of session ids.
pub const SESSION_PREFIX: &str = "sesn_";
/// Prefix of API key ids.
pub const API_KEY_PREFIX: &str = "apikey_";

const RANDOM_LEN: usize = 24;

/// A fresh random id with the given prefix.
pub fn new_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + RANDOM_LEN);
    id.push_str(prefix);
    id.extend(
        rand::rng()
            .sample_iter(Alphanumeric)
            .take(RANDOM_LEN)
            .map(char::from),
    );
    id
}

/// Whether `id` has the shape [`new_id`] gives ids of this `prefix`: the
/// prefix followed by 24 ASCII letters or digits.
pub fn is_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == RANDOM_LEN && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// `n` random bytes from the thread-local CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_01_ids_carry_their_prefix_and_are_unique() {
        let a = new_id(STORE_PREFIX);
        let b = new_id(STORE_PREFIX);
        assert!(a.starts_with("memstore_"));
        assert_eq!(a.len(), STORE_PREFIX.len() + RANDOM_LEN);
        assert!(
            a[STORE_PREFIX.len()..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
        );
        assert_ne!(a, b);
    }

    #[test]
    fn ver_01_is_id_accepts_only_fresh_id_shapes() {
        assert!(is_id(&new_id(VERSION_PREFIX), VERSION_PREFIX));
        assert!(!is_id(&new_id(MEMORY_PREFIX), VERSION_PREFIX));
        assert!(!is_id("memver_short", VERSION_PREFIX));
        assert!(!is_id(
            &format!("{VERSION_PREFIX}{}", "-".repeat(RANDOM_LEN)),
            VERSION_PREFIX
        ));
    }
}
