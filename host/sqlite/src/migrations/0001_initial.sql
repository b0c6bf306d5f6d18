-- memstore schema, version 1: stores, memories, versions (with the audit
-- chain) and events. Times are microseconds since the Unix epoch (UTC).

CREATE TABLE stores (
    seq           INTEGER PRIMARY KEY,          -- keyset order of listings
    id            TEXT NOT NULL UNIQUE,
    workspace_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    metadata      TEXT NOT NULL,                -- JSON object of strings
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    archived_at   INTEGER,
    memory_count  INTEGER NOT NULL DEFAULT 0,   -- live memories (MEM-09)
    chain_seq     INTEGER NOT NULL DEFAULT 0,   -- versions in the chain (VER-07)
    chain_head    BLOB NOT NULL                 -- link of the last version
) STRICT;

CREATE INDEX stores_by_workspace ON stores (workspace_id, seq);

-- Every change ever made. Content lives only here; a memory points at its
-- head version. Redaction and pruning null content, hash, size, path and
-- salt but keep the row, whose commitment and link hold the chain together.
CREATE TABLE versions (
    seq             INTEGER PRIMARY KEY,        -- global order (newest first listings)
    id              TEXT NOT NULL UNIQUE,
    store_id        TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    chain_seq       INTEGER NOT NULL,
    memory_id       TEXT NOT NULL,
    operation       TEXT NOT NULL CHECK (operation IN ('created', 'modified', 'deleted')),
    path            TEXT,
    content         TEXT,
    content_sha256  TEXT,
    content_size    INTEGER,
    created_at      INTEGER NOT NULL,
    actor_type      TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    redacted_at     INTEGER,
    redactor_type   TEXT,
    redactor_id     TEXT,
    pruned_at       INTEGER,
    salt            BLOB,
    commitment      BLOB NOT NULL,
    link            BLOB NOT NULL,
    UNIQUE (store_id, chain_seq)
) STRICT;

CREATE INDEX versions_by_memory ON versions (store_id, memory_id, seq);
CREATE INDEX versions_by_actor ON versions (store_id, actor_type, actor_id, seq);
CREATE INDEX versions_by_store ON versions (store_id, seq);

-- Live memories only; a delete removes the row (its versions stay).
CREATE TABLE memories (
    id              TEXT PRIMARY KEY,
    store_id        TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    path            TEXT NOT NULL,
    head_version    TEXT NOT NULL,
    content_sha256  TEXT NOT NULL,
    content_size    INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (store_id, path)
) STRICT, WITHOUT ROWID;

-- The event log (VER-08): ids, paths and actors, never content.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type        TEXT NOT NULL,
    store_id    TEXT NOT NULL,
    session_id  TEXT,
    memory_id   TEXT,
    version_id  TEXT,
    path        TEXT,
    actor_type  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX events_by_store ON events (store_id, id);
CREATE INDEX events_by_session ON events (session_id, id) WHERE session_id IS NOT NULL;
CREATE INDEX events_by_version ON events (version_id) WHERE version_id IS NOT NULL;
