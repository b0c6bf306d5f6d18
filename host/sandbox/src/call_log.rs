//! Writing the sessions' tool-call log (SES-04) without putting a commit or
//! a thread wake-up on the path of every call.
//!
//! A call that created versions is logged durably before it answers, in the
//! same transaction as every row queued before it, so a session's log keeps
//! the order its calls finished in. A call that changed nothing is only
//! queued: a background thread writes the queue every [`FLUSH_INTERVAL`],
//! and [`CallLog::flush`] writes it at once for a reader of the log. Queuing
//! takes a lock and never wakes the thread: one wake-up per call (a futex
//! and often an inter-processor interrupt on a VM) doubled the median time
//! of a read tool call on a 2-vCPU machine (PERF-01). The price is that a
//! crash loses the rows of read-only calls of the last interval.
//!
//! Must not know tool semantics; the sandbox decides what to log.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use memstore_store::sessions::SessionEvent;
use memstore_store::{Engine, StoreError};

/// Longest a queued row waits before the background thread writes it.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);

/// The log writer of one sandbox.
pub(crate) struct CallLog {
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
}

struct Shared {
    store: Engine,
    queue: Mutex<Vec<SessionEvent>>,
    /// Held while a batch is taken and written, so batches commit in the
    /// order they were taken.
    writing: Mutex<()>,
    stopping: Mutex<bool>,
    stop: Condvar,
}

impl CallLog {
    /// Starts the background writer.
    ///
    /// # Errors
    /// The thread cannot be spawned.
    pub fn start(store: Engine) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            store,
            queue: Mutex::default(),
            writing: Mutex::default(),
            stopping: Mutex::new(false),
            stop: Condvar::new(),
        });
        let worker = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("memstore-session-log".into())
                .spawn(move || shared.run())?
        };
        Ok(Self {
            shared,
            worker: Some(worker),
        })
    }

    /// Queues the row of a call that changed nothing.
    pub fn queue(&self, event: SessionEvent) {
        self.shared
            .queue
            .lock()
            .expect("log queue lock")
            .push(event);
    }

    /// Writes the row of a call that created versions, durably, after
    /// every row queued before it.
    ///
    /// # Errors
    /// The row could not be written (queued rows that failed are only
    /// traced: their calls have answered already).
    pub fn record(&self, event: SessionEvent) -> Result<(), StoreError> {
        let mut results = self.shared.write_queue(Some(event))?;
        results.pop().unwrap_or(Ok(()))
    }

    /// Writes every queued row now, so a reader of the log sees every call
    /// that has answered.
    ///
    /// # Errors
    /// The write transaction failed.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.shared.write_queue(None).map(drop)
    }
}

impl Drop for CallLog {
    fn drop(&mut self) {
        *self.shared.stopping.lock().expect("log stop lock") = true;
        self.shared.stop.notify_all();
        if let Some(worker) = self.worker.take() {
            // The worker writes what is left before it exits.
            let _ = worker.join();
        }
    }
}

impl Shared {
    fn run(&self) {
        loop {
            let stopping = self.stopping.lock().expect("log stop lock");
            let (stopping, _) = self
                .stop
                .wait_timeout_while(stopping, FLUSH_INTERVAL, |stop| !*stop)
                .expect("log stop lock");
            let last = *stopping;
            drop(stopping);
            if let Err(e) = self.write_queue(None) {
                tracing::warn!("cannot write the session log: {e}");
            }
            if last {
                return;
            }
        }
    }

    /// Takes the queue, adds `extra`, and writes it all in one transaction;
    /// returns each row's outcome in order. Rows other than `extra` that
    /// fail are traced here.
    fn write_queue(
        &self,
        extra: Option<SessionEvent>,
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let _writing = self.writing.lock().expect("log write lock");
        let mut batch = std::mem::take(&mut *self.queue.lock().expect("log queue lock"));
        let queued = batch.len();
        batch.extend(extra);
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let sessions: Vec<String> = batch.iter().map(|e| e.session_id.clone()).collect();
        let results = self.store.record_tool_calls(batch).inspect_err(|e| {
            tracing::warn!(?sessions, "cannot log tool calls: {e}");
        })?;
        for e in results[..queued].iter().filter_map(|r| r.as_ref().err()) {
            tracing::warn!("cannot log a tool call: {e}");
        }
        Ok(results)
    }
}
