//! API keys (SEC-01): create (the secret is returned once), authenticate by
//! secret, list, revoke. Grants are enforced by the front ends.

use super::Engine;
use crate::apikey::{self, ApiKey, Role};
use crate::backend::WriteScope;
use crate::error::{Result, StoreError};
use crate::model::now;

/// Longest key label, in characters.
const MAX_KEY_NAME_CHARS: usize = 255;

impl Engine {
    /// Creates a key for `workspaces` (the first is its default) and returns
    /// it with its secret, which is not stored and cannot be shown again.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for no or empty workspace names or an overlong
    /// name; a database error.
    pub fn create_api_key(
        &self,
        workspaces: Vec<String>,
        role: Role,
        name: &str,
    ) -> Result<(ApiKey, String)> {
        if workspaces.is_empty() || workspaces.iter().any(|w| w.trim().is_empty()) {
            return Err(StoreError::invalid(
                "workspace",
                "a key needs at least one non-empty workspace name",
            ));
        }
        if name.chars().count() > MAX_KEY_NAME_CHARS {
            return Err(StoreError::invalid(
                "name",
                format!("at most {MAX_KEY_NAME_CHARS} characters"),
            ));
        }
        let (id, secret) = apikey::new_secret();
        let key = ApiKey {
            id,
            workspaces,
            role,
            name: name.to_owned(),
            created_at: now(),
            revoked_at: None,
        };
        let hash = apikey::hash_secret(&secret);
        let stored = key.clone();
        self.write(WriteScope::none(), move |tx| {
            tx.insert_api_key(&stored, &hash)
        })?;
        Ok((key, secret))
    }

    /// The active key with this secret, if any.
    ///
    /// # Errors
    /// A database error.
    pub fn authenticate_api_key(&self, secret: &str) -> Result<Option<ApiKey>> {
        let hash = apikey::hash_secret(secret);
        Ok(self
            .read(|tx| tx.api_key_by_hash(&hash))?
            .filter(ApiKey::is_active))
    }

    /// Every key, revoked ones included, oldest first.
    ///
    /// # Errors
    /// A database error.
    pub fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
        self.read(|tx| tx.list_api_keys())
    }

    /// Revokes a key; revoking twice is harmless.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] on `id` when no such key exists; a database error.
    pub fn revoke_api_key(&self, id: &str) -> Result<ApiKey> {
        let id = id.to_owned();
        self.write(WriteScope::none(), move |tx| {
            tx.revoke_api_key(&id, now())?;
            tx.api_key(&id)?
                .ok_or_else(|| StoreError::invalid("id", format!("no API key {id}")))
        })
    }
}
