-- Populations (salted hashes of record ids) of every released cell, so the
-- differencing check holds across processes and restarts.
CREATE TABLE released_populations (
    key     VARCHAR NOT NULL,
    members UBIGINT[] NOT NULL
);
CREATE INDEX released_populations_key ON released_populations (key);
