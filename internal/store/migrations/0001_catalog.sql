-- The catalogue: partners, datasets and their immutable versions.
CREATE TABLE partners (
    id         VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE datasets (
    id          VARCHAR PRIMARY KEY,
    partner_id  VARCHAR NOT NULL REFERENCES partners (id),
    name        VARCHAR NOT NULL DEFAULT '',
    description VARCHAR NOT NULL DEFAULT '',
    schema_json VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE SEQUENCE version_ids START 1;

CREATE TABLE dataset_versions (
    id           BIGINT PRIMARY KEY,
    dataset_id   VARCHAR NOT NULL REFERENCES datasets (id),
    number       INTEGER NOT NULL,
    table_name   VARCHAR NOT NULL,
    rows         BIGINT NOT NULL,
    rejected     BIGINT NOT NULL,
    sha256       VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    format       VARCHAR NOT NULL,
    loaded_by    VARCHAR NOT NULL,
    loaded_at    TIMESTAMP NOT NULL,
    quality_json VARCHAR NOT NULL,
    UNIQUE (dataset_id, number),
    UNIQUE (dataset_id, sha256)
);
