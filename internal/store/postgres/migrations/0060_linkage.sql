-- Linkage runs shared by every process (internal/store/postgres/linkage.go).
-- A run's record is here, numbered by linkage_run_ids; its rows (entities,
-- matched pairs, review list) are three immutable Parquet files in the
-- shared folder (CIVICLINK_VERSIONS), written once when the run completes
-- and named here, which every process's analytics engine copies in when it
-- first needs the run. The adoption history, approvals and clerical
-- decisions are small shared state and live here only. Column names follow
-- the embedded store's tables, so `civiclink migrate` copies them by name.
CREATE SEQUENCE linkage_run_ids;

CREATE TABLE linkage_runs (
    id            BIGINT PRIMARY KEY,
    datasets      TEXT NOT NULL, -- JSON [{"dataset", "version"}]
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    params_json   TEXT NOT NULL,
    quality_json  TEXT NOT NULL,
    purpose       TEXT NOT NULL DEFAULT '',
    parent_id     BIGINT NOT NULL DEFAULT 0,
    mode          TEXT NOT NULL DEFAULT 'full',
    entities_file TEXT NOT NULL,
    pairs_file    TEXT NOT NULL,
    review_file   TEXT NOT NULL
);

-- The partnership's current run is the run of the latest row; a row is
-- stored only as the next seq (two adoptions at once: one lands).
CREATE TABLE linkage_adoptions (
    seq     BIGINT PRIMARY KEY,
    run_id  BIGINT NOT NULL,
    action  TEXT NOT NULL,
    by_user TEXT NOT NULL,
    at_time TIMESTAMPTZ NOT NULL,
    note    TEXT NOT NULL
);

CREATE TABLE linkage_approvals (
    run_id     BIGINT NOT NULL,
    partner_id TEXT NOT NULL,
    base       BIGINT NOT NULL,
    by_user    TEXT NOT NULL,
    at_time    TIMESTAMPTZ NOT NULL,
    note       TEXT NOT NULL,
    PRIMARY KEY (run_id, partner_id, base)
);

-- Clerical decisions; the latest on a pair of records is in force.
CREATE TABLE linkage_labels (
    id         BIGSERIAL PRIMARY KEY,
    run_id     BIGINT NOT NULL,
    pair       INTEGER NOT NULL,
    dataset_l  TEXT NOT NULL,
    record_l   TEXT NOT NULL,
    dataset_r  TEXT NOT NULL,
    record_r   TEXT NOT NULL,
    decision   TEXT NOT NULL,
    note       TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX linkage_labels_pair ON linkage_labels (dataset_l, record_l, dataset_r, record_r, id);
