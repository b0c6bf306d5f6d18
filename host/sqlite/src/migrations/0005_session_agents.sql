-- memstore schema, version 5: the agent a session runs (SES-04, issue 14).
-- A session may name its agent (the harness's own identifier, a display
-- name and metadata); the versions and events a session's agent causes carry
-- its id, so history and event streams are read by agent with one indexed
-- query each instead of a walk over sessions. Rows from before this
-- migration have no agent (NULL), as their sessions had none.

ALTER TABLE sessions ADD COLUMN agent_id TEXT;
ALTER TABLE sessions ADD COLUMN agent TEXT;                 -- JSON {id, name, metadata}
ALTER TABLE sessions ADD COLUMN render_agent INTEGER NOT NULL DEFAULT 0;

CREATE INDEX sessions_by_workspace ON sessions (workspace_id, seq);
CREATE INDEX sessions_by_agent ON sessions (workspace_id, agent_id, seq)
    WHERE agent_id IS NOT NULL;

ALTER TABLE versions ADD COLUMN agent_id TEXT;
CREATE INDEX versions_by_agent ON versions (store_id, agent_id, seq)
    WHERE agent_id IS NOT NULL;

ALTER TABLE events ADD COLUMN agent_id TEXT;
CREATE INDEX events_by_agent ON events (store_id, agent_id, id)
    WHERE agent_id IS NOT NULL;
