//! The storage seam for API keys (SEC-01), kept apart from the store tables
//! so the key schema can evolve on its own. [`ReadTx`](super::ReadTx) and
//! [`WriteTx`](super::WriteTx) have these as supertraits.

use crate::apikey::ApiKey;
use crate::error::Result;
use crate::model::Timestamp;

/// Key queries available inside any transaction.
pub trait KeyReadTx {
    /// The key whose secret hashes to `hash`, revoked or not.
    fn api_key_by_hash(&mut self, hash: &[u8; 32]) -> Result<Option<ApiKey>>;

    /// A key by id.
    fn api_key(&mut self, id: &str) -> Result<Option<ApiKey>>;

    /// Every key, oldest first.
    fn list_api_keys(&mut self) -> Result<Vec<ApiKey>>;

    /// The stored hash of a key's secret: what `memstore migrate` copies,
    /// since the secret itself is never kept.
    fn api_key_hash(&mut self, id: &str) -> Result<Option<[u8; 32]>>;
}

/// Key changes available inside a write transaction.
pub trait KeyWriteTx: KeyReadTx {
    /// Stores a new key with the hash of its secret.
    fn insert_api_key(&mut self, key: &ApiKey, hash: &[u8; 32]) -> Result<()>;

    /// Marks a key revoked at `at` (once; a second revoke keeps the first time).
    fn revoke_api_key(&mut self, id: &str, at: Timestamp) -> Result<()>;
}
