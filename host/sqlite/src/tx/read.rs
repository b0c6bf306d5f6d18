//! Queries of [`SqliteTx`].

use std::ops::Bound;

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};

use super::{
    MEMORY_COLUMNS, SqliteTx, VERSION_COLUMNS, actor, db, hash, limit, memory_from_row, micros,
    opt_timestamp, timestamp, version_from_row,
};
use memstore_store::backend::{PathRange, ReadTx, StoreRow, VersionRecord};
use memstore_store::chain::{ChainRow, Opening};
use memstore_store::error::Result;
use memstore_store::model::{
    Event, EventQuery, EventType, Memory, MemoryStore, MemoryVersion, Operation, StoreQuery,
    VersionQuery, View,
};

const STORE_COLUMNS: &str = "seq, id, workspace_id, name, description, metadata, created_at, \
     updated_at, archived_at, memory_count, chain_seq, chain_head";

fn store_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, StoreRow)> {
    let metadata: String = row.get(5)?;
    let store = MemoryStore {
        id: row.get(1)?,
        workspace_id: row.get(2)?,
        name: row.get(3)?,
        description: row.get(4)?,
        metadata: serde_json::from_str(&metadata).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e))
        })?,
        created_at: timestamp(row.get(6)?)?,
        updated_at: timestamp(row.get(7)?)?,
        archived_at: opt_timestamp(row.get(8)?)?,
    };
    let seq = row.get(0)?;
    Ok((
        seq,
        StoreRow {
            store,
            memory_count: row.get(9)?,
            chain_seq: row.get(10)?,
            chain_head: hash(row.get(11)?)?,
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

impl ReadTx for SqliteTx<'_> {
    fn store(&mut self, id: &str) -> Result<Option<StoreRow>> {
        let sql = format!("SELECT {STORE_COLUMNS} FROM stores WHERE id = ?1");
        Ok(self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([id], store_from_row).optional())
            .map_err(db("reading a store"))?
            .map(|(_, row)| row))
    }

    fn list_stores(
        &mut self,
        q: &StoreQuery,
        before: Option<i64>,
        n: usize,
    ) -> Result<Vec<(i64, MemoryStore)>> {
        let mut sql = format!("SELECT {STORE_COLUMNS} FROM stores WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(w) = &q.workspace_id {
            sql.push_str(" AND workspace_id = ?");
            args.push(w.clone().into());
        }
        if !q.include_archived {
            sql.push_str(" AND archived_at IS NULL");
        }
        if let Some(t) = q.created_gte {
            sql.push_str(" AND created_at >= ?");
            args.push(micros(t).into());
        }
        if let Some(t) = q.created_lte {
            sql.push_str(" AND created_at <= ?");
            args.push(micros(t).into());
        }
        if let Some(b) = before {
            sql.push_str(" AND seq < ?");
            args.push(b.into());
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        args.push(limit(n).into());
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params_from_iter(args), store_from_row)?
                    .map(|r| r.map(|(seq, row)| (seq, row.store)))
                    .collect()
            })
            .map_err(db("listing stores"))
    }

    fn memory(&mut self, store_id: &str, id: &str, with_content: bool) -> Result<Option<Memory>> {
        let sql = memory_select(with_content, "m.store_id = ?1 AND m.id = ?2");
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row([store_id, id], |r| memory_from_row(r, with_content))
                    .optional()
            })
            .map_err(db("reading a memory"))
    }

    fn memory_at(
        &mut self,
        store_id: &str,
        path: &str,
        with_content: bool,
    ) -> Result<Option<Memory>> {
        let sql = memory_select(with_content, "m.store_id = ?1 AND m.path = ?2");
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row([store_id, path], |r| memory_from_row(r, with_content))
                    .optional()
            })
            .map_err(db("reading a memory by path"))
    }

    fn memories_in(&mut self, store_id: &str, range: &PathRange<'_>) -> Result<Vec<Memory>> {
        let (start_op, start) = match range.start {
            Bound::Included(s) => (">=", s),
            Bound::Excluded(s) => (">", s),
            Bound::Unbounded => (">=", ""),
        };
        let end_filter = if range.end.is_some() {
            " AND m.path < ?3"
        } else {
            " AND ?3 IS NULL"
        };
        let filter = format!(
            "m.store_id = ?1 AND m.path {start_op} ?2{end_filter} ORDER BY m.path LIMIT ?4"
        );
        let sql = memory_select(range.with_content, &filter);
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(
                    params![store_id, start, range.end, limit(range.limit)],
                    |r| memory_from_row(r, range.with_content),
                )?
                .collect()
            })
            .map_err(db("listing memories"))
    }

    fn version(&mut self, store_id: &str, id: &str) -> Result<Option<VersionRecord>> {
        let sql = format!("SELECT {VERSION_COLUMNS} FROM versions WHERE store_id = ?1 AND id = ?2");
        Ok(self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([store_id, id], version_from_row).optional())
            .map_err(db("reading a version"))?
            .map(|(_, version, pruned)| VersionRecord { version, pruned }))
    }

    fn version_store(&mut self, id: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT store_id FROM versions WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map_err(db("finding a version's store"))
    }

    fn list_versions(
        &mut self,
        store_id: &str,
        q: &VersionQuery,
        before: Option<i64>,
        n: usize,
    ) -> Result<Vec<(i64, MemoryVersion)>> {
        let (sql, args) = version_list_sql(store_id, q, before, n);
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params_from_iter(args), version_from_row)?
                    .map(|r| r.map(|(seq, v, _)| (seq, v)))
                    .collect()
            })
            .map_err(db("listing versions"))
    }

    fn chain_rows(&mut self, store_id: &str, after: u64, n: usize) -> Result<Vec<ChainRow>> {
        let sql = "SELECT chain_seq, id, memory_id, operation, created_at, actor_type, actor_id, \
                   commitment, link, salt, path, content FROM versions \
                   WHERE store_id = ?1 AND chain_seq > ?2 ORDER BY chain_seq LIMIT ?3";
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| {
                s.query_map(params![store_id, after, limit(n)], |r| {
                    let operation: String = r.get(3)?;
                    let salt: Option<Vec<u8>> = r.get(9)?;
                    Ok(ChainRow {
                        seq: r.get(0)?,
                        store_id: store_id.to_owned(),
                        version_id: r.get(1)?,
                        memory_id: r.get(2)?,
                        // An unknown operation cannot match any link: it
                        // verifies as broken instead of failing the walk.
                        operation: Operation::parse(&operation).unwrap_or(Operation::Deleted),
                        created_at_micros: r.get(4)?,
                        actor: actor(r.get(5)?, r.get(6)?)?,
                        commitment: hash(r.get(7)?)?,
                        link: hash(r.get(8)?)?,
                        opening: match salt {
                            Some(salt) => Some(Opening {
                                salt: hash(salt)?,
                                path: r.get::<_, Option<String>>(10)?.unwrap_or_default(),
                                content: r.get(11)?,
                            }),
                            None => None,
                        },
                    })
                })?
                .collect()
            })
            .map_err(db("reading the audit chain"))
    }

    fn list_events(&mut self, q: &EventQuery, n: usize) -> Result<Vec<Event>> {
        let (sql, args) = event_list_sql(q, n);
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params_from_iter(args), |r| {
                    let t: String = r.get(1)?;
                    Ok(Event {
                        id: r.get(0)?,
                        event_type: EventType::parse(&t)
                            .ok_or_else(|| super::corrupt(format!("event type {t}")))?,
                        memory_store_id: r.get(2)?,
                        session_id: r.get(3)?,
                        agent_id: r.get(10)?,
                        memory_id: r.get(4)?,
                        memory_version_id: r.get(5)?,
                        path: r.get(6)?,
                        actor: actor(r.get(7)?, r.get(8)?)?,
                        created_at: timestamp(r.get(9)?)?,
                    })
                })?
                .collect()
            })
            .map_err(db("reading events"))
    }
}

/// The statement of [`ReadTx::list_versions`] and its arguments: constant
/// text chosen by which filters are set, every value a `?` (SEC-04).
fn version_list_sql(
    store_id: &str,
    q: &VersionQuery,
    before: Option<i64>,
    n: usize,
) -> (String, Vec<Value>) {
    let columns = if q.view == View::Full {
        VERSION_COLUMNS.to_owned()
    } else {
        VERSION_COLUMNS.replace(" content,", " NULL,")
    };
    let mut sql =
        format!("SELECT {columns} FROM versions WHERE store_id = ? AND pruned_at IS NULL");
    let mut args: Vec<Value> = vec![store_id.to_owned().into()];
    if let Some(m) = &q.memory_id {
        sql.push_str(" AND memory_id = ?");
        args.push(m.clone().into());
    }
    if let Some(op) = q.operation {
        sql.push_str(" AND operation = ?");
        args.push(op.as_str().to_owned().into());
    }
    for a in &q.created_by {
        sql.push_str(" AND actor_type = ? AND actor_id = ?");
        args.push(a.type_tag().to_owned().into());
        args.push(a.id().to_owned().into());
    }
    // Served by the partial index `versions_by_agent` (issue 14): `agent_id
    // = ?` implies the index's `agent_id IS NOT NULL`.
    if let Some(agent) = &q.agent_id {
        sql.push_str(" AND agent_id = ?");
        args.push(agent.clone().into());
    }
    if let Some(t) = q.created_gte {
        sql.push_str(" AND created_at >= ?");
        args.push(micros(t).into());
    }
    if let Some(t) = q.created_lte {
        sql.push_str(" AND created_at <= ?");
        args.push(micros(t).into());
    }
    if let Some(b) = before {
        sql.push_str(" AND seq < ?");
        args.push(b.into());
    }
    sql.push_str(" ORDER BY seq DESC LIMIT ?");
    args.push(limit(n).into());
    (sql, args)
}

/// The statement of [`ReadTx::list_events`] and its arguments.
fn event_list_sql(q: &EventQuery, n: usize) -> (String, Vec<Value>) {
    let mut sql = String::from(
        "SELECT id, type, store_id, session_id, memory_id, version_id, path, actor_type, \
         actor_id, created_at, agent_id FROM events WHERE id > ?",
    );
    let after = i64::try_from(q.after.unwrap_or(0)).unwrap_or(i64::MAX);
    let mut args: Vec<Value> = vec![after.into()];
    if let Some(s) = &q.memory_store_id {
        sql.push_str(" AND store_id = ?");
        args.push(s.clone().into());
    }
    if let Some(s) = &q.session_id {
        sql.push_str(" AND session_id = ?");
        args.push(s.clone().into());
    }
    // With a store, served by the partial index `events_by_agent`.
    if let Some(a) = &q.agent_id {
        sql.push_str(" AND agent_id = ?");
        args.push(a.clone().into());
    }
    sql.push_str(" ORDER BY id LIMIT ?");
    args.push(limit(n).into());
    (sql, args)
}

#[cfg(test)]
mod tests {
    use rusqlite::params_from_iter;
    use rusqlite::types::Value;

    use super::{event_list_sql, version_list_sql};
    use crate::connect;
    use memstore_store::{EngineConfig, EventQuery, VersionQuery};

    /// The plan SQLite picks for `sql`, one detail line per step.
    fn plan(conn: &rusqlite::Connection, sql: &str, args: Vec<Value>) -> String {
        let mut s = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explain");
        let rows: Vec<String> = s
            .query_map(params_from_iter(args), |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<rusqlite::Result<_>>()
            .expect("plan rows");
        rows.join("\n")
    }

    /// Issue 14: reading history, events and sessions by agent is one
    /// indexed search each, never a scan (of versions, events or sessions)
    /// nor a sort.
    #[test]
    fn ses_04_agent_filters_are_one_indexed_query() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("m.db");
        drop(crate::open(&path, EngineConfig::default()).expect("open"));
        let conn = connect(&path).expect("connection");
        let agent = Some("billing".to_owned());

        let q = VersionQuery {
            agent_id: agent.clone(),
            ..VersionQuery::default()
        };
        for before in [None, Some(7)] {
            let (sql, args) = version_list_sql("memstore_x", &q, before, 21);
            let p = plan(&conn, &sql, args);
            assert!(p.contains("USING INDEX versions_by_agent"), "{p}");
            assert!(!p.contains("SCAN") && !p.contains("TEMP B-TREE"), "{p}");
        }

        let q = EventQuery {
            memory_store_id: Some("memstore_x".into()),
            agent_id: agent.clone(),
            after: Some(3),
            ..EventQuery::default()
        };
        let (sql, args) = event_list_sql(&q, 20);
        let p = plan(&conn, &sql, args);
        assert!(p.contains("USING INDEX events_by_agent"), "{p}");
        assert!(!p.contains("SCAN") && !p.contains("TEMP B-TREE"), "{p}");

        let sql = super::super::sessions::session_list_sql(true);
        let args = vec![
            Value::from("default".to_owned()),
            Value::from("billing".to_owned()),
            Value::from(i64::MAX),
            Value::from(21_i64),
        ];
        let p = plan(&conn, &sql, args);
        assert!(p.contains("USING INDEX sessions_by_agent"), "{p}");
        assert!(!p.contains("SCAN") && !p.contains("TEMP B-TREE"), "{p}");
    }
}
