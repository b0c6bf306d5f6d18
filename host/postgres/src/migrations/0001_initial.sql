-- memstore schema for PostgreSQL, version 1: the end state of SQLite's
-- migrations 0001..0005 in one step — stores, memories, versions (with the
-- audit chain), events, sessions, API keys and shell state.
--
-- Times are microseconds since the Unix epoch (UTC), counters BIGINT, hashes
-- and salts BYTEA. Paths and key ids sort with COLLATE "C" (byte order, as
-- SQLite's BINARY): listings and prefix ranges must not depend on the
-- database's locale. TEXT cannot hold U+0000, which SQLite's can: the
-- backend refuses content and descriptions holding it as invalid.
-- Keyset columns are identities with the default CACHE 1, so values are
-- handed out in increasing order across every connection.

CREATE TABLE stores (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- keyset order of listings
    id            TEXT NOT NULL UNIQUE,
    workspace_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    metadata      TEXT NOT NULL,                  -- JSON object of strings
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    archived_at   BIGINT,
    memory_count  BIGINT NOT NULL DEFAULT 0,      -- live memories (MEM-09)
    chain_seq     BIGINT NOT NULL DEFAULT 0,      -- versions in the chain (VER-07)
    chain_head    BYTEA NOT NULL                  -- link of the last version
);

CREATE INDEX stores_by_workspace ON stores (workspace_id, seq);

-- Every change ever made. Content lives only here; a memory points at its
-- head version. Redaction and pruning null content, hash, size, path and
-- salt but keep the row, whose commitment and link hold the chain together.
CREATE TABLE versions (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- global order
    id              TEXT NOT NULL UNIQUE,
    store_id        TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    chain_seq       BIGINT NOT NULL,
    memory_id       TEXT NOT NULL,
    operation       TEXT NOT NULL CHECK (operation IN ('created', 'modified', 'deleted')),
    path            TEXT COLLATE "C",
    content         TEXT,
    content_sha256  TEXT,
    content_size    BIGINT,
    created_at      BIGINT NOT NULL,
    actor_type      TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    redacted_at     BIGINT,
    redactor_type   TEXT,
    redactor_id     TEXT,
    pruned_at       BIGINT,
    salt            BYTEA,
    commitment      BYTEA NOT NULL,
    link            BYTEA NOT NULL,
    agent_id        TEXT,                         -- the session's agent (issue 14)
    UNIQUE (store_id, chain_seq)
);

CREATE INDEX versions_by_memory ON versions (store_id, memory_id, seq);
CREATE INDEX versions_by_actor ON versions (store_id, actor_type, actor_id, seq);
CREATE INDEX versions_by_store ON versions (store_id, seq);
CREATE INDEX versions_by_agent ON versions (store_id, agent_id, seq)
    WHERE agent_id IS NOT NULL;

-- Live memories only; a delete removes the row (its versions stay).
CREATE TABLE memories (
    id              TEXT PRIMARY KEY,
    store_id        TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    path            TEXT COLLATE "C" NOT NULL,
    head_version    TEXT NOT NULL,
    content_sha256  TEXT NOT NULL,
    content_size    BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (store_id, path)
);

-- The event log (VER-08): ids, paths and actors, never content.
--
-- `xid` is the writing transaction. `horizon` is an xid its batch had
-- assigned (by another, committed transaction) after the batch drew its
-- last event id: every transaction that could still commit a smaller id
-- had its xid before that, below the horizon. Once no transaction below the
-- horizon runs, no event with a smaller id can appear any more, and the
-- event may be handed to a stream (see `list_events` in tx/read.rs). It is
-- set just before the batch commits, so a committed event always has one.
CREATE TABLE events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type        TEXT NOT NULL,
    store_id    TEXT NOT NULL,
    session_id  TEXT,
    memory_id   TEXT,
    version_id  TEXT,
    path        TEXT COLLATE "C",
    actor_type  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    agent_id    TEXT,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    horizon     xid8
);

CREATE INDEX events_by_store ON events (store_id, id);
CREATE INDEX events_by_session ON events (session_id, id) WHERE session_id IS NOT NULL;
CREATE INDEX events_by_version ON events (version_id) WHERE version_id IS NOT NULL;
CREATE INDEX events_by_agent ON events (store_id, agent_id, id) WHERE agent_id IS NOT NULL;

-- Agent sessions (SES-01..04). A session's attachments are fixed at
-- creation and kept as one JSON array; its tool calls are an event log; its
-- empty directories (FS-02) live until it ends.
CREATE TABLE sessions (
    seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    workspace_id      TEXT NOT NULL,
    owner_api_key_id  TEXT,
    created_at        BIGINT NOT NULL,
    ended_at          BIGINT,
    resources         TEXT NOT NULL,              -- JSON array of attachments
    agent_id          TEXT,
    agent             TEXT,                       -- JSON {id, name, metadata}
    render_agent      BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE INDEX sessions_by_workspace ON sessions (workspace_id, seq);
CREATE INDEX sessions_by_agent ON sessions (workspace_id, agent_id, seq)
    WHERE agent_id IS NOT NULL;

CREATE TABLE session_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    type        TEXT NOT NULL,                    -- 'tool_call'
    tool        TEXT NOT NULL,
    is_error    BOOLEAN NOT NULL,
    changes     TEXT NOT NULL,                    -- JSON array of {path, version_id, memory_id, operation}
    created_at  BIGINT NOT NULL
);

CREATE INDEX session_events_by_session ON session_events (session_id, id);

CREATE TABLE session_dirs (
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    mount       BIGINT NOT NULL,
    path        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (session_id, mount, path)
);

-- The `bash` tool's shell state per session (TOOL-06): session state, not
-- memory; never versioned, and gone with the session.
CREATE TABLE session_shells (
    session_id  TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    state       TEXT NOT NULL,                    -- JSON object
    updated_at  BIGINT NOT NULL
);

-- API keys (SEC-01). Only a SHA-256 hash of each secret is kept; the secret
-- itself is shown once, at creation.
CREATE TABLE api_keys (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,  -- apikey_…
    key_hash    BYTEA NOT NULL UNIQUE,            -- SHA-256 of the secret
    workspaces  TEXT NOT NULL,                    -- JSON array, first = default
    role        TEXT NOT NULL CHECK (role IN ('admin', 'writer', 'reader')),
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
