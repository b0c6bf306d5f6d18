//! The storage seam: what a database must provide for the engine.
//!
//! The engine ([`crate::Engine`]) owns every rule; a backend only
//! stores and finds rows inside transactions. SQL, dialects, connection
//! handling and commit batching stay behind these traits, so a PostgreSQL
//! backend implements the same three traits and passes the same tests.

pub mod keys;
mod scope;
mod sessions;

use std::any::Any;

pub use scope::WriteScope;
pub use sessions::{SessionReadTx, SessionWriteTx};
use std::ops::Bound;

use crate::chain::{ChainRow, Hash};
use crate::error::Result;
use crate::model::{
    Actor, Event, EventQuery, EventType, Memory, MemoryStore, MemoryVersion, Operation, StoreQuery,
    Timestamp, VersionQuery,
};
use keys::{KeyReadTx, KeyWriteTx};

/// A value a write job hands back to its caller once the job has committed.
pub type JobOutput = Box<dyn Any + Send>;

/// A unit of work that runs inside a write transaction. A job that returns
/// an error has all of its changes rolled back and nothing else affected.
pub type WriteJob = Box<dyn FnOnce(&mut dyn WriteTx) -> Result<JobOutput> + Send>;

/// Called after a write transaction that recorded events has committed —
/// on this host, or, for a database several hosts share, on any of them.
/// Event streams wait on it instead of polling. It must return quickly.
pub type CommitListener = std::sync::Arc<dyn Fn() + Send + Sync>;

/// A database that holds memory stores.
pub trait Backend: Send + Sync + 'static {
    /// Runs `f` inside a read transaction that sees one consistent snapshot.
    ///
    /// # Errors
    /// What `f` returns, or a database error.
    fn read(&self, f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()>;

    /// Runs `job` in a write transaction and returns its output only once
    /// the transaction is durably committed. A backend may commit several
    /// callers' jobs in one transaction (group commit); each job still
    /// succeeds or fails on its own. `scope` names what the job may change;
    /// a backend shared by several hosts locks it first (see [`WriteScope`]).
    ///
    /// # Errors
    /// What the job returns, or a database error (then nothing was committed).
    fn write(&self, scope: WriteScope, job: WriteJob) -> Result<JobOutput>;

    /// Registers `listener` to be called after every commit that recorded
    /// events.
    fn on_commit(&self, listener: CommitListener);

    /// Whether [`Backend::on_commit`] hears every writer of the database.
    /// SQLite hears only its own process: another process writing the same
    /// file is seen by polling.
    fn hears_every_writer(&self) -> bool;

    /// Moves committed pages into the main database file and truncates any
    /// write-ahead log, so scrubbed bytes exist nowhere on disk (VER-04).
    ///
    /// # Errors
    /// A database error.
    fn checkpoint(&self) -> Result<()>;
}

/// A store's row plus the engine's bookkeeping for it.
#[derive(Debug, Clone)]
pub struct StoreRow {
    /// The store as the API shows it.
    pub store: MemoryStore,
    /// Live memories (MEM-09).
    pub memory_count: u64,
    /// Versions in the chain so far.
    pub chain_seq: u64,
    /// Link of the last version.
    pub chain_head: Hash,
}

/// A version about to be appended, with its chain fields computed.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    /// `memver_…`
    pub id: &'a str,
    /// The store.
    pub store_id: &'a str,
    /// Position in the store's chain.
    pub seq: u64,
    /// The memory.
    pub memory_id: &'a str,
    /// What changed.
    pub operation: Operation,
    /// The memory's path at this version.
    pub path: &'a str,
    /// Content (`None` for deletes).
    pub content: Option<&'a str>,
    /// Hex SHA-256 of the content.
    pub content_sha256: Option<&'a str>,
    /// When.
    pub created_at: Timestamp,
    /// Who.
    pub actor: &'a Actor,
    /// The agent of the session that wrote it, if it named one (issue 14);
    /// not part of the chain, which covers the actor.
    pub agent_id: Option<&'a str>,
    /// Commitment salt.
    pub salt: &'a Hash,
    /// Salted commitment.
    pub commitment: &'a Hash,
    /// Chain link.
    pub link: &'a Hash,
}

/// A version as stored, with whether it is still the head of a live memory.
#[derive(Debug, Clone)]
pub struct VersionRecord {
    /// The version, with content.
    pub version: MemoryVersion,
    /// Pruned versions exist only as chain skeletons.
    pub pruned: bool,
}

/// An event about to be recorded.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// What happened.
    pub event_type: EventType,
    /// The store.
    pub store_id: &'a str,
    /// The memory, if any.
    pub memory_id: Option<&'a str>,
    /// The version, if any.
    pub version_id: Option<&'a str>,
    /// The path, if any.
    pub path: Option<&'a str>,
    /// Who.
    pub actor: &'a Actor,
    /// The agent of the actor's session, if it named one (issue 14).
    pub agent_id: Option<&'a str>,
    /// When.
    pub created_at: Timestamp,
}

/// A slice of a store's memories in path (byte) order.
#[derive(Debug, Clone)]
pub struct PathRange<'a> {
    /// Where to start.
    pub start: Bound<&'a str>,
    /// Exclusive end, if any.
    pub end: Option<&'a str>,
    /// Most rows to return.
    pub limit: usize,
    /// Load content too.
    pub with_content: bool,
}

/// Queries available inside any transaction.
pub trait ReadTx: SessionReadTx + KeyReadTx {
    /// A store by id.
    fn store(&mut self, id: &str) -> Result<Option<StoreRow>>;

    /// Stores matching `q`, newest first, after the keyset position `before`
    /// (exclusive), at most `limit`; each with its keyset position.
    fn list_stores(
        &mut self,
        q: &StoreQuery,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, MemoryStore)>>;

    /// A live memory by id.
    fn memory(&mut self, store_id: &str, id: &str, with_content: bool) -> Result<Option<Memory>>;

    /// The live memory at exactly `path`.
    fn memory_at(
        &mut self,
        store_id: &str,
        path: &str,
        with_content: bool,
    ) -> Result<Option<Memory>>;

    /// Live memories whose paths fall in `range`, in path order.
    fn memories_in(&mut self, store_id: &str, range: &PathRange<'_>) -> Result<Vec<Memory>>;

    /// A version by id, pruned or not.
    fn version(&mut self, store_id: &str, id: &str) -> Result<Option<VersionRecord>>;

    /// The store a version belongs to, found by the version id alone.
    fn version_store(&mut self, id: &str) -> Result<Option<String>>;

    /// Unpruned versions matching `q`, newest first, after the keyset
    /// position `before` (exclusive), at most `limit`. One indexed query,
    /// also with `q.agent_id`.
    fn list_versions(
        &mut self,
        store_id: &str,
        q: &VersionQuery,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, MemoryVersion)>>;

    /// Chain rows of a store with `seq > after`, in order, at most `limit`.
    fn chain_rows(&mut self, store_id: &str, after: u64, limit: usize) -> Result<Vec<ChainRow>>;

    /// Events matching `q`, oldest first.
    fn list_events(&mut self, q: &EventQuery, limit: usize) -> Result<Vec<Event>>;
}

/// Changes available inside a write transaction.
pub trait WriteTx: ReadTx + SessionWriteTx + KeyWriteTx {
    /// Inserts a new store with an empty chain.
    fn insert_store(&mut self, store: &MemoryStore) -> Result<()>;

    /// Saves a store's name, description, metadata, `updated_at` and
    /// `archived_at`.
    fn update_store(&mut self, store: &MemoryStore) -> Result<()>;

    /// Deletes a store with all its memories, versions and events.
    fn delete_store(&mut self, id: &str) -> Result<()>;

    /// Appends a version and moves the store's chain head to it.
    fn append_version(&mut self, v: &NewVersion<'_>) -> Result<()>;

    /// Inserts a live memory or updates it (path, head, hash, size, time).
    fn put_memory(&mut self, m: &Memory) -> Result<()>;

    /// Removes a live memory (its versions stay).
    fn remove_memory(&mut self, store_id: &str, id: &str) -> Result<()>;

    /// Nulls a version's content, hash, size, path and salt, so the bytes
    /// leave the database; `redacted` records who did it, `None` marks a
    /// prune (VER-04, VER-06). Also scrubs the path from its events.
    fn scrub_version(
        &mut self,
        store_id: &str,
        id: &str,
        at: Timestamp,
        redacted_by: Option<&Actor>,
    ) -> Result<()>;

    /// Versions that retention may prune: created before `cutoff`, not the
    /// head of a live memory, and not among the `keep_recent` newest versions
    /// of a live memory (VER-06).
    fn prunable_versions(
        &mut self,
        cutoff: Timestamp,
        keep_recent: usize,
    ) -> Result<Vec<(String, String)>>;

    /// Records an event and returns its id.
    fn insert_event(&mut self, e: &NewEvent<'_>) -> Result<u64>;

    /// Starts a nested savepoint, so one step of a job can fail alone
    /// while the job's other steps still commit (a batch of a tool call's
    /// changes). Steps are sequential: one is ended before the next starts.
    fn begin_step(&mut self) -> Result<()>;

    /// Ends the savepoint [`WriteTx::begin_step`] started, keeping the
    /// step's changes when `keep`, else rolling them back.
    fn end_step(&mut self, keep: bool) -> Result<()>;
}
