-- Rotating refresh tokens. Only hashes are stored; a session is a token
-- family, revoked as a whole when a rotated token is replayed.
ALTER TABLE sessions ADD COLUMN refresh_expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN revoked_reason TEXT;

CREATE TABLE refresh_tokens (
    hash            TEXT PRIMARY KEY,          -- hex SHA-256 of the token
    session_id      TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    idle_expires_at INTEGER NOT NULL,
    rotated_at      INTEGER                    -- set once it has been exchanged
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

-- Server-wide secrets (the refresh-token derivation key), shared by nodes.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
