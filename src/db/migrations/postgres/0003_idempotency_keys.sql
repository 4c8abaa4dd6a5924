-- 0003: Idempotency-Key of a load request, committed in the load's own transaction, so a retried
-- request finds the first one's load (and its response) instead of loading the rows twice.
CREATE TABLE idempotency_keys (
  principal  text        NOT NULL,  -- the API key's name ('' when the service runs open)
  key        text        NOT NULL,
  request    text        NOT NULL,  -- "POST /v1/departments/upload": a key serves one request only
  load_id    bigint      NOT NULL REFERENCES loads (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, key)
);
