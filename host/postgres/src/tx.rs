//! `PgTx`: the backend's transaction view, implementing
//! [`ReadTx`](memstore_store::backend::ReadTx) and
//! [`WriteTx`](memstore_store::backend::WriteTx). Every statement is
//! constant text (at most assembled from constant fragments) with `$n`
//! parameters; no input is ever formatted into SQL (SEC-04). Statements are
//! prepared once per connection and kept in its [`Statements`].

mod keys;
mod read;
mod sessions;
mod write;

use std::sync::atomic::AtomicBool;

use chrono::DateTime;
use postgres::types::{FromSql, ToSql};
use postgres::{Row, Statement, Transaction};

use crate::Statements;
use memstore_store::chain::Hash;
use memstore_store::error::{Result, StoreError};
use memstore_store::model::{Actor, Memory, MemoryVersion, Operation, Timestamp};

/// Statements kept per connection; past this the cache starts over (the
/// dynamic listings have a few hundred shapes at most).
const MAX_STATEMENTS: usize = 512;

/// A parameter list.
type Params<'p> = [&'p (dyn ToSql + Sync)];

/// A transaction on one connection; the caller begins and ends it.
pub struct PgTx<'a, 't> {
    tx: &'a mut Transaction<'t>,
    statements: &'a mut Statements,
    /// Where a read that holds back unsettled events says so (reads only).
    unsettled: Option<&'a AtomicBool>,
    /// The ids of the events a write job recorded (writes only): the writer
    /// gives them their horizon before it commits (see `insert_event`).
    drawn: Option<&'a mut Vec<i64>>,
}

impl<'a, 't> PgTx<'a, 't> {
    /// A read transaction; a read holding back unsettled events raises
    /// `unsettled`.
    pub fn reader(
        tx: &'a mut Transaction<'t>,
        statements: &'a mut Statements,
        unsettled: &'a AtomicBool,
    ) -> Self {
        Self {
            tx,
            statements,
            unsettled: Some(unsettled),
            drawn: None,
        }
    }

    /// A write job's transaction; the ids of recorded events go to `drawn`.
    pub fn writer(
        tx: &'a mut Transaction<'t>,
        statements: &'a mut Statements,
        drawn: &'a mut Vec<i64>,
    ) -> Self {
        Self {
            tx,
            statements,
            unsettled: None,
            drawn: Some(drawn),
        }
    }

    /// The prepared statement of `sql`, preparing it on first use.
    fn statement(&mut self, sql: &str) -> std::result::Result<Statement, postgres::Error> {
        prepare_cached(self.tx, self.statements, sql)
    }

    /// Runs a query and returns its rows.
    fn rows(&mut self, context: &'static str, sql: &str, args: &Params<'_>) -> Result<Vec<Row>> {
        let s = self.statement(sql).map_err(db(context))?;
        self.tx.query(&s, args).map_err(db(context))
    }

    /// Runs a query of at most one row.
    fn row(&mut self, context: &'static str, sql: &str, args: &Params<'_>) -> Result<Option<Row>> {
        let s = self.statement(sql).map_err(db(context))?;
        self.tx.query_opt(&s, args).map_err(db(context))
    }

    /// Runs a statement and returns the rows it changed.
    fn exec(&mut self, context: &'static str, sql: &str, args: &Params<'_>) -> Result<u64> {
        let s = self.statement(sql).map_err(db(context))?;
        self.tx.execute(&s, args).map_err(db(context))
    }

    /// Runs an assembled query and returns its rows.
    fn rows_of(&mut self, context: &'static str, q: &Sql) -> Result<Vec<Row>> {
        let args: Vec<&(dyn ToSql + Sync)> = q.args.iter().map(|a| &**a as _).collect();
        self.rows(context, &q.text, &args)
    }

    /// Runs statements without parameters (savepoints).
    fn batch(&mut self, context: &'static str, sql: &str) -> Result<()> {
        self.tx.batch_execute(sql).map_err(db(context))
    }
}

/// A statement assembled from constant fragments, each value bound as the
/// next `$n` (SEC-04).
struct Sql {
    text: String,
    args: Vec<Box<dyn ToSql + Sync>>,
}

impl Sql {
    fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            args: Vec::new(),
        }
    }

    /// Appends the constant `fragment`, then a parameter bound to `value`.
    fn bind(&mut self, fragment: &str, value: impl ToSql + Sync + 'static) {
        self.args.push(Box::new(value));
        self.text.push_str(fragment);
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
    }

    /// Appends a constant fragment.
    fn push(&mut self, fragment: &str) {
        self.text.push_str(fragment);
    }
}

/// The prepared statement of `sql` on `tx`'s connection, from `statements`
/// or prepared now and kept there. A prepared statement belongs to the
/// connection, not the transaction: it outlives a rollback.
pub(crate) fn prepare_cached(
    tx: &mut Transaction<'_>,
    statements: &mut Statements,
    sql: &str,
) -> std::result::Result<Statement, postgres::Error> {
    if let Some(s) = statements.get(sql) {
        return Ok(s.clone());
    }
    let s = tx.prepare(sql)?;
    if statements.len() >= MAX_STATEMENTS {
        statements.clear();
    }
    statements.insert(sql.to_owned(), s.clone());
    Ok(s)
}

fn db(context: &'static str) -> impl Fn(postgres::Error) -> StoreError {
    move |e| crate::db_error(context, e)
}

/// Column `i` of `row`, or a corrupt-data error naming it.
fn col<'r, T: FromSql<'r>>(row: &'r Row, i: usize) -> Result<T> {
    row.try_get(i).map_err(|e| {
        let name = row.columns().get(i).map_or("?", |c| c.name());
        StoreError::Corrupt(format!("unreadable column {name}: {e}"))
    })
}

/// Refuses text PostgreSQL cannot store: TEXT cannot hold U+0000, which
/// memstore accepts in content and descriptions (and SQLite stores).
fn storable(field: &'static str, text: &str) -> Result<()> {
    if text.contains('\0') {
        return Err(StoreError::invalid(
            field,
            "the PostgreSQL backend cannot store the character U+0000 (NUL); remove it",
        ));
    }
    Ok(())
}

fn micros(t: Timestamp) -> i64 {
    t.timestamp_micros()
}

fn timestamp(micros: i64) -> Result<Timestamp> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| corrupt(format!("time {micros}")))
}

fn opt_timestamp(micros: Option<i64>) -> Result<Option<Timestamp>> {
    micros.map(timestamp).transpose()
}

fn actor(type_tag: String, id: String) -> Result<Actor> {
    Actor::from_parts(&type_tag, id).ok_or_else(|| corrupt(format!("actor type {type_tag}")))
}

fn hash(bytes: Vec<u8>) -> Result<Hash> {
    bytes
        .try_into()
        .map_err(|_| corrupt("a hash that is not 32 bytes".into()))
}

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(format!("unreadable {what}"))
}

/// A count or position as PostgreSQL's BIGINT.
fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A BIGINT that must not be negative.
fn uint(n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| corrupt(format!("count {n}")))
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Columns of a memory row, in the order [`memory_from_row`] reads them;
/// `content` comes from the head version when requested.
const MEMORY_COLUMNS: &str = "m.id, m.store_id, m.path, m.head_version, m.content_sha256, \
     m.content_size, m.created_at, m.updated_at";

fn memory_from_row(row: &Row, with_content: bool) -> Result<Memory> {
    Ok(Memory {
        id: col(row, 0)?,
        memory_store_id: col(row, 1)?,
        path: col(row, 2)?,
        memory_version_id: col(row, 3)?,
        content_sha256: col(row, 4)?,
        content_size_bytes: uint(col(row, 5)?)?,
        created_at: timestamp(col(row, 6)?)?,
        updated_at: timestamp(col(row, 7)?)?,
        content: if with_content { col(row, 8)? } else { None },
    })
}

/// Columns of a version row, in the order [`version_from_row`] reads them.
const VERSION_COLUMNS: &str = "seq, id, memory_id, store_id, operation, path, content, \
     content_sha256, content_size, created_at, actor_type, actor_id, redacted_at, \
     redactor_type, redactor_id, pruned_at";

fn version_from_row(row: &Row) -> Result<(i64, MemoryVersion, bool)> {
    let operation: String = col(row, 4)?;
    let redacted_by = match (col(row, 13)?, col(row, 14)?) {
        (Some(t), Some(id)) => Some(actor(t, id)?),
        _ => None,
    };
    let version = MemoryVersion {
        id: col(row, 1)?,
        memory_id: col(row, 2)?,
        memory_store_id: col(row, 3)?,
        operation: Operation::parse(&operation)
            .ok_or_else(|| corrupt(format!("operation {operation}")))?,
        path: col(row, 5)?,
        content: col(row, 6)?,
        content_sha256: col(row, 7)?,
        content_size_bytes: col::<Option<i64>>(row, 8)?.map(uint).transpose()?,
        created_at: timestamp(col(row, 9)?)?,
        created_by: actor(col(row, 10)?, col(row, 11)?)?,
        redacted_at: opt_timestamp(col(row, 12)?)?,
        redacted_by,
    };
    let pruned = col::<Option<i64>>(row, 15)?.is_some();
    Ok((col(row, 0)?, version, pruned))
}
