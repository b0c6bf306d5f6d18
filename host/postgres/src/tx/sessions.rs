//! Session rows of [`PgTx`]. Constant SQL with `$n` parameters only
//! (SEC-04).

use postgres::Row;

use super::{PgTx, col, limit, micros, opt_timestamp, timestamp, uint};
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

fn session_from_row(r: &Row) -> Result<(i64, Session)> {
    let agent: Option<String> = col(r, 7)?;
    let resources: String = col(r, 6)?;
    Ok((
        col(r, 0)?,
        Session {
            id: col(r, 1)?,
            workspace_id: col(r, 2)?,
            owner_api_key_id: col(r, 3)?,
            created_at: timestamp(col(r, 4)?)?,
            ended_at: opt_timestamp(col(r, 5)?)?,
            resources: serde_json::from_str(&resources).map_err(json_err)?,
            agent: agent
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(json_err)?,
            render_agent_in_prompt: col(r, 8)?,
        },
    ))
}

/// The statement of [`SessionReadTx::list_sessions`], with or without the
/// agent filter: two constant texts, each served by its index
/// (`sessions_by_agent`, `sessions_by_workspace`). Parameters: workspace,
/// agent (only with the filter), keyset position, limit.
fn session_list_sql(by_agent: bool) -> String {
    let filter = if by_agent {
        "workspace_id = $1 AND agent_id = $2 AND seq < $3 ORDER BY seq DESC LIMIT $4"
    } else {
        "workspace_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
    };
    format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE {filter}")
}

impl SessionReadTx for PgTx<'_, '_> {
    fn session(&mut self, id: &str) -> Result<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1");
        self.row("reading a session", &sql, &[&id])?
            .map(|r| session_from_row(&r).map(|(_, s)| s))
            .transpose()
    }

    fn session_agent_id(&mut self, id: &str) -> Result<Option<String>> {
        Ok(self
            .row(
                "reading a session's agent",
                "SELECT agent_id FROM sessions WHERE id = $1",
                &[&id],
            )?
            .map(|r| col::<Option<String>>(&r, 0))
            .transpose()?
            .flatten())
    }

    fn list_sessions(
        &mut self,
        q: &SessionQuery,
        before: Option<i64>,
        n: usize,
    ) -> Result<Vec<(i64, Session)>> {
        // The first page starts below the largest key.
        let before = before.unwrap_or(i64::MAX);
        let n = limit(n);
        let rows = match &q.agent_id {
            Some(agent) => self.rows(
                "listing sessions",
                &session_list_sql(true),
                &[&q.workspace_id, agent, &before, &n],
            )?,
            None => self.rows(
                "listing sessions",
                &session_list_sql(false),
                &[&q.workspace_id, &before, &n],
            )?,
        };
        rows.iter().map(session_from_row).collect()
    }

    fn all_sessions(&mut self, after: Option<i64>, n: usize) -> Result<Vec<(i64, Session)>> {
        let sql =
            format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE seq > $1 ORDER BY seq LIMIT $2");
        self.rows(
            "listing every session",
            &sql,
            &[&after.unwrap_or(0), &limit(n)],
        )?
        .iter()
        .map(session_from_row)
        .collect()
    }

    fn session_events(&mut self, session_id: &str) -> Result<Vec<SessionEvent>> {
        self.rows(
            "reading session events",
            "SELECT id, session_id, type, tool, is_error, changes, created_at \
             FROM session_events WHERE session_id = $1 ORDER BY id",
            &[&session_id],
        )?
        .iter()
        .map(|r| {
            let changes: String = col(r, 5)?;
            Ok(SessionEvent {
                id: uint(col(r, 0)?)?,
                session_id: col(r, 1)?,
                event_type: col(r, 2)?,
                tool: col(r, 3)?,
                is_error: col(r, 4)?,
                changes: serde_json::from_str(&changes).map_err(json_err)?,
                created_at: timestamp(col(r, 6)?)?,
            })
        })
        .collect()
    }

    fn session_dirs(&mut self, session_id: &str) -> Result<Vec<(usize, String)>> {
        self.rows(
            "reading session directories",
            "SELECT mount, path FROM session_dirs WHERE session_id = $1 ORDER BY mount, path",
            &[&session_id],
        )?
        .iter()
        .map(|r| {
            let mount = usize::try_from(uint(col(r, 0)?)?)
                .map_err(|_| StoreError::Corrupt("unreadable mount index".into()))?;
            Ok((mount, col(r, 1)?))
        })
        .collect()
    }

    fn session_shell(&mut self, session_id: &str) -> Result<Option<String>> {
        self.row(
            "reading the session's shell state",
            "SELECT state FROM session_shells WHERE session_id = $1",
            &[&session_id],
        )?
        .map(|r| col(&r, 0))
        .transpose()
    }
}

impl SessionWriteTx for PgTx<'_, '_> {
    fn insert_session(&mut self, s: &Session) -> Result<()> {
        let resources = serde_json::to_string(&s.resources).map_err(json_err)?;
        let agent = s
            .agent
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(json_err)?;
        self.exec(
            "creating a session",
            "INSERT INTO sessions (id, workspace_id, owner_api_key_id, created_at, ended_at, \
             resources, agent_id, agent, render_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &s.id,
                &s.workspace_id,
                &s.owner_api_key_id,
                &micros(s.created_at),
                &s.ended_at.map(micros),
                &resources,
                &s.agent.as_ref().map(|a| a.id.as_str()),
                &agent,
                &s.render_agent_in_prompt,
            ],
        )?;
        Ok(())
    }

    fn end_session(&mut self, id: &str, at: Timestamp) -> Result<()> {
        self.exec(
            "ending a session",
            "UPDATE sessions SET ended_at = $2 WHERE id = $1",
            &[&id, &micros(at)],
        )?;
        Ok(())
    }

    fn insert_session_event(&mut self, e: &SessionEvent) -> Result<u64> {
        let changes = serde_json::to_string(&e.changes).map_err(json_err)?;
        let row = self.row(
            "recording a tool call",
            "INSERT INTO session_events (session_id, type, tool, is_error, changes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &e.session_id,
                &e.event_type,
                &e.tool,
                &e.is_error,
                &changes,
                &micros(e.created_at),
            ],
        )?;
        let id: i64 = row.map(|r| col(&r, 0)).transpose()?.unwrap_or_default();
        Ok(u64::try_from(id).unwrap_or(0))
    }

    fn set_session_dirs(&mut self, session_id: &str, dirs: &[(usize, String)]) -> Result<()> {
        let context = "saving session directories";
        self.exec(
            context,
            "DELETE FROM session_dirs WHERE session_id = $1",
            &[&session_id],
        )?;
        for (mount, path) in dirs {
            self.exec(
                context,
                "INSERT INTO session_dirs (session_id, mount, path) VALUES ($1, $2, $3)",
                &[&session_id, &limit(*mount), path],
            )?;
        }
        Ok(())
    }

    fn set_session_shell(
        &mut self,
        session_id: &str,
        state: Option<&str>,
        at: Timestamp,
    ) -> Result<()> {
        let context = "saving the session's shell state";
        match state {
            Some(state) => self.exec(
                context,
                "INSERT INTO session_shells (session_id, state, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (session_id) DO UPDATE SET state = excluded.state, \
                 updated_at = excluded.updated_at",
                &[&session_id, &state, &micros(at)],
            )?,
            None => self.exec(
                context,
                "DELETE FROM session_shells WHERE session_id = $1",
                &[&session_id],
            )?,
        };
        Ok(())
    }
}
