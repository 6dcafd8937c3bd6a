-- Each site's secret, shared with the site owner's own backend only: it
-- signs the visitor identities the site vouches for (`identify`) and the
-- calls the site's backend makes to this server. Made on first use.
ALTER TABLE sites ADD COLUMN secret TEXT NOT NULL DEFAULT '';
