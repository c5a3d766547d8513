-- The partnership's data-maturity self-assessments: every submission is
-- kept, so the next round shows change (package programme).
CREATE SEQUENCE programme_assessment_ids START 1;

CREATE TABLE programme_assessments (
    id           BIGINT PRIMARY KEY,
    partner      VARCHAR NOT NULL,
    round        VARCHAR NOT NULL,
    answers_json VARCHAR NOT NULL,
    answered_by  VARCHAR NOT NULL,
    answered_at  TIMESTAMP NOT NULL
);
