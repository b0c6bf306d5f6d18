//! Queries of [`PgTx`].

use std::ops::Bound;
use std::sync::atomic::Ordering;

use postgres::Row;

use super::{
    MEMORY_COLUMNS, PgTx, Sql, VERSION_COLUMNS, actor, col, hash, int, limit, memory_from_row,
    micros, opt_timestamp, timestamp, uint, version_from_row,
};
use memstore_store::backend::{PathRange, ReadTx, StoreRow, VersionRecord};
use memstore_store::chain::{ChainRow, Opening};
use memstore_store::error::{Result, StoreError};
use memstore_store::model::{
    Event, EventQuery, EventType, Memory, MemoryStore, MemoryVersion, Operation, StoreQuery,
    VersionQuery, View,
};

const STORE_COLUMNS: &str = "seq, id, workspace_id, name, description, metadata, created_at, \
     updated_at, archived_at, memory_count, chain_seq, chain_head";

fn store_from_row(row: &Row) -> Result<(i64, StoreRow)> {
    let metadata: String = col(row, 5)?;
    let store = MemoryStore {
        id: col(row, 1)?,
        workspace_id: col(row, 2)?,
        name: col(row, 3)?,
        description: col(row, 4)?,
        metadata: serde_json::from_str(&metadata)
            .map_err(|e| StoreError::Corrupt(format!("unreadable store metadata: {e}")))?,
        created_at: timestamp(col(row, 6)?)?,
        updated_at: timestamp(col(row, 7)?)?,
        archived_at: opt_timestamp(col(row, 8)?)?,
    };
    Ok((
        col(row, 0)?,
        StoreRow {
            store,
            memory_count: uint(col(row, 9)?)?,
            chain_seq: uint(col(row, 10)?)?,
            chain_head: hash(col(row, 11)?)?,
        },
    ))
}

/// A memory query: with content it joins the head version.
fn memory_select(with_content: bool, filter: &str) -> String {
    if with_content {
        format!(
            "SELECT {MEMORY_COLUMNS}, v.content FROM memories m \
             JOIN versions v ON v.id = m.head_version WHERE {filter}"
        )
    } else {
        format!("SELECT {MEMORY_COLUMNS} FROM memories m WHERE {filter}")
    }
}

impl ReadTx for PgTx<'_, '_> {
    fn store(&mut self, id: &str) -> Result<Option<StoreRow>> {
        let sql = format!("SELECT {STORE_COLUMNS} FROM stores WHERE id = $1");
        self.row("reading a store", &sql, &[&id])?
            .map(|r| store_from_row(&r).map(|(_, row)| row))
            .transpose()
    }

    fn list_stores(
        &mut self,
        q: &StoreQuery,
        before: Option<i64>,
        n: usize,
    ) -> Result<Vec<(i64, MemoryStore)>> {
        let mut sql = Sql::new(format!("SELECT {STORE_COLUMNS} FROM stores WHERE TRUE"));
        if let Some(w) = &q.workspace_id {
            sql.bind(" AND workspace_id = ", w.clone());
        }
        if !q.include_archived {
            sql.push(" AND archived_at IS NULL");
        }
        if let Some(t) = q.created_gte {
            sql.bind(" AND created_at >= ", micros(t));
        }
        if let Some(t) = q.created_lte {
            sql.bind(" AND created_at <= ", micros(t));
        }
        if let Some(b) = before {
            sql.bind(" AND seq < ", b);
        }
        sql.bind(" ORDER BY seq DESC LIMIT ", limit(n));
        self.rows_of("listing stores", &sql)?
            .iter()
            .map(|r| store_from_row(r).map(|(seq, row)| (seq, row.store)))
            .collect()
    }

    fn memory(&mut self, store_id: &str, id: &str, with_content: bool) -> Result<Option<Memory>> {
        let sql = memory_select(with_content, "m.store_id = $1 AND m.id = $2");
        self.row("reading a memory", &sql, &[&store_id, &id])?
            .map(|r| memory_from_row(&r, with_content))
            .transpose()
    }

    fn memory_at(
        &mut self,
        store_id: &str,
        path: &str,
        with_content: bool,
    ) -> Result<Option<Memory>> {
        let sql = memory_select(with_content, "m.store_id = $1 AND m.path = $2");
        self.row("reading a memory by path", &sql, &[&store_id, &path])?
            .map(|r| memory_from_row(&r, with_content))
            .transpose()
    }

    fn memories_in(&mut self, store_id: &str, range: &PathRange<'_>) -> Result<Vec<Memory>> {
        let (start_op, start) = match range.start {
            Bound::Included(s) => (">=", s),
            Bound::Excluded(s) => (">", s),
            Bound::Unbounded => (">=", ""),
        };
        // Paths compare in byte order: the column is COLLATE "C".
        let mut filter = Sql::new("");
        filter.bind("m.store_id = ", store_id.to_owned());
        filter.bind(&format!(" AND m.path {start_op} "), start.to_owned());
        if let Some(end) = range.end {
            filter.bind(" AND m.path < ", end.to_owned());
        }
        filter.bind(" ORDER BY m.path LIMIT ", limit(range.limit));
        let sql = Sql {
            text: memory_select(range.with_content, &filter.text),
            args: filter.args,
        };
        self.rows_of("listing memories", &sql)?
            .iter()
            .map(|r| memory_from_row(r, range.with_content))
            .collect()
    }

    fn version(&mut self, store_id: &str, id: &str) -> Result<Option<VersionRecord>> {
        let sql = format!("SELECT {VERSION_COLUMNS} FROM versions WHERE store_id = $1 AND id = $2");
        self.row("reading a version", &sql, &[&store_id, &id])?
            .map(|r| {
                version_from_row(&r).map(|(_, version, pruned)| VersionRecord { version, pruned })
            })
            .transpose()
    }

    fn version_store(&mut self, id: &str) -> Result<Option<String>> {
        self.row(
            "finding a version's store",
            "SELECT store_id FROM versions WHERE id = $1",
            &[&id],
        )?
        .map(|r| col(&r, 0))
        .transpose()
    }

    fn list_versions(
        &mut self,
        store_id: &str,
        q: &VersionQuery,
        before: Option<i64>,
        n: usize,
    ) -> Result<Vec<(i64, MemoryVersion)>> {
        let sql = version_list_sql(store_id, q, before, n);
        self.rows_of("listing versions", &sql)?
            .iter()
            .map(|r| version_from_row(r).map(|(seq, v, _)| (seq, v)))
            .collect()
    }

    fn chain_rows(&mut self, store_id: &str, after: u64, n: usize) -> Result<Vec<ChainRow>> {
        let sql = "SELECT chain_seq, id, memory_id, operation, created_at, actor_type, actor_id, \
                   commitment, link, salt, path, content FROM versions \
                   WHERE store_id = $1 AND chain_seq > $2 ORDER BY chain_seq LIMIT $3";
        let rows = self.rows(
            "reading the audit chain",
            sql,
            &[&store_id, &int(after), &limit(n)],
        )?;
        rows.iter()
            .map(|r| {
                let operation: String = col(r, 3)?;
                let salt: Option<Vec<u8>> = col(r, 9)?;
                Ok(ChainRow {
                    seq: uint(col(r, 0)?)?,
                    store_id: store_id.to_owned(),
                    version_id: col(r, 1)?,
                    memory_id: col(r, 2)?,
                    // An unknown operation cannot match any link: it
                    // verifies as broken instead of failing the walk.
                    operation: Operation::parse(&operation).unwrap_or(Operation::Deleted),
                    created_at_micros: col(r, 4)?,
                    actor: actor(col(r, 5)?, col(r, 6)?)?,
                    commitment: hash(col(r, 7)?)?,
                    link: hash(col(r, 8)?)?,
                    opening: match salt {
                        Some(salt) => Some(Opening {
                            salt: hash(salt)?,
                            path: col::<Option<String>>(r, 10)?.unwrap_or_default(),
                            content: col(r, 11)?,
                        }),
                        None => None,
                    },
                })
            })
            .collect()
    }

    /// Events in id order, never in an order that could still change.
    ///
    /// Event ids come from a sequence, and two hosts' transactions can
    /// commit out of id order: host A draws id 10, host B id 11 and commits
    /// first. A stream that read up to 11 would resume after 11 and never
    /// see 10. Where that can happen, the query stops before the first
    /// event that a transaction still running could yet precede:
    ///
    /// * With a store filter it cannot happen, and nothing is held back:
    ///   every transaction that records an event of a store holds the
    ///   store's advisory lock from before its first statement until its
    ///   commit (the engine names the store in the job's scope; only the
    ///   store's creation does not, when nobody else can know the store
    ///   yet, and `memstore migrate`, which fills a database nobody else
    ///   writes yet). So the events of one store are drawn and committed one
    ///   transaction after the other, in id order, and a snapshot that sees
    ///   an event sees every earlier one of its store. The API's event
    ///   streams are per store; a writer also reads its own events at once.
    /// * A session's stream spans stores, whose transactions do race. When
    ///   it resumes from a cursor (`after`), it is cut at the first
    ///   unsettled event. Each event has a horizon: an xid assigned after
    ///   its batch drew its last id, so above the xid of every transaction
    ///   that drew an id before (writers take their xid before they draw).
    ///   The event is settled once the snapshot's xmin — the oldest
    ///   transaction still running — has reached its horizon: every
    ///   transaction that could hold a smaller id has ended, and those that
    ///   committed are in this snapshot. Filtering on the event's own xid
    ///   (`xid < xmin`) would not be enough: a transaction that got its xid
    ///   later may draw a smaller id first and still be running. Events can
    ///   settle out of id order, which is why the result is cut, not
    ///   filtered. A first page (no cursor) is not held back, so a caller
    ///   reads its own writes at once; it may, rarely, run ahead of a
    ///   racing transaction of another host.
    /// * A query with neither filter is a whole-database walk (`memstore
    ///   migrate` copies every event), which must not end early because an
    ///   unrelated transaction runs; it is not held back either.
    ///
    /// A read that cuts its result short raises the backend's `unsettled`
    /// flag, and the listener thread wakes the streams again soon: the
    /// transaction they wait for may end without a NOTIFY.
    fn list_events(&mut self, q: &EventQuery, n: usize) -> Result<Vec<Event>> {
        let held_back = q.memory_store_id.is_none() && q.session_id.is_some() && q.after.is_some();
        let sql = event_list_sql(q, n);
        let rows = self.rows_of("reading events", &sql)?;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            if held_back && !col::<bool>(r, 11)? {
                if let Some(flag) = self.unsettled {
                    flag.store(true, Ordering::SeqCst);
                }
                break;
            }
            let t: String = col(r, 1)?;
            events.push(Event {
                id: uint(col(r, 0)?)?,
                event_type: EventType::parse(&t)
                    .ok_or_else(|| super::corrupt(format!("event type {t}")))?,
                memory_store_id: col(r, 2)?,
                session_id: col(r, 3)?,
                agent_id: col(r, 10)?,
                memory_id: col(r, 4)?,
                memory_version_id: col(r, 5)?,
                path: col(r, 6)?,
                actor: actor(col(r, 7)?, col(r, 8)?)?,
                created_at: timestamp(col(r, 9)?)?,
            });
        }
        Ok(events)
    }
}

/// The statement of [`ReadTx::list_versions`] and its arguments: constant
/// text chosen by which filters are set, every value a `$n` (SEC-04).
fn version_list_sql(store_id: &str, q: &VersionQuery, before: Option<i64>, n: usize) -> Sql {
    let columns = if q.view == View::Full {
        VERSION_COLUMNS.to_owned()
    } else {
        VERSION_COLUMNS.replace(" content,", " NULL::text,")
    };
    let mut sql = Sql::new(format!("SELECT {columns} FROM versions WHERE "));
    sql.bind("store_id = ", store_id.to_owned());
    sql.push(" AND pruned_at IS NULL");
    if let Some(m) = &q.memory_id {
        sql.bind(" AND memory_id = ", m.clone());
    }
    if let Some(op) = q.operation {
        sql.bind(" AND operation = ", op.as_str().to_owned());
    }
    for a in &q.created_by {
        sql.bind(" AND actor_type = ", a.type_tag().to_owned());
        sql.bind(" AND actor_id = ", a.id().to_owned());
    }
    // Served by the partial index `versions_by_agent` (issue 14): `agent_id
    // = $n` implies the index's `agent_id IS NOT NULL`.
    if let Some(agent) = &q.agent_id {
        sql.bind(" AND agent_id = ", agent.clone());
    }
    if let Some(t) = q.created_gte {
        sql.bind(" AND created_at >= ", micros(t));
    }
    if let Some(t) = q.created_lte {
        sql.bind(" AND created_at <= ", micros(t));
    }
    if let Some(b) = before {
        sql.bind(" AND seq < ", b);
    }
    sql.bind(" ORDER BY seq DESC LIMIT ", limit(n));
    sql
}

/// The statement of [`ReadTx::list_events`] and its arguments. Column 11 says
/// whether the event is settled (see `list_events`); the scalar subquery
/// reads the snapshot's xmin once per query, not once per row. A row written
/// behind the writer's back has no horizon: it waits at least until its own
/// transaction is older than every one still running (`xid <= xmin` means
/// it has ended, as it is visible).
fn event_list_sql(q: &EventQuery, n: usize) -> Sql {
    let mut sql = Sql::new(
        "SELECT id, type, store_id, session_id, memory_id, version_id, path, actor_type, \
         actor_id, created_at, agent_id, \
         COALESCE(horizon, xid) <= (SELECT pg_snapshot_xmin(pg_current_snapshot())) \
         AS settled \
         FROM events WHERE ",
    );
    sql.bind("id > ", int(q.after.unwrap_or(0)));
    if let Some(s) = &q.memory_store_id {
        sql.bind(" AND store_id = ", s.clone());
    }
    if let Some(s) = &q.session_id {
        sql.bind(" AND session_id = ", s.clone());
    }
    // With a store, served by the partial index `events_by_agent`.
    if let Some(a) = &q.agent_id {
        sql.bind(" AND agent_id = ", a.clone());
    }
    sql.bind(" ORDER BY id LIMIT ", limit(n));
    sql
}
