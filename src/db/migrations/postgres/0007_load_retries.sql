-- 0007: a load made by retrying another load's rejects (POST /v1/loads/{id}/rejects/retry) names
-- that load, so the history links each retry to the load whose rejects it took.
ALTER TABLE loads ADD COLUMN retry_of bigint REFERENCES loads (id);
