//! The storage seam for sessions (SES-01..04): kept apart from the memory
//! traits so features that add tables (sessions, API keys) merge cleanly.

use crate::engine::sessions::{Session, SessionEvent, SessionQuery};
use crate::error::Result;
use crate::model::Timestamp;

/// Session queries available inside any transaction.
pub trait SessionReadTx {
    /// A session by id.
    fn session(&mut self, id: &str) -> Result<Option<Session>>;

    /// The agent id a session was created with (`None` for a session
    /// without an agent, or no such session): what the engine stamps on the
    /// versions and events the session causes (issue 14). A lookup by key,
    /// cheap enough to run once per version written.
    fn session_agent_id(&mut self, id: &str) -> Result<Option<String>>;

    /// Sessions of `q.workspace_id` (and of `q.agent_id`, if given), newest
    /// first, after the keyset position `before` (exclusive), at most
    /// `limit`; each with its keyset position. One indexed query.
    fn list_sessions(
        &mut self,
        q: &SessionQuery,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, Session)>>;

    /// Every session of every workspace, oldest first, after the keyset
    /// position `after` (exclusive), at most `limit`: what `memstore
    /// migrate` copies.
    fn all_sessions(&mut self, after: Option<i64>, limit: usize) -> Result<Vec<(i64, Session)>>;

    /// A session's tool-call events, oldest first.
    fn session_events(&mut self, session_id: &str) -> Result<Vec<SessionEvent>>;

    /// A session's empty directories: (attachment index, store path).
    fn session_dirs(&mut self, session_id: &str) -> Result<Vec<(usize, String)>>;

    /// The `bash` tool's saved shell state of a session (TOOL-06), if any.
    fn session_shell(&mut self, session_id: &str) -> Result<Option<String>>;
}

/// Session changes available inside a write transaction.
pub trait SessionWriteTx: SessionReadTx {
    /// Inserts a new session.
    fn insert_session(&mut self, session: &Session) -> Result<()>;

    /// Sets a session's end time.
    fn end_session(&mut self, id: &str, at: Timestamp) -> Result<()>;

    /// Appends a tool-call event and returns its id.
    fn insert_session_event(&mut self, event: &SessionEvent) -> Result<u64>;

    /// Replaces a session's empty directories.
    fn set_session_dirs(&mut self, session_id: &str, dirs: &[(usize, String)]) -> Result<()>;

    /// Replaces a session's shell state; `None` forgets it.
    fn set_session_shell(
        &mut self,
        session_id: &str,
        state: Option<&str>,
        at: Timestamp,
    ) -> Result<()>;
}
