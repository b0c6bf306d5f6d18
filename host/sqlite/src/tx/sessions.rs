//! Session rows of [`SqliteTx`] (migrations 0002, 0004, 0005). Constant SQL
//! with `?` parameters only (SEC-04).

use rusqlite::{OptionalExtension, params};

use super::{SqliteTx, db, limit, micros, opt_timestamp, timestamp};
use memstore_store::backend::{SessionReadTx, SessionWriteTx};
use memstore_store::error::{Result, StoreError};
use memstore_store::model::Timestamp;
use memstore_store::sessions::{Session, SessionEvent, SessionQuery};

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("unreadable session JSON: {e}"))
}

/// Columns of a session row, in the order [`session_from_row`] reads them.
const SESSION_COLUMNS: &str = "seq, id, workspace_id, owner_api_key_id, created_at, ended_at, \
     resources, agent, render_agent";

/// A session row, its JSON columns still text.
struct SessionRow {
    seq: i64,
    id: String,
    workspace_id: String,
    owner_api_key_id: Option<String>,
    created_at: Timestamp,
    ended_at: Option<Timestamp>,
    resources: String,
    agent: Option<String>,
    render_agent: bool,
}

fn session_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        seq: r.get(0)?,
        id: r.get(1)?,
        workspace_id: r.get(2)?,
        owner_api_key_id: r.get(3)?,
        created_at: timestamp(r.get(4)?)?,
        ended_at: opt_timestamp(r.get(5)?)?,
        resources: r.get(6)?,
        agent: r.get(7)?,
        render_agent: r.get(8)?,
    })
}

impl SessionRow {
    fn into_session(self) -> Result<(i64, Session)> {
        let agent = self
            .agent
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(json_err)?;
        Ok((
            self.seq,
            Session {
                id: self.id,
                owner_api_key_id: self.owner_api_key_id,
                resources: serde_json::from_str(&self.resources).map_err(json_err)?,
                created_at: self.created_at,
                ended_at: self.ended_at,
                agent,
                render_agent_in_prompt: self.render_agent,
                workspace_id: self.workspace_id,
            },
        ))
    }
}

/// The statement of [`SessionReadTx::list_sessions`], with or without the
/// agent filter: two constant texts, each served by its index
/// (`sessions_by_agent`, `sessions_by_workspace`). Parameters: workspace,
/// agent (NULL without the filter), keyset position, limit.
pub(super) fn session_list_sql(by_agent: bool) -> String {
    let filter = if by_agent {
        "workspace_id = ?1 AND agent_id = ?2"
    } else {
        "workspace_id = ?1 AND ?2 IS NULL"
    };
    format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE {filter} \
         AND seq < ?3 ORDER BY seq DESC LIMIT ?4"
    )
}

impl SessionReadTx for SqliteTx<'_> {
    fn session(&mut self, id: &str) -> Result<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1");
        let row = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row(params![id], session_from_row).optional())
            .map_err(db("reading a session"))?;
        row.map(|r| r.into_session().map(|(_, s)| s)).transpose()
    }

    fn session_agent_id(&mut self, id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT agent_id FROM sessions WHERE id = ?1")
            .and_then(|mut s| {
                s.query_row(params![id], |r| r.get::<_, Option<String>>(0))
                    .optional()
            })
            .map_err(db("reading a session's agent"))?
            .flatten())
    }

    fn list_sessions(
        &mut self,
        q: &SessionQuery,
        before: Option<i64>,
        n: usize,
    ) -> Result<Vec<(i64, Session)>> {
        // The first page starts below the largest key.
        let sql = session_list_sql(q.agent_id.is_some());
        let rows = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(
                    params![
                        q.workspace_id,
                        q.agent_id,
                        before.unwrap_or(i64::MAX),
                        limit(n)
                    ],
                    session_from_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(db("listing sessions"))?;
        rows.into_iter().map(SessionRow::into_session).collect()
    }

    fn all_sessions(&mut self, after: Option<i64>, n: usize) -> Result<Vec<(i64, Session)>> {
        let sql =
            format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE seq > ?1 ORDER BY seq LIMIT ?2");
        let rows = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params![after.unwrap_or(0), limit(n)], session_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(db("listing every session"))?;
        rows.into_iter().map(SessionRow::into_session).collect()
    }

    fn session_events(&mut self, session_id: &str) -> Result<Vec<SessionEvent>> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT id, session_id, type, tool, is_error, changes, created_at \
                 FROM session_events WHERE session_id = ?1 ORDER BY id",
            )
            .and_then(|mut s| {
                s.query_map(params![session_id], |r| {
                    Ok((
                        r.get::<_, u64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, bool>(4)?,
                        r.get::<_, String>(5)?,
                        timestamp(r.get(6)?)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(db("reading session events"))?;
        rows.into_iter()
            .map(
                |(id, session_id, event_type, tool, is_error, changes, created_at)| {
                    Ok(SessionEvent {
                        id,
                        session_id,
                        event_type,
                        tool,
                        is_error,
                        changes: serde_json::from_str(&changes).map_err(json_err)?,
                        created_at,
                    })
                },
            )
            .collect()
    }

    fn session_dirs(&mut self, session_id: &str) -> Result<Vec<(usize, String)>> {
        self.conn
            .prepare_cached(
                "SELECT mount, path FROM session_dirs WHERE session_id = ?1 ORDER BY mount, path",
            )
            .and_then(|mut s| {
                s.query_map(params![session_id], |r| {
                    Ok((r.get::<_, usize>(0)?, r.get::<_, String>(1)?))
                })?
                .collect()
            })
            .map_err(db("reading session directories"))
    }

    fn session_shell(&mut self, session_id: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT state FROM session_shells WHERE session_id = ?1")
            .and_then(|mut s| s.query_row(params![session_id], |r| r.get(0)).optional())
            .map_err(db("reading the session's shell state"))
    }
}

impl SessionWriteTx for SqliteTx<'_> {
    fn insert_session(&mut self, s: &Session) -> Result<()> {
        let resources = serde_json::to_string(&s.resources).map_err(json_err)?;
        let agent = s
            .agent
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(json_err)?;
        self.conn
            .prepare_cached(
                "INSERT INTO sessions (id, workspace_id, owner_api_key_id, created_at, ended_at, \
                 resources, agent_id, agent, render_agent) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    s.id,
                    s.workspace_id,
                    s.owner_api_key_id,
                    micros(s.created_at),
                    s.ended_at.map(micros),
                    resources,
                    s.agent.as_ref().map(|a| a.id.as_str()),
                    agent,
                    s.render_agent_in_prompt,
                ])
            })
            .map_err(db("creating a session"))?;
        Ok(())
    }

    fn end_session(&mut self, id: &str, at: Timestamp) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE sessions SET ended_at = ?2 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![id, micros(at)]))
            .map_err(db("ending a session"))?;
        Ok(())
    }

    fn insert_session_event(&mut self, e: &SessionEvent) -> Result<u64> {
        let changes = serde_json::to_string(&e.changes).map_err(json_err)?;
        self.conn
            .prepare_cached(
                "INSERT INTO session_events (session_id, type, tool, is_error, changes, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![e.session_id, e.event_type, e.tool, e.is_error, changes, micros(e.created_at)])
            })
            .map_err(db("recording a tool call"))?;
        Ok(u64::try_from(self.conn.last_insert_rowid()).unwrap_or(0))
    }

    fn set_session_dirs(&mut self, session_id: &str, dirs: &[(usize, String)]) -> Result<()> {
        let err = db("saving session directories");
        self.conn
            .prepare_cached("DELETE FROM session_dirs WHERE session_id = ?1")
            .and_then(|mut s| s.execute(params![session_id]))
            .map_err(&err)?;
        for (mount, path) in dirs {
            self.conn
                .prepare_cached(
                    "INSERT INTO session_dirs (session_id, mount, path) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut s| s.execute(params![session_id, mount, path]))
                .map_err(&err)?;
        }
        Ok(())
    }

    fn set_session_shell(
        &mut self,
        session_id: &str,
        state: Option<&str>,
        at: Timestamp,
    ) -> Result<()> {
        let err = db("saving the session's shell state");
        match state {
            Some(state) => self
                .conn
                .prepare_cached(
                    "INSERT INTO session_shells (session_id, state, updated_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (session_id) DO UPDATE SET state = excluded.state, \
                     updated_at = excluded.updated_at",
                )
                .and_then(|mut s| s.execute(params![session_id, state, micros(at)])),
            None => self
                .conn
                .prepare_cached("DELETE FROM session_shells WHERE session_id = ?1")
                .and_then(|mut s| s.execute(params![session_id])),
        }
        .map_err(err)?;
        Ok(())
    }
}
