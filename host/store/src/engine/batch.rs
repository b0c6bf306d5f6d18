//! Several memory changes committed in one write transaction: a sandbox
//! tool call's staged changes (TOOL-02, DUR-02).
//!
//! Each change runs in its own savepoint, so one that fails (capacity, a
//! path conflict, a precondition) is rolled back alone and the others still
//! commit, as if each had been its own call — but the whole set costs one
//! commit, and a crash leaves all of it or none of it.
//!
//! The engine knows nothing of merges: a write carries a [`Decide`] that
//! looks at the head read inside the transaction and says what to write.
//! Since the head cannot move while the transaction runs, what it decides
//! is what commits.

use super::Engine;
use super::memories::{
    Write, dir_move, reserved_version_id, validate_content, validate_path, validate_precondition,
};
use crate::backend::{WriteScope, WriteTx};
use crate::error::{Result, StoreError};
use crate::model::{Actor, Change, Memory, MemoryUpdate, Precondition, WriteOutcome};

/// Decides a write from the memory at its path now (`None`: no memory).
pub type Decide = Box<dyn FnOnce(Option<&Memory>) -> Decision + Send>;

/// What a [`Decide`] wants done.
#[derive(Debug)]
pub enum Decision {
    /// Write this content; `note` comes back with the outcome.
    Write {
        /// The content to write.
        content: String,
        /// Handed back unchanged in [`Applied::Put`].
        note: Option<String>,
    },
    /// Write nothing; comes back as [`Applied::Refused`].
    Refuse(StoreError),
}

/// One change of a batch.
pub enum BatchOp {
    /// Creates or replaces the memory at `path` with what `decide` says.
    Put {
        /// The store.
        store_id: String,
        /// The memory's path.
        path: String,
        /// An id the caller reserved with `ids::new_id(VERSION_PREFIX)` for
        /// the new version: a sandbox call hands it to the guest when it
        /// stages a `store.write`, so the id the guest got is the one in
        /// history (TOOL-02). Unused when the write changes nothing (MEM-06).
        version_id: Option<String>,
        /// Chooses the content from the head.
        decide: Decide,
    },
    /// [`Engine::delete_memory_at`].
    DeleteAt {
        /// The store.
        store_id: String,
        /// The memory's path.
        path: String,
        /// What its content must be.
        precondition: Precondition,
    },
    /// Moves the memory at `from` to `to`, keeping its id.
    Move {
        /// The store.
        store_id: String,
        /// Where the memory is.
        from: String,
        /// Where it goes.
        to: String,
    },
    /// [`Engine::rename_dir`].
    MoveDir {
        /// The store.
        store_id: String,
        /// The directory.
        from: String,
        /// Its new path.
        to: String,
    },
}

impl BatchOp {
    /// The store the change is in.
    pub fn store_id(&self) -> &str {
        match self {
            Self::Put { store_id, .. }
            | Self::DeleteAt { store_id, .. }
            | Self::Move { store_id, .. }
            | Self::MoveDir { store_id, .. } => store_id,
        }
    }
}

impl std::fmt::Debug for BatchOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Put { path, .. } => write!(f, "Put({path})"),
            Self::DeleteAt { path, .. } => write!(f, "DeleteAt({path})"),
            Self::Move { from, to, .. } => write!(f, "Move({from} -> {to})"),
            Self::MoveDir { from, to, .. } => write!(f, "MoveDir({from} -> {to})"),
        }
    }
}

/// What one change of a batch did.
#[derive(Debug)]
pub enum Applied {
    /// A put's result, with the note its [`Decision`] gave.
    Put {
        /// The memory after the write; no change when the content was
        /// already there (MEM-06).
        outcome: WriteOutcome,
        /// From [`Decision::Write`].
        note: Option<String>,
    },
    /// A put that its [`Decide`] refused; nothing was written.
    Refused(StoreError),
    /// A deleted memory's version.
    Deleted(Change),
    /// A moved memory.
    Moved(WriteOutcome),
    /// The versions of a moved directory's memories.
    MovedDir(Vec<Change>),
}

impl Engine {
    /// Applies `ops` in order in one write transaction, each on its own:
    /// the result has one entry per op, and an op that failed changed
    /// nothing (see the module documentation).
    ///
    /// # Errors
    /// A database error, when nothing at all was committed; each op's own
    /// errors are as for the single-change method it mirrors.
    pub fn apply_batch(&self, ops: Vec<BatchOp>, actor: &Actor) -> Result<Vec<Result<Applied>>> {
        let scope = ops.iter().fold(WriteScope::none(), |scope, op| {
            scope.with_store(op.store_id())
        });
        let (engine, actor) = (self.clone(), actor.clone());
        self.write(scope, move |tx| {
            let mut results = Vec::with_capacity(ops.len());
            for op in ops {
                tx.begin_step()?;
                let result = engine.apply_one(tx, op, &actor);
                tx.end_step(result.is_ok())?;
                results.push(result);
            }
            Ok(results)
        })
    }

    fn apply_one(&self, tx: &mut dyn WriteTx, op: BatchOp, actor: &Actor) -> Result<Applied> {
        match op {
            BatchOp::Put {
                store_id,
                path,
                version_id,
                decide,
            } => {
                validate_path(&path)?;
                let mut write = Write::new(self, &store_id, actor);
                write.version_id = version_id.as_deref().map(reserved_version_id).transpose()?;
                let (mut store, current) = write.head(tx, &path)?;
                match decide(current.as_ref()) {
                    Decision::Write { content, note } => {
                        validate_content(&content)?;
                        let outcome = write.put(tx, &mut store, current, &path, content)?;
                        Ok(Applied::Put { outcome, note })
                    }
                    Decision::Refuse(e) => Ok(Applied::Refused(e)),
                }
            }
            BatchOp::DeleteAt {
                store_id,
                path,
                precondition,
            } => {
                validate_precondition(&precondition)?;
                let write = Write::new(self, &store_id, actor);
                Ok(Applied::Deleted(write.delete_at(
                    tx,
                    &path,
                    &precondition,
                )?))
            }
            BatchOp::Move { store_id, from, to } => {
                validate_path(&to)?;
                let write = Write::new(self, &store_id, actor);
                let memory = tx
                    .memory_at(&store_id, &from, false)?
                    .ok_or(StoreError::PathNotFound(from))?;
                let update = MemoryUpdate {
                    path: Some(to),
                    ..MemoryUpdate::default()
                };
                Ok(Applied::Moved(write.update(tx, &memory.id, update)?))
            }
            BatchOp::MoveDir { store_id, from, to } => {
                let (from, to) = dir_move(&from, &to)?;
                let write = Write::new(self, &store_id, actor);
                Ok(Applied::MovedDir(write.rename_dir(tx, &from, &to)?))
            }
        }
    }
}
