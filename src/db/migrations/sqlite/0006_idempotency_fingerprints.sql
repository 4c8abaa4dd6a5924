-- 0006: an Idempotency-Key is stored with a fingerprint of its request (SHA-256 of method, path,
-- query and body), so the same key with another request is refused instead of replayed; keys
-- expire, and the index serves the periodic purge of expired ones. Keys stored before this have
-- an empty fingerprint and are matched by method and path, as they were.
ALTER TABLE idempotency_keys ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
