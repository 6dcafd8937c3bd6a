-- The visitor identity a site vouched for (`identify`, signed with the
-- site's secret), kept with the session so answers and the operator can
-- tell who was chatting. NULL while the visitor is anonymous.
ALTER TABLE sessions ADD COLUMN user_id TEXT;
ALTER TABLE sessions ADD COLUMN user_name TEXT;
ALTER TABLE sessions ADD COLUMN user_email TEXT;
