//! `SandboxError`: how a sandbox call fails before or around the guest.
//!
//! A guest that traps, loops or exceeds a limit is not an error here: that
//! is a tool result with `is_error: true`. These are the host's failures.

use memstore_store::{ErrorKind, StoreError};

/// Errors of the sandbox layer.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The store engine failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No session with this id.
    #[error("session {0} not found")]
    SessionNotFound(String),
    /// The session has ended and takes no more tool calls.
    #[error("session {0} has ended")]
    SessionEnded(String),
    /// A request was wrong (attachments, tool name, input).
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// What was wrong.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The component could not be compiled or linked.
    #[error("cannot load component: {0:#}")]
    Component(wasmtime::Error),
    /// A component's `wizer-initialize` failed, so it runs without a
    /// pre-initialised snapshot.
    #[error("cannot pre-initialise the component: {0}")]
    Snapshot(String),
    /// wasmtime failed outside the guest's control.
    #[error("wasmtime: {0:#}")]
    Wasmtime(wasmtime::Error),
    /// The component cache directory failed.
    #[error("component cache {path}: {source}")]
    Cache {
        /// The file or directory.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A thread the sandbox needs could not be started.
    #[error("cannot start the {name} thread: {source}; the host is out of threads or memory")]
    Thread {
        /// Which thread.
        name: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl SandboxError {
    /// What kind of failure this is, in the store's terms, so that callers
    /// derive one answer from it: the API its status, the CLI its exit code.
    /// An ended session refuses calls as an archived store refuses writes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Store(e) => e.kind(),
            Self::SessionNotFound(_) => ErrorKind::NotFound,
            Self::SessionEnded(_) => ErrorKind::ReadOnly,
            Self::Invalid { .. } => ErrorKind::Invalid,
            Self::Component(_)
            | Self::Snapshot(_)
            | Self::Wasmtime(_)
            | Self::Cache { .. }
            | Self::Thread { .. } => ErrorKind::Internal,
        }
    }

    /// Shorthand for [`SandboxError::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
