-- Sign-in steps under way (docs/signin.md): a single sign-on's state,
-- nonce and PKCE verifier between the start and the provider's answer,
-- kept in the store so any web process can finish it, and taken once.
-- id_hash is the SHA-256 (hex) of the state; data the flow as JSON.
CREATE TABLE signin_flows (
    id_hash    VARCHAR PRIMARY KEY,
    data       BLOB NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
