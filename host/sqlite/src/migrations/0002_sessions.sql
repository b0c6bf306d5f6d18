-- memstore schema, version 2: agent sessions (SES-01..04). A session's
-- attachments are fixed at creation and kept as one JSON array; its tool
-- calls are an event log; its empty directories (FS-02) live until it ends.

CREATE TABLE sessions (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    workspace_id      TEXT NOT NULL,
    owner_api_key_id  TEXT,
    created_at        INTEGER NOT NULL,
    ended_at          INTEGER,
    resources         TEXT NOT NULL            -- JSON array of attachments
) STRICT;

CREATE TABLE session_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    type        TEXT NOT NULL,                 -- 'tool_call'
    tool        TEXT NOT NULL,
    is_error    INTEGER NOT NULL,
    changes     TEXT NOT NULL,                 -- JSON array of {path, version_id, memory_id, operation}
    created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX session_events_by_session ON session_events (session_id, id);

CREATE TABLE session_dirs (
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    mount       INTEGER NOT NULL,
    path        TEXT NOT NULL,
    PRIMARY KEY (session_id, mount, path)
) STRICT, WITHOUT ROWID;
