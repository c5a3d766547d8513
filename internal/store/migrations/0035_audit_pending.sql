-- Writes whose audit entry is appended after their own transaction commits
-- (a load through the ingest service, a retention purge) note themselves
-- here in that transaction; the entry's author deletes the note once the
-- entry is on the log. A note left by a crash between the two tells the
-- next opening to append the missing entry (docs/crash.md).
CREATE TABLE audit_pending (
    kind VARCHAR NOT NULL, -- 'version' (a load) or 'purge'
    ref  BIGINT NOT NULL,  -- the dataset version's id
    PRIMARY KEY (kind, ref)
);
