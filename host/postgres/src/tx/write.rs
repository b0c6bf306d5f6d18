//! Changes of [`PgTx`].

use super::{PgTx, col, int, limit, micros, storable};
use memstore_store::backend::{NewEvent, NewVersion, WriteTx};
use memstore_store::chain::GENESIS;
use memstore_store::error::Result;
use memstore_store::model::{Actor, Memory, MemoryStore, Timestamp};

fn metadata_json(store: &MemoryStore) -> String {
    serde_json::to_string(&store.metadata).expect("string maps serialise")
}

impl WriteTx for PgTx<'_, '_> {
    fn insert_store(&mut self, s: &MemoryStore) -> Result<()> {
        storable("description", &s.description)?;
        self.exec(
            "creating a store",
            "INSERT INTO stores (id, workspace_id, name, description, metadata, created_at, \
             updated_at, archived_at, chain_head) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &s.id,
                &s.workspace_id,
                &s.name,
                &s.description,
                &metadata_json(s),
                &micros(s.created_at),
                &micros(s.updated_at),
                &s.archived_at.map(micros),
                &&GENESIS[..],
            ],
        )?;
        Ok(())
    }

    fn update_store(&mut self, s: &MemoryStore) -> Result<()> {
        storable("description", &s.description)?;
        self.exec(
            "updating a store",
            "UPDATE stores SET name = $2, description = $3, metadata = $4, updated_at = $5, \
             archived_at = $6 WHERE id = $1",
            &[
                &s.id,
                &s.name,
                &s.description,
                &metadata_json(s),
                &micros(s.updated_at),
                &s.archived_at.map(micros),
            ],
        )?;
        Ok(())
    }

    fn delete_store(&mut self, id: &str) -> Result<()> {
        for sql in [
            "DELETE FROM events WHERE store_id = $1",
            "DELETE FROM memories WHERE store_id = $1",
            "DELETE FROM versions WHERE store_id = $1",
            "DELETE FROM stores WHERE id = $1",
        ] {
            self.exec("deleting a store", sql, &[&id])?;
        }
        Ok(())
    }

    fn append_version(&mut self, v: &NewVersion<'_>) -> Result<()> {
        if let Some(content) = v.content {
            storable("content", content)?;
        }
        self.exec(
            "appending a version",
            "INSERT INTO versions (id, store_id, chain_seq, memory_id, operation, path, content, \
             content_sha256, content_size, created_at, actor_type, actor_id, salt, commitment, \
             link, agent_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            &[
                &v.id,
                &v.store_id,
                &int(v.seq),
                &v.memory_id,
                &v.operation.as_str(),
                &v.path,
                &v.content,
                &v.content_sha256,
                &v.content.map(|c| limit(c.len())),
                &micros(v.created_at),
                &v.actor.type_tag(),
                &v.actor.id(),
                &&v.salt[..],
                &&v.commitment[..],
                &&v.link[..],
                &v.agent_id,
            ],
        )?;
        self.exec(
            "moving the chain head",
            "UPDATE stores SET chain_seq = $2, chain_head = $3 WHERE id = $1",
            &[&v.store_id, &int(v.seq), &&v.link[..]],
        )?;
        Ok(())
    }

    fn put_memory(&mut self, m: &Memory) -> Result<()> {
        let updated = self.exec(
            "updating a memory",
            "UPDATE memories SET path = $3, head_version = $4, content_sha256 = $5, \
             content_size = $6, updated_at = $7 WHERE store_id = $1 AND id = $2",
            &[
                &m.memory_store_id,
                &m.id,
                &m.path,
                &m.memory_version_id,
                &m.content_sha256,
                &int(m.content_size_bytes),
                &micros(m.updated_at),
            ],
        )?;
        if updated == 0 {
            self.exec(
                "creating a memory",
                "INSERT INTO memories (id, store_id, path, head_version, content_sha256, \
                 content_size, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &m.id,
                    &m.memory_store_id,
                    &m.path,
                    &m.memory_version_id,
                    &m.content_sha256,
                    &int(m.content_size_bytes),
                    &micros(m.created_at),
                    &micros(m.updated_at),
                ],
            )?;
            self.exec(
                "counting memories",
                "UPDATE stores SET memory_count = memory_count + 1 WHERE id = $1",
                &[&m.memory_store_id],
            )?;
        }
        Ok(())
    }

    fn remove_memory(&mut self, store_id: &str, id: &str) -> Result<()> {
        let removed = self.exec(
            "deleting a memory",
            "DELETE FROM memories WHERE store_id = $1 AND id = $2",
            &[&store_id, &id],
        )?;
        if removed > 0 {
            self.exec(
                "counting memories",
                "UPDATE stores SET memory_count = memory_count - 1 WHERE id = $1",
                &[&store_id],
            )?;
        }
        Ok(())
    }

    fn scrub_version(
        &mut self,
        store_id: &str,
        id: &str,
        at: Timestamp,
        redacted_by: Option<&Actor>,
    ) -> Result<()> {
        // The UPDATE leaves the old row version (with the content) behind
        // until VACUUM removes it: the engine calls `checkpoint` next.
        const SCRUB: &str = "path = NULL, content = NULL, content_sha256 = NULL, \
                             content_size = NULL, salt = NULL";
        match redacted_by {
            Some(by) => self.exec(
                "redacting a version",
                &format!(
                    "UPDATE versions SET {SCRUB}, redacted_at = $3, redactor_type = $4, \
                     redactor_id = $5 WHERE store_id = $1 AND id = $2"
                ),
                &[&store_id, &id, &micros(at), &by.type_tag(), &by.id()],
            )?,
            None => self.exec(
                "pruning a version",
                &format!(
                    "UPDATE versions SET {SCRUB}, pruned_at = $3 \
                     WHERE store_id = $1 AND id = $2"
                ),
                &[&store_id, &id, &micros(at)],
            )?,
        };
        self.exec(
            "scrubbing a version's events",
            "UPDATE events SET path = NULL WHERE version_id = $1",
            &[&id],
        )?;
        Ok(())
    }

    fn prunable_versions(
        &mut self,
        cutoff: Timestamp,
        keep_recent: usize,
    ) -> Result<Vec<(String, String)>> {
        // A version survives while its memory is live and fewer than
        // `keep_recent` newer versions of that memory exist (so the head,
        // always the newest, survives too).
        let sql = "SELECT v.store_id, v.id FROM versions v \
                   WHERE v.pruned_at IS NULL AND v.created_at < $1 \
                   AND NOT (EXISTS (SELECT 1 FROM memories m \
                                    WHERE m.store_id = v.store_id AND m.id = v.memory_id) \
                        AND (SELECT COUNT(*) FROM versions w \
                             WHERE w.store_id = v.store_id AND w.memory_id = v.memory_id \
                             AND w.seq > v.seq) < $2)";
        self.rows(
            "finding prunable versions",
            sql,
            &[&micros(cutoff), &limit(keep_recent)],
        )?
        .iter()
        .map(|r| Ok((col(r, 0)?, col(r, 1)?)))
        .collect()
    }

    /// Inserts the event without its horizon, which the writer sets for
    /// the whole batch just before it commits (see `writer.rs`), once every
    /// event id of the batch has been drawn.
    fn insert_event(&mut self, e: &NewEvent<'_>) -> Result<u64> {
        let session = match e.actor {
            Actor::Session { session_id } => Some(session_id.as_str()),
            _ => None,
        };
        let row = self.row(
            "recording an event",
            "INSERT INTO events (type, store_id, session_id, memory_id, version_id, path, \
             actor_type, actor_id, created_at, agent_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            &[
                &e.event_type.as_str(),
                &e.store_id,
                &session,
                &e.memory_id,
                &e.version_id,
                &e.path,
                &e.actor.type_tag(),
                &e.actor.id(),
                &micros(e.created_at),
                &e.agent_id,
            ],
        )?;
        let id: i64 = row.map(|r| col(&r, 0)).transpose()?.unwrap_or_default();
        if let Some(drawn) = self.drawn.as_deref_mut() {
            drawn.push(id);
        }
        Ok(u64::try_from(id).unwrap_or(0))
    }

    fn begin_step(&mut self) -> Result<()> {
        // Named apart from the writer's `job` savepoint around the whole job.
        self.batch("starting a step of a write", "SAVEPOINT step")
    }

    /// A failed statement leaves a PostgreSQL transaction aborted until a
    /// rollback to a savepoint: rolling the step back also makes the
    /// transaction usable again for the job's next step.
    fn end_step(&mut self, keep: bool) -> Result<()> {
        let sql = if keep {
            "RELEASE step"
        } else {
            "ROLLBACK TO step; RELEASE step"
        };
        self.batch("ending a step of a write", sql)
    }
}
