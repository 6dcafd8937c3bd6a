-- The model a site answers with (`openai:gpt-4o` …; NULL: its knowledge
-- base), the model's API address when not the vendor's own, and the NAME of
-- the environment variable or secrets-file entry holding its key. API keys
-- themselves are never stored.
ALTER TABLE sites ADD COLUMN model TEXT;
ALTER TABLE sites ADD COLUMN model_base_url TEXT;
ALTER TABLE sites ADD COLUMN model_key TEXT;
