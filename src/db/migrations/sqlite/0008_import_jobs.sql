-- 0008: import jobs (POST /v1/imports). A job is claimed under a lease (lease_token,
-- lease_expires_at) that its runner renews; a job whose lease expired is claimed again (a process
-- that died). Each step loads one object into one table; the step is marked done in the same
-- transaction as its load's rows. Instants: microseconds since the Unix epoch.
CREATE TABLE imports (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  source           TEXT    NOT NULL,
  status           TEXT    NOT NULL,  -- pending, queued, running, succeeded, failed, cancelled
  header           TEXT    NOT NULL,
  on_conflict      TEXT    NOT NULL,
  dry_run          INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  error            TEXT    NOT NULL DEFAULT '',
  trace_id         TEXT    NOT NULL DEFAULT '',
  host             TEXT    NOT NULL DEFAULT '',
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  attempts         INTEGER NOT NULL DEFAULT 0,
  lease_token      TEXT    NOT NULL DEFAULT '',
  lease_expires_at INTEGER
);
CREATE INDEX imports_claimable ON imports (id) WHERE status IN ('queued', 'running');

CREATE TABLE import_steps (
  import_id     INTEGER NOT NULL REFERENCES imports (id),
  position      INTEGER NOT NULL,
  table_name    TEXT    NOT NULL,
  object_key    TEXT    NOT NULL,
  status        TEXT    NOT NULL DEFAULT 'queued',
  load_id       INTEGER REFERENCES loads (id),
  bytes_total   INTEGER NOT NULL DEFAULT 0,
  bytes_read    INTEGER NOT NULL DEFAULT 0,
  rows_received INTEGER NOT NULL DEFAULT 0,
  rows_inserted INTEGER NOT NULL DEFAULT 0,
  rows_updated  INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0,
  rows_skipped  INTEGER NOT NULL DEFAULT 0,
  started_at    INTEGER,
  finished_at   INTEGER,
  attempts      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (import_id, position)
);

-- An Idempotency-Key sent with POST /v1/imports, committed with the job: a retried request finds
-- the first one's job instead of queueing the file twice. created_at: microseconds.
CREATE TABLE import_idempotency_keys (
  principal   TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  request     TEXT    NOT NULL,
  import_id   INTEGER NOT NULL REFERENCES imports (id),
  fingerprint TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (principal, key)
);
