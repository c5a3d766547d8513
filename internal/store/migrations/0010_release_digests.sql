-- Digests of the populations of released cells (unit count, hash sum and
-- per-bucket figures; see disclose.Digest), so the differencing check holds
-- across processes and restarts without keeping one hash per record.
-- released_populations (0007) stays readable: its rows are compared by
-- size only.
CREATE TABLE released_digests (
    key    VARCHAR NOT NULL,
    units  UBIGINT NOT NULL,
    digest BLOB NOT NULL
);
CREATE INDEX released_digests_key ON released_digests (key);
