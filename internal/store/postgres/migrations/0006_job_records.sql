-- Web background jobs on the shared queue (internal/web, jobs_shared.go):
-- ref is the web's id of the job, record its JSON as the process running it
-- last wrote it, so every process answers /api/jobs/{id} alike.
ALTER TABLE jobs ADD COLUMN ref TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN record BYTEA NOT NULL DEFAULT '';
CREATE UNIQUE INDEX jobs_ref ON jobs (ref) WHERE ref <> '';
