-- The community-support directory (Open Referral UK) in PostgreSQL, as the
-- embedded store keeps it (DuckDB migrations 0050-0052): submissions, the
-- published versions (never changed) with their owning partner, community
-- action zones and volunteering opportunities. Every row keeps its record
-- as JSON beside the columns it is found by.
CREATE TABLE community_submissions (
    id           BIGSERIAL PRIMARY KEY,
    service_id   TEXT NOT NULL,
    correction   BOOLEAN NOT NULL,
    doc          TEXT NOT NULL,
    note         TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    decided_by   TEXT NOT NULL,
    decided_at   TIMESTAMPTZ,
    version      INTEGER NOT NULL
);
CREATE INDEX community_submissions_status ON community_submissions (status, id);

CREATE TABLE community_versions (
    service_id   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    submission   BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    owner        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (service_id, version)
);

-- A published version never changes and is never removed.
CREATE FUNCTION community_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'community service % version % is published: it cannot change; publish a new version', OLD.service_id, OLD.version;
END
$$;
CREATE TRIGGER community_versions_immutable BEFORE UPDATE OR DELETE ON community_versions
    FOR EACH ROW EXECUTE FUNCTION community_versions_immutable();

CREATE TABLE community_zones (
    id            TEXT PRIMARY KEY,
    doc           TEXT NOT NULL,
    designated_by TEXT NOT NULL,
    designated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE community_opportunities (
    id           BIGSERIAL PRIMARY KEY,
    organization TEXT NOT NULL,
    partner      TEXT NOT NULL,
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL,
    posted_by    TEXT NOT NULL,
    posted_at    TIMESTAMPTZ NOT NULL
);
