-- Causette schema (SQLite). migrations/postgres/ holds the same schema in
-- PostgreSQL's types; every query is written to run on both.
CREATE TABLE sites (
    key             TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    origins         TEXT NOT NULL,            -- JSON array of allowed origins
    plan            TEXT NOT NULL DEFAULT 'free',
    access_ttl_secs INTEGER NOT NULL DEFAULT 300,
    theme           TEXT NOT NULL DEFAULT '{}',
    created_at      INTEGER NOT NULL
);

CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    seed       BLOB NOT NULL,
    created_at INTEGER NOT NULL,              -- milliseconds: orders rotations
    retire_at  INTEGER                        -- stops verifying from then on
);

CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    site_key   TEXT NOT NULL REFERENCES sites(key) ON DELETE CASCADE,
    visitor_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX conversations_by_site ON conversations (site_key, created_at);

-- A session is a refresh-token family: revoking it ends them all.
CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY,
    site_key           TEXT NOT NULL REFERENCES sites(key) ON DELETE CASCADE,
    visitor_id         TEXT NOT NULL,
    conversation_id    TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    created_at         INTEGER NOT NULL,
    refresh_expires_at INTEGER NOT NULL DEFAULT 0,
    revoked_at         INTEGER,
    revoked_reason     TEXT
);
CREATE INDEX sessions_by_revocation ON sessions (revoked_at);
CREATE INDEX sessions_by_site_visitor ON sessions (site_key, visitor_id);

-- Only hashes of refresh tokens are stored.
CREATE TABLE refresh_tokens (
    hash            TEXT PRIMARY KEY,
    session_id      TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    idle_expires_at INTEGER NOT NULL,
    rotated_at      INTEGER
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

-- Server-wide secrets shared by every node (the refresh derivation key).
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role            TEXT NOT NULL,            -- visitor | assistant
    content         TEXT NOT NULL,
    client_id       TEXT,                     -- the sender's idempotency key
    created_at      INTEGER NOT NULL,         -- milliseconds
    UNIQUE (conversation_id, client_id)
);

-- Every event a conversation's stream carried, so a dropped stream resumes
-- with exactly what it missed (Last-Event-ID is an id from this table).
CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    data            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX events_by_conversation ON events (conversation_id, id);

-- Conversations started per site and month, counted once across nodes.
CREATE TABLE site_usage (
    site_key      TEXT NOT NULL REFERENCES sites(key) ON DELETE CASCADE,
    month         TEXT NOT NULL,              -- YYYY-MM, UTC
    conversations INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_key, month)
);
