-- memstore schema, version 3: API keys (SEC-01). Only a SHA-256 hash of each
-- secret is kept; the secret itself is shown once, at creation. Times are
-- microseconds since the Unix epoch (UTC).

CREATE TABLE api_keys (
    id          TEXT NOT NULL PRIMARY KEY,      -- apikey_…
    key_hash    BLOB NOT NULL UNIQUE,           -- SHA-256 of the secret
    workspaces  TEXT NOT NULL,                  -- JSON array, first = default
    role        TEXT NOT NULL CHECK (role IN ('admin', 'writer', 'reader')),
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) STRICT;
