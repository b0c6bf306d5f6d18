//! The store engine: every rule of stores, memories and versions
//! (STORE, MEM, VER), applied over any [`Backend`].
//!
//! Each public method validates its input first, then runs one read or one
//! write transaction; a write returns only after it is durably committed.
//! [`Engine::apply_batch`] runs several changes in one write transaction.
//! Callers (CLI, HTTP API, sandbox VFS) check grants — workspaces, mount
//! access — before calling; the engine checks only what the data says
//! (archived stores, preconditions, conflicts, capacity).

mod batch;
mod copy;
mod history;
mod keys;
mod memories;
pub mod sessions;
mod stores;

pub use batch::{Applied, BatchOp, Decide, Decision};
pub use copy::CopyReport;

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::backend::{Backend, NewEvent, NewVersion, ReadTx, StoreRow, WriteScope, WriteTx};
use crate::chain;
use crate::error::{Result, StoreError};
use crate::ids::{self, VERSION_PREFIX};
use crate::limits::{DEFAULT_PAGE_LIMIT, EngineConfig, MAX_PAGE_LIMIT};
use crate::model::{Actor, Change, EventType, Operation, Page, Timestamp};

/// The memory-store engine. Cheap to clone; clones share the backend.
#[derive(Clone)]
pub struct Engine {
    backend: Arc<dyn Backend>,
    config: Arc<EngineConfig>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .finish()
    }
}

impl Engine {
    /// An engine over any backend.
    pub fn with_backend(backend: Arc<dyn Backend>, config: EngineConfig) -> Self {
        Self {
            backend,
            config: Arc::new(config),
        }
    }

    /// The engine's configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Moves all committed data into the main database file and truncates
    /// the write-ahead log.
    ///
    /// # Errors
    /// A database error.
    pub fn checkpoint(&self) -> Result<()> {
        self.backend.checkpoint()
    }

    /// Calls `listener` after every commit that recorded events (see
    /// [`crate::backend::CommitListener`]); event streams wake on it.
    pub fn on_commit(&self, listener: impl Fn() + Send + Sync + 'static) {
        self.backend.on_commit(Arc::new(listener));
    }

    /// Whether [`Engine::on_commit`] hears every writer of the database;
    /// when not (SQLite written by another process too), a stream must also
    /// look for events now and then.
    pub fn hears_every_writer(&self) -> bool {
        self.backend.hears_every_writer()
    }

    fn read<R>(&self, f: impl FnOnce(&mut dyn ReadTx) -> Result<R>) -> Result<R> {
        let mut f = Some(f);
        let mut out = None;
        self.backend.read(&mut |tx| {
            let f = f.take().expect("backends run a read closure once");
            out = Some(f(tx)?);
            Ok(())
        })?;
        Ok(out.expect("the read closure ran"))
    }

    /// Runs `f` in a write transaction that may change what `scope` names.
    fn write<R: Send + 'static>(
        &self,
        scope: WriteScope,
        f: impl FnOnce(&mut dyn WriteTx) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let out = self
            .backend
            .write(scope, Box::new(move |tx| Ok(Box::new(f(tx)?))))?;
        Ok(*out
            .downcast::<R>()
            .expect("a write job's output has the job's type"))
    }
}

/// Lowercase hex SHA-256 of `content`'s bytes (MEM-01).
pub fn content_sha256(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// Checks that a precondition hash looks like one: a malformed hash is a bad
/// request (400), not a mismatch (409).
///
/// # Errors
/// [`StoreError::Invalid`] unless `hash` is 64 lowercase hex characters.
pub fn validate_sha256(hash: &str) -> Result<()> {
    let well_formed =
        hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if well_formed {
        return Ok(());
    }
    Err(StoreError::invalid(
        "content_sha256",
        format!("{hash:?} is not a SHA-256 hash; expected 64 lowercase hexadecimal characters"),
    ))
}

fn store_row(tx: &mut dyn ReadTx, id: &str) -> Result<StoreRow> {
    tx.store(id)?
        .ok_or_else(|| StoreError::StoreNotFound(id.to_owned()))
}

/// A store whose memories may be created or changed: it exists and is not
/// archived (STORE-03).
fn writable_store(tx: &mut dyn WriteTx, id: &str) -> Result<StoreRow> {
    let row = store_row(tx, id)?;
    if row.store.is_archived() {
        return Err(StoreError::Archived(id.to_owned()));
    }
    Ok(row)
}

/// One new version of a memory, chained and recorded as an event.
struct VersionDraft<'a> {
    memory_id: &'a str,
    operation: Operation,
    path: &'a str,
    content: Option<&'a str>,
    actor: &'a Actor,
    at: Timestamp,
    /// An id the caller reserved for this version; a fresh one when `None`.
    id: Option<&'a str>,
}

/// Appends a version to the store's chain (VER-01, VER-07) and its event
/// (VER-08); `store` tracks the new chain head for later appends in the
/// same transaction.
fn append_version(
    tx: &mut dyn WriteTx,
    store: &mut StoreRow,
    draft: VersionDraft<'_>,
) -> Result<Change> {
    let id = draft
        .id
        .map_or_else(|| ids::new_id(VERSION_PREFIX), str::to_owned);
    let seq = store.chain_seq + 1;
    let salt: chain::Hash = ids::random_bytes();
    let sha = draft.content.map(content_sha256);
    let commitment = chain::commitment(&salt, draft.path, draft.content);
    let agent_id = actor_agent(tx, draft.actor)?;
    let link = chain::link(
        &store.chain_head,
        &chain::LinkFields {
            seq,
            store_id: &store.store.id,
            version_id: &id,
            memory_id: draft.memory_id,
            operation: draft.operation,
            created_at_micros: draft.at.timestamp_micros(),
            actor: draft.actor,
        },
        &commitment,
    );
    tx.append_version(&NewVersion {
        id: &id,
        store_id: &store.store.id,
        seq,
        memory_id: draft.memory_id,
        operation: draft.operation,
        path: draft.path,
        content: draft.content,
        content_sha256: sha.as_deref(),
        created_at: draft.at,
        actor: draft.actor,
        agent_id: agent_id.as_deref(),
        salt: &salt,
        commitment: &commitment,
        link: &link,
    })?;
    tx.insert_event(&NewEvent {
        event_type: EventType::for_operation(draft.operation),
        store_id: &store.store.id,
        memory_id: Some(draft.memory_id),
        version_id: Some(&id),
        path: Some(draft.path),
        actor: draft.actor,
        agent_id: agent_id.as_deref(),
        created_at: draft.at,
    })?;
    store.chain_seq = seq;
    store.chain_head = link;
    Ok(Change {
        path: draft.path.to_owned(),
        version_id: id,
        memory_id: draft.memory_id.to_owned(),
        operation: draft.operation,
    })
}

/// The agent a change by `actor` is recorded under (issue 14): a session's
/// agent, if the session named one; nobody else acts for an agent.
fn actor_agent(tx: &mut dyn ReadTx, actor: &Actor) -> Result<Option<String>> {
    match actor {
        Actor::Session { session_id } => tx.session_agent_id(session_id),
        _ => Ok(None),
    }
}

/// The page size to use: 1..=`max`, default 20 (API-03).
fn page_limit(requested: usize, max: usize) -> Result<usize> {
    match requested {
        0 => Ok(DEFAULT_PAGE_LIMIT.min(max)),
        n if n > MAX_PAGE_LIMIT => Err(StoreError::invalid(
            "limit",
            format!("{n} is over the maximum page size of {MAX_PAGE_LIMIT}"),
        )),
        n => Ok(n.min(max)),
    }
}

/// Builds a page from rows fetched with `limit + 1`: the extra row only says
/// that another page exists.
fn page_of<K: serde::Serialize, T>(mut rows: Vec<(K, T)>, limit: usize) -> Page<T> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_page = more
        .then(|| rows.last().map(|(k, _)| crate::cursor::encode(k)))
        .flatten();
    Page {
        data: rows.into_iter().map(|(_, t)| t).collect(),
        next_page,
    }
}
