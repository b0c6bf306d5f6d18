//! `FsError`: every way a virtual-filesystem operation can fail, as the WASI
//! error code the guest will see plus a message for the tool result.
//!
//! Owns the mapping from store errors and path-rule violations to WASI codes
//! (FS-09) in one place. Must not know wasmtime types: the sandbox adapter
//! converts [`Errno`] to the generated `error-code` enum.

use memstore_store::path::PathError;
use memstore_store::{ErrorKind, StoreError};

/// The WASI 0.2 `error-code`s the virtual filesystem produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Errno {
    /// Permission denied (`EACCES`).
    Access,
    /// Bad descriptor, or a descriptor used the wrong way (`EBADF`).
    BadDescriptor,
    /// Rename across mounts (`EXDEV`).
    CrossDevice,
    /// The path already exists (`EEXIST`).
    Exist,
    /// The file would exceed 102,400 bytes (`EFBIG`).
    FileTooLarge,
    /// Invalid argument or a path breaking MEM-03 (`EINVAL`).
    Invalid,
    /// A store failure (`EIO`).
    Io,
    /// The path is a directory (`EISDIR`).
    IsDirectory,
    /// Path over 1,024 bytes or 20 segments (`ENAMETOOLONG`).
    NameTooLong,
    /// No such file or directory (`ENOENT`).
    NoEntry,
    /// The store is full or the call staged too much (`ENOSPC`).
    NoSpace,
    /// A path component is not a directory (`ENOTDIR`).
    NotDirectory,
    /// The directory is not empty (`ENOTEMPTY`).
    NotEmpty,
    /// The operation can never be allowed here: symlinks, links,
    /// escaping a mount (`EPERM`).
    NotPermitted,
    /// The mount is read-only or its store archived (`EROFS`).
    ReadOnly,
    /// Not supported by a memory store (`ENOTSUP`).
    Unsupported,
}

/// A failed virtual-filesystem operation.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct FsError {
    /// What the guest sees.
    pub code: Errno,
    /// What the agent is told in the tool result.
    pub message: String,
}

impl FsError {
    /// An error with this code and message.
    pub fn new(code: Errno, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// `EROFS` for a mutation on a read-only mount (FS-04).
    pub fn read_only(path: &str) -> Self {
        Self::new(Errno::ReadOnly, format!("{path} is on a read-only mount"))
    }

    /// `ENOENT`.
    pub fn not_found(path: &str) -> Self {
        Self::new(Errno::NoEntry, format!("{path}: no such file or directory"))
    }

    /// A path that breaks MEM-03, mapped as FS-09 says.
    pub fn path(path: &str, reason: &PathError) -> Self {
        let code = match reason {
            PathError::TooLong(_) | PathError::TooManySegments(_) => Errno::NameTooLong,
            _ => Errno::Invalid,
        };
        Self::new(code, format!("invalid path {path:?}: {reason}"))
    }

    /// A store-engine error, by its kind.
    pub fn store(e: &StoreError) -> Self {
        let code = match (e, e.kind()) {
            (StoreError::InvalidPath { reason, .. }, _) => {
                return Self::path(&e.to_string(), reason);
            }
            (StoreError::TooLarge { .. }, _) => Errno::FileTooLarge,
            (_, ErrorKind::NotFound) => Errno::NoEntry,
            (_, ErrorKind::Invalid) => Errno::Invalid,
            (_, ErrorKind::PathConflict) => Errno::Exist,
            (_, ErrorKind::PreconditionFailed) => Errno::Access,
            (_, ErrorKind::ReadOnly) => Errno::ReadOnly,
            (_, ErrorKind::CapacityExceeded | ErrorKind::StorageFull) => Errno::NoSpace,
            (_, ErrorKind::Internal) => Errno::Io,
        };
        Self::new(code, e.to_string())
    }
}

/// Result of a virtual-filesystem operation.
pub type FsResult<T> = Result<T, FsError>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 9 (faults): a full disk under the database reaches a tool as ENOSPC with
    /// the engine's "disk full" message, not as a generic I/O error.
    #[test]
    fn issue_09_a_full_disk_reaches_tools_as_no_space_left() {
        let e = FsError::store(&StoreError::DiskFull {
            context: "committing",
        });
        assert_eq!(e.code, Errno::NoSpace);
        assert!(
            e.message.starts_with("disk full while committing"),
            "{}",
            e.message
        );
    }
}
