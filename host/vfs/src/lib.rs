//! The virtual filesystem of a tool call: every attached store served as a
//! directory under `/mnt/memory`, straight from the store engine (FS-01..09),
//! and the `memstore:memory/store` operations on the same view (TOOL-07).
//!
//! No copy of a store is made: opening a file reads the head from the store.
//! Every mutation of one call — file writes, unlinks and renames, and the
//! store interface's writes, deletes and renames alike — is staged (an
//! overlay that both APIs read through, plus one log of operations in
//! program order) and applied by [`Vfs::finish`] only when the call ended
//! cleanly, so a trap or limit commits nothing (TOOL-02), and then in one
//! write transaction, so a crash cannot commit part of a call. Each changed
//! file becomes one version attributed to the session (FS-05). What can be
//! decided while staging fails at once with its WASI code — path rules, the
//! size cap, a creation past the store's capacity (FS-09) — and the engine
//! checks again at commit.
//!
//! This crate knows no wasmtime types (tests/layering.rs keeps wasmtime out
//! of its dependencies); `memstore-sandbox` adapts it to
//! `wasi:filesystem` and `memstore:memory/store`. Read-only mounts are
//! enforced here, for every mutation (FS-04).

mod capacity;
mod commit;
pub mod error;
pub mod file;
pub mod mount;
mod ops;
pub mod resolve;
mod store_api;
mod tree;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, Weak};

pub use commit::CallOutcome;
pub use error::{Errno, FsError, FsResult};
pub use file::{Base, CallShared, FileRef, OpenFile};
pub use mount::{MOUNT_ROOT, Mount, MountTable, mount_paths, slugify, unique_slugs};
pub use resolve::Place;
pub use store_api::{ListEntry, MemoryView, StoreApiError};

use memstore_store::{Actor, Engine, Timestamp};

/// What a descriptor points at.
#[derive(Debug, Clone)]
pub enum Node {
    /// `/mnt/memory`.
    Root,
    /// A directory inside a mount (`/` = the mount root).
    Dir {
        /// Mount index.
        mount: usize,
        /// Store path of the directory.
        path: String,
    },
    /// An open file.
    File(FileRef),
}

impl Node {
    /// The directory this node is, as a resolution base.
    ///
    /// # Errors
    /// `not-directory` for a file.
    pub fn place(&self) -> FsResult<Place> {
        match self {
            Self::Root => Ok(Place::Root),
            Self::Dir { mount, path } => Ok(Place::In {
                mount: *mount,
                path: path.clone(),
            }),
            Self::File(f) => Err(FsError::new(
                Errno::NotDirectory,
                format!("{} is not a directory", f.lock().expect("file lock").shown),
            )),
        }
    }
}

/// Whether a stat describes a file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A memory.
    File,
    /// A mount, `/mnt/memory`, or a path prefix.
    Dir,
}

/// What `stat` reports (FS-03).
#[derive(Debug, Clone)]
pub struct Stat {
    /// File or directory.
    pub kind: Kind,
    /// Content size (0 for directories).
    pub size: u64,
    /// Memory creation time, if known.
    pub created: Option<Timestamp>,
    /// Memory update time, if known.
    pub updated: Option<Timestamp>,
}

/// How a guest wants to open a path (`open-at` flags).
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenMode {
    /// `open-flags::create`.
    pub create: bool,
    /// `open-flags::directory`.
    pub directory: bool,
    /// `open-flags::exclusive`.
    pub exclusive: bool,
    /// `open-flags::truncate`.
    pub truncate: bool,
    /// `descriptor-flags::read`.
    pub read: bool,
    /// `descriptor-flags::write`.
    pub write: bool,
    /// `descriptor-flags::mutate-directory`.
    pub mutate_directory: bool,
}

impl OpenMode {
    /// Whether this open would change anything or allow changes.
    pub fn mutates(&self) -> bool {
        self.create || self.truncate || self.write || self.mutate_directory
    }
}

/// What this call staged at a path (the overlay over the store).
#[derive(Debug, Clone)]
enum Staged {
    /// The file as it will be after commit; later writes of it in this call
    /// use it as their base.
    File(Base),
    Deleted,
}

/// One staged mutation, applied in order at the end of the call.
#[derive(Debug, Clone)]
enum Op {
    Write {
        mount: usize,
        path: String,
        content: String,
        /// What the writer saw; `None` for a new file.
        base: Option<Base>,
        /// The id reserved for the version (a `store.write`); the engine
        /// picks one for file writes, which may coalesce.
        version_id: Option<String>,
        /// A `store.write` with `if-sha256`: when a concurrent change
        /// overlaps it at commit, it is not written (TOOL-05), instead of
        /// becoming the head as a file write would (FS-08).
        guarded: bool,
    },
    Delete {
        mount: usize,
        path: String,
        /// The hash the deleter required (`store.delete` with `if-sha256`):
        /// a memory changed since then is not deleted.
        expected: Option<String>,
    },
    Rename {
        mount: usize,
        from: String,
        to: String,
    },
    RenameDir {
        mount: usize,
        from: String,
        to: String,
    },
}

/// The filesystem of one tool call.
pub struct Vfs {
    engine: Engine,
    mounts: MountTable,
    actor: Actor,
    overlay: BTreeMap<(usize, String), Staged>,
    ops: Vec<Op>,
    dirs: BTreeSet<(usize, String)>,
    dirs_changed: bool,
    /// Files created by an open descriptor and not yet staged: they exist
    /// (empty) in the overlay for every other lookup (FS-10), with no
    /// operation logged until the descriptor is closed or synced.
    pending: BTreeSet<(usize, String)>,
    open: Vec<Weak<Mutex<OpenFile>>>,
    shared: Arc<CallShared>,
    /// Staged creations and deletions, for the capacity check (FS-09).
    ledger: capacity::Ledger,
    /// The last directory listed, whose entries' kinds answer
    /// `metadata-hash-at` for them (see `tree::Listed`).
    listed: Option<tree::Listed>,
}

impl std::fmt::Debug for Vfs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vfs")
            .field("mounts", &self.mounts)
            .field("ops", &self.ops.len())
            .finish()
    }
}

impl Vfs {
    /// A fresh call over these mounts; `dirs` are the session's empty
    /// directories (FS-02) as (mount index, store path).
    pub fn new(
        engine: Engine,
        mounts: MountTable,
        actor: Actor,
        dirs: BTreeSet<(usize, String)>,
    ) -> Self {
        Self {
            engine,
            mounts,
            actor,
            overlay: BTreeMap::new(),
            ops: Vec::new(),
            dirs,
            dirs_changed: false,
            pending: BTreeSet::new(),
            open: Vec::new(),
            shared: Arc::default(),
            ledger: capacity::Ledger::default(),
            listed: None,
        }
    }

    /// The mount table.
    pub fn mounts(&self) -> &MountTable {
        &self.mounts
    }

    /// The store engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Who this call's writes are attributed to.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Call-wide notes and budgets.
    pub fn shared(&self) -> &Arc<CallShared> {
        &self.shared
    }

    /// The preopens: `/mnt/memory` and each mount (FS-01).
    pub fn preopens(&self) -> Vec<(Node, String)> {
        let mut out = vec![(Node::Root, MOUNT_ROOT.to_owned())];
        for (i, m) in self.mounts.mounts().iter().enumerate() {
            out.push((
                Node::Dir {
                    mount: i,
                    path: "/".into(),
                },
                m.path(),
            ));
        }
        out
    }

    /// Whether `node` lies in a mount that accepts writes.
    pub fn node_writable(&self, node: &Node) -> bool {
        let mount = match node {
            Node::Root => return false,
            Node::Dir { mount, .. } => *mount,
            Node::File(f) => f.lock().expect("file lock").mount,
        };
        self.mounts.get(mount).is_some_and(|m| m.writable)
    }

    /// Fails with `read-only` unless mount `mount` accepts writes (FS-04).
    fn writable(&self, place: &Place) -> FsResult<usize> {
        match place {
            Place::In { mount, .. } if self.mounts.get(*mount).is_some_and(|m| m.writable) => {
                Ok(*mount)
            }
            _ => Err(FsError::read_only(&place.display(&self.mounts))),
        }
    }

    fn store_id(&self, mount: usize) -> &str {
        self.mounts.get(mount).map_or("", |m| m.store_id.as_str())
    }

    fn shown(&self, mount: usize, path: &str) -> String {
        Place::In {
            mount,
            path: path.to_owned(),
        }
        .display(&self.mounts)
    }
}
