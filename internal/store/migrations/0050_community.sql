-- The community-support directory (Open Referral UK): every suggestion,
-- correction and import is a submission; a published submission becomes
-- the next version of its service. Versions are never changed.
CREATE SEQUENCE community_submission_ids START 1;

CREATE TABLE community_submissions (
    id           BIGINT PRIMARY KEY,
    service_id   VARCHAR NOT NULL,
    correction   BOOLEAN NOT NULL,
    doc          VARCHAR NOT NULL,
    note         VARCHAR NOT NULL,
    submitted_by VARCHAR NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    status       VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,
    decided_by   VARCHAR NOT NULL,
    decided_at   TIMESTAMP,
    version      INTEGER NOT NULL
);

CREATE TABLE community_versions (
    service_id   VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    doc          VARCHAR NOT NULL,
    submission   BIGINT NOT NULL,
    published_by VARCHAR NOT NULL,
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (service_id, version)
);
