//! API-key rows of [`PgTx`] (SEC-01): only hashes of secrets are stored.

use postgres::Row;
use postgres::types::ToSql;

use super::{PgTx, col, corrupt, micros, opt_timestamp, timestamp};
use memstore_store::apikey::{ApiKey, Role};
use memstore_store::backend::keys::{KeyReadTx, KeyWriteTx};
use memstore_store::error::Result;
use memstore_store::model::Timestamp;

const KEY_COLUMNS: &str = "id, workspaces, role, name, created_at, revoked_at";

fn key_from_row(row: &Row) -> Result<ApiKey> {
    let workspaces: String = col(row, 1)?;
    let role: String = col(row, 2)?;
    Ok(ApiKey {
        id: col(row, 0)?,
        workspaces: serde_json::from_str(&workspaces)
            .map_err(|_| corrupt(format!("workspace list {workspaces}")))?,
        role: Role::parse(&role).ok_or_else(|| corrupt(format!("role {role}")))?,
        name: col(row, 3)?,
        created_at: timestamp(col(row, 4)?)?,
        revoked_at: opt_timestamp(col(row, 5)?)?,
    })
}

impl PgTx<'_, '_> {
    fn one_key(&mut self, filter: &str, arg: &(dyn ToSql + Sync)) -> Result<Option<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE {filter}");
        self.row("reading an API key", &sql, &[arg])?
            .map(|r| key_from_row(&r))
            .transpose()
    }
}

impl KeyReadTx for PgTx<'_, '_> {
    fn api_key_by_hash(&mut self, hash: &[u8; 32]) -> Result<Option<ApiKey>> {
        self.one_key("key_hash = $1", &&hash[..])
    }

    fn api_key(&mut self, id: &str) -> Result<Option<ApiKey>> {
        self.one_key("id = $1", &id)
    }

    fn api_key_hash(&mut self, id: &str) -> Result<Option<[u8; 32]>> {
        let Some(row) = self.row(
            "reading an API key's hash",
            "SELECT key_hash FROM api_keys WHERE id = $1",
            &[&id],
        )?
        else {
            return Ok(None);
        };
        let hash: Vec<u8> = col(&row, 0)?;
        hash.try_into().map(Some).map_err(|_| {
            memstore_store::StoreError::Corrupt(format!("API key {id} has a malformed hash"))
        })
    }

    fn list_api_keys(&mut self) -> Result<Vec<ApiKey>> {
        // `id` is COLLATE "C": ties break in byte order, as on SQLite.
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, id");
        self.rows("listing API keys", &sql, &[])?
            .iter()
            .map(key_from_row)
            .collect()
    }
}

impl KeyWriteTx for PgTx<'_, '_> {
    fn insert_api_key(&mut self, key: &ApiKey, hash: &[u8; 32]) -> Result<()> {
        let workspaces = serde_json::to_string(&key.workspaces).expect("strings serialise");
        self.exec(
            "creating an API key",
            "INSERT INTO api_keys (id, key_hash, workspaces, role, name, created_at, \
             revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &key.id,
                &&hash[..],
                &workspaces,
                &key.role.as_str(),
                &key.name,
                &micros(key.created_at),
                &key.revoked_at.map(micros),
            ],
        )?;
        Ok(())
    }

    fn revoke_api_key(&mut self, id: &str, at: Timestamp) -> Result<()> {
        self.exec(
            "revoking an API key",
            "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &micros(at)],
        )?;
        Ok(())
    }
}
