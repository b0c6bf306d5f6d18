//! The tools' view of the `memstore:memory/store` import: a small trait and
//! plain Rust types mirroring the WIT ones.
//!
//! Tool logic only ever talks to `dyn Store`, so it compiles and is tested on
//! the host target against [`crate::native_store::NativeStore`]; the component
//! plugs in the real import (see `main.rs`). Only what the tools need is here:
//! mounts, hashed reads and precondition writes. Plain reads, listings,
//! deletes and renames go through `std::fs`, which the host serves too.

use std::fmt;

/// Largest memory content the store accepts, in bytes (MEM-02).
pub const MAX_CONTENT_BYTES: u64 = 102_400;

/// One attached store as the session sees it (WIT `mount`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// Absolute mount path, e.g. `/mnt/memory/team-notes`.
    pub path: String,
    /// Whether the mount accepts writes.
    pub writable: bool,
}

/// A memory's content and the hash that identifies exactly that content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Memory {
    /// UTF-8 content.
    pub content: String,
    /// Lowercase hex SHA-256 of `content`'s bytes.
    pub sha256: String,
}

/// Why a store operation failed (WIT `error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// No memory at this path.
    NotFound(String),
    /// The path breaks the store's path rules.
    InvalidPath(String),
    /// The mount is read-only or its store archived.
    ReadOnly(String),
    /// The content hash differs from the precondition; carries the current hash.
    PreconditionFailed(String),
    /// The path collides with a memory at the same, an ancestor or a
    /// descendant path; carries the conflicting path.
    Conflict(String),
    /// The content is too large; carries its size in bytes.
    TooLarge(u64),
    /// The store holds its maximum number of memories.
    NoSpace(String),
    /// Anything else.
    Other(String),
}

impl fmt::Display for StoreError {
    /// The reason as it follows `{op}: {file_path}: ` in a tool result.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound(_) => f.write_str("no such file or directory"),
            StoreError::InvalidPath(why) => write!(f, "invalid path: {why}"),
            StoreError::ReadOnly(_) => f.write_str("read-only file system"),
            StoreError::PreconditionFailed(_) => {
                f.write_str("the file was changed by another writer")
            }
            StoreError::Conflict(other) => write!(f, "path conflicts with {other}"),
            // The WIT leaves open whether the number is the content's size or
            // the limit; only quote it when it can be the former.
            StoreError::TooLarge(size) if *size > MAX_CONTENT_BYTES => write!(
                f,
                "file too large ({size} bytes; a memory holds at most {MAX_CONTENT_BYTES} bytes)"
            ),
            StoreError::TooLarge(_) => write!(
                f,
                "file too large (a memory holds at most {MAX_CONTENT_BYTES} bytes)"
            ),
            StoreError::NoSpace(why) => write!(f, "no space left in the memory store: {why}"),
            StoreError::Other(why) => f.write_str(why),
        }
    }
}

/// What the tools need from `memstore:memory/store`.
pub trait Store {
    /// The stores attached to this session, in attachment order.
    fn mounts(&self) -> Vec<Mount>;

    /// Reads the current content of the memory at the absolute `path`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is no memory there, or any other
    /// store failure.
    fn read(&self, path: &str) -> Result<Memory, StoreError>;

    /// Creates or replaces the memory at `path`. With `if_sha256`, only when
    /// its current content has that hash; `Some("")` only when it does not
    /// exist yet.
    ///
    /// # Errors
    /// [`StoreError::PreconditionFailed`] when the precondition does not hold,
    /// or any other store failure; nothing is written then.
    fn write(&self, path: &str, content: &str, if_sha256: Option<&str>) -> Result<(), StoreError>;
}
