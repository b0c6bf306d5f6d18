//! Store capacity inside a tool call (MEM-09, FS-09): a creation that would
//! take a store past its maximum number of live memories fails at once with
//! `no-space`, instead of succeeding for the guest and failing at commit.
//!
//! Owns the call's count of staged creations and deletions per mount and
//! the check made when a file or `store.write` is about to create a memory.
//! The store's limit and live count are read once per mount and call, the
//! first time the call tries to create a memory there, so calls that only
//! read or overwrite pay nothing. The count is this call's view: another
//! session may fill the store meanwhile, so the engine checks again at
//! commit (`commit`), which stays the authority. Must not write to the store.

use std::collections::{BTreeMap, BTreeSet};

use super::Vfs;
use super::error::{Errno, FsError, FsResult};

/// What the store allows and holds, as read when the call first needed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Headroom {
    /// The engine's maximum of live memories per store.
    pub limit: u64,
    /// Live memories in the store when read.
    pub stored: u64,
}

/// One mount's staged effect on the number of live memories.
#[derive(Debug, Default)]
struct Tally {
    /// Paths this call creates, i.e. where no memory was visible to the call
    /// when it staged (or opened for) the creation. A set, so two
    /// descriptors creating the same path count once. A new file whose
    /// content is then refused (size cap, UTF-8) keeps its slot: the count
    /// errs towards refusing, and that call is reported as failed anyway.
    created: BTreeSet<String>,
    /// Memories this call deletes that it did not create.
    deleted: u64,
    /// Read lazily by [`Vfs::ensure_room`].
    headroom: Option<Headroom>,
    /// A refusal was already noted in the tool result, so a guest that keeps
    /// trying does not flood it.
    noted: bool,
}

impl Tally {
    /// Live memories once the call commits, if nothing else changes.
    fn live(&self, stored: u64) -> u64 {
        (stored + self.created.len() as u64).saturating_sub(self.deleted)
    }
}

/// The staged creations and deletions of one call, per mount.
///
/// The staging code reports every change of what exists at a path; a
/// rename reports a move, which neither adds nor removes a memory.
#[derive(Debug, Default)]
pub(super) struct Ledger {
    mounts: BTreeMap<usize, Tally>,
}

impl Ledger {
    /// Records that this call creates a memory at `path`.
    pub fn created(&mut self, mount: usize, path: &str) {
        self.tally(mount).created.insert(path.to_owned());
    }

    /// Records that this call deletes the memory it sees at `path`: one it
    /// created itself gives its slot back, any other is a stored memory.
    pub fn deleted(&mut self, mount: usize, path: &str) {
        let tally = self.tally(mount);
        if !tally.created.remove(path) {
            tally.deleted += 1;
        }
    }

    /// Records that the memory at `from` moves to the free path `to`.
    pub fn moved(&mut self, mount: usize, from: &str, to: &str) {
        let tally = self.tally(mount);
        if tally.created.remove(from) {
            tally.created.insert(to.to_owned());
        }
    }

    /// Whether this call already counts a creation at `path`.
    pub fn counts(&self, mount: usize, path: &str) -> bool {
        self.mounts
            .get(&mount)
            .is_some_and(|t| t.created.contains(path))
    }

    fn tally(&mut self, mount: usize) -> &mut Tally {
        self.mounts.entry(mount).or_default()
    }
}

impl Vfs {
    /// Checks that this call may create one more memory at `path` in
    /// `mount`, where it sees none; the caller records the creation. A path
    /// the call already counts (another descriptor creating it) is free.
    ///
    /// # Errors
    /// `no-space` when the store would exceed its capacity, noted in the
    /// tool result once per mount; `io` when the store cannot be read.
    pub(super) fn ensure_room(&mut self, mount: usize, path: &str) -> FsResult<()> {
        if self.ledger.counts(mount, path) {
            return Ok(());
        }
        let headroom = self.headroom(mount)?;
        let tally = self.ledger.tally(mount);
        if tally.live(headroom.stored) < headroom.limit {
            return Ok(());
        }
        let first = !std::mem::replace(&mut tally.noted, true);
        let message = self.capacity_message(mount, path, headroom);
        // A note, not a loss: the guest gets the error now and nothing it
        // believes written goes missing, so a guest that deletes something
        // and retries has not failed. The note explains a bare `ENOSPC`.
        if first {
            self.shared.note(message.clone());
        }
        Err(FsError::new(Errno::NoSpace, message))
    }

    /// The mount's [`Headroom`], read from the engine on first use.
    fn headroom(&mut self, mount: usize) -> FsResult<Headroom> {
        if let Some(known) = self.ledger.tally(mount).headroom {
            return Ok(known);
        }
        let stored = self
            .engine
            .memory_count(self.store_id(mount))
            .map_err(|e| FsError::store(&e))?;
        let limit = u64::try_from(self.engine.config().max_memories_per_store).unwrap_or(u64::MAX);
        let headroom = Headroom { limit, stored };
        self.ledger.tally(mount).headroom = Some(headroom);
        Ok(headroom)
    }

    /// Why the creation at `path` is refused and what the agent can do.
    fn capacity_message(&self, mount: usize, path: &str, headroom: Headroom) -> String {
        let name = self.mounts.get(mount).map_or("", |m| m.name.as_str());
        let tally = &self.ledger.mounts[&mount];
        format!(
            "cannot create {}: memory store {name:?} ({}) is at its maximum of {} memories \
             ({} in the store, {} created and {} deleted by this tool call), so nothing was \
             created there (no-space). Delete memories the store no longer needs, or ask the \
             operator to raise the limit (MEMSTORE_MAX_MEMORIES).",
            self.shown(mount, path),
            self.store_id(mount),
            headroom.limit,
            headroom.stored,
            tally.created.len(),
            tally.deleted,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(ledger: &Ledger, stored: u64) -> u64 {
        ledger.mounts.get(&0).map_or(stored, |t| t.live(stored))
    }

    #[test]
    fn fs_09_a_path_created_twice_counts_once() {
        let mut l = Ledger::default();
        l.created(0, "/a");
        l.created(0, "/a");
        assert!(l.counts(0, "/a"));
        assert!(!l.counts(1, "/a"));
        assert_eq!(live(&l, 5), 6);
    }

    #[test]
    fn fs_09_deleting_a_stored_memory_frees_a_slot_and_a_created_one_gives_it_back() {
        let mut l = Ledger::default();
        l.deleted(0, "/stored");
        assert_eq!(live(&l, 5), 4);
        l.created(0, "/new");
        l.deleted(0, "/new");
        assert_eq!(live(&l, 5), 4);
        assert!(!l.counts(0, "/new"));
    }

    #[test]
    fn fs_09_a_rename_neither_adds_nor_removes() {
        let mut l = Ledger::default();
        l.created(0, "/new");
        l.moved(0, "/new", "/moved");
        l.moved(0, "/stored", "/elsewhere");
        assert_eq!(live(&l, 5), 6);
        assert!(l.counts(0, "/moved") && !l.counts(0, "/new"));
        // The moved creation is still this call's: deleting it gives the slot back.
        l.deleted(0, "/moved");
        assert_eq!(live(&l, 5), 5);
    }
}
