-- Sign-in steps under way (docs/signin.md): a single sign-on's state,
-- nonce and PKCE verifier between the start and the provider's answer,
-- kept where every web process on this database finds it, and taken once
-- (DELETE … RETURNING). id_hash is the SHA-256 (hex) of the state; data
-- the flow as JSON.
CREATE TABLE signin_flows (
    id_hash    TEXT PRIMARY KEY,
    data       BYTEA NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
