-- memstore schema, version 4: the `bash` tool's shell state per session
-- (TOOL-06): working directory, variables, functions and aliases, saved
-- after each call as the guest's canonical JSON and handed to the next. It
-- is session state, not memory: it is never versioned, and goes with the
-- session (ended or deleted).

CREATE TABLE session_shells (
    session_id  TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    state       TEXT NOT NULL,                 -- JSON object
    updated_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
