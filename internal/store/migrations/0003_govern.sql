-- Governance: users and API tokens, the purpose register's additions,
-- data-sharing agreements and their transitions, opt-outs, purged versions.
CREATE TABLE users (
    id            VARCHAR PRIMARY KEY,
    partner_id    VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    roles         VARCHAR NOT NULL, -- comma-separated govern.Role values
    disabled      BOOLEAN NOT NULL DEFAULT false,
    password_hash VARCHAR NOT NULL DEFAULT '', -- PHC argon2id, '' for token-only users
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    id         VARCHAR PRIMARY KEY,
    user_id    VARCHAR NOT NULL,
    name       VARCHAR NOT NULL,
    hash       VARCHAR NOT NULL, -- hex SHA-256 of the token; the token itself is never stored
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    revoked_by VARCHAR NOT NULL DEFAULT ''
);

CREATE TABLE purposes (
    id           VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    description  VARCHAR NOT NULL,
    safeguarding BOOLEAN NOT NULL,
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE agreements (
    id         VARCHAR PRIMARY KEY,
    purpose    VARCHAR NOT NULL,
    status     VARCHAR NOT NULL,
    revision   INTEGER NOT NULL,
    body_json  VARCHAR NOT NULL, -- the govern.Agreement without its history
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE agreement_transitions (
    agreement_id VARCHAR NOT NULL,
    seq          INTEGER NOT NULL,
    action       VARCHAR NOT NULL,
    from_status  VARCHAR NOT NULL,
    to_status    VARCHAR NOT NULL,
    by_user      VARCHAR NOT NULL,
    changed_at   TIMESTAMP NOT NULL,
    note         VARCHAR NOT NULL,
    PRIMARY KEY (agreement_id, seq)
);

-- One row per record and purpose it is opted out of ('*' = every purpose).
CREATE TABLE optouts (
    dataset_id VARCHAR NOT NULL,
    record_id  VARCHAR NOT NULL,
    purpose    VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,
    added_by   VARCHAR NOT NULL,
    added_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (dataset_id, record_id, purpose)
);

CREATE TABLE purged_versions (
    version_id BIGINT PRIMARY KEY,
    dataset_id VARCHAR NOT NULL,
    number     INTEGER NOT NULL,
    table_name VARCHAR NOT NULL,
    rows       BIGINT NOT NULL,
    sha256     VARCHAR NOT NULL,
    loaded_at  TIMESTAMP NOT NULL,
    purged_by  VARCHAR NOT NULL,
    purged_at  TIMESTAMP NOT NULL
);
