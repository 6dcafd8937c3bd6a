-- Sites, signing keys, sessions and conversations.
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
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);

CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    site_key   TEXT NOT NULL REFERENCES sites(key) ON DELETE CASCADE,
    visitor_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    site_key        TEXT NOT NULL REFERENCES sites(key) ON DELETE CASCADE,
    visitor_id      TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role            TEXT NOT NULL,            -- visitor | assistant
    content         TEXT NOT NULL,
    client_id       TEXT,                     -- the sender's idempotency key
    created_at      INTEGER NOT NULL,
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
