//! `SqliteTx`: the backend's transaction view, implementing
//! [`ReadTx`](memstore_store::backend::ReadTx) and
//! [`WriteTx`](memstore_store::backend::WriteTx). Every statement is a constant
//! string with `?` parameters; no input is ever formatted into SQL (SEC-04).

mod keys;
mod read;
mod sessions;
mod write;

use chrono::DateTime;
use rusqlite::{Connection, Row};

use memstore_store::chain::Hash;
use memstore_store::error::StoreError;
use memstore_store::model::{Actor, Memory, MemoryVersion, Operation, Timestamp};

/// A transaction on one connection; the caller begins and ends it.
pub struct SqliteTx<'c> {
    conn: &'c Connection,
}

impl<'c> SqliteTx<'c> {
    /// Wraps a connection that is inside a transaction.
    pub fn new(conn: &'c Connection) -> Self {
        Self { conn }
    }
}

fn db(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| crate::db_error(context, e)
}

fn micros(t: Timestamp) -> i64 {
    t.timestamp_micros()
}

fn timestamp(micros: i64) -> rusqlite::Result<Timestamp> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| corrupt(format!("time {micros}")))
}

fn opt_timestamp(micros: Option<i64>) -> rusqlite::Result<Option<Timestamp>> {
    micros.map(timestamp).transpose()
}

fn actor(type_tag: String, id: String) -> rusqlite::Result<Actor> {
    Actor::from_parts(&type_tag, id).ok_or_else(|| corrupt(format!("actor type {type_tag}")))
}

fn hash(bytes: Vec<u8>) -> rusqlite::Result<Hash> {
    bytes
        .try_into()
        .map_err(|_| corrupt("a hash that is not 32 bytes".into()))
}

fn corrupt(what: String) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(StoreError::Corrupt(format!(
        "unreadable {what}"
    ))))
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Columns of a memory row, in the order [`memory_from_row`] reads them;
/// `content` comes from the head version when requested.
const MEMORY_COLUMNS: &str = "m.id, m.store_id, m.path, m.head_version, m.content_sha256, \
     m.content_size, m.created_at, m.updated_at";

fn memory_from_row(row: &Row<'_>, with_content: bool) -> rusqlite::Result<Memory> {
    Ok(Memory {
        id: row.get(0)?,
        memory_store_id: row.get(1)?,
        path: row.get(2)?,
        memory_version_id: row.get(3)?,
        content_sha256: row.get(4)?,
        content_size_bytes: row.get(5)?,
        created_at: timestamp(row.get(6)?)?,
        updated_at: timestamp(row.get(7)?)?,
        content: if with_content { row.get(8)? } else { None },
    })
}

/// Columns of a version row, in the order [`version_from_row`] reads them.
const VERSION_COLUMNS: &str = "seq, id, memory_id, store_id, operation, path, content, \
     content_sha256, content_size, created_at, actor_type, actor_id, redacted_at, \
     redactor_type, redactor_id, pruned_at";

fn version_from_row(row: &Row<'_>) -> rusqlite::Result<(i64, MemoryVersion, bool)> {
    let operation: String = row.get(4)?;
    let redacted_by = match (row.get(13)?, row.get(14)?) {
        (Some(t), Some(id)) => Some(actor(t, id)?),
        _ => None,
    };
    let version = MemoryVersion {
        id: row.get(1)?,
        memory_id: row.get(2)?,
        memory_store_id: row.get(3)?,
        operation: Operation::parse(&operation)
            .ok_or_else(|| corrupt(format!("operation {operation}")))?,
        path: row.get(5)?,
        content: row.get(6)?,
        content_sha256: row.get(7)?,
        content_size_bytes: row.get(8)?,
        created_at: timestamp(row.get(9)?)?,
        created_by: actor(row.get(10)?, row.get(11)?)?,
        redacted_at: opt_timestamp(row.get(12)?)?,
        redacted_by,
    };
    let pruned = row.get::<_, Option<i64>>(15)?.is_some();
    Ok((row.get(0)?, version, pruned))
}
