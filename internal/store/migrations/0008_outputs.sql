-- Outputs on their way out of the platform: draft → checked → released.
CREATE SEQUENCE output_ids START 1;

CREATE TABLE outputs (
    id          BIGINT PRIMARY KEY,
    series      VARCHAR NOT NULL,
    version     INTEGER NOT NULL,
    title       VARCHAR NOT NULL,
    indicator   VARCHAR NOT NULL,
    by_json     VARCHAR NOT NULL,
    purpose     VARCHAR NOT NULL,
    datasets    VARCHAR NOT NULL,
    columns     VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,
    table_json  VARCHAR NOT NULL,
    report_json VARCHAR NOT NULL,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    checked_by  VARCHAR,
    checked_at  TIMESTAMP,
    note        VARCHAR,
    released_by VARCHAR,
    released_at TIMESTAMP,
    UNIQUE (series, version)
);
