-- 0005: a reject keeps at most a bounded prefix of its raw record; raw_length is the record's full
-- length in bytes (NULL on rows written before this migration, whose raw is whole).
ALTER TABLE rejects ADD COLUMN raw_length INTEGER;
