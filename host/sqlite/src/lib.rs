//! The SQLite backend: one database file in WAL mode, `synchronous=FULL`
//! (every commit is fsynced), `secure_delete` (freed bytes are zeroed, so
//! redaction removes content from the file), numbered migrations on open.
//!
//! Reads run on a small pool of connections, each in its own snapshot.
//! Writes go to one writer thread that group-commits (see `writer.rs`). Other
//! processes may open the same file; SQLite's locks and the busy timeout
//! serialise their write transactions with ours.
//!
//! All of memstore's SQL for SQLite lives in this crate, every value bound as
//! a parameter (SEC-04); the engine above it sees only the `Backend` trait.

mod migrations;
mod preflight;
mod tx;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

pub use migrations::{MIGRATIONS, migrate_to};

use memstore_store::backend::{Backend, CommitListener, JobOutput, ReadTx, WriteJob, WriteScope};
use memstore_store::error::{Result, StoreError};
use memstore_store::{Engine, EngineConfig};
use tx::SqliteTx;
use writer::Writer;

/// How long a connection waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle read connections kept open.
const MAX_IDLE_READERS: usize = 8;
/// Prepared statements cached per connection. The engine, sessions and keys
/// use well over rusqlite's default of 16 distinct statements; a tool call
/// touches many of them, and an evicted statement is parsed again.
const STATEMENT_CACHE: usize = 256;

/// A memstore database in one SQLite file.
pub struct SqliteBackend {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    writer: Writer,
}

/// Opens (creating if needed) the SQLite database at `path` as an engine,
/// applying pending migrations (DUR-03).
///
/// # Errors
/// The file cannot be opened, is not a memstore database, or is newer than
/// this build.
pub fn open(path: impl AsRef<Path>, config: EngineConfig) -> Result<Engine> {
    let backend = SqliteBackend::open(path.as_ref())?;
    Ok(Engine::with_backend(Arc::new(backend), config))
}

impl SqliteBackend {
    /// Opens or creates the database at `path` and migrates it.
    ///
    /// # Errors
    /// The file cannot be opened or is not a memstore database.
    pub fn open(path: &Path) -> Result<Self> {
        preflight::check(path, MIGRATIONS.len())?;
        let mut conn = connect(path)?;
        migrations::migrate(&mut conn)?;
        Ok(Self {
            path: path.to_owned(),
            readers: Mutex::new(Vec::new()),
            writer: Writer::spawn(conn),
        })
    }

    fn take_reader(&self) -> Result<Connection> {
        let idle = self.readers.lock().expect("reader pool lock").pop();
        match idle {
            Some(conn) => Ok(conn),
            None => connect(&self.path),
        }
    }

    fn put_reader(&self, conn: Connection) {
        let mut idle = self.readers.lock().expect("reader pool lock");
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }
}

impl Backend for SqliteBackend {
    fn read(&self, f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()> {
        let conn = self.take_reader()?;
        let result = read_snapshot(&conn, f);
        // A connection still inside a transaction (its ROLLBACK failed)
        // would serve the next read from a stale snapshot: drop it.
        if conn.is_autocommit() {
            self.put_reader(conn);
        }
        result
    }

    /// The scope is not needed: SQLite runs one write transaction at a time
    /// per file, across processes too.
    fn write(&self, _scope: WriteScope, job: WriteJob) -> Result<JobOutput> {
        self.writer.submit(job)
    }

    fn on_commit(&self, listener: CommitListener) {
        self.writer.on_commit(listener);
    }

    fn hears_every_writer(&self) -> bool {
        false
    }

    fn checkpoint(&self) -> Result<()> {
        let conn = self.take_reader()?;
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .map_err(|e| db_error("checkpointing the WAL", e))?;
        self.put_reader(conn);
        if busy != 0 {
            tracing::warn!("WAL checkpoint could not complete: a reader holds an old snapshot");
        }
        Ok(())
    }
}

/// Runs `f` in one read transaction on `conn`. BEGIN and ROLLBACK go
/// through the statement cache: `Connection::transaction` parses them again
/// on every call, which showed up in the cost of each file lookup (PERF-01).
fn read_snapshot(
    conn: &Connection,
    f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>,
) -> Result<()> {
    let run = |sql: &str| conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
    run("BEGIN DEFERRED").map_err(|e| StoreError::database("starting a read", e))?;
    let out = f(&mut SqliteTx::new(conn));
    // A read transaction has nothing to commit; ending it releases the
    // snapshot.
    run("ROLLBACK").map_err(|e| StoreError::database("ending a read", e))?;
    out
}

/// A database error in the engine's terms: SQLite's "database or disk is
/// full" (what a write that meets ENOSPC returns) becomes
/// [`StoreError::DiskFull`], which callers can act on; the rest keep their
/// context and cause.
pub(crate) fn db_error(context: &'static str, e: rusqlite::Error) -> StoreError {
    if is_disk_full(&e) {
        StoreError::DiskFull { context }
    } else {
        StoreError::database(context, e)
    }
}

/// SQLite's "database or disk is full".
pub(crate) fn is_disk_full(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
}

/// Opens a connection with memstore's settings.
fn connect(path: &Path) -> Result<Connection> {
    let db = |e| db_error("opening the database", e);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(db)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
    // Plans must not depend on bound values: without this guarantee SQLite
    // marks some cached statements to be re-planned whenever a parameter is
    // rebound, and re-preparing cost more than the query itself on every
    // file lookup of a tool call (PERF-01).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(db)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(db)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!(
            "{} cannot use write-ahead logging (journal_mode is {mode})",
            path.display()
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;",
    )
    .map_err(db)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use rusqlite::OptionalExtension;

    use super::*;
    use memstore_store::{Actor, NewStore};

    /// PERF-01: the per-lookup query of the sandbox, rebound to new paths
    /// through the statement cache, must run without being planned again.
    /// Without the QPSG setting SQLite re-prepared it on every execution.
    #[test]
    fn perf_01_cached_lookups_are_not_re_prepared_when_rebound() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("m.db");
        let engine = open(&path, EngineConfig::default()).expect("open");
        let actor = Actor::User {
            user_id: "u".into(),
        };
        let new = NewStore {
            workspace_id: "default".into(),
            name: "s".into(),
            ..NewStore::default()
        };
        let store = engine.create_store(new, &actor).expect("store");
        engine
            .create_memory(&store.id, "/a.md", "a", &actor)
            .expect("memory");

        let conn = connect(&path).expect("reader");
        let sql = "SELECT m.id FROM memories m JOIN versions v ON v.id = m.head_version \
                   WHERE m.store_id = ?1 AND m.path = ?2";
        let mut reprepared = 0;
        for p in ["/a.md", "/b.md", "/a.md", "/c/d.md"] {
            let mut s = conn.prepare_cached(sql).expect("prepare");
            s.query_row([store.id.as_str(), p], |_| Ok(()))
                .optional()
                .expect("query");
            reprepared = s.get_status(rusqlite::StatementStatus::RePrepare);
        }
        assert_eq!(reprepared, 0);
    }
}
