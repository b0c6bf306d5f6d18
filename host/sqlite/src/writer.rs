//! The single writer thread and its group commit.
//!
//! Every write job in the process is queued here. The thread takes whatever
//! has queued up (up to [`MAX_BATCH`]), runs each job in its own savepoint
//! inside one `BEGIN IMMEDIATE` transaction, commits once — one fsync for the
//! whole batch — and only then answers each caller. A job that fails rolls
//! back to its savepoint and does not disturb the others. One writer alone
//! gets a batch of one and pays the same single commit it would anyway.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rusqlite::{Connection, TransactionBehavior};

use super::tx::SqliteTx;
use memstore_store::backend::{CommitListener, JobOutput, WriteJob};
use memstore_store::error::{Result, StoreError};

/// Most jobs committed in one transaction; bounds the latency of the first.
const MAX_BATCH: usize = 256;

struct Pending {
    job: WriteJob,
    reply: SyncSender<Result<JobOutput>>,
}

/// Handle to the writer thread; dropping it lets the thread finish the queue
/// and waits for it.
pub struct Writer {
    queue: Option<Sender<Pending>>,
    listeners: Listeners,
    thread: Option<JoinHandle<()>>,
}

/// Who hears of each commit.
type Listeners = Arc<Mutex<Vec<CommitListener>>>;

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn spawn(conn: Connection) -> Self {
        let (queue, jobs) = mpsc::channel();
        let listeners = Listeners::default();
        let heard = Arc::clone(&listeners);
        let thread = std::thread::Builder::new()
            .name("memstore-writer".into())
            .spawn(move || run(conn, jobs, &heard))
            .expect("spawning the writer thread");
        Self {
            queue: Some(queue),
            listeners,
            thread: Some(thread),
        }
    }

    /// Calls `listener` after each batch that committed a job.
    pub fn on_commit(&self, listener: CommitListener) {
        self.listeners.lock().expect("listener lock").push(listener);
    }

    /// Queues `job` and waits until it is committed (or failed).
    pub fn submit(&self, job: WriteJob) -> Result<JobOutput> {
        let (reply, answer) = mpsc::sync_channel(1);
        let stopped = || StoreError::Corrupt("the writer thread has stopped".into());
        self.queue
            .as_ref()
            .ok_or_else(stopped)?
            .send(Pending { job, reply })
            .map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(mut conn: Connection, jobs: Receiver<Pending>, listeners: &Listeners) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        if commit_batch(&mut conn, batch) {
            // Cloned out so that a listener registering another cannot
            // deadlock on the lock.
            let now = listeners.lock().expect("listener lock").clone();
            for listener in now {
                listener();
            }
        }
    }
}

/// Runs and commits one batch; true when a job's changes were committed.
fn commit_batch(conn: &mut Connection, batch: Vec<Pending>) -> bool {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            for p in batch {
                let _ = p.reply.send(Err(commit_error(&e)));
            }
            return false;
        }
    };
    let mut results = Vec::with_capacity(batch.len());
    for p in batch {
        // SQLite rolls the whole transaction back on some errors (a full
        // disk, an I/O error). A job run after that would run, and commit,
        // on its own outside the batch, and then be answered as failed with
        // the batch: fail it unrun instead.
        let result = if tx.is_autocommit() {
            Err(StoreError::database(
                "running a write",
                std::io::Error::other(
                    "the batch's transaction was rolled back by an earlier error",
                ),
            ))
        } else {
            run_job(&tx, p.job)
        };
        results.push((p.reply, result));
    }
    match tx.commit() {
        Ok(()) => {
            let committed = results.iter().any(|(_, r)| r.is_ok());
            for (reply, result) in results {
                let _ = reply.send(result);
            }
            committed
        }
        Err(e) => {
            for (reply, result) in results {
                let _ = reply.send(result.and_then(|_| Err(commit_error(&e))));
            }
            false
        }
    }
}

/// Runs one job in its own savepoint; a failing or panicking job leaves no
/// trace in the transaction.
fn run_job(conn: &Connection, job: WriteJob) -> Result<JobOutput> {
    let db = |e| crate::db_error("running a write", e);
    conn.execute_batch("SAVEPOINT job").map_err(db)?;
    let outcome =
        catch_unwind(AssertUnwindSafe(|| job(&mut SqliteTx::new(conn)))).unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(StoreError::Corrupt(format!("a write job panicked: {what}")))
        });
    let end = match outcome {
        Ok(_) => "RELEASE job",
        Err(_) => "ROLLBACK TO job; RELEASE job",
    };
    let ended = conn.execute_batch(end).map_err(db);
    // A job's own error comes first: after a full disk SQLite may already
    // have rolled the savepoint back, and "no such savepoint" would hide why.
    let output = outcome?;
    ended.map(|()| output)
}

/// The error every job of a batch gets when the batch's transaction could
/// not begin or commit (one `rusqlite::Error`, so each job gets its own).
fn commit_error(e: &rusqlite::Error) -> StoreError {
    if crate::is_disk_full(e) {
        StoreError::DiskFull {
            context: "committing",
        }
    } else {
        StoreError::database("committing", std::io::Error::other(e.to_string()))
    }
}
