//! The PostgreSQL backend: one database that several memstore hosts share
//! (DUR-05), numbered migrations on open (DUR-03), every commit durable
//! (`synchronous_commit` on). Each host runs one writer thread that
//! group-commits its queued jobs in one transaction; before the first job
//! the transaction takes advisory locks on every store and session the
//! batch names, in one fixed order, so two hosts' writes to one store run
//! one after the other (one chain order, one capacity count) while writes to
//! different stores proceed in parallel, and no two transactions deadlock
//! (see `writer.rs`). Reads run on a small pool of connections, each in one
//! repeatable-read snapshot. A committed batch sends `NOTIFY
//! memstore_events`; a listener thread on every host hears it and wakes the
//! host's event streams, so commits on any host push events to all of them;
//! a stream resuming from a cursor never skips an event that another host
//! commits late (see `list_events` in `tx/read.rs`).
//!
//! All of memstore's SQL for PostgreSQL lives in this crate, every value
//! bound as a parameter (SEC-04); the engine above it sees only the
//! `Backend` trait.

#![warn(missing_docs)]

mod listener;
mod migrations;
#[cfg(test)]
mod tests;
mod tx;
mod writer;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use postgres::error::SqlState;
use postgres::{Client, Config, IsolationLevel, NoTls, Statement};

pub use migrations::{MIGRATIONS, migrate_to};

use listener::Listener;
use memstore_store::backend::{Backend, CommitListener, JobOutput, ReadTx, WriteJob, WriteScope};
use memstore_store::error::{Result, StoreError};
use memstore_store::{Engine, EngineConfig};
use tx::PgTx;
use writer::Writer;

/// Idle read connections kept open.
const MAX_IDLE_READERS: usize = 8;

/// The first key of memstore's advisory locks in PostgreSQL's two-`int4`
/// key space ("mems" in ASCII); the second key says which lock: 0 every
/// store (see `writer.rs`), 1 migrations. Locks of single stores and
/// sessions use the one-`bigint` key space, which never overlaps this one.
pub(crate) const LOCK_SPACE: i32 = 0x6d65_6d73;

/// The NOTIFY channel of committed events.
pub(crate) const CHANNEL: &str = "memstore_events";

/// Prepared statements of one connection by their SQL text. A statement is
/// parsed and planned once per connection, not on every call (PERF-01).
pub(crate) type Statements = HashMap<String, Statement>;

/// A connection and its prepared statements (which belong to it).
pub(crate) struct Conn {
    pub(crate) client: Client,
    pub(crate) statements: Statements,
}

impl Conn {
    fn open(config: &Config) -> std::result::Result<Self, postgres::Error> {
        Ok(Self {
            client: config.connect(NoTls)?,
            statements: Statements::new(),
        })
    }
}

/// What the backend's threads and reads share: how to connect, and who
/// hears of commits.
pub(crate) struct Shared {
    pub(crate) config: Config,
    /// The database as messages name it (no password).
    pub(crate) name: String,
    pub(crate) listeners: Mutex<Vec<CommitListener>>,
    /// Set by a read that held back events a transaction still running
    /// might precede (see `list_events`): the listener thread then wakes the
    /// streams again shortly, since that transaction may end without a
    /// NOTIFY (rolled back, or not memstore's).
    pub(crate) unsettled: AtomicBool,
}

impl Shared {
    /// Calls every listener; outside the lock, so that a listener
    /// registering another cannot deadlock.
    pub(crate) fn notify_listeners(&self) {
        let now = self.listeners.lock().expect("listener lock").clone();
        for listener in now {
            listener();
        }
    }
}

/// A memstore database in PostgreSQL, shared by any number of hosts.
pub struct PostgresBackend {
    shared: Arc<Shared>,
    readers: Mutex<Vec<Conn>>,
    writer: Writer,
    listener: Listener,
}

/// Opens the PostgreSQL database at `url` (a `postgres://` URL or a
/// key=value connection string) as an engine, applying pending migrations
/// (DUR-03).
///
/// # Errors
/// The server cannot be reached, the database is not a memstore database,
/// or it is newer than this build.
pub fn open(url: &str, config: EngineConfig) -> Result<Engine> {
    let backend = PostgresBackend::open(url)?;
    Ok(Engine::with_backend(Arc::new(backend), config))
}

impl PostgresBackend {
    /// Connects to the database at `url` and migrates it.
    ///
    /// # Errors
    /// [`StoreError::Unusable`] when the server cannot be reached or the
    /// schema is newer than this build; a database error.
    pub fn open(url: &str) -> Result<Self> {
        let name = redact_url(url);
        let unusable = |e: &dyn std::error::Error| {
            // The driver's own message ("error connecting to server") hides
            // the reason (refused, unknown host, bad password) in its source.
            let mut why = e.to_string();
            let mut cause = e.source();
            while let Some(c) = cause {
                why.push_str(": ");
                why.push_str(&c.to_string());
                cause = c.source();
            }
            StoreError::Unusable(format!(
                "cannot connect to PostgreSQL at {name}: {why}; check that the server is \
                 running and the URL is right"
            ))
        };
        let mut config: Config = url.parse().map_err(|e| unusable(&e))?;
        if config.get_application_name().is_none() {
            config.application_name("memstore");
        }
        let mut writer = Conn::open(&config).map_err(|e| unusable(&e))?;
        migrations::migrate(
            &mut writer.client,
            &format!("the PostgreSQL database {name}"),
        )?;
        writer::make_durable(&mut writer.client)
            .map_err(|e| db_error("configuring the connection", e))?;
        let shared = Arc::new(Shared {
            config,
            name: name.clone(),
            listeners: Mutex::new(Vec::new()),
            unsettled: AtomicBool::new(false),
        });
        let listener = Listener::spawn(Arc::clone(&shared)).map_err(|e| unusable(&e))?;
        Ok(Self {
            writer: Writer::spawn(writer, Arc::clone(&shared)),
            listener,
            readers: Mutex::new(Vec::new()),
            shared,
        })
    }

    fn take_reader(&self) -> Result<Conn> {
        let idle = self.readers.lock().expect("reader pool lock").pop();
        match idle {
            Some(conn) if !conn.client.is_closed() => Ok(conn),
            _ => {
                Conn::open(&self.shared.config).map_err(|e| db_error("connecting to PostgreSQL", e))
            }
        }
    }

    fn put_reader(&self, conn: Conn) {
        if conn.client.is_closed() {
            return;
        }
        let mut idle = self.readers.lock().expect("reader pool lock");
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }
}

impl Drop for PostgresBackend {
    fn drop(&mut self) {
        // The writer finishes its queue (its own Drop); the listener stops
        // within one tick.
        self.listener.stop();
        // Closing a connection blocks on the driver's own runtime, which
        // panics on a thread that drives async tasks — where a server's last
        // engine clone is dropped at shutdown. Close them on a thread of
        // their own.
        let readers = std::mem::take(&mut *self.readers.lock().unwrap_or_else(|e| e.into_inner()));
        if !readers.is_empty() {
            let _ = std::thread::spawn(move || drop(readers)).join();
        }
    }
}

impl Backend for PostgresBackend {
    fn read(&self, f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()> {
        let mut conn = self.take_reader()?;
        let (result, healthy) = read_snapshot(&mut conn, &self.shared.unsettled, f);
        // A connection whose transaction did not end cleanly would serve the
        // next read from a broken or stale state: drop it.
        if healthy {
            self.put_reader(conn);
        }
        result
    }

    /// The scope is locked by the writer before the job runs (DUR-05).
    fn write(&self, scope: WriteScope, job: WriteJob) -> Result<JobOutput> {
        self.writer.submit(scope, job)
    }

    fn on_commit(&self, listener: CommitListener) {
        self.shared
            .listeners
            .lock()
            .expect("listener lock")
            .push(listener);
    }

    /// Every host's commits NOTIFY, and every host LISTENs.
    fn hears_every_writer(&self) -> bool {
        true
    }

    /// `VACUUM versions, events`: the row versions an UPDATE or DELETE left
    /// behind (the content a redaction or prune scrubbed, a deleted store's
    /// rows) are removed from the tables' pages and their TOAST tables, so
    /// no query or page scan can find them. It cannot run inside a
    /// transaction, so it runs on an autocommit connection.
    ///
    /// What it does not do: PostgreSQL does not zero freed space, so the
    /// bytes may linger in a page until new rows overwrite it; the
    /// write-ahead log keeps the old bytes until its segments are recycled,
    /// and base backups, WAL archives and replicas keep them as long as
    /// they are kept. A row version that a still-open snapshot can see (a
    /// long read on another host) survives until a later VACUUM.
    fn checkpoint(&self) -> Result<()> {
        let mut conn = self.take_reader()?;
        conn.client
            .batch_execute("VACUUM versions, events")
            .map_err(|e| db_error("vacuuming scrubbed rows", e))?;
        self.put_reader(conn);
        Ok(())
    }
}

/// Runs `f` in one read-only repeatable-read transaction on `conn`: every
/// query of `f` sees the same snapshot. Returns `f`'s result and whether the
/// connection is fit for reuse.
fn read_snapshot(
    conn: &mut Conn,
    unsettled: &AtomicBool,
    f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>,
) -> (Result<()>, bool) {
    let Conn { client, statements } = conn;
    let mut tx = match client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
    {
        Ok(tx) => tx,
        Err(e) => return (Err(db_error("starting a read", e)), false),
    };
    let out = f(&mut PgTx::reader(&mut tx, statements, unsettled));
    // A read transaction has nothing to commit; ending it releases the
    // snapshot.
    match tx.rollback() {
        Ok(()) => (out, true),
        Err(e) => (out.and(Err(db_error("ending a read", e))), false),
    }
}

/// A database error in the engine's terms: a full disk becomes
/// [`StoreError::DiskFull`], which callers can act on; a deadlock says that
/// nothing was committed and a retry is safe; text PostgreSQL cannot store
/// (U+0000) is the caller's to fix; the rest keep their context and cause.
pub(crate) fn db_error(context: &'static str, e: postgres::Error) -> StoreError {
    match e.code() {
        Some(c) if *c == SqlState::DISK_FULL => StoreError::DiskFull { context },
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED => {
            StoreError::database(context, deadlock(&e))
        }
        Some(c) if *c == SqlState::CHARACTER_NOT_IN_REPERTOIRE => StoreError::invalid(
            "text",
            "the PostgreSQL backend cannot store the character U+0000 (NUL); remove it",
        ),
        _ => StoreError::database(context, e),
    }
}

/// The error every job of a batch gets when the batch's transaction could
/// not begin, lock or commit (one `postgres::Error`, so each job gets its
/// own copy of it).
pub(crate) fn batch_error(context: &'static str, e: &postgres::Error) -> StoreError {
    match e.code() {
        Some(c) if *c == SqlState::DISK_FULL => StoreError::DiskFull { context },
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED => {
            StoreError::database(context, deadlock(e))
        }
        _ => StoreError::database(context, std::io::Error::other(e.to_string())),
    }
}

fn deadlock(e: &postgres::Error) -> std::io::Error {
    std::io::Error::other(format!(
        "the transaction deadlocked with another host's and nothing was committed; retry ({e})"
    ))
}

/// `url` without its password: `postgres://user:secret@host/db` becomes
/// `postgres://user@host/db`, and a `password=…` option (in a URL's query or
/// a key=value string) loses its value.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some((scheme, rest)) = url.split_once("://") {
        // The userinfo ends at the last '@' before the query: a password
        // holding '@' or '/' is cut out whole, at worst with the host too.
        let query = rest.find('?').unwrap_or(rest.len());
        if let Some(at) = rest[..query].rfind('@') {
            let user = rest[..at].split(':').next().unwrap_or_default();
            out = format!("{scheme}://{user}{}", &rest[at..]);
        }
    }
    redact_password_option(&out)
}

fn redact_password_option(s: &str) -> String {
    const KEY: &str = "password=";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.to_ascii_lowercase().find(KEY) {
        out.push_str(&rest[..i + KEY.len()]);
        out.push_str("***");
        let value = &rest[i + KEY.len()..];
        let end = if let Some(quoted) = value.strip_prefix('\'') {
            // A quoted key=value password runs to the closing quote.
            quoted.find('\'').map_or(value.len(), |j| j + 2)
        } else {
            value.find(['&', ' ', '\t', '\n']).unwrap_or(value.len())
        };
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}
