-- A running job's worker beats (internal/queue): a job whose last beat is
-- older than the queue's limit belonged to a process that stopped (killed,
-- crashed) and is recorded as failed by the next claimer, so it is never
-- left "running" for good and never run twice.
ALTER TABLE jobs ADD COLUMN heartbeat_at TIMESTAMPTZ;
CREATE INDEX jobs_running ON jobs (heartbeat_at) WHERE state = 'running';
