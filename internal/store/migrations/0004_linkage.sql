-- Linkage runs: which dataset versions were linked, and each record's entity.
CREATE SEQUENCE linkage_run_ids START 1;

CREATE TABLE linkage_runs (
    id           BIGINT PRIMARY KEY,
    datasets     VARCHAR NOT NULL, -- JSON [{"dataset", "version"}]
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    params_json  VARCHAR NOT NULL,
    quality_json VARCHAR NOT NULL
);

CREATE TABLE linkage_entities (
    run_id     BIGINT NOT NULL,
    dataset_id VARCHAR NOT NULL,
    record_id  VARCHAR NOT NULL,
    entity_id  VARCHAR NOT NULL
);

CREATE TABLE linkage_pairs (
    run_id            BIGINT NOT NULL,
    dataset_l         VARCHAR NOT NULL,
    record_l          VARCHAR NOT NULL,
    dataset_r         VARCHAR NOT NULL,
    record_r          VARCHAR NOT NULL,
    match_probability DOUBLE NOT NULL,
    match_weight      DOUBLE NOT NULL
);
