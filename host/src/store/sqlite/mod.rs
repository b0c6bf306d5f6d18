//! The SQLite backend: one database file in WAL mode, `synchronous=FULL`
//! (every commit is fsynced), `secure_delete` (freed bytes are zeroed, so
//! redaction removes content from the file), numbered migrations on open.
//!
//! Reads run on a small pool of connections, each in its own snapshot.
//! Writes go to one writer thread that group-commits (see `writer.rs`). Other
//! processes may open the same file; SQLite's locks and the busy timeout
//! serialise their write transactions with ours.

mod migrations;
mod tx;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

pub use migrations::{MIGRATIONS, migrate_to};

use crate::store::backend::{Backend, JobOutput, ReadTx, WriteJob};
use crate::store::error::{Result, StoreError};
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

impl SqliteBackend {
    /// Opens or creates the database at `path` and migrates it.
    ///
    /// # Errors
    /// The file cannot be opened or is not a memstore database.
    pub fn open(path: &Path) -> Result<Self> {
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
        let mut conn = self.take_reader()?;
        let result = {
            let tx = conn
                .transaction()
                .map_err(|e| StoreError::database("starting a read", e))?;
            let out = f(&mut SqliteTx::new(&tx));
            // A read transaction has nothing to commit; ending it releases the
            // snapshot.
            drop(tx);
            out
        };
        self.put_reader(conn);
        result
    }

    fn write(&self, job: WriteJob) -> Result<JobOutput> {
        self.writer.submit(job)
    }

    fn checkpoint(&self) -> Result<()> {
        let conn = self.take_reader()?;
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .map_err(|e| StoreError::database("checkpointing the WAL", e))?;
        self.put_reader(conn);
        if busy != 0 {
            tracing::warn!("WAL checkpoint could not complete: a reader holds an old snapshot");
        }
        Ok(())
    }
}

/// Opens a connection with memstore's settings.
fn connect(path: &Path) -> Result<Connection> {
    let db = |e| StoreError::database("opening the database", e);
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

