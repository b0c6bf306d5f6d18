//! Copying a whole database into another, empty one, across backends
//! (DUR-06: `memstore migrate --from SRC --to DST`).
//!
//! Everything goes through the backend traits, so any backend copies into
//! any other. Versions keep their ids, actors, times, redactions and the
//! chain's stored commitments and links (the destination recomputes
//! nothing), so `audit verify` passes there exactly when it passed here.
//! API keys keep their hashes, sessions their ids, logs, shell state and
//! directories. Events keep everything but their numbers, which the
//! destination assigns in the same order.
//!
//! The source should not change while it is copied: stop the hosts first.
//! Each store is copied in transactions of [`CHUNK`] versions; a copy that
//! fails part-way leaves a destination to drop and copy into afresh, which
//! the emptiness check insists on.

use super::{Engine, store_row};
use crate::backend::{NewEvent, NewVersion, PathRange, WriteScope};
use crate::chain::{ChainRow, GENESIS};
use crate::engine::content_sha256;
use crate::error::{Result, StoreError};
use crate::model::{Actor, Event, EventQuery, MemoryStore, Timestamp, now};
use chrono::DateTime;
use std::ops::Bound;

/// Versions (or memories, or events) copied per write transaction.
pub const CHUNK: usize = 500;

/// What a copy moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CopyReport {
    /// Stores, archived ones included.
    pub stores: u64,
    /// Live memories.
    pub memories: u64,
    /// Versions, redacted and pruned ones included.
    pub versions: u64,
    /// Store events.
    pub events: u64,
    /// Sessions, ended ones included.
    pub sessions: u64,
    /// API keys, revoked ones included.
    pub api_keys: u64,
}

impl Engine {
    /// Copies everything this engine's database holds into `dst`'s, which
    /// must be empty. `progress` hears the running totals after each step.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when `dst` is not empty; a database error of
    /// either side (then `dst` holds part of the copy).
    pub fn copy_into(
        &self,
        dst: &Engine,
        progress: &mut dyn FnMut(&CopyReport),
    ) -> Result<CopyReport> {
        ensure_empty(dst)?;
        let mut report = CopyReport::default();
        self.copy_keys(dst, &mut report)?;
        progress(&report);
        self.copy_sessions(dst, &mut report, progress)?;
        for store in self.all_stores()? {
            self.copy_store(dst, &store, &mut report, progress)?;
        }
        self.copy_events(dst, &mut report, progress)?;
        Ok(report)
    }

    fn copy_keys(&self, dst: &Engine, report: &mut CopyReport) -> Result<()> {
        let keys = self.read(|tx| {
            let mut out = Vec::new();
            for key in tx.list_api_keys()? {
                let hash = tx.api_key_hash(&key.id)?.ok_or_else(|| {
                    StoreError::Corrupt(format!("API key {} has no hash", key.id))
                })?;
                out.push((key, hash));
            }
            Ok(out)
        })?;
        report.api_keys = keys.len() as u64;
        dst.write(WriteScope::none(), move |tx| {
            for (key, hash) in &keys {
                tx.insert_api_key(key, hash)?;
                if let Some(at) = key.revoked_at {
                    tx.revoke_api_key(&key.id, at)?;
                }
            }
            Ok(())
        })
    }

    fn copy_sessions(
        &self,
        dst: &Engine,
        report: &mut CopyReport,
        progress: &mut dyn FnMut(&CopyReport),
    ) -> Result<()> {
        let mut after = None;
        loop {
            let page = self.read(|tx| {
                let mut out = Vec::new();
                for (seq, session) in tx.all_sessions(after, CHUNK)? {
                    let events = tx.session_events(&session.id)?;
                    let dirs = tx.session_dirs(&session.id)?;
                    let shell = tx.session_shell(&session.id)?;
                    out.push((seq, session, events, dirs, shell));
                }
                Ok(out)
            })?;
            let Some((last, ..)) = page.last() else {
                return Ok(());
            };
            after = Some(*last);
            report.sessions += page.len() as u64;
            dst.write(WriteScope::none(), move |tx| {
                for (_, session, events, dirs, shell) in &page {
                    tx.insert_session(session)?;
                    for event in events {
                        tx.insert_session_event(event)?;
                    }
                    tx.set_session_dirs(&session.id, dirs)?;
                    if let Some(state) = shell {
                        tx.set_session_shell(&session.id, Some(state), session.created_at)?;
                    }
                    if let Some(at) = session.ended_at {
                        tx.end_session(&session.id, at)?;
                    }
                }
                Ok(())
            })?;
            progress(report);
        }
    }

    /// Every store, archived ones included, oldest first.
    fn all_stores(&self) -> Result<Vec<MemoryStore>> {
        let q = crate::model::StoreQuery {
            include_archived: true,
            ..Default::default()
        };
        let mut stores = Vec::new();
        let mut before = None;
        loop {
            let page = self.read(|tx| tx.list_stores(&q, before, CHUNK))?;
            let Some((last, _)) = page.last() else { break };
            before = Some(*last);
            stores.extend(page.into_iter().map(|(_, s)| s));
        }
        stores.reverse();
        Ok(stores)
    }

    fn copy_store(
        &self,
        dst: &Engine,
        store: &MemoryStore,
        report: &mut CopyReport,
        progress: &mut dyn FnMut(&CopyReport),
    ) -> Result<()> {
        let id = store.id.clone();
        let new = store.clone();
        dst.write(WriteScope::none(), move |tx| tx.insert_store(&new))?;
        report.stores += 1;

        let mut after = 0;
        loop {
            let rows = self.read(|tx| {
                let mut out = Vec::new();
                for row in tx.chain_rows(&id, after, CHUNK)? {
                    let record = tx.version(&id, &row.version_id)?.ok_or_else(|| {
                        StoreError::Corrupt(format!("version {} has no row", row.version_id))
                    })?;
                    let pruned_at = record.pruned.then(now);
                    out.push((row, record.version, pruned_at));
                }
                Ok(out)
            })?;
            let Some((last, ..)) = rows.last() else { break };
            after = last.seq;
            report.versions += rows.len() as u64;
            dst.write(WriteScope::store(&id), move |tx| {
                for (row, version, pruned_at) in &rows {
                    let agent = match &row.actor {
                        Actor::Session { session_id } => tx.session_agent_id(session_id)?,
                        _ => None,
                    };
                    append_copied(tx, row, agent.as_deref())?;
                    if let (Some(at), Some(by)) = (version.redacted_at, &version.redacted_by) {
                        tx.scrub_version(&row.store_id, &row.version_id, at, Some(by))?;
                    } else if let Some(at) = pruned_at {
                        tx.scrub_version(&row.store_id, &row.version_id, *at, None)?;
                    }
                }
                Ok(())
            })?;
            progress(report);
        }

        let mut from = String::new();
        loop {
            let start = if from.is_empty() {
                Bound::Unbounded
            } else {
                Bound::Excluded(from.as_str())
            };
            let range = PathRange {
                start,
                end: None,
                limit: CHUNK,
                with_content: false,
            };
            let memories = self.read(|tx| tx.memories_in(&id, &range))?;
            let Some(last) = memories.last() else { break };
            from = last.path.clone();
            report.memories += memories.len() as u64;
            dst.write(WriteScope::store(&id), move |tx| {
                for m in &memories {
                    tx.put_memory(m)?;
                }
                Ok(())
            })?;
        }
        // What the destination now records must be what the source does.
        let (want, got) = (
            self.read(|tx| store_row(tx, &id))?,
            dst.read(|tx| store_row(tx, &id))?,
        );
        if (want.chain_seq, want.chain_head, want.memory_count)
            != (got.chain_seq, got.chain_head, got.memory_count)
        {
            return Err(StoreError::Corrupt(format!(
                "store {id} did not copy whole: the source has {} versions and {} memories, \
                 the destination {} and {}",
                want.chain_seq, want.memory_count, got.chain_seq, got.memory_count
            )));
        }
        progress(report);
        Ok(())
    }

    fn copy_events(
        &self,
        dst: &Engine,
        report: &mut CopyReport,
        progress: &mut dyn FnMut(&CopyReport),
    ) -> Result<()> {
        let mut q = EventQuery::default();
        loop {
            let events = self.read(|tx| tx.list_events(&q, CHUNK))?;
            let Some(last) = events.last() else {
                return Ok(());
            };
            q.after = Some(last.id);
            report.events += events.len() as u64;
            dst.write(WriteScope::none(), move |tx| {
                for e in &events {
                    tx.insert_event(&new_event(e))?;
                }
                Ok(())
            })?;
            progress(report);
        }
    }
}

/// Refuses a destination that holds anything: a copy merges nothing.
fn ensure_empty(dst: &Engine) -> Result<()> {
    let held = dst.read(|tx| {
        let q = crate::model::StoreQuery {
            include_archived: true,
            ..Default::default()
        };
        Ok(!tx.list_stores(&q, None, 1)?.is_empty()
            || !tx.all_sessions(None, 1)?.is_empty()
            || !tx.list_api_keys()?.is_empty()
            || !tx.list_events(&EventQuery::default(), 1)?.is_empty())
    })?;
    if held {
        return Err(StoreError::invalid(
            "to",
            "the destination database is not empty; migrate copies into a new database only",
        ));
    }
    Ok(())
}

/// Appends a version exactly as the source stored it: its salt,
/// commitment and link are copied, not recomputed.
fn append_copied(
    tx: &mut dyn crate::backend::WriteTx,
    row: &ChainRow,
    agent_id: Option<&str>,
) -> Result<()> {
    let opening = row.opening.as_ref();
    let content = opening.and_then(|o| o.content.as_deref());
    let sha = content.map(content_sha256);
    let created_at = timestamp(row.created_at_micros)?;
    tx.append_version(&NewVersion {
        id: &row.version_id,
        store_id: &row.store_id,
        seq: row.seq,
        memory_id: &row.memory_id,
        operation: row.operation,
        path: opening.map_or("", |o| o.path.as_str()),
        content,
        content_sha256: sha.as_deref(),
        created_at,
        actor: &row.actor,
        agent_id,
        // A scrubbed version is scrubbed again right after; its salt is gone.
        salt: opening.map_or(&GENESIS, |o| &o.salt),
        commitment: &row.commitment,
        link: &row.link,
    })
}

fn new_event(e: &Event) -> NewEvent<'_> {
    NewEvent {
        event_type: e.event_type,
        store_id: &e.memory_store_id,
        memory_id: e.memory_id.as_deref(),
        version_id: e.memory_version_id.as_deref(),
        path: e.path.as_deref(),
        actor: &e.actor,
        agent_id: e.agent_id.as_deref(),
        created_at: e.created_at,
    }
}

fn timestamp(micros: i64) -> Result<Timestamp> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::Corrupt(format!("a version's time {micros} is out of range")))
}
