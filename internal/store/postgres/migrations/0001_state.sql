-- civiclink's platform state in PostgreSQL: governance, web sessions,
-- privacy budgets, outputs and the release record, and the audit log.
-- Dataset contents, the catalogue and linkage runs stay with the analytics
-- engine (docs/server-mode.md says why and what moves next).

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    partner_id    TEXT NOT NULL,
    name          TEXT NOT NULL,
    roles         TEXT NOT NULL, -- comma-separated govern.Role values
    disabled      BOOLEAN NOT NULL DEFAULT false,
    password_hash TEXT NOT NULL DEFAULT '', -- PHC argon2id, '' for token-only users
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL, -- hex SHA-256 of the token; the token itself is never stored
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    revoked_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE user_mfa (
    user_id      TEXT PRIMARY KEY,
    secret       TEXT NOT NULL,
    recovery     TEXT NOT NULL,
    confirmed_at TIMESTAMPTZ,
    last_step    BIGINT NOT NULL
);

CREATE TABLE signin_failures (
    account   TEXT NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX signin_failures_account ON signin_failures (account);

CREATE TABLE purposes (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    safeguarding BOOLEAN NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE agreements (
    id         TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    status     TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    body_json  TEXT NOT NULL, -- the govern.Agreement without its history
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE agreement_transitions (
    agreement_id TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    action       TEXT NOT NULL,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    by_user      TEXT NOT NULL,
    changed_at   TIMESTAMPTZ NOT NULL,
    note         TEXT NOT NULL,
    PRIMARY KEY (agreement_id, seq)
);

-- One row per record and purpose it is opted out of ('*' = every purpose).
CREATE TABLE optouts (
    dataset_id TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    source     TEXT NOT NULL,
    added_by   TEXT NOT NULL,
    added_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (dataset_id, record_id, purpose)
);

-- Signed-in browsers, by the SHA-256 of the cookie's token: shared by
-- every web process on this database.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE privacy_budgets (
    dataset_id    TEXT PRIMARY KEY,
    epsilon_total DOUBLE PRECISION NOT NULL,
    delta_total   DOUBLE PRECISION NOT NULL,
    epsilon_spent DOUBLE PRECISION NOT NULL DEFAULT 0,
    delta_spent   DOUBLE PRECISION NOT NULL DEFAULT 0,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE privacy_spends (
    id         BIGSERIAL PRIMARY KEY,
    dataset_id TEXT NOT NULL,
    epsilon    DOUBLE PRECISION NOT NULL,
    delta      DOUBLE PRECISION NOT NULL,
    query      TEXT NOT NULL,
    spent_by   TEXT NOT NULL,
    spent_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX privacy_spends_dataset ON privacy_spends (dataset_id);

CREATE TABLE outputs (
    id          BIGSERIAL PRIMARY KEY,
    series      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    indicator   TEXT NOT NULL,
    by_json     TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    datasets    TEXT NOT NULL,
    columns     TEXT NOT NULL,
    status      TEXT NOT NULL,
    table_json  TEXT NOT NULL,
    report_json TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    checked_by  TEXT,
    checked_at  TIMESTAMPTZ,
    note        TEXT,
    released_by TEXT,
    released_at TIMESTAMPTZ,
    UNIQUE (series, version)
);

CREATE TABLE released_digests (
    key    TEXT NOT NULL,
    units  BIGINT NOT NULL,
    digest BYTEA NOT NULL
);
CREATE INDEX released_digests_key ON released_digests (key);

-- The audit log: the same RFC 6962 Merkle log with signed tree heads as
-- the embedded store's (internal/store/migrations/0002_audit.sql). Appends
-- from every process are serialised by a transaction-level advisory lock.
CREATE TABLE audit_keys (
    key_id     TEXT PRIMARY KEY,
    public_key BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_leaves (
    idx           BIGINT PRIMARY KEY,
    entry         BYTEA NOT NULL,
    leaf_hash     BYTEA NOT NULL,
    ts            TIMESTAMPTZ NOT NULL,
    actor_user    TEXT NOT NULL,
    actor_partner TEXT NOT NULL,
    action        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    agreement     TEXT NOT NULL,
    datasets      TEXT[] NOT NULL,
    owners        TEXT[] NOT NULL
);
CREATE INDEX audit_leaves_user ON audit_leaves (actor_user);
CREATE INDEX audit_leaves_owners ON audit_leaves USING GIN (owners);

CREATE TABLE audit_heads (
    size      BIGINT PRIMARY KEY,
    root      BYTEA NOT NULL,
    ts        TIMESTAMPTZ NOT NULL,
    key_id    TEXT NOT NULL,
    signature BYTEA NOT NULL
);

-- The tree's right edge, appended every so many entries; the newest row
-- is the one read.
CREATE TABLE audit_tree_states (
    size    BIGINT PRIMARY KEY,
    compact BYTEA NOT NULL
);

-- A small key/value table (the release salt, the store's identity).
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
