//! Memories (MEM-01..09): create, read, list, update, rename, delete.
//!
//! All checks that depend on the stored data — conflicts, preconditions,
//! capacity — run inside the write transaction, so two writers can never
//! both pass a check that only one of them may pass (DUR-02).

use std::ops::Bound;

use super::{
    Engine, VersionDraft, append_version, content_sha256, page_limit, page_of, store_row,
    validate_sha256, writable_store,
};
use crate::backend::{PathRange, ReadTx, StoreRow, WriteScope, WriteTx};
use crate::cursor;
use crate::error::{Result, StoreError};
use crate::ids::{self, MEMORY_PREFIX, VERSION_PREFIX};
use crate::limits::{MAX_CONTENT_BYTES, MAX_FULL_VIEW_LIMIT, MAX_PAGE_LIMIT};
use crate::model::{
    Actor, Change, DeletedMemory, Memory, MemoryListItem, MemoryPrefix, MemoryQuery, MemoryUpdate,
    Operation, Page, Precondition, Timestamp, View, WriteOutcome, now,
};
use crate::path;

impl Engine {
    /// Creates a memory at a free path (MEM-01..04, MEM-09).
    ///
    /// # Errors
    /// Invalid path or content, [`StoreError::PathConflict`],
    /// [`StoreError::CapacityExceeded`], [`StoreError::Archived`].
    pub fn create_memory(
        &self,
        store_id: &str,
        path: &str,
        content: &str,
        actor: &Actor,
    ) -> Result<WriteOutcome> {
        self.put_memory(store_id, path, content, Precondition::Absent, actor)
            .map_err(|e| match e {
                // Creating where a memory exists is a conflict with it (MEM-04).
                StoreError::PreconditionFailed { memory_id, .. } => StoreError::PathConflict {
                    path: path.to_owned(),
                    conflicting_memory_id: memory_id,
                    conflicting_path: path.to_owned(),
                },
                e => e,
            })
    }

    /// Creates or replaces the memory at `path`, atomically, if `precondition`
    /// holds.
    ///
    /// # Errors
    /// As [`Engine::create_memory`], plus [`StoreError::PreconditionFailed`].
    pub fn put_memory(
        &self,
        store_id: &str,
        path: &str,
        content: &str,
        precondition: Precondition,
        actor: &Actor,
    ) -> Result<WriteOutcome> {
        validate_path(path)?;
        validate_content(content)?;
        validate_precondition(&precondition)?;
        let op = Write::new(self, store_id, actor);
        let (path, content) = (path.to_owned(), content.to_owned());
        self.write(WriteScope::store(store_id), move |tx| {
            let (mut store, current) = op.head(tx, &path)?;
            check_precondition(&precondition, current.as_ref(), &path)?;
            op.put(tx, &mut store, current, &path, content)
        })
    }

    /// Updates a memory's content and/or path (MEM-05, MEM-06).
    ///
    /// A request that matches the stored content and path is a no-op and
    /// succeeds even when its precondition would fail.
    ///
    /// # Errors
    /// [`StoreError::MemoryNotFound`], invalid input, conflicts,
    /// [`StoreError::PreconditionFailed`], [`StoreError::Archived`].
    pub fn update_memory(
        &self,
        store_id: &str,
        memory_id: &str,
        update: MemoryUpdate,
        actor: &Actor,
    ) -> Result<WriteOutcome> {
        if let Some(p) = &update.path {
            validate_path(p)?;
        }
        if let Some(c) = &update.content {
            validate_content(c)?;
        }
        if let Some(h) = &update.precondition {
            validate_sha256(h)?;
        }
        let op = Write::new(self, store_id, actor);
        let memory_id = memory_id.to_owned();
        self.write(WriteScope::store(store_id), move |tx| {
            op.update(tx, &memory_id, update)
        })
    }

    /// Deletes a memory by id, if its hash matches `expected_sha256` (MEM-07).
    /// Allowed on archived stores, as in the reference service.
    ///
    /// # Errors
    /// [`StoreError::MemoryNotFound`], [`StoreError::PreconditionFailed`].
    pub fn delete_memory(
        &self,
        store_id: &str,
        memory_id: &str,
        expected_sha256: Option<&str>,
        actor: &Actor,
    ) -> Result<DeletedMemory> {
        if let Some(h) = expected_sha256 {
            validate_sha256(h)?;
        }
        let op = Write::new(self, store_id, actor);
        let (memory_id, expected) = (memory_id.to_owned(), expected_sha256.map(str::to_owned));
        self.write(WriteScope::store(store_id), move |tx| {
            let mut store = store_row(tx, &op.store_id)?;
            let current = tx
                .memory(&op.store_id, &memory_id, false)?
                .ok_or_else(|| StoreError::MemoryNotFound(memory_id.clone()))?;
            if let Some(expected) = expected {
                check_precondition(
                    &Precondition::ContentSha256(expected),
                    Some(&current),
                    &current.path,
                )?;
            }
            op.delete(tx, &mut store, &current)?;
            Ok(DeletedMemory { id: memory_id })
        })
    }

    /// Deletes the memory at `path` if `precondition` holds; the sandbox's
    /// unlink. Refused on archived stores.
    ///
    /// # Errors
    /// [`StoreError::PathNotFound`], [`StoreError::PreconditionFailed`],
    /// [`StoreError::Archived`].
    pub fn delete_memory_at(
        &self,
        store_id: &str,
        path: &str,
        precondition: Precondition,
        actor: &Actor,
    ) -> Result<Change> {
        validate_precondition(&precondition)?;
        let op = Write::new(self, store_id, actor);
        let path = path.to_owned();
        self.write(WriteScope::store(store_id), move |tx| {
            op.delete_at(tx, &path, &precondition)
        })
    }

    /// Renames every memory under the directory `from` to the same place
    /// under `to`, in one transaction (FS-06). Each keeps its id and gets one
    /// `modified` version.
    ///
    /// # Errors
    /// [`StoreError::PathNotFound`] when `from` holds no memory, invalid or
    /// conflicting target paths, [`StoreError::Archived`].
    pub fn rename_dir(
        &self,
        store_id: &str,
        from: &str,
        to: &str,
        actor: &Actor,
    ) -> Result<Vec<Change>> {
        let (from, to) = dir_move(from, to)?;
        let op = Write::new(self, store_id, actor);
        self.write(WriteScope::store(store_id), move |tx| {
            op.rename_dir(tx, &from, &to)
        })
    }

    /// A live memory by id, with content.
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`], [`StoreError::MemoryNotFound`].
    pub fn memory(&self, store_id: &str, memory_id: &str) -> Result<Memory> {
        self.read(|tx| {
            store_row(tx, store_id)?;
            tx.memory(store_id, memory_id, true)?
                .ok_or_else(|| StoreError::MemoryNotFound(memory_id.to_owned()))
        })
    }

    /// The live memory at `path`, with content, if any.
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`].
    pub fn memory_at(&self, store_id: &str, path: &str) -> Result<Option<Memory>> {
        self.read(|tx| {
            let found = tx.memory_at(store_id, path, true)?;
            // A memory only exists in an existing store: the store is read
            // only to tell "no memory" from "no store".
            if found.is_none() {
                store_row(tx, store_id)?;
            }
            Ok(found)
        })
    }

    /// The live memory at `path`, with its content only when
    /// `with_content`, if any; `None` also when the store does not exist.
    /// One query: for callers that know the store exists, like the sandbox,
    /// which looks up many paths that hold no memory (PERF-01, PERF-03).
    ///
    /// # Errors
    /// A database error.
    pub fn find_memory(
        &self,
        store_id: &str,
        path: &str,
        with_content: bool,
    ) -> Result<Option<Memory>> {
        self.read(|tx| tx.memory_at(store_id, path, with_content))
    }

    /// Lists memories in path order, optionally rolled up below a depth
    /// (MEM-08).
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`], [`StoreError::Invalid`] for a bad
    /// prefix, limit or cursor.
    pub fn list_memories(&self, store_id: &str, q: &MemoryQuery) -> Result<Page<MemoryListItem>> {
        let prefix = q.path_prefix.as_deref().unwrap_or("/");
        path::validate_prefix(prefix).map_err(|reason| StoreError::InvalidPath {
            path: prefix.to_owned(),
            reason,
        })?;
        let max = match q.view {
            View::Full => MAX_FULL_VIEW_LIMIT,
            View::Basic => MAX_PAGE_LIMIT,
        };
        let limit = page_limit(q.limit, max)?;
        let after = q
            .page
            .as_deref()
            .map(cursor::decode::<String>)
            .transpose()?;
        self.read(|tx| {
            store_row(tx, store_id)?;
            let lister = Lister {
                store_id,
                prefix,
                depth: q.depth,
                with_content: q.view == View::Full,
            };
            let rows = lister.collect(tx, after.as_deref(), limit + 1)?;
            Ok(page_of(rows, limit))
        })
    }
}

/// What every memory write needs besides the transaction.
pub(super) struct Write {
    store_id: String,
    actor: Actor,
    capacity: usize,
    /// The id for the one version this write appends, reserved by the
    /// caller; only for writes that append at most one version.
    pub(super) version_id: Option<String>,
}

impl Write {
    pub(super) fn new(engine: &Engine, store_id: &str, actor: &Actor) -> Self {
        Self {
            store_id: store_id.to_owned(),
            actor: actor.clone(),
            capacity: engine.config.max_memories_per_store,
            version_id: None,
        }
    }

    /// The store, checked writable, and the live memory at `path` with its
    /// content: what a put decides from, read inside its transaction.
    pub(super) fn head(
        &self,
        tx: &mut dyn WriteTx,
        path: &str,
    ) -> Result<(StoreRow, Option<Memory>)> {
        let store = writable_store(tx, &self.store_id)?;
        let current = tx.memory_at(&self.store_id, path, true)?;
        Ok((store, current))
    }

    /// Writes `content` at `path` over `current`, the memory [`Write::head`]
    /// found there, or creates it.
    pub(super) fn put(
        &self,
        tx: &mut dyn WriteTx,
        store: &mut StoreRow,
        current: Option<Memory>,
        path: &str,
        content: String,
    ) -> Result<WriteOutcome> {
        match current {
            Some(current) => self.modify(tx, store, current, path, content),
            None => self.create(tx, store, None, path, &content),
        }
    }

    /// Changes a memory's content and/or path (MEM-05, MEM-06); the input
    /// was validated by the caller.
    pub(super) fn update(
        &self,
        tx: &mut dyn WriteTx,
        memory_id: &str,
        update: MemoryUpdate,
    ) -> Result<WriteOutcome> {
        let mut store = writable_store(tx, &self.store_id)?;
        let current = tx
            .memory(&self.store_id, memory_id, true)?
            .ok_or_else(|| StoreError::MemoryNotFound(memory_id.to_owned()))?;
        let path = update.path.unwrap_or_else(|| current.path.clone());
        let content = match update.content {
            Some(c) => c,
            None => current.content.clone().unwrap_or_default(),
        };
        let unchanged = path == current.path && content_sha256(&content) == current.content_sha256;
        // MEM-05: a request that changes nothing succeeds whatever its
        // precondition says.
        if !unchanged && let Some(expected) = update.precondition {
            check_precondition(
                &Precondition::ContentSha256(expected),
                Some(&current),
                &path,
            )?;
        }
        self.modify(tx, &mut store, current, &path, content)
    }

    /// Deletes the memory at `path` if `precondition` holds.
    pub(super) fn delete_at(
        &self,
        tx: &mut dyn WriteTx,
        path: &str,
        precondition: &Precondition,
    ) -> Result<Change> {
        let mut store = writable_store(tx, &self.store_id)?;
        let current = tx.memory_at(&self.store_id, path, false)?;
        check_precondition(precondition, current.as_ref(), path)?;
        let current = current.ok_or_else(|| StoreError::PathNotFound(path.to_owned()))?;
        self.delete(tx, &mut store, &current)
    }

    /// Moves every memory under the directory `from` to `to` (FS-06); the
    /// paths come from [`dir_move`].
    pub(super) fn rename_dir(
        &self,
        tx: &mut dyn WriteTx,
        from: &str,
        to: &str,
    ) -> Result<Vec<Change>> {
        let mut store = writable_store(tx, &self.store_id)?;
        let (lo, hi) = path::subtree_range(from);
        let moving = tx.memories_in(
            &self.store_id,
            &PathRange {
                start: Bound::Included(&lo),
                end: Some(&hi),
                limit: usize::MAX,
                with_content: true,
            },
        )?;
        if moving.is_empty() {
            return Err(StoreError::PathNotFound(from.to_owned()));
        }
        // The target must be free as a whole before anything moves.
        check_conflict(tx, &self.store_id, to, None)?;
        let mut changes = Vec::with_capacity(moving.len());
        for memory in moving {
            let new_path = format!("{to}{}", &memory.path[from.len()..]);
            validate_path(&new_path)?;
            let content = memory.content.clone().unwrap_or_default();
            let outcome = self.modify(tx, &mut store, memory, &new_path, content)?;
            changes.extend(outcome.change);
        }
        Ok(changes)
    }

    /// Creates a memory at a free path; `revive` reuses the id of a deleted
    /// memory (rollback of a delete).
    fn create(
        &self,
        tx: &mut dyn WriteTx,
        store: &mut StoreRow,
        revive: Option<String>,
        path: &str,
        content: &str,
    ) -> Result<WriteOutcome> {
        if store.memory_count as usize >= self.capacity {
            return Err(StoreError::CapacityExceeded {
                store_id: self.store_id.clone(),
                limit: self.capacity,
            });
        }
        check_conflict(tx, &self.store_id, path, None)?;
        let id = revive.unwrap_or_else(|| ids::new_id(MEMORY_PREFIX));
        let at = now();
        let change = self.append(tx, store, &id, Operation::Created, path, Some(content), at)?;
        let memory = Memory {
            id,
            memory_store_id: self.store_id.clone(),
            path: path.to_owned(),
            content_sha256: content_sha256(content),
            content_size_bytes: content.len() as u64,
            content: Some(content.to_owned()),
            memory_version_id: change.version_id.clone(),
            created_at: at,
            updated_at: at,
        };
        tx.put_memory(&memory)?;
        store.memory_count += 1;
        Ok(WriteOutcome {
            memory,
            change: Some(change),
        })
    }

    /// Sets a live memory's path and content; a no-op when both are unchanged
    /// (MEM-06).
    fn modify(
        &self,
        tx: &mut dyn WriteTx,
        store: &mut StoreRow,
        mut memory: Memory,
        path: &str,
        content: String,
    ) -> Result<WriteOutcome> {
        let sha = content_sha256(&content);
        if path == memory.path && sha == memory.content_sha256 {
            return Ok(WriteOutcome {
                memory,
                change: None,
            });
        }
        if path != memory.path {
            check_conflict(tx, &self.store_id, path, Some(&memory.id))?;
        }
        let at = now();
        let change = self.append(
            tx,
            store,
            &memory.id,
            Operation::Modified,
            path,
            Some(&content),
            at,
        )?;
        memory.path = path.to_owned();
        memory.content_sha256 = sha;
        memory.content_size_bytes = content.len() as u64;
        memory.content = Some(content);
        memory.memory_version_id = change.version_id.clone();
        memory.updated_at = at;
        tx.put_memory(&memory)?;
        Ok(WriteOutcome {
            memory,
            change: Some(change),
        })
    }

    fn delete(
        &self,
        tx: &mut dyn WriteTx,
        store: &mut StoreRow,
        memory: &Memory,
    ) -> Result<Change> {
        let change = self.append(
            tx,
            store,
            &memory.id,
            Operation::Deleted,
            &memory.path,
            None,
            now(),
        )?;
        tx.remove_memory(&self.store_id, &memory.id)?;
        store.memory_count -= 1;
        Ok(change)
    }

    #[allow(clippy::too_many_arguments)]
    fn append(
        &self,
        tx: &mut dyn WriteTx,
        store: &mut StoreRow,
        memory_id: &str,
        operation: Operation,
        path: &str,
        content: Option<&str>,
        at: Timestamp,
    ) -> Result<Change> {
        append_version(
            tx,
            store,
            VersionDraft {
                memory_id,
                operation,
                path,
                content,
                actor: &self.actor,
                at,
                id: self.version_id.as_deref(),
            },
        )
    }
}

/// Rolls a deleted memory back into existence, or a live one back to old
/// content; used by [`Engine::rollback`].
pub(super) fn restore(
    engine: &Engine,
    tx: &mut dyn WriteTx,
    store_id: &str,
    actor: &Actor,
    memory_id: &str,
    path: &str,
    content: String,
) -> Result<WriteOutcome> {
    let op = Write::new(engine, store_id, actor);
    let mut store = writable_store(tx, store_id)?;
    match tx.memory(store_id, memory_id, true)? {
        Some(current) => {
            let path = current.path.clone();
            op.modify(tx, &mut store, current, &path, content)
        }
        None => op.create(tx, &mut store, Some(memory_id.to_owned()), path, &content),
    }
}

/// The source and target of a directory move, without trailing slashes,
/// checked: valid paths, and the target not inside the source.
pub(super) fn dir_move(from: &str, to: &str) -> Result<(String, String)> {
    let (from, to) = (from.trim_end_matches('/'), to.trim_end_matches('/'));
    validate_path(from)?;
    validate_path(to)?;
    if to.starts_with(&format!("{from}/")) {
        return Err(StoreError::invalid(
            "path",
            format!("cannot move directory {from} into itself ({to})"),
        ));
    }
    Ok((from.to_owned(), to.to_owned()))
}

/// A version id a caller reserved, checked to be one.
pub(super) fn reserved_version_id(version_id: &str) -> Result<String> {
    if !ids::is_id(version_id, VERSION_PREFIX) {
        return Err(StoreError::invalid(
            "version_id",
            format!(
                "{version_id:?} is not a memory version id; reserve one with \
                 ids::new_id(VERSION_PREFIX)"
            ),
        ));
    }
    Ok(version_id.to_owned())
}

pub(super) fn validate_path(p: &str) -> Result<()> {
    path::validate(p).map_err(|reason| StoreError::InvalidPath {
        path: p.to_owned(),
        reason,
    })
}

pub(super) fn validate_content(content: &str) -> Result<()> {
    if content.len() > MAX_CONTENT_BYTES {
        return Err(StoreError::TooLarge {
            size: content.len(),
            limit: MAX_CONTENT_BYTES,
        });
    }
    Ok(())
}

/// A precondition hash must look like one: a malformed hash is a bad
/// request (400), not a mismatch (409).
pub(super) fn validate_precondition(precondition: &Precondition) -> Result<()> {
    match precondition {
        Precondition::ContentSha256(h) => validate_sha256(h),
        Precondition::None | Precondition::Absent => Ok(()),
    }
}

fn check_precondition(
    precondition: &Precondition,
    current: Option<&Memory>,
    path: &str,
) -> Result<()> {
    let sha = current.map(|m| m.content_sha256.as_str());
    if precondition.holds(sha) {
        return Ok(());
    }
    let actual = sha.unwrap_or_default();
    Err(StoreError::PreconditionFailed {
        memory_id: current.map_or_else(|| path.to_owned(), |m| m.id.clone()),
        expected: match precondition {
            Precondition::ContentSha256(e) => e.clone(),
            _ => String::new(),
        },
        actual: actual.to_owned(),
    })
}

/// MEM-04: `path` is taken when a memory other than `ignore` sits at the
/// same path, at an ancestor path, or below it.
fn check_conflict(
    tx: &mut dyn WriteTx,
    store_id: &str,
    path: &str,
    ignore: Option<&str>,
) -> Result<()> {
    let is_other = |m: &Memory| Some(m.id.as_str()) != ignore;
    let conflict = |m: Memory| StoreError::PathConflict {
        path: path.to_owned(),
        conflicting_memory_id: m.id,
        conflicting_path: m.path,
    };
    for candidate in std::iter::once(path).chain(path::ancestors(path)) {
        if let Some(m) = tx.memory_at(store_id, candidate, false)?.filter(is_other) {
            return Err(conflict(m));
        }
    }
    let (lo, hi) = path::subtree_range(path);
    let below = tx.memories_in(
        store_id,
        &PathRange {
            start: Bound::Included(&lo),
            end: Some(&hi),
            limit: 2,
            with_content: false,
        },
    )?;
    match below.into_iter().find(is_other) {
        Some(m) => Err(conflict(m)),
        None => Ok(()),
    }
}

/// Walks a store in path order for [`Engine::list_memories`], skipping over
/// each rolled-up directory with one index seek instead of reading it.
struct Lister<'a> {
    store_id: &'a str,
    prefix: &'a str,
    depth: usize,
    with_content: bool,
}

impl Lister<'_> {
    /// Up to `want` items after the cursor `after` (a memory path, or a
    /// directory ending in `/`), each with its cursor.
    fn collect(
        &self,
        tx: &mut dyn ReadTx,
        after: Option<&str>,
        want: usize,
    ) -> Result<Vec<(String, MemoryListItem)>> {
        let (_, end) = path::subtree_range(self.prefix);
        let end = (self.prefix != "/").then_some(end);
        // A directory cursor resumes after its whole subtree.
        let mut resume: Option<String> = after.map(|a| match a.strip_suffix('/') {
            Some(dir) => path::subtree_range(dir).1,
            None => a.to_owned(),
        });
        let mut resume_inclusive = after.is_some_and(|a| a.ends_with('/'));
        let mut items = Vec::new();
        // With a depth limit, a batch is cut at the first row that rolls up
        // into a directory, and the rest of it was read for nothing: a
        // directory of 1,000 memories cost a full batch each. So batches
        // start at one row and double while rows are plain memories.
        let mut batch_rows = if self.depth > 0 { 1 } else { want };
        while items.len() < want {
            let start = match &resume {
                None => Bound::Included(self.prefix),
                Some(r) if resume_inclusive => Bound::Included(r.as_str()),
                Some(r) => Bound::Excluded(r.as_str()),
            };
            let limit = batch_rows.min(want - items.len());
            let batch = tx.memories_in(
                self.store_id,
                &PathRange {
                    start,
                    end: end.as_deref(),
                    limit,
                    with_content: self.with_content,
                },
            )?;
            let exhausted = batch.len() < limit;
            let mut skipped_to = None;
            for memory in batch {
                let dir = (self.depth > 0)
                    .then(|| path::rollup(&memory.path, self.prefix, self.depth))
                    .flatten();
                match dir {
                    Some(dir) => {
                        let dir = dir.to_owned();
                        skipped_to = Some(path::subtree_range(&dir).1);
                        items.push((
                            dir.clone(),
                            MemoryListItem::Prefix(MemoryPrefix { path: dir }),
                        ));
                        break;
                    }
                    None => {
                        resume = Some(memory.path.clone());
                        resume_inclusive = false;
                        items.push((memory.path.clone(), MemoryListItem::Memory(memory)));
                    }
                }
            }
            match skipped_to {
                Some(next) => {
                    resume = Some(next);
                    resume_inclusive = true;
                    batch_rows = 1;
                }
                None if exhausted => break,
                None => batch_rows = batch_rows.saturating_mul(2),
            }
        }
        Ok(items)
    }
}
