//! The host's single writer thread, its group commit and its locks (DUR-05).
//!
//! Every write job of this host is queued here. The thread takes whatever
//! has queued up (up to [`MAX_BATCH`]), runs each job in its own savepoint
//! inside one READ COMMITTED transaction, commits once — one WAL flush for
//! the whole batch — and only then answers each caller. A job that fails
//! rolls back to its savepoint and does not disturb the others.
//!
//! Other hosts write the same database at the same time. Right after BEGIN,
//! before any job runs, the transaction locks what the batch's merged
//! [`WriteScope`] names, with transaction-level advisory locks released by
//! COMMIT or ROLLBACK:
//!
//! 1. the every-store lock `(LOCK_SPACE, 0)` in the two-`int4` key space:
//!    exclusive when the batch may change any store (retention pruning),
//!    shared when it names stores — so pruning runs alone, and ordinary
//!    writes to different stores run side by side;
//! 2. one exclusive `bigint` lock per named store and session (a hash of
//!    its id), in ascending key order.
//!
//! Two hosts' transactions on one store therefore run one after the other.
//! The second one's statements start after the first committed, and READ
//! COMMITTED gives each statement a fresh snapshot, so when its jobs read
//! the store row they see the current chain head and memory count: the
//! chain keeps one order and capacity one count. No two batches deadlock on
//! these locks: each takes all of its advisory locks before its first job,
//! in the same global order (the every-store lock, then keys ascending), and
//! holds no row lock while it waits for one. Jobs on different stores touch
//! different rows, so their row locks cannot form a cycle either.
//!
//! Before it commits, a batch that recorded events gives them their
//! horizon (see `list_events`): an xid that a second connection, the
//! clock, has assigned to a transaction of its own after the batch's last
//! event id was drawn. Every transaction that drew a smaller id had its xid
//! before (each batch takes its xid right after its locks, before any job),
//! so below the horizon. Only an assigned xid is known to be above every
//! xid handed out so far: a snapshot's xmax is only one past the newest
//! *completed* transaction.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use postgres::{Client, Config, IsolationLevel, NoTls, Statement, Transaction};
use sha2::{Digest, Sha256};

use crate::tx::{PgTx, prepare_cached};
use crate::{CHANNEL, Conn, LOCK_SPACE, Shared, Statements, batch_error, db_error};
use memstore_store::backend::{JobOutput, WriteJob, WriteScope};
use memstore_store::error::{Result, StoreError};

/// Most jobs committed in one transaction; bounds the latency of the first.
const MAX_BATCH: usize = 256;

/// The second key of the every-store lock in [`LOCK_SPACE`].
const EVERY_STORE: i32 = 0;

struct Pending {
    scope: WriteScope,
    job: WriteJob,
    reply: SyncSender<Result<JobOutput>>,
}

/// Handle to the writer thread; dropping it lets the thread finish the queue
/// and waits for it.
pub struct Writer {
    queue: Option<Sender<Pending>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the writer thread on `conn`; it reconnects with `shared`'s
    /// settings when the connection is lost.
    pub fn spawn(conn: Conn, shared: Arc<Shared>) -> Self {
        let (queue, jobs) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("memstore-pg-writer".into())
            .spawn(move || run(Some(conn), &shared, &jobs))
            .expect("spawning the writer thread");
        Self {
            queue: Some(queue),
            thread: Some(thread),
        }
    }

    /// Queues `job` and waits until it is committed (or failed).
    pub fn submit(&self, scope: WriteScope, job: WriteJob) -> Result<JobOutput> {
        let (reply, answer) = mpsc::sync_channel(1);
        let stopped = || StoreError::Corrupt("the writer thread has stopped".into());
        self.queue
            .as_ref()
            .ok_or_else(stopped)?
            .send(Pending { scope, job, reply })
            .map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(thread) = self.thread.take() {
            // Not when a job dropped the last handle of the engine on the
            // writer thread itself: that thread ends once its queue is empty.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

/// Makes the connection's commits durable: a server configured with
/// `synchronous_commit = off` would acknowledge commits it can still lose.
/// Stronger settings (`remote_apply`, …) are kept.
pub(crate) fn make_durable(client: &mut Client) -> std::result::Result<(), postgres::Error> {
    let row = client.query_one("SELECT current_setting('synchronous_commit')", &[])?;
    let setting: String = row.try_get(0)?;
    if setting == "off" {
        client.batch_execute("SET synchronous_commit = on")?;
    }
    Ok(())
}

fn run(mut conn: Option<Conn>, shared: &Shared, jobs: &Receiver<Pending>) {
    let mut clock = Clock::default();
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        // A lost connection (a server restart, a network cut) is replaced
        // before the next batch; until one can be made, batches fail.
        if conn.as_ref().is_none_or(|c| c.client.is_closed()) {
            conn = None;
            match reconnect(&shared.config) {
                Ok(fresh) => conn = Some(fresh),
                Err(e) => {
                    tracing::warn!(database = %shared.name, error = %e, "cannot reconnect the writer");
                    fail_all(batch, || batch_error("connecting to PostgreSQL", &e));
                    continue;
                }
            }
        }
        let conn = conn.as_mut().expect("connected above");
        commit_batch(conn, &mut clock, &shared.config, batch);
    }
}

fn reconnect(config: &Config) -> std::result::Result<Conn, postgres::Error> {
    let mut fresh = Conn::open(config)?;
    make_durable(&mut fresh.client)?;
    Ok(fresh)
}

/// The writer's second connection, which hands out fresh xids.
#[derive(Default)]
struct Clock {
    client: Option<(Client, Statement)>,
}

impl Clock {
    /// An xid assigned now, by a transaction of the clock's that commits at
    /// once, as text. Its commit need not wait for the disk: a batch that
    /// uses the xid flushes the log past it when it commits.
    fn fresh_xid(&mut self, config: &Config) -> std::result::Result<String, postgres::Error> {
        if self.client.as_ref().is_none_or(|(c, _)| c.is_closed()) {
            let mut client = config.connect(NoTls)?;
            client.batch_execute("SET synchronous_commit = off")?;
            let statement = client.prepare("SELECT pg_current_xact_id()::text")?;
            self.client = Some((client, statement));
        }
        let (client, statement) = self.client.as_mut().expect("connected above");
        let row = client.query_one(&*statement, &[]);
        if row.is_err() {
            self.client = None;
        }
        row?.try_get(0)
    }
}

fn fail_all(batch: Vec<Pending>, error: impl Fn() -> StoreError) {
    for p in batch {
        let _ = p.reply.send(Err(error()));
    }
}

/// Runs and commits one batch, then answers its callers.
fn commit_batch(conn: &mut Conn, clock: &mut Clock, config: &Config, batch: Vec<Pending>) {
    let mut scope = WriteScope::none();
    for p in &batch {
        scope.merge(&p.scope);
    }
    let Conn { client, statements } = conn;
    let mut tx = match client
        .build_transaction()
        .isolation_level(IsolationLevel::ReadCommitted)
        .start()
    {
        Ok(tx) => tx,
        Err(e) => return fail_all(batch, || batch_error("starting a write", &e)),
    };
    if let Err(e) = begin_batch(&mut tx, statements, &scope) {
        // Dropping `tx` rolls it back, releasing any lock taken.
        return fail_all(batch, || batch_error("locking the stores of a write", &e));
    }
    let mut broken = false;
    let mut drawn = Vec::new();
    let mut results = Vec::with_capacity(batch.len());
    for p in batch {
        // Once a rollback to a job's savepoint has failed, the transaction
        // is unusable (the connection is likely gone): fail the rest unrun.
        let result = if broken {
            Err(StoreError::database(
                "running a write",
                std::io::Error::other(
                    "the batch's transaction failed before this job ran; nothing was committed",
                ),
            ))
        } else {
            run_job(&mut tx, statements, p.job, &mut drawn, &mut broken)
        };
        results.push((p.reply, result));
    }
    let any_ok = results.iter().any(|(_, r)| r.is_ok());
    if broken || !any_ok {
        // Nothing to keep (or nothing that can be kept): roll back.
        let _ = tx.rollback();
        let lost = || {
            StoreError::database(
                "committing",
                std::io::Error::other(
                    "the batch's transaction failed after this job ran; nothing was committed",
                ),
            )
        };
        for (reply, result) in results {
            let _ = reply.send(result.and_then(|_| Err(lost())));
        }
        return;
    }
    // The events' horizon, then NOTIFY. NOTIFY is transactional: every
    // listening host (this one too) hears it once the commit is visible,
    // and never for a batch rolled back. (Ids of events a failed job
    // recorded were rolled back with it and match no row.)
    let notified = set_horizon_and_notify(&mut tx, statements, clock, config, &drawn);
    let committed = notified.and_then(|_| tx.commit());
    match committed {
        Ok(()) => {
            for (reply, result) in results {
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            for (reply, result) in results {
                let _ = reply.send(result.and_then(|_| Err(batch_error("committing", &e))));
            }
        }
    }
}

/// Gives the batch's events their horizon (see the module documentation)
/// and sends the NOTIFY, in one statement: a round trip fewer per batch.
fn set_horizon_and_notify(
    tx: &mut Transaction<'_>,
    statements: &mut Statements,
    clock: &mut Clock,
    config: &Config,
    drawn: &[i64],
) -> std::result::Result<u64, postgres::Error> {
    if drawn.is_empty() {
        let s = prepare_cached(tx, statements, "SELECT pg_notify($1, '')")?;
        return tx.execute(&s, &[&CHANNEL]);
    }
    let horizon = clock.fresh_xid(config)?;
    // A data-modifying WITH runs whether or not the query reads it.
    let s = prepare_cached(
        tx,
        statements,
        "WITH settled AS (UPDATE events SET horizon = $1::text::xid8 WHERE id = ANY($2)) \
         SELECT pg_notify($3, '')",
    )?;
    tx.execute(&s, &[&horizon, &drawn, &CHANNEL])
}

/// Takes the batch's advisory locks (see the module documentation), then
/// assigns the transaction its xid, before any job draws an event id (the
/// horizon argument above needs every drawer's xid to predate its draws).
fn begin_batch(
    tx: &mut Transaction<'_>,
    statements: &mut Statements,
    scope: &WriteScope,
) -> std::result::Result<(), postgres::Error> {
    let (every_store, keys) = lock_plan(scope);
    // The common batch, writes to one store: the shared every-store lock,
    // the store's lock and the xid in one statement, whose target list
    // PostgreSQL evaluates left to right — the same order as below.
    if let (Some(false), [key]) = (every_store, keys.as_slice()) {
        let s = prepare_cached(
            tx,
            statements,
            "SELECT pg_advisory_xact_lock_shared($1, $2), pg_advisory_xact_lock($3::bigint), \
             pg_current_xact_id()::text",
        )?;
        tx.execute(&s, &[&LOCK_SPACE, &EVERY_STORE, key])?;
        return Ok(());
    }
    if let Some(exclusive) = every_store {
        let sql = if exclusive {
            "SELECT pg_advisory_xact_lock($1, $2)"
        } else {
            "SELECT pg_advisory_xact_lock_shared($1, $2)"
        };
        let s = prepare_cached(tx, statements, sql)?;
        tx.execute(&s, &[&LOCK_SPACE, &EVERY_STORE])?;
    }
    let s = prepare_cached(tx, statements, "SELECT pg_advisory_xact_lock($1::bigint)")?;
    for key in keys {
        tx.execute(&s, &[&key])?;
    }
    let s = prepare_cached(tx, statements, "SELECT pg_current_xact_id()::text")?;
    tx.execute(&s, &[])?;
    Ok(())
}

/// The every-store lock (`Some(true)` exclusive, `Some(false)` shared) and
/// the per-store and per-session keys, sorted and without duplicates: the
/// one order every transaction locks in.
fn lock_plan(scope: &WriteScope) -> (Option<bool>, Vec<i64>) {
    let every_store = if scope.is_every_store() {
        Some(true)
    } else if scope.stores().next().is_some() {
        Some(false)
    } else {
        None
    };
    let mut keys: Vec<i64> = scope
        .stores()
        .map(|id| lock_key("memstore store ", id))
        .chain(scope.sessions().map(|id| lock_key("memstore session ", id)))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    (every_store, keys)
}

/// The advisory-lock key of a store or session: the first 8 bytes of
/// SHA-256 of `prefix` + `id`, big-endian. A collision only makes two
/// unrelated stores wait for each other.
fn lock_key(prefix: &str, id: &str) -> i64 {
    let digest = Sha256::new()
        .chain_update(prefix.as_bytes())
        .chain_update(id.as_bytes())
        .finalize();
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Runs one job in its own savepoint; a failing or panicking job leaves no
/// trace in the transaction. A failed statement aborts a PostgreSQL
/// transaction until a rollback to a savepoint, so a failed job is always
/// rolled back to `job`, and the batch goes on with the next job.
fn run_job(
    tx: &mut Transaction<'_>,
    statements: &mut Statements,
    job: WriteJob,
    drawn: &mut Vec<i64>,
    broken: &mut bool,
) -> Result<JobOutput> {
    if let Err(e) = tx.batch_execute("SAVEPOINT job") {
        *broken = true;
        return Err(db_error("running a write", e));
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        job(&mut PgTx::writer(tx, statements, drawn))
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(StoreError::Corrupt(format!("a write job panicked: {what}")))
    });
    match outcome {
        // RELEASE fails when a statement of the job failed and the job went
        // on regardless (the transaction is aborted): roll the job back.
        Ok(output) => match tx.batch_execute("RELEASE job") {
            Ok(()) => Ok(output),
            Err(e) => {
                roll_back_job(tx, broken);
                Err(db_error("running a write", e))
            }
        },
        Err(e) => {
            roll_back_job(tx, broken);
            Err(e)
        }
    }
}

fn roll_back_job(tx: &mut Transaction<'_>, broken: &mut bool) {
    if tx.batch_execute("ROLLBACK TO job; RELEASE job").is_err() {
        *broken = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dur_05_locks_are_taken_in_one_order_once_each() {
        let mut scope = WriteScope::store("s2").with_session("ses_a");
        scope.merge(&WriteScope::store("s1").with_store("s2"));
        let (every, keys) = lock_plan(&scope);
        assert_eq!(every, Some(false));
        assert_eq!(keys.len(), 3);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(keys.contains(&lock_key("memstore store ", "s1")));
        assert_ne!(
            lock_key("memstore store ", "x"),
            lock_key("memstore session ", "x")
        );

        assert_eq!(lock_plan(&WriteScope::session("ses_a")).0, None);
        assert_eq!(lock_plan(&WriteScope::none()), (None, vec![]));
        assert_eq!(lock_plan(&WriteScope::every_store()).0, Some(true));
    }

    #[test]
    fn dur_05_a_lock_key_is_the_big_endian_head_of_the_hash() {
        let digest = Sha256::digest(b"memstore store memstore_abc");
        let expected = i64::from_be_bytes(digest[..8].try_into().unwrap());
        assert_eq!(lock_key("memstore store ", "memstore_abc"), expected);
    }
}
