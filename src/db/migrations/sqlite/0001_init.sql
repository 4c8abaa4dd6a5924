-- 0001: the three tables of the migration, the load history and the rejects log (SQLite).
CREATE TABLE departments (
  id         INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 2147483647),
  department TEXT    NOT NULL
);

CREATE TABLE jobs (
  id  INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 2147483647),
  job TEXT    NOT NULL
);

-- department_id and job_id are checked by the loader (ingest/load.cpp) against the parents' ids,
-- read inside the load's own transaction, for every row of every path; rows of departments and
-- jobs are never deleted except by a restore, which takes an exclusive lock and refuses to
-- orphan a hire. A REFERENCES constraint would repeat that check as a per-row trigger, which is
-- most of the cost of a bulk load (about 4 us per check, see the ingest benchmark), so the schema
-- leaves it out on purpose.
CREATE TABLE hired_employees (
  id            INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 2147483647),
  name          TEXT    NOT NULL,
  datetime      TEXT    NOT NULL,  -- RFC 3339, UTC, e.g. 2021-07-27T16:02:08Z
  department_id INTEGER NOT NULL,
  job_id        INTEGER NOT NULL
);

CREATE TABLE loads (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  table_name    TEXT    NOT NULL,
  source        TEXT    NOT NULL,
  on_conflict   TEXT    NOT NULL,
  status        TEXT    NOT NULL,
  started_at    INTEGER NOT NULL,  -- microseconds since the Unix epoch
  finished_at   INTEGER,
  rows_received INTEGER NOT NULL DEFAULT 0,
  rows_inserted INTEGER NOT NULL DEFAULT 0,
  rows_updated  INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0,
  rows_skipped  INTEGER NOT NULL DEFAULT 0,
  error         TEXT    NOT NULL DEFAULT '',
  host          TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX loads_status_host ON loads (status, host);

CREATE TABLE rejects (
  load_id  INTEGER NOT NULL REFERENCES loads (id),
  seq      INTEGER NOT NULL,
  locator  TEXT    NOT NULL,  -- 'line' (CSV) or 'index' (JSON batch)
  position INTEGER NOT NULL,
  raw      BLOB    NOT NULL,  -- exact bytes as received, even when not valid UTF-8
  errors   TEXT    NOT NULL,  -- JSON array of {field, code, message}
  PRIMARY KEY (load_id, seq)
) WITHOUT ROWID;
