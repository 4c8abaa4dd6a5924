-- 0004: where each upload's file was archived in object storage, and the Avro backups of tables.
ALTER TABLE loads ADD COLUMN archive TEXT NOT NULL DEFAULT '';

CREATE TABLE backups (
  id         TEXT    PRIMARY KEY,  -- 32 random hex digits
  table_name TEXT    NOT NULL,
  rows       INTEGER NOT NULL,
  bytes      INTEGER NOT NULL,
  sha256     TEXT    NOT NULL,     -- of the whole Avro object, checked again before a restore
  object_key TEXT    NOT NULL,
  location   TEXT    NOT NULL,
  created_at INTEGER NOT NULL      -- microseconds since the Unix epoch
);
CREATE INDEX backups_by_time ON backups (created_at);
