-- The shared job queue (internal/queue): claimed with FOR UPDATE SKIP
-- LOCKED, so each job runs once, in whichever process claims it first.
CREATE TABLE jobs (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL,
    payload    BYTEA NOT NULL,
    state      TEXT NOT NULL DEFAULT 'queued',
    worker     TEXT NOT NULL DEFAULT '',
    error      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    claimed_at TIMESTAMPTZ,
    ended_at   TIMESTAMPTZ
);
CREATE INDEX jobs_queued ON jobs (kind, id) WHERE state = 'queued';
