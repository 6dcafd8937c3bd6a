-- An assistant reply is stored when it starts, not when it ends, so a page
-- that loads mid-reply knows which event to resume from, and a reply that
-- fails (a model provider down, a node lost) stays visible as failed with
-- the visitor's message kept for a retry.
ALTER TABLE messages ADD COLUMN state TEXT NOT NULL DEFAULT 'done'; -- streaming | done | failed | retried
ALTER TABLE messages ADD COLUMN reply_to TEXT;                      -- the visitor message answered
ALTER TABLE messages ADD COLUMN start_event INTEGER;                  -- id of its reply.start event
ALTER TABLE messages ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0; -- ms; the answering node's heartbeat
CREATE INDEX messages_streaming ON messages (state, updated_at) WHERE state = 'streaming';
CREATE INDEX messages_reply_to ON messages (conversation_id, reply_to);
