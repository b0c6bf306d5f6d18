//! History (VER-01..08): version listing, redaction, rollback, retention,
//! the audit-chain walk and the event log.

use super::sessions::validate_agent_id;
use super::{Engine, actor_agent, memories, page_limit, page_of, store_row};
use crate::backend::{NewEvent, WriteScope};
use crate::chain::Verifier;
use crate::cursor;
use crate::error::{Result, StoreError};
use crate::limits::{DEFAULT_PAGE_LIMIT, MAX_FULL_VIEW_LIMIT, MAX_PAGE_LIMIT};
use crate::model::{
    Actor, ChainReport, Event, EventQuery, EventType, MemoryVersion, Operation, Page, PruneReport,
    VersionQuery, View, WriteOutcome, now,
};

/// Versions read per round trip while verifying a chain.
const VERIFY_CHUNK: usize = 1_000;

impl Engine {
    /// Lists a store's versions newest first (VER-03). Versions outlive their
    /// memory's deletion; pruned ones are gone from listings.
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`], [`StoreError::Invalid`] for a bad
    /// limit, cursor or `agent_id`.
    pub fn list_versions(&self, store_id: &str, q: &VersionQuery) -> Result<Page<MemoryVersion>> {
        if let Some(agent_id) = &q.agent_id {
            validate_agent_id("agent_id", agent_id)?;
        }
        let max = match q.view {
            View::Full => MAX_FULL_VIEW_LIMIT,
            View::Basic => MAX_PAGE_LIMIT,
        };
        let limit = page_limit(q.limit, max)?;
        let before = q.page.as_deref().map(cursor::decode::<i64>).transpose()?;
        let mut rows = self.read(|tx| {
            store_row(tx, store_id)?;
            tx.list_versions(store_id, q, before, limit + 1)
        })?;
        if q.view == View::Basic {
            rows.iter_mut().for_each(|(_, v)| v.content = None);
        }
        Ok(page_of(rows, limit))
    }

    /// A version by id; redacted versions are returned with their content
    /// fields null (VER-04), pruned ones are not found.
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`], [`StoreError::VersionNotFound`].
    pub fn version(&self, store_id: &str, version_id: &str) -> Result<MemoryVersion> {
        self.read(|tx| {
            store_row(tx, store_id)?;
            match tx.version(store_id, version_id)? {
                Some(r) if !r.pruned => Ok(r.version),
                _ => Err(StoreError::VersionNotFound(version_id.to_owned())),
            }
        })
    }

    /// The id of the store holding `version_id`, for callers that only
    /// have the version id (version ids are unique across stores).
    ///
    /// # Errors
    /// [`StoreError::VersionNotFound`].
    pub fn version_store(&self, version_id: &str) -> Result<String> {
        self.read(|tx| tx.version_store(version_id))?
            .ok_or_else(|| StoreError::VersionNotFound(version_id.to_owned()))
    }

    /// Redacts a historical version: its content, hash, size and path leave
    /// the database file (VER-04). Idempotent. The head of a live memory
    /// cannot be redacted.
    ///
    /// # Errors
    /// [`StoreError::VersionNotFound`], [`StoreError::HeadNotRedactable`].
    pub fn redact_version(
        &self,
        store_id: &str,
        version_id: &str,
        actor: &Actor,
    ) -> Result<MemoryVersion> {
        let (store_id, version_id, actor) =
            (store_id.to_owned(), version_id.to_owned(), actor.clone());
        let version = self.write(WriteScope::store(&store_id), move |tx| {
            store_row(tx, &store_id)?;
            let record = tx
                .version(&store_id, &version_id)?
                .filter(|r| !r.pruned)
                .ok_or_else(|| StoreError::VersionNotFound(version_id.clone()))?;
            let v = record.version;
            if v.redacted_at.is_some() {
                return Ok(v);
            }
            if let Some(m) = tx.memory(&store_id, &v.memory_id, false)?
                && m.memory_version_id == v.id
            {
                return Err(StoreError::HeadNotRedactable {
                    version_id,
                    memory_id: m.id,
                });
            }
            let at = now();
            tx.scrub_version(&store_id, &version_id, at, Some(&actor))?;
            let agent_id = actor_agent(tx, &actor)?;
            tx.insert_event(&NewEvent {
                event_type: EventType::VersionRedacted,
                store_id: &store_id,
                memory_id: Some(&v.memory_id),
                version_id: Some(&version_id),
                path: None,
                actor: &actor,
                agent_id: agent_id.as_deref(),
                created_at: at,
            })?;
            Ok(MemoryVersion {
                path: None,
                content: None,
                content_sha256: None,
                content_size_bytes: None,
                redacted_at: Some(at),
                redacted_by: Some(actor),
                ..v
            })
        })?;
        // Until a checkpoint, the old page images still sit in the WAL.
        self.checkpoint()?;
        Ok(version)
    }

    /// Writes an old version's content back as the memory's new head, or
    /// brings a deleted memory back (same id) at that version's path (VER-05).
    ///
    /// # Errors
    /// [`StoreError::VersionNotFound`], [`StoreError::Invalid`] for a
    /// redacted or `deleted` version, plus those of a write.
    pub fn rollback(
        &self,
        store_id: &str,
        version_id: &str,
        actor: &Actor,
    ) -> Result<WriteOutcome> {
        let engine = self.clone();
        let (store_id, version_id, actor) =
            (store_id.to_owned(), version_id.to_owned(), actor.clone());
        self.write(WriteScope::store(&store_id), move |tx| {
            let v = tx
                .version(&store_id, &version_id)?
                .filter(|r| !r.pruned)
                .ok_or_else(|| StoreError::VersionNotFound(version_id.clone()))?
                .version;
            let (Some(path), Some(content)) = (v.path, v.content) else {
                let why = if v.operation == Operation::Deleted {
                    "records a deletion and has no content; roll back to the version before it"
                } else {
                    "is redacted and its content is gone"
                };
                return Err(StoreError::invalid(
                    "version",
                    format!("{version_id} {why}"),
                ));
            };
            memories::restore(&engine, tx, &store_id, &actor, &v.memory_id, &path, content)
        })
    }

    /// Walks a store's audit chain and reports the first broken link (VER-07).
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`] or a database error; a broken chain is
    /// a report, not an error.
    pub fn verify_chain(&self, store_id: &str) -> Result<ChainReport> {
        self.read(|tx| {
            let store = store_row(tx, store_id)?;
            let mut verifier = Verifier::default();
            let mut after = 0;
            loop {
                let rows = tx.chain_rows(store_id, after, VERIFY_CHUNK)?;
                let Some(last) = rows.last() else { break };
                after = last.seq;
                rows.iter().for_each(|r| verifier.push(r));
                if rows.len() < VERIFY_CHUNK {
                    break;
                }
            }
            let (checked, first_broken) = verifier.finish(&store.chain_head, store.chain_seq);
            Ok(ChainReport {
                memory_store_id: store_id.to_owned(),
                ok: first_broken.is_none(),
                versions_checked: checked,
                head: hex::encode(store.chain_head),
                first_broken,
            })
        })
    }

    /// Applies retention (VER-06): versions older than the configured age
    /// lose their content and leave listings, except each live memory's head
    /// and its most recent versions. Their chain links stay, so the chain
    /// still verifies.
    ///
    /// # Errors
    /// A database error.
    pub fn prune(&self, at: crate::model::Timestamp) -> Result<PruneReport> {
        let age = chrono::Duration::from_std(self.config.retention_age)
            .map_err(|e| StoreError::invalid("retention_age", e.to_string()))?;
        let cutoff = at - age;
        let keep = self.config.retention_keep_recent.max(1);
        let report = self.write(WriteScope::every_store(), move |tx| {
            let doomed = tx.prunable_versions(cutoff, keep)?;
            for (store_id, version_id) in &doomed {
                tx.scrub_version(store_id, version_id, at, None)?;
            }
            Ok(PruneReport {
                versions_pruned: doomed.len() as u64,
            })
        })?;
        if report.versions_pruned > 0 {
            self.checkpoint()?;
        }
        Ok(report)
    }

    /// Events in order of occurrence (VER-08).
    ///
    /// # Errors
    /// [`StoreError::StoreNotFound`] when filtering on an unknown store,
    /// [`StoreError::Invalid`] for a bad `agent_id`.
    pub fn events(&self, q: &EventQuery) -> Result<Vec<Event>> {
        if let Some(agent_id) = &q.agent_id {
            validate_agent_id("agent_id", agent_id)?;
        }
        let limit = match q.limit {
            0 => DEFAULT_PAGE_LIMIT,
            n => n.min(MAX_PAGE_LIMIT * 10),
        };
        self.read(|tx| {
            if let Some(store_id) = &q.memory_store_id {
                store_row(tx, store_id)?;
            }
            tx.list_events(q, limit)
        })
    }
}
