-- The shared catalogue (internal/store/postgres/catalog.go): partners,
-- datasets and versions that every process's analytics engine mirrors. A
-- version's rows are an immutable Parquet file (file, relative to the shared
-- folder CIVICLINK_VERSIONS); a purged version keeps its row, marked, so its
-- number is never reused.
CREATE TABLE catalog_partners (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE catalog_datasets (
    id          TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL REFERENCES catalog_partners (id),
    name        TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    schema_json TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE SEQUENCE catalog_version_ids;

CREATE TABLE catalog_versions (
    id           BIGINT PRIMARY KEY,
    dataset_id   TEXT NOT NULL REFERENCES catalog_datasets (id),
    number       INTEGER NOT NULL,
    table_name   TEXT NOT NULL,
    rows         BIGINT NOT NULL,
    rejected     BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    source       TEXT NOT NULL,
    format       TEXT NOT NULL,
    loaded_by    TEXT NOT NULL,
    loaded_at    TIMESTAMPTZ NOT NULL,
    quality_json TEXT NOT NULL,
    file         TEXT NOT NULL,
    purged_at    TIMESTAMPTZ,
    UNIQUE (dataset_id, number)
);
CREATE UNIQUE INDEX catalog_versions_input ON catalog_versions (dataset_id, sha256) WHERE purged_at IS NULL;
