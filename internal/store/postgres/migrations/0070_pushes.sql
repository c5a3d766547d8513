-- Files pushed in chunks (`civiclink push`, internal/web/pushes): the
-- push's record and every chunk's offset, size and SHA-256 are here, the
-- chunks' bytes in the shared folder's upload spool, so the chunks of one
-- push may reach any web process and its load job runs in whichever
-- claims it. One push per user, dataset and file (size, SHA-256): a
-- second declaration of the same file resumes it.
CREATE TABLE pushes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    name       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    sha256     TEXT NOT NULL,
    received   BIGINT NOT NULL DEFAULT 0,
    digest     BYTEA NOT NULL,
    state      TEXT NOT NULL DEFAULT 'receiving' CHECK (state IN ('receiving', 'completed')),
    job_ref    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX pushes_file ON pushes (user_id, dataset_id, sha256, size);
CREATE TABLE push_chunks (
    push_id    TEXT NOT NULL REFERENCES pushes (id) ON DELETE CASCADE,
    first_byte BIGINT NOT NULL,
    size       BIGINT NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (push_id, first_byte)
);
