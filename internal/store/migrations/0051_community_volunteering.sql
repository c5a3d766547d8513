-- Community action zones (a set of LSOAs designated for community action)
-- and the short volunteering opportunities organisations in the directory
-- post. Each row keeps its record as JSON beside the columns it is found by.
CREATE TABLE community_zones (
    id            VARCHAR PRIMARY KEY,
    doc           VARCHAR NOT NULL,
    designated_by VARCHAR NOT NULL,
    designated_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE community_opportunity_ids START 1;

CREATE TABLE community_opportunities (
    id           BIGINT PRIMARY KEY,
    organization VARCHAR NOT NULL,
    partner      VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,
    doc          VARCHAR NOT NULL,
    posted_by    VARCHAR NOT NULL,
    posted_at    TIMESTAMP NOT NULL
);
