-- 0007: where a load came from. `retry_of`: the load whose rejects it retried
-- (POST /v1/loads/{id}/rejects/retry). `trace_id`: the trace of the request (W3C traceparent or
-- X-Amzn-Trace-Id, else one the server made) or CLI run that ran it, as in its log lines.
ALTER TABLE loads ADD COLUMN retry_of INTEGER REFERENCES loads (id);
ALTER TABLE loads ADD COLUMN trace_id TEXT NOT NULL DEFAULT '';
