-- 0008: import jobs (POST /v1/imports). A job is claimed by one replica at a time under a lease
-- (lease_token, lease_expires_at) that the replica renews while it works; another replica takes
-- over a job whose lease expired. Each step loads one object into one table; the step is marked
-- done in the same transaction as its load's rows.
CREATE TABLE imports (
  id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source           text        NOT NULL,
  status           text        NOT NULL,  -- pending, queued, running, succeeded, failed, cancelled
  header           text        NOT NULL,
  on_conflict      text        NOT NULL,
  dry_run          boolean     NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  error            text        NOT NULL DEFAULT '',
  trace_id         text        NOT NULL DEFAULT '',
  host             text        NOT NULL DEFAULT '',
  cancel_requested boolean     NOT NULL DEFAULT false,
  attempts         integer     NOT NULL DEFAULT 0,
  lease_token      text        NOT NULL DEFAULT '',
  lease_expires_at timestamptz
);
-- The claim's scan: queued jobs, and running ones whose lease may have expired.
CREATE INDEX imports_claimable ON imports (id) WHERE status IN ('queued', 'running');

CREATE TABLE import_steps (
  import_id     bigint      NOT NULL REFERENCES imports (id),
  position      integer     NOT NULL,
  table_name    text        NOT NULL,
  object_key    text        NOT NULL,
  status        text        NOT NULL DEFAULT 'queued',
  load_id       bigint      REFERENCES loads (id),
  bytes_total   bigint      NOT NULL DEFAULT 0,
  bytes_read    bigint      NOT NULL DEFAULT 0,
  rows_received bigint      NOT NULL DEFAULT 0,
  rows_inserted bigint      NOT NULL DEFAULT 0,
  rows_updated  bigint      NOT NULL DEFAULT 0,
  rows_rejected bigint      NOT NULL DEFAULT 0,
  rows_skipped  bigint      NOT NULL DEFAULT 0,
  started_at    timestamptz,
  finished_at   timestamptz,
  attempts      integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (import_id, position)
);

-- An Idempotency-Key sent with POST /v1/imports, committed with the job: a retried request finds
-- the first one's job instead of queueing the file twice.
CREATE TABLE import_idempotency_keys (
  principal   text        NOT NULL,
  key         text        NOT NULL,
  request     text        NOT NULL,
  import_id   bigint      NOT NULL REFERENCES imports (id),
  fingerprint text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, key)
);
