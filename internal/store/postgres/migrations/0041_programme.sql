-- The partnership programme in PostgreSQL (package programme): Vision
-- projects with their deliverables and outcome measures, dated updates,
-- the outcome claims checked against the data, and the partners'
-- data-maturity self-assessments (every round kept). The same tables as
-- the embedded store's, so migrate copies them column by column.
CREATE TABLE programme_projects (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    theme        TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    sponsors     TEXT NOT NULL, -- JSON list of partner ids
    status       TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE programme_deliverables (
    project  TEXT NOT NULL REFERENCES programme_projects (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    id       TEXT NOT NULL,
    title    TEXT NOT NULL,
    due      DATE NOT NULL,
    status   TEXT NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (project, id)
);

CREATE TABLE programme_measures (
    project        TEXT NOT NULL REFERENCES programme_projects (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    id             TEXT NOT NULL,
    title          TEXT NOT NULL,
    indicator      TEXT NOT NULL,
    baseline       TEXT NOT NULL,
    target_percent DOUBLE PRECISION NOT NULL,
    direction      TEXT NOT NULL,
    PRIMARY KEY (project, id)
);

CREATE TABLE programme_updates (
    id          BIGSERIAL PRIMARY KEY,
    project     TEXT NOT NULL,
    author      TEXT NOT NULL,
    partner     TEXT NOT NULL,
    posted_at   TIMESTAMPTZ NOT NULL,
    text        TEXT NOT NULL,
    deliverable TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL
);
CREATE INDEX programme_updates_by_time ON programme_updates (posted_at, id);

CREATE TABLE programme_claims (
    id           TEXT PRIMARY KEY,
    statement    TEXT NOT NULL,
    origin       TEXT NOT NULL,
    project      TEXT NOT NULL,
    figures_json TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE programme_assessments (
    id           BIGSERIAL PRIMARY KEY,
    partner      TEXT NOT NULL,
    round        TEXT NOT NULL,
    answers_json TEXT NOT NULL,
    answered_by  TEXT NOT NULL,
    answered_at  TIMESTAMPTZ NOT NULL
);
