//! `StoreError`: every way a store-engine call can fail.
//!
//! Front ends (CLI, HTTP API, the sandbox's VFS) map errors through
//! [`StoreError::kind`] rather than matching variants one by one, so a new
//! variant only needs a kind to be handled everywhere.

use crate::path::PathError;

/// The broad class of a [`StoreError`], for mapping to HTTP statuses, exit
/// codes and WASI error codes in one place per front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The named store, memory or version does not exist (or was pruned).
    NotFound,
    /// The request itself is wrong: bad path, bad field, over a limit.
    Invalid,
    /// The path collides with another memory (MEM-04).
    PathConflict,
    /// A content-hash precondition did not hold (MEM-05, MEM-07).
    PreconditionFailed,
    /// The store is archived and refuses the change (STORE-03).
    ReadOnly,
    /// The store holds its maximum number of memories (MEM-09).
    CapacityExceeded,
    /// The disk holding the database is full; retry once space is freed.
    StorageFull,
    /// The database failed; nothing the caller did wrong.
    Internal,
}

/// Errors of the store engine.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No store with this id.
    #[error("memory store {0} not found")]
    StoreNotFound(String),

    /// No live memory with this id in the store.
    #[error("memory {0} not found")]
    MemoryNotFound(String),

    /// No live memory at this path in the store.
    #[error("no memory at path {0}")]
    PathNotFound(String),

    /// No (unpruned) version with this id in the store.
    #[error("memory version {0} not found")]
    VersionNotFound(String),

    /// A path broke the path rules of MEM-03.
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// Which rule it broke.
        reason: PathError,
    },

    /// A field other than a path is invalid; `reason` says how to fix it.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The request field, e.g. `name` or `metadata`.
        field: &'static str,
        /// What was wrong with it.
        reason: String,
    },

    /// Content over the 102,400-byte cap (MEM-02).
    #[error("content is {size} bytes; a memory holds at most {limit} bytes")]
    TooLarge {
        /// Size of the rejected content in bytes.
        size: usize,
        /// The cap.
        limit: usize,
    },

    /// The path is taken at the same, an ancestor or a descendant path (MEM-04).
    #[error(
        "path {path} conflicts with memory {conflicting_memory_id} at {conflicting_path}; \
         a path cannot be both a file and a directory"
    )]
    PathConflict {
        /// The path the caller asked for.
        path: String,
        /// The memory occupying a conflicting path.
        conflicting_memory_id: String,
        /// Its path.
        conflicting_path: String,
    },

    /// The memory's current content hash is not the expected one.
    #[error(
        "precondition failed: memory {memory_id} has content_sha256 {actual}, \
         not the expected {expected}; read it again and retry"
    )]
    PreconditionFailed {
        /// The memory checked (or the path, when no memory exists there).
        memory_id: String,
        /// The hash the caller expected (`""` meant "must not exist").
        expected: String,
        /// The current hash (`""` when no memory exists).
        actual: String,
    },

    /// The store is archived: its memories can be read, not changed.
    #[error("memory store {0} is archived and cannot be changed")]
    Archived(String),

    /// Creating one more memory would exceed the store's capacity.
    #[error(
        "memory store {store_id} already holds its maximum of {limit} memories; \
         delete some before creating more"
    )]
    CapacityExceeded {
        /// The full store.
        store_id: String,
        /// Its capacity.
        limit: usize,
    },

    /// The version is the current head of a live memory (VER-04).
    #[error(
        "version {version_id} is the current content of memory {memory_id} and cannot be \
         redacted; write a new version of the memory first"
    )]
    HeadNotRedactable {
        /// The version asked for.
        version_id: String,
        /// The live memory whose head it is.
        memory_id: String,
    },

    /// The database failed. `context` names the operation.
    #[error("database error while {context}: {source}")]
    Database {
        /// What the engine was doing.
        context: &'static str,
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The stored data contradicts itself (e.g. a corrupt row).
    #[error("corrupt store data: {0}")]
    Corrupt(String),

    /// The disk holding the database has no space left: the change was not
    /// committed, reads still work, and writes work again once space is
    /// freed (issue 9, faults).
    #[error(
        "disk full while {context}: the disk holding the database has no space left, so \
         nothing of this change was committed; free some space and retry"
    )]
    DiskFull {
        /// What the backend was doing.
        context: &'static str,
    },

    /// The database cannot be opened as a memstore database as it is — not
    /// one, truncated, or written by a newer memstore — and was left as it
    /// was. The message names the database and what to do.
    #[error("{0}")]
    Unusable(String),
}

impl StoreError {
    /// The broad class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::StoreNotFound(_)
            | Self::MemoryNotFound(_)
            | Self::PathNotFound(_)
            | Self::VersionNotFound(_) => ErrorKind::NotFound,
            Self::InvalidPath { .. }
            | Self::Invalid { .. }
            | Self::TooLarge { .. }
            | Self::HeadNotRedactable { .. } => ErrorKind::Invalid,
            Self::PathConflict { .. } => ErrorKind::PathConflict,
            Self::PreconditionFailed { .. } => ErrorKind::PreconditionFailed,
            Self::Archived(_) => ErrorKind::ReadOnly,
            Self::CapacityExceeded { .. } => ErrorKind::CapacityExceeded,
            Self::DiskFull { .. } => ErrorKind::StorageFull,
            Self::Database { .. } | Self::Corrupt(_) | Self::Unusable(_) => ErrorKind::Internal,
        }
    }

    /// Shorthand for [`StoreError::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// Wraps a backend error with what the engine was doing.
    pub fn database(
        context: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Database {
            context,
            source: Box::new(source),
        }
    }
}

/// Result of a store-engine call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
