-- The audit log (internal/audit): an append-only RFC 6962 Merkle log with
-- signed tree heads. Rows are only ever inserted (and audit_state updated);
-- `civiclink audit verify` detects any other change.

-- Public keys that signed tree heads. The private key is kept outside the
-- store, so whoever can edit this file cannot sign a new head.
CREATE TABLE audit_keys (
    key_id     VARCHAR PRIMARY KEY,
    public_key BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The leaves: canonical entry bytes and their leaf hash, plus search columns
-- derived from the bytes (verify checks they agree).
CREATE TABLE audit_leaves (
    idx           BIGINT PRIMARY KEY,
    entry         BLOB NOT NULL,
    leaf_hash     BLOB NOT NULL,
    ts            TIMESTAMP NOT NULL,
    actor_user    VARCHAR NOT NULL,
    actor_partner VARCHAR NOT NULL,
    action        VARCHAR NOT NULL,
    outcome       VARCHAR NOT NULL,
    agreement     VARCHAR NOT NULL,
    datasets      VARCHAR[] NOT NULL,
    owners        VARCHAR[] NOT NULL
);

-- One signed tree head per append.
CREATE TABLE audit_heads (
    size      BIGINT PRIMARY KEY,
    root      BLOB NOT NULL,
    ts        TIMESTAMP NOT NULL,
    key_id    VARCHAR NOT NULL,
    signature BLOB NOT NULL
);

-- The right edge of the tree (compact range hashes, concatenated), so an
-- append costs O(log n) hashes and reads no earlier leaf.
CREATE TABLE audit_state (
    id      INTEGER PRIMARY KEY,
    size    BIGINT NOT NULL,
    compact BLOB NOT NULL
);
