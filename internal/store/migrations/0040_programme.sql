-- The partnership programme: Vision projects, their deliverables and
-- outcome measures, dated updates, and the outcome claims checked against
-- the data (package programme).
CREATE TABLE programme_projects (
    id           VARCHAR PRIMARY KEY,
    title        VARCHAR NOT NULL,
    theme        VARCHAR NOT NULL,
    summary_json VARCHAR NOT NULL,
    sponsors     VARCHAR NOT NULL, -- JSON list of partner ids
    status       VARCHAR NOT NULL,
    updated_by   VARCHAR NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE programme_deliverables (
    project  VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    id       VARCHAR NOT NULL,
    title    VARCHAR NOT NULL,
    due      DATE NOT NULL,
    status   VARCHAR NOT NULL,
    evidence VARCHAR NOT NULL,
    PRIMARY KEY (project, id)
);

CREATE TABLE programme_measures (
    project        VARCHAR NOT NULL,
    position       INTEGER NOT NULL,
    id             VARCHAR NOT NULL,
    title          VARCHAR NOT NULL,
    indicator      VARCHAR NOT NULL,
    baseline       VARCHAR NOT NULL,
    target_percent DOUBLE NOT NULL,
    direction      VARCHAR NOT NULL,
    PRIMARY KEY (project, id)
);

CREATE SEQUENCE programme_update_ids START 1;

CREATE TABLE programme_updates (
    id          BIGINT PRIMARY KEY,
    project     VARCHAR NOT NULL,
    author      VARCHAR NOT NULL,
    partner     VARCHAR NOT NULL,
    posted_at   TIMESTAMP NOT NULL,
    text        VARCHAR NOT NULL,
    deliverable VARCHAR NOT NULL,
    from_status VARCHAR NOT NULL,
    to_status   VARCHAR NOT NULL
);

CREATE TABLE programme_claims (
    id           VARCHAR PRIMARY KEY,
    statement    VARCHAR NOT NULL,
    origin       VARCHAR NOT NULL,
    project      VARCHAR NOT NULL,
    figures_json VARCHAR NOT NULL,
    updated_by   VARCHAR NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
