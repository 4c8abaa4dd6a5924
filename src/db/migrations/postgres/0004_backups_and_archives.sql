-- 0004: where each upload's file was archived in object storage, and the Avro backups of tables.
ALTER TABLE loads ADD COLUMN archive text NOT NULL DEFAULT '';

CREATE TABLE backups (
  id         text        PRIMARY KEY,  -- 32 random hex digits
  table_name text        NOT NULL,
  rows       bigint      NOT NULL,
  bytes      bigint      NOT NULL,
  sha256     text        NOT NULL,     -- of the whole Avro object, checked again before a restore
  object_key text        NOT NULL,
  location   text        NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX backups_by_time ON backups (created_at);
