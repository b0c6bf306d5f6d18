//! API-key rows of [`SqliteTx`] (SEC-01): only hashes of secrets are stored.

use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteTx, corrupt, db, micros, opt_timestamp, timestamp};
use memstore_store::apikey::{ApiKey, Role};
use memstore_store::backend::keys::{KeyReadTx, KeyWriteTx};
use memstore_store::error::Result;
use memstore_store::model::Timestamp;

const KEY_COLUMNS: &str = "id, workspaces, role, name, created_at, revoked_at";

fn key_from_row(row: &Row<'_>) -> rusqlite::Result<ApiKey> {
    let workspaces: String = row.get(1)?;
    let role: String = row.get(2)?;
    Ok(ApiKey {
        id: row.get(0)?,
        workspaces: serde_json::from_str(&workspaces)
            .map_err(|_| corrupt(format!("workspace list {workspaces}")))?,
        role: Role::parse(&role).ok_or_else(|| corrupt(format!("role {role}")))?,
        name: row.get(3)?,
        created_at: timestamp(row.get(4)?)?,
        revoked_at: opt_timestamp(row.get(5)?)?,
    })
}

impl SqliteTx<'_> {
    fn one_key(&self, filter: &str, arg: &dyn rusqlite::ToSql) -> Result<Option<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE {filter}");
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([arg], key_from_row).optional())
            .map_err(db("reading an API key"))
    }
}

impl KeyReadTx for SqliteTx<'_> {
    fn api_key_by_hash(&mut self, hash: &[u8; 32]) -> Result<Option<ApiKey>> {
        self.one_key("key_hash = ?1", &&hash[..])
    }

    fn api_key(&mut self, id: &str) -> Result<Option<ApiKey>> {
        self.one_key("id = ?1", &id)
    }

    fn list_api_keys(&mut self) -> Result<Vec<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, id");
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_map([], key_from_row)?.collect())
            .map_err(db("listing API keys"))
    }

    fn api_key_hash(&mut self, id: &str) -> Result<Option<[u8; 32]>> {
        let hash: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT key_hash FROM api_keys WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map_err(db("reading an API key's hash"))?;
        hash.map(|h| {
            h.try_into().map_err(|_| {
                memstore_store::StoreError::Corrupt(format!("API key {id} has a malformed hash"))
            })
        })
        .transpose()
    }
}

impl KeyWriteTx for SqliteTx<'_> {
    fn insert_api_key(&mut self, key: &ApiKey, hash: &[u8; 32]) -> Result<()> {
        let workspaces = serde_json::to_string(&key.workspaces).expect("strings serialise");
        self.conn
            .prepare_cached(
                "INSERT INTO api_keys (id, key_hash, workspaces, role, name, created_at, \
                 revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    key.id,
                    &hash[..],
                    workspaces,
                    key.role.as_str(),
                    key.name,
                    micros(key.created_at),
                    key.revoked_at.map(micros),
                ])
            })
            .map_err(db("creating an API key"))?;
        Ok(())
    }

    fn revoke_api_key(&mut self, id: &str, at: Timestamp) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            )
            .and_then(|mut s| s.execute(params![id, micros(at)]))
            .map_err(db("revoking an API key"))?;
        Ok(())
    }
}
