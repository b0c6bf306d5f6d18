//! API keys (SEC-01): the key record, roles, and how secrets are made and
//! hashed. Storage is in the backend ([`crate::backend::keys`]); the
//! rules (who may do what) are applied by the front ends.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::ids;
use crate::model::Timestamp;

/// Every secret starts with this, so leaked keys are easy to recognise
/// (and to scan for).
pub const SECRET_PREFIX: &str = "msk-";

/// Random bytes in a secret: 256 bits, far beyond guessing.
const SECRET_BYTES: usize = 32;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything a writer may do; reserved for administrative endpoints.
    Admin,
    /// Read and change stores, memories and versions.
    Writer,
    /// Read only: every mutation is refused with 403.
    Reader,
}

impl Role {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Writer => "writer",
            Self::Reader => "reader",
        }
    }

    /// Parses a stored or given name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "admin" => Self::Admin,
            "writer" => Self::Writer,
            "reader" => Self::Reader,
            _ => return None,
        })
    }

    /// Whether the role may change data.
    pub fn can_write(self) -> bool {
        !matches!(self, Self::Reader)
    }
}

/// An API key as stored: never the secret, only its id and grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// `apikey_…`; recorded as the actor of every write made with the key.
    pub id: String,
    /// The workspaces the key may act in; the first is used when a request
    /// names none.
    pub workspaces: Vec<String>,
    /// What the key may do.
    pub role: Role,
    /// A label for operators.
    pub name: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was revoked; a revoked key authenticates nothing.
    pub revoked_at: Option<Timestamp>,
}

impl ApiKey {
    /// Whether the key still authenticates.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// A fresh id and secret for a new key.
pub fn new_secret() -> (String, String) {
    let bytes: [u8; SECRET_BYTES] = ids::random_bytes();
    (
        ids::new_id(ids::API_KEY_PREFIX),
        format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)),
    )
}

/// The stored form of a secret.
///
/// A single SHA-256 is the right tool here, unlike for passwords: the secret
/// is 256 random bits, so there is no dictionary to try and a slow hash
/// (argon2, bcrypt) would buy nothing against brute force while costing
/// every request tens of milliseconds. The hash is looked up by equality in
/// a unique index, so no secret-dependent comparison happens in our code.
pub fn hash_secret(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_01_secrets_are_random_prefixed_and_hash_stably() {
        let (id_a, a) = new_secret();
        let (id_b, b) = new_secret();
        assert!(id_a.starts_with("apikey_") && id_a != id_b);
        assert!(a.starts_with(SECRET_PREFIX) && a != b);
        assert_eq!(a.len(), SECRET_PREFIX.len() + 43);
        assert_eq!(hash_secret(&a), hash_secret(&a));
        assert_ne!(hash_secret(&a), hash_secret(&b));
    }
}
