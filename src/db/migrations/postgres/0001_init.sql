-- 0001: the three tables of the migration, the load history and the rejects log (PostgreSQL).
CREATE TABLE departments (
  id         integer PRIMARY KEY CHECK (id >= 1),
  department text    NOT NULL
);

CREATE TABLE jobs (
  id  integer PRIMARY KEY CHECK (id >= 1),
  job text    NOT NULL
);

-- department_id and job_id are checked by the loader (ingest/load.cpp) against the parents' ids,
-- read inside the load's own transaction, for every row of every path; rows of departments and
-- jobs are never deleted except by a restore, which takes an exclusive lock and refuses to
-- orphan a hire. A REFERENCES constraint would repeat that check as a per-row trigger, which is
-- most of the cost of a bulk load (about 4 us per check, see the ingest benchmark), so the schema
-- leaves it out on purpose.
CREATE TABLE hired_employees (
  id            integer     PRIMARY KEY CHECK (id >= 1),
  name          text        NOT NULL,
  datetime      timestamptz NOT NULL,
  department_id integer     NOT NULL,
  job_id        integer     NOT NULL
);

CREATE TABLE loads (
  id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  table_name    text        NOT NULL,
  source        text        NOT NULL,
  on_conflict   text        NOT NULL,
  status        text        NOT NULL,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  rows_received bigint      NOT NULL DEFAULT 0,
  rows_inserted bigint      NOT NULL DEFAULT 0,
  rows_updated  bigint      NOT NULL DEFAULT 0,
  rows_rejected bigint      NOT NULL DEFAULT 0,
  rows_skipped  bigint      NOT NULL DEFAULT 0,
  error         text        NOT NULL DEFAULT '',
  host          text        NOT NULL DEFAULT ''
);
CREATE INDEX loads_status_host ON loads (status, host);

CREATE TABLE rejects (
  load_id  bigint  NOT NULL REFERENCES loads (id),
  seq      bigint  NOT NULL,
  locator  text    NOT NULL,  -- 'line' (CSV) or 'index' (JSON batch)
  position bigint  NOT NULL,
  raw      bytea   NOT NULL,  -- exact bytes as received, even when not valid UTF-8
  errors   text    NOT NULL,  -- JSON array of {field, code, message}
  PRIMARY KEY (load_id, seq)
);
