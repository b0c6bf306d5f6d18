//! The `memstore:memory/store` operations on a call's filesystem (TOOL-02,
//! TOOL-05, TOOL-07): hashed reads, precondition writes, deletes, renames
//! and listings, by absolute sandbox path.
//!
//! They read through the same overlay as the filesystem operations and
//! stage their mutations in the same log, in program order, so a call sees
//! its own changes whichever API made them, and a call that fails commits
//! none of them. What can be decided now is checked now, so the guest gets
//! the error at once: path rules, the size cap, read-only mounts,
//! preconditions (against what this call sees), path conflicts (MEM-04) and
//! the store's capacity (FS-09).
//! The engine checks again at commit, where a head that moved in between is
//! merged like a file write (FS-08). Must not write to the store.

use std::collections::BTreeMap;

use super::error::{Errno, FsError};
use super::resolve::Place;
use super::tree::Found;
use super::{Base, Staged, Vfs};
use memstore_store::ids::{VERSION_PREFIX, new_id};
use memstore_store::limits::MAX_CONTENT_BYTES;
use memstore_store::{MemoryListItem, Precondition, content_sha256, path, validate_sha256};

/// Why a `store` operation failed: the WIT `error` cases, which the sandbox
/// converts one to one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreApiError {
    /// No memory at the path (`ENOENT`).
    #[error("{0}")]
    NotFound(String),
    /// Outside every mount, or breaking the path rules of MEM-03.
    #[error("{0}")]
    InvalidPath(String),
    /// A mutation on a read-only mount (`EROFS`, FS-04).
    #[error("{0}")]
    ReadOnly(String),
    /// The content hash this call sees differs from the precondition;
    /// carries that hash (empty when there is no memory).
    #[error("precondition failed: the memory's content_sha256 is {0:?}; read it again and retry")]
    PreconditionFailed(String),
    /// A memory at the same, an ancestor or a descendant path is in the
    /// way; carries its path as the guest sees it.
    #[error("the path conflicts with {0}; a path cannot be both a file and a directory")]
    Conflict(String),
    /// Content over the cap (MEM-02); carries its size in bytes.
    #[error("content is {0} bytes; a memory holds at most {MAX_CONTENT_BYTES} bytes")]
    TooLarge(u64),
    /// The store is at its capacity (MEM-09), or the call's staging budget
    /// is spent (`ENOSPC`).
    #[error("{0}")]
    NoSpace(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl From<FsError> for StoreApiError {
    fn from(e: FsError) -> Self {
        match e.code {
            Errno::NoEntry => Self::NotFound(e.message),
            Errno::Invalid | Errno::NameTooLong => Self::InvalidPath(e.message),
            Errno::ReadOnly => Self::ReadOnly(e.message),
            Errno::NoSpace => Self::NoSpace(e.message),
            _ => Self::Other(e.message),
        }
    }
}

/// Result of a `store` operation.
pub type ApiResult<T> = Result<T, StoreApiError>;

/// A memory's content as this call sees it (the WIT `memory`, less the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryView {
    /// UTF-8 content.
    pub content: String,
    /// Lowercase hex SHA-256 of `content`.
    pub content_sha256: String,
    /// The head's version, or the id reserved by the `store.write` that
    /// staged this content; empty for content staged through the filesystem
    /// or a rename, which gets its version id at commit.
    pub version_id: String,
}

/// One entry of a listing (the WIT `entry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// Absolute sandbox path; directories end with `/`.
    pub path: String,
    /// A rolled-up directory rather than a memory.
    pub is_dir: bool,
    /// Content size in bytes (0 for directories).
    pub size: u64,
}

impl Vfs {
    /// `read`: the memory at `path` as this call sees it: what the call
    /// staged there, else the store's head.
    ///
    /// # Errors
    /// `invalid-path`, `not-found` (also for a directory).
    pub fn read_memory(&self, path: &str) -> ApiResult<MemoryView> {
        let (mount, store_path) = self.locate(path, false)?;
        let base = self.memory_file(mount, &store_path, path)?;
        Ok(MemoryView {
            content: base.content,
            content_sha256: base.sha,
            version_id: base.version_id,
        })
    }

    /// `write`: stages `content` at `path` and returns the id its version
    /// will have once the call commits. Content equal to what the call sees
    /// is no change: it succeeds whatever the precondition and returns the
    /// current version id (MEM-05, MEM-06).
    ///
    /// # Errors
    /// `invalid-path`, `read-only`, `too-large`, `other` for a malformed
    /// hash, `precondition-failed`, `conflict`, `no-space` when a new path
    /// would take the store past its capacity (FS-09) or the call's staging
    /// budget is spent.
    pub fn write_memory(
        &mut self,
        path: &str,
        content: String,
        precondition: &Precondition,
    ) -> ApiResult<String> {
        let (mount, store_path) = self.locate(path, true)?;
        if content.len() > MAX_CONTENT_BYTES {
            return Err(StoreApiError::TooLarge(content.len() as u64));
        }
        check_hash(precondition)?;
        let current = self.file_or_free(mount, &store_path, None)?;
        if let Some(current) = &current
            && current.sha == content_sha256(&content)
        {
            return Ok(current.version_id.clone());
        }
        check_precondition(precondition, current.as_ref())?;
        if current.is_none() {
            self.ensure_room(mount, &store_path)?;
        }
        self.budget(content.len())?;
        let version_id = new_id(VERSION_PREFIX);
        self.stage_write(
            mount,
            store_path,
            content,
            current,
            Some(version_id.clone()),
            !matches!(precondition, Precondition::None),
        );
        Ok(version_id)
    }

    /// `delete`: stages the deletion of the memory at `path`. With a
    /// precondition, the commit deletes it only if it still has the content
    /// checked now.
    ///
    /// # Errors
    /// `invalid-path`, `read-only`, `other` for a malformed hash,
    /// `not-found`, `precondition-failed`.
    pub fn delete_memory(&mut self, path: &str, precondition: &Precondition) -> ApiResult<()> {
        let (mount, store_path) = self.locate(path, true)?;
        check_hash(precondition)?;
        let current = self.memory_file(mount, &store_path, path)?;
        check_precondition(precondition, Some(&current))?;
        let expected =
            matches!(precondition, Precondition::ContentSha256(_)).then_some(current.sha);
        self.stage_delete(mount, store_path, expected);
        Ok(())
    }

    /// `rename`: stages moving the memory `from` to the free path `to` in
    /// the same mount; the memory keeps its id (FS-06).
    ///
    /// # Errors
    /// `invalid-path` (also across mounts), `read-only`, `not-found`,
    /// `conflict` when `to` is taken, `no-space`.
    pub fn rename_memory(&mut self, from: &str, to: &str) -> ApiResult<()> {
        let (mount, src) = self.locate(from, true)?;
        let (to_mount, dst) = self.locate(to, true)?;
        if mount != to_mount {
            return Err(StoreApiError::InvalidPath(format!(
                "cannot rename {from} to {to}: they are in different mounts; \
                 write a copy and delete the original instead"
            )));
        }
        let moved = self.memory_file(mount, &src, from)?;
        if src == dst {
            return Ok(());
        }
        if self.file_or_free(mount, &dst, Some(&src))?.is_some() {
            return Err(StoreApiError::Conflict(to.to_owned()));
        }
        Ok(self.stage_file_rename(mount, src, dst, moved, None)?)
    }

    /// `list`: the memories under the directory `prefix` (ending in `/`) as
    /// this call sees them, in path order; with `depth` > 0, subtrees deeper
    /// than that are rolled up into directory entries (MEM-08).
    ///
    /// # Errors
    /// `invalid-path`.
    pub fn list_memories(&self, prefix: &str, depth: u32) -> ApiResult<Vec<ListEntry>> {
        let (mount, store_prefix) = self.locate_dir(prefix)?;
        let depth = depth as usize;
        // Store path → size; `None` for a rolled-up directory.
        let mut found: BTreeMap<String, Option<u64>> = BTreeMap::new();
        let mut rolled_up = Vec::new();
        self.walk_store(mount, &store_prefix, depth, &mut |item| {
            match item {
                // A path this call staged is listed from the overlay below.
                MemoryListItem::Memory(m)
                    if !self.overlay.contains_key(&(mount, m.path.clone())) =>
                {
                    found.insert(m.path.clone(), Some(m.content_size_bytes));
                }
                MemoryListItem::Memory(_) => {}
                MemoryListItem::Prefix(p) => rolled_up.push(p.path.clone()),
            }
            true
        })?;
        for dir in rolled_up {
            // This call may have deleted everything below it.
            if self
                .memory_under(mount, dir.trim_end_matches('/'))?
                .is_some()
            {
                found.insert(dir, None);
            }
        }
        for (path, staged) in self.overlay_under(mount, &store_prefix) {
            let Staged::File(base) = staged else {
                continue;
            };
            match (depth > 0)
                .then(|| path::rollup(path, &store_prefix, depth))
                .flatten()
            {
                Some(dir) => found.insert(dir.to_owned(), None),
                None => found.insert(path.clone(), Some(base.content.len() as u64)),
            };
        }
        let root = self.shown(mount, "/");
        Ok(found
            .into_iter()
            .map(|(path, size)| ListEntry {
                path: format!("{root}{path}"),
                is_dir: size.is_none(),
                size: size.unwrap_or(0),
            })
            .collect())
    }

    /// The mount and store path of the memory path `path`; with `writing`,
    /// only on a writable mount (FS-04).
    fn locate(&self, path: &str, writing: bool) -> ApiResult<(usize, String)> {
        let (mount, store_path) = self.split(path)?;
        path::validate(&store_path).map_err(|reason| {
            StoreApiError::InvalidPath(format!("invalid path {path:?}: {reason}"))
        })?;
        if writing {
            self.writable(&Place::In {
                mount,
                path: store_path.clone(),
            })?;
        }
        Ok((mount, store_path))
    }

    /// The mount and store prefix of the directory `prefix`.
    fn locate_dir(&self, prefix: &str) -> ApiResult<(usize, String)> {
        let (mount, store_prefix) = self.split(prefix)?;
        path::validate_prefix(&store_prefix).map_err(|reason| {
            StoreApiError::InvalidPath(format!("invalid directory {prefix:?}: {reason}"))
        })?;
        Ok((mount, store_prefix))
    }

    fn split(&self, path: &str) -> ApiResult<(usize, String)> {
        self.mounts.split(path).ok_or_else(|| {
            StoreApiError::InvalidPath(format!("{path} is not inside a mount under /mnt/memory"))
        })
    }

    /// The file at `store_path` as this call sees it; `shown` names it in
    /// the error.
    fn memory_file(&self, mount: usize, store_path: &str, shown: &str) -> ApiResult<Base> {
        let place = Place::In {
            mount,
            path: store_path.to_owned(),
        };
        match self.lookup(&place)? {
            Some(Found::File(info)) => Ok(info.base),
            Some(Found::Dir) => Err(StoreApiError::NotFound(format!(
                "{shown} is a directory, not a memory"
            ))),
            None => Err(StoreApiError::NotFound(format!("no memory at {shown}"))),
        }
    }

    /// The file at `store_path` as this call sees it, or `None` when a
    /// memory may be created there: no directory at the path and no file at
    /// an ancestor path other than `moving` (the file a rename takes away).
    fn file_or_free(
        &self,
        mount: usize,
        store_path: &str,
        moving: Option<&str>,
    ) -> ApiResult<Option<Base>> {
        let place = Place::In {
            mount,
            path: store_path.to_owned(),
        };
        match self.lookup(&place)? {
            Some(Found::File(info)) => Ok(Some(info.base)),
            Some(Found::Dir) => {
                let below = self.memory_under(mount, store_path)?;
                let shown = self.shown(mount, below.as_deref().unwrap_or(store_path));
                Err(StoreApiError::Conflict(shown))
            }
            None => {
                self.check_ancestors(mount, store_path, moving)?;
                Ok(None)
            }
        }
    }

    /// `conflict` when this call sees a file at an ancestor of `store_path`
    /// other than `moving`.
    fn check_ancestors(
        &self,
        mount: usize,
        store_path: &str,
        moving: Option<&str>,
    ) -> ApiResult<()> {
        let ancestors: Vec<&str> = path::ancestors(store_path).collect();
        // Nearest first: once a directory exists, nothing above it can be a
        // file, since no path is both (MEM-04).
        for dir in ancestors.into_iter().rev() {
            if Some(dir) == moving {
                continue;
            }
            let place = Place::In {
                mount,
                path: dir.to_owned(),
            };
            match self.lookup(&place)? {
                Some(Found::File(_)) => {
                    return Err(StoreApiError::Conflict(self.shown(mount, dir)));
                }
                Some(Found::Dir) => return Ok(()),
                None => {}
            }
        }
        Ok(())
    }
}

/// `other` for a hash that cannot be one: a caller's bug, not a mismatch.
fn check_hash(precondition: &Precondition) -> ApiResult<()> {
    match precondition {
        Precondition::ContentSha256(hash) => {
            validate_sha256(hash).map_err(|e| StoreApiError::Other(e.to_string()))
        }
        Precondition::None | Precondition::Absent => Ok(()),
    }
}

/// `precondition-failed` with the current hash unless `precondition` holds
/// for `current`, the file as this call sees it.
fn check_precondition(precondition: &Precondition, current: Option<&Base>) -> ApiResult<()> {
    let sha = current.map(|b| b.sha.as_str());
    if precondition.holds(sha) {
        return Ok(());
    }
    Err(StoreApiError::PreconditionFailed(
        sha.unwrap_or_default().to_owned(),
    ))
}
