-- Incremental linkage and clerical review.
-- A run records the purpose it served and the run it extended (0: none);
-- each record's entity row keeps a fingerprint of its identifiers, so the
-- next incremental run can tell changed records from unchanged ones.
ALTER TABLE linkage_runs ADD COLUMN purpose VARCHAR DEFAULT '';
ALTER TABLE linkage_runs ADD COLUMN parent_id BIGINT DEFAULT 0;
ALTER TABLE linkage_runs ADD COLUMN mode VARCHAR DEFAULT 'full';
ALTER TABLE linkage_entities ADD COLUMN fingerprint BIGINT DEFAULT 0;

-- The borderline pairs of a run, numbered from 1 (nearest the threshold
-- first): agreement levels and weights only, never values.
CREATE TABLE linkage_review (
    run_id      BIGINT NOT NULL,
    pair        INTEGER NOT NULL,
    dataset_l   VARCHAR NOT NULL,
    record_l    VARCHAR NOT NULL,
    dataset_r   VARCHAR NOT NULL,
    record_r    VARCHAR NOT NULL,
    probability DOUBLE NOT NULL,
    weight      DOUBLE NOT NULL,
    fields_json VARCHAR NOT NULL, -- [{"comparison","level","weight"}]
    PRIMARY KEY (run_id, pair)
);

-- Clerical decisions on pairs of records, kept as labels for later runs.
-- The latest decision on a pair of records is the one in force.
CREATE SEQUENCE linkage_label_ids START 1;

CREATE TABLE linkage_labels (
    id         BIGINT PRIMARY KEY,
    run_id     BIGINT NOT NULL,
    pair       INTEGER NOT NULL,
    dataset_l  VARCHAR NOT NULL,
    record_l   VARCHAR NOT NULL,
    dataset_r  VARCHAR NOT NULL,
    record_r   VARCHAR NOT NULL,
    decision   VARCHAR NOT NULL, -- match, non-match, unsure
    note       VARCHAR NOT NULL,
    decided_by VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL
);
