-- Citizen voice in PostgreSQL (package voice): conversation programmes,
-- their sessions, responses with two consents and their answers, manual
-- codings, quotes (a released quote never changes: the store refuses, and
-- the trigger below refuses an UPDATE or DELETE of one) and "you said, we
-- did" actions. The same tables and columns as the embedded store's
-- (DuckDB migration 0060), so migrate copies them column by column. Free
-- text arrives redacted: voice.Text can only be made by the redaction
-- scanner.
CREATE TABLE voice_programmes (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    host        TEXT NOT NULL,
    questions   TEXT NOT NULL, -- JSON: []voice.Question
    codebook    TEXT NOT NULL, -- JSON: []voice.Theme
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL
);

CREATE TABLE voice_sessions (
    id           TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL,
    date         DATE NOT NULL,
    place        TEXT NOT NULL,
    district     TEXT NOT NULL,
    host         TEXT NOT NULL,
    wave         INTEGER NOT NULL
);

CREATE SEQUENCE voice_response_seq;

CREATE TABLE voice_responses (
    id            TEXT PRIMARY KEY,
    seq           BIGINT NOT NULL DEFAULT nextval('voice_response_seq'),
    programme_id  TEXT NOT NULL,
    session_id    TEXT NOT NULL,
    district      TEXT NOT NULL,
    age_band      TEXT NOT NULL,
    consent_store BOOLEAN NOT NULL,
    consent_quote BOOLEAN NOT NULL,
    captured_by   TEXT NOT NULL,
    captured_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX voice_responses_programme ON voice_responses (programme_id, seq);

CREATE TABLE voice_answers (
    response_id TEXT NOT NULL REFERENCES voice_responses (id),
    question_id TEXT NOT NULL,
    option      TEXT NOT NULL,
    text        TEXT NOT NULL, -- redacted
    PRIMARY KEY (response_id, question_id)
);

CREATE TABLE voice_codings (
    programme_id TEXT NOT NULL,
    response_id  TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    coder        TEXT NOT NULL,
    themes       TEXT NOT NULL, -- JSON: []string
    coded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (response_id, question_id, coder)
);

CREATE TABLE voice_quotes (
    id           TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL,
    response_id  TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    text         TEXT NOT NULL, -- redacted
    district     TEXT NOT NULL,
    theme        TEXT NOT NULL,
    state        TEXT NOT NULL,
    proposed_by  TEXT NOT NULL,
    proposed_at  TIMESTAMPTZ NOT NULL,
    checked_by   TEXT NOT NULL,
    checked_at   TIMESTAMPTZ,
    note         TEXT NOT NULL,
    released_at  TIMESTAMPTZ,
    digest       TEXT NOT NULL
);

CREATE FUNCTION civiclink_voice_quote_released() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'voice quote % is released: a released quote never changes', OLD.id USING ERRCODE = 'P0001';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER voice_quotes_released BEFORE UPDATE OR DELETE ON voice_quotes
    FOR EACH ROW WHEN (OLD.state = 'released') EXECUTE FUNCTION civiclink_voice_quote_released();

CREATE TABLE voice_actions (
    id           TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL,
    theme_id     TEXT NOT NULL,
    project      TEXT NOT NULL,
    title        TEXT NOT NULL,
    link         TEXT NOT NULL,
    by_user      TEXT NOT NULL,
    added_at     TIMESTAMPTZ NOT NULL
);
